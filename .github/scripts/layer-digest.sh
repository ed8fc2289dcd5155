#!/usr/bin/env bash
# The first 8 hex characters of a digest of the image layer this repository adds to the
# application's image (images/api: its Dockerfile and hash-pinned packages). Image tags carry it,
# so a changed layer is a new image even when the application's commit is the same.
#
#   .github/scripts/layer-digest.sh [layer-dir]   (default images/api, from the repository root)
set -euo pipefail

layer=${1:-images/api}
cat "$layer/Dockerfile" "$layer/requirements.txt" | sha256sum | cut -c1-8
