"""How the back end's processes of the application spec (components/app_spec.py) run on ECS:
container definitions, secrets as Secrets Manager references, the OpenTelemetry collector's address,
IAM documents, and the scalable target of a service's desired count.

Plain functions, shared by the base stacks' back end and by review apps, and tested on their own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.app_spec import Process, SecretRef, SecretStore
from components.settings import Apm, CpuArchitecture
from components.telemetry import instrumentation_environment

# Where the SSM agent behind ECS Exec writes its state and logs: with a read-only root file system
# these must be writable volumes, or the agent dies (aws/containers-roadmap#1359, and the AWS
# workaround with volumes at these two paths).
EXEC_AGENT_PATHS = {"ssm-state": "/var/lib/amazon", "ssm-logs": "/var/log/amazon"}


def target_group_health_check(path: str) -> aws.lb.TargetGroupHealthCheckArgs:
    """How a load balancer judges an API task: its health path answers 200 twice in a row."""
    return aws.lb.TargetGroupHealthCheckArgs(
        enabled=True,
        path=path,
        matcher="200",
        interval=15,
        timeout=5,
        healthy_threshold=2,
        unhealthy_threshold=3,
    )


def collector_environment(apm: Apm, stack: str) -> dict[str, str]:
    """Where OpenTelemetry's agent finds the collector (beside the API, in its task), where that
    agent runs; the spec's process environment already holds what New Relic's agent reads."""
    return instrumentation_environment(stack) if apm == "openTelemetry" else {}


def service_scalable_target(
    name: str,
    cluster_name: pulumi.Input[str],
    service: aws.ecs.Service,
    minimum: int,
    maximum: int,
    opts: pulumi.ResourceOptions,
) -> aws.appautoscaling.Target:
    """The scalable target of an ECS service's desired count, between `minimum` and `maximum` tasks."""
    return aws.appautoscaling.Target(
        name,
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.concat("service/", cluster_name, "/", service.name),
        min_capacity=minimum,
        max_capacity=maximum,
        opts=opts,
    )


def secret_sources(secrets: Sequence[SecretRef], arns: Mapping[SecretStore, str]) -> dict[str, str]:
    """Variable -> `valueFrom`: the key of the Secrets Manager secret that holds each store."""
    return {ref.variable: f"{arns[ref.store]}:{ref.key}::" for ref in secrets}


@dataclass(frozen=True)
class ContainerRuntime:
    """What every back-end container shares: image, logs, environment and secrets."""

    image: str
    log_group: str
    region: str
    environment: Mapping[str, str]
    secrets: Mapping[str, str]


def _scratch_volume(path: str) -> str:
    """The task volume mounted at a process's scratch path (/tmp -> tmp)."""
    return path.strip("/").replace("/", "-")


