"""The one explicit AWS provider every component uses, and the account facts components share."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.settings import BaseSettings, ReviewSettings, tags


def aws_provider(settings: BaseSettings | ReviewSettings) -> aws.Provider:
    return aws.Provider(
        "aws",
        region=settings.region,
        # Refuse to touch any other account when the stack names its account (a prod safety net).
        allowed_account_ids=[settings.aws_account_id] if settings.aws_account_id else None,
        default_tags=aws.ProviderDefaultTagsArgs(tags=tags(settings)),
    )


@dataclass(frozen=True)
class AwsScope:
    """Where a stack's resources live: what policies and ARNs built by hand need to name."""

    stack: str
    region: str
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]


def aws_scope(settings: BaseSettings | ReviewSettings, provider: aws.Provider) -> AwsScope:
    invoke = pulumi.InvokeOutputOptions(provider=provider)
    return AwsScope(
        stack=settings.stack,
        region=settings.region,
        account_id=aws.get_caller_identity_output(opts=invoke).account_id,
        partition=aws.get_partition_output(opts=invoke).partition,
    )
