"""Fixtures of the resource-policy principal rule: an alarm topic's policy as the program writes it."""

from security_baseline import resource_policies

from tests.policies.harness import DELETE, Case

ACCOUNT = "123456789012"
_TOPIC_POLICY = {
    "arn": f"arn:aws:sns:us-east-1:{ACCOUNT}:tm-alarms",
    "policy": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountManagesTopic",
                "Effect": "Allow",
                "Principal": {"AWS": ACCOUNT},
                "Action": ["sns:Publish", "sns:Subscribe"],
                "Resource": f"arn:aws:sns:us-east-1:{ACCOUNT}:tm-alarms",
            },
            {
                "Sid": "AwsServicesPublish",
                "Effect": "Allow",
                "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
                "Action": "sns:Publish",
                "Resource": f"arn:aws:sns:us-east-1:{ACCOUNT}:tm-alarms",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            },
            {
                "Sid": "DenyPlaintext",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sns:Publish",
                "Resource": f"arn:aws:sns:us-east-1:{ACCOUNT}:tm-alarms",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    },
}

_KEY = {
    "policy": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersKey",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "LogsEncryptThisAccountsGroups",
                "Effect": "Allow",
                "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"
                    }
                },
            },
        ],
    }
}

CASES = [
    Case(
        resource_policies.resource_policy_principals_scoped,
        "aws:sns/topicPolicy:TopicPolicy",
        _TOPIC_POLICY,
        [
            (
                {"policy.Statement.0.Principal": "*"},
                "statement AccountManagesTopic lets in any principal without an account",
            ),
            (
                {"policy.Statement.0.Principal": {"AWS": "*"}},
                "statement AccountManagesTopic lets in any principal",
            ),
            (
                {"policy.Statement.1.Condition": {"Bool": {"aws:SecureTransport": "true"}}},
                "lets cloudwatch.amazonaws.com, events.amazonaws.com in for any account's resources",
            ),
        ],
        json_props=("policy",),
    ),
    Case(
        resource_policies.resource_policy_principals_scoped,
        "aws:kms/key:Key",
        _KEY,
        [
            (
                {"policy.Statement.1.Condition": DELETE},
                "lets logs.us-east-1.amazonaws.com in for any account's resources",
            )
        ],
        json_props=("policy",),
    ),
]
