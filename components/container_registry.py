"""The ECR repositories the back-end images are pushed to and pulled from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws


def _rule(priority: int, description: str, selection: dict[str, Any]) -> dict[str, Any]:
    return {
        "rulePriority": priority,
        "description": description,
        "selection": selection,
        "action": {"type": "expire"},
    }


def release_lifecycle(untagged_days: int = 7, images_kept: int = 50) -> str:
    """The deployed images: untagged layers expire, the newest `images_kept` stay (the running
    image is always among them, so a rollback finds the previous ones)."""
    return json.dumps(
        {
            "rules": [
                _rule(
                    1,
                    f"Untagged images expire after {untagged_days} days",
                    {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": untagged_days,
                    },
                ),
                _rule(
                    2,
                    f"Keep the newest {images_kept} images",
                    {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": images_kept},
                ),
            ]
        }
    )


def review_lifecycle(days: int = 14) -> str:
    """Review apps' images (`pr-<N>-<sha>`): every image expires two weeks after its push. They
    have a repository of their own so that a busy week of pull requests never pushes a release
    out of the deployed images' count."""
    return json.dumps(
        {
            "rules": [
                _rule(
                    1,
                    f"Review-app images expire {days} days after their push",
                    {
                        "tagStatus": "any",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": days,
                    },
                )
            ]
        }
    )


@dataclass(frozen=True)
class ContainerRegistryArgs:
    stack: str
    kms_key_arn: pulumi.Input[str]
    # Dev's repositories can go with their stack; prod's keep their images until emptied by hand.
    force_delete: bool
    # The base of review apps also keeps their images, in a repository of their own.
    review_images: bool = False


class ContainerRegistry(pulumi.ComponentResource):
    """`tm:aws:ContainerRegistry`: scanned on push, immutable tags, KMS-encrypted, pruned."""

    repository: aws.ecr.Repository
    review_repository: aws.ecr.Repository | None
    repository_url: pulumi.Output[str]
    repository_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: ContainerRegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tm:aws:ContainerRegistry", name, None, opts)
        self.repository = self._repository(
            name, f"tasking-manager/{args.stack}/backend", release_lifecycle(), args
        )
        self.review_repository = (
            self._repository(
                f"{name}-review", f"tasking-manager/{args.stack}/review", review_lifecycle(), args
            )
            if args.review_images
            else None
        )
        self.repository_url = self.repository.repository_url
        self.repository_arn = self.repository.arn
        self.register_outputs({"repositoryUrl": self.repository_url})

    def _repository(
        self, name: str, path: str, lifecycle: str, args: ContainerRegistryArgs
    ) -> aws.ecr.Repository:
        child = pulumi.ResourceOptions(parent=self)
        repository = aws.ecr.Repository(
            name,
            name=path,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=args.kms_key_arn)
            ],
            force_delete=args.force_delete,
            opts=child,
        )
        aws.ecr.LifecyclePolicy(name, repository=repository.name, policy=lifecycle, opts=child)
        return repository
