#!/usr/bin/env bash
# Build the back-end image and push it under an immutable tag, unless the repository already holds
# that tag: the application's own image (its scripts/docker/Dockerfile, target prod), kept on this
# machine, with our OpenTelemetry layer on top (images/api; inert unless the API's command uses it).
# Run from this repository's root.
#
#   .github/scripts/push-image.sh <repository-url> <tag> <application-dir>
#
# Review apps build and push in two jobs, so that the pull request's code (which runs during the
# build: the application's Dockerfile, then our layer on top of its image) never shares a job with
# AWS credentials:
#
#   .github/scripts/push-image.sh --build-only <application-dir> <archive>
#       build the same image without credentials and save it as a docker archive
#   .github/scripts/push-image.sh --push-only <repository-url> <tag> <archive>
#       push that archive under the tag, unless the repository holds the tag already; skopeo reads
#       the archive, no docker daemon loads it
#
# REFRESH_BASE=true rebuilds without the layer cache on freshly pulled base images (the weekly
# patch rebuild: the same commit, the base image's and Debian's security fixes).
#
# Pushing needs AWS credentials that may push to the repository; building needs docker.
set -euo pipefail

usage="usage: push-image.sh <repository-url> <tag> <application-dir>
       push-image.sh --build-only <application-dir> <archive>
       push-image.sh --push-only <repository-url> <tag> <archive>"
mode=both
case "${1:-}" in
  --build-only | --push-only) mode=${1#--}; shift ;;
esac

# A re-run, or a second push of the same commit and layer (image-tag.sh puts both in the tag):
# the tag means the same bytes, keep them.
exists() {
  if aws ecr describe-images --repository-name "${1#*/}" --image-ids imageTag="$2" >/dev/null 2>&1; then
    echo "$1:$2 exists already; not rebuilt"
  else
    return 1
  fi
}

# build <application-dir> <image>
build() {
  local fresh=() no_cache=() application="tasking-manager-application:${2##*:}"
  if [ "${REFRESH_BASE:-false}" = true ]; then
    fresh=(--pull --no-cache)
    no_cache=(--no-cache)
  fi
  docker build "${fresh[@]}" --file "$1/scripts/docker/Dockerfile" --target prod --tag "$application" "$1"
  # Never --pull here: the base is the image just built, which exists only on this machine.
  docker build "${no_cache[@]}" --file images/api/Dockerfile --build-arg "APP_IMAGE=$application" \
    --tag "$2" images/api
}

case "$mode" in
  build-only)
    context=${1:?$usage}
    archive=${2:?$usage}
    image=tasking-manager-review:build
    build "$context" "$image"
    docker save --output "$archive" "$image"
    ;;
  push-only)
    repository=${1:?$usage}
    tag=${2:?$usage}
    archive=${3:?$usage}
    exists "$repository" "$tag" && exit 0
    aws ecr get-login-password | skopeo login --username AWS --password-stdin "${repository%%/*}"
    skopeo copy "docker-archive:$archive" "docker://$repository:$tag"
    ;;
  both)
    repository=${1:?$usage}
    tag=${2:?$usage}
    context=${3:?$usage}
    exists "$repository" "$tag" && exit 0
    aws ecr get-login-password | docker login --username AWS --password-stdin "${repository%%/*}"
    build "$context" "$repository:$tag"
    docker push "$repository:$tag"
    ;;
esac
