"""The Tasking Manager on AWS: settings -> provider -> key -> network -> database (more follow)."""

import pulumi

from components.database import Database, DatabaseArgs
from components.kms import StackKey, StackKeyArgs
from components.network import Network, NetworkArgs
from components.provider import aws_provider, aws_scope
from components.settings import BaseSettings, load_settings
from components.task_security_groups import TaskSecurityGroups, TaskSecurityGroupsArgs

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
    task_groups = TaskSecurityGroups(
        "tasks", TaskSecurityGroupsArgs(stack=settings.stack, vpc_id=network.vpc_id), in_account
    )
    database = Database(
        "database",
        DatabaseArgs(
            settings=settings.database,
            scope=scope,
            vpc_id=network.vpc_id,
            isolated_subnet_ids=network.isolated_subnet_ids,
            kms_key_arn=key.arn,
            client_security_group_ids=task_groups.ids,
        ),
        in_account,
    )
    pulumi.export("kmsKeyArn", key.arn)
    pulumi.export("vpcId", network.vpc_id)
    pulumi.export("vpcCidr", network.cidr)
    pulumi.export("availabilityZones", network.availability_zones)
    pulumi.export("publicSubnetIds", network.public_subnet_ids)
    pulumi.export("privateSubnetIds", network.private_subnet_ids)
    pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
    pulumi.export("databaseAddress", database.address)
    pulumi.export("databasePort", database.port)
    pulumi.export("databaseName", database.database_name)
    pulumi.export("databaseIdentifier", database.identifier)
    pulumi.export("databaseMasterSecretArn", database.master_secret_arn)
    pulumi.export("databaseSecurityGroupId", database.security_group_id)
