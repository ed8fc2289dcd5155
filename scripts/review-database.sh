#!/usr/bin/env bash
# Create, seed or drop a review app's database and login role, with dev's trusted database-admin task.
#
#   scripts/review-database.sh <create|seed|drop> <pr-number> [base-stack]
#
# seed loads the review data set (scripts/review-seed.sql, carried by the task definition) into a
# database the review app's migrations have run in, as the review app's role; a second seed does
# nothing. A seed before the migrations fails and says so.
# The task runs a pinned PostgreSQL client image owned by the base stack (dev), never the pull
# request's image; the master login stays inside it. Needs the Pulumi CLI logged in to the base
# stack's backend, AWS credentials for its account, and jq.
set -euo pipefail

usage="usage: scripts/review-database.sh <create|seed|drop> <pr-number> [base-stack]"
action=${1:?$usage}
pull_request=${2:?$usage}
base=${3:-dev}
case "$action" in create | seed | drop) ;; *) echo "action must be create, seed or drop" >&2; exit 2 ;; esac
case "$pull_request" in '' | *[!0-9]*) echo "the pull request number must be a number" >&2; exit 2 ;; esac
output() { pulumi stack output --stack "$base" "$@"; }

# Outside working hours the base's RDS instance may be stopped (off-hours): start it first.
sleeping=$(output --json | jq --raw-output '.offHours.stoppedDatabase // empty')
if [ -n "$sleeping" ]; then
  scripts/start-database.sh "$sleeping"
fi
cluster=$(output clusterName)
task_definition=$(output reviewDatabaseAdminTaskDefinitionArn)
subnets=$(output privateSubnetIds --json | jq -r 'join(",")')
security_group=$(output migrateSecurityGroupId)
overrides=$(jq -cn --arg action "$action" --arg pr "$pull_request" \
  '{containerOverrides: [{name: "db-admin", environment: [{name: "ACTION", value: $action}, {name: "PR_NUMBER", value: $pr}]}]}')

task=$(aws ecs run-task \
  --cluster "$cluster" \
  --task-definition "$task_definition" \
  --capacity-provider-strategy capacityProvider=FARGATE,weight=1 \
  --network-configuration "awsvpcConfiguration={subnets=[$subnets],securityGroups=[$security_group],assignPublicIp=DISABLED}" \
  --overrides "$overrides" \
  --started-by "review-pr-$pull_request" \
  --query 'tasks[0].taskArn' --output text)
if [[ $task != arn:* ]]; then
  # ECS placed no task (run-task's failures say why): waiting on "None" would poll for 10 minutes.
  echo "ECS started no database-admin task (run-task answered $task); run it by hand to see its failures" >&2
  exit 1
fi
echo "database-admin task ($action, pull request $pull_request): $task"

aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task"
# shellcheck disable=SC2016 # the backticks are a JMESPath literal, not a command substitution
exit_code=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" \
  --query 'tasks[0].containers[?name==`db-admin`].exitCode | [0]' --output text)
if [ "$exit_code" != "0" ]; then
  echo "database-admin task failed (exit code $exit_code); logs: $(output backendLogGroup), prefix review-db-admin" >&2
  exit 1
fi
