"""The estimated monthly on-demand cost of a stack, per resource, per component and in total.

The one cost model of the project: the pack's `stack-monthly-budget` policy runs it over the
resources the Pulumi CLI hands the pack, and the offline plan imports it from here (the CLI runs
a pack from its own directory, so the pack must carry what it uses; nothing else keeps a copy).
Unit prices, with their source and date, are in `prices.json` beside this file; what a month of
use looks like (requests, log volume, NAT traffic, builds) is a `Usage`, from the stack's
`tm:usage` settings or the policy config. The account-level services the bootstrap enables once
per account (CloudTrail, GuardDuty, Security Hub, Config) are priced from an `AccountUsage`, the
bootstrap's `bootstrap:usage` settings; without one they are not priced, and say why.

Every resource ends up in one of five states, so that nothing is silently zero:
priced, free (AWS charges nothing for it), negligible (usage-based and small: said why),
not priced (a cost exists but is not modelled: said why; unknown `aws:` types land here), or
not billable (components, providers, the stack). During a preview a value a price needs may be
unknown: that resource is `unknown` and the estimate says so.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from .framework import canonical

PRICES_FILE = Path(__file__).with_name("prices.json")

PRICED = "priced"
FREE = "free"
NEGLIGIBLE = "negligible"
NOT_PRICED = "not priced"
NOT_BILLABLE = "not billable"
UNKNOWN = "unknown"

STACK = "pulumi:pulumi:Stack"
AWSX_VPC = "awsx:ec2:Vpc"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
# How an ARM64 Spot task is priced: prices.json has no sourced Spot price for ARM.
ARM_SPOT_ON_DEMAND = "priced on demand: no sourced Spot price for ARM"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCHEDULED_ACTION = "aws:appautoscaling/scheduledAction:ScheduledAction"
SCHEDULE = "aws:scheduler/schedule:Schedule"
AMPLIFY_APP = "aws:amplify/app:App"
AMPLIFY_BRANCH = "aws:amplify/branch:Branch"
TRAIL = "aws:cloudtrail/trail:Trail"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
DAYS_PER_MONTH = 730 / 24
# Storage of logs that never expire is shown as it stands after a year.
STORED_DAYS_CAP = 365


# -- inputs ----------------------------------------------------------------------------------------


def _fields(keys: Mapping[str, str], values: Mapping[str, Any], what: str) -> dict[str, float]:
    """`values`, keyed as the settings are, as the dataclass fields `keys` maps them to: every key
    present and no other."""
    missing = [key for key in keys if key not in values]
    unknown = sorted(set(values) - set(keys))
    if missing or unknown:
        raise ValueError(f"{what}: missing {missing}, unknown {unknown}; keys are {', '.join(keys)}")
    return {name: float(values[key]) for key, name in keys.items()}


@dataclass(frozen=True)
class Usage:
    """What a month of use is assumed to be. Keys are those of the `tm:usage` settings."""

    api_requests_per_month: float
    log_gb_per_day: float
    nat_gb_per_month: float
    load_balancer_capacity_units: float
    amplify_builds_per_month: float
    amplify_build_minutes: float
    frontend_gb_served_per_month: float
    # Aurora Serverless v2 (priced only where the stack has one): the average ACUs of each instance
    # while it runs, the hours it is paused (0 ACU), the GB the cluster stores, its I/O requests.
    database_average_acu: float
    database_paused_hours_per_month: float
    database_storage_gb: float
    database_io_millions_per_month: float

    KEYS: ClassVar[dict[str, str]] = {
        "apiRequestsPerMonth": "api_requests_per_month",
        "logGbPerDay": "log_gb_per_day",
        "natGbPerMonth": "nat_gb_per_month",
        "loadBalancerCapacityUnits": "load_balancer_capacity_units",
        "amplifyBuildsPerMonth": "amplify_builds_per_month",
        "amplifyBuildMinutes": "amplify_build_minutes",
        "frontendGbServedPerMonth": "frontend_gb_served_per_month",
        "databaseAverageAcu": "database_average_acu",
        "databasePausedHoursPerMonth": "database_paused_hours_per_month",
        "databaseStorageGb": "database_storage_gb",
        "databaseIoMillionsPerMonth": "database_io_millions_per_month",
    }

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Usage:
        return cls(**_fields(cls.KEYS, values, "usage"))

    def to_mapping(self) -> dict[str, float]:
        return {key: getattr(self, name) for key, name in self.KEYS.items()}


@dataclass(frozen=True)
class AccountUsage:
    """What a month of the account's activity is assumed to be, for the services that watch the
    whole account rather than one stack. Keys are those of the bootstrap's `bootstrap:usage`."""

    management_events_per_month: float
    management_event_kb: float
    flow_and_dns_log_gb_per_month: float
    s3_data_events_per_month: float
    runtime_monitored_vcpus: float
    database_vcpus: float
    security_hub_checks_per_month: float
    finding_events_per_month: float
    configuration_items_per_month: float

    KEYS: ClassVar[dict[str, str]] = {
        "managementEventsPerMonth": "management_events_per_month",
        "managementEventKb": "management_event_kb",
        "flowAndDnsLogGbPerMonth": "flow_and_dns_log_gb_per_month",
        "s3DataEventsPerMonth": "s3_data_events_per_month",
        "runtimeMonitoredVcpus": "runtime_monitored_vcpus",
        "databaseVcpus": "database_vcpus",
        "securityHubChecksPerMonth": "security_hub_checks_per_month",
        "findingEventsPerMonth": "finding_events_per_month",
        "configurationItemsPerMonth": "configuration_items_per_month",
    }

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> AccountUsage:
        return cls(**_fields(cls.KEYS, values, "account usage"))

    def to_mapping(self) -> dict[str, float]:
        return {key: getattr(self, name) for key, name in self.KEYS.items()}

    @property
    def trail_gb_per_month(self) -> float:
        """What one copy of the account's management events weighs (JSON, uncompressed)."""
        return self.management_events_per_month * self.management_event_kb / 1e6


@dataclass(frozen=True)
class Resource:
    """A resource as the model reads it: from an offline plan or from what a policy pack sees.
    `props` may be pulumi_policy's proxy, which raises UnknownValueError for unknown values."""

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    parent: str = ""
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    custom: bool | None = None  # None when the caller cannot tell


