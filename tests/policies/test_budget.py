"""The budget guardrail: either side of its threshold, during a preview, and end to end."""

from __future__ import annotations

import dataclasses

import pytest
from operations_guardrails import budget
from operations_guardrails.environments import MISSING

from offline.engine import Plan
from offline.policy_run import PackProcess, check_plan, load_config
from tests.conftest import plan_for
from tests.policies.cases.budget import DATABASE, QUIET_USAGE
from tests.policies.harness import CANNOT_EVALUATE, UNKNOWN, run_stack_policy

COST = 13.98  # the DATABASE fixture a month, by hand: 0.016 x 730 + 20 x 0.115


def _run(budget_usd: float, resources: dict[str, tuple[str, dict[str, object]]]) -> list[str] | str:
    config = {"environment": "dev", "monthlyBudgetUsd": budget_usd, "usage": QUIET_USAGE}
    found = run_stack_policy(budget.stack_monthly_budget, resources, config)
    return found if isinstance(found, str) else [message for message, _ in found]


@pytest.mark.parametrize(("budget_usd", "fails"), [(COST + 0.01, False), (COST - 0.01, True)])
def test_the_budget_passes_just_above_the_estimate_and_fails_just_below(
    budget_usd: float, fails: bool
) -> None:
    found = _run(budget_usd, {"database": ("aws:rds/instance:Instance", DATABASE)})
    assert isinstance(found, list)
    assert bool(found) is fails
    if fails:
        assert found == [
            f"the estimated cost is ${COST:.2f} a month, over the dev budget of ${budget_usd:,.2f}; the "
            f"biggest parts: (stack) ${COST:.2f} (make plan shows every line)"
        ]


def test_an_unknown_price_input_cannot_be_evaluated_while_under_budget() -> None:
    found = _run(100, {"database": ("aws:rds/instance:Instance", {**DATABASE, "multiAz": UNKNOWN})})
    assert found == CANNOT_EVALUATE


def test_what_is_known_already_over_budget_fails_during_a_preview() -> None:
    resources = {
        "database": ("aws:rds/instance:Instance", DATABASE),
        "balancer": ("aws:lb/loadBalancer:LoadBalancer", {"internal": False, "subnets": UNKNOWN}),
    }
    (message,) = _run(10, resources)
    assert message.startswith("the estimated cost of what is known so far is $13.98 a month, over the dev")


def test_without_an_environment_the_budget_says_so() -> None:
    found = run_stack_policy(
        budget.stack_monthly_budget, {"database": ("aws:rds/instance:Instance", DATABASE)}
    )
    assert found == [(MISSING, "")]


def test_every_environment_has_a_budget_and_review_apps_the_smallest() -> None:
    budgets = {
        env: load_config("operations", env)["stack-monthly-budget"]["monthlyBudgetUsd"]
        for env in ("prod", "dev", "review")
    }
    assert budgets["review"] == 10
    assert budgets["dev"] == 150
    assert budgets["review"] < budgets["dev"] < budgets["prod"]


def test_a_review_stack_with_a_bigger_task_fails_through_the_pack(packs: list[PackProcess]) -> None:
    """Two vCPUs, even on Spot, are far over a review app's 10 USD."""
    review = plan_for("review-pr-123")
    resources = [
        dataclasses.replace(r, outputs={**r.outputs, "cpu": "2048", "memory": "4096"})
        if r.type == "aws:ecs/taskDefinition:TaskDefinition"
        else r
        for r in review.resources
    ]
    plan = Plan(review.stack, review.environment, resources, review.outputs, usage=review.usage)
    found = [v for v in check_plan(plan, packs).mandatory if v.policy == "stack-monthly-budget"]
    assert len(found) == 1
    assert "over the review budget of $10.00" in found[0].message
