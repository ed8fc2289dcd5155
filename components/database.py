"""PostgreSQL for the Tasking Manager, an RDS instance or an Aurora Serverless v2 cluster: private,
encrypted, TLS-only, backed up."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.app_spec import DatabaseSpec
from components.provider import AwsScope
from components.settings import DatabaseSettings
from components.trust import service_role_trust

# Not the engine's default `postgres` (FSBP RDS.25): a guessable admin name helps brute force.
MASTER_USERNAME = "tm_admin"
# The application's own login: created and kept in step by the migrate task, never the master.
APP_USERNAME = "tm_app"
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
AURORA_ENGINE = "aurora-postgresql"
# Aurora PostgreSQL exports `postgresql` (and `instance`, `iam-db-auth-error`); RDS adds `upgrade`.
LOG_EXPORTS = {"rds": ("postgresql", "upgrade"), "auroraServerless": ("postgresql",)}
# AWS-managed policies written for these service roles; their permissions track the services.
ENHANCED_MONITORING_POLICY = "arn:{partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
BACKUP_POLICIES = (
    "arn:{partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:{partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)


@dataclass(frozen=True)
class DatabaseArgs:
    # The application's database (components/app_spec.py): its name, port, engine version and how
    # long its backups are kept; the AWS-only facts (engine, instance class, windows...) in settings.
    spec: DatabaseSpec
    settings: DatabaseSettings
    scope: AwsScope
    vpc_id: pulumi.Input[str]
    isolated_subnet_ids: pulumi.Input[list[str]]
    # The zones of those subnets: an Aurora reader goes to a zone other than its writer's.
    availability_zones: pulumi.Input[list[str]]
    kms_key_arn: pulumi.Input[str]
    # Security groups admitted on the spec's port, by role name (api, cron, migrate).
    client_security_group_ids: Mapping[str, pulumi.Input[str]]


def parameters(settings: DatabaseSettings) -> dict[str, tuple[str, str]]:
    """Parameter name -> (value, apply method) of the instance's parameter group."""
    return {
        # FSBP RDS.38 / CKV2_AWS_69: refuse unencrypted connections.
        "rds.force_ssl": ("1", "immediate"),
        # Slow statements and lock waits go to the postgresql log, exported to CloudWatch.
        "log_min_duration_statement": (str(settings.slow_query_ms), "immediate"),
        "log_lock_waits": ("1", "immediate"),
        "log_connections": ("1", "immediate"),
        # Per-statement statistics for tuning; loading a library needs a restart.
        "shared_preload_libraries": ("pg_stat_statements", "pending-reboot"),
        "pg_stat_statements.track": ("top", "immediate"),
    }


