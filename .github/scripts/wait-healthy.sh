#!/usr/bin/env bash
# Wait until a URL answers 2xx (the API's heartbeat), for at most TIMEOUT seconds (default 600);
# with a marker, until it answers 2xx with a body that contains the marker (a front end's
# index.html, `<div id="root">`, rather than a placeholder or an error page).
#
#   .github/scripts/wait-healthy.sh <url> [timeout-seconds] [marker]
set -euo pipefail

url=${1:?usage: wait-healthy.sh <url> [timeout-seconds] [marker]}
timeout=${2:-600}
marker=${3:-}
interval=${WAIT_INTERVAL_SECONDS:-10}
deadline=$((SECONDS + timeout))

answers() {
  local body
  body=$(curl --fail --silent --show-error --max-time 10 "$url") || return 1
  [[ $body == *"$marker"* ]]
}

until answers; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "::error::$url did not answer${marker:+ with $marker} within ${timeout}s"
    exit 1
  fi
  sleep "$interval"
done
echo "$url answers"
