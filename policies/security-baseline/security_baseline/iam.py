"""IAM: no administrator or service-wide grants, trust policies that name who may assume a role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from . import documents
from .framework import ResourcePolicy, StackPolicy, canonical, config_value, of_type

POLICY = "aws:iam/policy:Policy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
IDENTITY_POLICIES = (POLICY, ROLE, ROLE_POLICY, USER_POLICY, GROUP_POLICY)
ATTACHMENTS = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
)

ADMIN_POLICIES = ("AdministratorAccess", "IAMFullAccess", "PowerUserAccess")


def identity_documents(args: ResourceValidationArgs | PolicyResource) -> list[Any]:
    """The permission documents a resource carries: its `policy`, or a role's inline policies."""
    if canonical(args.resource_type) == ROLE:
        return [block.get("policy") for block in args.props.get("inlinePolicies") or []]
    return [args.props.get("policy")]


def _allow_statements(args: ResourceValidationArgs) -> Iterator[dict[str, Any]]:
    for document in identity_documents(args):
        for statement in documents.statements(document):
            if documents.allows(statement):
                yield statement


def _sid(statement: dict[str, Any]) -> str:
    return str(statement.get("Sid") or "(no Sid)")


def _no_admin(args: ResourceValidationArgs) -> Iterator[str]:
    for statement in _allow_statements(args):
        if set(documents.actions(statement)) & {"*", "*:*"} and "*" in documents.resources(statement):
            yield f"statement {_sid(statement)} allows every action on every resource (administrator)"


iam_no_admin_statements = ResourcePolicy(
    name="iam-no-admin-statements",
    summary="IAM policies never allow every action on every resource",
    controls=("FSBP IAM.1", "CKV_AWS_62", "NIST IAMPolicyNoStatementsWithAdminAccess"),
    severity=Severity.HIGH,
    resource_types=IDENTITY_POLICIES,
    unset="no policy: nothing granted",
    check=_no_admin,
)


def _no_service_wildcards(args: ResourceValidationArgs) -> Iterator[str]:
    for statement in _allow_statements(args):
        wildcards = sorted(a for a in documents.actions(statement) if a.endswith(":*"))
        if wildcards:
            yield f"statement {_sid(statement)} allows every action of {', '.join(wildcards)}"


iam_no_service_wildcard_actions = ResourcePolicy(
    name="iam-no-service-wildcard-actions",
    summary="IAM policies name actions, not whole services (service:*)",
    controls=("FSBP IAM.21", "AwsSolutions-IAM5", "CKV_AWS_63", "NIST IAMPolicyNoStatementsWithFullAccess"),
    severity=Severity.LOW,
    resource_types=IDENTITY_POLICIES,
    unset="no policy: nothing granted",
    check=_no_service_wildcards,
)


# ARNs that name every resource of a kind, besides `*`: `arn:aws:kms:*:*:key/*` and the like.
_EVERY = {
    "kms": re.compile(r"^arn:[^:]+:kms:[^:]*:[^:]*:(key|alias)/\*$"),
    "secretsmanager": re.compile(r"^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:\*$"),
    "ssm": re.compile(r"^arn:[^:]+:ssm:[^:]*:[^:]*:parameter/?\*$"),
    "iam": re.compile(r"^arn:[^:]+:iam::[^:]*:role/\*$"),
}


def _narrowed_by_tags(statement: dict[str, Any]) -> bool:
    """Whether a condition limits the statement to resources with given tags (which resources it
    reaches); conditions on how (kms:ViaService) or to whom (iam:PassedToService) do not."""
    condition = statement.get("Condition") or {}
    return any(
        str(key).lower().startswith(("aws:resourcetag/", "secretsmanager:resourcetag/"))
        for block in condition.values()
        if isinstance(block, dict)
        for key in block
    )


def _on_every(
    actions: tuple[str, ...], what: str, kind: str
) -> Callable[[ResourceValidationArgs], Iterator[str]]:
    """A check that no Allow grants any of `actions` on every resource of their `kind` (_EVERY),
    unless a resource-tag condition narrows it."""

    def check(args: ResourceValidationArgs) -> Iterator[str]:
        for statement in _allow_statements(args):
            every = [r for r in documents.resources(statement) if r == "*" or _EVERY[kind].match(r)]
            if not every or _narrowed_by_tags(statement):
                continue
            for action in actions:
                if documents.grants(statement, action):
                    sid = _sid(statement)
                    yield f"statement {sid} allows {action} on every {what} ({every[0]}); name them"
                    break

    return check