def from_policy_resource(resource: PolicyResource) -> Resource:
    return Resource(
        urn=resource.urn,
        type=resource.resource_type,
        name=resource.name,
        props=resource.props,
        parent=resource.parent.urn if resource.parent is not None else "",
        dependencies=tuple(d.urn for d in resource.dependencies),
        property_dependencies={k: tuple(d.urn for d in v) for k, v in resource.property_dependencies.items()},
    )


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str
    as_of: str


@dataclass(frozen=True)
class Allowance:
    """A free quantity AWS gives each account every month, for good (not a trial)."""

    count: float
    unit: str
    source: str
    as_of: str


class Prices:
    """The dated unit prices of prices.json, and which types are free, negligible or not priced."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.region = str(document["region"])
        self.hours_per_month = float(document["hoursPerMonth"])
        self.units = {
            key: Price(float(p["usd"]), str(p["unit"]), str(p["source"]), str(p["asOf"]))
            for key, p in document["unitPrices"].items()
        }
        self.rds_postgres_hour = {
            key: Price(float(p["usd"]), "instance-hour, single-AZ", str(p["source"]), str(p["asOf"]))
            for key, p in document["rdsPostgresHour"].items()
        }
        # Deducted only from account-level usage: a stack shares the account's allowances.
        self.allowances = {
            key: Allowance(float(a["count"]), str(a["unit"]), str(a["source"]), str(a["asOf"]))
            for key, a in document.get("accountAllowances", {}).items()
        }
        self.tables: dict[str, dict[str, str]] = {
            FREE: dict(document["free"]),
            NEGLIGIBLE: dict(document["negligible"]),
            NOT_PRICED: dict(document["notPriced"]),
        }

    @classmethod
    def load(cls, path: Path = PRICES_FILE) -> Prices:
        return cls(json.loads(path.read_text()))

    def __getitem__(self, key: str) -> float:
        return self.units[key].usd

    def monthly(self, key: str, count: float = 1.0) -> float:
        """`count` of an hourly unit kept all month."""
        return count * self[key] * self.hours_per_month

    def classify(self, token: str) -> tuple[str, str] | None:
        """(free | negligible | not priced, why) for a type the tables name, else None."""
        for status, table in self.tables.items():
            for pattern, why in table.items():
                if fnmatch.fnmatchcase(token, pattern):
                    return status, why
        return None


# -- outputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Charge:
    """One line of a resource's monthly bill."""

    what: str
    usd: float


@dataclass(frozen=True)
class ResourceCost:
    urn: str
    type: str
    name: str
    component: str  # the top-level component it belongs to, `name (type)`, or "(stack)"
    status: str
    charges: tuple[Charge, ...] = ()
    note: str = ""

    @property
    def usd(self) -> float:
        return sum(c.usd for c in self.charges)


@dataclass(frozen=True)
class StackCost:
    resources: tuple[ResourceCost, ...]
    usage: Usage
    unknown_error: UnknownValueError | None = None  # the first value a price needed but was unknown
    account_usage: AccountUsage | None = None  # the bootstrap's: what the account-level prices assume

    @property
    def total_usd(self) -> float:
        return sum(r.usd for r in self.resources)

    def by_component(self) -> list[tuple[str, float]]:
        """Component and its monthly cost, most expensive first."""
        totals: dict[str, float] = {}
        for r in self.resources:
            if r.status != NOT_BILLABLE:
                totals[r.component] = totals.get(r.component, 0.0) + r.usd
        return sorted(totals.items(), key=lambda item: (-item[1], item[0]))

    def with_status(self, status: str) -> list[ResourceCost]:
        return [r for r in self.resources if r.status == status]

    def types_with_status(self, status: str) -> dict[str, str]:
        """Each type in this state and why (the first reason given for it)."""
        found: dict[str, str] = {}
        for r in self.with_status(status):
            found.setdefault(r.type, r.note)
        return dict(sorted(found.items()))


# -- the model -------------------------------------------------------------------------------------


class _NotPricedError(Exception):
    """A cost exists but this model cannot say how much (said why)."""


@dataclass(frozen=True)
class _Priced:
    charges: list[Charge]
    note: str = ""


class _Stack:
    """Look-ups across the stack that some prices need (which task definition a service runs...)."""

    def __init__(
        self, resources: Sequence[Resource], usage: Usage, prices: Prices, account: AccountUsage | None
    ) -> None:
        self.resources = list(resources)
        self.usage = usage
        self.prices = prices
        self._account = account
        self.by_urn = {r.urn: r for r in self.resources}

    @property
    def account(self) -> AccountUsage:
        """The account's usage, which only the bootstrap's estimate has."""
        if self._account is None:
            raise _NotPricedError(
                "an account-level service: priced from the account usage of the bootstrap (bootstrap:usage)"
            )
        return self._account

    def of_type(self, token: str) -> list[Resource]:
        return [r for r in self.resources if canonical(r.type) == token]

    def linked(
        self, holder: Resource, prop: str, candidates: Iterable[Resource], *keys: str
    ) -> list[Resource]:
        """The candidates `holder.props[prop]` names: by property dependency when the engine
        recorded one (known during preview), else by comparing values."""
        candidates = list(candidates)
        depended = set(holder.property_dependencies.get(prop, ()))
        found = [c for c in candidates if c.urn in depended]
        if found:
            return found
        value = holder.props.get(prop)
        wanted = (
            {str(v) for v in value}
            if isinstance(value, Sequence) and not isinstance(value, str)
            else {str(value)}
        )
        return [c for c in candidates if any(str(c.props.get(k)) in wanted for k in keys if c.props.get(k))]

    def component_of(self, resource: Resource) -> str:
        """`name (type)` of the top-level component `resource` is in; "(stack)" outside any."""
        top = resource
        while top.parent in self.by_urn and self.by_urn[top.parent].type != STACK:
            top = self.by_urn[top.parent]
        if top.type == STACK or _is_custom(top):
            return "(stack)"
        return f"{top.name} ({top.type})"


def _is_custom(resource: Resource) -> bool:
    """Whether a provider manages it (`pkg:module/name:Type`, providers), as opposed to a component
    (`tm:aws:Backend`, `awsx:ec2:Vpc`): from the engine when known, else from the token's shape."""
    if resource.custom is not None:
        return resource.custom
    parts = resource.type.split(":")
    return resource.type.startswith("pulumi:providers:") or (len(parts) == 3 and "/" in parts[1])


