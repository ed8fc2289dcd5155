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
overrides=$(jq -cn --arg action "$action" --arg pr "$pull_request" \
  '{containerOverrides: [{name: "db-admin", environment: [{name: "ACTION", value: $action}, {name: "PR_NUMBER", value: $pr}]}]}')
echo "database-admin task: $action, pull request $pull_request"
"$(dirname "$0")/run-task.sh" "$base" "$(output reviewDatabaseAdminTaskDefinitionArn)" db-admin \
  --overrides "$overrides" --started-by "review-pr-$pull_request"
