"""The stack's customer-managed KMS key, shared by logs, the database, secrets, topics and backups."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.provider import AwsScope

# AWS services that publish to the stack's encrypted SNS topics: alarms, budgets, backup, and
# EventBridge rules (image scan findings).
PUBLISHING_SERVICES = (
    "cloudwatch.amazonaws.com",
    "budgets.amazonaws.com",
    "backup.amazonaws.com",
    "events.amazonaws.com",
)


@dataclass(frozen=True)
class StackKeyArgs:
    scope: AwsScope


def key_policy(account_id: str, region: str, partition: str) -> dict[str, Any]:
    """Who may use the key.

    The account statement hands the key to IAM: principals of this account use it only when their
    IAM policy allows it, which is how RDS, Secrets Manager, SNS and AWS Backup use it on behalf of
    the deployer and the task roles (through grants). Services that encrypt on their own account,
    not a caller's, need their own statements: CloudWatch Logs (log groups), and the services that
    publish to encrypted SNS topics (CloudWatch alarms, AWS Budgets, AWS Backup notifications).
    """
    root = f"arn:{partition}:iam::{account_id}:root"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{partition}:logs:{region}:{account_id}:log-group:*"
                        )
                    }
                },
            },
            {
                "Sid": "ServicesPublishToEncryptedTopics",
                "Effect": "Allow",
                "Principal": {"Service": list(PUBLISHING_SERVICES)},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
        ],
    }


class StackKey(pulumi.ComponentResource):
    """`tm:aws:StackKey`: one symmetric customer-managed key per stack, rotated yearly."""

    key: aws.kms.Key
    alias: aws.kms.Alias
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: StackKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:aws:StackKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        scope = args.scope
        policy = pulumi.Output.all(scope.account_id, scope.partition).apply(
            lambda ids: json.dumps(key_policy(ids[0], scope.region, ids[1]))
        )
        self.key = aws.kms.Key(
            name,
            description=f"Tasking Manager {scope.stack}: logs, database, secrets, topics, backups",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy,
            opts=child,
        )
        self.alias = aws.kms.Alias(
            name,
            name=f"alias/tasking-manager-{scope.stack}",
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})
