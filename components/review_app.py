"""A review app: one pull request's Tasking Manager, a thin layer on the dev stack."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.app_spec import HostsSpec, Process, ReviewSpec, SecretStore
from components.backend_tasks import (
    ContainerRuntime,
    app_container,
    ecs_tasks_trust,
    execution_role_policy_json,
    runtime_platform,
    secret_sources,
    service_scalable_target,
    target_group_health_check,
    task_volumes,
)
from components.frontend import review_slot_branch
from components.provider import AwsScope
from components.settings import ReviewAppSettings

# Listener-rule priorities: the base's own rules stay below 1000; review apps take 1000..49999
# (the ALB allows 1..50000), so any two pull requests fewer than 49,000 numbers apart never clash.
REVIEW_PRIORITY_BASE = 1000
REVIEW_PRIORITY_SPAN = 49_000


def listener_priority(pull_request: int) -> int:
    if pull_request < 1:
        raise ValueError(f"a pull request number is positive, not {pull_request}")
    return REVIEW_PRIORITY_BASE + pull_request % REVIEW_PRIORITY_SPAN


def database_password(key: str, name: str) -> str:
    """HMAC-SHA256 of the name under the review database key, hex: what the admin task sets with
    PostgreSQL's `encode(hmac(name, key, 'sha256'), 'hex')`."""
    return hmac.new(key.encode(), name.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ReviewBaseOutputs:
    """What the base stack (dev) exports for review apps; read through a StackReference."""

    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[list[str]]
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    https_listener_arn: pulumi.Input[str]
    api_security_group_id: pulumi.Input[str]
    migrate_security_group_id: pulumi.Input[str]
    ecr_repository_url: pulumi.Input[str]
    ecr_repository_arn: pulumi.Input[str]
    app_secret_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    database_address: pulumi.Input[str]
    database_port: pulumi.Input[int]
    review_host: pulumi.Input[str]
    # Dev's review database key lives in Secrets Manager; the review stack reads it at deploy time
    # (never through a stack output) to derive its own login's password.
    review_database_key_secret_arn: pulumi.Input[str]
    # The base's app of review front ends; slot k serves at https://slot-<k>.<its default domain>.
    review_frontend_app_id: pulumi.Input[str]
    review_frontend_domain: pulumi.Input[str]
    osm_server_url: pulumi.Input[str]


@dataclass(frozen=True)
class ReviewAppArgs:
    # The review app's spec (components/app_spec.py): its API and migration processes, its one
    # replica, its database's name and its environment; the AWS-only facts in settings.
    spec: ReviewSpec
    settings: ReviewAppSettings
    scope: AwsScope
    # The review slot CI claimed: the front-end host registered with OSM that this app answers to.
    slot: int
    base: ReviewBaseOutputs
    # Whether off-hours schedules (components/off_hours.py) scale its task to zero at night.
    sleeps: bool = False


class ReviewApp(pulumi.ComponentResource):
    """`tm:aws:ReviewApp`: a target group and host rule on the base's HTTPS listener, the `api` and
    `migrate` task definitions of the PR's image, one Spot task, a short-lived log group and the
    secret of its own database login. Its front end is the base's review slot `slot-<k>`, which CI
    deploys to; the API is told that host (redirect URI, CORS, links).

    Nothing here can block its own deletion: no protection, no snapshots, no retained resources.
    """

    api_url: pulumi.Output[str]
    frontend_url: pulumi.Output[str]
    frontend_branch: str
    target_group: aws.lb.TargetGroup
    listener_rule: aws.lb.ListenerRule
    task_definitions: dict[str, aws.ecs.TaskDefinition]
    service: aws.ecs.Service
    # Only when it sleeps: the schedules scale its one task through it.
    scaling_target: aws.appautoscaling.Target | None
    log_group: aws.cloudwatch.LogGroup
    database_secret: aws.secretsmanager.Secret

    def __init__(self, name: str, args: ReviewAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:aws:ReviewApp", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        scope, base, spec = args.scope, args.base, args.spec
        api_host = pulumi.Output.concat("pr-", str(spec.pull_request), ".", base.review_host)
        self.api_url = pulumi.Output.concat("https://", api_host)

        self.log_group = aws.cloudwatch.LogGroup(
            name,
            name=f"/tasking-manager/{scope.stack}/backend",
            retention_in_days=args.settings.log_retention_days,
            kms_key_id=base.kms_key_arn,
            opts=child,
        )
        self._database_secret(name, args)
        self.frontend_branch = review_slot_branch(args.slot)
        frontend_host = pulumi.Output.concat(self.frontend_branch, ".", base.review_frontend_domain)
        self.frontend_url = pulumi.Output.concat("https://", frontend_host)
        self._routing(name, args, api_host)
        self._tasks(name, args, pulumi.Output.all(frontend_host, api_host))
        self.service = aws.ecs.Service(
            f"{name}-api",
            cluster=base.cluster_arn,
            task_definition=self.task_definitions["api"].arn,
            desired_count=spec.replicas,
            capacity_provider_strategies=[
                aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE_SPOT", weight=1)
            ],
            platform_version="LATEST",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=base.private_subnet_ids,
                security_groups=[base.api_security_group_id],
                assign_public_ip=False,
            ),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=self.target_group.arn,
                    container_name=spec.api.name,
                    container_port=spec.api.serving()[0],
                )
            ],
            # The first task starts while the workflow runs the migrations, and its heartbeat reads
            # a table they create; the workflow replaces a task that gave up before they were done.
            health_check_grace_period_seconds=120,
            # One task: replace it rather than run two. A bad image rolls back.
            deployment_minimum_healthy_percent=spec.min_available_during_rollout_percent,
            deployment_maximum_percent=100,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            propagate_tags="SERVICE",
            # When it sleeps its scalable target owns the count (0 at night).
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[self.listener_rule],
                ignore_changes=["desiredCount"] if args.sleeps else None,
            ),
        )
        # One task by day, none at night; `pulumi up` and refreshes leave the range to the schedules.
        self.scaling_target = (
            service_scalable_target(
                f"{name}-api",
                base.cluster_name,
                self.service,
                spec.replicas,
                spec.replicas,
                pulumi.ResourceOptions(parent=self, ignore_changes=["minCapacity", "maxCapacity"]),
            )
            if args.sleeps
            else None
        )
        self.register_outputs({"apiUrl": self.api_url, "frontendUrl": self.frontend_url})

    def _database_secret(self, name: str, args: ReviewAppArgs) -> None:
        """The review app's own login: the stack derives the password it will have; the base's
        admin task sets it. The dev master login never reaches this stack or its tasks."""
        database = args.spec.database_name
        key = aws.secretsmanager.get_secret_version_output(
            secret_id=args.base.review_database_key_secret_arn, opts=pulumi.InvokeOutputOptions(parent=self)
        ).secret_string
        self.database_secret = aws.secretsmanager.Secret(
            f"{name}-database",
            name=f"tasking-manager/{args.scope.stack}/database",
            description=f"Login of the review app's own database {database}",
            kms_key_id=args.base.kms_key_arn,
            recovery_window_in_days=0,  # gone with the stack, so a reopened PR can recreate it
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-database",
            secret_id=self.database_secret.id,
            secret_string=pulumi.Output.secret(key).apply(
                lambda key: json.dumps({"username": database, "password": database_password(key, database)})
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _routing(self, name: str, args: ReviewAppArgs, api_host: pulumi.Output[str]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        port, health_path = args.spec.api.serving()
        self.target_group = aws.lb.TargetGroup(
            name,
            target_type="ip",
            protocol="HTTP",
            port=port,
            vpc_id=args.base.vpc_id,
            deregistration_delay=5,
            health_check=target_group_health_check(health_path),
            opts=child,
        )
        self.listener_rule = aws.lb.ListenerRule(
            name,
            listener_arn=args.base.https_listener_arn,
            priority=listener_priority(args.spec.pull_request),
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=[api_host])
                )
            ],
            actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=self.target_group.arn)],
            opts=child,
        )

    def _tasks(self, name: str, args: ReviewAppArgs, hosts: pulumi.Output[list[str]]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        scope, base, settings, spec = args.scope, args.base, args.settings, args.spec
        trust = pulumi.Output.all(scope.account_id, scope.partition).apply(
            lambda ids: json.dumps(ecs_tasks_trust(ids[0], scope.region, ids[1]))
        )
        boundary = pulumi.Output.all(scope.partition, scope.account_id).apply(
            lambda ids: f"arn:{ids[0]}:iam::{ids[1]}:policy/{settings.permissions_boundary}"
        )
        execution_role = aws.iam.Role(
            f"{name}-execution",
            description="Starts the review app's tasks: the PR image, logs, its own login, dev's app secrets",
            assume_role_policy=trust,
            permissions_boundary=boundary,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-execution",
            role=execution_role.id,
            policy=execution_role_policy_json(
                base.ecr_repository_arn,
                self.log_group.arn,
                base.kms_key_arn,
                [base.app_secret_arn, self.database_secret.arn],
                region=scope.region,
                partition=scope.partition,
            ),
            opts=child,
        )
        # Kept apart from the execution role; the review app's code may call no AWS API.
        task_role = aws.iam.Role(
            f"{name}-task",
            description="The review app's running containers: no AWS permissions",
            assume_role_policy=trust,
            permissions_boundary=boundary,
            opts=child,
        )

        def containers(process: Process) -> pulumi.Output[str]:
            def render(values: list[Any]) -> str:
                repository, address, port, app_secret_arn, database_secret_arn, log_group, hosts, osm = values
                environment = spec.environment_variables(
                    HostsSpec(frontend=hosts[0], api=hosts[1]),
                    osm_server_url=osm,
                    database_address=address,
                    database_port=int(port),
                )
                # The review app's own login prepares its database too: dev's admin task has already
                # created it with PostGIS, and there is no separate application role.
                stores: dict[SecretStore, str] = {
                    "app": app_secret_arn,
                    "login": database_secret_arn,
                    "admin": database_secret_arn,
                }
                runtime = ContainerRuntime(
                    image=f"{repository}:{spec.image_tag}",
                    log_group=log_group,
                    region=scope.region,
                    environment=environment,
                    secrets=secret_sources(process.secrets, stores),
                )
                return json.dumps([app_container(process, runtime)])

            return pulumi.Output.all(
                base.ecr_repository_url,
                base.database_address,
                base.database_port,
                base.app_secret_arn,
                self.database_secret.arn,
                self.log_group.name,
                hosts,
                base.osm_server_url,
            ).apply(render)

        self.task_definitions = {
            process.name: aws.ecs.TaskDefinition(
                f"{name}-{process.name}",
                family=f"tasking-manager-{scope.stack}-{process.name}",
                requires_compatibilities=["FARGATE"],
                network_mode="awsvpc",
                cpu=str(process.size.cpu),
                memory=str(process.size.memory_mib),
                runtime_platform=runtime_platform(settings.cpu_architecture),
                execution_role_arn=execution_role.arn,
                task_role_arn=task_role.arn,
                container_definitions=containers(process),
                volumes=task_volumes(process, execute_command=False),
                opts=child,
            )
            for process in (spec.api, spec.migration.process)
        }
