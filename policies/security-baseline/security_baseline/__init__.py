"""HOT Tasking Manager security baseline: one policy per control of the security-controls reference
that applies to what the program creates or could plausibly create."""

from pulumi_policy import Policy

from . import (
    amplify,
    cloudwatch,
    ec2,
    ecr,
    ecs,
    iam,
    kubernetes,
    load_balancing,
    network,
    rds,
    resource_policies,
    s3,
    secrets_kms,
    waf,
)

PACK_NAME = "security-baseline"

POLICIES: list[Policy] = [
    *network.POLICIES,
    *ecs.POLICIES,
    *load_balancing.POLICIES,
    *waf.POLICIES,
    *amplify.POLICIES,
    *rds.POLICIES,
    *secrets_kms.POLICIES,
    *cloudwatch.POLICIES,
    *iam.POLICIES,
    *resource_policies.POLICIES,
    *s3.POLICIES,
    *ecr.POLICIES,
    *ec2.POLICIES,
    *kubernetes.POLICIES,
]
