"""The ECR repository the back-end image is pushed to and pulled from."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

# Review apps push `pr-<N>-<sha>` tags; they are dropped two weeks after their push.
REVIEW_TAG_PREFIX = "pr-"


def lifecycle_policy(review_image_days: int = 14, untagged_days: int = 7, images_kept: int = 50) -> str:
    """ECR lifecycle rules: review images and untagged layers expire, at most `images_kept` stay."""
    rules = [
        {
            "rulePriority": 1,
            "description": f"Review-app images expire {review_image_days} days after their push",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": [REVIEW_TAG_PREFIX],
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": review_image_days,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": f"Untagged images expire after {untagged_days} days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": untagged_days,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 3,
            "description": f"Keep the newest {images_kept} images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": images_kept},
            "action": {"type": "expire"},
        },
    ]
    return json.dumps({"rules": rules})


@dataclass(frozen=True)
class ContainerRegistryArgs:
    stack: str
    kms_key_arn: pulumi.Input[str]
    # Dev's repository can go with its stack; prod's keeps its images until emptied by hand.
    force_delete: bool


class ContainerRegistry(pulumi.ComponentResource):
    """`tm:aws:ContainerRegistry`: scanned on push, immutable tags, KMS-encrypted, pruned."""

    repository: aws.ecr.Repository
    lifecycle: aws.ecr.LifecyclePolicy
    repository_url: pulumi.Output[str]
    repository_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: ContainerRegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tm:aws:ContainerRegistry", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.repository = aws.ecr.Repository(
            name,
            name=f"tasking-manager/{args.stack}/backend",
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=args.kms_key_arn)
            ],
            force_delete=args.force_delete,
            opts=child,
        )
        self.lifecycle = aws.ecr.LifecyclePolicy(
            name, repository=self.repository.name, policy=lifecycle_policy(), opts=child
        )
        self.repository_url = self.repository.repository_url
        self.repository_arn = self.repository.arn
        self.register_outputs({"repositoryUrl": self.repository_url})
