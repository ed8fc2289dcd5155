#!/usr/bin/env bash
# Build the back-end image and push it under an immutable tag, unless the repository already holds
# that tag: the application's own image (its scripts/docker/Dockerfile, target prod) with our
# OpenTelemetry layer on top (images/api; inert unless the API's command uses it). Run from this
# repository's root.
#
#   .github/scripts/push-image.sh <repository-url> <tag> <application-dir>
#
# One tag holds an image for each platform of images/platforms (the CPU architectures
# tm:ecs.cpuArchitecture chooses from), or of IMAGE_PLATFORMS when set (a review app's image is
# built for the one its review stack runs): an OCI image index, built by BuildKit (docker buildx)
# into an OCI archive and pushed by skopeo with its digests preserved, as promote-image.sh copies
# it on. Building for a platform other than the runner's needs QEMU's binfmt handlers (the deploy
# workflow installs Ubuntu's qemu-user-static; docs/operations/deploy.md says how by hand).
#
# Review apps build and push in two jobs, so that the pull request's code (which runs during the
# build: the application's Dockerfile, then our layer on top of its image) never shares a job with
# AWS credentials:
#
#   .github/scripts/push-image.sh --build-only <application-dir> <archive>
#       build the same image without credentials and save it as an OCI archive
#   .github/scripts/push-image.sh --push-only <repository-url> <tag> <archive>
#       push that archive under the tag, unless the repository holds the tag already; skopeo reads
#       the archive, no docker daemon loads it. With REPUSH_OLDER_THAN_DAYS, a tag whose image was
#       pushed longer ago than that is deleted and pushed anew: the review repository expires
#       images a fixed time after their push, and a review app renewed by a deploy of the same
#       commit must not outlive its image.
#
# REFRESH_BASE=true rebuilds without the layer cache on freshly pulled base images (the weekly
# patch rebuild: the same commit, the base image's and Debian's security fixes).
#
# Pushing needs AWS credentials that may push to the repository; building needs docker with buildx.
set -euo pipefail

usage="usage: push-image.sh <repository-url> <tag> <application-dir>
       push-image.sh --build-only <application-dir> <archive>
       push-image.sh --push-only <repository-url> <tag> <archive>"
mode=both
case "${1:-}" in
  --build-only | --push-only) mode=${1#--}; shift ;;
esac
platforms=${IMAGE_PLATFORMS:-$(cat images/platforms)}
builder=tasking-manager-images

# A re-run, or a second push of the same commit and layer (image-tag.sh puts both in the tag, and
# the platforms in the layer's digest): the tag means the same bytes, keep them.
exists() {
  if [ -n "$(pushed_at "$1" "$2")" ]; then
    echo "$1:$2 exists already; not rebuilt"
  else
    return 1
  fi
}

# pushed_at <repository-url> <tag>: when the tag's image was pushed, in seconds since the epoch;
# nothing when the repository has no such tag.
pushed_at() {
  local when
  when=$(aws ecr describe-images --repository-name "${1#*/}" --image-ids imageTag="$2" \
    --query 'imageDetails[0].imagePushedAt' --output text 2> /dev/null) || return 0
  case "$when" in '' | None) return 0 ;; esac
  date -u -d "$when" +%s
}

# build <application-dir> <archive>
build() {
  local fresh=() no_cache=() work
  if [ "${REFRESH_BASE:-false}" = true ]; then
    fresh=(--pull --no-cache)
    no_cache=(--no-cache)
  fi
  # BuildKit in a container: docker's own builder cannot build for several platforms at once.
  # BUILDKIT_MULTI_PLATFORM: an image index even for one platform (a review app's), which
  # check_platforms reads; without it BuildKit exports a bare manifest for a single platform.
  docker buildx inspect "$builder" >/dev/null 2>&1 \
    || docker buildx create --name "$builder" --driver docker-container >/dev/null
  work=$(mktemp -d)
  docker buildx build --builder "$builder" --platform "$platforms" --provenance=false \
    --build-arg BUILDKIT_MULTI_PLATFORM=1 "${fresh[@]}" \
    --file "$1/scripts/docker/Dockerfile" --target prod \
    --output "type=oci,dest=$work/application,tar=false,name=application:build" "$1"
  # Our layer on each platform's application image, read from that layout: never pulled.
  docker buildx build --builder "$builder" --platform "$platforms" --provenance=false \
    --build-arg BUILDKIT_MULTI_PLATFORM=1 "${no_cache[@]}" \
    --build-context "application=oci-layout://$work/application:build" --build-arg APP_IMAGE=application \
    --file images/api/Dockerfile --output "type=oci,dest=$2" images/api
  rm -rf "$work"
}

# The archive's platforms, as images/platforms spells them: a stale or partial build is refused.
check_platforms() {
  local built
  built=$(skopeo inspect --raw "oci-archive:$1" \
    | jq -r '[.manifests[].platform | "\(.os)/\(.architecture)"] | sort | join(",")')
  if [ "$built" != "$(tr ',' '\n' <<< "$platforms" | sort | paste -sd, -)" ]; then
    echo "::error::$1 holds images for ${built:-no platform}, not for $platforms"
    exit 1
  fi
}

# push <archive> <repository> <tag>: the index and every image under it, digests preserved.
push() {
  check_platforms "$1"
  aws ecr get-login-password | skopeo login --username AWS --password-stdin "${2%%/*}"
  skopeo copy --all --preserve-digests "oci-archive:$1" "docker://$2:$3"
}

case "$mode" in
  build-only)
    context=${1:?$usage}
    archive=${2:?$usage}
    build "$context" "$archive"
    check_platforms "$archive"
    ;;
  push-only)
    repository=${1:?$usage}
    tag=${2:?$usage}
    archive=${3:?$usage}
    pushed=$(pushed_at "$repository" "$tag")
    if [ -n "$pushed" ]; then
      age=$((($(date -u +%s) - pushed) / 86400))
      if [ -z "${REPUSH_OLDER_THAN_DAYS:-}" ] || [ "$age" -lt "$REPUSH_OLDER_THAN_DAYS" ]; then
        echo "$repository:$tag exists already (pushed $age days ago); kept"
        exit 0
      fi
      echo "$repository:$tag was pushed $age days ago and would expire before the review app: pushed anew"
      aws ecr batch-delete-image --repository-name "${repository#*/}" --image-ids imageTag="$tag" > /dev/null
    fi
    push "$archive" "$repository" "$tag"
    ;;
  both)
    repository=${1:?$usage}
    tag=${2:?$usage}
    context=${3:?$usage}
    exists "$repository" "$tag" && exit 0
    archive=$(mktemp -d)/backend-image.tar
    build "$context" "$archive"
    push "$archive" "$repository" "$tag"
    ;;
esac