def app_container(
    process: Process, runtime: ContainerRuntime, *, execute_command: bool = False
) -> dict[str, Any]:
    """The container of one process of the spec, hardened: its non-root user, read-only root with
    its scratch paths writable (and the ECS Exec agent's paths where Exec is on), not privileged,
    logs to CloudWatch, secrets only through `secrets`; its port, and a health check of its health
    path where it has one."""
    mounts = {
        **{_scratch_volume(path): path for path in process.scratch_paths},
        **(EXEC_AGENT_PATHS if execute_command else {}),
    }
    container: dict[str, Any] = {
        "name": process.name,
        "image": runtime.image,
        "essential": True,
        "command": list(process.command),
        "user": str(process.user),
        "readonlyRootFilesystem": True,
        "privileged": False,
        "mountPoints": [
            {"sourceVolume": volume, "containerPath": path, "readOnly": False}
            for volume, path in mounts.items()
        ],
        "linuxParameters": {"initProcessEnabled": True},
        "environment": [{"name": k, "value": v} for k, v in sorted(runtime.environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(runtime.secrets.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": runtime.log_group,
                "awslogs-region": runtime.region,
                "awslogs-stream-prefix": process.name,
            },
        },
        "stopTimeout": 30,
    }
    if process.port is not None:
        container["portMappings"] = [{"containerPort": process.port, "protocol": "tcp", "name": process.name}]
    if process.health_path is not None:
        url = f"http://127.0.0.1:{process.port}{process.health_path}"
        probe = f"import urllib.request; urllib.request.urlopen('{url}', timeout=4)"
        container["healthCheck"] = {
            # Python's standard library: nothing beyond the interpreter the image runs anyway.
            "command": ["CMD-SHELL", f'python -c "{probe}" || exit 1'],
            "interval": 30,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 60,
        }
    return container


def sidecar_container(container: Mapping[str, Any], runtime: ContainerRuntime) -> dict[str, Any]:
    """A sidecar's definition, logging to the task's group under its own name."""
    options = {
        "awslogs-group": runtime.log_group,
        "awslogs-region": runtime.region,
        "awslogs-stream-prefix": container["name"],
    }
    return {**container, "logConfiguration": {"logDriver": "awslogs", "options": options}}


def runtime_platform(architecture: CpuArchitecture) -> aws.ecs.TaskDefinitionRuntimePlatformArgs:
    """Linux on the stack's processors; every image a task runs exists for both (the image step
    builds the back end for both, the pinned images are multi-architecture)."""
    return aws.ecs.TaskDefinitionRuntimePlatformArgs(
        operating_system_family="LINUX", cpu_architecture=architecture
    )


def task_volumes(process: Process, execute_command: bool) -> list[aws.ecs.TaskDefinitionVolumeArgs]:
    """Task-local volumes for what app_container mounts: the root file system is read-only."""
    names = [
        *(_scratch_volume(path) for path in process.scratch_paths),
        *(EXEC_AGENT_PATHS if execute_command else {}),
    ]
    return [aws.ecs.TaskDefinitionVolumeArgs(name=name) for name in names]


# -- IAM -------------------------------------------------------------------------------------------


def ecs_tasks_trust(account_id: str, region: str, partition: str) -> dict[str, Any]:
    """Only ECS tasks of this account and region may assume the role (confused deputy)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:ecs:{region}:{account_id}:*"},
                },
            }
        ],
    }


# GuardDuty's runtime agent: once the account's baseline turns runtime monitoring on (bootstrap/),
# GuardDuty adds it as a sidecar to every new Fargate task, and the task's execution role pulls it
# from AWS's repository of the region ("ECR repository for GuardDuty agent on AWS Fargate (Amazon ECS
# only)", GuardDuty user guide). Without the pull the agent fails quietly and nothing is monitored.
GUARDDUTY_AGENT_REPOSITORY = "aws-guardduty-agent-fargate"
GUARDDUTY_AGENT_ACCOUNTS = {
    "us-east-1": "593207742271",
    "us-east-2": "307168627858",
    "us-west-1": "684579721401",
    "us-west-2": "733349766148",
    "ca-central-1": "354763396469",
    "sa-east-1": "758426053663",
    "eu-west-1": "694911143906",
    "eu-west-2": "892757235363",
    "eu-west-3": "665651866788",
    "eu-central-1": "323658145986",
    "eu-central-2": "529164026651",
    "eu-north-1": "591436053604",
    "me-central-1": "000014521398",
    "ap-south-1": "251508486986",
    "ap-south-2": "950823858135",
    "ap-southeast-1": "174946120834",
    "ap-southeast-2": "005257825471",
}


def guardduty_agent_repository_arn(region: str, partition: str) -> str | None:
    """The agent's repository in `region`; None where the table has no entry (the agent is then
    not pulled and GuardDuty reports the tasks' coverage as unhealthy)."""
    account = GUARDDUTY_AGENT_ACCOUNTS.get(region)
    if account is None:
        return None
    return f"arn:{partition}:ecr:{region}:{account}:repository/{GUARDDUTY_AGENT_REPOSITORY}"


ECR_PULL = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def execution_role_policy(
    repository_arn: str | None,
    log_group_arn: str,
    secret_arns: Sequence[str],
    kms_key_arn: str,
    agent_repository_arn: str | None = None,
) -> dict[str, Any]:
    """What ECS needs to start the tasks: pull the image (and GuardDuty's agent), write logs, read
    exactly these secrets."""
    statements: list[dict[str, Any]] = []
    if repository_arn or agent_repository_arn:
        statements.append(
            {
                "Sid": "EcrLogin",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                # GetAuthorizationToken is account-wide: AWS accepts no narrower resource.
                "Resource": "*",
            }
        )
    if repository_arn:
        statements.append(
            {"Sid": "PullTheBackendImage", "Effect": "Allow", "Action": ECR_PULL, "Resource": repository_arn}
        )
    if agent_repository_arn:
        statements.append(
            {
                "Sid": "PullTheGuardDutyAgent",
                "Effect": "Allow",
                "Action": ECR_PULL,
                "Resource": agent_repository_arn,
            }
        )
    statements += [
        {
            "Sid": "WriteContainerLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        },
        {
            "Sid": "ReadTheTaskSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": list(secret_arns),
        },
        {
            "Sid": "DecryptTheTaskSecrets",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": kms_key_arn,
            "Condition": {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}},
        },
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def execution_role_policy_json(
    repository_arn: pulumi.Input[str] | None,
    log_group_arn: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    secret_arns: Sequence[pulumi.Input[str]],
    *,
    region: str,
    partition: pulumi.Input[str],
) -> pulumi.Output[str]:
    """execution_role_policy as a RolePolicy's JSON, once the ARNs are known."""
    return pulumi.Output.all(repository_arn, log_group_arn, kms_key_arn, partition, *secret_arns).apply(
        lambda v: json.dumps(
            execution_role_policy(v[0], v[1], v[4:], v[2], guardduty_agent_repository_arn(region, v[3]))
        )
    )


def task_role_policy(
    *, metrics_log_group_arn: str | None, execute_command: bool, kms_key_arn: str
) -> dict[str, Any]:
    """What the running containers may do: the collector beside the API sends traces, and metrics as
    embedded-metric logs to one group; ECS Exec opens sessions where the environment allows. The
    application itself calls no AWS API."""
    statements: list[dict[str, Any]] = []
    if metrics_log_group_arn:
        statements += [
            {
                "Sid": "SendTraces",
                "Effect": "Allow",
                # The awsxray exporter's one call (its own telemetry is off; the SDK samples locally).
                "Action": "xray:PutTraceSegments",
                # X-Ray has no resource-level permissions for it.
                "Resource": "*",
            },
            {
                "Sid": "WriteEmbeddedMetrics",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [metrics_log_group_arn, f"{metrics_log_group_arn}:*"],
            },
        ]
    if execute_command:
        statements += [
            {
                "Sid": "EcsExecSessions",
                "Effect": "Allow",
                "Action": [
                    "ssmmessages:CreateControlChannel",
                    "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel",
                    "ssmmessages:OpenDataChannel",
                ],
                # Session Manager channels have no resource-level permissions.
                "Resource": "*",
            },
            {
                "Sid": "EncryptEcsExecSessions",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": kms_key_arn,
            },
        ]
    if not statements:
        raise ValueError("a task role policy needs a metrics log group or ECS Exec: it would allow nothing")
    return {"Version": "2012-10-17", "Statement": statements}
