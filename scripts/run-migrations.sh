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

"$(dirname "$0")/run-task.sh" "$stack" "$(output migrateTaskDefinitionArn)" migrate --started-by migrations
echo "migrations applied"
