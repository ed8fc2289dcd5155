"""The stack's VPC: public, private and isolated subnet tiers, NAT, endpoints and flow logs."""

from __future__ import annotations

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
}


@dataclass(frozen=True)
class NetworkArgs:
    settings: NetworkSettings
    scope: AwsScope
    kms_key_arn: pulumi.Input[str]


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

        self._flow_logs(name, args)
        self._endpoints(name, args)

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

    def _endpoints(self, name: str, args: NetworkArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        # The private subnets' route tables, read once awsx has created all of them.
        private_route_tables = aws.ec2.get_route_tables_output(
            vpc_id=self.vpc_id,
            filters=[aws.ec2.GetRouteTablesFilterArgs(name="tag:SubnetType", values=["Private"])],
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[self.vpc]),
        )
        # Free, and image layers pulled from ECR come from S3: keeps that traffic off the NAT bill.
        self.s3_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=self.vpc_id,
            service_name=f"com.amazonaws.{args.scope.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=private_route_tables.ids,
            opts=child,
        )
        self.interface_endpoints = {}
        if not args.settings.interface_endpoints:
            return
        endpoint_sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            description="Interface endpoints: HTTPS from inside the VPC only",
            vpc_id=self.vpc_id,
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    description="HTTPS from the VPC",
                    protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_blocks=[self.cidr],
                )
            ],
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
