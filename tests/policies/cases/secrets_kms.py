"""Fixtures of the Secrets Manager and KMS policies."""

import json

from security_baseline import secrets_kms as sk

from tests.policies.harness import DELETE, Case, StackCase

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1111-2222"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tm-app-AbCdEf"
_ACCOUNT_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Account",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*"],
            "Resource": "*",
            "Condition": {
                "ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:*"}
            },
        },
    ],
}
_WORLD_STATEMENT = {
    "Sid": "Everyone",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "kms:Decrypt",
    "Resource": "*",
}
_KEY = {
    "description": "stack key",
    "enableKeyRotation": True,
    "deletionWindowInDays": 30.0,
    "policy": _ACCOUNT_ONLY,
}

CASES = [
    Case(
        sk.secret_encrypted_with_cmk,
        "aws:secretsmanager/secret:Secret",
        {"name": "tm/app", "kmsKeyId": KEY_ARN},
        [
            ({"kmsKeyId": DELETE}, "the secret uses the AWS-managed aws/secretsmanager key"),
            ({"kmsKeyId": "alias/aws/secretsmanager"}, "aws/secretsmanager key"),
        ],
    ),
    StackCase(
        sk.secret_rotation,
        {
            "secret": (
                "aws:secretsmanager/secret:Secret",
                {"id": SECRET_ARN, "arn": SECRET_ARN, "name": "tm/app"},
            ),
            "rotation": (
                "aws:secretsmanager/secretRotation:SecretRotation",
                {
                    "secretId": SECRET_ARN,
                    "rotationLambdaArn": "arn:lambda",
                    "rotationRules": {"automaticallyAfterDays": 30.0},
                },
            ),
        },
        [
            ({"rotation": DELETE}, "is never rotated"),
            ({"rotation.secretId": "arn:other"}, "is never rotated"),
        ],
    ),
    Case(
        sk.secret_rotation_period,
        "aws:secretsmanager/secretRotation:SecretRotation",
        {"secretId": SECRET_ARN, "rotationRules": {"automaticallyAfterDays": 30.0}},
        [
            (
                {"rotationRules.automaticallyAfterDays": 180.0},
                "the secret rotates every 180 days; at most 90",
            ),
            (
                {"rotationRules": {"scheduleExpression": "rate(120 days)"}},
                "the secret rotates every 120 days",
            ),
            ({"rotationRules": {}}, "rotationRules sets no schedule"),
        ],
    ),
    Case(
        sk.secret_policy_not_public,
        "aws:secretsmanager/secretPolicy:SecretPolicy",
        {
            "secretArn": SECRET_ARN,
            "policy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        **_WORLD_STATEMENT,
                        "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}},
                    }
                ],
            },
        },
        [
            (
                {"policy.Statement.0.Condition": DELETE},
                "statement Everyone allows any principal with no condition",
            )
        ],
        json_props=("policy",),
    ),
    Case(
        sk.kms_key_rotation,
        "aws:kms/key:Key",
        _KEY,
        [
            ({"enableKeyRotation": DELETE}, "enableKeyRotation is not true"),
            ({"enableKeyRotation": False}, "never changes"),
        ],
        json_props=("policy",),
    ),
    Case(
        sk.kms_key_policy_no_wildcard_principal,
        "aws:kms/key:Key",
        _KEY,
        [
            (
                {"policy.Statement.0.Principal": "*"},
                "statement Account allows any principal with no condition",
            ),
            ({"policy.Statement.0.Principal": {"AWS": "*"}}, "statement Account allows any principal"),
        ],
        json_props=("policy",),
    ),
    Case(
        sk.kms_key_policy_no_wildcard_principal,
        "aws:kms/keyPolicy:KeyPolicy",
        {"keyId": "1111-2222", "policy": json.dumps(_ACCOUNT_ONLY)},
        [
            (
                {"policy": json.dumps({"Statement": _WORLD_STATEMENT})},
                "statement Everyone allows any principal",
            )
        ],
    ),
    Case(
        sk.kms_key_no_lockout_bypass,
        "aws:kms/key:Key",
        _KEY,
        [({"bypassPolicyLockoutSafetyCheck": True}, "bypassPolicyLockoutSafetyCheck is true")],
        json_props=("policy",),
    ),
    Case(
        sk.kms_key_deletion_window,
        "aws:kms/key:Key",
        _KEY,
        [
            (
                {"deletionWindowInDays": 7.0},
                "deletionWindowInDays is 7: a mistaken deletion is recoverable for under 30 days",
            )
        ],
        json_props=("policy",),
    ),
]
