"""ECR repositories: scanned, immutable, pruned, private, encrypted with a KMS key."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs, Severity, StackValidationArgs

from . import documents
from .framework import ResourcePolicy, StackPolicy, covered, is_true, of_type

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"


def _scan_on_push(args: ResourceValidationArgs) -> Iterator[str]:
    scanning = args.props.get("imageScanningConfiguration") or {}
    if not is_true(scanning.get("scanOnPush")):
        yield "images are not scanned on push (imageScanningConfiguration.scanOnPush)"


ecr_scan_on_push = ResourcePolicy(
    name="ecr-scan-on-push",
    summary="ECR repositories scan images on push",
    controls=("FSBP ECR.1", "CKV_AWS_163"),
    severity=Severity.HIGH,
    resource_types=(REPOSITORY,),
    unset="imageScanningConfiguration unset: no scan (unless the registry scans enhanced)",
    check=_scan_on_push,
)


def _immutable(args: ResourceValidationArgs) -> Iterator[str]:
    mutability = str(args.props.get("imageTagMutability") or "MUTABLE")
    if not mutability.startswith("IMMUTABLE"):
        yield f"imageTagMutability is {mutability}: a tag can be pointed at another image after review"


ecr_immutable_tags = ResourcePolicy(
    name="ecr-immutable-tags",
    summary="ECR image tags are immutable",
    controls=("FSBP ECR.2", "CKV_AWS_51"),
    severity=Severity.MEDIUM,
    resource_types=(REPOSITORY,),
    unset="imageTagMutability unset: MUTABLE",
    check=_immutable,
)


def _lifecycle(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    policies = list(of_type(args.resources, LIFECYCLE_POLICY))
    for repository in of_type(args.resources, REPOSITORY):
        if not covered(repository, policies, "repository", "name", "id"):
            yield ("has no lifecycle policy: images pile up forever", repository.urn)


ecr_lifecycle_policy = StackPolicy(
    name="ecr-lifecycle-policy",
    summary="Every ECR repository has a lifecycle policy",
    controls=("FSBP ECR.3",),
    severity=Severity.MEDIUM,
    resource_types=(REPOSITORY, LIFECYCLE_POLICY),
    unset="no LifecyclePolicy for a repository: images are never expired",
    check=_lifecycle,
)


def _not_public(args: ResourceValidationArgs) -> Iterator[str]:
    for statement in documents.statements(args.props.get("policy")):
        if documents.open_to_everyone(statement):
            yield f"statement {statement.get('Sid') or '(no Sid)'} lets anyone use the repository"


ecr_repository_not_public = ResourcePolicy(
    name="ecr-repository-not-public",
    summary="ECR repository policies do not grant access to everyone",
    controls=("AwsSolutions-ECR1", "CKV_AWS_32"),
    severity=Severity.HIGH,
    resource_types=(REPOSITORY_POLICY,),
    unset="no repository policy: this account only",
    check=_not_public,
)


def _kms(args: ResourceValidationArgs) -> Iterator[str]:
    configurations = list(args.props.get("encryptionConfigurations") or [])
    kind = str(configurations[0].get("encryptionType") or "AES256") if configurations else "AES256"
    if not kind.startswith("KMS"):
        yield f"images are encrypted with {kind}; use KMS with the stack's key"


ecr_kms_encryption = ResourcePolicy(
    name="ecr-kms-encryption",
    summary="ECR repositories encrypt images with KMS",
    controls=("CKV_AWS_136",),
    severity=Severity.MEDIUM,
    resource_types=(REPOSITORY,),
    unset="encryptionConfigurations unset: AES256 (S3-managed keys)",
    check=_kms,
)

POLICIES = [
    ecr_scan_on_push,
    ecr_immutable_tags,
    ecr_lifecycle_policy,
    ecr_repository_not_public,
    ecr_kms_encryption,
]