def _number(value: Any, default: float = 0.0) -> float:
    return default if value is None or value == "" else float(value)


def _count(value: Any) -> int:
    if value is None or value == "":
        return 0
    return len(value) if isinstance(value, Sequence) and not isinstance(value, str) else 1


# NAT gateways an awsx VPC builds: its inputs say the strategy (what the offline plan and a
# resource's Analyze see); its outputs list them (what AnalyzeStack sees after an update).
_AWSX_DEFAULT_ZONES = 3  # awsx's default numberOfAvailabilityZones


def nat_gateway_count(vpc_props: Mapping[str, Any]) -> int:
    nat = vpc_props.get("natGateways") or {}
    if not isinstance(nat, Mapping):
        return _count(nat)
    strategy = str(nat.get("strategy") or "OnePerAz").lower()  # awsx's default is OnePerAz
    if strategy == "none":
        return 0
    if strategy == "single":
        return 1
    return int(_number(vpc_props.get("numberOfAvailabilityZones"), _AWSX_DEFAULT_ZONES))


def _awsx_vpc(r: Resource, stack: _Stack) -> _Priced:
    if stack.of_type(NAT_GATEWAY):
        return _Priced([], "its NAT gateways are in the stack and priced there")
    count = nat_gateway_count(r.props)
    p, usage = stack.prices, stack.usage
    if count == 0:
        return _Priced([], "no NAT gateway")
    return _Priced(
        [
            Charge(f"{count} NAT gateway(s), all month", p.monthly("natGateway.hour", count)),
            Charge(f"{count} Elastic IP(s) of the NAT gateways", p.monthly("publicIpv4.hour", count)),
            Charge(f"{usage.nat_gb_per_month:g} GB through NAT", usage.nat_gb_per_month * p["natGateway.gb"]),
        ],
        "NAT gateways derived from the VPC's strategy (awsx children are not seen offline)",
    )


def _nat_gateway(r: Resource, stack: _Stack) -> _Priced:
    share = stack.usage.nat_gb_per_month / len(stack.of_type(NAT_GATEWAY))
    p = stack.prices
    return _Priced(
        [
            Charge("NAT gateway, all month", p.monthly("natGateway.hour")),
            Charge(f"{share:g} GB through NAT (its share)", share * p["natGateway.gb"]),
        ]
    )


def _ec2_instance(r: Resource, stack: _Stack) -> _Priced:
    """An EC2 instance's hours, its public IPv4 address and its root volume. A NAT instance (no
    source/destination check) forwards the stack's NAT traffic with no per-GB fee."""
    p = stack.prices
    instance_type = str(r.props.get("instanceType"))
    hourly = f"ec2.{instance_type}.hour"
    if hourly not in p.units:
        raise _NotPricedError(f"{instance_type} has no price in prices.json")
    root = r.props.get("rootBlockDevice") or {}
    gb = _number(root.get("volumeSize"))
    if not gb:
        raise _NotPricedError("its root volume takes the image's size, which the plan cannot see")
    volume_type = str(root.get("volumeType") or "gp3")
    charges = [
        Charge(f"{instance_type} Linux, all month", p.monthly(hourly)),
        Charge(f"{gb:g} GB {volume_type} root volume", gb * p[f"ebs.{volume_type}GbMonth"]),
    ]
    if _is_true(r.props.get("associatePublicIpAddress")):
        charges.append(Charge("public IPv4 address", p.monthly("publicIpv4.hour")))
    forwards = r.props.get("sourceDestCheck") is False
    note = f"{stack.usage.nat_gb_per_month:g} GB through NAT, no per-GB fee" if forwards else ""
    return _Priced(charges, note)


def _elastic_ip(r: Resource, stack: _Stack) -> _Priced:
    return _Priced([Charge("public IPv4 address", stack.prices.monthly("publicIpv4.hour"))])


def _endpoint(r: Resource, stack: _Stack) -> _Priced:
    kind = str(r.props.get("vpcEndpointType") or "Gateway")  # AWS's default type
    if kind == "Gateway":
        return _Priced([], "gateway endpoints (S3, DynamoDB) are free")
    if kind != "Interface":
        raise _NotPricedError(f"{kind} endpoints are not modelled")
    zones = max(_count(r.props.get("subnetIds")), 1)
    return _Priced(
        [
            Charge(
                f"interface endpoint in {zones} zone(s)",
                stack.prices.monthly("interfaceEndpoint.azHour", zones),
            )
        ]
    )


def _load_balancer(r: Resource, stack: _Stack) -> _Priced:
    kind = str(r.props.get("loadBalancerType") or "application")
    if kind != "application":
        raise _NotPricedError(f"{kind} load balancers are not modelled")
    p, lcu = stack.prices, stack.usage.load_balancer_capacity_units
    charges = [
        Charge("Application Load Balancer, all month", p.monthly("loadBalancer.hour")),
        Charge(f"{lcu:g} LCU on average", p.monthly("loadBalancer.lcuHour", lcu)),
    ]
    if not _is_true(r.props.get("internal")):
        zones = _count(r.props.get("subnets")) or _count(r.props.get("subnetMappings"))
        charges.append(
            Charge(f"{zones} public IPv4 address(es), one per zone", p.monthly("publicIpv4.hour", zones))
        )
    return _Priced(charges)


def _web_acl(r: Resource, stack: _Stack) -> _Priced:
    p, requests = stack.prices, stack.usage.api_requests_per_month
    rules = _count(r.props.get("rules"))
    return _Priced(
        [
            Charge("web ACL", p["waf.webAclMonth"]),
            Charge(f"{rules} rule(s) and rule groups", rules * p["waf.ruleMonth"]),
            Charge(
                f"{requests / 1e6:g} million requests inspected", requests / 1e6 * p["waf.millionRequests"]
            ),
        ]
    )


