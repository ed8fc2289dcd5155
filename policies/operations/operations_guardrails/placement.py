"""Where resources run and how big they are: the regions and instance classes each environment
may use (cost and data residency), from the environment's policy config."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, Severity

from .framework import ResourcePolicy, canonical, config_value

PROVIDER = "pulumi:providers:aws"
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
EC2_INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"

_REGIONS = {
    "regions": {
        "type": "array",
        "items": {"type": "string"},
        "default": ["us-east-1"],
        "description": "Regions the stack may deploy to",
    }
}


def _regions(args: ResourceValidationArgs) -> Iterator[str]:
    allowed = list(config_value(args, "regions", _REGIONS))
    if args.resource_type == PROVIDER:
        region = args.props.get("region")
        if not region:
            yield "the AWS provider sets no region, so the deployer's environment would pick one"
        elif region not in allowed:
            yield f"the AWS provider deploys to {region}; allowed: {', '.join(allowed)}"
        return
    # pulumi-aws 7 lets a resource name its own region, overriding its provider's.
    region = args.props.get("region")
    if region and region not in allowed:
        yield f"the resource is placed in {region}; allowed: {', '.join(allowed)}"


allowed_regions = ResourcePolicy(
    name="allowed-regions",
    summary="Resources are deployed only to the environment's allowed regions",
    controls=("HOT design: regions per environment",),
    severity=Severity.HIGH,
    resource_types=("aws:*", PROVIDER),
    unset="a resource's region unset: its provider's region (checked on the provider)",
    check=_regions,
    config=_REGIONS,
    enforcement=EnforcementLevel.MANDATORY,
)

_CLASSES = {
    "rdsInstanceClasses": {
        "type": "array",
        "items": {"type": "string"},
        "default": ["db.t4g.*"],
        "description": "RDS instance classes allowed (shell patterns such as db.t4g.*)",
    },
    "ec2InstanceTypes": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "EC2 instance types allowed (the program runs on Fargate: none by default)",
    },
}


def _instance_classes(args: ResourceValidationArgs) -> Iterator[str]:
    token = canonical(args.resource_type)
    if token in (RDS_INSTANCE, RDS_CLUSTER_INSTANCE):
        allowed, chosen, what = (
            config_value(args, "rdsInstanceClasses", _CLASSES),
            args.props.get("instanceClass"),
            "RDS class",
        )
    else:
        allowed, chosen, what = (
            config_value(args, "ec2InstanceTypes", _CLASSES),
            args.props.get("instanceType"),
            "EC2 type",
        )
    if chosen is None and token == LAUNCH_TEMPLATE:
        return  # a template without a type leaves it to whoever launches it
    if not any(fnmatch.fnmatchcase(str(chosen), pattern) for pattern in allowed):
        yield f"{what} {chosen} is not allowed here; allowed: {', '.join(allowed) or 'none'}"


allowed_instance_classes = ResourcePolicy(
    name="allowed-instance-classes",
    summary="Databases and instances use the instance classes the environment allows",
    controls=("HOT design: sizes per environment",),
    severity=Severity.MEDIUM,
    resource_types=(RDS_INSTANCE, RDS_CLUSTER_INSTANCE, EC2_INSTANCE, LAUNCH_TEMPLATE),
    unset="instanceClass unset: AWS refuses the database; a launch template's type unset: not checked",
    check=_instance_classes,
    config=_CLASSES,
    enforcement=EnforcementLevel.MANDATORY,
)

POLICIES = [allowed_regions, allowed_instance_classes]
