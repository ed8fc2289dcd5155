#!/usr/bin/env bash
# Why a rollout failed, for the run's summary: per ECS service of the stack, its deployments with
# ECS's rollout state and reason, why its last tasks stopped, and (base stacks) the stack's alarms
# that are firing. Markdown on stdout; one ::error annotation per failed deployment.
#
#   .github/scripts/rollout-report.sh <stack>
set -euo pipefail

stack=${1:?usage: rollout-report.sh <stack>}
cluster=$(pulumi stack output --stack "$stack" clusterName)
echo "### Rollout of $stack"
for output in apiServiceName cronServiceName; do
  service=$(pulumi stack output --stack "$stack" "$output" 2> /dev/null) || continue
  echo
  echo "#### $service"
  aws ecs describe-services --cluster "$cluster" --services "$service" --output json \
    | jq -r '.services[0].deployments[]
        | "- \(.status) \(.taskDefinition | sub(".*/"; "")): \(.rolloutState // "?") \(.rolloutStateReason // "")"'
  aws ecs describe-services --cluster "$cluster" --services "$service" --output json \
    | jq -r --arg service "$service" '.services[0].deployments[] | select(.rolloutState == "FAILED")
        | "::error title=rollout of \($service) failed::\(.rolloutStateReason // "no reason given")"' >&2
  stopped=$(aws ecs list-tasks --cluster "$cluster" --service-name "$service" --desired-status STOPPED \
    --output json | jq -r '.taskArns[:3] | join(" ")')
  if [ -n "$stopped" ]; then
    # shellcheck disable=SC2086 # task ARNs hold no spaces
    aws ecs describe-tasks --cluster "$cluster" --tasks $stopped --output json \
      | jq -r '.tasks[] | "- stopped task \(.taskArn | sub(".*/"; "")): \(.stoppedReason // "?")"
          + (.containers | map(select(.exitCode != null and .exitCode != 0)
              | "; \(.name) exited \(.exitCode) \(.reason // "")") | join(""))'
  fi
done
case "$stack" in
  review-pr-*) ;; # review apps have no alarms of their own
  *)
    echo
    echo "#### Alarms firing"
    aws cloudwatch describe-alarms --alarm-name-prefix "tasking-manager-$stack-" --state-value ALARM \
      --output json | jq -r '[.MetricAlarms[], .CompositeAlarms[]] | if length == 0 then "- none"
        else .[] | "- \(.AlarmName): \(.StateReason)" end'
    ;;
esac
