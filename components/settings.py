"""Typed stack settings: environment profile defaults, overridden by the stack's `tm:` config, validated once.

Every component reads its slice of `Settings`; nothing else reads Pulumi config. A config mistake is
reported as a `SettingsError` that lists every problem at once, each naming the config key
(`tm:network.natGateways`), the value given and what is allowed, before any resource is declared.
"""

from __future__ import annotations

import copy
import datetime
import ipaddress
import json
import re
import zoneinfo
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
)
from pydantic.alias_generators import to_camel

from components import rds_sizing
from components.off_hours import (
    ALARMS_RESUME_MINUTES,
    DATABASE_LEAD_MINUTES,
    MIN_AWAKE_MINUTES,
    clock_minutes,
)
from components.profiles import KUBERNETES_PROFILE, PROFILES
from components.telemetry import COLLECTOR_MEMORY_MIB, MIN_API_MEMORY_WITH_COLLECTOR
from components.waf import MANAGED_RULE_GROUPS

CONFIG_NAMESPACE = "tm"
PROJECT_TAG = "tasking-manager"
REVIEW_STACK_PATTERN = re.compile(r"^review-pr-([1-9][0-9]*)$")

Environment = Literal["prod", "staging", "dev", "review"]
NatStrategy = Literal["none", "single", "onePerAz", "instance"]
# Graviton sizes for the NAT instance (its image is arm64), each priced in the cost model.
NatInstanceType = Literal["t4g.nano", "t4g.micro", "t4g.small"]
Apm = Literal["newRelic", "openTelemetry", "none"]
InterfaceEndpoint = Literal[
    "ecr.api",
    "ecr.dkr",
    "logs",
    "secretsmanager",
    "ssm",
    "ssmmessages",
    "sts",
    "monitoring",
    "xray",
]
# The retention periods CloudWatch Logs accepts (PutRetentionPolicy).
LogRetentionDays = Literal[
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
]
# Interface endpoints private tasks need when there is no NAT gateway to reach AWS APIs through.
ENDPOINTS_WITHOUT_NAT: tuple[InterfaceEndpoint, ...] = (
    "ecr.api",
    "ecr.dkr",
    "logs",
    "secretsmanager",
)


def _matching(pattern: str, what: str) -> AfterValidator:
    """A string constraint whose error says what is allowed in words, not as a regex."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {what}")
        return value

    return AfterValidator(check)


AwsRegion = Annotated[
    str,
    _matching(
        r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]",
        "an AWS region code such as us-east-1",
    ),
]
AwsAccountId = Annotated[str, _matching(r"[0-9]{12}", "a 12-digit AWS account id")]
TagValue = Annotated[
    str,
    _matching(
        r"[\w .:/=+\-@]{1,256}",
        "1 to 256 letters, digits, spaces or _ . : / = + - @ (an AWS tag value)",
    ),
]
HostName = Annotated[
    str,
    _matching(
        r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
        "a lower-case DNS name such as tasks.hotosm.org",
    ),
]


def _private_vpc_cidr(value: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
    if not value.is_private:
        raise ValueError("must be a private (RFC 1918) range such as 10.10.0.0/16")
    if not 16 <= value.prefixlen <= 19:
        raise ValueError(
            "prefix length must be /16 to /19 (the public, private and isolated subnets of up to "
            "three availability zones are carved out of it)"
        )
    return value


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        raise ValueError(f"lists {', '.join(duplicates)} more than once")
    return values


class _Model(BaseModel):
    """Config keys are camelCase like every other Pulumi config; unknown keys are errors."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True, validate_by_name=False)


class NetworkSettings(_Model):
    cidr: Annotated[ipaddress.IPv4Network, AfterValidator(_private_vpc_cidr)]
    availability_zones: Literal[2, 3]
    nat_gateways: NatStrategy
    nat_instance_type: NatInstanceType = "t4g.nano"
    interface_endpoints: Annotated[tuple[InterfaceEndpoint, ...], AfterValidator(_unique)] = ()
    flow_log_retention_days: LogRetentionDays

    @property
    def subnet_prefix_lengths(self) -> dict[str, int]:
        """Subnet sizes relative to the VPC: big private tier for tasks, small public and isolated tiers."""
        base = self.cidr.prefixlen
        return {"public": base + 8, "private": base + 4, "isolated": base + 8}


# Whatever a React build or a container `environment` sees is readable by anyone who gets it:
# names and values that look like credentials are refused there.
_SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_KEY|ACCESS_KEY|LICENSE_KEY")
_SECRET_VALUE = re.compile(
    r"(ghp_|gho_|github_pat_|glpat-|xox[abp]-|sk_live_|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY)"
)


def secret_like(name: str, value: str) -> str | None:
    """Why a name/value pair looks like a credential, or None when it does not."""
    if _SECRET_NAME.search(name.upper()):
        return f"the name {name} looks like a secret"
    if _SECRET_VALUE.search(value):
        return f"the value of {name} looks like a credential"
    return None


def _public_variables(variables: dict[str, str]) -> dict[str, str]:
    for name, value in variables.items():
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            raise ValueError(f"{name} is not an environment variable name (A-Z, 0-9, _)")
        reason = secret_like(name, value)
        if reason:
            raise ValueError(
                f"{reason}; a React build is public, so secrets never go into its variables "
                "(keep them in the back end's Secrets Manager secrets)"
            )
    return variables


# Fargate's allowed memory (MiB) for each CPU size (units of 1/1024 vCPU).
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
}


class ApiSettings(_Model):
    """The API service: task size, uvicorn workers, database pool per worker, task count range."""

    cpu: Literal[256, 512, 1024, 2048, 4096]
    memory: int
    workers: Annotated[int, Field(ge=1, le=32)]
    db_min_connections: Annotated[int, Field(ge=0, le=50)]
    db_max_connections: Annotated[int, Field(ge=1, le=100)]
    min_tasks: Annotated[int, Field(ge=1, le=50)]
    max_tasks: Annotated[int, Field(ge=1, le=50)]
    # Target tracking: scale out above these averages (HOT's current thresholds).
    cpu_target_percent: Annotated[int, Field(ge=10, le=90)]
    memory_target_percent: Annotated[int, Field(ge=10, le=90)]
    requests_per_target: Annotated[int, Field(ge=10, le=10000)]


class WorkerSettings(_Model):
    """Task size of the cron worker and of the migration task."""

    cpu: Literal[256, 512, 1024, 2048, 4096]
    memory: int


Capacity = Literal["onDemand", "mostlySpot", "spot"]
# The processors a Fargate task runs on (botocore's ECS `CPUArchitecture`). Every combination with
# Capacity is allowed: ECS's API reference (botocore 1.44) says FARGATE_SPOT runs Linux tasks of
# either architecture, ARM64 on platform version 1.4.0 or later, and the services run on LATEST.
CpuArchitecture = Literal["X86_64", "ARM64"]


class EcsSettings(_Model):
    """The cluster and how its tasks run."""

    capacity: Capacity
    execute_command: bool
    container_insights: Literal["enabled", "enhanced"]
    log_retention_days: LogRetentionDays
    # Every Fargate task of the stack (api, cron, migrate, the review database-admin task); the
    # image step builds each image for both.
    cpu_architecture: CpuArchitecture


# Connections one review app's login may hold (its role's CONNECTION LIMIT, set by the base's
# database-admin task), and what the base's reserve keeps for maintenance sessions besides them.
REVIEW_CONNECTION_LIMIT = 12
MAINTENANCE_CONNECTIONS = 12
# Amplify allows 50 branches per app, a hard limit (offline/aws_limits.py); each slot is one branch
# of the base's review front-end app.
MAX_REVIEW_SLOTS = 50


