#!/usr/bin/env bash
# Select a review stack for the commands that follow, creating it if asked.
#
#   .github/scripts/review-stack.sh <stack> [--create]
#
# Review stacks have no committed Pulumi.<stack>.yaml. On a fresh checkout the CLI would then take
# the passphrase secrets provider for an existing stack (pulumi/pulumi#5650), so the stack's
# provider, PULUMI_SECRETS_PROVIDER, is written into the new stack file each time.
# Exits 3 when the stack does not exist and --create is not given.
set -euo pipefail

stack=${1:?usage: review-stack.sh <stack> [--create]}
: "${PULUMI_SECRETS_PROVIDER:?the review stacks secrets provider (repository variable PULUMI_SECRETS_PROVIDER)}"

if [ "${2:-}" = "--create" ]; then
  pulumi stack select --create --secrets-provider "$PULUMI_SECRETS_PROVIDER" "$stack"
elif ! pulumi stack select "$stack" 2>/dev/null; then
  echo "no stack $stack"
  exit 3
fi
pulumi stack change-secrets-provider --stack "$stack" "$PULUMI_SECRETS_PROVIDER"
