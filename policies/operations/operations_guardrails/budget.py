"""What a stack may cost: its estimated monthly on-demand cost stays within its environment's
budget (review apps 10 USD, dev 150 USD, prod what HOT sets), priced by `costs.py` from the
resources the pack is handed and the usage the config assumes.

During a `pulumi preview` of new resources some values a price needs are unknown (a load
balancer's subnets come from a VPC not yet built): the estimate of what is known is still
compared, so a stack already over budget fails; otherwise the policy reports that it cannot
evaluate, like every rule of this pack. During `pulumi up` the engine hands the stack policy the
final values, after the resources exist: there it can flag an overrun but not prevent it, which
is why the offline plan (`make plan`, CI) runs it first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, Severity, StackValidationArgs

from . import costs
from .environments import ENVIRONMENT, MISSING, StackItem, environment
from .framework import StackPolicy

_USAGE_PROPERTIES: dict[str, Any] = {
    "apiRequestsPerMonth": {"type": "number", "minimum": 0},
    "logGbPerDay": {"type": "number", "minimum": 0},
    "natGbPerMonth": {"type": "number", "minimum": 0},
    "loadBalancerCapacityUnits": {"type": "number", "minimum": 0},
    "amplifyBuildsPerMonth": {"type": "number", "minimum": 0},
    "amplifyBuildMinutes": {"type": "number", "minimum": 0},
    "frontendGbServedPerMonth": {"type": "number", "minimum": 0},
    "databaseAverageAcu": {"type": "number", "minimum": 0},
    "databasePausedHoursPerMonth": {"type": "number", "minimum": 0},
    "databaseStorageGb": {"type": "number", "minimum": 0},
    "databaseIoMillionsPerMonth": {"type": "number", "minimum": 0},
}
_BUDGET = {
    **ENVIRONMENT,
    "monthlyBudgetUsd": {
        "type": "number",
        "minimum": 0,
        "description": "Most the stack may cost a month, on demand, in USD",
    },
    "usage": {
        "type": "object",
        "properties": _USAGE_PROPERTIES,
        "required": list(_USAGE_PROPERTIES),
        "additionalProperties": False,
        "description": "What a month of use is assumed to be: the environment's tm:usage defaults",
    },
}


def _within_budget(args: StackValidationArgs) -> Iterator[StackItem]:
    configured = environment(args)
    if configured is None:
        yield (MISSING, None)
        return
    config = args.get_config()
    budget = float(config["monthlyBudgetUsd"])
    estimate = costs.estimate(
        [costs.from_policy_resource(r) for r in args.resources], costs.Usage.from_mapping(config["usage"])
    )
    if estimate.total_usd > budget:
        biggest = ", ".join(f"{c} ${usd:,.2f}" for c, usd in estimate.by_component()[:3])
        known = " of what is known so far" if estimate.unknown_error else ""
        yield (
            f"the estimated cost{known} is ${estimate.total_usd:,.2f} a month, over the {configured} "
            f"budget of ${budget:,.2f}; the biggest parts: {biggest} (make plan shows every line)",
            None,
        )
    elif estimate.unknown_error is not None:
        raise estimate.unknown_error


stack_monthly_budget = StackPolicy(
    name="stack-monthly-budget",
    summary="The stack's estimated monthly on-demand cost is within its environment's budget",
    controls=("HOT design: budgets",),
    severity=Severity.MEDIUM,
    resource_types=("aws:*", costs.AWSX_VPC),
    unset=(
        "a priced property unset: the AWS default it implies "
        "(single-AZ, gp2 storage, no tasks, standard log class)"
    ),
    check=_within_budget,
    config=_BUDGET,
    required=["environment", "monthlyBudgetUsd", "usage"],
    enforcement=EnforcementLevel.MANDATORY,
)

POLICIES = [stack_monthly_budget]
