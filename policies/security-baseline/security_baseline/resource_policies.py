"""Resource policies (topic, bucket, queue, repository, secret and key policies) name who they let in:
a wildcard principal only with a condition that ties it to an account, an organisation or a source,
and an AWS service only on behalf of this account's resources (the confused deputy)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from . import documents
from .framework import ResourcePolicy, canonical

TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"

# Condition keys that narrow a wildcard principal to an account, organisation, network or source.
SCOPING_KEYS = {
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalarn",
    "aws:sourcevpc",
    "aws:sourcevpce",
}
# What ties a service's request to this account's resources (AWS's confused-deputy guidance).
SOURCE_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:sourceowner"}
# In a key policy, KMS's own keys do too: the calling account, the service a request comes
# through, or the encryption context naming this account's resource (CloudWatch Logs' log group).
KMS_SOURCE_KEYS = {"kms:calleraccount", "kms:viaservice"}


def _ties_to_this_account(keys: set[str], key_policy: bool) -> bool:
    if keys & SOURCE_KEYS:
        return True
    return key_policy and any(k in KMS_SOURCE_KEYS or k.startswith("kms:encryptioncontext:") for k in keys)


def _condition_keys(statement: Mapping[str, Any]) -> set[str]:
    condition = statement.get("Condition") or {}
    return {str(key).lower() for block in condition.values() if isinstance(block, Mapping) for key in block}


def _scoped(args: ResourceValidationArgs) -> Iterator[str]:
    for statement in documents.statements(args.props.get("policy")):
        if not documents.allows(statement):
            continue
        sid = statement.get("Sid") or "(no Sid)"
        keys = _condition_keys(statement)
        if "*" in documents.principals(statement) and not keys & SCOPING_KEYS:
            yield (
                f"statement {sid} lets in any principal without an account, organisation or source condition"
            )
        services = documents.service_principals(statement)
        key_policy = canonical(args.resource_type) in (KEY, KEY_POLICY)
        if services and not _ties_to_this_account(keys, key_policy):
            yield (
                f"statement {sid} lets {', '.join(services)} in for any account's resources: "
                "add aws:SourceAccount or aws:SourceArn"
            )


resource_policy_principals_scoped = ResourcePolicy(
    name="resource-policy-principals-scoped",
    summary="Resource policies let in no wildcard principal unconditionally, "
    "and AWS services only for this account",
    controls=("CKV_AWS_169", "FSBP S3.2", "AWS IAM: the confused deputy problem"),
    severity=Severity.HIGH,
    resource_types=(
        TOPIC,
        TOPIC_POLICY,
        BUCKET_POLICY,
        QUEUE_POLICY,
        REPOSITORY_POLICY,
        SECRET_POLICY,
        KEY,
        KEY_POLICY,
    ),
    unset="policy unset: only the owning account's identity policies apply",
    check=_scoped,
)

POLICIES = [resource_policy_principals_scoped]
