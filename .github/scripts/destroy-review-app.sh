#!/usr/bin/env bash
# Remove a pull request's review app: drop its database and login role (dev's trusted admin
# task), destroy its stack, then remove the stack. Safe to repeat: what is gone already is skipped.
#
#   .github/scripts/destroy-review-app.sh <pr-number>
set -euo pipefail

pr=${1:?usage: destroy-review-app.sh <pr-number>}
case "$pr" in '' | *[!0-9]*) echo "not a pull request number: $pr" >&2; exit 2 ;; esac
stack="review-pr-$pr"
root=$(cd "$(dirname "$0")/../.." && pwd)

"$root/scripts/review-database.sh" drop "$pr"
status=0
"$root/.github/scripts/review-stack.sh" "$stack" || status=$?
if [ "$status" = 3 ]; then
  echo "$stack is gone already"
  exit 0
elif [ "$status" != 0 ]; then
  exit "$status"
fi
pulumi destroy --stack "$stack" --yes --non-interactive
pulumi stack rm --stack "$stack" --yes --non-interactive
