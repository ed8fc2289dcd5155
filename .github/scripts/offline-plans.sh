#!/usr/bin/env bash
# The offline plans, with both policy packs, of dev, staging, prod and a review stack: each plan's text in
# the log, a Markdown table of them on stdout. Exits 1 when any plan fails (a config error or a
# mandatory policy violation).
#
#   .github/scripts/offline-plans.sh > table.md
#
# With BASE_SHA (the pull request's base commit) it also plans the base, in a worktree with this
# checkout's virtualenv, and adds what the change costs per stack and component.
set -uo pipefail

# A review stack has no stack file: its config is what the review-app workflow sets.
review="review-pr-123"
review_config=(
  tm:environment=review
  tm:pullRequest=123
  "tm:expiresAt=$(date -u -d '+7 days' +%F)"
  tm:baseStack=dev
  tm:owner=hot-tech
  tm:costCenter=tasking-manager
  tm:image.tag=pr-123-0123456789ab
  tm:slot=1
)
out=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/plans.XXXXXX")
status=0
echo "| stack | resources | mandatory violations | advisory findings | result |"
echo "|---|---|---|---|---|"
for stack in dev staging prod "$review"; do
  set=""
  if [ "$stack" = "$review" ]; then
    set="${review_config[*]}"
  fi
  echo "::group::offline plan of $stack" >&2
  make --no-print-directory -s plan STACK="$stack" SET="$set" >&2
  echo "::endgroup::" >&2
  if make --no-print-directory -s plan STACK="$stack" SET="$set" JSON=1 >"$out/$stack.json"; then
    result="passed"
  else
    result="**failed**"
    status=1
  fi
  counts=$(jq -r '"\([.resources[] | select(.custom)] | length) | \(.policies.mandatoryViolations) | \((.policies.violations | length) - .policies.mandatoryViolations)"' \
    "$out/$stack.json" 2>/dev/null || echo "- | - | -")
  echo "| $stack | $counts | $result |"
done
if [ -n "${BASE_SHA:-}" ]; then
  root=$(pwd)
  mkdir -p "$out/base-plans"
  if git worktree add --quiet --detach "$out/base" "$BASE_SHA" >&2; then
    for stack in dev staging prod "$review"; do
      args=()
      if [ "$stack" = "$review" ]; then
        for kv in "${review_config[@]}"; do args+=(--set "$kv"); done
      fi
      (cd "$out/base" && "$root/.venv/bin/python" -m offline plan "$stack" --json "${args[@]}") \
        > "$out/base-plans/$stack.json" 2> /dev/null || true
    done
    git worktree remove --force "$out/base" >&2
  fi
  echo
  echo "#### Monthly cost: before and after this change"
  echo
  .venv/bin/python -m offline.cost_diff "$out/base-plans" "$out" dev staging prod "$review"
fi
exit "$status"
