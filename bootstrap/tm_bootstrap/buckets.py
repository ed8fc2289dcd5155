"""The bootstrap's buckets (Pulumi state, security logs): protected from deletion, private,
owner-enforced and versioned; each adds its own encryption, lifecycle and policy."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def private_bucket(name: str, bucket_name: pulumi.Input[str], parent: pulumi.Resource) -> aws.s3.Bucket:
    child = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(name, bucket=bucket_name, opts=pulumi.ResourceOptions(parent=parent, protect=True))
    aws.s3.BucketPublicAccessBlock(
        name,
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child,
    )
    aws.s3.BucketOwnershipControls(
        name,
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=child,
    )
    aws.s3.BucketVersioning(
        name,
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=child,
    )
    return bucket