def _rds_instance(r: Resource, stack: _Stack) -> _Priced:
    engine = str(r.props.get("engine") or "")
    if engine != "postgres":
        raise _NotPricedError(f"engine {engine or '(unset)'}: only PostgreSQL prices are in prices.json")
    instance_class = str(r.props.get("instanceClass"))
    hourly = stack.prices.rds_postgres_hour.get(instance_class)
    if hourly is None:
        raise _NotPricedError(f"{instance_class} has no price in prices.json")
    storage_type = str(r.props.get("storageType") or "gp2")  # RDS's default without IOPS
    if storage_type not in ("gp2", "gp3"):
        raise _NotPricedError(f"{storage_type} storage (provisioned IOPS) is not modelled")
    # Multi-AZ bills the standby's hours and storage as well (AWS RDS user guide).
    copies = 2 if _is_true(r.props.get("multiAz")) else 1
    gb = _number(r.props.get("allocatedStorage"))
    p = stack.prices
    placement = "Multi-AZ (two instances)" if copies == 2 else "single-AZ"
    # Stopped by schedules (off-hours), the instance's hours are not billed; its storage still is.
    running = _database_running_share(r, stack)
    if running < 1:
        placement += f", running {running:.0%} of the week"
    return _Priced(
        [
            Charge(
                f"{instance_class} PostgreSQL, {placement}", copies * hourly.usd * p.hours_per_month * running
            ),
            Charge(f"{gb:g} GB {storage_type} x {copies}", copies * gb * p[f"rds.{storage_type}GbMonth"]),
        ],
        "storage at its allocated size (autoscaling may grow it); backups up to the database's size are free",
    )


def _rds_cluster(r: Resource, stack: _Stack) -> _Priced:
    """An Aurora cluster's storage and I/O; its instances bill their own hours."""
    if str(r.props.get("storageType") or "aurora") != "aurora":
        raise _NotPricedError("Aurora I/O-Optimized storage is not modelled")
    p, usage = stack.prices, stack.usage
    gb, io = usage.database_storage_gb, usage.database_io_millions_per_month
    return _Priced(
        [
            Charge(f"{gb:g} GB Aurora storage", gb * p["aurora.storageGbMonth"]),
            Charge(f"{io:g} million I/O requests (Aurora Standard)", io * p["aurora.ioMillionRequests"]),
        ],
        "stored GB and I/O from tm:usage; backups up to the cluster's size are free",
    )


def _rds_cluster_instance(r: Resource, stack: _Stack) -> _Priced:
    instance_class = str(r.props.get("instanceClass"))
    if instance_class != "db.serverless":
        raise _NotPricedError(f"provisioned Aurora class {instance_class} has no price in prices.json")
    p, usage = stack.prices, stack.usage
    paused = min(usage.database_paused_hours_per_month, p.hours_per_month)
    awake = p.hours_per_month - paused
    acu = usage.database_average_acu
    return _Priced(
        [
            Charge(
                f"Aurora Serverless v2, {acu:g} ACU on average for {awake:g} h ({paused:g} h paused)",
                acu * awake * p["aurora.acuHour"],
            )
        ],
        "ACUs and paused hours from tm:usage; billed per second, nothing while paused",
    )


def _task_size(task: Resource) -> tuple[float, float, bool]:
    """vCPU, GB and whether the task runs on ARM."""
    cpu, memory = _number(task.props.get("cpu")), _number(task.props.get("memory"))
    if not cpu or not memory:
        raise _NotPricedError(f"task definition {task.name} sets no task-level cpu and memory")
    platform = task.props.get("runtimePlatform") or {}
    return cpu / 1024, memory / 1024, str(platform.get("cpuArchitecture") or "X86_64") == "ARM64"


def split_by_capacity(count: float, strategies: Sequence[Mapping[str, Any]]) -> tuple[float, float]:
    """(on-demand tasks, Spot tasks) for `count` tasks: a provider's `base` first, the rest by
    weight. Fractions are the expected split over a month."""
    if not strategies:
        return count, 0.0
    spot = on_demand = 0.0
    remaining = count
    for s in strategies:
        base = min(_number(s.get("base")), remaining)
        remaining -= base
        if str(s.get("capacityProvider")) == "FARGATE_SPOT":
            spot += base
        else:
            on_demand += base
    weights = [(str(s.get("capacityProvider")), _number(s.get("weight"))) for s in strategies]
    total = sum(w for _, w in weights)
    if remaining > 0 and total > 0:
        spot_weight = sum(w for provider, w in weights if provider == "FARGATE_SPOT")
        spot += remaining * spot_weight / total
        on_demand += remaining * (total - spot_weight) / total
    return on_demand, spot


def _scales(target: Resource, service: Resource) -> bool:
    """Whether an autoscaling target is the service's: by property dependency, else by its
    resource id `service/<cluster>/<service name>`."""
    if target.property_dependencies.get("resourceId"):
        return service.urn in target.property_dependencies["resourceId"]
    name = service.props.get("name")
    return bool(name) and str(target.props.get("resourceId") or "").endswith(f"/{name}")


# -- schedules (off-hours) -------------------------------------------------------------------------
MINUTES_PER_WEEK = 7 * 24 * 60
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
# What Application Auto Scaling and EventBridge Scheduler run at a time of day on days of the week.
_WEEKLY_CRON = re.compile(r"cron\(([0-9]{1,2}) ([0-9]{1,2}) \? \* ([A-Z,-]+|\*) \*\)")


def _minutes_of_week(expression: str) -> list[int]:
    """When in the week (minutes after Monday 00:00) a `cron(M H ? * DAYS *)` expression fires."""
    match = _WEEKLY_CRON.fullmatch(expression)
    if match is None:
        raise _NotPricedError(f"schedule {expression}: only cron(M H ? * DAYS *) is modelled")
    minute, hour, days = int(match[1]), int(match[2]), match[3].replace("*", "MON-SUN")
    fired = []
    for part in days.split(","):
        first, _, last = part.partition("-")
        if first not in _WEEKDAYS or (last or first) not in _WEEKDAYS:
            raise _NotPricedError(f"schedule {expression}: days are MON..SUN")
        days_fired = range(_WEEKDAYS.index(first), _WEEKDAYS.index(last or first) + 1)
        fired += [day * 1440 + hour * 60 + minute for day in days_fired]
    return fired


