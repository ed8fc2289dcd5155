"""Review stacks must stay small, cheap and destroyable: they borrow dev's network, load balancer
and database, run on Spot, and nothing in them may block `pulumi destroy`."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, Severity, StackValidationArgs

from .environments import ENVIRONMENT, only_in, stack_only_in
from .framework import ResourcePolicy, StackPolicy, canonical, is_true, must_be_true

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
ECS_SERVICE = "aws:ecs/service:Service"
BUCKET = "aws:s3/bucket:Bucket"
REPOSITORY = "aws:ecr/repository:Repository"
SECRET = "aws:secretsmanager/secret:Secret"
MANDATORY = EnforcementLevel.MANDATORY

# What a review app borrows from its base stack instead of paying and waiting for its own.
HEAVY = {
    "aws:ec2/natGateway:NatGateway": "a NAT gateway (~$33 a month, ~2 minutes)",
    LOAD_BALANCER: "a load balancer (~$16 a month, ~3 minutes)",
    RDS_INSTANCE: "an RDS instance (4-6 minutes)",
    RDS_CLUSTER: "an RDS cluster (minutes)",
    "aws:ec2/vpc:Vpc": "a VPC",
    "awsx:ec2:Vpc": "a VPC (awsx)",
}


def _shares_base(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for resource in args.resources:
        what = HEAVY.get(canonical(resource.resource_type))
        if what:
            yield (
                f"the review app creates {what} of its own; use the base stack's (StackReference)",
                resource.urn,
            )


review_shares_base_infrastructure = StackPolicy(
    name="review-shares-base-infrastructure",
    summary="Review stacks create no NAT gateway, load balancer, database server or VPC of their own",
    controls=("HOT design: review apps",),
    severity=Severity.MEDIUM,
    resource_types=tuple(HEAVY),
    unset="(what is checked is that none of these exists)",
    check=stack_only_in("review", _shares_base),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=MANDATORY,
)


def _no_deletion_protection(args: ResourceValidationArgs) -> Iterator[str]:
    if args.opts.protect:
        yield "the resource is protected (protect=True): `pulumi destroy` refuses to delete it"
    for key in ("deletionProtection", "enableDeletionProtection"):
        if is_true(args.props.get(key)):
            yield f"{key} is true: the review app cannot be destroyed"


review_no_deletion_protection = ResourcePolicy(
    name="review-no-deletion-protection",
    summary="Nothing in a review stack is protected from deletion",
    controls=("HOT design: review apps",),
    severity=Severity.MEDIUM,
    resource_types=("aws:*",),
    unset="deletionProtection unset: false; protect unset: false",
    check=only_in("review", _no_deletion_protection),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=MANDATORY,
)


def _no_retained(args: ResourceValidationArgs) -> Iterator[str]:
    token = canonical(args.resource_type)
    if is_true(args.props.get("skipDestroy")):
        yield "skipDestroy is true: destroying the stack leaves it behind"
    if token == BUCKET and not is_true(args.props.get("forceDestroy")):
        yield "forceDestroy is not true: a bucket with objects in it blocks the destroy"
    if token == REPOSITORY and not is_true(args.props.get("forceDelete")):
        yield "forceDelete is not true: a repository with images in it blocks the destroy"
    if token == SECRET:
        window = args.props.get("recoveryWindowInDays")
        if window is None or float(window) != 0:
            yield (
                "recoveryWindowInDays is not 0: the deleted secret's name stays taken, so a reopened "
                "PR cannot recreate it"
            )


review_no_retained_resources = ResourcePolicy(
    name="review-no-retained-resources",
    summary="Destroying a review stack removes everything it made",
    controls=("HOT design: review apps",),
    severity=Severity.MEDIUM,
    resource_types=("aws:*",),
    unset="skipDestroy unset: false; forceDestroy / forceDelete unset: false; recoveryWindowInDays unset: 30",
    check=only_in("review", _no_retained),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=MANDATORY,
)


review_no_final_snapshot = ResourcePolicy(
    name="review-no-final-snapshot",
    summary="Review databases are destroyed without a final snapshot",
    controls=("HOT design: review apps",),
    severity=Severity.MEDIUM,
    resource_types=(RDS_INSTANCE, RDS_CLUSTER),
    unset="skipFinalSnapshot unset: false (a final snapshot is required)",
    check=only_in(
        "review", must_be_true("skipFinalSnapshot", "destroy waits for, and keeps, a final snapshot")
    ),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=MANDATORY,
)


def _spot(args: ResourceValidationArgs) -> Iterator[str]:
    if args.props.get("launchType"):
        launch = args.props.get("launchType")
        yield f"launchType {launch} runs on-demand; use a FARGATE_SPOT capacity provider strategy"
        return
    strategies = list(args.props.get("capacityProviderStrategies") or [])
    used = [s for s in strategies if float(s.get("weight") or 0) > 0 or float(s.get("base") or 0) > 0]
    others = sorted({str(s.get("capacityProvider")) for s in used} - {"FARGATE_SPOT"})
    if not used:
        yield "no capacity provider strategy: the cluster's default decides; name FARGATE_SPOT"
    elif others:
        shown = ", ".join(others)
        yield f"tasks may run on {shown} (weight or base above 0); review apps use only FARGATE_SPOT"


review_spot_capacity = ResourcePolicy(
    name="review-spot-capacity",
    summary="Review services run on Fargate Spot",
    controls=("HOT design: review apps",),
    severity=Severity.MEDIUM,
    resource_types=(ECS_SERVICE,),
    unset="launchType and capacityProviderStrategies unset: the cluster's default strategy, invisible here",
    check=only_in("review", _spot),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=MANDATORY,
)

POLICIES = [
    review_shares_base_infrastructure,
    review_no_deletion_protection,
    review_no_retained_resources,
    review_no_final_snapshot,
    review_spot_capacity,
]