iam_no_kms_use_on_all_keys = ResourcePolicy(
    name="iam-no-kms-use-on-all-keys",
    summary="IAM policies do not allow decrypting or encrypting with every KMS key",
    controls=("FSBP KMS.1", "FSBP KMS.2", "CKV_AWS_355"),
    severity=Severity.HIGH,
    resource_types=IDENTITY_POLICIES,
    unset="no policy: nothing granted",
    check=_on_every(
        ("kms:Decrypt", "kms:ReEncryptFrom", "kms:Encrypt", "kms:ReEncryptTo", "kms:GenerateDataKey"),
        "KMS key",
        "kms",
    ),
)

iam_no_passrole_on_all_roles = ResourcePolicy(
    name="iam-no-passrole-on-all-roles",
    summary="IAM policies do not allow passing every role",
    controls=("CKV_AWS_286", "ref #82"),
    severity=Severity.HIGH,
    resource_types=IDENTITY_POLICIES,
    unset="no policy: nothing granted",
    check=_on_every(("iam:PassRole",), "role (privilege escalation)", "iam"),
)

iam_no_assume_role_on_all_roles = ResourcePolicy(
    name="iam-no-assume-role-on-all-roles",
    summary="IAM policies do not allow assuming every role",
    controls=("CKV_AWS_286", "ref #82"),
    severity=Severity.HIGH,
    resource_types=IDENTITY_POLICIES,
    unset="no policy: nothing granted",
    check=_on_every(("sts:AssumeRole",), "role", "iam"),
)

iam_no_secret_reads_on_all_secrets = ResourcePolicy(
    name="iam-no-secret-reads-on-all-secrets",
    summary="IAM policies do not allow reading every secret",
    controls=("CKV_AWS_288", "ref #82"),
    severity=Severity.HIGH,
    resource_types=IDENTITY_POLICIES,
    unset="no policy: nothing granted",
    check=_on_every(("secretsmanager:GetSecretValue",), "secret", "secretsmanager"),
)

iam_no_parameter_reads_on_all_parameters = ResourcePolicy(
    name="iam-no-parameter-reads-on-all-parameters",
    summary="IAM policies do not allow reading every SSM parameter",
    controls=("CKV_AWS_288", "ref #82"),
    severity=Severity.HIGH,
    resource_types=IDENTITY_POLICIES,
    unset="no policy: nothing granted",
    check=_on_every(
        ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"), "SSM parameter", "ssm"
    ),
)


_SHARED = {
    "sharedFromStacks": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Stacks whose secrets (and KMS keys) this stack's roles may use: a review app's base",
    }
}
KEY = "aws:kms/key:Key"
# `tasking-manager/<stack>/...`: how this program names every secret it writes.
_STACK_SECRET = re.compile(r":secret:tasking-manager/([^/]+)/")
_KEY_ARN = re.compile(r"^arn:[^:]+:kms:[^:]*:[^:]*:key/")


def _stack_of(resource: PolicyResource) -> str:
    return resource.urn.split("::", 1)[0].removeprefix("urn:pulumi:")