def weekly_average(steps: Iterable[tuple[str, float]]) -> float:
    """The average over a week of a level that each schedule sets and that holds until the next
    one (time zones only shift the week; daylight saving time is not modelled)."""
    events = sorted((at, level) for expression, level in steps for at in _minutes_of_week(expression))
    following = [at for at, _ in events[1:]] + [events[0][0] + MINUTES_PER_WEEK]
    return (
        sum(level * (end - at) for (at, level), end in zip(events, following, strict=True)) / MINUTES_PER_WEEK
    )


def _scheduled_tasks(target: Resource, stack: _Stack) -> float | None:
    """The average minimum of a scalable target its scheduled actions set, or None without any."""
    actions = [
        a for a in stack.of_type(SCHEDULED_ACTION) if stack.linked(a, "resourceId", [target], "resourceId")
    ]
    if not actions:
        return None
    return weekly_average(
        (
            str(a.props.get("schedule")),
            _number((a.props.get("scalableTargetAction") or {}).get("minCapacity")),
        )
        for a in actions
    )


def _database_running_share(instance: Resource, stack: _Stack) -> float:
    """The share of the week the instance runs between the schedules that stop and start it
    (EventBridge Scheduler's RDS targets); 1 without any."""
    levels = {"stopDBInstance": 0.0, "startDBInstance": 1.0}
    steps = []
    for schedule in stack.of_type(SCHEDULE):
        target = schedule.props.get("target") or {}
        call = str(target.get("arn") or "").rsplit(":", 1)[-1]
        if call not in levels:
            continue
        try:
            request = json.loads(str(target.get("input") or "{}"))
        except json.JSONDecodeError:
            continue  # not a request this model reads
        if isinstance(request, dict) and request.get("DbInstanceIdentifier") == instance.props.get(
            "identifier"
        ):
            steps.append((str(schedule.props.get("scheduleExpression")), levels[call]))
    return weekly_average(steps) if steps else 1.0


def _ecs_service(r: Resource, stack: _Stack) -> _Priced:
    tasks = stack.linked(r, "taskDefinition", stack.of_type(TASK_DEFINITION), "arn", "id", "family")
    if not tasks:
        raise _NotPricedError("its task definition is not in this stack")
    vcpu, gb, arm = _task_size(tasks[0])
    count = _number(r.props.get("desiredCount"))
    targets = [t for t in stack.of_type(SCALING_TARGET) if _scales(t, r)]
    # Autoscaling never goes below its minimum, whatever desiredCount said at creation; where
    # schedules move the minimum (off-hours), their weekly average is the count.
    scheduled = [weekly for t in targets if (weekly := _scheduled_tasks(t, stack)) is not None]
    count = (
        scheduled[0] if scheduled else max([count, *(_number(t.props.get("minCapacity")) for t in targets)])
    )
    launch = r.props.get("launchType")
    strategies = [] if launch else list(r.props.get("capacityProviderStrategies") or [])
    on_demand, spot = split_by_capacity(count, strategies)
    p = stack.prices
    prefix = "fargateArm" if arm else "fargate"
    hourly = vcpu * p[f"{prefix}.vcpuHour"] + gb * p[f"{prefix}.gbHour"]
    spot_hourly = vcpu * p["fargateSpot.vcpuHour"] + gb * p["fargateSpot.gbHour"]
    size = f"{vcpu:g} vCPU / {gb:g} GB{' ARM64' if arm else ''}"
    average = " on average" if scheduled else ""
    spot_what = f"{spot:.3g} Spot task(s){average} of {size}"
    if arm:
        # Fargate Spot runs ARM64 tasks (ECS API reference), but prices.json has no sourced Spot
        # price for ARM: its on-demand price is the upper bound.
        spot_hourly, spot_what = hourly, f"{spot_what}, {ARM_SPOT_ON_DEMAND}"
    charges = []
    if on_demand:
        charges.append(
            Charge(
                f"{on_demand:.3g} on-demand task(s){average} of {size}",
                on_demand * hourly * p.hours_per_month,
            )
        )
    if spot:
        charges.append(Charge(spot_what, spot * spot_hourly * p.hours_per_month))
    charges += _telemetry_charges(r, tasks[0], stack)
    network = r.props.get("networkConfiguration") or {}
    if _is_true(network.get("assignPublicIp")):
        charges.append(Charge(f"{count:g} public IPv4 address(es)", p.monthly("publicIpv4.hour", count)))
    note = "" if strategies or launch else "no capacity provider strategy: priced as on-demand"
    if scheduled:
        note = "; ".join(
            filter(None, [note, "tasks: the weekly average its off-hours schedules leave running"])
        )
    return _Priced(charges, note)


def _containers(task: Resource) -> list[Mapping[str, Any]]:
    definitions = task.props.get("containerDefinitions") or "[]"
    return list(json.loads(definitions) if isinstance(definitions, str) else definitions)


def _environment(container: Mapping[str, Any]) -> dict[str, str]:
    return {str(e.get("name")): str(e.get("value")) for e in container.get("environment") or []}


def _telemetry_charges(service: Resource, task: Resource, stack: _Stack) -> list[Charge]:
    """An ADOT collector beside a load-balanced service (its pipeline in AOT_CONFIG_CONTENT, as
    JSON): the traces it records in X-Ray, at the application's sampling ratio, and the custom
    metrics it writes, one per selected metric name and dimension set."""
    containers = _containers(task)
    pipeline = next(
        (
            _environment(c)["AOT_CONFIG_CONTENT"]
            for c in containers
            if "AOT_CONFIG_CONTENT" in _environment(c)
        ),
        None,
    )
    if pipeline is None:
        return []
    config = json.loads(pipeline)
    p = stack.prices
    charges = []
    pipelines = config.get("service", {}).get("pipelines", {})
    if service.props.get("loadBalancers") and any(
        e.startswith("awsxray") for e in pipelines.get("traces", {}).get("exporters", [])
    ):
        ratios = [
            float(_environment(c).get("OTEL_TRACES_SAMPLER_ARG", "1"))
            for c in containers
            if "OTEL_TRACES_EXPORTER" in _environment(c)
        ]
        traces = stack.usage.api_requests_per_month * max(ratios, default=0.0)
        charges.append(
            Charge(f"{traces:,.0f} traces recorded in X-Ray", traces / 1e6 * p["xray.millionTracesRecorded"])
        )
    metrics = sum(
        len(d.get("metric_name_selectors") or []) * len(d.get("dimensions") or [[]])
        for name, exporter in config.get("exporters", {}).items()
        if name.split("/")[0] == "awsemf"
        for d in exporter.get("metric_declarations") or []
    )
    if metrics:
        charges.append(
            Charge(
                f"{metrics} custom metric(s) from embedded-metric logs",
                metrics * p["cloudwatch.customMetricMonth"],
            )
        )
    return charges


