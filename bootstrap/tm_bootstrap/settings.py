"""The bootstrap's own settings, read from its stack config (namespace `bootstrap`) and validated
before any resource is declared. A mistake lists every problem with the key, the value and what
is allowed, like the main program's settings do."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

NAMESPACE = "bootstrap"

# The names the workflows and the main program rely on; changing one means changing both.
PROJECT = "tasking-manager"
ROLE_PREFIX = "tasking-manager-ci"
# The Environment tags of the program's stacks: each is deployed by its own CI role and has its
# own secrets provider key, so a role that may read one environment's encrypted config (committed
# in Pulumi.<stack>.yaml) cannot read another's.
ENVIRONMENTS = ("prod", "staging", "dev", "review")
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
    "security.findingEmails": 'a list of e-mail addresses, e.g. ["ops@example.org"]',
    "security.pageEmails": 'a list of e-mail addresses, e.g. ["ops@example.org"]',
}
# The error types whose pydantic wording _EXPECTED replaces (a regex, a container's type).
_REWORDED = ("string_pattern_mismatch", "tuple_type")

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
EmailAddress = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]
# The retention periods CloudWatch Logs accepts (PutRetentionPolicy).
LogRetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
]
# HOT's operations address, as the main program's profiles use it for alerts.
HOT_OPS = ("sysadmin@hotosm.org",)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SecuritySettings(_Strict):
    """The account's security baseline (docs/operations/security.md): each part on by default."""

    cloud_trail: bool = Field(default=True, alias="cloudTrail")
    guard_duty: bool = Field(default=True, alias="guardDuty")
    security_hub: bool = Field(default=True, alias="securityHub")
    # AWS Config's recorder; Security Hub's controls evaluate what it records.
    config_recorder: bool = Field(default=True, alias="config")
    access_analyzer: bool = Field(default=True, alias="accessAnalyzer")
    # How long the trail's and Config's files stay in the security-logs bucket.
    log_retention_days: Annotated[int, Field(ge=90, le=3650)] = Field(default=365, alias="logRetentionDays")
    # The trail's copy in CloudWatch Logs, which the alarms and Logs Insights read.
    trail_log_group_retention_days: LogRetentionDays = Field(default=90, alias="trailLogGroupRetentionDays")
    # Critical findings page (GuardDuty's high and critical, Security Hub's critical, root use).
    paging: bool = True
    page_emails: tuple[EmailAddress, ...] = Field(default=HOT_OPS, alias="pageEmails")
    finding_emails: tuple[EmailAddress, ...] = Field(default=HOT_OPS, alias="findingEmails")

    @field_validator("page_emails")
    @classmethod
    def _someone_is_paged(cls, emails: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if info.data.get("paging") and not emails:
            raise ValueError("at least one address while paging is on (or set paging false)")
        return emails

    @field_validator("finding_emails")
    @classmethod
    def _someone_reads_findings(cls, emails: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if not emails and cls.sources_on(info.data):
            raise ValueError("at least one address: nobody would hear of a finding otherwise")
        return emails

    @staticmethod
    def sources_on(values: Mapping[str, Any]) -> bool:
        """routes_findings, of the values validated so far."""
        keys = ("cloud_trail", "guard_duty", "security_hub", "access_analyzer")
        return any(values.get(key) for key in keys)

    @property
    def routes_findings(self) -> bool:
        """Whether any part reports findings (the trail's alarms, GuardDuty, Security Hub, Access
        Analyzer), so that the topics and their rules exist."""
        return any((self.cloud_trail, self.guard_duty, self.security_hub, self.access_analyzer))

    @property
    def needs_logs(self) -> bool:
        """The security-logs bucket and its key: the trail's and Config's files."""
        return self.cloud_trail or self.config_recorder


class AccountUsage(_Strict):
    """What a month of the account's activity is assumed to be, for the cost estimate only; the
    keys are the cost model's `AccountUsage` (policies/operations/operations_guardrails/costs.py).
    Each default says where it comes from in docs/operations/security.md."""

    management_events_per_month: Annotated[float, Field(ge=0)] = Field(
        default=500_000, alias="managementEventsPerMonth"
    )
    management_event_kb: Annotated[float, Field(gt=0)] = Field(default=1.5, alias="managementEventKb")
    flow_and_dns_log_gb_per_month: Annotated[float, Field(ge=0)] = Field(
        default=10, alias="flowAndDnsLogGbPerMonth"
    )
    s3_data_events_per_month: Annotated[float, Field(ge=0)] = Field(
        default=200_000, alias="s3DataEventsPerMonth"
    )
    runtime_monitored_vcpus: Annotated[float, Field(ge=0)] = Field(default=4, alias="runtimeMonitoredVcpus")
    database_vcpus: Annotated[float, Field(ge=0)] = Field(default=4, alias="databaseVcpus")
    security_hub_checks_per_month: Annotated[float, Field(ge=0)] = Field(
        default=15_000, alias="securityHubChecksPerMonth"
    )
    finding_events_per_month: Annotated[float, Field(ge=0)] = Field(
        default=1_000, alias="findingEventsPerMonth"
    )
    configuration_items_per_month: Annotated[float, Field(ge=0)] = Field(
        default=3_000, alias="configurationItemsPerMonth"
    )

    def to_mapping(self) -> dict[str, float]:
        """camelCase keys, as the cost model reads them."""
        return {field.alias or name: getattr(self, name) for name, field in type(self).model_fields.items()}


class BootstrapSettings(_Strict):
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
    security: SecuritySettings = SecuritySettings()
    usage: AccountUsage = AccountUsage()

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
            f"Set them with `pulumi config set {NAMESPACE}:<key> <value>` in bootstrap/ (with --path for a "
            f"key inside another, such as {NAMESPACE}:security.guardDuty)."
        )


def parse_settings(stack: str, config: Mapping[str, str]) -> BootstrapSettings:
    """Validate the flat config map the CLI hands the program; other namespaces are ignored."""
    prefix = f"{NAMESPACE}:"
    values: dict[str, Any] = {
        k[len(prefix) :]: _structured(v) for k, v in config.items() if k.startswith(prefix)
    }
    try:
        return BootstrapSettings.model_validate(values)
    except ValidationError as error:
        raise BootstrapSettingsError(stack, [_describe(e) for e in error.errors()]) from None


def _structured(value: Any) -> Any:
    """Structured values (`pulumi config set --path bootstrap:security.guardDuty false`) arrive as
    JSON strings."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            pass
    return value


def _describe(error: Any) -> str:
    loc = tuple(str(part) for part in error["loc"] if not isinstance(part, int))
    setting = ".".join(loc)  # the setting, without list indices
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])[1:]
    if error["type"] == "missing":
        return f"{NAMESPACE}:{key} is required: {_EXPECTED.get(setting, error['msg'])}"
    if error["type"] == "extra_forbidden":
        allowed = ", ".join(sorted(f.alias or n for n, f in _model_at(loc[:-1]).model_fields.items()))
        return f"{NAMESPACE}:{key} is not a setting; allowed keys: {allowed}"
    expected = _EXPECTED.get(setting) if error["type"] in _REWORDED else None
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{NAMESPACE}:{key} = {error.get('input')!r}: {expected or message}"


def _model_at(loc: tuple[str, ...]) -> type[BaseModel]:
    """The settings model that holds the keys under `loc` (`security` -> SecuritySettings)."""
    model: type[BaseModel] = BootstrapSettings
    for part in loc:
        field = next(f for n, f in model.model_fields.items() if part in (n, f.alias))
        nested = field.annotation
        if not (isinstance(nested, type) and issubclass(nested, BaseModel)):
            raise TypeError(f"{'.'.join(loc)} holds no settings")
        model = nested
    return model


def load_settings() -> BootstrapSettings:
    """This stack's config, validated. Reads the whole map so that unknown keys are reported."""
    from pulumi.runtime import config as runtime_config

    config = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return parse_settings(pulumi.get_stack(), config)
