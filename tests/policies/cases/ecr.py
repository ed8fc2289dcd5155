"""Fixtures of the ECR policies."""

from security_baseline import ecr

from tests.policies.harness import DELETE, Case, StackCase

REPOSITORY = "aws:ecr/repository:Repository"
_REPOSITORY = {
    "name": "tasking-manager/prod/backend",
    "imageTagMutability": "IMMUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
    "encryptionConfigurations": [
        {"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-east-1:123456789012:key/1"}
    ],
}

CASES = [
    Case(
        ecr.ecr_scan_on_push,
        REPOSITORY,
        _REPOSITORY,
        [
            ({"imageScanningConfiguration.scanOnPush": False}, "images are not scanned on push"),
            ({"imageScanningConfiguration": DELETE}, "not scanned on push"),
        ],
    ),
    Case(
        ecr.ecr_immutable_tags,
        REPOSITORY,
        _REPOSITORY,
        [
            ({"imageTagMutability": "MUTABLE"}, "imageTagMutability is MUTABLE"),
            ({"imageTagMutability": DELETE}, "imageTagMutability is MUTABLE"),
        ],
    ),
    StackCase(
        ecr.ecr_lifecycle_policy,
        {
            "repo": (REPOSITORY, {**_REPOSITORY, "id": "tasking-manager/prod/backend"}),
            "lifecycle": (
                "aws:ecr/lifecyclePolicy:LifecyclePolicy",
                {"repository": "tasking-manager/prod/backend", "policy": "{}"},
            ),
        },
        [
            ({"lifecycle": DELETE}, "has no lifecycle policy"),
            ({"lifecycle.repository": "other"}, "has no lifecycle policy"),
        ],
    ),
    Case(
        ecr.ecr_repository_not_public,
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        {
            "repository": "tasking-manager/prod/backend",
            "policy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "Pull",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                        "Action": "ecr:BatchGetImage",
                    }
                ],
            },
        },
        [({"policy.Statement.0.Principal": "*"}, "statement Pull lets anyone use the repository")],
        json_props=("policy",),
    ),
    Case(
        ecr.ecr_kms_encryption,
        REPOSITORY,
        _REPOSITORY,
        [
            ({"encryptionConfigurations": DELETE}, "images are encrypted with AES256"),
            ({"encryptionConfigurations.0.encryptionType": "AES256"}, "use KMS"),
        ],
    ),
]
