"""The bootstrap's buckets (Pulumi state, security logs): protected from deletion, private,
owner-enforced and versioned, with one lifecycle rule; each adds its own encryption and policy."""

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


def lifecycle_rule(
    name: str,
    bucket: aws.s3.Bucket,
    rule_id: str,
    noncurrent_days: int,
    parent: pulumi.Resource,
    current_days: int | None = None,
) -> aws.s3.BucketLifecycleConfiguration:
    """The bucket's one lifecycle rule, over every key: an overwritten or deleted object's older
    versions expire after `noncurrent_days`, current objects after `current_days` (never when None),
    and uploads left incomplete after a day."""
    return aws.s3.BucketLifecycleConfiguration(
        name,
        bucket=bucket.id,
        rules=[
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id=rule_id,
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=(
                    aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=current_days)
                    if current_days is not None
                    else None
                ),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=noncurrent_days
                ),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=1
                ),
            )
        ],
        opts=pulumi.ResourceOptions(parent=parent),
    )
