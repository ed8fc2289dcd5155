"""Run once per AWS account by an administrator: the Pulumi state bucket, the KMS keys, GitHub's
OIDC provider and the CI roles the workflows assume (docs/operations/ci.md), and the account's
security baseline: CloudTrail, GuardDuty, Config, Security Hub, IAM Access Analyzer and where their
findings go (docs/operations/security.md)."""

import json

import pulumi
import pulumi_aws as aws

from tm_bootstrap.github_roles import GitHubRoles, GitHubRolesArgs
from tm_bootstrap.permissions import Account, ci_roles, state_bucket_policy
from tm_bootstrap.security import security_baseline
from tm_bootstrap.settings import load_settings
from tm_bootstrap.state import StateBackend, StateBackendArgs

settings = load_settings()  # fails here, before any resource, on a config mistake
provider = aws.Provider(
    "aws",
    region=settings.region,
    allowed_account_ids=[settings.account_id],  # credentials for another account are refused
    default_tags=aws.ProviderDefaultTagsArgs(tags=settings.tags),
)
in_account = pulumi.ResourceOptions(providers=[provider])
roles = ci_roles(settings.review_base_stack)

state = StateBackend(
    "state",
    StateBackendArgs(
        account_id=settings.account_id,
        region=settings.region,
        bucket_name=settings.bucket_name,
        noncurrent_version_days=settings.state_version_retention_days,
    ),
    in_account,
)

# The account's security baseline (docs/operations/security.md): each part a setting.
baseline = security_baseline(settings, in_account)

# -- the CI roles ------------------------------------------------------------------------------
account = pulumi.Output.all(
    state.state_key.arn,
    baseline.key.key.arn if baseline.key is not None else None,
    *[state.secrets_keys[env].arn for env in state.secrets_keys],
).apply(
    lambda arns: Account(
        account_id=settings.account_id,
        region=settings.region,
        bucket=settings.bucket_name,
        state_key_arn=arns[0],
        secrets_key_arns=dict(zip(state.secrets_keys, arns[2:], strict=True)),
        review_base_stack=settings.review_base_stack,
        security_key_arn=arns[1],
    )
)
state.attach_policy("state", account.apply(lambda a: json.dumps(state_bucket_policy(a, roles))))
github = GitHubRoles(
    "github",
    GitHubRolesArgs(
        repository=settings.github_repository,
        roles=roles,
        account=account,
        existing_oidc_provider_arn=settings.existing_oidc_provider_arn,
    ),
    in_account,
)

# What the repository's variables are set to (docs/operations/ci.md).
pulumi.export("backendUrl", state.backend_url)
pulumi.export("secretsProviders", state.secrets_providers)
pulumi.export("roleArns", {key: role.arn for key, role in github.roles.items()})
pulumi.export("oidcProviderArn", github.oidc_provider_arn)
pulumi.export("reviewPermissionsBoundaryArn", github.boundary.arn)
if baseline.routing is not None:
    pulumi.export("findingTopicArns", {route: topic.arn for route, topic in baseline.routing.topics.items()})
if baseline.logs is not None:
    pulumi.export("securityLogsBucket", baseline.logs.bucket.bucket)
