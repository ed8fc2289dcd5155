"""What the back-end containers run with: commands, environment, secrets, IAM documents.

Plain functions, shared by the base stacks' back end and by review apps, and tested on their own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.app_contract import CONTRACT
from components.settings import (
    APP_SECRET_NAMES,
    ApiSettings,
    Apm,
    AppSettings,
    CpuArchitecture,
    ReviewAppSettings,
)
from components.telemetry import instrumentation_environment

# Facts read from the application's source at the tag we deploy (see components/app_contract.py).
API_PORT = CONTRACT.port
APP_USER = str(CONTRACT.uid)
# Queries the database, so it fails while the database is down (the load balancer's check too).
HEALTH_CHECK_PATH = CONTRACT.heartbeat_path
HEARTBEAT = f"http://127.0.0.1:{API_PORT}{HEALTH_CHECK_PATH}"
# The application reads its log level as an int (Python's logging levels).
LOG_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40}
# The settings module also builds its test settings at import, and cannot without this name; no
# task ever connects to it.
TEST_DATABASE_NAME = "tasking_manager_test"
# Where the SSM agent behind ECS Exec writes its state and logs: with a read-only root file system
# these must be writable volumes, or the agent dies (aws/containers-roadmap#1359, and the AWS
# workaround with volumes at these two paths).
EXEC_AGENT_PATHS = {"ssm-state": "/var/lib/amazon", "ssm-logs": "/var/log/amazon"}


def target_group_health_check() -> aws.lb.TargetGroupHealthCheckArgs:
    """How a load balancer judges an API task: the heartbeat answers 200 twice in a row."""
    return aws.lb.TargetGroupHealthCheckArgs(
        enabled=True,
        path=HEALTH_CHECK_PATH,
        matcher="200",
        interval=15,
        timeout=5,
        healthy_threshold=2,
        unhealthy_threshold=3,
    )


# Prepares the database with psql (the image has no synchronous PostgreSQL driver), then runs
# Alembic as the application's own login; any failure stops the script with a non-zero status.
MIGRATE_SCRIPT = (Path(__file__).resolve().parent.parent / "scripts" / "container-migrate.sh").read_text()


def api_command(workers: int, *, access_log: bool) -> list[str]:
    command = [
        "uvicorn",
        CONTRACT.api_module,
        "--host",
        "0.0.0.0",  # all of the task's interfaces; its security group decides who reaches them
        "--port",
        str(API_PORT),
        "--workers",
        str(workers),
        # Trust X-Forwarded-Proto/For so redirects say https and logs show the client. Only the
        # load balancer's security group reaches the task; uvicorn 0.19 takes addresses or `*`,
        # not networks, and the load balancer's addresses change.
        "--proxy-headers",
        "--forwarded-allow-ips",
        "*",
    ]
    return command if access_log else [*command, "--no-access-log"]


CRON_COMMAND = ["python", CONTRACT.cron_script]
# The sections of the image's newrelic.ini that each environment selects, as HOT names them.
NEW_RELIC_SECTIONS = {
    "prod": "tasking-manager-production",
    "staging": "tasking-manager-staging",
    "dev": "tasking-manager-develop",
}


def role_apm(apm: Apm, role: str) -> Apm:
    """The agent a task runs under: New Relic's wraps the API and cron (it reports by itself);
    OpenTelemetry's only the API, whose task runs the collector; the migration always runs bare."""
    if role == "api" or (role == "cron" and apm == "newRelic"):
        return apm
    return "none"


def with_apm(command: Sequence[str], apm: Apm) -> list[str]:
    """The command under the chosen agent, which starts the application itself."""
    agent = {"newRelic": ["newrelic-admin", "run-program"], "openTelemetry": ["opentelemetry-instrument"]}
    return [*agent.get(apm, []), *command]


def apm_environment(apm: Apm, environment: str, stack: str) -> dict[str, str]:
    """What the agent reads besides its key: New Relic's config file and section of it, or where
    OpenTelemetry's collector listens."""
    if apm == "openTelemetry":
        return instrumentation_environment(stack)
    if apm != "newRelic":
        return {}
    assert CONTRACT.new_relic_config_file, "the image ships no New Relic agent"
    return {
        "NEW_RELIC_CONFIG_FILE": CONTRACT.new_relic_config_file,
        "NEW_RELIC_ENVIRONMENT": NEW_RELIC_SECTIONS[environment],
    }


def apm_secrets(apm: Apm, app_secret_arn: str) -> dict[str, str]:
    """The New Relic licence key, a key of the application secret, for the agent only."""
    return {"NEW_RELIC_LICENSE_KEY": f"{app_secret_arn}:NEW_RELIC_LICENSE_KEY::"} if apm == "newRelic" else {}


MIGRATE_COMMAND = ["sh", "-c", MIGRATE_SCRIPT]


@dataclass(frozen=True)
class AppEndpoints:
    """Where the application and its database are, as its environment names them."""

    environment: str
    frontend_url: str
    api_url: str
    osm_server_url: str
    database_address: str
    database_port: int
    database_name: str


