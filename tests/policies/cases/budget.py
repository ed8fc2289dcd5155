"""Fixtures of the budget guardrail: a small stack under its budget, and changes that push it over."""

from operations_guardrails import budget

from tests.policies.harness import StackCase

# Usage that prices nothing by itself, so each fixture's cost is its resources' hours.
QUIET_USAGE = {
    "apiRequestsPerMonth": 0,
    "logGbPerDay": 0,
    "natGbPerMonth": 0,
    "loadBalancerCapacityUnits": 0,
    "amplifyBuildsPerMonth": 0,
    "amplifyBuildMinutes": 10,
    "frontendGbServedPerMonth": 0,
    "databaseAverageAcu": 0,
    "databasePausedHoursPerMonth": 0,
    "databaseStorageGb": 0,
    "databaseIoMillionsPerMonth": 0,
}
# db.t4g.micro single-AZ with 20 GB: 0.016 x 730 + 20 x 0.115 = $13.98 (reference 5.2).
DATABASE = {"engine": "postgres", "instanceClass": "db.t4g.micro", "multiAz": False, "allocatedStorage": 20.0}

CASES = [
    StackCase(
        budget.stack_monthly_budget,
        {
            "database": ("aws:rds/instance:Instance", {**DATABASE, "storageType": "gp3"}),
            "role": ("aws:iam/role:Role", {"assumeRolePolicy": "{}"}),
        },
        [
            (
                {"database.multiAz": True},
                "the estimated cost is $27.96 a month, over the dev budget of $20.00",
            ),
            ({"database.instanceClass": "db.t4g.small"}, "over the dev budget"),
            ({"nat": ("aws:ec2/natGateway:NatGateway", {"subnetId": "subnet-1"})}, "over the dev budget"),
        ],
        config={"environment": "dev", "monthlyBudgetUsd": 20, "usage": QUIET_USAGE},
    ),
]
