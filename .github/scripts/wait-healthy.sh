#!/usr/bin/env bash
# Wait until a URL answers 2xx (the API's heartbeat through the load balancer), for at most
# TIMEOUT seconds (default 600). A front end behind basic auth is waited for by amplify_deploy.py
# --ready instead, which presents the app's credentials.
#
#   .github/scripts/wait-healthy.sh <url> [timeout-seconds]
set -euo pipefail

url=${1:?usage: wait-healthy.sh <url> [timeout-seconds]}
timeout=${2:-600}
interval=${WAIT_INTERVAL_SECONDS:-10}
deadline=$((SECONDS + timeout))

until curl --fail --silent --show-error --max-time 10 --output /dev/null "$url"; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "::error::$url did not answer within ${timeout}s"
    exit 1
  fi
  sleep "$interval"
done
echo "$url answers"