def app_environment(
    endpoints: AppEndpoints,
    app: AppSettings,
    api: ApiSettings | ReviewAppSettings,
    organisation: Mapping[str, str],
) -> dict[str, str]:
    """The plain (non-secret) environment of every back-end container."""
    flag = {True: "1", False: "0"}
    environment = {
        "POSTGRES_ENDPOINT": endpoints.database_address,
        "POSTGRES_PORT": str(endpoints.database_port),
        "POSTGRES_DB": endpoints.database_name,
        "POSTGRES_TEST_DB": TEST_DATABASE_NAME,
        "DB_MIN_CONNECTIONS": str(api.db_min_connections),
        "DB_MAX_CONNECTIONS": str(api.db_max_connections),
        "TM_APP_BASE_URL": endpoints.frontend_url,
        "TM_APP_API_URL": endpoints.api_url,
        "TM_APP_API_VERSION": "v2",
        "TM_REDIRECT_URI": f"{endpoints.frontend_url}/authorized",
        "TM_SCOPE": "read_prefs write_api",
        # pydantic-settings JSON-decodes list fields: a comma-separated list fails at import.
        "EXTRA_CORS_ORIGINS": json.dumps([endpoints.frontend_url, *app.extra_cors_origins]),
        "TM_ENVIRONMENT": endpoints.environment,
        "OSM_SERVER_URL": endpoints.osm_server_url,
        "TM_SMTP_HOST": app.smtp.host,
        "TM_SMTP_PORT": str(app.smtp.port),
        # Read with int(): "1"/"0", never "true".
        "TM_SMTP_USE_TLS": flag[app.smtp.use_tls],
        "TM_SMTP_USE_SSL": flag[app.smtp.use_ssl],
        "TM_EMAIL_FROM_ADDRESS": app.email_from_address,
        "TM_EMAIL_CONTACT_ADDRESS": app.email_contact_address,
        "TM_DEFAULT_CHANGESET_COMMENT": app.default_changeset_comment,
        "TM_LOG_LEVEL": str(LOG_LEVELS[app.log_level]),
        "USE_SENTRY": "true" if app.use_sentry else "false",
        "OHSOME_STATS_TOPICS": app.ohsome_stats_topics,
    }
    # The front end's branding variables, where the back end reads the same name (e-mails).
    environment.update({k: v for k, v in organisation.items() if CONTRACT.read_by_app(k)})
    environment.update(app.extra_environment)
    return environment


def app_secrets(app_secret_arn: str, login_secret_arn: str) -> dict[str, str]:
    """Variable -> `valueFrom`: the application's own database login, and the application secret's
    JSON keys for the rest."""
    secrets = {
        "POSTGRES_USER": f"{login_secret_arn}:username::",
        "POSTGRES_PASSWORD": f"{login_secret_arn}:password::",
    }
    # The New Relic key is for the agent (apm_secrets); the application itself never reads it.
    secrets.update(
        {name: f"{app_secret_arn}:{name}::" for name in APP_SECRET_NAMES if name != "NEW_RELIC_LICENSE_KEY"}
    )
    return secrets


def admin_login(admin_secret_arn: str) -> dict[str, str]:
    """The migration's administrative login, as psql reads it (PGUSER, PGPASSWORD)."""
    return {"PGUSER": f"{admin_secret_arn}:username::", "PGPASSWORD": f"{admin_secret_arn}:password::"}


@dataclass(frozen=True)
class ContainerRuntime:
    """What every back-end container shares: image, logs, environment and secrets."""

    image: str
    log_group: str
    region: str
    environment: Mapping[str, str]
    secrets: Mapping[str, str]


def app_container(
    name: str,
    runtime: ContainerRuntime,
    command: Sequence[str],
    *,
    port: int | None = None,
    health_check: bool = False,
    execute_command: bool = False,
) -> dict[str, Any]:
    """One container definition, hardened: non-root, read-only root with a writable /tmp (and the
    ECS Exec agent's paths where Exec is on), not privileged, logs to CloudWatch, secrets only
    through `secrets`."""
    mounts = {"tmp": "/tmp", **(EXEC_AGENT_PATHS if execute_command else {})}
    container: dict[str, Any] = {
        "name": name,
        "image": runtime.image,
        "essential": True,
        "command": list(command),
        "user": APP_USER,
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
                "awslogs-stream-prefix": name,
            },
        },
        "stopTimeout": 30,
    }
    if port is not None:
        container["portMappings"] = [{"containerPort": port, "protocol": "tcp", "name": name}]
    if health_check:
        probe = f"import urllib.request; urllib.request.urlopen('{HEARTBEAT}', timeout=4)"
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


def task_volumes(execute_command: bool) -> list[aws.ecs.TaskDefinitionVolumeArgs]:
    """Task-local scratch volumes for what app_container mounts: the root file system is read-only."""
    names = ["tmp", *(EXEC_AGENT_PATHS if execute_command else {})]
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
