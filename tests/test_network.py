"""The network of dev and prod under mocks: tiers, zones, NAT, endpoints, flow logs, tags."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.network import no_public_ip_auto_assign
from offline.engine import Plan
from offline.mocks import route_table_id
from tests.conftest import plan_for


def vpc_of(plan: Plan) -> dict:
    return plan.one("awsx:ec2:Vpc").inputs


def network_of(plan: Plan) -> Plan:
    return plan.component("tm:aws:Network")


@pytest.mark.parametrize(
    ("stack", "zones", "nat", "cidr"),
    [("dev", 2, "Single", "10.20.0.0/16"), ("prod", 3, "OnePerAz", "10.10.0.0/16")],
)
def test_vpc_zones_nat_and_cidr_per_environment(stack: str, zones: int, nat: str, cidr: str) -> None:
    plan = plan_for(stack)
    vpc = vpc_of(plan)
    assert vpc["numberOfAvailabilityZones"] == zones
    assert vpc["natGateways"] == {"strategy": nat}
    assert vpc["cidrBlock"] == cidr
    assert plan.outputs["availabilityZones"] == [f"us-east-1{c}" for c in "abc"[:zones]]
    for tier in ("public", "private", "isolated"):
        assert len(plan.outputs[f"{tier}SubnetIds"]) == zones


def test_three_subnet_tiers_sized_from_the_vpc_cidr(base_plan: Plan) -> None:
    specs = vpc_of(base_plan)["subnetSpecs"]
    assert [(s["type"], s["name"], s["cidrMask"]) for s in specs] == [
        ("Public", "public", 24),
        ("Private", "private", 20),
        ("Isolated", "isolated", 24),
    ]
    assert vpc_of(base_plan)["subnetStrategy"] == "Auto"


def test_nat_strategy_follows_the_setting() -> None:
    endpoints = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"]
    none = plan_for("dev", {"tm:network.natGateways": "none", "tm:network.interfaceEndpoints": endpoints})
    assert vpc_of(none)["natGateways"] == {"strategy": "None"}
    per_az = plan_for("dev", {"tm:network.natGateways": "onePerAz"})
    assert vpc_of(per_az)["natGateways"] == {"strategy": "OnePerAz"}


def test_public_subnets_do_not_auto_assign_public_ips(base_plan: Plan) -> None:
    # awsx's own subnets are not visible under mocks: check the transform is attached, and what it does.
    assert base_plan.one("awsx:ec2:Vpc").transforms == ["no_public_ip_auto_assign"]
    subnet = pulumi.ResourceTransformArgs(
        custom=True,
        type_="aws:ec2/subnet:Subnet",
        name="network-public-1",
        props={"mapPublicIpOnLaunch": True, "cidrBlock": "10.10.0.0/24"},
        opts=pulumi.ResourceOptions(),
    )
    result = no_public_ip_auto_assign(subnet)
    assert result is not None
    assert result.props == {"mapPublicIpOnLaunch": False, "cidrBlock": "10.10.0.0/24"}
    route = pulumi.ResourceTransformArgs(
        custom=True, type_="aws:ec2/route:Route", name="r", props={}, opts=pulumi.ResourceOptions()
    )
    assert no_public_ip_auto_assign(route) is None


@pytest.mark.parametrize(("stack", "days"), [("dev", 30), ("prod", 365)])
def test_flow_logs_capture_all_traffic_to_an_encrypted_group_with_retention(stack: str, days: int) -> None:
    plan = plan_for(stack)
    network = network_of(plan)
    group = network.one("aws:cloudwatch/logGroup:LogGroup")
    flow_log = network.one("aws:ec2/flowLog:FlowLog")
    assert group.inputs["retentionInDays"] == days
    assert group.inputs["kmsKeyId"] == plan.outputs["kmsKeyArn"]
    assert flow_log.inputs["vpcId"] == plan.outputs["vpcId"]
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["logDestinationType"] == "cloud-watch-logs"
    assert flow_log.inputs["logDestination"] == group.outputs["arn"]


def test_flow_log_role_is_scoped_to_this_account_and_its_log_group(base_plan: Plan) -> None:
    network = network_of(base_plan)
    role = network.one("aws:iam/role:Role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    policy = json.loads(network.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    group_arn = network.one("aws:cloudwatch/logGroup:LogGroup").outputs["arn"]
    (statement,) = policy["Statement"]
    assert statement["Resource"] == [group_arn, f"{group_arn}:*"]
    assert all(action.startswith("logs:") and "*" not in action for action in statement["Action"])


def test_default_security_group_is_closed(base_plan: Plan) -> None:
    default_sg = base_plan.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default_sg.inputs["vpcId"] == base_plan.outputs["vpcId"]
    assert default_sg.inputs["ingress"] == []
    assert default_sg.inputs["egress"] == []


def test_s3_gateway_endpoint_serves_exactly_the_private_subnets_route_tables(base_plan: Plan) -> None:
    """Image layers come from S3 to the private subnets' tasks: their route tables, each one's own
    (the mocks answer the lookup by its filter), not the public or isolated ones nor the main one."""
    (s3,) = base_plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert s3.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    assert s3.inputs["vpcEndpointType"] == "Gateway"
    assert s3.inputs["vpcId"] == base_plan.outputs["vpcId"]
    private = base_plan.outputs["privateSubnetIds"]
    assert len(private) == len(base_plan.outputs["availabilityZones"])
    assert s3.inputs["routeTableIds"] == [route_table_id(subnet) for subnet in private]


def test_interface_endpoints_are_private_and_reachable_only_from_the_vpc() -> None:
    plan = plan_for("prod", {"tm:network.interfaceEndpoints": ["ecr.api", "logs"]})
    interface = [
        r
        for r in plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if r.inputs["vpcEndpointType"] == "Interface"
    ]
    assert sorted(r.inputs["serviceName"] for r in interface) == [
        "com.amazonaws.us-east-1.ecr.api",
        "com.amazonaws.us-east-1.logs",
    ]
    sg = network_of(plan).one("aws:ec2/securityGroup:SecurityGroup")
    assert sg.inputs["ingress"] == [
        {
            "cidrBlocks": ["10.10.0.0/16"],
            "description": "HTTPS from the VPC",
            "fromPort": 443,
            "protocol": "tcp",
            "toPort": 443,
        }
    ]
    for endpoint in interface:
        assert endpoint.inputs["privateDnsEnabled"] is True
        assert endpoint.inputs["subnetIds"] == plan.outputs["privateSubnetIds"]
        assert endpoint.inputs["securityGroupIds"] == [sg.outputs["id"]]


def test_no_interface_endpoints_unless_asked(base_plan: Plan) -> None:
    assert network_of(base_plan).of_type("aws:ec2/securityGroup:SecurityGroup") == []
    assert [r.inputs["vpcEndpointType"] for r in base_plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")] == [
        "Gateway"
    ]


def test_every_aws_resource_uses_the_one_explicit_provider_with_default_tags(base_plan: Plan) -> None:
    (provider,) = base_plan.of_type("pulumi:providers:aws")
    assert json.loads(provider.inputs["defaultTags"]) == {
        "tags": {
            "Project": "tasking-manager",
            "Environment": base_plan.environment,
            "Stack": base_plan.stack,
            "ManagedBy": "pulumi",
            "Owner": "hot-tech",
            "CostCenter": "tasking-manager",
        }
    }
    assert provider.inputs["region"] == "us-east-1"
    aws_resources = [r for r in base_plan.resources if r.custom and r.type.startswith("aws:")]
    assert len(aws_resources) >= 8
    for resource in aws_resources:
        assert resource.provider.startswith(f"{provider.urn}::"), resource.urn


def test_account_guard_is_set_only_when_the_stack_names_its_account() -> None:
    (provider,) = plan_for("prod").of_type("pulumi:providers:aws")
    assert "allowedAccountIds" not in provider.inputs
    guarded = plan_for("prod", {"tm:awsAccountId": "111122223333"})
    (provider,) = guarded.of_type("pulumi:providers:aws")
    assert json.loads(provider.inputs["allowedAccountIds"]) == ["111122223333"]


NAT_INSTANCE = {"tm:network.natGateways": "instance"}


def test_a_nat_instance_is_the_default_route_of_every_private_subnet() -> None:
    """dev with `natGateways: instance`: awsx makes no NAT gateway, and each private route table
    (the mocks answer the lookup from awsx's tables) sends 0.0.0.0/0 to the instance's interface."""
    plan = plan_for("dev", NAT_INSTANCE)
    assert vpc_of(plan)["natGateways"] == {"strategy": "None"}
    network = network_of(plan)
    instance = network.one("aws:ec2/instance:Instance")
    routes = network.of_type("aws:ec2/route:Route")
    private = plan.outputs["privateSubnetIds"]
    assert sorted(r.inputs["routeTableId"] for r in routes) == sorted(route_table_id(s) for s in private)
    for route in routes:
        assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0"
        assert route.inputs["networkInterfaceId"] == instance.outputs["primaryNetworkInterfaceId"]
    assert plan_for("dev").of_type("aws:ec2/instance:Instance") == []


def test_the_nat_instance_is_a_small_hardened_router_in_a_public_subnet() -> None:
    plan = plan_for("dev", NAT_INSTANCE)
    inputs = network_of(plan).one("aws:ec2/instance:Instance").inputs
    assert inputs["instanceType"] == "t4g.nano"
    assert inputs["ami"].startswith("ami-")  # AWS's current Amazon Linux 2023 arm64 image
    assert inputs["subnetId"] == plan.outputs["publicSubnetIds"][0]
    assert (inputs["associatePublicIpAddress"], inputs["sourceDestCheck"]) == (True, False)
    assert inputs["metadataOptions"]["httpTokens"] == "required"
    root = inputs["rootBlockDevice"]
    assert (root["encrypted"], root["kmsKeyId"]) == (True, plan.outputs["kmsKeyArn"])
    # No way in: no key pair, no instance profile (nothing to log in with or to steal).
    assert not {"keyName", "iamInstanceProfile"} & set(inputs)
    assert "MASQUERADE" in inputs["userData"]
    assert "ip_forward=1" in inputs["userData"]


def test_the_nat_instance_forwards_only_the_ports_the_tasks_use_from_inside_the_vpc() -> None:
    plan = plan_for("dev", NAT_INSTANCE)
    network = network_of(plan)
    (group,) = network.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert network.one("aws:ec2/instance:Instance").inputs["vpcSecurityGroupIds"] == [group.outputs["id"]]

    def rules(direction: str) -> set[tuple[str, int, int, tuple[str, ...]]]:
        return {
            (r["protocol"], r["fromPort"], r["toPort"], tuple(r["cidrBlocks"]))
            for r in group.inputs[direction]
        }

    assert rules("ingress") == {("tcp", 443, 443, ("10.20.0.0/16",)), ("tcp", 587, 587, ("10.20.0.0/16",))}
    assert rules("egress") == {("tcp", 443, 443, ("0.0.0.0/0",)), ("tcp", 587, 587, ("0.0.0.0/0",))}
