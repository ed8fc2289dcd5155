#!/usr/bin/env bash
# The review apps to remove, as a JSON list of {repository, pr, reason}: those whose pull request
# is not open, and those past their expiry date (the ExpiresAt tag every review resource carries,
# or, with no stack yet, the slot claim's expiresAt).
#
# A review app is a stack review-pr-<N>, a slot claim, or both. Its pull request may be the
# application repository's or this one's: the slot claim names the repository. A stack without a
# claim (made before review slots) is this repository's. A pull request GitHub does not answer for
# (an error other than 404) is kept, with a warning: only a known state removes anything.
#
#   .github/scripts/stale-review-stacks.sh [<pr>]    only pull request <pr>, when given (the sweep
#                                                    job asks again just before it removes one)
#   needs PULUMI_BACKEND_URL, GITHUB_REPOSITORY, GH_TOKEN, AWS credentials and the Pulumi CLI
#   logged in
set -euo pipefail

only=${1:-}
case "$only" in *[!0-9]*) echo "the pull request must be a number, not $only" >&2; exit 2 ;; esac

: "${PULUMI_BACKEND_URL:?}" "${GITHUB_REPOSITORY:?}"
here=$(dirname "$0")
# The S3 backend keeps stacks under <bucket>/<prefix>/.pulumi/stacks/<project>.
location=$(python3 "$here/review_slots.py" location-from-backend "$PULUMI_BACKEND_URL" \
  --join .pulumi/stacks/tasking-manager)
bucket=$(sed -n 's/^bucket=//p' <<< "$location")
stacks=$(sed -n 's/^prefix=//p' <<< "$location")
today=$(date -u +%F)

claims=$("$here/slots.sh" list)
keys=$(aws s3api list-objects-v2 --bucket "$bucket" --prefix "$stacks/review-pr-" \
  --query 'Contents[].Key' --output text)
numbers=$(
  for key in $keys; do
    case "$key" in *.json) ;; *) continue ;; esac  # skip None, .bak and other copies
    name=${key##*/}
    pr=${name#review-pr-}
    echo "${pr%.json}"
  done
  jq -r '.[].pullRequest // empty' <<< "$claims"
)

mapfile -t prs < <(grep . <<< "$numbers" | sort -nu)
stale=()
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
for pr in "${prs[@]}"; do
  if [ -n "$only" ] && [ "$pr" != "$only" ]; then continue; fi
  claim=$(jq -c --argjson pr "$pr" '[.[] | select(.pullRequest == $pr)] | first // {}' <<< "$claims")
  repository=$(jq -r --arg this "$GITHUB_REPOSITORY" '.repository // $this' <<< "$claim")
  expires=$(pulumi stack export --stack "review-pr-$pr" 2>/dev/null | jq -r '
    [.deployment.resources[]? | select(.type == "pulumi:providers:aws") | .inputs.defaultTags
     | (if type == "string" then fromjson else . end) | .tags.ExpiresAt? // empty] | first // ""' || echo "")
  if [ -z "$expires" ]; then
    expires=$(jq -r '.expiresAt // ""' <<< "$claim")
  fi
  if ! state=$(gh api "repos/$repository/pulls/$pr" --jq .state 2> "$errors"); then
    if ! grep -q "HTTP 404" "$errors"; then
      echo "::warning::$repository#$pr: kept, GitHub did not say whether it is open: $(head -c 300 "$errors")" >&2
      continue
    fi
    state=missing
  fi
  if [ "$state" != "open" ]; then
    reason="the pull request is $state"
  elif [ -n "$expires" ] && [[ "$expires" < "$today" ]]; then
    reason="it expired on $expires"
  else
    echo "$repository#$pr: kept (open, expires ${expires:-unknown})" >&2
    continue
  fi
  echo "$repository#$pr: $reason" >&2
  stale+=("$(jq -cn --arg repository "$repository" --argjson pr "$pr" --arg reason "$reason" \
    '{repository: $repository, pr: $pr, reason: $reason}')")
done
printf '%s\n' "${stale[@]}" | jq -cs .
