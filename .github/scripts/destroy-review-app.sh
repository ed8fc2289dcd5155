#!/usr/bin/env bash
# Remove a pull request's review app: drop its database and login role (dev's trusted admin
# task), destroy its stack and remove it, put the "slot free" page on the front-end slot it held,
# then release the slot. Safe to repeat: what is gone already is skipped.
#
#   .github/scripts/destroy-review-app.sh <owner/name> <pr-number>
#
# Stacks are named by number alone (review-pr-<N>): when another repository's pull request holds
# that number's slot, the stack is that one's, and nothing is touched.
set -euo pipefail

usage="usage: destroy-review-app.sh <owner/name> <pr-number>"
repository=${1:?$usage}
pr=${2:?$usage}
case "$pr" in '' | *[!0-9]*) echo "not a pull request number: $pr" >&2; exit 2 ;; esac
stack="review-pr-$pr"
root=$(cd "$(dirname "$0")/../.." && pwd)
scripts="$root/.github/scripts"
base=${BASE_STACK:-dev}
placeholder="This review slot is free: a Tasking Manager pull request's review app appears here while it holds the slot."

# Who holds the number, and which slot: read before anything is removed.
claim=$("$scripts/slots.sh" list | jq -c --argjson pr "$pr" '[.[] | select(.pullRequest == $pr)] | first // empty')
holder=$(jq -r '.repository // empty' <<< "${claim:-null}")
if [ -n "$holder" ] && [ "${holder,,}" != "${repository,,}" ]; then
  echo "$stack belongs to $holder#$pr: nothing of $repository#$pr to remove"
  exit 0
fi
slot=$(jq -r '.slot // empty' <<< "${claim:-null}")

"$root/scripts/review-database.sh" drop "$pr"
status=0
"$scripts/review-stack.sh" "$stack" || status=$?
if [ "$status" = 0 ]; then
  pulumi destroy --stack "$stack" --yes --non-interactive
  pulumi stack rm --stack "$stack" --yes --non-interactive
elif [ "$status" = 3 ]; then
  echo "$stack is gone already"
else
  exit "$status"
fi
if [ -n "$slot" ]; then
  # Before the release: once released, the slot may be another pull request's at once.
  python3 "$scripts/amplify_deploy.py" --app-id "$(pulumi stack output --stack "$base" reviewFrontendAppId)" \
    --branch "slot-$slot" --placeholder "$placeholder"
fi
"$scripts/slots.sh" release --repository "$repository" --pull-request "$pr"