class ReviewHostSettings(_Model):
    """Review apps on this base stack: `pr-<N>.<host>` for their APIs, under one wildcard
    certificate and DNS record the base owns, a pinned PostgreSQL client image for the trusted
    task that creates and drops their databases, and `slots` front-end hosts (`slot-<k>` branches of
    one Amplify app), each registered once as a redirect URI of the OSM OAuth2 application: the cap
    on review apps running at once."""

    host: HostName
    slots: Annotated[int, Field(ge=1, le=MAX_REVIEW_SLOTS)]
    admin_image: Annotated[
        str,
        _matching(
            r"[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+:[0-9][A-Za-z0-9_.-]*",
            "a PostgreSQL client image pinned to a version tag, like "
            "public.ecr.aws/docker/library/postgres:17.6-alpine",
        ),
    ]


class ImageSettings(_Model):
    """The back-end image: this stack's ECR repository (`ecr`) or another registry, and its tag.

    The deploy workflow sets the tag it has just pushed (`pulumi config set tm:image.tag <tag>`).
    """

    repository: Annotated[
        str,
        _matching(
            r"ecr|[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+",
            "ecr (this stack's repository) or an image repository like "
            "ghcr.io/hotosm/tasking-manager/backend",
        ),
    ]
    tag: Annotated[
        str,
        _matching(
            r"(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}",
            "an image tag other than latest (tags never move)",
        ),
    ]


def _managed_waf_rule(name: str) -> str:
    group, _, rule = name.partition("/")
    if rule not in MANAGED_RULE_GROUPS.get(group, ()):
        allowed = ", ".join(f"{g}/{r}" for g, rules in MANAGED_RULE_GROUPS.items() for r in rules)
        raise ValueError(f"{name!r} is not a rule of the web ACL's managed groups; one of: {allowed}")
    return name


class LoadBalancerSettings(_Model):
    deletion_protection: bool
    # ELB.12: `defensive` or `strictest`; `monitor` would let request-smuggling through.
    desync_mitigation_mode: Literal["defensive", "strictest"]
    access_log_retention_days: Annotated[int, Field(ge=1, le=3650)]
    idle_timeout_seconds: Annotated[int, Field(ge=1, le=4000)]
    waf: bool
    # Requests per 5 minutes from one IP address before the WAF blocks it.
    waf_rate_limit: Annotated[int, Field(ge=100, le=2_000_000_000)]
    # Managed rules (`Group/Rule`) that count instead of block while their logs are studied.
    waf_count_rules: list[Annotated[str, AfterValidator(_managed_waf_rule)]] = Field(default_factory=list)


HttpsOrigin = Annotated[
    str,
    _matching(
        r"https://[a-z0-9.-]+(:[0-9]+)?",
        "an https:// origin (scheme and host, no path) like https://hotosm.github.io",
    ),
]
EmailAddress = Annotated[str, _matching(r"[^@\s]+@[a-z0-9.-]+\.[a-z]{2,}", "an e-mail address")]


class AvailabilitySlo(_Model):
    """Share of API requests answered without a 5xx, measured at the load balancer."""

    target_percent: Annotated[float, Field(ge=90, lt=100)]
    window_days: Literal[7, 14, 28, 30]


class LatencySlo(_Model):
    """The API's 95th-percentile response time at the load balancer stays under this bound."""

    p95_ms: Annotated[int, Field(ge=50, le=30000)]


class SlackSettings(_Model):
    """AWS Chatbot posts alerts to this Slack channel (the workspace must be authorised once in
    the Chatbot console)."""

    workspace_id: Annotated[str, _matching(r"T[A-Z0-9]{6,12}", "a Slack workspace id like T012AB3CD")]
    channel_id: Annotated[str, _matching(r"[CG][A-Z0-9]{6,12}", "a Slack channel id like C012AB3CD")]


class ObservabilitySettings(_Model):
    availability: AvailabilitySlo
    latency: LatencySlo
    # Whether anything may wake someone: only production pages; elsewhere urgent alerts become tickets.
    paging: bool
    page_emails: tuple[EmailAddress, ...] = ()
    ticket_emails: tuple[EmailAddress, ...] = ()
    slack: SlackSettings | None = None
    # Application performance monitoring: `newRelic` runs the API and cron under the New Relic
    # agent the image ships (key NEW_RELIC_LICENSE_KEY of the app secret), as HOT does today;
    # `openTelemetry` runs the API under OpenTelemetry's instrumentation (added by images/api) with
    # a collector beside it sending traces to X-Ray and metrics to CloudWatch; `none` runs them bare.
    apm: Apm


class SmtpSettings(_Model):
    host: HostName
    port: Literal[25, 465, 587, 2465, 2587]
    use_tls: bool
    use_ssl: bool


class AppSettings(_Model):
    """Non-secret settings of the Tasking Manager application (its environment variables)."""

    smtp: SmtpSettings
    email_from_address: EmailAddress
    email_contact_address: EmailAddress
    default_changeset_comment: Annotated[str, Field(min_length=1, max_length=255)]
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"]
    use_sentry: bool
    # uvicorn's per-request log lines; off where the load balancer's access logs already keep them.
    access_log: bool
    # Topics the ohsome statistics are fetched for (the application cannot start without it).
    ohsome_stats_topics: Annotated[
        str, _matching(r"[a-z_]+(,[a-z_]+)*", "comma-separated topics like changeset,building")
    ]
    # Origins besides this stack's front end whose browsers may call the API (HOT's partner tools).
    extra_cors_origins: Annotated[tuple[HttpsOrigin, ...], AfterValidator(_unique)] = ()
    # Further plain environment variables; names or values that look like secrets are refused.
    extra_environment: Annotated[dict[str, str], AfterValidator(_public_variables)] = Field(
        default_factory=dict
    )


# The application's secret environment variables, kept as keys of one Secrets Manager secret.
APP_SECRET_NAMES = (
    "TM_SECRET",
    "TM_CLIENT_ID",
    "TM_CLIENT_SECRET",
    "TM_SMTP_USER",
    "TM_SMTP_PASSWORD",
    "TM_SENTRY_BACKEND_DSN",
    "NEW_RELIC_LICENSE_KEY",
    "TM_IMAGE_UPLOAD_API_URL",
    "TM_IMAGE_UPLOAD_API_KEY",
    "OHSOME_STATS_TOKEN",
)


def _instance_class(value: str) -> str:
    rds_sizing.memory_gib(value)  # raises ValueError naming what is allowed
    return value


def _window(pattern: str, example: str) -> AfterValidator:
    return _matching(pattern, f"a UTC window like {example}")


_HHMM = r"([01][0-9]|2[0-3]):[0-5][0-9]"
_DAY = r"(mon|tue|wed|thu|fri|sat|sun)"


class BackupPlanSettings(_Model):
    """AWS Backup of the database: a daily recovery point, and optionally a monthly one kept longer."""

    daily_retention_days: Annotated[int, Field(ge=1, le=35)]
    monthly_retention_days: Annotated[int, Field(ge=90, le=3650)] | None = None


DatabaseEngine = Literal["rds", "auroraServerless"]
# Aurora PostgreSQL minor versions from which a Serverless v2 minimum of 0 ACUs (auto-pause) is
# available, by major (Aurora User Guide, "Aurora Serverless v2 capacity"); every 17 and later has it.
AURORA_AUTO_PAUSE_FROM = {15: 7, 16: 3}


def _half_step(value: float) -> float:
    if value * 2 != int(value * 2):
        raise ValueError("must be a multiple of 0.5 ACU")
    return value


