#!/usr/bin/env bash
# What the weekly patch rebuild does, as GitHub outputs: the application commits dev and prod run
# (the first 12 characters of their deployed image tags) and the rebuilt image's tag.
#
#   .github/scripts/patch-plan.sh <dev image tag> <prod image tag> <YYYYMMDD>
set -euo pipefail

usage="usage: patch-plan.sh <dev-tag> <prod-tag> <YYYYMMDD>"
dev=${1:?$usage}
prod=${2:?$usage}
date=${3:?$usage}
for tag in "$dev" "$prod"; do
  if ! [[ $tag =~ ^[0-9a-f]{12}(-l[0-9a-f]{8})?(-[0-9]{8})?$ ]]; then
    echo "::error::$tag is not an image tag of an application commit" >&2
    exit 1
  fi
done
echo "dev-commit=${dev:0:12}"
echo "prod-commit=${prod:0:12}"
echo "tag=${dev:0:12}-$date"
