"""GitHub Actions' OIDC provider in the account, and one role per CI environment that only that
environment's workflow jobs of the repository can assume."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .permissions import (
    BOUNDARY_NAME,
    OIDC_AUDIENCE,
    OIDC_HOST,
    Account,
    CiRole,
    identity_policies,
    policy_parts,
    review_boundary,
    trust_policy,
)


@dataclass(frozen=True)
class GitHubRolesArgs:
    repository: str
    roles: Sequence[CiRole]
    account: pulumi.Output[Account]
    # Reuse the account's provider when one exists already (there can be only one per URL).
    existing_oidc_provider_arn: str | None = None


class GitHubRoles(pulumi.ComponentResource):
    """`tm:bootstrap:GitHubRoles`: the OIDC provider, the review permissions boundary and the CI
    roles (`tasking-manager-ci-<prod|staging|dev|review|drift|preview>`), each with its managed policies
    (`tasking-manager-ci-<key>-<part>`)."""

    oidc_provider_arn: pulumi.Output[str]
    roles: dict[str, aws.iam.Role]
    boundary: aws.iam.Policy

    def __init__(self, name: str, args: GitHubRolesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:bootstrap:GitHubRoles", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.existing_oidc_provider_arn:
            self.oidc_provider_arn = pulumi.Output.from_input(args.existing_oidc_provider_arn)
        else:
            # No thumbprint: AWS validates GitHub's certificate against its own trusted CAs.
            provider = aws.iam.OpenIdConnectProvider(
                name,
                url=f"https://{OIDC_HOST}",
                client_id_lists=[OIDC_AUDIENCE],
                opts=pulumi.ResourceOptions(parent=self, protect=True),
            )
            self.oidc_provider_arn = provider.arn

        self.boundary = aws.iam.Policy(
            f"{name}-review-boundary",
            name=BOUNDARY_NAME,
            description="Permissions boundary of every IAM role a review stack creates",
            policy=args.account.apply(lambda account: json.dumps(review_boundary(account))),
            opts=child,
        )
        self.roles = {role.key: self._role(name, role, args, child) for role in args.roles}
        self.register_outputs(
            {
                "oidcProviderArn": self.oidc_provider_arn,
                "roleArns": {key: role.arn for key, role in self.roles.items()},
            }
        )

    def _role(
        self, name: str, role: CiRole, args: GitHubRolesArgs, opts: pulumi.ResourceOptions
    ) -> aws.iam.Role:
        def trust(provider_arn: str) -> str:
            return json.dumps(trust_policy(role, args.repository, provider_arn))

        created = aws.iam.Role(
            f"{name}-{role.key}",
            name=role.name,
            description=role.description,
            assume_role_policy=self.oidc_provider_arn.apply(trust),
            max_session_duration=role.session_hours * 3600,
            opts=opts,
        )
        # Managed policies named after the role: the guard rails deny every CI role any change to
        # tasking-manager-ci-* policies, so no role can widen its own.
        for suffix in policy_parts(role):

            def document(account: Account, suffix: str = suffix) -> str:
                return json.dumps(identity_policies(role, account)[suffix])

            policy = aws.iam.Policy(
                f"{name}-{role.key}-{suffix}",
                name=f"{role.name}-{suffix}",
                description=f"{role.description}: {suffix}",
                policy=args.account.apply(document),
                opts=opts,
            )
            aws.iam.RolePolicyAttachment(
                f"{name}-{role.key}-{suffix}", role=created.name, policy_arn=policy.arn, opts=opts
            )
        return created
