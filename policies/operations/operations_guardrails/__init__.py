"""HOT Tasking Manager operations guardrails: tags, placement, rollouts that stop themselves, and
what each environment demands (prod highly available and protected; review apps small, cheap and
destroyable), and what each may cost."""

from pulumi_policy import Policy

from . import budget, deployments, placement, production, review, tags

PACK_NAME = "operations"

POLICIES: list[Policy] = [
    *tags.POLICIES,
    *placement.POLICIES,
    *deployments.POLICIES,
    *production.POLICIES,
    *review.POLICIES,
    *budget.POLICIES,
]
