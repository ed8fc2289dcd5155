"""The stack's VPC: public, private and isolated subnet tiers, NAT, endpoints and flow logs."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from components.provider import AwsScope
from components.settings import NetworkSettings

_NAT_STRATEGIES = {
    "none": awsx.ec2.NatGatewayStrategy.NONE,
    "single": awsx.ec2.NatGatewayStrategy.SINGLE,
    "onePerAz": awsx.ec2.NatGatewayStrategy.ONE_PER_AZ,
    # awsx leaves the private route tables without a default route; Network adds the instance's.
    "instance": awsx.ec2.NatGatewayStrategy.NONE,
}
# AWS's public parameter naming the current Amazon Linux 2023 image for arm64 (AL2023 user guide,
# "Launching AL2023 using the SSM parameter"): a new release replaces the instance at the next deploy.
AL2023_ARM64_IMAGE = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
# The AL2023 image's root volume size (GiB); smaller is refused at launch.
NAT_INSTANCE_ROOT_GB = 8
# Forwarding and masquerading on AL2023, the steps of the AWS VPC user guide ("Create a NAT AMI"),
# kept across reboots by iptables.service and sysctl.d.
NAT_INSTANCE_USER_DATA = """#!/bin/bash
set -euo pipefail
dnf install -y iptables-services
systemctl enable --now iptables
echo "net.ipv4.ip_forward=1" > /etc/sysctl.d/90-nat.conf
sysctl -p /etc/sysctl.d/90-nat.conf
interface=$(ip -o route show default | awk '{print $5; exit}')
iptables -t nat -A POSTROUTING -o "$interface" -j MASQUERADE
iptables -F FORWARD
iptables-save > /etc/sysconfig/iptables
"""


@dataclass(frozen=True)
class NetworkArgs:
    settings: NetworkSettings
    scope: AwsScope
    kms_key_arn: pulumi.Input[str]
    # TCP ports the private subnets' tasks reach the internet on, forwarded by a NAT instance.
    egress_ports: tuple[int, ...]


def _nth_sorted(index: int, ids: list[str]) -> str:
    return sorted(ids)[index]


def no_public_ip_auto_assign(
    args: pulumi.ResourceTransformArgs,
) -> pulumi.ResourceTransformResult | None:
    """awsx turns on auto-assigned public IPs in public subnets; nothing here needs them (the load
    balancer and NAT gateways bring their own addresses), and FSBP EC2.15 flags them."""
    if args.type_ != "aws:ec2/subnet:Subnet":
        return None
    return pulumi.ResourceTransformResult(props={**args.props, "mapPublicIpOnLaunch": False}, opts=args.opts)


class Network(pulumi.ComponentResource):
    """`tm:aws:Network`: an awsx VPC plus the pieces with security properties of their own.

    Subnets, route tables and NAT gateways come from awsx. The flow log, the closed default
    security group and the endpoints are plain pulumi_aws resources so tests and policies see them.
    """

    vpc: awsx.ec2.Vpc
    flow_log_group: aws.cloudwatch.LogGroup
    flow_log: aws.ec2.FlowLog
    default_security_group: aws.ec2.DefaultSecurityGroup
    s3_endpoint: aws.ec2.VpcEndpoint
    interface_endpoints: dict[str, aws.ec2.VpcEndpoint]
    nat_instance: aws.ec2.Instance | None
    vpc_id: pulumi.Output[str]
    cidr: str
    availability_zones: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    isolated_subnet_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:aws:Network", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        sizes = settings.subnet_prefix_lengths
        self.cidr = str(settings.cidr)

        zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOutputOptions(parent=self)
        )
        # awsx picks the first N available zones itself; expose the same names.
        self.availability_zones = zones.names.apply(lambda names: list(names[: settings.availability_zones]))

        self.vpc = awsx.ec2.Vpc(
            name,
            cidr_block=self.cidr,
            number_of_availability_zones=settings.availability_zones,
            subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
            subnet_specs=[
                awsx.ec2.SubnetSpecArgs(
                    type=awsx.ec2.SubnetType.PUBLIC, name="public", cidr_mask=sizes["public"]
                ),
                awsx.ec2.SubnetSpecArgs(
                    type=awsx.ec2.SubnetType.PRIVATE, name="private", cidr_mask=sizes["private"]
                ),
                awsx.ec2.SubnetSpecArgs(
                    type=awsx.ec2.SubnetType.ISOLATED, name="isolated", cidr_mask=sizes["isolated"]
                ),
            ],
            nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(
                strategy=_NAT_STRATEGIES[settings.nat_gateways]
            ),
            enable_dns_hostnames=True,
            enable_dns_support=True,
            opts=pulumi.ResourceOptions(parent=self, transforms=[no_public_ip_auto_assign]),
        )
        self.vpc_id = self.vpc.vpc_id
        self.public_subnet_ids = self.vpc.public_subnet_ids.apply(list)
        self.private_subnet_ids = self.vpc.private_subnet_ids.apply(list)
        self.isolated_subnet_ids = self.vpc.isolated_subnet_ids.apply(list)

        # FSBP EC2.2: the default security group admits and sends nothing.
        self.default_security_group = aws.ec2.DefaultSecurityGroup(
            name, vpc_id=self.vpc_id, ingress=[], egress=[], opts=child
        )

        # The private subnets' route tables, read once awsx has created all of them.
        private_route_table_ids = aws.ec2.get_route_tables_output(
            vpc_id=self.vpc_id,
            filters=[aws.ec2.GetRouteTablesFilterArgs(name="tag:SubnetType", values=["Private"])],
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[self.vpc]),
        ).ids

        self._flow_logs(name, args)
        self._endpoints(name, args, private_route_table_ids)
        self.nat_instance = (
            self._nat_instance(name, args, private_route_table_ids)
            if settings.nat_gateways == "instance"
            else None
        )

        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "availabilityZones": self.availability_zones,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "isolatedSubnetIds": self.isolated_subnet_ids,
            }
        )

    def _flow_logs(self, name: str, args: NetworkArgs) -> None:
        """FSBP EC2.6: every packet decision of the VPC, to an encrypted log group with retention."""
        child = pulumi.ResourceOptions(parent=self)
        self.flow_log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=f"/tasking-manager/{args.scope.stack}/vpc-flow-logs",
            retention_in_days=args.settings.flow_log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        region = args.scope.region
        trust = pulumi.Output.all(args.scope.account_id, args.scope.partition).apply(
            lambda ids: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            # Only flow logs of this account may assume the role (confused deputy).
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": ids[0]},
                                "ArnLike": {
                                    "aws:SourceArn": (f"arn:{ids[1]}:ec2:{region}:{ids[0]}:vpc-flow-log/*")
                                },
                            },
                        }
                    ],
                }
            )
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            description="Lets VPC flow logs write to the stack's flow-log group",
            assume_role_policy=trust,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=self.flow_log_group.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogStreams",
                                ],
                                "Resource": [arn, f"{arn}:*"],
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        self.flow_log = aws.ec2.FlowLog(
            name,
            vpc_id=self.vpc_id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=role.arn,
            opts=child,
        )

    def _endpoints(
        self, name: str, args: NetworkArgs, private_route_table_ids: pulumi.Output[list[str]]
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        # Free, and image layers pulled from ECR come from S3: keeps that traffic off the NAT bill.
        self.s3_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=self.vpc_id,
            service_name=f"com.amazonaws.{args.scope.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=private_route_table_ids,
            opts=child,
        )
        self.interface_endpoints = {}
        if not args.settings.interface_endpoints:
            return
        endpoint_sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            description="Interface endpoints: HTTPS from inside the VPC only",
            vpc_id=self.vpc_id,
            ingress=[self._tcp_from_the_vpc(443, "HTTPS from the VPC")],
            opts=child,
        )
        for service in args.settings.interface_endpoints:
            self.interface_endpoints[service] = aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}",
                vpc_id=self.vpc_id,
                service_name=f"com.amazonaws.{args.scope.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.private_subnet_ids,
                security_group_ids=[endpoint_sg.id],
                opts=child,
            )

    def _tcp_from_the_vpc(self, port: int, description: str) -> aws.ec2.SecurityGroupIngressArgs:
        return aws.ec2.SecurityGroupIngressArgs(
            description=description, protocol="tcp", from_port=port, to_port=port, cidr_blocks=[self.cidr]
        )

    def _nat_instance(
        self, name: str, args: NetworkArgs, private_route_table_ids: pulumi.Output[list[str]]
    ) -> aws.ec2.Instance:
        """One Graviton instance in the first public subnet that masquerades the private subnets'
        traffic on the tasks' ports: no key pair and no instance profile, so no way in; IMDSv2 only;
        its root volume under the stack's key. No failover: docs/architecture.md says what then."""
        child = pulumi.ResourceOptions(parent=self)
        group = aws.ec2.SecurityGroup(
            f"{name}-nat",
            description="NAT instance: the tasks' outbound ports, from inside the VPC to the internet",
            vpc_id=self.vpc_id,
            ingress=[
                self._tcp_from_the_vpc(
                    port, f"TCP {port} from the VPC's subnets (only the private ones route here)"
                )
                for port in args.egress_ports
            ],
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    description=f"TCP {port} to the internet (443 also its own package installs)",
                    protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_blocks=["0.0.0.0/0"],
                )
                for port in args.egress_ports
            ],
            opts=child,
        )
        image = aws.ssm.get_parameter_output(
            name=AL2023_ARM64_IMAGE, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        instance = aws.ec2.Instance(
            f"{name}-nat",
            ami=image.insecure_value,
            instance_type=args.settings.nat_instance_type,
            subnet_id=self.public_subnet_ids.apply(lambda ids: ids[0]),
            vpc_security_group_ids=[group.id],
            # Its public address is its way out (FSBP EC2.9's documented exception for NAT).
            associate_public_ip_address=True,
            source_dest_check=False,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                encrypted=True,
                kms_key_id=args.kms_key_arn,
                volume_type="gp3",
                volume_size=NAT_INSTANCE_ROOT_GB,
                delete_on_termination=True,
            ),
            # Standard credits: a burst beyond the baseline slows down instead of adding charges.
            credit_specification=aws.ec2.InstanceCreditSpecificationArgs(cpu_credits="standard"),
            user_data=NAT_INSTANCE_USER_DATA,
            user_data_replace_on_change=True,
            tags={"Name": f"tasking-manager-{args.scope.stack}-nat"},
            opts=child,
        )
        # One route per private table, in sorted order so each route keeps its table across deploys.
        for index in range(args.settings.availability_zones):
            aws.ec2.Route(
                f"{name}-private-{index + 1}-to-nat",
                route_table_id=private_route_table_ids.apply(functools.partial(_nth_sorted, index)),
                destination_cidr_block="0.0.0.0/0",
                network_interface_id=instance.primary_network_interface_id,
                opts=child,
            )
        return instance
