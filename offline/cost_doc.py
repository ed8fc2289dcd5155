"""The generated part of docs/costs.md: each stack's estimate and create time next to HOT's two
current setups, and the bootstrap's account-level estimate, all priced with the one table of the
operations pack (prices.json)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from offline.bootstrap import BootstrapPlan, estimate_bootstrap
from offline.costing import ARCHITECTURES, architecture_of, costs, estimate, on_architecture
from offline.create_time import create_time
from offline.engine import PROJECT_DIR, Plan
from offline.policy_run import load_config

COSTS_DOC = PROJECT_DIR / "docs" / "costs.md"
BEGIN = "<!-- BEGIN GENERATED: cost tables (python -m offline docs) -->"
END = "<!-- END GENERATED: cost tables -->"
STACKS = ("prod", "staging", "dev", "review-pr-123")
# The Kubernetes example (tm:platform kubernetes): its pods' share of the node it assumes.
KUBERNETES_STACKS = ("k8s-example",)


@dataclass(frozen=True)
class Line:
    item: str
    usd: float
    basis: str  # where the size comes from: the reference's description, or an assumption


@dataclass(frozen=True)
class Setup:
    name: str
    described: str
    lines: tuple[Line, ...]

    @property
    def usd(self) -> float:
        return sum(line.usd for line in self.lines)


def hot_setups(prices: costs.Prices, usage: costs.Usage) -> list[Setup]:
    """HOT's production today, from the sizes ../shared/reference/tasking-manager.md describes,
    with prod's usage assumptions where a cost depends on use. "assumed" marks what the reference
    does not say."""
    p = prices
    logs_ingest = usage.log_gb_per_day * costs.DAYS_PER_MONTH * p["logs.ingestGb"]
    lcu = usage.load_balancer_capacity_units
    served = usage.frontend_gb_served_per_month
    fargate_2x4 = (2 * p["fargate.vcpuHour"] + 4 * p["fargate.gbHour"]) * p.hours_per_month
    cloudformation = Setup(
        "HOT today: CloudFormation, EC2",
        "EC2 Auto Scaling c6a.large (3-9) behind an ALB, RDS PostgreSQL 13 db.t4g.2xlarge single-AZ "
        "with 100 GB gp2, S3 + CloudFront for the front end, secrets as stack parameters",
        (
            Line("3 x c6a.large (the group's minimum)", p.monthly("ec2.c6a.large.hour", 3), "reference"),
            Line("3 x 20 GB gp2 root volumes", 3 * 20 * p["ebs.gp2GbMonth"], "assumed size"),
            Line(
                "3 public IPv4 addresses of the instances", p.monthly("publicIpv4.hour", 3), "assumed: no NAT"
            ),
            Line("Application Load Balancer", p.monthly("loadBalancer.hour"), "reference"),
            Line(f"{lcu:g} LCU on average", p.monthly("loadBalancer.lcuHour", lcu), "prod usage"),
            Line("2 public IPv4 addresses of the ALB", p.monthly("publicIpv4.hour", 2), "assumed: 2 zones"),
            Line(
                "db.t4g.2xlarge PostgreSQL, single-AZ",
                p.rds_postgres_hour["db.t4g.2xlarge"].usd * p.hours_per_month,
                "reference",
            ),
            Line("100 GB gp2", 100 * p["rds.gp2GbMonth"], "reference"),
            Line(f"CloudFront, {served:g} GB served", served * p["cloudfront.servedGb"], "prod usage"),
        ),
    )
    terragrunt = Setup(
        "HOT today: Terragrunt, ECS + Aurora",
        "ECS Fargate API 2 vCPU / 4 GB (prod 2-9 tasks, on demand), a cron service of one task, "
        "Aurora PostgreSQL Serverless v2 at 4-16 ACU, one NAT gateway, an ALB, logs kept 7 days, "
        "secrets in Secrets Manager",
        (
            Line("2 API tasks of 2 vCPU / 4 GB (the minimum)", 2 * fargate_2x4, "reference"),
            Line("1 cron task of 2 vCPU / 4 GB", fargate_2x4, "assumed: the API's size"),
            Line("Aurora Serverless v2 at its 4 ACU floor", 4 * p.monthly("aurora.acuHour"), "reference"),
            Line("100 GB Aurora storage (I/O not priced)", 100 * p["aurora.storageGbMonth"], "assumed size"),
            Line(
                "1 NAT gateway and its Elastic IP",
                p.monthly("natGateway.hour") + p.monthly("publicIpv4.hour"),
                "reference",
            ),
            Line(
                f"{usage.nat_gb_per_month:g} GB through NAT",
                usage.nat_gb_per_month * p["natGateway.gb"],
                "prod usage",
            ),
            Line("Application Load Balancer", p.monthly("loadBalancer.hour"), "reference"),
            Line(f"{lcu:g} LCU on average", p.monthly("loadBalancer.lcuHour", lcu), "prod usage"),
            Line(
                "6 public IPv4 addresses of the ALB",
                p.monthly("publicIpv4.hour", 6),
                "reference: every zone of the region (us-east-1 has six)",
            ),
            Line(f"{usage.log_gb_per_day:g} GB of logs a day", logs_ingest, "prod usage"),
            Line(
                "logs kept 7 days",
                usage.log_gb_per_day * 7 * p["logs.storageGbMonth"],
                "reference",
            ),
            Line("11 secrets", 11 * p["secretsManager.secretMonth"], "reference: one per secret variable"),
            Line(
                f"S3 + CloudFront, {served:g} GB served",
                served * p["cloudfront.servedGb"],
                "assumed front end",
            ),
        ),
    )
    return [cloudformation, terragrunt]


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _plain(value: float) -> str:
    """A unit price as written, never in exponent form (0.00003, not 3e-05)."""
    return format(Decimal(repr(value)).normalize(), "f")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _biggest_lines(cost: costs.StackCost) -> list[str]:
    charges = sorted(
        ((charge, r) for r in cost.resources for charge in r.charges),
        key=lambda pair: (-pair[0].usd, pair[1].urn),
    )
    return [
        f"- {_usd(charge.usd)}: {charge.what} (`{r.type}` {r.name})"
        for charge, r in [pair for pair in charges if pair[0].usd >= 0.005][:6]
    ]


def _component_lines(cost: costs.StackCost) -> list[str]:
    """A stack's cost by component, its biggest lines and what is left out."""
    lines = ["| component | monthly |", "|---|---:|"]
    lines += [f"| {_cell(c)} | {_usd(usd)} |" for c, usd in cost.by_component()]
    lines += ["", "What drives it (the biggest lines):", "", *_biggest_lines(cost)]
    not_priced = cost.types_with_status(costs.NOT_PRICED)
    if not_priced:
        lines += ["", "Not priced (a cost exists, the model leaves it out):", ""]
        lines += [f"- `{token}`: {why}" for token, why in not_priced.items()]
    return lines


