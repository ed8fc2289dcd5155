"""S3 buckets (access logs, backups): never public, TLS only, encrypted, owned, expiring.

Every bucket-level setting is its own resource naming the bucket (`bucket`: the bucket's name,
which is also its id), so "each bucket has one" is a stack policy. `aws:s3/*V2` tokens are read as
their unsuffixed successors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from . import documents
from .framework import (
    ResourcePolicy,
    StackPolicy,
    canonical,
    config_value,
    is_true,
    of_type,
    referenced,
)

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"

BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def _settings_of(bucket: PolicyResource, settings: list[PolicyResource]) -> list[PolicyResource]:
    return [s for s in settings if referenced(s, "bucket", [bucket], "id", "bucket")]


def _public_access_block(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    blocks = list(of_type(args.resources, PUBLIC_ACCESS_BLOCK))
    for bucket in of_type(args.resources, BUCKET):
        mine = _settings_of(bucket, blocks)
        if not mine:
            yield ("has no BucketPublicAccessBlock", bucket.urn)
        for block in mine:
            off = [flag for flag in BLOCK_FLAGS if not is_true(block.props.get(flag))]
            if off:
                yield (f"leaves {', '.join(off)} off", block.urn)


s3_bucket_public_access_block = StackPolicy(
    name="s3-bucket-public-access-block",
    summary="Every bucket blocks public access with all four settings",
    controls=(
        "FSBP S3.8",
        "AwsSolutions-S2",
        "CKV2_AWS_6",
        "CKV_AWS_53",
        "CKV_AWS_54",
        "CKV_AWS_55",
        "CKV_AWS_56",
    ),
    severity=Severity.HIGH,
    resource_types=(BUCKET, PUBLIC_ACCESS_BLOCK),
    unset="a flag unset: false; no block for a bucket: only the account-level block, if any",
    check=_public_access_block,
)


def _no_public(args: ResourceValidationArgs) -> Iterator[str]:
    token = canonical(args.resource_type)
    if token in (BUCKET, BUCKET_ACL) and str(args.props.get("acl") or "") in PUBLIC_ACLS:
        yield f"the canned ACL {args.props.get('acl')} opens the bucket to everyone"
    if token == BUCKET_ACL:
        policy = args.props.get("accessControlPolicy") or {}
        for grant in policy.get("grants") or []:
            if str((grant.get("grantee") or {}).get("uri")) in PUBLIC_GRANTEES:
                yield f"a grant gives {grant.get('permission')} to all (authenticated) AWS users"
    if token == BUCKET_POLICY:
        for statement in documents.statements(args.props.get("policy")):
            if documents.open_to_everyone(statement):
                yield f"statement {statement.get('Sid') or '(no Sid)'} allows anyone, with no condition"


s3_no_public_acl_or_policy = ResourcePolicy(
    name="s3-no-public-acl-or-policy",
    summary="No bucket ACL or policy grants access to everyone",
    controls=("FSBP S3.2", "FSBP S3.3", "CKV_AWS_20", "CKV_AWS_57", "CKV_AWS_70"),
    severity=Severity.CRITICAL,
    resource_types=(BUCKET, BUCKET_ACL, BUCKET_POLICY),
    unset="acl unset: private",
    check=_no_public,
)


def _denies_plaintext(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    bools = condition.get("Bool") or {}
    return statement.get("Effect") == "Deny" and str(bools.get("aws:SecureTransport")).lower() == "false"


def _tls_only(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    policies = list(of_type(args.resources, BUCKET_POLICY))
    for bucket in of_type(args.resources, BUCKET):
        mine = _settings_of(bucket, policies)
        if not any(_denies_plaintext(s) for p in mine for s in documents.statements(p.props.get("policy"))):
            yield ("has no policy statement denying requests without TLS (aws:SecureTransport)", bucket.urn)


s3_tls_only = StackPolicy(
    name="s3-tls-only",
    summary="Every bucket's policy denies requests that do not use TLS",
    controls=("FSBP S3.5", "AwsSolutions-S10"),
    severity=Severity.MEDIUM,
    resource_types=(BUCKET, BUCKET_POLICY),
    unset="no BucketPolicy for a bucket: plain HTTP requests are accepted",
    check=_tls_only,
)

_ALGORITHMS = {
    "allowedAlgorithms": {
        "type": "array",
        "items": {"type": "string"},
        "default": ["aws:kms", "aws:kms:dsse", "AES256"],
        "description": "Default encryption algorithms allowed (AES256 where a service needs SSE-S3)",
    }
}


def _encryption(args: ResourceValidationArgs) -> Iterator[str]:
    allowed = list(config_value(args, "allowedAlgorithms", _ALGORITHMS))
    for rule in args.props.get("rules") or []:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        algorithm = str(default.get("sseAlgorithm") or "")
        if algorithm not in allowed:
            yield f"default encryption {algorithm or '(none)'} is not one of {', '.join(allowed)}"
        elif algorithm.startswith("aws:kms") and not default.get("kmsMasterKeyId"):
            yield "SSE-KMS with the AWS-managed aws/s3 key; name a customer-managed key in kmsMasterKeyId"


s3_bucket_encryption = ResourcePolicy(
    name="s3-bucket-encryption",
    summary="Bucket default encryption uses an allowed algorithm, and a customer-managed key for SSE-KMS",
    controls=("FSBP S3.17 (NIST)", "CKV_AWS_145", "NIST S3DefaultEncryptionKMS"),
    severity=Severity.MEDIUM,
    resource_types=(ENCRYPTION,),
    unset="no configuration: SSE-S3 (AES256), S3's default since 2023; kmsMasterKeyId unset: aws/s3",
    check=_encryption,
    config=_ALGORITHMS,
)


def _ownership(args: ResourceValidationArgs) -> Iterator[str]:
    rule = args.props.get("rule") or {}
    if rule.get("objectOwnership") != "BucketOwnerEnforced":
        owner = rule.get("objectOwnership")
        yield f"objectOwnership is {owner}: ACLs stay in effect; use BucketOwnerEnforced"


s3_bucket_owner_enforced = ResourcePolicy(
    name="s3-bucket-owner-enforced",
    summary="Buckets disable ACLs (object ownership BucketOwnerEnforced)",
    controls=("FSBP S3.12", "CKV2_AWS_65"),
    severity=Severity.MEDIUM,
    resource_types=(OWNERSHIP,),
    unset="no BucketOwnershipControls: BucketOwnerEnforced, S3's default for new buckets since 2023",
    check=_ownership,
)


def _lifecycle(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    configurations = list(of_type(args.resources, LIFECYCLE))
    for bucket in of_type(args.resources, BUCKET):
        rules = [r for c in _settings_of(bucket, configurations) for r in c.props.get("rules") or []]
        if not any(r.get("status") == "Enabled" for r in rules):
            yield ("has no enabled lifecycle rule: objects are kept (and billed) forever", bucket.urn)


s3_bucket_lifecycle = StackPolicy(
    name="s3-bucket-lifecycle",
    summary="Every bucket has an enabled lifecycle rule",
    controls=("FSBP S3.13", "CKV2_AWS_61"),
    severity=Severity.LOW,
    resource_types=(BUCKET, LIFECYCLE),
    unset="no lifecycle configuration: objects never expire",
    check=_lifecycle,
)

POLICIES = [
    s3_bucket_public_access_block,
    s3_no_public_acl_or_policy,
    s3_tls_only,
    s3_bucket_encryption,
    s3_bucket_owner_enforced,
    s3_bucket_lifecycle,
]
