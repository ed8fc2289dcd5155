"""Fixtures of the network policies: VPC, flow logs, subnets, security groups."""

from security_baseline import network

from tests.policies.harness import DELETE, Case, StackCase

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
LB = "aws:lb/loadBalancer:LoadBalancer"

_HTTPS_FROM_WORLD = {
    "securityGroupId": "sg-lb",
    "ipProtocol": "tcp",
    "fromPort": 443.0,
    "toPort": 443.0,
    "cidrIpv4": "0.0.0.0/0",
    "description": "HTTPS from anyone",
}
_TASKS_GROUP = {
    "id": "sg-tasks",
    "description": "Tasking Manager api tasks",
    "vpcId": "vpc-1",
    "ingress": [
        {
            "protocol": "tcp",
            "fromPort": 5000.0,
            "toPort": 5000.0,
            "securityGroups": ["sg-lb"],
            "description": "API from the load balancer",
        }
    ],
    "egress": [
        {
            "protocol": "tcp",
            "fromPort": 443.0,
            "toPort": 443.0,
            "cidrBlocks": ["0.0.0.0/0"],
            "description": "HTTPS out",
        }
    ],
}

CASES = [
    StackCase(
        network.vpc_flow_logs,
        {
            "vpc": ("awsx:ec2:Vpc", {"vpcId": "vpc-1"}),
            "flow-log": ("aws:ec2/flowLog:FlowLog", {"vpcId": "vpc-1", "trafficType": "ALL", "id": "fl-1"}),
        },
        [
            ({"flow-log": DELETE}, "has no flow log"),
            ({"flow-log.vpcId": "vpc-other"}, "has no flow log"),
            ({"flow-log.trafficType": "ACCEPT"}, "has no flow log"),
            ({"flow-log.trafficType": DELETE}, "has no flow log"),
        ],
    ),
    Case(
        network.default_security_group_closed,
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        {"vpcId": "vpc-1", "ingress": [], "egress": []},
        [
            (
                {"ingress": [{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "self": True}]},
                "still has ingress",
            ),
            (
                {"egress": [{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"]}]},
                "still has egress",
            ),
        ],
    ),
    StackCase(
        network.default_security_group_managed,
        {
            "vpc": ("aws:ec2/vpc:Vpc", {"id": "vpc-1", "cidrBlock": "10.0.0.0/16"}),
            "default": (
                "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
                {"vpcId": "vpc-1", "ingress": [], "egress": []},
            ),
        },
        [
            ({"default": DELETE}, "leaves its default security group unmanaged"),
            ({"default.vpcId": "vpc-2"}, "leaves its default security group unmanaged"),
        ],
    ),
    Case(
        network.subnet_no_auto_public_ip,
        "aws:ec2/subnet:Subnet",
        {"vpcId": "vpc-1", "cidrBlock": "10.0.0.0/24", "mapPublicIpOnLaunch": False},
        [({"mapPublicIpOnLaunch": True}, "mapPublicIpOnLaunch is true")],
    ),
    Case(
        network.security_group_internet_ingress,
        INGRESS,
        dict(_HTTPS_FROM_WORLD),
        [
            ({"fromPort": 22.0}, "admits tcp ports 22-443 from the internet"),
            ({"toPort": 8080.0}, "admits tcp ports 443-8080"),
            ({"ipProtocol": "-1"}, "admits all traffic from the internet"),
            ({"ipProtocol": "udp"}, "admits udp port 443"),
        ],
    ),
    Case(
        network.security_group_internet_ingress,
        SG,
        {
            **_TASKS_GROUP,
            "id": "sg-lb",
            "ingress": [{**_HTTPS_FROM_WORLD, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]}],
        },
        [
            ({"ingress.0.fromPort": 80.0}, "ingress[0] admits tcp ports 80-443"),
            ({"ingress.0.toPort": 5000.0}, "ingress[0] admits tcp ports 443-5000 from the internet"),
        ],
    ),
    Case(
        network.security_group_no_world_high_risk_ports,
        SG_RULE,
        {
            "type": "ingress",
            "securityGroupId": "sg-db",
            "protocol": "tcp",
            "fromPort": 5432.0,
            "toPort": 5432.0,
            "cidrBlocks": ["10.0.0.0/16"],
            "description": "PostgreSQL from the VPC",
        },
        [
            ({"cidrBlocks": ["0.0.0.0/0"]}, "opens high-risk port(s) 5432 to the internet"),
            ({"ipv6CidrBlocks": ["::/0"]}, "opens high-risk port(s) 5432"),
        ],
    ),
    Case(
        network.security_group_no_world_high_risk_ports,
        INGRESS,
        dict(_HTTPS_FROM_WORLD),
        [
            ({"fromPort": 22.0}, "opens high-risk port(s) 22, 23, 25, 110, 135, 143 to the internet"),
            ({"ipProtocol": "-1"}, "(all traffic)"),
            ({"toPort": 3389.0}, "3306, 3389"),
        ],
    ),
    StackCase(
        network.internet_ingress_only_on_load_balancers,
        {
            "lb-group": (SG, {"id": "sg-lb", "description": "Load balancer", "vpcId": "vpc-1"}),
            "https": (INGRESS, dict(_HTTPS_FROM_WORLD)),
            "tasks": (SG, dict(_TASKS_GROUP)),
            "lb": (
                LB,
                {
                    "arn": "arn:lb",
                    "internal": False,
                    "securityGroups": ["sg-lb"],
                    "loadBalancerType": "application",
                },
            ),
        },
        [
            ({"https.securityGroupId": "sg-tasks"}, "is not attached to an internet-facing load balancer"),
            ({"https.securityGroupId": "sg-elsewhere"}, "a security group this stack does not declare"),
            ({"lb.internal": True}, "is not attached to an internet-facing load balancer"),
            ({"lb.securityGroups": ["sg-tasks"]}, "is not attached to an internet-facing load balancer"),
            (
                {"tasks.ingress.0.cidrBlocks": ["0.0.0.0/0"]},
                "is not attached to an internet-facing load balancer",
            ),
        ],
    ),
    Case(
        network.security_group_descriptions,
        SG,
        dict(_TASKS_GROUP),
        [
            ({"description": DELETE}, "has no description"),
            ({"description": "Managed by Pulumi"}, "provider's placeholder"),
            ({"ingress.0.description": ""}, "ingress[0] (ingress tcp port 5000) has no description"),
        ],
    ),
    Case(
        network.security_group_descriptions,
        EGRESS,
        {
            "securityGroupId": "sg-tasks",
            "ipProtocol": "tcp",
            "fromPort": 443.0,
            "toPort": 443.0,
            "cidrIpv4": "0.0.0.0/0",
            "description": "HTTPS out",
        },
        [({"description": DELETE}, "the rule (egress tcp port 443) has no description")],
    ),
    Case(
        network.security_group_no_unrestricted_egress,
        SG,
        dict(_TASKS_GROUP),
        [({"egress.0.protocol": "-1"}, "egress[0] sends all traffic to the internet")],
    ),
    Case(
        network.security_group_no_unrestricted_egress,
        EGRESS,
        {
            "securityGroupId": "sg-tasks",
            "ipProtocol": "tcp",
            "fromPort": 443.0,
            "toPort": 443.0,
            "cidrIpv4": "0.0.0.0/0",
        },
        [({"ipProtocol": "-1"}, "the rule sends all traffic to the internet")],
    ),
]
