#!/usr/bin/env bash
# Keep one open issue per drifted stack: open it (label `drift`) or comment on it when the drift
# check failed, close it once the stack matches the program again.
#
#   .github/scripts/drift-issue.sh <stack> <preview exit status> <preview log> <run url>
set -euo pipefail

usage="usage: drift-issue.sh <stack> <status> <log> <run-url>"
stack=${1:?$usage}
status=${2:?$usage}
log=${3:?$usage}
run_url=${4:?$usage}
title="Drift in $stack"

number=$(gh issue list --repo "$GITHUB_REPOSITORY" --state open --label drift --limit 100 \
  --json number,title --jq ".[] | select(.title == \"$title\") | .number" | head -n 1)
if [ "$status" = 0 ]; then
  if [ -n "$number" ]; then
    gh issue close "$number" --repo "$GITHUB_REPOSITORY" --comment "$stack matches the program again ($run_url)."
  fi
  echo "$stack matches the program"
  exit 0
fi
# An issue body holds at most 65,536 characters: keep the end of the log, where the diff is.
body="\`pulumi preview --refresh --expect-no-changes\` of \`$stack\` exited $status ([the run]($run_url)): the account differs from the program, or the check itself failed. Either change the program to match what is wanted, or run \`pulumi up\` to put the account back (docs/operations/deploy.md).

\`\`\`
$(tail -c 60000 "$log")
\`\`\`"
if [ -n "$number" ]; then
  gh issue comment "$number" --repo "$GITHUB_REPOSITORY" --body "$body"
else
  gh label create drift --repo "$GITHUB_REPOSITORY" --force --color d93f0b \
    --description "The account differs from the program" > /dev/null
  gh issue create --repo "$GITHUB_REPOSITORY" --title "$title" --label drift --body "$body"
fi
echo "::warning::$stack drifted from the program (exit $status)"
