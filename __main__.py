"""The Tasking Manager on AWS: settings -> provider -> key -> network (more components follow)."""

import pulumi

from components.kms import StackKey, StackKeyArgs
from components.network import Network, NetworkArgs
from components.provider import aws_provider, aws_scope
from components.settings import BaseSettings, load_settings

settings = load_settings()  # fails here, before any resource, on a config mistake
provider = aws_provider(settings)
scope = aws_scope(settings, provider)
in_account = pulumi.ResourceOptions(providers=[provider])

pulumi.export("environment", settings.environment)
pulumi.export("region", settings.region)

if isinstance(settings, BaseSettings):
    key = StackKey("stack-key", StackKeyArgs(scope=scope), in_account)
    network = Network(
        "network",
        NetworkArgs(settings=settings.network, scope=scope, kms_key_arn=key.arn),
        in_account,
    )
    pulumi.export("kmsKeyArn", key.arn)
    pulumi.export("vpcId", network.vpc_id)
    pulumi.export("vpcCidr", network.cidr)
    pulumi.export("availabilityZones", network.availability_zones)
    pulumi.export("publicSubnetIds", network.public_subnet_ids)
    pulumi.export("privateSubnetIds", network.private_subnet_ids)
    pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
