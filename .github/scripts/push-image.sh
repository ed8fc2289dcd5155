#!/usr/bin/env bash
# Build the back-end image and push it under an immutable tag, unless the repository already holds
# that tag: the application's own image (its scripts/docker/Dockerfile, target prod), kept on this
# machine, with our OpenTelemetry layer on top (images/api; inert unless the API's command uses it).
# Run from this repository's root.
#
#   .github/scripts/push-image.sh <repository-url> <tag> <application-dir>
#
# REFRESH_BASE=true rebuilds without the layer cache on freshly pulled base images (the weekly
# patch rebuild: the same commit, the base image's and Debian's security fixes).
#
# Needs AWS credentials that may push to the repository, and docker.
set -euo pipefail

repository=${1:?usage: push-image.sh <repository-url> <tag> <application-dir>}
tag=${2:?usage: push-image.sh <repository-url> <tag> <application-dir>}
context=${3:?usage: push-image.sh <repository-url> <tag> <application-dir>}
registry=${repository%%/*}

# A re-run, or a second push of the same commit and layer (image-tag.sh puts both in the tag):
# the tag means the same bytes, keep them.
if aws ecr describe-images --repository-name "${repository#*/}" --image-ids imageTag="$tag" >/dev/null 2>&1; then
  echo "$repository:$tag exists already; not rebuilt"
  exit 0
fi
aws ecr get-login-password | docker login --username AWS --password-stdin "$registry"
fresh=()
no_cache=()
if [ "${REFRESH_BASE:-false}" = true ]; then
  fresh=(--pull --no-cache)
  no_cache=(--no-cache)
fi
application="tasking-manager-application:$tag"
docker build "${fresh[@]}" --file "$context/scripts/docker/Dockerfile" --target prod --tag "$application" "$context"
# Never --pull here: the base is the image just built, which exists only on this machine.
docker build "${no_cache[@]}" --file images/api/Dockerfile --build-arg "APP_IMAGE=$application" \
  --tag "$repository:$tag" images/api
docker push "$repository:$tag"
