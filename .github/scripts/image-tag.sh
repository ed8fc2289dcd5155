#!/usr/bin/env bash
# The immutable image tag of an application checkout: the first 12 characters of its commit and
# the digest of this repository's image layer (`<commit>-l<layer>`), or a requested tag of that
# commit (`<commit>-<suffix>`, e.g. the weekly rebuild's `<commit>-20261201`).
#
#   .github/scripts/image-tag.sh <application-dir> [requested-tag]   (from the repository root)
set -euo pipefail

app=${1:?usage: image-tag.sh <application-dir> [requested-tag]}
commit=$(git -C "$app" rev-parse --short=12 HEAD)
tag=${2:-$commit-l$("$(dirname "$0")/layer-digest.sh")}
case "$tag" in
  "$commit" | "$commit"-*) echo "$tag" ;;
  *)
    echo "::error::the image tag $tag is not of the checked-out commit $commit" >&2
    exit 1
    ;;
esac
