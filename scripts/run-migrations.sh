#!/usr/bin/env bash
# Run the stack's migration task once (PostGIS, then `alembic upgrade head`) and fail if it fails.
#
#   scripts/run-migrations.sh <stack>
#
# Needs the Pulumi CLI logged in to the stack's backend, AWS credentials for its account, and jq.
# The migrate task definition must already reference the new image: see docs/operations/deploy.md.
set -euo pipefail

stack=${1:?usage: scripts/run-migrations.sh <stack>}
output() { pulumi stack output --stack "$stack" "$@"; }

cluster=$(output clusterName)
task_definition=$(output migrateTaskDefinitionArn)
subnets=$(output privateSubnetIds --json | jq -r 'join(",")')
security_group=$(output migrateSecurityGroupId)

task=$(aws ecs run-task \
  --cluster "$cluster" \
  --task-definition "$task_definition" \
  --capacity-provider-strategy capacityProvider=FARGATE,weight=1 \
  --network-configuration "awsvpcConfiguration={subnets=[$subnets],securityGroups=[$security_group],assignPublicIp=DISABLED}" \
  --started-by "migrations" \
  --query 'tasks[0].taskArn' --output text)
if [[ $task != arn:* ]]; then
  # ECS placed no task (run-task's failures say why): waiting on "None" would poll for 10 minutes.
  echo "ECS started no migration task (run-task answered $task); run it by hand to see its failures" >&2
  exit 1
fi
echo "migration task: $task"

aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task"
# shellcheck disable=SC2016 # the backticks are a JMESPath literal, not a command substitution
exit_code=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" \
  --query 'tasks[0].containers[?name==`migrate`].exitCode | [0]' --output text)
if [ "$exit_code" != "0" ]; then
  echo "migrations failed (exit code $exit_code); logs: $(output backendLogGroup), stream prefix migrate" >&2
  exit 1
fi
echo "migrations applied"
