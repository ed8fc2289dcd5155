#!/usr/bin/env bash
# The first 8 hex characters of a digest of the image layer this repository adds to the
# application's image (images/api: its Dockerfile and hash-pinned packages) and of the platforms it
# is built for (IMAGE_PLATFORMS, else images/platforms, as push-image.sh reads them). Image tags
# carry it, so a changed layer, or an image built for other platforms, is a new image even when the
# application's commit is the same.
#
#   .github/scripts/layer-digest.sh [layer-dir]   (default images/api, from the repository root)
set -euo pipefail

layer=${1:-images/api}
{ cat "$layer/Dockerfile" "$layer/requirements.txt"; echo "${IMAGE_PLATFORMS:-$(cat images/platforms)}"; } \
  | sha256sum | cut -c1-8