AcuCount = Annotated[float, AfterValidator(_half_step)]


class ServerlessSettings(_Model):
    """Aurora Serverless v2 capacity of each instance, in ACUs (about 2 GiB of memory each), and how
    long an instance with no connections waits before it pauses (minimum 0 only)."""

    min_capacity: Annotated[AcuCount, Field(ge=0, le=256)]
    max_capacity: Annotated[AcuCount, Field(ge=1, le=256)]
    seconds_until_auto_pause: Annotated[int, Field(ge=300, le=86400)] | None = None


class DatabaseSettings(_Model):
    # `rds`: an RDS for PostgreSQL instance; `auroraServerless`: an Aurora PostgreSQL cluster of
    # Serverless v2 instances (a writer, and a reader in another zone while multiAz is on).
    engine: DatabaseEngine
    engine_version: Annotated[
        str, _matching(r"1[5-9](\.[0-9]+)?", "a PostgreSQL 15 or newer version, like 17 or 17.6")
    ]
    instance_class: Annotated[str, AfterValidator(_instance_class)]
    allocated_storage_gb: Annotated[int, Field(ge=20, le=65536)]
    max_allocated_storage_gb: Annotated[int, Field(ge=20, le=65536)]
    multi_az: bool
    deletion_protection: bool
    final_snapshot: bool
    backup_retention_days: Annotated[int, Field(ge=1, le=35)]
    backup_window: Annotated[str, _window(f"{_HHMM}-{_HHMM}", "03:00-04:00")]
    maintenance_window: Annotated[str, _window(f"{_DAY}:{_HHMM}-{_DAY}:{_HHMM}", "sun:04:30-sun:05:30")]
    log_retention_days: LogRetentionDays
    slow_query_ms: Annotated[int, Field(ge=100, le=60000)]
    performance_insights_retention_days: Literal[7, 31, 93, 186, 372, 731]
    monitoring_interval_seconds: Literal[1, 5, 10, 15, 30, 60]
    # Connections kept free beyond the stack's own tasks: maintenance sessions, and in dev the
    # review apps that have their own databases in this instance.
    reserved_connections: Annotated[int, Field(ge=3, le=5000)]
    backup_plan: BackupPlanSettings
    serverless: ServerlessSettings

    @property
    def parameter_group_family(self) -> str:
        prefix = "aurora-postgresql" if self.engine == "auroraServerless" else "postgres"
        return f"{prefix}{self.engine_version.split('.')[0]}"

    @property
    def max_connections(self) -> int:
        """What the instance (or each Serverless v2 instance) allows, as RDS derives it."""
        if self.engine == "auroraServerless":
            return rds_sizing.serverless_max_connections(
                self.serverless.min_capacity, self.serverless.max_capacity
            )
        return rds_sizing.max_connections(self.instance_class)

    @property
    def memory_bytes(self) -> int:
        """Memory of the instance, or of a Serverless v2 instance at its maximum capacity."""
        gib = (
            self.serverless.max_capacity * rds_sizing.GIB_PER_ACU
            if self.engine == "auroraServerless"
            else rds_sizing.memory_gib(self.instance_class)
        )
        return int(gib * 1024**3)


HttpsUrl = Annotated[str, _matching(r"https://[a-z0-9.-]+(:[0-9]+)?(/[^\s]*)?", "an https:// URL")]
SentryDsn = Annotated[
    str,
    _matching(
        r"https://[0-9a-f]{32}@[a-z0-9.-]+/[0-9]+", "a Sentry DSN like https://<32 hex>@o1.ingest.sentry.io/2"
    ),
]


class FrontendSettings(_Model):
    """The Amplify Hosting app and this stack's branch of it."""

    repository: Annotated[
        str,
        _matching(
            r"https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+",
            "a GitHub repository URL like https://github.com/hotosm/tasking-manager",
        ),
    ]
    branch: Annotated[str, _matching(r"[A-Za-z0-9._/-]{1,255}", "a git branch name")]
    stage: Literal["PRODUCTION", "BETA", "DEVELOPMENT", "EXPERIMENTAL"]
    pull_request_previews: bool
    basic_auth: bool
    custom_domain: bool
    osm_server_url: HttpsUrl
    # The OSM OAuth2 application's client id: public, it is in every login URL.
    oauth_client_id: Annotated[str, _matching(r"[A-Za-z0-9_-]{8,128}", "an OAuth2 client id")] | None = None
    # Further public TM_* build variables (organisation branding, Matomo id, ...).
    build_variables: Annotated[dict[str, str], AfterValidator(_public_variables)] = Field(
        default_factory=dict
    )


CertificateArn = Annotated[
    str,
    _matching(r"arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]{36}", "an ACM certificate ARN"),
]


class DnsSettings(_Model):
    """Host names, and how the API's certificate is had: validated in a Route 53 zone this
    account hosts (`zoneName`), or an existing ACM certificate (`certificateArn`)."""

    zone_name: HostName | None = None
    certificate_arn: CertificateArn | None = None
    frontend_host: HostName
    api_host: HostName
    # Whether the API's record may replace one that exists (the cut-over from HOT's running
    # deployment, docs/operations/cutover.md); off, `pulumi up` stops at an existing record.
    take_over_existing_records: bool = False


class UsageSettings(_Model):
    """What a month of use is assumed to be, for the cost estimate of the plan and of the
    operations pack's budget policy (docs/costs.md). Nothing is deployed from these."""

    api_requests_per_month: Annotated[int, Field(ge=0)]
    # Everything the stack's CloudWatch log groups ingest, shared evenly between them.
    log_gb_per_day: Annotated[float, Field(ge=0)]
    nat_gb_per_month: Annotated[float, Field(ge=0)]
    load_balancer_capacity_units: Annotated[float, Field(ge=0, le=1000)]
    amplify_builds_per_month: Annotated[int, Field(ge=0)]
    amplify_build_minutes: Annotated[float, Field(gt=0, le=120)]
    frontend_gb_served_per_month: Annotated[float, Field(ge=0)]
    # Aurora Serverless v2 (tm:database.engine auroraServerless): the average ACUs of each instance
    # while it runs, the hours a month it is paused (0 ACU: no connection for secondsUntilAutoPause),
    # the GB it stores and its millions of I/O requests (Aurora Standard bills them).
    database_average_acu: Annotated[float, Field(ge=0, le=256)]
    database_paused_hours_per_month: Annotated[float, Field(ge=0, le=744)]
    database_storage_gb: Annotated[float, Field(ge=0)]
    database_io_millions_per_month: Annotated[float, Field(ge=0)]


class MonthlyBudgetSettings(_Model):
    """AWS Budgets on this stack's cost (resources tagged Stack=<stack>, once Stack is an activated
    cost allocation tag): a ticket at 80 % of the forecast month and at 100 % of actual spend."""

    usd: Annotated[float, Field(gt=0, le=1_000_000)]
    # On the base of review apps: a second budget over every review app (tagged Environment=review).
    review_apps_usd: Annotated[float, Field(gt=0, le=1_000_000)] | None = None


Weekday = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
ClockTime = Annotated[str, _matching(r"([01][0-9]|2[0-3]):[0-5][0-9]", "a time of day like 07:30 (24-hour)")]


def _time_zone(value: str) -> str:
    # The names EventBridge Scheduler and Application Auto Scaling accept: the IANA database's.
    if value not in zoneinfo.available_timezones():
        raise ValueError("must be an IANA time zone name like UTC, Europe/London or Africa/Nairobi")
    return value


