#!/usr/bin/env bash
# `pulumi preview` with both policy packs of each stack given, against the image tag the stack
# runs (the committed tm:image.tag lags behind what the deploy workflow set): each preview in the
# log, a Markdown table on stdout. Exits 1 when any preview fails.
#
#   .github/scripts/previews.sh dev prod > table.md
set -uo pipefail

here=$(dirname "$0")
out=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/previews.XXXXXX")
status=0
echo "| stack | changes | result |"
echo "|---|---|---|"
for stack in "$@"; do
  if tag=$("$here/deployed.sh" "$stack" image-tag 2>/dev/null); then
    pulumi config set --stack "$stack" --path tm:image.tag "$tag" >&2
  fi
  echo "::group::pulumi preview of $stack" >&2
  if pulumi preview --stack "$stack" --non-interactive \
    --policy-pack policies/security-baseline --policy-pack-config "policies/security-baseline/config/$stack.json" \
    --policy-pack policies/operations --policy-pack-config "policies/operations/config/$stack.json" \
    2>&1 | tee "$out/$stack.log" >&2; then
    result="passed"
  else
    result="**failed**"
    status=1
  fi
  echo "::endgroup::" >&2
  # The "Resources:" block: "+ 2 to create", "~ 1 to update", "110 unchanged".
  changes=$(sed -n '/^Resources:/,/^$/p' "$out/$stack.log" | grep -E '[0-9]+ ' | sed -E 's/^ +//' | paste -sd ',' -)
  echo "| $stack | ${changes:-see the log} | $result |"
done
exit "$status"