def _secret(r: Resource, stack: _Stack) -> _Priced:
    return _Priced([Charge("secret", stack.prices["secretsManager.secretMonth"])])


def _trails_into(group: Resource, stack: _Stack) -> list[Resource]:
    """The trails that deliver to this log group (CloudTrail names the group's ARN with `:*`)."""
    found = []
    for trail in stack.of_type(TRAIL):
        if group.urn in trail.property_dependencies.get("cloudWatchLogsGroupArn", ()):
            found.append(trail)
            continue
        arn, name = str(trail.props.get("cloudWatchLogsGroupArn") or ""), group.props.get("name")
        if name and arn.removesuffix(":*").endswith(f":log-group:{name}"):
            found.append(trail)
    return found


def _log_group(r: Resource, stack: _Stack) -> _Priced:
    infrequent = str(r.props.get("logGroupClass") or "STANDARD") == "INFREQUENT_ACCESS"
    p = stack.prices
    ingest = p["logs.ingestGbInfrequent" if infrequent else "logs.ingestGb"]
    retention = _number(r.props.get("retentionInDays"))
    kept_days = min(retention, STORED_DAYS_CAP) if retention > 0 else STORED_DAYS_CAP
    if _trails_into(r, stack):
        # A trail's group holds the account's management events, not the stack's logs.
        share = stack.account.trail_gb_per_month / DAYS_PER_MONTH
    else:
        # The stack's log volume is an assumption about the whole stack, shared evenly by its groups.
        groups = [g for g in stack.of_type(LOG_GROUP) if not _trails_into(g, stack)]
        share = stack.usage.log_gb_per_day / len(groups)
    return _Priced(
        [
            Charge(f"{share:.3g} GB a day ingested", share * DAYS_PER_MONTH * ingest),
            Charge(
                f"{share * kept_days:.3g} GB stored ({kept_days:g} days)",
                share * kept_days * p["logs.storageGbMonth"],
            ),
        ],
        "" if retention > 0 else "no retention: storage after one year shown",
    )


def _metric_alarm(r: Resource, stack: _Stack) -> _Priced:
    queries = r.props.get("metricQueries") or []
    metrics = sum(1 for q in queries if q.get("metric")) if queries else 1
    period = _number(r.props.get("period"), 60)
    high = 0 < period < 60
    key = "cloudwatch.highResolutionAlarmMetricMonth" if high else "cloudwatch.alarmMetricMonth"
    return _Priced([Charge(f"alarm on {metrics} metric(s)", metrics * stack.prices[key])])


def _composite_alarm(r: Resource, stack: _Stack) -> _Priced:
    return _Priced([Charge("composite alarm", stack.prices["cloudwatch.compositeAlarmMonth"])])


def _dashboard(r: Resource, stack: _Stack) -> _Priced:
    return _Priced([Charge("dashboard", stack.prices["cloudwatch.dashboardMonth"])])


def _kms_key(r: Resource, stack: _Stack) -> _Priced:
    return _Priced([Charge("customer-managed key", stack.prices["kms.keyMonth"])], "API requests not priced")


def _served_gb(stack: _Stack) -> float:
    return stack.usage.frontend_gb_served_per_month


def _amplify_app(r: Resource, stack: _Stack) -> _Priced:
    if not r.props.get("repository"):
        # An app of manual deployments (review slots): what it serves is the review apps' traffic.
        return _Priced([], "no repository: serves review apps' front ends, their traffic is not this stack's")
    gb = _served_gb(stack)
    return _Priced([Charge(f"{gb:g} GB served", gb * stack.prices["amplify.servedGb"])])


def _builds_on_amplify(branch: Resource) -> bool:
    return branch.props.get("enableAutoBuild") is not False


def _amplify_branch(r: Resource, stack: _Stack) -> _Priced:
    usage, p = stack.usage, stack.prices
    if not _builds_on_amplify(r):
        return _Priced([], "receives manual deployments: built elsewhere")
    building = [b for b in stack.of_type(AMPLIFY_BRANCH) if _builds_on_amplify(b)]
    builds = usage.amplify_builds_per_month / len(building)
    charges = [
        Charge(
            f"{builds:g} builds of {usage.amplify_build_minutes:g} min",
            builds * usage.amplify_build_minutes * p["amplify.buildMinute"],
        )
    ]
    if not stack.of_type(AMPLIFY_APP):  # a branch of another stack's app: its traffic is its own
        gb = _served_gb(stack) / len(building)
        charges.append(Charge(f"{gb:g} GB served", gb * p["amplify.servedGb"]))
    return _Priced(charges)


def _hosted_zone(r: Resource, stack: _Stack) -> _Priced:
    return _Priced([Charge("hosted zone", stack.prices["route53.zoneMonth"])])


# -- account-level services (the bootstrap) ---------------------------------------------------------


def _logs_management_events(trail: Resource) -> bool:
    selectors = trail.props.get("eventSelectors") or []
    return not selectors or any(s.get("includeManagementEvents", True) is not False for s in selectors)


def _bucket_expiry_days(bucket_name: Any, stack: _Stack) -> float:
    """Days after which the lifecycle of the bucket named `bucket_name` expires current objects."""
    for lifecycle in stack.of_type(LIFECYCLE):
        if str(lifecycle.props.get("bucket")) != str(bucket_name):
            continue
        days = [
            _number((rule.get("expiration") or {}).get("days"))
            for rule in lifecycle.props.get("rules") or []
            if rule.get("status") == "Enabled"
        ]
        if any(days):
            return min(d for d in days if d)
    return STORED_DAYS_CAP