class OffHoursSettings(_Model):
    """Outside `start`-`end` on `workdays` (and all day on other days), in `timeZone`, the API and
    the cron worker scale to zero, the database stops and the alarms' actions pause; prod never
    sleeps. components/off_hours.py makes the schedules."""

    enabled: bool
    time_zone: Annotated[str, AfterValidator(_time_zone)]
    workdays: Annotated[tuple[Weekday, ...], Field(min_length=1), AfterValidator(_unique)]
    start: ClockTime
    end: ClockTime


Platform = Literal["aws", "kubernetes"]
KubernetesName = Annotated[
    str,
    _matching(
        r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?",
        "a Kubernetes name: lower-case letters, digits and -, at most 63, starting and ending "
        "with a letter or digit",
    ),
]
PinnedImage = Annotated[
    str,
    _matching(
        r"([a-z0-9.-]+(:[0-9]+)?/)?[a-z0-9._/-]+:(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}",
        "an image pinned to a version tag other than latest, like "
        "docker.io/nginxinc/nginx-unprivileged:1.28.0-alpine",
    ),
]
StorageSize = Annotated[str, _matching(r"[1-9][0-9]*(Mi|Gi|Ti)", "a size like 20Gi (Mi, Gi or Ti)")]
ObjectStorePath = Annotated[
    str, _matching(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9._/-]*)?", "an s3://bucket/path URL")
]
# Six fields, seconds first: the schedule format of CloudNativePG's ScheduledBackup.
BackupSchedule = Annotated[
    str,
    _matching(
        r"[0-9*/,-]+( [0-9*/,-]+){5}",
        "a six-field cron schedule, seconds first, like 0 0 3 * * *",
    ),
]


# A kubeconfig context's name: k3s's `default`, EKS's cluster ARN, GKE's `gke_<project>_<zone>_<name>`.
KubeconfigContext = Annotated[
    str,
    _matching(r"[A-Za-z0-9][A-Za-z0-9._:@/-]*", "a kubeconfig context name: no spaces, not empty"),
]


class KubernetesSecretsSettings(_Model):
    """How the application secret reaches the cluster: `secret`, a plain Secret made from the
    Pulumi secret config tm:appSecrets; `externalSecret`, an ExternalSecret the External Secrets
    operator fills from `store` (a SecretStore or ClusterSecretStore), whose entry `remoteKey`
    holds one property per variable."""

    mode: Literal["secret", "externalSecret"]
    store: KubernetesName | None = None
    store_kind: Literal["SecretStore", "ClusterSecretStore"] = "ClusterSecretStore"
    remote_key: Annotated[str, Field(min_length=1, max_length=253)] | None = None
    refresh_interval: Annotated[str, _matching(r"[1-9][0-9]*(m|h)", "a duration like 1h or 30m")] = "1h"


class KubernetesBackupSettings(_Model):
    """CloudNativePG's base backups and WAL archive in S3-compatible object storage; the Secret
    `credentialsSecret` (in the namespace) holds ACCESS_KEY_ID and ACCESS_SECRET_KEY."""

    destination_path: ObjectStorePath
    endpoint_url: HttpsUrl
    credentials_secret: KubernetesName
    retention_days: Annotated[int, Field(ge=1, le=365)]
    schedule: BackupSchedule = "0 0 3 * * *"


class KubernetesDatabaseSettings(_Model):
    """`cloudNativePg`: a CloudNativePG cluster of `instances` PostGIS pods behind a PgBouncer
    Pooler, backed up to object storage; `external`: a database elsewhere, its URL the Pulumi
    secret config tm:databaseUrl."""

    mode: Literal["cloudNativePg", "external"]
    instances: Annotated[int, Field(ge=1, le=9)] = 1
    image: PinnedImage
    storage_size: StorageSize = "20Gi"
    storage_class: KubernetesName | None = None
    cpu_millicores: Annotated[int, Field(ge=100, le=64000)] = 500
    memory_mib: Annotated[int, Field(ge=256, le=262144)] = 1024
    pooler_instances: Annotated[int, Field(ge=1, le=9)] = 1
    backup: KubernetesBackupSettings | None = None
    # Where the CloudNativePG operator runs: it reaches each instance's status port.
    operator_namespace: KubernetesName = "cnpg-system"


class KubernetesFrontendSettings(_Model):
    """The static web server (an unprivileged nginx, pinned) and the image that carries the built
    bundle in /site (copied into the server's volume when a pod starts)."""

    server_image: PinnedImage
    bundle_image: PinnedImage


class KubernetesSettings(_Model):
    """The Kubernetes realisation (tm:platform kubernetes) on a conformant cluster with an ingress
    controller, cert-manager and, per the modes chosen, CloudNativePG and External Secrets."""

    # The kubeconfig context of the stack's cluster: the explicit provider deploys there and
    # nowhere else, whatever context the operator's kubeconfig has current.
    context: KubeconfigContext
    namespace: KubernetesName
    ingress_class: KubernetesName
    # Where the ingress controller's pods run, and their labels: the only source the API and the
    # front end admit (without labels, every pod of that namespace).
    ingress_namespace: KubernetesName
    ingress_pod_labels: dict[str, str] = Field(default_factory=dict)
    # A cert-manager ClusterIssuer.
    tls_issuer: KubernetesName
    # Further annotations of both Ingresses, for the controller (e.g. Traefik's HTTPS-only entry point).
    ingress_annotations: dict[str, str] = Field(default_factory=dict)
    secrets: KubernetesSecretsSettings
    database: KubernetesDatabaseSettings
    frontend: KubernetesFrontendSettings
    # The port the API server listens on behind the `kubernetes` Service (k3s and kubeadm: 6443),
    # which the database pods' instance managers call.
    api_server_port: Annotated[int, Field(ge=1, le=65535)] = 6443
    dns_namespace: KubernetesName = "kube-system"


class _CommonSettings(_Model):
    stack: str
    region: AwsRegion
    aws_account_id: AwsAccountId | None = None
    owner: TagValue
    cost_center: TagValue
    usage: UsageSettings
    off_hours: OffHoursSettings


class BaseSettings(_CommonSettings):
    """A stack with its own network and data: `prod`, `staging` or `dev` (the base review apps
    build on)."""

    environment: Literal["prod", "staging", "dev"]
    # Where it runs: AWS (the default) or any conformant Kubernetes cluster (tm:kubernetes).
    platform: Platform = "aws"
    kubernetes: KubernetesSettings | None = None
    dns: DnsSettings
    network: NetworkSettings
    image: ImageSettings
    ecs: EcsSettings
    api: ApiSettings
    worker: WorkerSettings
    load_balancer: LoadBalancerSettings
    app: AppSettings
    observability: ObservabilitySettings
    database: DatabaseSettings
    # Only on the base of review apps (dev).
    review: ReviewHostSettings | None = None
    frontend: FrontendSettings
    monthly_budget: MonthlyBudgetSettings
    # The front end's Sentry DSN (https://<key>@<org>.ingest.sentry.io/<project>): public, it ships
    # in the browser bundle; required while tm:app.useSentry is on. The back end's is the app
    # secret's TM_SENTRY_BACKEND_DSN.
    sentry_frontend_dsn: SentryDsn | None = None
    # Secrets: set with `pulumi config set --secret`, never in a profile or in plain text.
    github_token: SecretStr | None = None
    preview_basic_auth: SecretStr | None = None
    # Optional: the application's secret values, if the operator prefers Pulumi secret config to
    # setting them in Secrets Manager directly (then they are in Pulumi's state, encrypted).
    app_secrets: dict[str, SecretStr] | None = None
    # The key from which each review app's database password is derived (HMAC of its name): the
    # trusted admin task and the review stack both compute it; neither passes it around.
    review_database_key: SecretStr | None = None
    # On Kubernetes with tm:kubernetes.database.mode external: postgresql://user:password@host:port/db.
    database_url: SecretStr | None = None


