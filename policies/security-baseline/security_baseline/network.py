"""VPC and security groups: flow logs, the default group, public IPs, what the internet reaches."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from .framework import (
    ResourcePolicy,
    StackPolicy,
    canonical,
    config_value,
    covered,
    is_true,
    label,
    must_not_be_true,
    of_type,
    referenced,
    strings,
)

VPC = "aws:ec2/vpc:Vpc"
AWSX_VPC = "awsx:ec2:Vpc"  # a component: its vpcId output names the VPC it builds
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SUBNET = "aws:ec2/subnet:Subnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
RULE_TYPES = (SECURITY_GROUP, SG_RULE, INGRESS_RULE, EGRESS_RULE)

WORLD = ("0.0.0.0/0", "::/0")
# FSBP EC2.19's high-risk ports: remote administration, databases, caches, admin consoles.
HIGH_RISK_PORTS = [
    20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500,
    5601, 6379, 8080, 8088, 8888, 9200, 9300, 11211, 27017,
]  # fmt: skip


@dataclass(frozen=True)
class Rule:
    """One security group rule, whichever of the four ways it was written."""

    direction: str  # ingress | egress
    protocol: str  # "-1" for every protocol
    from_port: int
    to_port: int
    cidrs: tuple[str, ...]
    description: str
    where: str  # how the message names it

    @property
    def from_world(self) -> bool:
        return any(cidr in WORLD for cidr in self.cidrs)

    @property
    def all_traffic(self) -> bool:
        return self.protocol in ("-1", "all") or (self.from_port <= 0 and self.to_port >= 65535)

    def reaches(self, port: int) -> bool:
        return self.all_traffic or (
            self.protocol not in ("icmp", "1", "icmpv6", "58") and self.from_port <= port <= self.to_port
        )

    @property
    def ports(self) -> str:
        if self.all_traffic:
            return "all traffic"
        if self.from_port == self.to_port:
            return f"{self.protocol} port {self.from_port}"
        return f"{self.protocol} ports {self.from_port}-{self.to_port}"


def _port(value: Any, default: int) -> int:
    return default if value is None else int(float(value))


def rules(resource_type: str, props: Mapping[str, Any]) -> list[Rule]:
    """The rules a resource declares: inline blocks of a group, or the rule it is."""
    token = canonical(resource_type)
    found: list[Rule] = []
    if token in (SECURITY_GROUP, DEFAULT_SG):
        for direction in ("ingress", "egress"):
            for index, block in enumerate(props.get(direction) or []):
                found.append(
                    Rule(
                        direction,
                        str(block.get("protocol", "-1")).lower(),
                        _port(block.get("fromPort"), 0),
                        _port(block.get("toPort"), 65535),
                        tuple(strings(block.get("cidrBlocks")) + strings(block.get("ipv6CidrBlocks"))),
                        str(block.get("description") or ""),
                        f"{direction}[{index}]",
                    )
                )
    elif token == SG_RULE:
        found.append(
            Rule(
                str(props.get("type")),
                str(props.get("protocol", "-1")).lower(),
                _port(props.get("fromPort"), 0),
                _port(props.get("toPort"), 65535),
                tuple(strings(props.get("cidrBlocks")) + strings(props.get("ipv6CidrBlocks"))),
                str(props.get("description") or ""),
                "the rule",
            )
        )
    elif token in (INGRESS_RULE, EGRESS_RULE):
        found.append(
            Rule(
                "ingress" if token == INGRESS_RULE else "egress",
                str(props.get("ipProtocol", "-1")).lower(),
                _port(props.get("fromPort"), 0),
                _port(props.get("toPort"), 65535),
                tuple(strings(props.get("cidrIpv4")) + strings(props.get("cidrIpv6"))),
                str(props.get("description") or ""),
                "the rule",
            )
        )
    return found


def _world_ingress(args: ResourceValidationArgs) -> Iterator[Rule]:
    for rule in rules(args.resource_type, args.props):
        if rule.direction == "ingress" and rule.from_world:
            yield rule


# -- flow logs -----------------------------------------------------------------------------------


def _vpcs(resources: list[PolicyResource]) -> list[PolicyResource]:
    return list(of_type(resources, VPC, AWSX_VPC))


def _vpc_flow_logs(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    logs = [
        log
        for log in of_type(args.resources, FLOW_LOG)
        if str(log.props.get("trafficType") or "").upper() in ("ALL", "REJECT")
    ]
    for vpc in _vpcs(args.resources):
        if not covered(vpc, logs, "vpcId", "id", "vpcId"):
            yield ("has no flow log capturing ALL or REJECTed traffic", vpc.urn)


vpc_flow_logs = StackPolicy(
    name="vpc-flow-logs",
    summary="Every VPC has a flow log that records rejected (or all) traffic",
    controls=("FSBP EC2.6", "AwsSolutions-VPC7", "CKV2_AWS_11"),
    severity=Severity.MEDIUM,
    resource_types=(VPC, AWSX_VPC, FLOW_LOG),
    unset="FlowLog.trafficType unset: not counted (AWS requires it for a VPC flow log)",
    check=_vpc_flow_logs,
)


# -- default security group ----------------------------------------------------------------------


def _default_sg_closed(args: ResourceValidationArgs) -> Iterator[str]:
    for direction in ("ingress", "egress"):
        if args.props.get(direction):
            yield f"the default security group still has {direction} rules: set {direction}=[]"


default_security_group_closed = ResourcePolicy(
    name="default-security-group-closed",
    summary="The VPC's default security group admits and sends nothing",
    controls=("FSBP EC2.2", "CKV2_AWS_12", "NIST VPCDefaultSecurityGroupClosed"),
    severity=Severity.HIGH,
    resource_types=(DEFAULT_SG,),
    unset="ingress/egress unset: the provider removes every rule of the adopted group (closed)",
    check=_default_sg_closed,
)


def _default_sg_managed(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    managed = list(of_type(args.resources, DEFAULT_SG))
    for vpc in _vpcs(args.resources):
        if not covered(vpc, managed, "vpcId", "id", "vpcId"):
            yield (
                "leaves its default security group unmanaged (AWS's default admits "
                "traffic from itself and sends anywhere): declare a DefaultSecurityGroup for it",
                vpc.urn,
            )


default_security_group_managed = StackPolicy(
    name="default-security-group-managed",
    summary="Every VPC's default security group is managed (and so closed) by the program",
    controls=("FSBP EC2.2", "CKV2_AWS_12"),
    severity=Severity.HIGH,
    resource_types=(VPC, AWSX_VPC, DEFAULT_SG),
    unset="no DefaultSecurityGroup for a VPC: AWS's default group stays open inside itself",
    check=_default_sg_managed,
)


# -- subnets -------------------------------------------------------------------------------------


subnet_no_auto_public_ip = ResourcePolicy(
    name="subnet-no-auto-public-ip",
    summary="Subnets do not assign public IP addresses automatically",
    controls=("FSBP EC2.15", "CKV_AWS_130", "NIST VPCSubnetAutoAssignPublicIpDisabled"),
    severity=Severity.MEDIUM,
    resource_types=(SUBNET,),
    unset="mapPublicIpOnLaunch unset: false, AWS's default outside the default VPC",
    check=must_not_be_true("mapPublicIpOnLaunch", "every network interface launched here gets a public IP"),
)


# -- what the internet reaches -------------------------------------------------------------------

_AUTHORIZED_PORTS = {
    "authorizedPorts": {
        "type": "array",
        "items": {"type": "integer"},
        "default": [80, 443],
        "description": "TCP ports that may be open to 0.0.0.0/0 or ::/0",
    }
}


def _internet_ingress(args: ResourceValidationArgs) -> Iterator[str]:
    authorized = set(config_value(args, "authorizedPorts", _AUTHORIZED_PORTS))
    for rule in _world_ingress(args):
        single = rule.from_port == rule.to_port and rule.protocol in ("tcp", "6")
        if rule.all_traffic or not single or rule.from_port not in authorized:
            yield (
                f"{rule.where} admits {rule.ports} from the internet; only TCP "
                f"{', '.join(map(str, sorted(authorized)))} may be (on the load balancer)"
            )


security_group_internet_ingress = ResourcePolicy(
    name="security-group-internet-ingress-authorized-ports",
    summary="Ingress from 0.0.0.0/0 or ::/0 is limited to the authorized TCP ports (80, 443)",
    controls=("FSBP EC2.18", "AwsSolutions-EC23", "CKV_AWS_260", "CKV_AWS_277"),
    severity=Severity.HIGH,
    resource_types=(SECURITY_GROUP, SG_RULE, INGRESS_RULE),
    unset="protocol -1 or ports unset: every port, so never authorized",
    check=_internet_ingress,
    config=_AUTHORIZED_PORTS,
)

_HIGH_RISK = {
    "ports": {
        "type": "array",
        "items": {"type": "integer"},
        "default": HIGH_RISK_PORTS,
        "description": "Ports never open to the internet (FSBP EC2.19's list plus Redis, memcached, MongoDB)",
    }
}


def _high_risk_ports(args: ResourceValidationArgs) -> Iterator[str]:
    ports = config_value(args, "ports", _HIGH_RISK)
    for rule in _world_ingress(args):
        open_ports = [port for port in ports if rule.reaches(int(port))]
        if open_ports:
            shown = ", ".join(map(str, open_ports[:6])) + (", ..." if len(open_ports) > 6 else "")
            yield f"{rule.where} opens high-risk port(s) {shown} to the internet ({rule.ports})"


security_group_no_world_high_risk_ports = ResourcePolicy(
    name="security-group-no-world-high-risk-ports",
    summary="No high-risk port (SSH, RDP, databases, caches...) is open to 0.0.0.0/0 or ::/0",
    controls=(
        "FSBP EC2.19",
        "FSBP EC2.13",
        "FSBP EC2.14",
        "CKV_AWS_24",
        "CKV_AWS_25",
        "NIST EC2RestrictedSSH",
    ),
    severity=Severity.CRITICAL,
    resource_types=(SECURITY_GROUP, SG_RULE, INGRESS_RULE),
    unset="protocol -1 or ports unset: every port, so every high-risk port",
    check=_high_risk_ports,
    config=_HIGH_RISK,
)


def _internet_ingress_on_load_balancers(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    groups = list(of_type(args.resources, SECURITY_GROUP))
    public_lbs = [
        lb for lb in of_type(args.resources, LOAD_BALANCER) if not is_true(lb.props.get("internal"))
    ]
    for resource in of_type(args.resources, SECURITY_GROUP, SG_RULE, INGRESS_RULE):
        world = [
            rule
            for rule in rules(resource.resource_type, resource.props)
            if rule.direction == "ingress" and rule.from_world
        ]
        if not world:
            continue
        if canonical(resource.resource_type) == SECURITY_GROUP:
            owners = [resource]
        else:
            owners = referenced(resource, "securityGroupId", groups, "id")
        if not owners:
            yield (
                "admits the internet into a security group this stack does not "
                "declare, so it cannot be shown to belong to a load balancer",
                resource.urn,
            )
        for group in owners:
            if not covered(group, public_lbs, "securityGroups", "id"):
                yield (
                    f"admits the internet, but {label(group)} is not attached to an "
                    "internet-facing load balancer",
                    resource.urn,
                )


internet_ingress_only_on_load_balancers = StackPolicy(
    name="internet-ingress-only-on-load-balancers",
    summary="Only security groups of internet-facing load balancers admit traffic from the internet",
    controls=("FSBP EC2.18", "AwsSolutions-EC23"),
    severity=Severity.HIGH,
    resource_types=(SECURITY_GROUP, SG_RULE, INGRESS_RULE, LOAD_BALANCER),
    unset="LoadBalancer.internal unset: internet-facing (AWS's default)",
    check=_internet_ingress_on_load_balancers,
)


# -- hygiene -------------------------------------------------------------------------------------


def _descriptions(args: ResourceValidationArgs) -> Iterator[str]:
    token = canonical(args.resource_type)
    if token == SECURITY_GROUP and not str(args.props.get("description") or "").strip():
        yield "the security group has no description (the provider would write 'Managed by Pulumi')"
    if token == SECURITY_GROUP and str(args.props.get("description") or "") == "Managed by Pulumi":
        yield "the security group's description is the provider's placeholder 'Managed by Pulumi'"
    for rule in rules(args.resource_type, args.props):
        if not rule.description.strip():
            yield f"{rule.where} ({rule.direction} {rule.ports}) has no description"


security_group_descriptions = ResourcePolicy(
    name="security-group-descriptions",
    summary="Security groups and their rules say what they are for",
    controls=("AwsSolutions-EC27", "CKV_AWS_23"),
    severity=Severity.LOW,
    resource_types=RULE_TYPES,
    unset="description unset: 'Managed by Pulumi' on a group, empty on a rule",
    check=_descriptions,
)


def _unrestricted_egress(args: ResourceValidationArgs) -> Iterator[str]:
    for rule in rules(args.resource_type, args.props):
        if rule.direction == "egress" and rule.from_world and rule.all_traffic:
            yield f"{rule.where} sends all traffic to the internet; name the ports the tasks need"


security_group_no_unrestricted_egress = ResourcePolicy(
    name="security-group-no-unrestricted-egress",
    summary="Security groups do not send all protocols and ports to 0.0.0.0/0 or ::/0",
    controls=("CKV_AWS_382",),
    severity=Severity.LOW,
    resource_types=(SECURITY_GROUP, SG_RULE, EGRESS_RULE),
    unset="SecurityGroup.egress unset: no egress (the provider removes AWS's allow-all rule)",
    check=_unrestricted_egress,
)

POLICIES = [
    vpc_flow_logs,
    default_security_group_closed,
    default_security_group_managed,
    subnet_no_auto_public_ip,
    security_group_internet_ingress,
    security_group_no_world_high_risk_ports,
    internet_ingress_only_on_load_balancers,
    security_group_descriptions,
    security_group_no_unrestricted_egress,
]