def _trail(r: Resource, stack: _Stack) -> _Priced:
    if not _logs_management_events(r):
        raise _NotPricedError("a trail of data events only is not modelled")
    account, p = stack.account, stack.prices
    charges = []
    copies = [t for t in stack.of_type(TRAIL) if _logs_management_events(t)]
    note = "the account's first copy of management events is free (if no other trail exists)"
    if copies.index(r) > 0:
        events = account.management_events_per_month
        charges.append(
            Charge(
                f"a further copy of {events:,.0f} management events",
                events / 1e5 * p["cloudtrail.managementEventsCopy100k"],
            )
        )
        note = ""
    monthly = account.trail_gb_per_month
    kept_days = min(_bucket_expiry_days(r.props.get("s3BucketName"), stack), STORED_DAYS_CAP)
    stored = monthly / DAYS_PER_MONTH * kept_days
    charges.append(
        Charge(
            f"{stored:.3g} GB of log files kept in S3 ({kept_days:g} days, uncompressed)",
            stored * p["s3.standardGbMonth"],
        )
    )
    return _Priced(charges, note)


def _guardduty_detector(r: Resource, stack: _Stack) -> _Priced:
    if r.props.get("enable") is False:
        return _Priced([], "suspended: GuardDuty analyses nothing")
    account, p = stack.account, stack.prices
    events, flow = account.management_events_per_month, account.flow_and_dns_log_gb_per_month
    return _Priced(
        [
            Charge(
                f"{events:,.0f} CloudTrail management events analysed",
                events / 1e6 * p["guardduty.managementEventsMillion"],
            ),
            Charge(f"{flow:g} GB of VPC flow and DNS logs analysed", flow * p["guardduty.flowAndDnsLogGb"]),
        ],
        "its 30-day free trial is not deducted",
    )


def _enabled(item: Mapping[str, Any]) -> bool:
    return str(item.get("status")) == "ENABLED"


def _guardduty_feature(r: Resource, stack: _Stack) -> _Priced:
    name = str(r.props.get("name"))
    if not _enabled(r.props):
        return _Priced([], f"{name} disabled")
    account, p = stack.account, stack.prices
    if name == "RUNTIME_MONITORING":
        agents = {str(c.get("name")) for c in r.props.get("additionalConfigurations") or [] if _enabled(c)}
        if agents - {"ECS_FARGATE_AGENT_MANAGEMENT"}:
            raise _NotPricedError(f"runtime monitoring of {', '.join(sorted(agents))} is not modelled")
        vcpus = account.runtime_monitored_vcpus if agents else 0.0
        return _Priced(
            [Charge(f"{vcpus:g} Fargate vCPUs monitored all month", vcpus * p["guardduty.runtimeVcpuMonth"])]
        )
    if name == "S3_DATA_EVENTS":
        events = account.s3_data_events_per_month
        return _Priced(
            [
                Charge(
                    f"{events:,.0f} S3 data events analysed",
                    events / 1e6 * p["guardduty.s3DataEventsMillion"],
                )
            ]
        )
    if name == "RDS_LOGIN_EVENTS":
        vcpus = account.database_vcpus
        return _Priced([Charge(f"{vcpus:g} database vCPUs protected", vcpus * p["guardduty.rdsVcpuMonth"])])
    raise _NotPricedError(f"the GuardDuty feature {name} is not modelled")


def _security_hub(r: Resource, stack: _Stack) -> _Priced:
    account, p = stack.account, stack.prices
    free = p.allowances["securityHub.findingEventsMonth"].count
    billed = max(account.finding_events_per_month - free, 0.0)
    charges = (
        [Charge(f"{billed:,.0f} finding events ingested", billed * p["securityHub.findingEvent"])]
        if billed
        else []
    )
    return _Priced(
        charges,
        f"{account.finding_events_per_month:,.0f} finding events ingested, the first {free:,.0f} "
        "a month free; findings of its own checks are free",
    )


def _security_hub_standard(r: Resource, stack: _Stack) -> _Priced:
    checks = stack.account.security_hub_checks_per_month
    return _Priced(
        [Charge(f"{checks:,.0f} security checks", checks * stack.prices["securityHub.check"])],
        "its 30-day free trial is not deducted",
    )


def _config_recorder(r: Resource, stack: _Stack) -> _Priced:
    mode = r.props.get("recordingMode") or {}
    if str(mode.get("recordingFrequency") or "CONTINUOUS") != "CONTINUOUS" or mode.get(
        "recordingModeOverrides"
    ):
        raise _NotPricedError("periodic recording is not modelled")
    items = stack.account.configuration_items_per_month
    return _Priced(
        [
            Charge(
                f"{items:,.0f} configuration items recorded", items * stack.prices["config.configurationItem"]
            )
        ]
    )


def _access_analyzer(r: Resource, stack: _Stack) -> _Priced:
    kind = str(r.props.get("type") or "ACCOUNT")  # AWS's default
    if kind in ("ACCOUNT", "ORGANIZATION"):
        return _Priced([], "external access analysis is free")
    raise _NotPricedError(f"{kind} analyzers are billed per role and user analysed: not modelled")


# -- Kubernetes: a share of the node, by what the pods request -------------------------------------

KUBERNETES_NODE = "kubernetesNode.month"
# The node kubernetesNode.month prices (a Hetzner Cloud CX33): its vCPUs and GiB, between which its
# price is split half and half, so a pod pays for the share of each it reserves.
NODE_VCPUS = 4.0
NODE_MEMORY_GIB = 8.0
_MEMORY_UNITS = {
    "Ki": 1 / 1024**2,
    "Mi": 1 / 1024,
    "Gi": 1.0,
    "Ti": 1024.0,
    "M": 1e6 / 1024**3,
    "G": 1e9 / 1024**3,
}


def cpu_quantity(value: Any) -> float:
    """A Kubernetes CPU quantity in vCPUs: 500m -> 0.5, 2 -> 2."""
    text = str(value)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def memory_gib(value: Any) -> float:
    """A Kubernetes memory quantity in GiB: 512Mi -> 0.5."""
    text = str(value)
    for suffix, factor in _MEMORY_UNITS.items():
        if text.endswith(suffix) and text[: -len(suffix)].replace(".", "", 1).isdigit():
            return float(text[: -len(suffix)]) * factor
    return float(text) / 1024**3  # bytes


def _requests(containers: Any) -> tuple[float, float]:
    """vCPUs and GiB that containers request (a request left out reserves nothing)."""
    cpu = gib = 0.0
    for container in containers or []:
        requests = (container.get("resources") or {}).get("requests") or {}
        cpu += cpu_quantity(requests["cpu"]) if requests.get("cpu") else 0.0
        gib += memory_gib(requests["memory"]) if requests.get("memory") else 0.0
    return cpu, gib