def _own_stack_only(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    resources = list(args.resources)
    if not resources:
        return
    stack = _stack_of(resources[0])
    shared = list(config_value(args, "sharedFromStacks", _SHARED))
    own_keys = {str(k.props.get("arn")) for k in of_type(resources, KEY) if k.props.get("arn")}
    for holder in of_type(resources, *IDENTITY_POLICIES):
        for document in identity_documents(holder):
            for statement in documents.statements(document):
                if not documents.allows(statement):
                    continue
                for arn in documents.resources(statement):
                    match = _STACK_SECRET.search(arn)
                    if match and match.group(1) not in (stack, *shared):
                        yield (f"reads {match.group(1)}'s secret {arn.rsplit(':', 1)[-1]}", holder.urn)
                    if _KEY_ARN.match(arn) and arn not in own_keys and not shared:
                        yield (f"uses the KMS key {arn}, which is not this stack's", holder.urn)


iam_own_stack_secrets_and_keys = StackPolicy(
    name="iam-own-stack-secrets-and-keys",
    summary="A stack's roles use only that stack's secrets and KMS keys (a review app also its base's)",
    controls=("HOT design: one environment's credentials never reach another",),
    severity=Severity.HIGH,
    resource_types=(*IDENTITY_POLICIES, KEY),
    unset="sharedFromStacks unset: none",
    check=_own_stack_only,
    config=_SHARED,
)


def _attached_arns(args: ResourceValidationArgs) -> list[str]:
    if canonical(args.resource_type) == ROLE:
        return [str(arn) for arn in args.props.get("managedPolicyArns") or []]
    arn = args.props.get("policyArn")
    return [str(arn)] if arn else []


def _no_administrator_access(args: ResourceValidationArgs) -> Iterator[str]:
    for arn in _attached_arns(args):
        if ":iam::aws:policy/" in arn and arn.rsplit("/", 1)[-1] in ADMIN_POLICIES:
            yield f"attaches the AWS-managed {arn.rsplit('/', 1)[-1]}"


iam_no_administrator_access = ResourcePolicy(
    name="iam-no-administrator-access",
    summary="No AdministratorAccess, IAMFullAccess or PowerUserAccess is attached",
    controls=("CKV_AWS_274", "AwsSolutions-IAM4"),
    severity=Severity.HIGH,
    resource_types=(ROLE, *ATTACHMENTS),
    unset="managedPolicyArns unset: nothing attached",
    check=_no_administrator_access,
)

_ALLOWED_MANAGED = {
    "allowedPolicies": {
        "type": "array",
        "items": {"type": "string"},
        "default": [
            "service-role/AmazonECSTaskExecutionRolePolicy",
            "service-role/AmazonRDSEnhancedMonitoringRole",
            "service-role/AWSBackupServiceRolePolicyForBackup",
            "service-role/AWSBackupServiceRolePolicyForRestores",
        ],
        "description": "AWS-managed policies (path/name after policy/) that service roles may use",
    }
}


def _managed_allowlisted(args: ResourceValidationArgs) -> Iterator[str]:
    allowed = set(config_value(args, "allowedPolicies", _ALLOWED_MANAGED))
    for arn in _attached_arns(args):
        if ":iam::aws:policy/" in arn:
            name = arn.split(":iam::aws:policy/", 1)[1]
            if name not in allowed:
                yield f"attaches the AWS-managed policy {name}, which grants more than this role needs"


iam_aws_managed_policies_allowlisted = ResourcePolicy(
    name="iam-aws-managed-policies-allowlisted",
    summary="AWS-managed policies are attached only from an allowlist of service-role policies",
    controls=("AwsSolutions-IAM4", "CKV2_AWS_56"),
    severity=Severity.MEDIUM,
    resource_types=(ROLE, *ATTACHMENTS),
    unset="managedPolicyArns unset: nothing attached",
    check=_managed_allowlisted,
    config=_ALLOWED_MANAGED,
)


def _trust_statements(args: ResourceValidationArgs) -> list[dict[str, Any]]:
    return [s for s in documents.statements(args.props.get("assumeRolePolicy")) if documents.allows(s)]


def _trust_no_wildcard(args: ResourceValidationArgs) -> Iterator[str]:
    for statement in _trust_statements(args):
        if documents.open_to_everyone(statement):
            yield f"trust statement {_sid(statement)} lets any principal assume the role"


iam_trust_policy_no_wildcard_principal = ResourcePolicy(
    name="iam-trust-policy-no-wildcard-principal",
    summary="Role trust policies name who may assume the role",
    controls=("CKV_AWS_60", "CKV_AWS_61"),
    severity=Severity.HIGH,
    resource_types=(ROLE,),
    unset="assumeRolePolicy is required",
    check=_trust_no_wildcard,
)

SOURCE_KEYS = ("aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths")


def _condition_keys(statement: dict[str, Any]) -> set[str]:
    condition = statement.get("Condition") or {}
    return {
        str(key).lower() for operator in condition.values() if isinstance(operator, dict) for key in operator
    }


def _confused_deputy(args: ResourceValidationArgs) -> Iterator[str]:
    for statement in _trust_statements(args):
        services = documents.service_principals(statement)
        if services and not _condition_keys(statement) & set(SOURCE_KEYS):
            yield (
                f"{', '.join(services)} may assume the role on behalf of any account: add an "
                "aws:SourceAccount (or aws:SourceArn) condition"
            )


iam_trust_policy_source_condition = ResourcePolicy(
    name="iam-trust-policy-source-condition",
    summary="Roles that AWS services assume are limited to this account's requests (confused deputy)",
    controls=("ref #81 (suggested)",),
    severity=Severity.MEDIUM,
    resource_types=(ROLE,),
    unset="Condition unset: any account's request through that service",
    check=_confused_deputy,
)

POLICIES = [
    iam_no_admin_statements,
    iam_no_service_wildcard_actions,
    iam_no_kms_use_on_all_keys,
    iam_no_passrole_on_all_roles,
    iam_no_assume_role_on_all_roles,
    iam_no_secret_reads_on_all_secrets,
    iam_no_parameter_reads_on_all_parameters,
    iam_own_stack_secrets_and_keys,
    iam_no_administrator_access,
    iam_aws_managed_policies_allowlisted,
    iam_trust_policy_no_wildcard_principal,
    iam_trust_policy_source_condition,
]
