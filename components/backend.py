"""The back end on ECS Fargate: the API service, the cron worker and the migration task, realising
the processes, replica ranges and scaling targets of the application spec (components/app_spec.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.app_spec import AppSpec, Process, SecretStore
from components.backend_tasks import (
    ContainerRuntime,
    app_container,
    collector_environment,
    ecs_tasks_trust,
    execution_role_policy_json,
    runtime_platform,
    secret_sources,
    service_scalable_target,
    sidecar_container,
    task_role_policy,
    task_volumes,
)
from components.provider import AwsScope
from components.settings import Capacity, EcsSettings

# Capacity provider strategies: prod on demand; dev one on-demand task then Spot; review all Spot.
# Time a new API task has to pass its first health checks before ECS counts failures.
HEALTH_CHECK_GRACE_SECONDS = 90
CAPACITY_STRATEGIES: dict[Capacity, list[dict[str, Any]]] = {
    "onDemand": [{"capacity_provider": "FARGATE", "weight": 1, "base": 0}],
    "mostlySpot": [
        {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
        {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 0},
    ],
    "spot": [{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}],
}


@dataclass(frozen=True)
class BackendArgs:
    scope: AwsScope
    # The processes (api, cron, migrate), their environment, the API's replica range and scaling
    # targets, the database's name and port; the AWS-only facts are in `ecs`.
    spec: AppSpec
    ecs: EcsSettings
    image: pulumi.Input[str]
    repository_arn: pulumi.Input[str] | None
    private_subnet_ids: pulumi.Input[Sequence[str]]
    # Security group per task role (api, cron, migrate), and the database's.
    task_security_group_ids: Mapping[str, pulumi.Input[str]]
    database_security_group_id: pulumi.Input[str]
    database_address: pulumi.Input[str]
    # The application's own login (api, cron, and Alembic in the migrate task) and the master login
    # (read only by the migrate task, which prepares the database).
    database_login_secret_arn: pulumi.Input[str]
    database_admin_secret_arn: pulumi.Input[str]
    app_secret_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    target_group_arn: pulumi.Input[str]
    # `app/<lb>/<id>/targetgroup/<tg>/<id>`, for scaling on requests per target.
    request_count_label: pulumi.Input[str]
    # CloudWatch alarms that roll an API deployment back when they fire (observability makes them).
    deployment_alarm_names: Sequence[str] = ()
    # Where the API runs under `openTelemetry`: the collector beside it (components/telemetry.py)
    # and the log group its metrics go to, which the API's task role may write.
    collector: Mapping[str, Any] | None = None
    metrics_log_group_arn: pulumi.Input[str] | None = None
    # Whether off-hours schedules (components/off_hours.py) scale the services to zero at night.
    sleeps: bool = False


class Backend(pulumi.ComponentResource):
    """`tm:aws:Backend`: cluster, roles, three task definitions, two services, API autoscaling."""

    cluster: aws.ecs.Cluster
    capacity_providers: aws.ecs.ClusterCapacityProviders
    log_group: aws.cloudwatch.LogGroup
    execution_role: aws.iam.Role
    migrate_execution_role: aws.iam.Role
    api_task_role: aws.iam.Role
    worker_task_role: aws.iam.Role
    task_definitions: dict[str, aws.ecs.TaskDefinition]
    api_service: aws.ecs.Service
    cron_service: aws.ecs.Service
    scaling_target: aws.appautoscaling.Target
    # Only in a stack that sleeps: the schedules scale the cron worker through it.
    cron_scaling_target: aws.appautoscaling.Target | None
    scaling_policies: dict[str, aws.appautoscaling.Policy]

    def __init__(self, name: str, args: BackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:aws:Backend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        scope = args.scope
        self.log_group = aws.cloudwatch.LogGroup(
            name,
            name=f"/tasking-manager/{scope.stack}/backend",
            retention_in_days=args.ecs.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        self._cluster(name, args)
        self._egress(name, args)
        self._roles(name, args)
        self._task_definitions(name, args)
        self._services(name, args)
        self._autoscaling(name, args)
        self.register_outputs(
            {
                "clusterName": self.cluster.name,
                "migrateTaskDefinitionArn": self.task_definitions["migrate"].arn,
                "apiServiceName": self.api_service.name,
            }
        )

    def _cluster(self, name: str, args: BackendArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        exec_configuration = None
        if args.ecs.execute_command:
            # ECS Exec sessions are encrypted with the stack key and every command is logged.
            exec_logs = aws.cloudwatch.LogGroup(
                f"{name}-exec",
                name=f"/tasking-manager/{args.scope.stack}/ecs-exec",
                retention_in_days=args.ecs.log_retention_days,
                kms_key_id=args.kms_key_arn,
                opts=child,
            )
            exec_configuration = aws.ecs.ClusterConfigurationArgs(
                execute_command_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationArgs(
                    kms_key_id=args.kms_key_arn,
                    logging="OVERRIDE",
                    log_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs(
                        cloud_watch_log_group_name=exec_logs.name, cloud_watch_encryption_enabled=True
                    ),
                )
            )
        self.cluster = aws.ecs.Cluster(
            name,
            name=f"tasking-manager-{args.scope.stack}",
            settings=[
                aws.ecs.ClusterSettingArgs(name="containerInsights", value=args.ecs.container_insights)
            ],
            configuration=exec_configuration,
            opts=child,
        )
        self.capacity_providers = aws.ecs.ClusterCapacityProviders(
            name,
            cluster_name=self.cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(**strategy)
                for strategy in CAPACITY_STRATEGIES[args.ecs.capacity]
            ],
            opts=child,
        )

    def _egress(self, name: str, args: BackendArgs) -> None:
        """Every task role may reach the database and HTTPS (AWS APIs, openstreetmap.org, Sentry);
        the API and cron also SMTP for notification mail."""
        child = pulumi.ResourceOptions(parent=self)
        for role, group_id in args.task_security_group_ids.items():
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-{role}-to-database",
                security_group_id=group_id,
                referenced_security_group_id=args.database_security_group_id,
                ip_protocol="tcp",
                from_port=args.spec.database.port,
                to_port=args.spec.database.port,
                description="PostgreSQL",
                opts=child,
            )
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-{role}-to-https",
                security_group_id=group_id,
                cidr_ipv4="0.0.0.0/0",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                description="HTTPS: AWS APIs, OpenStreetMap, error reporting",
                opts=child,
            )
            if role != "migrate":
                aws.vpc.SecurityGroupEgressRule(
                    f"{name}-{role}-to-smtp",
                    security_group_id=group_id,
                    cidr_ipv4="0.0.0.0/0",
                    ip_protocol="tcp",
                    from_port=args.spec.app.smtp.port,
                    to_port=args.spec.app.smtp.port,
                    description="SMTP submission for notification mail",
                    opts=child,
                )

    def _roles(self, name: str, args: BackendArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        scope = args.scope
        trust = pulumi.Output.all(scope.account_id, scope.partition).apply(
            lambda ids: json.dumps(ecs_tasks_trust(ids[0], scope.region, ids[1]))
        )
        # Two execution roles: only the migrate task's may read the master login.
        logins = {
            "execution": ("ECS starts the API and cron tasks: image pull, logs, their secrets", []),
            "migrate-execution": (
                "ECS starts the migrate task: image pull, logs, its secrets and the master login",
                [args.database_admin_secret_arn],
            ),
        }
        execution_roles = {}
        for label, (description, extra_secrets) in logins.items():
            role = aws.iam.Role(
                f"{name}-{label}", description=description, assume_role_policy=trust, opts=child
            )
            aws.iam.RolePolicy(
                f"{name}-{label}",
                role=role.id,
                policy=execution_role_policy_json(
                    args.repository_arn,
                    self.log_group.arn,
                    args.kms_key_arn,
                    [args.app_secret_arn, args.database_login_secret_arn, *extra_secrets],
                    region=args.scope.region,
                    partition=args.scope.partition,
                ),
                opts=child,
            )
            execution_roles[label] = role
        self.execution_role = execution_roles["execution"]
        self.migrate_execution_role = execution_roles["migrate-execution"]
        self.api_task_role = aws.iam.Role(
            f"{name}-api-task",
            description="The running API",
            assume_role_policy=trust,
            opts=child,
        )
        self.worker_task_role = aws.iam.Role(
            f"{name}-worker-task",
            description="The running cron worker and migration task",
            assume_role_policy=trust,
            opts=child,
        )
        # A task role holds a policy only for the collector's traces and metrics (API) or ECS Exec;
        # otherwise it exists only to keep the tasks' identity apart from their execution roles.
        roles = (
            ("api", self.api_task_role, args.metrics_log_group_arn),
            ("worker", self.worker_task_role, None),
        )
        for label, role, metrics_log_group_arn in roles:
            if metrics_log_group_arn is None and not args.ecs.execute_command:
                continue
            aws.iam.RolePolicy(
                f"{name}-{label}-task",
                role=role.id,
                policy=pulumi.Output.all(args.kms_key_arn, metrics_log_group_arn).apply(
                    lambda values: json.dumps(
                        task_role_policy(
                            metrics_log_group_arn=values[1],
                            execute_command=args.ecs.execute_command,
                            kms_key_arn=values[0],
                        )
                    )
                ),
                opts=child,
            )

    def _task_definitions(self, name: str, args: BackendArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        scope, spec = args.scope, args.spec

        def containers(process: Process) -> pulumi.Output[str]:
            def render(values: list[Any]) -> str:
                image, log_group, address, app_secret_arn, login_secret_arn, admin_secret_arn = values
                stores: dict[SecretStore, str] = {
                    "app": app_secret_arn,
                    "login": login_secret_arn,
                    "admin": admin_secret_arn,
                }
                runtime = ContainerRuntime(
                    image=image,
                    log_group=log_group,
                    region=scope.region,
                    environment=spec.process_environment(process, address)
                    | collector_environment(process.apm, scope.stack),
                    secrets=secret_sources(process.secrets, stores),
                )
                container = app_container(process, runtime, execute_command=args.ecs.execute_command)
                if process.apm != "openTelemetry":
                    return json.dumps([container])
                assert args.collector is not None, "openTelemetry needs the collector beside the API"
                # The collector listens before the application's first export.
                container["dependsOn"] = [{"containerName": args.collector["name"], "condition": "START"}]
                return json.dumps([container, sidecar_container(args.collector, runtime)])

            return pulumi.Output.all(
                args.image,
                self.log_group.name,
                args.database_address,
                args.app_secret_arn,
                args.database_login_secret_arn,
                args.database_admin_secret_arn,
            ).apply(render)

        roles = {
            "api": (spec.api.process, self.api_task_role, self.execution_role),
            "cron": (spec.scheduler.process, self.worker_task_role, self.execution_role),
            "migrate": (spec.migration.process, self.worker_task_role, self.migrate_execution_role),
        }
        self.task_definitions = {
            role: aws.ecs.TaskDefinition(
                f"{name}-{role}",
                family=f"tasking-manager-{scope.stack}-{role}",
                requires_compatibilities=["FARGATE"],
                network_mode="awsvpc",
                cpu=str(process.size.cpu),
                memory=str(process.size.memory_mib),
                runtime_platform=runtime_platform(args.ecs.cpu_architecture),
                execution_role_arn=execution_role.arn,
                task_role_arn=task_role.arn,
                container_definitions=containers(process),
                volumes=task_volumes(process, args.ecs.execute_command),
                opts=child,
            )
            for role, (process, task_role, execution_role) in roles.items()
        }

    def _network(self, args: BackendArgs, role: str) -> aws.ecs.ServiceNetworkConfigurationArgs:
        return aws.ecs.ServiceNetworkConfigurationArgs(
            subnets=args.private_subnet_ids,
            security_groups=[args.task_security_group_ids[role]],
            assign_public_ip=False,
        )

    def _services(self, name: str, args: BackendArgs) -> None:
        strategies = [
            aws.ecs.ServiceCapacityProviderStrategyArgs(**strategy)
            for strategy in CAPACITY_STRATEGIES[args.ecs.capacity]
        ]
        api, scheduler = args.spec.api, args.spec.scheduler
        self.api_service = aws.ecs.Service(
            f"{name}-api",
            cluster=self.cluster.arn,
            task_definition=self.task_definitions["api"].arn,
            # The starting count; autoscaling owns it afterwards.
            desired_count=api.min_replicas,
            capacity_provider_strategies=strategies,
            platform_version="LATEST",
            network_configuration=self._network(args, "api"),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=args.target_group_arn,
                    container_name=api.process.name,
                    container_port=api.port,
                )
            ],
            health_check_grace_period_seconds=HEALTH_CHECK_GRACE_SECONDS,
            deployment_minimum_healthy_percent=api.min_available_during_rollout_percent,
            deployment_maximum_percent=200,
            # Tasks that never become healthy stop the rollout (circuit breaker); tasks that are
            # healthy but serve errors stop it too (alarms). Either way ECS rolls back, and
            # `pulumi up`, waiting for a steady state, fails instead of reporting success.
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            alarms=aws.ecs.ServiceAlarmsArgs(
                alarm_names=list(args.deployment_alarm_names), enable=True, rollback=True
            )
            if args.deployment_alarm_names
            else None,
            wait_for_steady_state=True,
            enable_execute_command=args.ecs.execute_command,
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            # A service may name only capacity providers already associated with its cluster.
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=["desiredCount"], depends_on=[self.capacity_providers]
            ),
        )
        # The scheduler must run exactly once: its one task, and as it may not overlap, a rollout
        # stops the old task before it starts the new one (0 % minimum healthy, 100 % maximum).
        self.cron_service = aws.ecs.Service(
            f"{name}-cron",
            cluster=self.cluster.arn,
            task_definition=self.task_definitions["cron"].arn,
            desired_count=scheduler.replicas,
            capacity_provider_strategies=strategies,
            platform_version="LATEST",
            network_configuration=self._network(args, "cron"),
            deployment_minimum_healthy_percent=100 if scheduler.overlap_during_rollout else 0,
            deployment_maximum_percent=200 if scheduler.overlap_during_rollout else 100,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            wait_for_steady_state=True,
            enable_execute_command=args.ecs.execute_command,
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            # In a stack that sleeps its scalable target owns the count (0 at night).
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[self.capacity_providers],
                ignore_changes=["desiredCount"] if args.sleeps else None,
            ),
        )

    def _autoscaling(self, name: str, args: BackendArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        api, scheduler = args.spec.api, args.spec.scheduler
        # Where schedules change a target's range, `pulumi up` and the drift check's refresh must
        # not undo or report it: the wake action carries the settings' range instead.
        scheduled = pulumi.ResourceOptions(
            parent=self, ignore_changes=["minCapacity", "maxCapacity"] if args.sleeps else None
        )
        self.scaling_target = service_scalable_target(
            f"{name}-api", self.cluster.name, self.api_service, api.min_replicas, api.max_replicas, scheduled
        )
        # The cron worker: one task by day, none at night, never two (maximum 1).
        self.cron_scaling_target = (
            service_scalable_target(
                f"{name}-cron",
                self.cluster.name,
                self.cron_service,
                scheduler.replicas,
                scheduler.replicas,
                scheduled,
            )
            if args.sleeps
            else None
        )
        targets: dict[str, tuple[str, float, pulumi.Input[str] | None]] = {
            "cpu": ("ECSServiceAverageCPUUtilization", api.cpu_target_percent, None),
            "memory": ("ECSServiceAverageMemoryUtilization", api.memory_target_percent, None),
            "requests": ("ALBRequestCountPerTarget", api.requests_per_replica, args.request_count_label),
        }
        self.scaling_policies = {
            metric: aws.appautoscaling.Policy(
                f"{name}-api-{metric}",
                policy_type="TargetTrackingScaling",
                service_namespace=self.scaling_target.service_namespace,
                scalable_dimension=self.scaling_target.scalable_dimension,
                resource_id=self.scaling_target.resource_id,
                target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    target_value=target,
                    predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type=metric_type, resource_label=label
                    ),
                    # Out quickly, in slowly: a burst of mappers should not flap the service.
                    scale_out_cooldown=60,
                    scale_in_cooldown=300,
                ),
                opts=child,
            )
            for metric, (metric_type, target, label) in targets.items()
        }
