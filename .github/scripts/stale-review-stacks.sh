#!/usr/bin/env bash
# The pull request numbers of review stacks to destroy, as a JSON list: those whose pull request
# is not open, and those past their expiry date (the ExpiresAt tag every review resource carries).
#
#   .github/scripts/stale-review-stacks.sh          needs PULUMI_BACKEND_URL, GH_TOKEN, AWS credentials
set -euo pipefail

: "${PULUMI_BACKEND_URL:?}" "${GITHUB_REPOSITORY:?}"
# s3://bucket[/prefix]?query -> bucket and prefix; the S3 backend keeps stacks under .pulumi/stacks.
location=${PULUMI_BACKEND_URL#s3://}
location=${location%%\?*}
bucket=${location%%/*}
prefix=""
if [ "$location" != "$bucket" ]; then
  prefix="${location#*/}/"
fi
today=$(date -u +%F)

stale=()
keys=$(aws s3api list-objects-v2 --bucket "$bucket" --prefix "${prefix}.pulumi/stacks/tasking-manager/review-pr-" \
  --query 'Contents[].Key' --output text)
for key in $keys; do
  [ "$key" = "None" ] && continue
  case "$key" in *.json) ;; *) continue ;; esac  # skip .bak and other copies
  name=${key##*/}
  pr=${name#review-pr-}
  pr=${pr%.json}
  state=$(gh api "repos/$GITHUB_REPOSITORY/pulls/$pr" --jq .state 2>/dev/null || echo "missing")
  expires=$(pulumi stack export --stack "review-pr-$pr" 2>/dev/null | jq -r '
    [.deployment.resources[]? | select(.type == "pulumi:providers:aws") | .inputs.defaultTags
     | (if type == "string" then fromjson else . end) | .tags.ExpiresAt? // empty] | first // ""' || echo "")
  if [ "$state" != "open" ]; then
    echo "review-pr-$pr: pull request is $state" >&2
    stale+=("$pr")
  elif [ -n "$expires" ] && [[ "$expires" < "$today" ]]; then
    echo "review-pr-$pr: expired on $expires" >&2
    stale+=("$pr")
  else
    echo "review-pr-$pr: kept (open, expires ${expires:-unknown})" >&2
  fi
done
printf '%s\n' "${stale[@]}" | jq -cRs 'split("\n") | map(select(length > 0) | tonumber)'