def _architecture_table(plans: Mapping[str, Plan], prices: costs.Prices) -> list[str]:
    lines = [
        "| stack | runs on | on X86_64 | on ARM64 | ARM64 - X86_64 | ARM64 Spot tasks priced on demand |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for stack in STACKS:
        total = {a: estimate(on_architecture(plans[stack], a), prices) for a in ARCHITECTURES}
        spot = sum(
            charge.usd
            for r in total["ARM64"].resources
            for charge in r.charges
            if charge.what.endswith(costs.ARM_SPOT_ON_DEMAND)
        )
        difference = total["ARM64"].total_usd - total["X86_64"].total_usd
        lines.append(
            f"| `{stack}` | {architecture_of(plans[stack])} | {_usd(total['X86_64'].total_usd)} "
            f"| {_usd(total['ARM64'].total_usd)} | {'-' if difference < 0 else '+'}{_usd(abs(difference))} "
            f"| {_usd(spot)} |"
        )
    return lines


def aurora_database(plan: Plan, usage: costs.Usage, prices: costs.Prices) -> costs.StackCost:
    """What the stack's database would cost as Aurora Serverless v2 (tm:database.engine
    auroraServerless) at `usage`: a writer, and a reader where the instance is Multi-AZ."""
    (instance,) = plan.of_type("aws:rds/instance:Instance")
    count = 2 if instance.inputs.get("multiAz") else 1
    token = "aws:rds/clusterInstance:ClusterInstance"
    resources = [costs.Resource("urn:cluster", "aws:rds/cluster:Cluster", "cluster", {})]
    resources += [
        costs.Resource(f"urn:member-{n}", token, f"member-{n}", {"instanceClass": "db.serverless"})
        for n in range(count)
    ]
    return costs.estimate(resources, usage, prices)


def engine_comparison(plans: Mapping[str, Plan], prices: costs.Prices) -> list[str]:
    """The database of each base stack as planned (RDS) next to Aurora Serverless v2 at the same
    usage assumptions (dev's: paused while off-hours has stopped the services)."""
    lines = [
        "| stack | RDS (as planned) | Aurora Serverless v2 | Aurora's assumptions |",
        "|---|---:|---:|---|",
    ]
    for stack in ("prod", "staging", "dev"):
        plan = plans[stack]
        rds = sum(r.usd for r in estimate(plan, prices).resources if r.component.startswith("database "))
        assumed = costs.Usage.from_mapping(plan.usage)
        aurora = aurora_database(plan, assumed, prices)
        members = len(aurora.resources) - 1
        what = (
            f"{members} instance(s) at {assumed.database_average_acu:g} ACU, "
            f"{assumed.database_paused_hours_per_month:g} h paused, {assumed.database_storage_gb:g} GB, "
            f"{assumed.database_io_millions_per_month:g} million I/O"
        )
        lines.append(f"| `{stack}` | {_usd(rds)} | {_usd(aurora.total_usd)} | {what} |")
    return lines


def cost_tables(
    plans: Mapping[str, Plan], bootstrap: BootstrapPlan, prices: costs.Prices | None = None
) -> str:
    """The generated markdown: summary, each stack by component and its biggest lines, the
    bootstrap's account-level part, HOT's setups, the usage assumptions and the price table."""
    prices = prices or costs.Prices.load()
    estimates = {stack: estimate(plans[stack], prices) for stack in STACKS}
    account = estimate_bootstrap(bootstrap, prices)
    created = {stack: create_time(plans[stack]) for stack in STACKS}
    setups = hot_setups(prices, estimates["prod"].usage)
    lines = [
        "| setup | estimated monthly cost | budget (policy) | critical path of a fresh `pulumi up` "
        "| biggest items |",
        "|---|---:|---:|---:|---|",
    ]
    for stack in STACKS:
        top = ", ".join(c.split(" (")[0] for c, _ in estimates[stack].by_component()[:3])
        budget = load_config("operations", plans[stack].environment)["stack-monthly-budget"]
        lines.append(
            f"| `{stack}` | {_usd(estimates[stack].total_usd)} | {_usd(budget['monthlyBudgetUsd'])} "
            f"| {created[stack].minutes:.1f} min | {top} |"
        )
    kubernetes = {stack: estimate(plans[stack], prices) for stack in KUBERNETES_STACKS}
    for stack, cost in kubernetes.items():
        top = ", ".join(c.split(" (")[0] for c, _ in cost.by_component()[:3])
        lines.append(f"| `{stack}` (its share of the node) | {_usd(cost.total_usd)} | | | {top} |")
    top = ", ".join(c.split(" (")[0] for c, _ in account.by_component()[:3])
    lines.append(f"| `bootstrap` (once per account) | {_usd(account.total_usd)} | | | {top} |")
    for setup in setups:
        top = ", ".join(line.item for line in sorted(setup.lines, key=lambda x: -x.usd)[:3])
        lines.append(f"| {setup.name} | {_usd(setup.usd)} | | | {_cell(top)} |")

    lines += ["", "### Each stack on X86_64 and on ARM64 (`tm:ecs.cpuArchitecture`)", ""]
    lines += _architecture_table(plans, prices)

    for stack in STACKS:
        cost = estimates[stack]
        lines += ["", f"### `{stack}`: {_usd(cost.total_usd)} a month", ""]
        lines += _component_lines(cost)
        path = " -> ".join(
            f"{s.type.split(':')[-1]} {s.name} ({s.seconds / 60:.1f} min)"
            for s in created[stack].critical_path
        )
        lines += ["", f"Critical path, {created[stack].minutes:.1f} min: {path}."]

    node = prices.units[costs.KUBERNETES_NODE]
    for stack, cost in kubernetes.items():
        lines += ["", f"### `{stack}` on Kubernetes: {_usd(cost.total_usd)} a month of the node", ""]
        lines += [
            f"What its pods request, as a share of one {costs.NODE_VCPUS:g} vCPU / "
            f"{costs.NODE_MEMORY_GIB:g} GiB node at {_usd(node.usd)} a month (`{costs.KUBERNETES_NODE}`,",
            "half for the vCPUs, half for the memory). The rest of the node is the cluster's own",
            "(k3s, Traefik, cert-manager, the operators) and whatever else runs on it.",
            "",
            *_component_lines(cost),
        ]

    lines += ["", f"### `bootstrap`, once per account: {_usd(account.total_usd)} a month", ""]
    lines += [
        "The bootstrap's state bucket and keys, the CI roles, and the account's security baseline",
        "(docs/operations/security.md), priced with the account's usage (`bootstrap:usage`, below).",
        "",
        *_component_lines(account),
    ]
    for setup in setups:
        lines += ["", f"### {setup.name}: {_usd(setup.usd)} a month", "", setup.described + ".", ""]
        lines += ["| item | monthly | size from |", "|---|---:|---|"]
        lines += [f"| {_cell(line.item)} | {_usd(line.usd)} | {line.basis} |" for line in setup.lines]

    lines += ["", "### The database on either engine (`tm:database.engine`)", ""]
    lines += engine_comparison(plans, prices)

    lines += ["", "### Usage assumed (`tm:usage`)", ""]
    keys = list(costs.Usage.KEYS)
    lines += ["| setting | " + " | ".join(f"`{s}`" for s in STACKS) + " |", "|---|" + "---:|" * len(STACKS)]
    for key in keys:
        row = " | ".join(f"{estimates[s].usage.to_mapping()[key]:,.10g}" for s in STACKS)
        lines.append(f"| `{key}` | {row} |")

    assert account.account_usage is not None
    lines += ["", "### Account usage assumed by the bootstrap (`bootstrap:usage`)", ""]
    lines += ["| setting | value |", "|---|---:|"]
    lines += [f"| `{key}` | {value:,.10g} |" for key, value in account.account_usage.to_mapping().items()]

    lines += ["", "### Unit prices (`prices.json`, us-east-1, on demand)", ""]
    lines += ["| price | USD | per | source | as of |", "|---|---:|---|---|---|"]
    for key, price in prices.units.items():
        lines.append(
            f"| `{key}` | {_plain(price.usd)} | {_cell(price.unit)} | {_cell(price.source)} | {price.as_of} |"
        )
    for name, price in prices.rds_postgres_hour.items():
        lines.append(
            f"| `rds {name}` | {_plain(price.usd)} | {price.unit} | {_cell(price.source)} | {price.as_of} |"
        )
    lines += ["", "Account allowances (free every month, deducted from the bootstrap's usage only):", ""]
    lines += [
        f"- `{key}`: {allowance.count:,.10g} {allowance.unit} ({allowance.source}, {allowance.as_of})"
        for key, allowance in prices.allowances.items()
    ]
    for status, title in (
        (costs.FREE, "Free"),
        (costs.NEGLIGIBLE, "Negligible (usage-based, small)"),
        (costs.NOT_PRICED, "Not priced"),
    ):
        lines += ["", f"{title}:", ""]
        lines += [f"- `{pattern}`: {why}" for pattern, why in prices.tables[status].items()]
    return "\n".join(lines) + "\n"


def costs_doc(current: str, plans: Mapping[str, Plan], bootstrap: BootstrapPlan) -> str:
    """docs/costs.md with its generated section replaced."""
    before, begin, rest = current.partition(BEGIN)
    _, end, after = rest.partition(END)
    if not begin or not end:
        raise SystemExit(f"{COSTS_DOC} lacks the generated-section markers")
    return f"{before}{BEGIN}\n{cost_tables(plans, bootstrap)}{END}{after}"
