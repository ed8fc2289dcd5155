"""The bootstrap's own settings, read from its stack config (namespace `bootstrap`) and validated
before any resource is declared. A mistake lists every problem with the key, the value and what
is allowed, like the main program's settings do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import pulumi
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

NAMESPACE = "bootstrap"

# The names the workflows and the main program rely on; changing one means changing both.
PROJECT = "tasking-manager"
ROLE_PREFIX = "tasking-manager-ci"
# The Environment tag of the bootstrap's own resources: no CI role deploys that environment.
SHARED_ENVIRONMENT = "shared"

# What each pattern means, for the error messages (pydantic would print the regex).
_EXPECTED = {
    "githubRepository": "owner/name of the GitHub repository, e.g. hotosm/tasking-manager",
    "accountId": "the 12 digits of the AWS account",
    "region": "an AWS region such as us-east-1",
    "stateBucket": "an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens",
    "reviewBaseStack": "the stack review apps build on, e.g. dev",
    "existingOidcProviderArn": "the ARN of this account's token.actions.githubusercontent.com provider",
}

GitHubRepository = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$"),
    Field(description="owner/name, spelled as GitHub spells it (the OIDC `sub` claim is case-sensitive)"),
]
AccountId = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")]


def _plain_bucket_name(name: str) -> str:
    if ".." in name or name.startswith("xn--"):
        raise ValueError(_EXPECTED["stateBucket"])
    return name


BucketName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
    AfterValidator(_plain_bucket_name),
]
StackName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")]
OidcProviderArn = Annotated[
    str,
    StringConstraints(
        pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com$"
    ),
]
TagValue = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class BootstrapSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    github_repository: GitHubRepository = Field(alias="githubRepository")
    account_id: AccountId = Field(alias="accountId")
    region: Region = "us-east-1"
    # Bucket names are global: the account id keeps the default unique.
    state_bucket: BucketName | None = Field(default=None, alias="stateBucket")
    # How long overwritten or deleted state objects stay recoverable.
    state_version_retention_days: Annotated[int, Field(ge=7, le=3650)] = Field(
        default=90, alias="stateVersionRetentionDays"
    )
    review_base_stack: StackName = Field(default="dev", alias="reviewBaseStack")
    # An account has one provider per URL: reuse it when something else created it already.
    existing_oidc_provider_arn: OidcProviderArn | None = Field(default=None, alias="existingOidcProviderArn")
    owner: TagValue = "hot-tech"
    cost_center: TagValue = Field(default="tasking-manager", alias="costCenter")

    @property
    def bucket_name(self) -> str:
        return self.state_bucket or f"{PROJECT}-pulumi-state-{self.account_id}"

    @property
    def tags(self) -> dict[str, str]:
        """Default tags of every bootstrap resource, like the stacks' provider tags."""
        return {
            "Project": PROJECT,
            "Environment": SHARED_ENVIRONMENT,
            "Stack": "bootstrap",
            "ManagedBy": "pulumi",
            "Owner": self.owner,
            "CostCenter": self.cost_center,
        }


class BootstrapSettingsError(pulumi.RunError):
    """Invalid bootstrap config; RunError makes Pulumi print the message without a traceback."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            f"Invalid bootstrap configuration for stack '{stack}' ({len(problems)} problem"
            f"{'' if len(problems) == 1 else 's'}):\n{lines}\n"
            f"Set them with `pulumi config set {NAMESPACE}:<key> <value>` in bootstrap/."
        )


def parse_settings(stack: str, config: Mapping[str, str]) -> BootstrapSettings:
    """Validate the flat config map the CLI hands the program; other namespaces are ignored."""
    prefix = f"{NAMESPACE}:"
    values: dict[str, Any] = {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)}
    try:
        return BootstrapSettings.model_validate(values)
    except ValidationError as error:
        raise BootstrapSettingsError(stack, [_describe(e, values) for e in error.errors()]) from None


def _describe(error: Any, values: Mapping[str, Any]) -> str:
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"{NAMESPACE}:{key} is required: {_EXPECTED.get(key, error['msg'])}"
    if error["type"] == "extra_forbidden":
        allowed = ", ".join(sorted(f.alias or n for n, f in BootstrapSettings.model_fields.items()))
        return f"{NAMESPACE}:{key} is not a setting; allowed keys: {allowed}"
    expected = _EXPECTED.get(key) if error["type"] == "string_pattern_mismatch" else None
    return f"{NAMESPACE}:{key} = {values.get(key)!r}: {expected or error['msg']}"


def load_settings() -> BootstrapSettings:
    """This stack's config, validated. Reads the whole map so that unknown keys are reported."""
    from pulumi.runtime import config as runtime_config

    config = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return parse_settings(pulumi.get_stack(), config)