def _node_share(what: str, pods: float, cpu: float, gib: float, stack: _Stack) -> _Priced:
    """`pods` pods requesting `cpu` vCPUs and `gib` GiB each, priced as that share of the node."""
    node = stack.prices[KUBERNETES_NODE]
    usd = pods * (cpu / NODE_VCPUS + gib / NODE_MEMORY_GIB) * node / 2
    return _Priced(
        [Charge(f"{pods:g} {what} pod(s) requesting {cpu:g} vCPU and {gib:g} GiB each", usd)],
        f"a share of a {NODE_VCPUS:g} vCPU / {NODE_MEMORY_GIB:g} GiB node (kubernetesNode.month)",
    )


def _pod_template_share(template: Mapping[str, Any], pods: float, what: str, stack: _Stack) -> _Priced:
    spec = template.get("spec") or {}
    cpu, gib = _requests(spec.get("containers"))
    # Init containers run one at a time before the others: the pod reserves, resource by
    # resource, the larger of its containers' sum and its largest init container's request
    # (kubernetes.io/docs/concepts/workloads/pods/init-containers/).
    inits = [_requests([init]) for init in spec.get("initContainers") or []]
    init_cpu = max((c for c, _ in inits), default=0.0)
    init_gib = max((g for _, g in inits), default=0.0)
    return _node_share(what, pods, max(cpu, init_cpu), max(gib, init_gib), stack)


def _kubernetes_deployment(r: Resource, stack: _Stack) -> _Priced:
    spec = r.props.get("spec") or {}
    replicas = _number(spec.get("replicas"), 1.0)  # an autoscaled one is declared at its minimum
    return _pod_template_share(spec.get("template") or {}, replicas, "Deployment", stack)


def _cnpg_cluster(r: Resource, stack: _Stack) -> _Priced:
    spec = r.props.get("spec") or {}
    cpu, gib = _requests([{"resources": spec.get("resources")}])
    priced = _node_share("PostgreSQL instance", _number(spec.get("instances"), 1.0), cpu, gib, stack)
    note = f"{priced.note}; its volumes are on the node's own disk (included)"
    return _Priced(priced.charges, note)


def _cnpg_pooler(r: Resource, stack: _Stack) -> _Priced:
    spec = r.props.get("spec") or {}
    return _pod_template_share(
        spec.get("template") or {}, _number(spec.get("instances"), 1.0), "PgBouncer", stack
    )


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


Handler = Callable[[Resource, _Stack], _Priced]
HANDLERS: dict[str, Handler] = {
    AWSX_VPC: _awsx_vpc,
    NAT_GATEWAY: _nat_gateway,
    "aws:ec2/eip:Eip": _elastic_ip,
    "aws:ec2/instance:Instance": _ec2_instance,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _endpoint,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _rds_cluster_instance,
    "aws:ecs/service:Service": _ecs_service,
    "aws:secretsmanager/secret:Secret": _secret,
    LOG_GROUP: _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _composite_alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:kms/key:Key": _kms_key,
    AMPLIFY_APP: _amplify_app,
    AMPLIFY_BRANCH: _amplify_branch,
    "aws:route53/zone:Zone": _hosted_zone,
    TRAIL: _trail,
    "aws:guardduty/detector:Detector": _guardduty_detector,
    "aws:guardduty/detectorFeature:DetectorFeature": _guardduty_feature,
    "aws:securityhub/account:Account": _security_hub,
    "aws:securityhub/standardsSubscription:StandardsSubscription": _security_hub_standard,
    "aws:cfg/recorder:Recorder": _config_recorder,
    "aws:accessanalyzer/analyzer:Analyzer": _access_analyzer,
    "kubernetes:apps/v1:Deployment": _kubernetes_deployment,
    "kubernetes:postgresql.cnpg.io/v1:Cluster": _cnpg_cluster,
    "kubernetes:postgresql.cnpg.io/v1:Pooler": _cnpg_pooler,
}


def _container_insights(r: Resource) -> bool:
    return any(
        s.get("name") == "containerInsights" and s.get("value") in ("enabled", "enhanced")
        for s in r.props.get("settings") or []
    )


def _resource_cost(r: Resource, stack: _Stack) -> ResourceCost:
    token = canonical(r.type)
    component = stack.component_of(r)

    def cost(status: str, charges: Iterable[Charge] = (), note: str = "") -> ResourceCost:
        return ResourceCost(r.urn, r.type, r.name, component, status, tuple(charges), note)

    handler = HANDLERS.get(token)
    if handler is not None:
        try:
            priced = handler(r, stack)
        except _NotPricedError as reason:
            return cost(NOT_PRICED, note=str(reason))
        status = PRICED if priced.charges else FREE
        return cost(status, priced.charges, priced.note)
    if token == "aws:ecs/cluster:Cluster" and _container_insights(r):
        return cost(
            NOT_PRICED, note="Container Insights bills its metrics and performance logs (not modelled)"
        )
    known = stack.prices.classify(token)
    if known is not None:
        return cost(known[0], note=known[1])
    if token.startswith("pulumi:") or not _is_custom(r):
        return cost(NOT_BILLABLE, note="a component, provider or the stack: its resources are priced")
    return cost(NOT_PRICED, note="no price for this type in the model")


def estimate(
    resources: Sequence[Resource],
    usage: Usage,
    prices: Prices | None = None,
    account: AccountUsage | None = None,
) -> StackCost:
    """The monthly cost of a stack made of `resources`; `account` prices the account-level services
    (the bootstrap's)."""
    stack = _Stack(resources, usage, prices or Prices.load(), account)
    results: list[ResourceCost] = []
    first_unknown: UnknownValueError | None = None
    for resource in stack.resources:
        try:
            results.append(_resource_cost(resource, stack))
        except UnknownValueError as error:  # a value a price needs is unknown until deployed
            first_unknown = first_unknown or error
            results.append(
                ResourceCost(
                    resource.urn,
                    resource.type,
                    resource.name,
                    stack.component_of(resource),
                    UNKNOWN,
                    note=error.message,
                )
            )
    return StackCost(tuple(results), usage, first_unknown, account)
