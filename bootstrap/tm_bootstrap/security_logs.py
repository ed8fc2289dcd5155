"""Where the baseline keeps what it records: its own KMS key, and a private bucket for the trail's
and Config's files."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .baseline import KEY_ALIAS, logs_bucket_name, logs_bucket_policy, security_key_policy
from .buckets import lifecycle_rule, private_bucket


@dataclass(frozen=True)
class SecurityKeyArgs:
    account_id: str
    region: str
    trail: bool
    config: bool
    topics: bool


class SecurityKey(pulumi.ComponentResource):
    """`tm:bootstrap:SecurityKey`: the key of the trail's files and log group, Config's deliveries and
    the findings topics. Protected: without it the recorded logs cannot be read."""

    key: aws.kms.Key

    def __init__(self, name: str, args: SecurityKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:bootstrap:SecurityKey", name, None, opts)
        policy = security_key_policy(
            args.account_id, args.region, trail=args.trail, config=args.config, topics=args.topics
        )
        self.key = aws.kms.Key(
            name,
            description="tasking-manager: the account's security baseline (trail, Config, findings)",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(policy),
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        aws.kms.Alias(
            name, name=KEY_ALIAS, target_key_id=self.key.key_id, opts=pulumi.ResourceOptions(parent=self)
        )
        self.register_outputs({"keyArn": self.key.arn})


@dataclass(frozen=True)
class SecurityLogsArgs:
    account_id: str
    region: str
    retention_days: int
    trail: bool
    config: bool


class SecurityLogs(pulumi.ComponentResource):
    """`tm:bootstrap:SecurityLogs`: the bucket CloudTrail and Config deliver to: private, TLS only,
    versioned (an overwritten or deleted file stays recoverable for 30 days), files expiring after
    `retention_days`. Protected like the state bucket."""

    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy

    def __init__(self, name: str, args: SecurityLogsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:bootstrap:SecurityLogs", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = private_bucket(name, logs_bucket_name(args.account_id), self)
        # S3-managed keys by default: CloudTrail encrypts its log files and Config its deliveries
        # with the baseline's key themselves; the rest (CloudTrail's digest files) stays SSE-S3.
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=child,
        )
        lifecycle_rule(
            name,
            self.bucket,
            "expire-security-logs",
            noncurrent_days=30,
            current_days=args.retention_days,
            parent=self,
        )
        policy = logs_bucket_policy(args.account_id, args.region, trail=args.trail, config=args.config)
        self.policy = aws.s3.BucketPolicy(name, bucket=self.bucket.id, policy=json.dumps(policy), opts=child)
        self.register_outputs({"bucketName": self.bucket.bucket})
