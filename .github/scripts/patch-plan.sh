#!/usr/bin/env bash
# What the weekly patch rebuild does, as GitHub outputs: the application commits dev, prod and
# staging run (the first 12 characters of their deployed image tags; staging's empty when it has
# none) and the rebuilt image's tag.
#
#   .github/scripts/patch-plan.sh <dev image tag> <prod image tag> <YYYYMMDD> [<staging image tag>]
set -euo pipefail

usage="usage: patch-plan.sh <dev-tag> <prod-tag> <YYYYMMDD> [<staging-tag>]"
dev=${1:?$usage}
prod=${2:?$usage}
date=${3:?$usage}
staging=${4:-}
for tag in "$dev" "$prod" ${staging:+"$staging"}; do
  if ! [[ $tag =~ ^[0-9a-f]{12}(-l[0-9a-f]{8})?(-[0-9]{8})?$ ]]; then
    echo "::error::$tag is not an image tag of an application commit" >&2
    exit 1
  fi
done
echo "dev-commit=${dev:0:12}"
echo "prod-commit=${prod:0:12}"
echo "staging-commit=${staging:0:12}"
echo "tag=${dev:0:12}-$date"
