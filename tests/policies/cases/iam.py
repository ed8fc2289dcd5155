"""Fixtures of the IAM policies: permission documents, attachments, trust policies."""

import json
from typing import Any

from pulumi_policy import Policy
from security_baseline import iam

from tests.policies.harness import DELETE, Case, StackCase

ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
_LOGS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/tm/*",
        },
        {
            "Sid": "ReadSecret",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "arn:aws:secretsmanager:*:*:secret:tm-*",
        },
        {"Sid": "PullImages", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Sid": "Deny", "Effect": "Deny", "Action": "*", "Resource": "*"},
    ],
}
_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ],
}


def _document_case(
    policy: Policy, failures: list[tuple[dict[str, Any], str]], statement: dict[str, Any] | None = None
) -> Case:
    """The logs policy as the compliant fixture; `statement`, when given, replaces its second."""
    document = _LOGS if statement is None else {**_LOGS, "Statement": [_LOGS["Statement"][0], statement]}
    return Case(
        policy,
        "aws:iam/rolePolicy:RolePolicy",
        {"role": "api-task", "policy": document},
        failures,
        json_props=("policy",),
    )


SECRETS = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
OWN_KEY = "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-own"
OTHER_KEY = "arn:aws:kms:us-east-1:123456789012:key/1111bbbb-other"


def _execution(secrets: list[str], key: str) -> tuple[str, dict[str, Any]]:
    """An execution role's policy reading `secrets` and decrypting with `key`."""
    statements = [
        {
            "Sid": "ReadTheTaskSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": secrets,
        },
        {"Sid": "Decrypt", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key},
    ]
    return "aws:iam/rolePolicy:RolePolicy", {
        "role": "execution",
        "policy": {"Version": "2012-10-17", "Statement": statements},
    }


CASES = [
    _document_case(
        iam.iam_no_admin_statements,
        [
            (
                {"policy.Statement.2.Action": "*"},
                "statement PullImages allows every action on every resource",
            ),
            (
                {"policy.Statement.2.Action": ["ecr:GetAuthorizationToken", "*:*"]},
                "PullImages allows every action",
            ),
        ],
    ),
    Case(
        iam.iam_no_admin_statements,
        ROLE,
        {"assumeRolePolicy": _TRUST, "inlinePolicies": [{"name": "logs", "policy": _LOGS}]},
        [
            (
                {
                    "inlinePolicies.0.policy": json.dumps(
                        {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
                    ),
                },
                "allows every action on every resource",
            )
        ],
    ),
    _document_case(
        iam.iam_no_service_wildcard_actions,
        [
            (
                {"policy.Statement.1.Action": "secretsmanager:*"},
                "statement ReadSecret allows every action of secretsmanager:*",
            )
        ],
    ),
    _document_case(
        iam.iam_no_kms_use_on_all_keys,
        [
            (
                {
                    "policy.Statement.1": {
                        "Sid": "Keys",
                        "Effect": "Allow",
                        "Action": "kms:Decrypt",
                        "Resource": "*",
                    }
                },
                "statement Keys allows kms:Decrypt on every KMS key",
            ),
            (
                {
                    "policy.Statement.1": {
                        "Sid": "Any",
                        "Effect": "Allow",
                        "Action": "kms:*",
                        "Resource": ["*"],
                    }
                },
                "allows kms:Decrypt",
            ),
            (
                {
                    "policy.Statement.1": {
                        "Sid": "Seal",
                        "Effect": "Allow",
                        "Action": "kms:GenerateDataKey*",
                        "Resource": "arn:aws:kms:us-east-1:123456789012:key/*",
                    }
                },
                "statement Seal allows kms:GenerateDataKey on every KMS key",
            ),
            (
                {
                    "policy.Statement.1": {
                        "Sid": "ViaSecrets",
                        "Effect": "Allow",
                        "Action": "kms:Decrypt",
                        "Resource": "arn:aws:kms:us-east-1:123456789012:key/*",
                        "Condition": {
                            "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
                        },
                    }
                },
                "statement ViaSecrets allows kms:Decrypt on every KMS key",
            ),
        ],
    ),
    # Every key of one environment, by its tag: not every key.
    _document_case(
        iam.iam_no_kms_use_on_all_keys,
        [({"policy.Statement.1.Condition": DELETE}, "statement OwnKeys allows kms:Decrypt on every KMS key")],
        statement={
            "Sid": "OwnKeys",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "arn:aws:kms:us-east-1:123456789012:key/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/Environment": "prod"}},
        },
    ),
    _document_case(
        iam.iam_no_assume_role_on_all_roles,
        [
            (
                {
                    "policy.Statement.1": {
                        "Sid": "Hop",
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Resource": "*",
                    }
                },
                "statement Hop allows sts:AssumeRole on every role",
            ),
            (
                {
                    "policy.Statement.1": {
                        "Sid": "Hop",
                        "Effect": "Allow",
                        "Action": "sts:Assume*",
                        "Resource": "arn:aws:iam::123456789012:role/*",
                    }
                },
                "statement Hop allows sts:AssumeRole on every role",
            ),
        ],
    ),
    _document_case(
        iam.iam_no_secret_reads_on_all_secrets,
        [
            (
                {"policy.Statement.1.Resource": "*"},
                "statement ReadSecret allows secretsmanager:GetSecretValue on every secret",
            ),
            (
                {"policy.Statement.1.Resource": "arn:aws:secretsmanager:*:*:secret:*"},
                "on every secret (arn:aws:secretsmanager:*:*:secret:*)",
            ),
        ],
    ),
    _document_case(
        iam.iam_no_parameter_reads_on_all_parameters,
        [
            (
                {
                    "policy.Statement.1": {
                        "Sid": "Params",
                        "Effect": "Allow",
                        "Action": "ssm:GetParameters",
                        "Resource": "*",
                    }
                },
                "statement Params allows ssm:GetParameters on every SSM parameter",
            ),
        ],
    ),
    _document_case(
        iam.iam_no_passrole_on_all_roles,
        [
            (
                {
                    "policy.Statement.1": {
                        "Sid": "Pass",
                        "Effect": "Allow",
                        "Action": "iam:Pass*",
                        "Resource": "*",
                    }
                },
                "statement Pass allows iam:PassRole on every role",
            )
        ],
    ),
    Case(
        iam.iam_no_administrator_access,
        ATTACHMENT,
        {
            "role": "backup",
            "policyArn": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        },
        [
            (
                {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
                "attaches the AWS-managed AdministratorAccess",
            ),
            ({"policyArn": "arn:aws:iam::aws:policy/IAMFullAccess"}, "IAMFullAccess"),
        ],
    ),
    Case(
        iam.iam_no_administrator_access,
        ROLE,
        {"assumeRolePolicy": _TRUST, "managedPolicyArns": []},
        [
            (
                {"managedPolicyArns": ["arn:aws:iam::aws:policy/PowerUserAccess"]},
                "attaches the AWS-managed PowerUserAccess",
            )
        ],
        json_props=("assumeRolePolicy",),
    ),
    Case(
        iam.iam_aws_managed_policies_allowlisted,
        ATTACHMENT,
        {
            "role": "execution",
            "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        },
        [
            (
                {"policyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"},
                "attaches the AWS-managed policy AmazonS3FullAccess",
            ),
        ],
    ),
    Case(
        iam.iam_trust_policy_no_wildcard_principal,
        ROLE,
        {"assumeRolePolicy": _TRUST},
        [
            (
                {
                    "assumeRolePolicy.Statement.0": {
                        "Sid": "Anyone",
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": "sts:AssumeRole",
                    }
                },
                "trust statement Anyone lets any principal assume the role",
            ),
        ],
        json_props=("assumeRolePolicy",),
    ),
    Case(
        iam.iam_trust_policy_source_condition,
        ROLE,
        {"assumeRolePolicy": _TRUST},
        [
            (
                {"assumeRolePolicy.Statement.0.Condition": DELETE},
                "ecs-tasks.amazonaws.com may assume the role on behalf of any account",
            ),
            (
                {"assumeRolePolicy.Statement.0.Condition": {"StringEquals": {"aws:PrincipalTag/team": "tm"}}},
                "add an aws:SourceAccount",
            ),
        ],
        json_props=("assumeRolePolicy",),
    ),
    # The fixtures' stack is named `test` (their URNs' stack part).
    StackCase(
        iam.iam_own_stack_secrets_and_keys,
        {
            "key": ("aws:kms/key:Key", {"arn": OWN_KEY}),
            "execution": _execution(
                [f"{SECRETS}tasking-manager/test/app-1a2b3c", f"{SECRETS}rds!db-1-Ab12Cd"], OWN_KEY
            ),
        },
        [
            (
                {"execution.policy.Statement.0.Resource": f"{SECRETS}tasking-manager/prod/app-9z8y7x"},
                "reads prod's secret tasking-manager/prod/app-9z8y7x",
            ),
            (
                {"execution.policy.Statement.1.Resource": OTHER_KEY},
                f"uses the KMS key {OTHER_KEY}, which is not this stack's",
            ),
        ],
        json_props=("policy",),
    ),
    # A review app reads its base's application secret and uses its base's key.
    StackCase(
        iam.iam_own_stack_secrets_and_keys,
        {"execution": _execution([f"{SECRETS}tasking-manager/dev/app-1a2b3c"], OTHER_KEY)},
        [
            (
                {"execution.policy.Statement.0.Resource": f"{SECRETS}tasking-manager/prod/app-9z8y7x"},
                "reads prod's secret",
            )
        ],
        config={"sharedFromStacks": ["dev"]},
        json_props=("policy",),
    ),
]
