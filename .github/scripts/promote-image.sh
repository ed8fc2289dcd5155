#!/usr/bin/env bash
# Promote a release image: copy <tag> from the source stack's repository into the target's by
# digest, so prod runs the bytes dev ran, never a rebuild; then check that the digests match.
#
#   .github/scripts/promote-image.sh <source-repository-url> <target-repository-url> <tag>
#
# An image whose scan found CRITICAL vulnerabilities (or that has no scan result) is refused, unless
# ALLOW_CRITICAL_FINDINGS names its digest: a maintainer's deliberate choice for that one image.
#
# Needs AWS credentials that may read the source and push to the target, and skopeo.
set -euo pipefail

usage="usage: promote-image.sh <source-repository-url> <target-repository-url> <tag>"
source=${1:?$usage}
target=${2:?$usage}
tag=${3:?$usage}

digest_of() {
  aws ecr describe-images --repository-name "${1#*/}" --image-ids imageTag="$tag" \
    --query 'imageDetails[0].imageDigest' --output text 2> /dev/null
}

wanted=$(digest_of "$source") || wanted=""
if [ -z "$wanted" ] || [ "$wanted" = None ]; then
  echo "::error::$source has no image $tag: deploy that application commit to dev first, then promote it"
  exit 1
fi
# ECR scans images, not indexes: each platform's image under the tag's index (push-image.sh) is
# checked, or the tag's image itself when it is a single image.
images=$(aws ecr batch-get-image --repository-name "${source#*/}" --image-ids imageDigest="$wanted" \
  --accepted-media-types application/vnd.oci.image.index.v1+json application/vnd.oci.image.manifest.v1+json \
  application/vnd.docker.distribution.manifest.list.v2+json application/vnd.docker.distribution.manifest.v2+json \
  --query 'images[0].imageManifest' --output text \
  | jq -r --arg self "$wanted" '[.manifests[]?.digest] | if . == [] then [$self] else . end | .[]')
found=""
for image in $images; do
  critical=$(aws ecr describe-image-scan-findings --repository-name "${source#*/}" \
    --image-id imageDigest="$image" --query 'imageScanFindings.findingSeverityCounts.CRITICAL' \
    --output text 2> /dev/null) || critical="no scan result"
  if [ "$critical" != None ] && [ "$critical" != 0 ]; then
    found="${found:+$found, }$image: $critical"
  fi
done
if [ -n "$found" ] && [ "${ALLOW_CRITICAL_FINDINGS:-}" != "$wanted" ]; then
  echo "::error::$source@$wanted has critical findings ($found): not promoted. Rebuild it on a patched base, or dispatch the deploy with allow-critical-findings=$wanted to promote it anyway"
  exit 1
fi
have=$(digest_of "$target") || have=""
if [ -n "$have" ] && [ "$have" != None ]; then
  if [ "$have" = "$wanted" ]; then
    echo "$target:$tag is $wanted already"
    exit 0
  fi
  echo "::error::$target:$tag is $have, not the promoted $wanted: tags are immutable, nothing was changed"
  exit 1
fi
aws ecr get-login-password | skopeo login --username AWS --password-stdin "${target%%/*}"
skopeo copy --all --preserve-digests "docker://$source@$wanted" "docker://$target:$tag"
have=$(digest_of "$target")
if [ "$have" != "$wanted" ]; then
  echo "::error::$target:$tag is $have after the copy, not $wanted"
  exit 1
fi
echo "promoted $source@$wanted to $target:$tag"