def _aws_managed(template: str, partition: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(partition).apply(lambda value: template.format(partition=value))


def _zone(zones: pulumi.Input[list[str]], index: int) -> pulumi.Output[str]:
    """The index-th of the zones, round the list: one instance per zone."""
    return pulumi.Output.from_input(zones).apply(lambda names: names[index % len(names)])


class Database(pulumi.ComponentResource):
    """`tm:aws:Database`: the instance (or the Aurora cluster and its Serverless v2 instances), its
    network and parameters, its logs, and its backup plan."""

    security_group: aws.ec2.SecurityGroup
    ingress_rules: dict[str, aws.vpc.SecurityGroupIngressRule]
    subnet_group: aws.rds.SubnetGroup
    parameter_group: aws.rds.ParameterGroup | aws.rds.ClusterParameterGroup
    log_groups: dict[str, aws.cloudwatch.LogGroup]
    monitoring_role: aws.iam.Role
    # What AWS Backup selects and what is deleted with the stack: the instance or the cluster.
    database: aws.rds.Instance | aws.rds.Cluster
    # Aurora only: the writer, and a reader in another zone while multiAz is on.
    cluster_instances: list[aws.rds.ClusterInstance]
    # CloudWatch dimensions of the instance that serves the application (Aurora: the cluster's writer).
    metric_dimensions: dict[str, str]
    backup_vault: aws.backup.Vault
    backup_plan: aws.backup.Plan
    backup_selection: aws.backup.Selection
    identifier: str
    address: pulumi.Output[str]
    port: int
    database_name: str
    master_secret_arn: pulumi.Output[str]
    app_login_secret_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    @property
    def rds_instance(self) -> aws.rds.Instance | None:
        """The RDS instance (engine rds), which off-hours stops overnight; an Aurora Serverless
        cluster pauses by itself once nothing connects and resumes on the next connection."""
        return self.database if isinstance(self.database, aws.rds.Instance) else None

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:aws:Database", name, None, opts)
        settings, scope = args.settings, args.scope
        child = pulumi.ResourceOptions(parent=self)
        self.identifier = f"tasking-manager-{scope.stack}"
        self.database_name = args.spec.name
        self.port = args.spec.port

        self.security_group = aws.ec2.SecurityGroup(
            name,
            description="Tasking Manager database: PostgreSQL from the back-end tasks only",
            vpc_id=args.vpc_id,
            tags={"Name": f"{self.identifier}-db"},
            opts=child,
        )
        self.ingress_rules = {
            role: aws.vpc.SecurityGroupIngressRule(
                f"{name}-from-{role}",
                security_group_id=self.security_group.id,
                referenced_security_group_id=client,
                ip_protocol="tcp",
                from_port=self.port,
                to_port=self.port,
                description=f"PostgreSQL from the {role} tasks",
                opts=child,
            )
            for role, client in args.client_security_group_ids.items()
        }
        self.subnet_group = aws.rds.SubnetGroup(
            name,
            description="Isolated subnets: no route to or from the internet",
            subnet_ids=args.isolated_subnet_ids,
            opts=child,
        )
        aurora = settings.engine == "auroraServerless"
        # Aurora takes these in the cluster's parameter group; the same names and values apply.
        group, parameter = (
            (aws.rds.ClusterParameterGroup, aws.rds.ClusterParameterGroupParameterArgs)
            if aurora
            else (aws.rds.ParameterGroup, aws.rds.ParameterGroupParameterArgs)
        )
        self.parameter_group = group(
            name,
            family=settings.parameter_group_family,
            description=f"Tasking Manager {scope.stack}: TLS only, slow-query logging, pg_stat_statements",
            parameters=[
                parameter(name=key, value=value, apply_method=method)
                for key, (value, method) in parameters(settings).items()
            ],
            opts=child,
        )
        # RDS would create these on first export with no retention and no encryption.
        self.log_groups = {
            log: aws.cloudwatch.LogGroup(
                f"{name}-{log}",
                name=f"/aws/rds/{'cluster' if aurora else 'instance'}/{self.identifier}/{log}",
                retention_in_days=settings.log_retention_days,
                kms_key_id=args.kms_key_arn,
                opts=child,
            )
            for log in LOG_EXPORTS[settings.engine]
        }
        self.monitoring_role = aws.iam.Role(
            f"{name}-monitoring",
            description="RDS enhanced monitoring publishes OS metrics to CloudWatch Logs",
            assume_role_policy=pulumi.Output.from_input(scope.account_id).apply(
                lambda account: service_role_trust("monitoring.rds.amazonaws.com", account)
            ),
            opts=child,
        )
        monitoring_policy = aws.iam.RolePolicyAttachment(
            f"{name}-monitoring",
            role=self.monitoring_role.name,
            policy_arn=_aws_managed(ENHANCED_MONITORING_POLICY, scope.partition),
            opts=child,
        )

        created_after = [*self.log_groups.values(), monitoring_policy]
        if aurora:
            self._cluster(name, args, created_after)
        else:
            self._instance(name, args, created_after)
        self.security_group_id = self.security_group.id

        self._app_login(name, args)
        self._backups(name, args)
        self.register_outputs(
            {
                "address": self.address,
                "port": self.port,
                "databaseName": self.database_name,
                "masterSecretArn": self.master_secret_arn,
                "appLoginSecretArn": self.app_login_secret_arn,
                "securityGroupId": self.security_group_id,
                "identifier": self.identifier,
            }
        )

    def _stored(self, args: DatabaseArgs) -> dict[str, Any]:
        """What the instance and the cluster both set, under the same names: the engine version,
        the master login RDS keeps in Secrets Manager under the stack key (it never appears in
        Pulumi's config or state), encryption, the isolated network, backups, protection, logs."""
        settings, spec = args.settings, args.spec
        return {
            "engine_version": spec.engine_version,
            "port": spec.port,
            "manage_master_user_password": True,
            "master_user_secret_kms_key_id": args.kms_key_arn,
            "iam_database_authentication_enabled": True,
            "storage_encrypted": True,
            "kms_key_id": args.kms_key_arn,
            "db_subnet_group_name": self.subnet_group.name,
            "vpc_security_group_ids": [self.security_group.id],
            "allow_major_version_upgrade": False,
            "backup_retention_period": spec.backup_retention_days,
            "copy_tags_to_snapshot": True,
            "deletion_protection": settings.deletion_protection,
            "skip_final_snapshot": not settings.final_snapshot,
            "final_snapshot_identifier": f"{self.identifier}-final" if settings.final_snapshot else None,
            "delete_automated_backups": not settings.final_snapshot,
            "enabled_cloudwatch_logs_exports": list(self.log_groups),
        }

    def _compute(self, args: DatabaseArgs) -> dict[str, Any]:
        """What the instance and each cluster instance both set: private, patched, current CA,
        Performance Insights under the stack key, enhanced monitoring."""
        settings = args.settings
        return {
            "publicly_accessible": False,
            "ca_cert_identifier": CA_CERTIFICATE,
            "auto_minor_version_upgrade": True,
            "performance_insights_enabled": True,
            "performance_insights_kms_key_id": args.kms_key_arn,
            "performance_insights_retention_period": settings.performance_insights_retention_days,
            "monitoring_interval": settings.monitoring_interval_seconds,
            "monitoring_role_arn": self.monitoring_role.arn,
        }

    def _instance(self, name: str, args: DatabaseArgs, created_after: list[pulumi.Resource]) -> None:
        """An RDS for PostgreSQL instance on gp3 storage, Multi-AZ where the settings say."""
        settings = args.settings
        instance = aws.rds.Instance(
            name,
            identifier=self.identifier,
            engine="postgres",
            instance_class=settings.instance_class,
            db_name=args.spec.name,
            username=MASTER_USERNAME,
            storage_type="gp3",
            allocated_storage=settings.allocated_storage_gb,
            max_allocated_storage=settings.max_allocated_storage_gb,
            multi_az=settings.multi_az,
            parameter_group_name=self.parameter_group.name,
            backup_window=settings.backup_window,
            maintenance_window=settings.maintenance_window,
            **self._stored(args),
            **self._compute(args),
            opts=pulumi.ResourceOptions(parent=self, depends_on=created_after),
        )
        self.database = instance
        self.cluster_instances = []
        self.metric_dimensions = {"DBInstanceIdentifier": self.identifier}
        self.address = instance.address
        self.master_secret_arn = instance.master_user_secrets.apply(lambda secrets: secrets[0].secret_arn)

    def _cluster(self, name: str, args: DatabaseArgs, created_after: list[pulumi.Resource]) -> None:
        """An Aurora PostgreSQL cluster of Serverless v2 instances, with the instance's promises."""
        settings = args.settings
        capacity = settings.serverless
        cluster = aws.rds.Cluster(
            name,
            cluster_identifier=self.identifier,
            engine=AURORA_ENGINE,
            engine_mode="provisioned",  # Serverless v2 instances live in provisioned clusters
            database_name=args.spec.name,
            master_username=MASTER_USERNAME,
            db_cluster_parameter_group_name=self.parameter_group.name,
            serverlessv2_scaling_configuration=aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
                min_capacity=capacity.min_capacity,
                max_capacity=capacity.max_capacity,
                # Only a minimum of 0 pauses; unset, AWS waits 300 seconds.
                seconds_until_auto_pause=capacity.seconds_until_auto_pause,
            ),
            preferred_backup_window=settings.backup_window,
            preferred_maintenance_window=settings.maintenance_window,
            auto_minor_version_upgrade=True,  # FSBP RDS.35: the cluster's own, besides its instances'
            **self._stored(args),
            opts=pulumi.ResourceOptions(parent=self, depends_on=created_after),
        )
        # The writer, and with multiAz a reader in another zone that takes over when the writer's
        # zone fails (promotion tier 0 scales with the writer, so it can carry the load at once).
        self.cluster_instances = [
            aws.rds.ClusterInstance(
                f"{name}-{index + 1}",
                identifier=f"{self.identifier}-{index + 1}",
                cluster_identifier=cluster.id,
                engine=AURORA_ENGINE,  # its version is the cluster's
                instance_class="db.serverless",
                db_subnet_group_name=self.subnet_group.name,
                availability_zone=_zone(args.availability_zones, index),
                promotion_tier=0,
                copy_tags_to_snapshot=True,
                **self._compute(args),
                opts=pulumi.ResourceOptions(parent=self, depends_on=created_after),
            )
            for index in range(2 if settings.multi_az else 1)
        ]
        self.database = cluster
        self.metric_dimensions = {"DBClusterIdentifier": self.identifier, "Role": "WRITER"}
        self.address = cluster.endpoint
        self.master_secret_arn = cluster.master_user_secrets.apply(lambda secrets: secrets[0].secret_arn)

    def _app_login(self, name: str, args: DatabaseArgs) -> None:
        """The login the API and cron use. Letters and digits only: the application puts the
        password into a URL without escaping it. RDS rotates the master password weekly, which
        running tasks would not notice; this one changes only when an operator rotates it
        (docs/operations/deploy.md), and the migrate task sets it in the database."""
        child = pulumi.ResourceOptions(parent=self)
        password = random.RandomPassword(f"{name}-app-login", length=40, special=False, opts=child)
        secret = aws.secretsmanager.Secret(
            f"{name}-app-login",
            name=f"tasking-manager/{args.scope.stack}/database-app-login",
            description=f"The application's database login {APP_USERNAME} (not the master user)",
            kms_key_id=args.kms_key_arn,
            recovery_window_in_days=7,
            opts=child,
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-app-login",
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(password.result).apply(
                lambda value: json.dumps({"username": APP_USERNAME, "password": value})
            ),
            opts=child,
        )
        self.app_login_secret_arn = secret.arn

    def _backups(self, name: str, args: DatabaseArgs) -> None:
        """AWS Backup recovery points, independent of the instance's own automated backups: they
        survive the instance's deletion and replace HOT's scripted snapshot-before-deploy."""
        child = pulumi.ResourceOptions(parent=self)
        plan = args.settings.backup_plan
        self.backup_vault = aws.backup.Vault(
            name,
            name=self.identifier,
            kms_key_arn=args.kms_key_arn,
            opts=child,
        )
        # (name, schedule, days kept, hours allowed to finish); 05:00 UTC, after the backup window.
        schedules = [("daily", "cron(0 5 * * ? *)", plan.daily_retention_days, 3)]
        if plan.monthly_retention_days:
            schedules.append(("monthly", "cron(0 5 1 * ? *)", plan.monthly_retention_days, 6))
        rules = [
            aws.backup.PlanRuleArgs(
                rule_name=rule_name,
                target_vault_name=self.backup_vault.name,
                schedule=schedule,
                start_window=60,
                completion_window=hours * 60,
                lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=days),
            )
            for rule_name, schedule, days, hours in schedules
        ]
        self.backup_plan = aws.backup.Plan(name, name=self.identifier, rules=rules, opts=child)
        role = aws.iam.Role(
            f"{name}-backup",
            description="AWS Backup takes and restores the database's recovery points",
            assume_role_policy=pulumi.Output.from_input(args.scope.account_id).apply(
                lambda account: service_role_trust("backup.amazonaws.com", account)
            ),
            opts=child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-backup-{index}",
                role=role.name,
                policy_arn=_aws_managed(arn, args.scope.partition),
                opts=child,
            )
            for index, arn in enumerate(BACKUP_POLICIES)
        ]
        self.backup_selection = aws.backup.Selection(
            name,
            name=self.identifier,
            plan_id=self.backup_plan.id,
            iam_role_arn=role.arn,
            resources=[self.database.arn],
            opts=pulumi.ResourceOptions(parent=self, depends_on=attachments),
        )
