"""Secrets Manager and KMS: customer-managed keys, rotation, and no key or secret open to anyone."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs, Severity, StackValidationArgs

from . import documents
from .framework import ResourcePolicy, StackPolicy, config_value, covered, is_true, must_not_be_true, of_type

SECRET = "aws:secretsmanager/secret:Secret"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"


def _secret_cmk(args: ResourceValidationArgs) -> Iterator[str]:
    key = args.props.get("kmsKeyId")
    if not key or str(key) == "alias/aws/secretsmanager":
        yield "the secret uses the AWS-managed aws/secretsmanager key; name the stack's key in kmsKeyId"


secret_encrypted_with_cmk = ResourcePolicy(
    name="secret-encrypted-with-cmk",
    summary="Secrets are encrypted with a customer-managed KMS key",
    controls=("NIST SecretsManagerUsingKMSKey", "CKV_AWS_149"),
    severity=Severity.MEDIUM,
    resource_types=(SECRET,),
    unset="kmsKeyId unset: the AWS-managed aws/secretsmanager key",
    check=_secret_cmk,
)


def _rotation(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    rotations = list(of_type(args.resources, SECRET_ROTATION))
    for secret in of_type(args.resources, SECRET):
        if not covered(secret, rotations, "secretId", "id", "arn"):
            yield ("is never rotated (no SecretRotation)", secret.urn)


secret_rotation = StackPolicy(
    name="secret-rotation",
    summary="Secrets are rotated automatically",
    controls=("FSBP SecretsManager.1", "AwsSolutions-SMG4", "CKV2_AWS_57"),
    severity=Severity.MEDIUM,
    resource_types=(SECRET, SECRET_ROTATION),
    unset="no SecretRotation for a secret: never rotated (third-party credentials often cannot be)",
    check=_rotation,
)

_ROTATION_DAYS = {
    "maximumDays": {
        "type": "integer",
        "minimum": 1,
        "default": 90,
        "description": "Most days between two rotations",
    }
}


def _rotation_period(args: ResourceValidationArgs) -> Iterator[str]:
    maximum = int(config_value(args, "maximumDays", _ROTATION_DAYS))
    rules = args.props.get("rotationRules") or {}
    days = rules.get("automaticallyAfterDays")
    expression = str(rules.get("scheduleExpression") or "")
    if days is not None and float(days) > maximum:
        yield f"the secret rotates every {int(float(days))} days; at most {maximum}"
    rate = re.fullmatch(r"rate\((\d+) days?\)", expression.strip())
    if rate and int(rate.group(1)) > maximum:
        yield f"the secret rotates every {rate.group(1)} days; at most {maximum}"
    if days is None and not expression:
        yield "rotationRules sets no schedule"


secret_rotation_period = ResourcePolicy(
    name="secret-rotation-period",
    summary="Secret rotation happens at least every 90 days (configurable)",
    controls=("FSBP SecretsManager.4", "CKV_AWS_304"),
    severity=Severity.MEDIUM,
    resource_types=(SECRET_ROTATION,),
    unset="rotationRules without a schedule: AWS refuses it",
    check=_rotation_period,
    config=_ROTATION_DAYS,
)


def _open_statements(document: object) -> Iterator[str]:
    for statement in documents.statements(document):
        if documents.open_to_everyone(statement):
            sid = statement.get("Sid")
            yield f"statement {sid or '(no Sid)'} allows any principal with no condition"


def _secret_policy(args: ResourceValidationArgs) -> Iterator[str]:
    yield from _open_statements(args.props.get("policy"))


secret_policy_not_public = ResourcePolicy(
    name="secret-policy-not-public",
    summary="Secret resource policies do not grant access to everyone",
    controls=("ref #70 (suggested)",),
    severity=Severity.HIGH,
    resource_types=(SECRET_POLICY,),
    unset="no resource policy: only IAM policies of this account grant access",
    check=_secret_policy,
)


def _symmetric(args: ResourceValidationArgs) -> bool:
    spec = args.props.get("customerMasterKeySpec") or args.props.get("keySpec") or "SYMMETRIC_DEFAULT"
    return str(spec) == "SYMMETRIC_DEFAULT"


def _key_rotation(args: ResourceValidationArgs) -> Iterator[str]:
    if _symmetric(args) and not is_true(args.props.get("enableKeyRotation")):
        yield "enableKeyRotation is not true: the key material never changes"


kms_key_rotation = ResourcePolicy(
    name="kms-key-rotation",
    summary="Symmetric customer-managed keys rotate their key material",
    controls=("FSBP KMS.4", "awsguard cmk-backing-key-rotation-enabled", "AwsSolutions-KMS5", "CKV_AWS_7"),
    severity=Severity.MEDIUM,
    resource_types=(KEY,),
    unset="enableKeyRotation unset: false; keySpec unset: SYMMETRIC_DEFAULT",
    check=_key_rotation,
)


def _key_policy(args: ResourceValidationArgs) -> Iterator[str]:
    yield from _open_statements(args.props.get("policy"))


kms_key_policy_no_wildcard_principal = ResourcePolicy(
    name="kms-key-policy-no-wildcard-principal",
    summary="Key policies do not allow any principal without a condition",
    controls=("FSBP KMS.5 [3P]", "CKV_AWS_33", "CKV2_AWS_64"),
    severity=Severity.CRITICAL,
    resource_types=(KEY, KEY_POLICY),
    unset="policy unset: AWS's default policy (the account only)",
    check=_key_policy,
)


kms_key_no_lockout_bypass = ResourcePolicy(
    name="kms-key-no-lockout-bypass",
    summary="Key policies never bypass KMS's lockout safety check",
    controls=("CKV_AWS_227", "ref #73"),
    severity=Severity.CRITICAL,
    resource_types=(KEY, KEY_POLICY),
    unset="bypassPolicyLockoutSafetyCheck unset: false",
    check=must_not_be_true(
        "bypassPolicyLockoutSafetyCheck", "a wrong policy could make the key unmanageable forever"
    ),
)

_DELETION_WINDOW = {
    "minimumDays": {
        "type": "integer",
        "minimum": 7,
        "maximum": 30,
        "default": 30,
        "description": "Fewest days a key scheduled for deletion can still be recovered",
    }
}


def _deletion_window(args: ResourceValidationArgs) -> Iterator[str]:
    minimum = int(config_value(args, "minimumDays", _DELETION_WINDOW))
    days = args.props.get("deletionWindowInDays")
    if days is not None and float(days) < minimum:
        window = int(float(days))
        yield f"deletionWindowInDays is {window}: a mistaken deletion is recoverable for under {minimum} days"


kms_key_deletion_window = ResourcePolicy(
    name="kms-key-deletion-window",
    summary="Keys scheduled for deletion stay recoverable for 30 days (configurable)",
    controls=("FSBP KMS.3 (runtime counterpart)", "ref #73 (suggested 30 days)"),
    severity=Severity.LOW,
    resource_types=(KEY,),
    unset="deletionWindowInDays unset: 30",
    check=_deletion_window,
    config=_DELETION_WINDOW,
)

POLICIES = [
    secret_encrypted_with_cmk,
    secret_rotation,
    secret_rotation_period,
    secret_policy_not_public,
    kms_key_rotation,
    kms_key_policy_no_wildcard_principal,
    kms_key_no_lockout_bypass,
    kms_key_deletion_window,
]
