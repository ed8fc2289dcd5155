"""The stacks' AWS Budgets: what each one counts, its amount, and when it alerts whom."""

from __future__ import annotations

import json

import pytest

from components.profiles import PROFILES
from offline.engine import Plan
from offline.policy_run import load_config
from tests.conftest import plan_for

BUDGET = "aws:budgets/budget:Budget"

# Stack -> its budgets: name -> (monthly USD, the cost allocation tag it filters on), and why.
EXPECTED = {
    # prod's own resources, tagged Stack=prod.
    "prod": {"tasking-manager-prod": ("650.00", "user:Stack$prod")},
    "dev": {
        # dev's own resources: Stack=dev (review apps carry Stack=review-pr-<N>, not counted here).
        "tasking-manager-dev": ("150.00", "user:Stack$dev"),
        # Every review app together, on their base: Environment=review, a handful at ~$5 each.
        "tasking-manager-dev-review-apps": ("50.00", "user:Environment$review"),
    },
}


def _provider_tags(plan: Plan) -> dict[str, str]:
    provider = next(r for r in plan.resources if r.type == "pulumi:providers:aws")
    tags: dict[str, str] = json.loads(provider.inputs["defaultTags"])["tags"]
    return tags


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_each_budget_counts_a_months_cost_of_its_tag(stack: str) -> None:
    """Cost (not usage) per calendar month in USD, over one tag: the amount a budget of money means."""
    budgets = {b.inputs["name"]: b.inputs for b in plan_for(stack).of_type(BUDGET)}
    assert set(budgets) == set(EXPECTED[stack])
    for name, (amount, tag) in EXPECTED[stack].items():
        budget = budgets[name]
        assert (budget["budgetType"], budget["timeUnit"]) == ("COST", "MONTHLY"), name
        assert (budget["limitAmount"], budget["limitUnit"]) == (amount, "USD"), name
        assert budget["costFilters"] == [{"name": "TagKeyValue", "values": [tag]}], name


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_each_budget_tickets_at_80_percent_forecast_and_100_percent_actual(stack: str) -> None:
    """Forecast over 80 % of the month's amount: time to act before the money is spent; actual
    spend over 100 %: it is. Both to the ticket topic: worth a look in working hours, never a page."""
    plan = plan_for(stack)
    ticket = plan.outputs["alertTopicArns"]["ticket"]
    for budget in plan.of_type(BUDGET):
        assert budget.inputs["notifications"] == [
            {
                "notificationType": kind,
                "comparisonOperator": "GREATER_THAN",
                "threshold": percent,
                "thresholdType": "PERCENTAGE",
                "subscriberSnsTopicArns": [ticket],
            }
            for kind, percent in (("FORECASTED", 80), ("ACTUAL", 100))
        ], budget.inputs["name"]


def test_the_amounts_are_the_profiles_and_the_budget_policys() -> None:
    """One number per environment in three places: the profile, the AWS budget and the operations
    pack's `stack-monthly-budget` (review apps: 10 USD each to the pack, 50 together to AWS)."""
    for stack in ("prod", "dev"):
        profile = PROFILES[stack]["monthlyBudget"]
        assert EXPECTED[stack][f"tasking-manager-{stack}"][0] == f"{profile['usd']:.2f}"
        assert load_config("operations", stack)["stack-monthly-budget"]["monthlyBudgetUsd"] == profile["usd"]
    assert PROFILES["dev"]["monthlyBudget"]["reviewAppsUsd"] == 50
    assert "reviewAppsUsd" not in PROFILES["prod"]["monthlyBudget"]
    assert load_config("operations", "review")["stack-monthly-budget"]["monthlyBudgetUsd"] == 10


def test_the_filtered_tags_are_the_ones_the_stacks_put_on_their_resources() -> None:
    """A budget filtering on a tag no resource carries counts nothing and never alerts."""
    assert _provider_tags(plan_for("prod"))["Stack"] == "prod"
    assert _provider_tags(plan_for("dev"))["Stack"] == "dev"
    review = _provider_tags(plan_for("review-pr-123"))
    assert (review["Environment"], review["Stack"]) == ("review", "review-pr-123")


def test_a_review_stack_has_no_budget_of_its_own() -> None:
    """Made and destroyed with every pull request, a budget would never see a month: dev's
    review-apps budget counts them all."""
    assert plan_for("review-pr-123").of_type(BUDGET) == []
