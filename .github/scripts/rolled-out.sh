#!/usr/bin/env bash
# Whether an ECS service rolled out a task definition: its PRIMARY deployment runs it and ECS says
# the rollout COMPLETED. After the circuit breaker rolls a push's image back, the previous task
# definition is PRIMARY again and healthy, which `aws ecs wait services-stable` accepts: this does
# not. Exit 0 when rolled out; 1, with an ::error annotation, when not.
#
#   .github/scripts/rolled-out.sh <cluster> <service> <task-definition-arn>
set -euo pipefail

usage="usage: rolled-out.sh <cluster> <service> <task-definition-arn>"
cluster=${1:?$usage}
service=${2:?$usage}
wanted=${3:?$usage}
# shellcheck disable=SC2016 # the backticks are a JMESPath literal, not a command substitution
primary=$(aws ecs describe-services --cluster "$cluster" --services "$service" --output text \
  --query 'services[0].deployments[?status==`PRIMARY`] | [0].[taskDefinition, rolloutState]')
read -r running state <<< "$primary"
if [ "$running" = "$wanted" ] && [ "$state" = COMPLETED ]; then
  echo "$service rolled out ${wanted##*/}"
  exit 0
fi
echo "::error title=$service was not rolled out::it runs ${running##*/} ($state), not ${wanted##*/}: the new image's tasks did not become healthy and ECS rolled back, or the rollout has not finished" >&2
exit 1