class ReviewAppSettings(_Model):
    """The one small task a review app runs."""

    cpu: Literal[256, 512, 1024]
    memory: int
    workers: Annotated[int, Field(ge=1, le=4)]
    db_min_connections: Annotated[int, Field(ge=0, le=10)]
    db_max_connections: Annotated[int, Field(ge=1, le=10)]
    log_retention_days: LogRetentionDays
    cpu_architecture: CpuArchitecture
    # Every IAM role a review stack creates carries this managed policy as its permissions
    # boundary (bootstrap creates it; CI's review role may create roles only with it).
    permissions_boundary: Annotated[str, _matching(r"[\w+=,.@-]{1,128}", "an IAM policy name")]


class ReviewSettings(_CommonSettings):
    """A review app for one pull request, layered on a base stack through a StackReference."""

    environment: Literal["review"]
    pull_request: Annotated[int, Field(ge=1)]
    expires_at: datetime.date
    base_stack: Annotated[
        str,
        _matching(
            r"[A-Za-z0-9_.\-/]+",
            "a stack name such as dev or hotosm/tasking-manager/dev",
        ),
    ]
    # The PR's image, pushed to the base's repository as pr-<N>-<sha>.
    image: ImageSettings
    review_app: ReviewAppSettings
    app: AppSettings
    # The review slot CI claimed for this pull request: its front end is the base's `slot-<slot>`.
    slot: Annotated[int, Field(ge=1, le=MAX_REVIEW_SLOTS)]

    @property
    def base_stack_name(self) -> str:
        return qualified_stack_name(self.base_stack)


def qualified_stack_name(stack: str) -> str:
    """The fully qualified name a StackReference needs: `dev` -> organization/tasking-manager/dev
    (the self-managed backends' organization; Pulumi Cloud users give the full name)."""
    return stack if "/" in stack else f"organization/{PROJECT_TAG}/{stack}"


Settings = Annotated[BaseSettings | ReviewSettings, Field(discriminator="environment")]
_SETTINGS_ADAPTER: TypeAdapter[BaseSettings | ReviewSettings] = TypeAdapter(Settings)


def tags(settings: BaseSettings | ReviewSettings) -> dict[str, str]:
    """The tags every resource carries (through the provider's default_tags)."""
    result = {
        "Project": PROJECT_TAG,
        "Environment": settings.environment,
        "Stack": settings.stack,
        "ManagedBy": "pulumi",
        "Owner": settings.owner,
        "CostCenter": settings.cost_center,
    }
    if isinstance(settings, ReviewSettings):
        result["PullRequest"] = str(settings.pull_request)
        result["ExpiresAt"] = settings.expires_at.isoformat()
    return result


@dataclass(frozen=True)
class Problem:
    key: str
    value: Any
    message: str

    def __str__(self) -> str:
        if self.value is _MISSING:
            shown = "(not set)"
        elif self.value is _HIDDEN or isinstance(self.value, SecretStr):
            shown = "(hidden)"
        else:
            shown = json.dumps(self.value, default=str)
        return f"{self.key} = {shown}: {self.message}"


_MISSING: Any = object()
_HIDDEN: Any = object()


class SettingsError(pulumi.RunError):
    """Raised for invalid stack config; RunError makes Pulumi print the message without a traceback."""

    def __init__(self, stack: str, problems: list[Problem]) -> None:
        self.stack = stack
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"Invalid configuration for stack '{stack}' ({len(problems)} problem"
            f"{'' if len(problems) == 1 else 's'}):\n{lines}\n"
            f"Fix them in Pulumi.{stack}.yaml or with `pulumi config set --path`."
        )


def parse_settings(
    stack: str, config: Mapping[str, str], secret_keys: Collection[str] = ()
) -> BaseSettings | ReviewSettings:
    """Validate a stack's flat Pulumi config (`{"tm:network": "<json>", ...}`) into typed settings.

    Values come the way the Pulumi CLI hands them to a program: scalars as strings, structured
    values as JSON strings. Keys of other namespaces (`aws:`, `pulumi:`) are not ours and ignored.
    `secret_keys` are the config keys Pulumi holds encrypted (set with --secret).
    """
    user = _user_values(config)
    problems: list[Problem] = _plain_text_secret_problems(user, secret_keys)
    if "stack" in user:
        problems.append(
            Problem(
                _key(("stack",)),
                user.pop("stack"),
                "is reserved: the stack name is used",
            )
        )

    environment = user.get("environment", _MISSING)
    allowed_environments = sorted(PROFILES)
    if environment not in PROFILES:
        problems.append(
            Problem(
                _key(("environment",)),
                environment,
                f"must be one of {', '.join(allowed_environments)}",
            )
        )
        raise SettingsError(stack, problems)

    problems.extend(_stack_name_problems(stack, environment, user))
    profile = PROFILES[environment]
    if user.get("platform") == "kubernetes":
        profile = _deep_merge(profile, KUBERNETES_PROFILE)
    merged = _deep_merge(profile, user)
    merged["stack"] = stack
    try:
        settings = _SETTINGS_ADAPTER.validate_python(merged)
    except ValidationError as error:
        problems.extend(_problems_from(error, environment))
        raise SettingsError(stack, problems) from None
    problems.extend(_cross_field_problems(settings))
    if problems:
        raise SettingsError(stack, problems)
    return settings


def load_settings() -> BaseSettings | ReviewSettings:
    """Read this stack's config from the Pulumi runtime and validate it."""
    config = _runtime_config()
    secret_keys = [key for key in config if pulumi.runtime.is_config_secret(key)]
    return parse_settings(pulumi.get_stack(), config, secret_keys)


def _runtime_config() -> dict[str, str]:
    # The language host hands config to the program as one map; Pulumi's Config class can only look
    # keys up, and unknown keys must be reported, so read the whole map.
    from pulumi.runtime import config as runtime_config

    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


