#!/usr/bin/env bash
# Facts about what a stack has deployed, read from its state.
#
#   .github/scripts/deployed.sh <stack> migrate-urn   the URN of the backend-migrate task definition
#   .github/scripts/deployed.sh <stack> image-tag     the image tag that task definition runs
#
# Exits non-zero when the stack has no such resource yet (its first deployment).
set -euo pipefail

stack=${1:?usage: deployed.sh <stack> migrate-urn|image-tag}
what=${2:?usage: deployed.sh <stack> migrate-urn|image-tag}
migrate='.deployment.resources[]
  | select(.type == "aws:ecs/taskDefinition:TaskDefinition" and (.urn | endswith("::backend-migrate")))'

case "$what" in
  migrate-urn) filter="$migrate | .urn" ;;
  # The tag is what follows the image's last colon (registries may carry a port).
  image-tag) filter="$migrate | .outputs.containerDefinitions | fromjson | .[0].image | sub(\".*:\"; \"\")" ;;
  *) echo "unknown fact: $what" >&2; exit 2 ;;
esac
pulumi stack export --stack "$stack" | jq --exit-status --raw-output "[$filter] | first // error(\"none\")"
