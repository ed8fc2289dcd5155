"""HOT Tasking Manager operations guardrails: tags, placement, and what each environment demands
(prod highly available and protected; review apps small, cheap and destroyable), and what each
may cost."""

from pulumi_policy import Policy

from . import budget, placement, production, review, tags

PACK_NAME = "operations"

POLICIES: list[Policy] = [
    *tags.POLICIES,
    *placement.POLICIES,
    *production.POLICIES,
    *review.POLICIES,
    *budget.POLICIES,
]