def _user_values(config: Mapping[str, str]) -> dict[str, Any]:
    prefix = f"{CONFIG_NAMESPACE}:"
    values: dict[str, Any] = {}
    for full_key, raw in config.items():
        if not full_key.startswith(prefix):
            continue
        key = full_key[len(prefix) :]
        if raw == "null":  # an explicit null removes a profile default (e.g. tm:review)
            values[key] = None
            continue
        if isinstance(raw, str) and raw.lstrip()[:1] in ("{", "["):
            try:
                values[key] = json.loads(raw)
                continue
            except json.JSONDecodeError:
                pass
        values[key] = raw
    return values


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _key(loc: tuple[str | int, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return f"{CONFIG_NAMESPACE}:{path}"


def _problems_from(error: ValidationError, environment: str) -> list[Problem]:
    problems = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        # The discriminated union puts the environment in front of every location.
        if loc and loc[0] == environment:
            loc = loc[1:]
        given = _HIDDEN if loc and loc[0] in SECRET_KEYS else _given(detail)
        problems.append(Problem(_key(loc), given, _explain(detail, loc, environment)))
    return problems


def _given(detail: Any) -> Any:
    if detail["type"] == "missing":
        return _MISSING
    value = detail["input"]
    return str(value) if isinstance(value, ipaddress.IPv4Network) else value


def _explain(detail: Any, loc: tuple[str | int, ...], environment: str) -> str:
    kind = detail["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], environment)
        return f"is not a setting here; allowed keys: {', '.join(allowed)}"
    message = str(detail["msg"])
    return message.removeprefix("Value error, ")


def _allowed_keys(loc: tuple[str | int, ...], environment: str) -> list[str]:
    model: type[BaseModel] = ReviewSettings if environment == "review" else BaseSettings
    for part in loc:
        field = next((f for f in model.model_fields.values() if f.alias == part), None)
        annotation = getattr(field, "annotation", None)
        present = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(present) == 1:  # an optional slice (`KubernetesSettings | None`) has its model's keys
            annotation = present[0]
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return sorted(f.alias or name for name, f in model.model_fields.items() if name != "stack")


# Config keys (in the tm namespace) that hold secrets, and those an operator sets on every base
# stack (the offline plan supplies placeholders for these).
SECRET_KEYS = ("githubToken", "previewBasicAuth", "appSecrets", "reviewDatabaseKey", "databaseUrl")
OPERATOR_SECRETS = ("githubToken", "previewBasicAuth", "reviewDatabaseKey")
# Plain values only the operator knows (their own accounts elsewhere), with offline placeholders.
OPERATOR_SETTINGS = {"sentryFrontendDsn": "https://00000000000000000000000000000000@o0.ingest.sentry.io/0"}


def _plain_text_secret_problems(user: dict[str, Any], secret_keys: Collection[str]) -> list[Problem]:
    return [
        Problem(
            _key((key,)),
            _HIDDEN,
            "holds a secret but is stored in plain text; remove it and set it with "
            f"`pulumi config set --secret {_key((key,))} <value>`",
        )
        for key in SECRET_KEYS
        if key in user and _key((key,)) not in secret_keys
    ]


def _stack_name_problems(stack: str, environment: str, user: Mapping[str, Any]) -> list[Problem]:
    match = REVIEW_STACK_PATTERN.match(stack)
    if environment == "review":
        if match is None:
            return [
                Problem(
                    _key(("environment",)),
                    environment,
                    f"review stacks must be named review-pr-<N>, but this stack is '{stack}'",
                )
            ]
        given = user.get("pullRequest", _MISSING)
        if given is not _MISSING and str(given) != match.group(1):
            return [
                Problem(
                    _key(("pullRequest",)),
                    given,
                    f"must match the stack name '{stack}', i.e. be {match.group(1)}",
                )
            ]
    elif match is not None:
        return [
            Problem(
                _key(("environment",)),
                environment,
                f"stack '{stack}' is named like a review app, so the environment must be review",
            )
        ]
    return []


def _cross_field_problems(settings: BaseSettings | ReviewSettings) -> list[Problem]:
    problems: list[Problem] = _off_hours_problems(settings)
    if isinstance(settings, ReviewSettings):
        problems.extend(_fargate_problems("reviewApp", settings.review_app.cpu, settings.review_app.memory))
        problems.extend(_review_connection_problems(settings.review_app))
    if isinstance(settings, BaseSettings) and settings.platform == "kubernetes":
        problems.extend(_kubernetes_problems(settings))
        problems.extend(_api_problems(settings.api))
        problems.extend(_app_secret_problems(settings))
        problems.extend(_sentry_problems(settings))
    elif isinstance(settings, BaseSettings):
        if settings.kubernetes is not None:
            problems.append(
                Problem(
                    _key(("kubernetes",)),
                    settings.kubernetes.namespace,
                    "applies only with tm:platform kubernetes (this stack's platform is aws); remove it",
                )
            )
        network = settings.network
        missing = [e for e in ENDPOINTS_WITHOUT_NAT if e not in network.interface_endpoints]
        if network.nat_gateways == "none" and missing:
            problems.append(
                Problem(
                    _key(("network", "natGateways")),
                    "none",
                    "without a NAT gateway, tasks in private subnets reach AWS only through interface "
                    f"endpoints; add {', '.join(missing)} to tm:network.interfaceEndpoints or choose "
                    "single or onePerAz",
                )
            )
        if network.nat_gateways == "instance" and settings.environment in ("prod", "staging"):
            problems.append(
                Problem(
                    _key(("network", "natGateways")),
                    "instance",
                    "a NAT instance is one machine in one zone with no automatic failover, so "
                    f"{settings.environment} may not use it; choose single or onePerAz",
                )
            )
        problems.extend(_secret_presence_problems(settings))
        problems.extend(_api_problems(settings.api))
        problems.extend(_fargate_problems("worker", settings.worker.cpu, settings.worker.memory))
        problems.extend(_app_secret_problems(settings))
        problems.extend(_sentry_problems(settings))
        problems.extend(_apm_problems(settings))
        problems.extend(_review_host_problems(settings))
        if settings.observability.paging and settings.environment != "prod":
            problems.append(
                Problem(
                    _key(("observability", "paging")),
                    True,
                    "only prod may page; staging, dev and review alerts go to the ticket topic",
                )
            )
        if settings.dns.zone_name is None and settings.dns.certificate_arn is None:
            problems.append(
                Problem(
                    _key(("dns", "zoneName")),
                    _MISSING,
                    "the API needs a TLS certificate: set tm:dns.zoneName (a Route 53 zone in this "
                    "account, for a DNS-validated certificate) or tm:dns.certificateArn (an existing one)",
                )
            )
        problems.extend(_database_problems(settings))
        zone = settings.dns.zone_name
        for field in ("frontend_host", "api_host"):
            host = getattr(settings.dns, field)
            if zone and not (host == zone or host.endswith(f".{zone}")):
                problems.append(
                    Problem(
                        _key(("dns", to_camel(field))),
                        host,
                        f"must be inside the DNS zone {zone}",
                    )
                )
    return problems


def _fargate_problems(slice_name: str, cpu: int, memory: int) -> list[Problem]:
    if memory in FARGATE_MEMORY[cpu]:
        return []
    allowed = ", ".join(str(m) for m in FARGATE_MEMORY[cpu])
    return [Problem(_key((slice_name, "memory")), memory, f"with cpu {cpu} Fargate allows {allowed}")]


def _api_problems(api: ApiSettings) -> list[Problem]:
    problems = _fargate_problems("api", api.cpu, api.memory)
    if api.max_tasks < api.min_tasks:
        problems.append(
            Problem(_key(("api", "maxTasks")), api.max_tasks, f"must be at least minTasks ({api.min_tasks})")
        )
    if api.db_max_connections < api.db_min_connections:
        problems.append(
            Problem(
                _key(("api", "dbMaxConnections")),
                api.db_max_connections,
                f"must be at least dbMinConnections ({api.db_min_connections})",
            )
        )
    return problems


def connection_budget(settings: BaseSettings) -> dict[str, int]:
    """Connections the stack can open at its peak, next to what the instance allows.

    Every uvicorn worker of every API task holds a pool of up to dbMaxConnections; the cron worker
    and a migration run are one process each with the same pool.
    """
    api, database = settings.api, settings.database
    api_connections = api.workers * api.db_max_connections * api.max_tasks
    return {
        "api": api_connections,
        "cron": api.db_max_connections,
        "migrate": api.db_max_connections,
        "reserved": database.reserved_connections,
        "total": api_connections + 2 * api.db_max_connections + database.reserved_connections,
        "limit": database.max_connections,
    }


def _database_problems(settings: BaseSettings) -> list[Problem]:
    database, api = settings.database, settings.api
    problems = []
    if database.max_allocated_storage_gb < database.allocated_storage_gb:
        problems.append(
            Problem(
                _key(("database", "maxAllocatedStorageGb")),
                database.max_allocated_storage_gb,
                f"must be at least allocatedStorageGb ({database.allocated_storage_gb})",
            )
        )
    problems.extend(_serverless_problems(settings))
    budget = connection_budget(settings)
    if budget["total"] > budget["limit"]:
        capacity = database.serverless
        size, larger = (
            (database.instance_class, "database.instanceClass")
            if database.engine == "rds"
            else (
                f"Aurora Serverless v2 at {capacity.min_capacity:g}-{capacity.max_capacity:g} ACU",
                "database.serverless.maxCapacity",
            )
        )
        problems.append(
            Problem(
                _key(("api", "dbMaxConnections")),
                api.db_max_connections,
                f"the stack could open {budget['total']} connections ({api.workers} workers x "
                f"{api.db_max_connections} x {api.max_tasks} API tasks = {budget['api']}, cron "
                f"{budget['cron']}, migration {budget['migrate']}, reserved {budget['reserved']}) but "
                f"{size} allows about {budget['limit']}; lower api.workers, api.dbMaxConnections or "
                f"api.maxTasks, or choose a larger {larger}",
            )
        )
    return problems


def _serverless_problems(settings: BaseSettings) -> list[Problem]:
    """Aurora Serverless v2: a range AWS accepts for the engine version, and no pause in prod."""
    database = settings.database
    if database.engine != "auroraServerless":
        return []
    capacity, version = database.serverless, database.engine_version
    problems = []
    if capacity.max_capacity < capacity.min_capacity:
        problems.append(
            Problem(
                _key(("database", "serverless", "maxCapacity")),
                capacity.max_capacity,
                f"must be at least minCapacity ({capacity.min_capacity:g})",
            )
        )
    if capacity.min_capacity == 0:
        major, _, minor = version.partition(".")
        first = AURORA_AUTO_PAUSE_FROM.get(int(major))
        if first is not None and not minor:
            problems.append(
                Problem(
                    _key(("database", "engineVersion")),
                    version,
                    f"with a minimum of 0 ACUs Aurora PostgreSQL {major} needs its minor version, "
                    f"{major}.{first} or later, to be known to pause; or use 17",
                )
            )
        elif first is not None and int(minor) < first:
            problems.append(
                Problem(
                    _key(("database", "serverless", "minCapacity")),
                    0,
                    f"0 ACUs (auto-pause) needs Aurora PostgreSQL {major}.{first} or later; engineVersion "
                    f"is {version}: upgrade it or use a minimum of 0.5",
                )
            )
        if settings.environment == "prod":
            problems.append(
                Problem(
                    _key(("database", "serverless", "minCapacity")),
                    0,
                    "production never pauses: a paused database holds the first request ~15 seconds "
                    "while it resumes; use 0.5 or more",
                )
            )
    elif capacity.seconds_until_auto_pause is not None:
        problems.append(
            Problem(
                _key(("database", "serverless", "secondsUntilAutoPause")),
                capacity.seconds_until_auto_pause,
                f"applies only with minCapacity 0 (it is {capacity.min_capacity:g}); remove it",
            )
        )
    return problems


def _secret_presence_problems(settings: BaseSettings) -> list[Problem]:
    problems = []
    how = "pulumi config set --secret"
    if settings.github_token is None:
        problems.append(
            Problem(
                _key(("githubToken",)),
                _MISSING,
                "is required: a GitHub token that lets Amplify read the repository; "
                f"`{how} tm:githubToken <token>`",
            )
        )
    if settings.frontend.basic_auth:
        credentials = settings.preview_basic_auth
        if credentials is None:
            problems.append(
                Problem(
                    _key(("previewBasicAuth",)),
                    _MISSING,
                    "is required while tm:frontend.basicAuth is on: "
                    f"`{how} tm:previewBasicAuth <user>:<password>`",
                )
            )
        elif not re.fullmatch(r"[^:\s]+:\S{12,}", credentials.get_secret_value()):
            problems.append(
                Problem(
                    _key(("previewBasicAuth",)),
                    _HIDDEN,
                    "must be <user>:<password> with a password of at least 12 characters",
                )
            )
    return problems


def _app_secret_problems(settings: BaseSettings) -> list[Problem]:
    if settings.app_secrets is None:
        return []
    given = set(settings.app_secrets)
    unknown = sorted(given - set(APP_SECRET_NAMES))
    missing = [name for name in APP_SECRET_NAMES if name not in given]
    if not unknown and not missing:
        return []
    parts = [f"unknown {', '.join(unknown)}"] if unknown else []
    parts += [f"missing {', '.join(missing)} (use an empty string for unused ones)"] if missing else []
    return [
        Problem(
            _key(("appSecrets",)),
            _HIDDEN,
            f"must hold exactly the keys {', '.join(APP_SECRET_NAMES)}: {'; '.join(parts)}",
        )
    ]


def _apm_problems(settings: BaseSettings) -> list[Problem]:
    """The OpenTelemetry collector runs inside the API task: it needs room there."""
    if settings.observability.apm != "openTelemetry" or settings.api.memory >= MIN_API_MEMORY_WITH_COLLECTOR:
        return []
    return [
        Problem(
            _key(("api", "memory")),
            settings.api.memory,
            f"with tm:observability.apm openTelemetry the collector takes {COLLECTOR_MEMORY_MIB} MiB of "
            f"the API task: give it at least {MIN_API_MEMORY_WITH_COLLECTOR}, or choose newRelic or none",
        )
    ]


def _sentry_problems(settings: BaseSettings) -> list[Problem]:
    """Sentry needs both DSNs where it is on: the front end's here, the back end's in the app
    secret (checked where the app secret's values are in the config)."""
    if not settings.app.use_sentry:
        return []
    problems = []
    if settings.sentry_frontend_dsn is None:
        problems.append(
            Problem(
                _key(("sentryFrontendDsn",)),
                _MISSING,
                "is required while tm:app.useSentry is on: the front-end project's DSN (public); "
                "`pulumi config set tm:sentryFrontendDsn https://<key>@<org>.ingest.sentry.io/<project>`",
            )
        )
    backend = (settings.app_secrets or {}).get("TM_SENTRY_BACKEND_DSN")
    if backend is not None and not backend.get_secret_value():
        problems.append(
            Problem(
                _key(("appSecrets", "TM_SENTRY_BACKEND_DSN")),
                _HIDDEN,
                "is empty while tm:app.useSentry is on: set the back-end project's DSN",
            )
        )
    return problems


def _review_host_problems(settings: BaseSettings) -> list[Problem]:
    review = settings.review
    if review is None:
        return []
    problems = []
    if settings.environment != "dev":
        problems.append(
            Problem(
                _key(("review",)),
                review.host,
                f"review apps build on dev, never on {settings.environment}; remove tm:review",
            )
        )
    zone = settings.dns.zone_name
    if zone is None or not review.host.endswith(f".{zone}"):
        problems.append(
            Problem(
                _key(("review", "host")),
                review.host,
                "must be inside tm:dns.zoneName: the base validates the review wildcard certificate there",
            )
        )
    key = settings.review_database_key
    if key is None:
        problems.append(
            Problem(
                _key(("reviewDatabaseKey",)),
                _MISSING,
                "is required while tm:review is set: `openssl rand -hex 32 | pulumi config set --secret "
                "tm:reviewDatabaseKey`",
            )
        )
    elif len(key.get_secret_value()) < 32:
        problems.append(Problem(_key(("reviewDatabaseKey",)), _HIDDEN, "must be at least 32 characters"))
    most = max_review_slots(settings.database.reserved_connections)
    if review.slots > most:
        problems.append(
            Problem(
                _key(("review", "slots")),
                review.slots,
                f"at most {most}: each review app's login may hold {REVIEW_CONNECTION_LIMIT} connections "
                f"and tm:database.reservedConnections ({settings.database.reserved_connections}) keeps "
                f"{MAINTENANCE_CONNECTIONS} for maintenance; raise the reserve or lower the slots",
            )
        )
    return problems


def max_review_slots(reserved_connections: int) -> int:
    """Review apps the base's connection reserve holds at once."""
    return max(0, (reserved_connections - MAINTENANCE_CONNECTIONS) // REVIEW_CONNECTION_LIMIT)


def review_app_connections(review_app: ReviewAppSettings) -> int:
    """A review app's peak: its API's workers with their pools, and a migration run beside them."""
    return review_app.workers * review_app.db_max_connections + review_app.db_max_connections


def _review_connection_problems(review_app: ReviewAppSettings) -> list[Problem]:
    peak = review_app_connections(review_app)
    if peak <= REVIEW_CONNECTION_LIMIT:
        return []
    return [
        Problem(
            _key(("reviewApp", "dbMaxConnections")),
            review_app.db_max_connections,
            f"{review_app.workers} worker(s) and a migration would open {peak} connections; a review "
            f"app's login may hold {REVIEW_CONNECTION_LIMIT}",
        )
    ]


def _off_hours_problems(settings: BaseSettings | ReviewSettings) -> list[Problem]:
    off_hours = settings.off_hours
    if not off_hours.enabled:
        return []
    if settings.environment in ("prod", "staging"):
        return [
            Problem(
                _key(("offHours", "enabled")),
                True,
                f"{settings.environment} never sleeps: off-hours schedules are for dev and review apps; "
                "set it to false",
            )
        ]
    problems = []
    start, end = clock_minutes(off_hours.start), clock_minutes(off_hours.end)
    if start < DATABASE_LEAD_MINUTES:
        problems.append(
            Problem(
                _key(("offHours", "start")),
                off_hours.start,
                f"must be {DATABASE_LEAD_MINUTES // 60:02d}:{DATABASE_LEAD_MINUTES % 60:02d} or later: the "
                f"database starts {DATABASE_LEAD_MINUTES} minutes before the tasks, on the same day",
            )
        )
    if end - start < MIN_AWAKE_MINUTES:
        problems.append(
            Problem(
                _key(("offHours", "end")),
                off_hours.end,
                f"must be at least {MIN_AWAKE_MINUTES} minutes after start ({off_hours.start}) on the same "
                f"day: the alarms resume {ALARMS_RESUME_MINUTES} minutes after the tasks start",
            )
        )
    return problems


def _kubernetes_problems(settings: BaseSettings) -> list[Problem]:
    """What the Kubernetes realisation needs, and the AWS-only features it does not realise."""
    kubernetes = settings.kubernetes
    if kubernetes is None:
        return [
            Problem(
                _key(("kubernetes",)),
                _MISSING,
                "is required with tm:platform kubernetes: context, namespace, ingressClass, "
                "ingressNamespace, tlsIssuer, secrets, database and frontend",
            )
        ]
    # Each refused setting: whether it is set, the value a problem shows, and why it is refused.
    refused = {
        ("offHours", "enabled"): (
            settings.off_hours.enabled,
            True,
            "off-hours schedules are AWS's (EventBridge Scheduler); set it to false on Kubernetes",
        ),
        ("frontend", "basicAuth"): (
            settings.frontend.basic_auth,
            True,
            "the Kubernetes front end has no basic auth; set it to false",
        ),
        ("review",): (
            settings.review is not None,
            True,
            "review apps build on an AWS dev stack; remove tm:review (set it to null)",
        ),
        ("observability", "apm"): (
            settings.observability.apm == "openTelemetry",
            settings.observability.apm,
            "the OpenTelemetry collector is realised on AWS only; choose newRelic or none",
        ),
        ("image", "repository"): (
            settings.image.repository == "ecr",
            settings.image.repository,
            "ecr is the AWS stack's own registry; name the image's repository, like "
            "ghcr.io/hotosm/tasking-manager/backend",
        ),
    }
    problems = [
        Problem(_key(key), value, message) for key, (wrong, value, message) in refused.items() if wrong
    ]
    secrets = kubernetes.secrets
    if secrets.mode == "externalSecret":
        for field in ("store", "remote_key"):
            if getattr(secrets, field) is None:
                problems.append(
                    Problem(
                        _key(("kubernetes", "secrets", to_camel(field))),
                        _MISSING,
                        "is required with secrets mode externalSecret",
                    )
                )
    elif settings.app_secrets is None:
        problems.append(
            Problem(
                _key(("appSecrets",)),
                _MISSING,
                "is required with tm:kubernetes.secrets.mode secret (the Secret's values): "
                "`pulumi config set --secret --path tm:appSecrets.TM_SECRET <value>` for each of "
                f"{', '.join(APP_SECRET_NAMES)}; or use mode externalSecret",
            )
        )
    problems.extend(_kubernetes_database_problems(settings, kubernetes.database))
    return problems


_DATABASE_URL = re.compile(
    r"postgres(ql)?://([^:@/\s]+):([^@/\s]+)@([a-z0-9.-]+)(:([0-9]{1,5}))?/([A-Za-z0-9_]+)"
)


def parse_database_url(url: str) -> dict[str, str] | None:
    """postgresql://user:password@host[:port]/name -> its parts, or None when it is not one."""
    match = _DATABASE_URL.fullmatch(url)
    if match is None:
        return None
    return {
        "username": match[2],
        "password": match[3],
        "host": match[4],
        "port": match[6] or "5432",
        "dbname": match[7],
    }


def _kubernetes_database_problems(
    settings: BaseSettings, database: KubernetesDatabaseSettings
) -> list[Problem]:
    from components.app_spec import DATABASE_NAME, DATABASE_PORT

    problems = []
    major = settings.database.engine_version.split(".")[0]
    if database.mode == "cloudNativePg":
        tag = database.image.rsplit(":", 1)[1]
        if tag.split("-")[0].split(".")[0] != major:
            problems.append(
                Problem(
                    _key(("kubernetes", "database", "image")),
                    database.image,
                    f"must be a PostGIS image of PostgreSQL {major} (tm:database.engineVersion), "
                    f"tagged like ghcr.io/cloudnative-pg/postgis:{major}-3.5",
                )
            )
        if database.backup is None:
            problems.append(
                Problem(
                    _key(("kubernetes", "database", "backup")),
                    _MISSING,
                    "is required with mode cloudNativePg: destinationPath, endpointUrl, "
                    "credentialsSecret and retentionDays of the object storage backups go to",
                )
            )
        return problems
    if settings.database_url is None:
        return [
            Problem(
                _key(("databaseUrl",)),
                _MISSING,
                "is required with tm:kubernetes.database.mode external: `pulumi config set --secret "
                f"tm:databaseUrl postgresql://<user>:<password>@<host>:{DATABASE_PORT}/{DATABASE_NAME}`",
            )
        ]
    parts = parse_database_url(settings.database_url.get_secret_value())
    if parts is None:
        return [
            Problem(
                _key(("databaseUrl",)),
                _HIDDEN,
                "must be postgresql://<user>:<password>@<host>[:<port>]/<database> (the password "
                "without @, / or whitespace)",
            )
        ]
    if parts["port"] != str(DATABASE_PORT) or parts["dbname"] != DATABASE_NAME:
        problems.append(
            Problem(
                _key(("databaseUrl",)),
                _HIDDEN,
                f"must name port {DATABASE_PORT} and database {DATABASE_NAME}, which every process is given",
            )
        )
    return problems
