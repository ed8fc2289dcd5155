#!/usr/bin/env bash
# Run one task of a task definition on a stack's cluster (Fargate, its private subnets, its migrate
# security group), wait until it stops, and fail unless the named container exited 0. The
# migrations (scripts/run-migrations.sh) and a review database's administration
# (scripts/review-database.sh) run this way.
#
#   scripts/run-task.sh <stack> <task-definition-arn> <container> [aws ecs run-task options...]
#
# Needs the Pulumi CLI logged in to the stack's backend, AWS credentials for its account, and jq.
set -euo pipefail

usage="usage: scripts/run-task.sh <stack> <task-definition-arn> <container> [run-task options...]"
stack=${1:?$usage}
task_definition=${2:?$usage}
container=${3:?$usage}
shift 3
output() { pulumi stack output --stack "$stack" "$@"; }

cluster=$(output clusterName)
subnets=$(output privateSubnetIds --json | jq -r 'join(",")')
security_group=$(output migrateSecurityGroupId)

task=$(aws ecs run-task \
  --cluster "$cluster" \
  --task-definition "$task_definition" \
  --capacity-provider-strategy capacityProvider=FARGATE,weight=1 \
  --network-configuration "awsvpcConfiguration={subnets=[$subnets],securityGroups=[$security_group],assignPublicIp=DISABLED}" \
  "$@" \
  --query 'tasks[0].taskArn' --output text)
if [[ $task != arn:* ]]; then
  # ECS placed no task (run-task's failures say why): waiting on "None" would poll for 10 minutes.
  echo "ECS started no $container task (run-task answered $task); run it by hand to see its failures" >&2
  exit 1
fi
echo "$container task: $task"

aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task"
exit_code=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" \
  --query "tasks[0].containers[?name==\`$container\`].exitCode | [0]" --output text)
if [ "$exit_code" != "0" ]; then
  # awslogs names a stream <prefix>/<container>/<task id>.
  echo "the $container task failed (exit code $exit_code); logs: $(output backendLogGroup), stream */$container/${task##*/}" >&2
  exit 1
fi
