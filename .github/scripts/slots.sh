#!/usr/bin/env bash
# Run review_slots.py on the base stack's review slots: the claims live in the Pulumi state bucket
# under <backend prefix>/review-slots/<base stack> (read from PULUMI_BACKEND_URL), and the base
# stack's output reviewSlots says how many slots there are.
#
#   .github/scripts/slots.sh claim|release|list [review_slots.py options]
#
# BASE_STACK names the base stack (default dev). Needs the Pulumi CLI logged in, AWS credentials
# and the Python with boto3 first on PATH (the program's virtualenv).
set -euo pipefail

command=${1:?usage: slots.sh claim|release|list [options]}
shift
: "${PULUMI_BACKEND_URL:?the Pulumi backend (repository variable PULUMI_BACKEND_URL)}"
base=${BASE_STACK:-dev}
slots="$(dirname "$0")/review_slots.py"

location=$(python3 "$slots" location-from-backend "$PULUMI_BACKEND_URL" --join "review-slots/$base")
value() { sed -n "s/^$1=//p" <<< "$location"; }
args=(--bucket "$(value bucket)" --prefix "$(value prefix)")
args+=(--slots "$(pulumi stack output --stack "$base" reviewSlots)")
region=$(value region)
if [ -n "$region" ]; then
  args+=(--region "$region")
fi
exec python3 "$slots" "$command" "${args[@]}" "$@"
