"""Where Pulumi keeps the state and the secrets of every stack: a private, versioned bucket and KMS
keys, one for the bucket and one secrets provider per environment."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .buckets import lifecycle_rule, private_bucket
from .settings import ENVIRONMENTS, PROJECT


def key_policy(account_id: str, partition: str = "aws") -> dict[str, Any]:
    """The account administers the key through IAM; no other principal is named, so only IAM
    policies (the CI roles', the administrators') grant its use."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


@dataclass(frozen=True)
class StateBackendArgs:
    account_id: str
    region: str
    bucket_name: str
    noncurrent_version_days: int


class StateBackend(pulumi.ComponentResource):
    """`tm:bootstrap:StateBackend`: the state bucket and the KMS keys. Protected: deleting any of
    them loses every stack's state or secrets, so `pulumi destroy` refuses until unprotected."""

    bucket: aws.s3.Bucket
    state_key: aws.kms.Key
    secrets_keys: dict[str, aws.kms.Key]

    def __init__(self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:bootstrap:StateBackend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(parent=self, protect=True)
        policy = json.dumps(key_policy(args.account_id))

        self.state_key = self._key(f"{name}-state", "state", "Pulumi state bucket", policy, kept)
        self.secrets_keys = {
            environment: self._key(
                f"{name}-secrets-{environment}",
                f"secrets-{environment}",
                f"Pulumi secrets provider of the {environment} stacks",
                policy,
                kept,
            )
            for environment in ENVIRONMENTS
        }

        self.bucket = private_bucket(name, args.bucket_name, self)
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=self.state_key.arn
                    ),
                    # One data key per bucket rather than per object: far fewer KMS calls.
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        lifecycle_rule(
            name,
            self.bucket,
            "expire-old-state-versions",
            noncurrent_days=args.noncurrent_version_days,
            parent=self,
        )
        self.backend_url = pulumi.Output.concat(
            "s3://", self.bucket.bucket, f"?region={args.region}&awssdk=v2"
        )
        self.secrets_providers = {
            environment: f"awskms://alias/{PROJECT}-pulumi-secrets-{environment}?region={args.region}"
            for environment in ENVIRONMENTS
        }
        self.register_outputs({"backendUrl": self.backend_url, "secretsProviders": self.secrets_providers})

    def attach_policy(self, name: str, policy: pulumi.Input[str]) -> aws.s3.BucketPolicy:
        """The bucket policy names the CI roles, which are made after the bucket."""
        return aws.s3.BucketPolicy(
            name, bucket=self.bucket.id, policy=policy, opts=pulumi.ResourceOptions(parent=self)
        )

    def _key(
        self, name: str, alias: str, purpose: str, policy: str, opts: pulumi.ResourceOptions
    ) -> aws.kms.Key:
        key = aws.kms.Key(
            name,
            description=f"{PROJECT}: {purpose}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy,
            opts=opts,
        )
        aws.kms.Alias(
            name,
            name=f"alias/{PROJECT}-pulumi-{alias}",
            target_key_id=key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return key
