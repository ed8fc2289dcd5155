#!/usr/bin/env bash
# Dispatch the deploy workflow on a branch (whose GitHub environment rules then apply) and follow
# the run it started to its end; exits non-zero when that run fails.
#
#   .github/scripts/dispatch-deploy.sh <branch> -f stack=dev -f ... (gh workflow run's fields)
set -euo pipefail

branch=${1:?usage: dispatch-deploy.sh <branch> -f key=value ...}
shift
before=$(date -u +%Y-%m-%dT%H:%M:%SZ)
gh workflow run deploy.yml --ref "$branch" "$@"
# The run appears a few seconds later: the newest dispatched run of deploy.yml created since.
for _ in $(seq 1 30); do
  run=$(gh run list --workflow deploy.yml --event workflow_dispatch --branch "$branch" --limit 5 \
    --json databaseId,createdAt --jq "[.[] | select(.createdAt >= \"$before\")] | .[0].databaseId // empty")
  [ -z "$run" ] || break
  sleep "${DISPATCH_POLL_SECONDS:-5}"
done
if [ -z "$run" ]; then
  echo "::error::the dispatched deploy run did not appear"
  exit 1
fi
echo "following deploy run $run"
gh run watch "$run" --exit-status
