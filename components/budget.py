"""The stack's monthly budget: AWS Budgets alerts on what the stack's tagged resources cost."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.settings import MonthlyBudgetSettings

# Alert on the month's forecast early enough to act, and on actual spend once it is over.
FORECAST_PERCENT = 80
ACTUAL_PERCENT = 100


@dataclass(frozen=True)
class CostBudgetArgs:
    settings: MonthlyBudgetSettings
    stack: str
    # The ticket topic: over-spending is worth a look in working hours, never a page.
    topic_arn: pulumi.Input[str]


class CostBudget(pulumi.ComponentResource):
    """`tm:aws:CostBudget`: a monthly AWS Budgets cost budget over the resources tagged
    `Stack=<stack>` and, on the base of review apps, one over every review app
    (`Environment=review`).

    Budgets filter on cost allocation tags, which count only once activated in the Billing
    console (Cost allocation tags: `Stack`, `Environment`) and only from then on; costs AWS does
    not attribute to a resource (some data transfer, support) are outside both budgets.
    """

    budget: aws.budgets.Budget
    review_apps_budget: aws.budgets.Budget | None

    def __init__(self, name: str, args: CostBudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:aws:CostBudget", name, None, opts)
        self.budget = self._budget(
            name, f"tasking-manager-{args.stack}", args.settings.usd, f"user:Stack${args.stack}", args
        )
        self.review_apps_budget = None
        if args.settings.review_apps_usd is not None:
            self.review_apps_budget = self._budget(
                f"{name}-review-apps",
                f"tasking-manager-{args.stack}-review-apps",
                args.settings.review_apps_usd,
                "user:Environment$review",
                args,
            )
        self.register_outputs({"budgetName": self.budget.name})

    def _budget(
        self, name: str, budget_name: str, usd: float, tag: str, args: CostBudgetArgs
    ) -> aws.budgets.Budget:
        return aws.budgets.Budget(
            name,
            name=budget_name,
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{usd:.2f}",
            limit_unit="USD",
            cost_filters=[aws.budgets.BudgetCostFilterArgs(name="TagKeyValue", values=[tag])],
            notifications=[
                aws.budgets.BudgetNotificationArgs(
                    notification_type=kind,
                    comparison_operator="GREATER_THAN",
                    threshold=percent,
                    threshold_type="PERCENTAGE",
                    subscriber_sns_topic_arns=[args.topic_arn],
                )
                for kind, percent in (("FORECASTED", FORECAST_PERCENT), ("ACTUAL", ACTUAL_PERCENT))
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
