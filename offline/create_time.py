"""How long a fresh `pulumi up` of a stack takes: per-type create durations over the recorded
dependency graph, and the critical path through it.

Durations are the typical values of ../shared/reference/peers-and-prices.md section 5.1 (Terraform
apply logs and provider test timings); small resources take seconds. The engine creates every
resource whose dependencies are done at once, so the longest chain of dependencies, weighted by
those durations, is the time to a working stack. Assumes Pulumi's parallelism is not the limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from offline.costing import costs
from offline.engine import Plan
from offline.mocks import Registration

# Seconds, and where the number comes from.
SMALL = (5.0, "small resource: seconds")
DURATIONS: dict[str, tuple[float, str]] = {
    "aws:ec2/natGateway:NatGateway": (120.0, "reference 5.1: NAT gateway 1.4-2.1 min"),
    "aws:lb/loadBalancer:LoadBalancer": (150.0, "reference 5.1: ALB 2.3-2.9 min"),
    "aws:rds/cluster:Cluster": (360.0, "reference 5.1: Aurora cluster alone 5-6 min"),
    "aws:rds/clusterInstance:ClusterInstance": (
        480.0,
        "reference 5.1: Aurora writer, cluster + writer 10-15 min",
    ),
    "aws:cloudfront/distribution:Distribution": (240.0, "reference 5.1: CloudFront 0.7-7.9 min"),
    # The program does not wait for steady state, but the app works only once its tasks are healthy.
    "aws:ecs/service:Service": (150.0, "reference 5.1: ECS service to steady state 2-3 min"),
    "aws:acm/certificateValidation:CertificateValidation": (
        60.0,
        "Terraform logs: 2 s-1 min once the DNS record exists",
    ),
    "aws:route53/record:Record": (40.0, "Terraform log: 35 s (waits until the change is in sync)"),
    "aws:ecs/cluster:Cluster": (10.0, "seconds"),
    "aws:ec2/instance:Instance": (
        60.0,
        "Terraform log: running after 13-22 s; its user data (iptables install) assumed 40 s more",
    ),
    "aws:wafv2/webAclAssociation:WebAclAssociation": (30.0, "seconds; retries until the ALB is active"),
}
RDS_SINGLE_AZ = (300.0, "reference 5.1: RDS single-AZ 3.3-6.1 min")
RDS_MULTI_AZ = (1050.0, "reference 5.1: RDS Multi-AZ 15-20 min")
VPC_ALONE = (20.0, "VPC, subnets, routes: seconds")
NAT_GATEWAYS = (120.0, "reference 5.1: NAT gateway 1.4-2.1 min, created in parallel")


@dataclass(frozen=True)
class Step:
    urn: str
    type: str
    name: str
    start: float  # seconds after `pulumi up` starts
    seconds: float
    basis: str


@dataclass(frozen=True)
class CreateTime:
    seconds: float
    critical_path: tuple[Step, ...]

    @property
    def minutes(self) -> float:
        return self.seconds / 60


def duration(
    resource: Registration, durations: Mapping[str, tuple[float, str]] = DURATIONS
) -> tuple[float, str]:
    """How long creating `resource` takes, and why that number."""
    if resource.type == "awsx:ec2:Vpc":
        # Its children (NAT gateways among them) are invisible offline: they are part of it.
        if costs.nat_gateway_count(resource.inputs):
            return VPC_ALONE[0] + NAT_GATEWAYS[0], f"{VPC_ALONE[1]}; {NAT_GATEWAYS[1]}"
        return VPC_ALONE
    if not resource.custom or resource.type.startswith("pulumi:"):
        return 0.0, "not created in the cloud"
    if resource.type == "aws:rds/instance:Instance":
        multi = resource.inputs.get("multiAz") in (True, "true")
        return RDS_MULTI_AZ if multi else RDS_SINGLE_AZ
    return durations.get(resource.type, SMALL)


def critical_path(
    seconds: Mapping[str, float], dependencies: Mapping[str, Iterable[str]]
) -> tuple[float, list[str]]:
    """The longest chain through a dependency graph: its total and its nodes, first to last.

    A node starts when all its dependencies have finished; dependencies on nodes not in `seconds`
    are ignored. Raises ValueError on a cycle (the engine would refuse one too).
    """
    finish: dict[str, float] = {}
    previous: dict[str, str | None] = {}
    visiting: set[str] = set()

    def visit(node: str) -> float:
        if node in finish:
            return finish[node]
        if node in visiting:
            raise ValueError(f"dependency cycle through {node}")
        visiting.add(node)
        before, start = None, 0.0
        for dep in dependencies.get(node, ()):
            if dep in seconds and visit(dep) > start:
                before, start = dep, finish[dep]
        visiting.discard(node)
        finish[node] = start + seconds[node]
        previous[node] = before
        return finish[node]

    for node in sorted(seconds):  # sorted: the same path every run when two tie
        visit(node)
    if not finish:
        return 0.0, []
    last = max(sorted(finish), key=lambda name: finish[name])
    path: list[str] = []
    step: str | None = last
    while step is not None:
        path.append(step)
        step = previous[step]
    return finish[last], path[::-1]


def unsourced(plan: Plan) -> str | None:
    """Why the plan's create time cannot be estimated, or None when it can. Durations are sourced
    for AWS resources only: a Kubernetes stack's database initialisation, migration Job and
    rollouts depend on its cluster, and counting them as seconds would print a figure no one
    measured."""
    kinds = sorted({r.type for r in plan.resources if r.custom and r.type.startswith("kubernetes:")})
    if not kinds:
        return None
    return f"no sourced durations for Kubernetes objects ({len(kinds)} kinds, e.g. {kinds[0]})"


def create_time(plan: Plan, durations: Mapping[str, tuple[float, str]] = DURATIONS) -> CreateTime:
    """The critical path of creating the plan's stack from nothing (with `durations` by type)."""
    by_urn = {r.urn: r for r in plan.resources}
    seconds, basis = {}, {}
    for resource in plan.resources:
        seconds[resource.urn], basis[resource.urn] = duration(resource, durations)
    # A component is done when its children are; depending on it means waiting for them.
    dependencies: dict[str, list[str]] = {r.urn: list(r.dependencies) for r in plan.resources}
    for resource in plan.resources:
        if resource.parent in by_urn and not by_urn[resource.parent].custom:
            dependencies[resource.parent].append(resource.urn)
    total, path = critical_path(seconds, dependencies)
    steps, clock = [], 0.0
    for urn in path:
        resource = by_urn[urn]
        if seconds[urn] > 0:
            steps.append(Step(urn, resource.type, resource.name, clock, seconds[urn], basis[urn]))
        clock += seconds[urn]
    return CreateTime(total, tuple(steps))
