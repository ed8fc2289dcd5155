"""What the back-end containers run with: commands, environment, secrets, IAM documents.

Plain functions, shared by the base stacks' back end and by review apps, and tested on their own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi_aws as aws

from components.settings import APP_SECRET_NAMES, ApiSettings, AppSettings, ReviewAppSettings

API_PORT = 5000
# Inside the image: Debian slim, Python, non-root `appuser` with uid 9000.
APP_USER = "9000"
# Queries the database, so it fails while the database is down (the load balancer's check too).
HEALTH_CHECK_PATH = "/api/v2/system/heartbeat/"
HEARTBEAT = f"http://127.0.0.1:5000{HEALTH_CHECK_PATH}"


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


# PostGIS must exist before Alembic runs (migrations never create it); only the master user can.
MIGRATE_SCRIPT = (
    'python -c "import os, sqlalchemy; '
    "url = sqlalchemy.engine.URL.create('postgresql', username=os.environ['POSTGRES_USER'], "
    "password=os.environ['POSTGRES_PASSWORD'], host=os.environ['POSTGRES_ENDPOINT'], "
    "port=int(os.environ['POSTGRES_PORT']), database=os.environ['POSTGRES_DB'], "
    "query={'sslmode': 'require'}); "
    "engine = sqlalchemy.create_engine(url); "
    "connection = engine.connect(); "
    "connection.execute(sqlalchemy.text('CREATE EXTENSION IF NOT EXISTS postgis')); "
    'connection.commit()" '
    "&& alembic -c migrations/alembic.ini upgrade head"
)


def api_command(workers: int) -> list[str]:
    return [
        "uvicorn",
        "backend.main:api",
        "--host",
        "0.0.0.0",  # all of the task's interfaces; its security group decides who reaches them
        "--port",
        str(API_PORT),
        "--workers",
        str(workers),
    ]


CRON_COMMAND = ["python", "backend/cron_jobs.py"]
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
        "DB_MIN_CONNECTIONS": str(api.db_min_connections),
        "DB_MAX_CONNECTIONS": str(api.db_max_connections),
        "TM_APP_BASE_URL": endpoints.frontend_url,
        "TM_APP_API_URL": endpoints.api_url,
        "TM_APP_API_VERSION": "v2",
        "TM_REDIRECT_URI": f"{endpoints.frontend_url}/authorized",
        "TM_SCOPE": "read_prefs write_api",
        # The application parses this as JSON; a comma-separated list fails.
        "EXTRA_CORS_ORIGINS": json.dumps([endpoints.frontend_url]),
        "TM_ENVIRONMENT": endpoints.environment,
        "OSM_SERVER_URL": endpoints.osm_server_url,
        "TM_SMTP_HOST": app.smtp.host,
        "TM_SMTP_PORT": str(app.smtp.port),
        "TM_SMTP_USE_TLS": flag[app.smtp.use_tls],
        "TM_SMTP_USE_SSL": flag[app.smtp.use_ssl],
        "TM_EMAIL_FROM_ADDRESS": app.email_from_address,
        "TM_EMAIL_CONTACT_ADDRESS": app.email_contact_address,
        "TM_DEFAULT_CHANGESET_COMMENT": app.default_changeset_comment,
        "TM_LOG_LEVEL": app.log_level,
        "USE_SENTRY": "true" if app.use_sentry else "false",
    }
    environment.update({k: v for k, v in organisation.items() if k.startswith("TM_ORG_")})
    environment.update(app.extra_environment)
    return environment


def app_secrets(app_secret_arn: str, database_secret_arn: str) -> dict[str, str]:
    """Variable -> `valueFrom`: the RDS-managed secret for the database login, the application
    secret's JSON keys for the rest."""
    secrets = {
        "POSTGRES_USER": f"{database_secret_arn}:username::",
        "POSTGRES_PASSWORD": f"{database_secret_arn}:password::",
    }
    secrets.update({name: f"{app_secret_arn}:{name}::" for name in APP_SECRET_NAMES})
    return secrets


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
) -> dict[str, Any]:
    """One container definition, hardened: non-root, read-only root with a writable /tmp, not
    privileged, logs to CloudWatch, secrets only through `secrets`."""
    container: dict[str, Any] = {
        "name": name,
        "image": runtime.image,
        "essential": True,
        "command": list(command),
        "user": APP_USER,
        "readonlyRootFilesystem": True,
        "privileged": False,
        "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
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
            # The image has Python but no curl.
            "command": ["CMD-SHELL", f'python -c "{probe}" || exit 1'],
            "interval": 30,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 60,
        }
    return container


def with_logs(container: Mapping[str, Any], runtime: ContainerRuntime) -> dict[str, Any]:
    """A sidecar's definition, logging to the task's group under its own name unless it says otherwise."""
    options = {
        "awslogs-group": runtime.log_group,
        "awslogs-region": runtime.region,
        "awslogs-stream-prefix": container["name"],
    }
    return {"logConfiguration": {"logDriver": "awslogs", "options": options}, **container}


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


def execution_role_policy(
    repository_arn: str | None, log_group_arn: str, secret_arns: Sequence[str], kms_key_arn: str
) -> dict[str, Any]:
    """What ECS needs to start the tasks: pull the image, write logs, read exactly these secrets."""
    statements: list[dict[str, Any]] = []
    if repository_arn:
        statements += [
            {
                "Sid": "EcrLogin",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                # GetAuthorizationToken is account-wide: AWS accepts no narrower resource.
                "Resource": "*",
            },
            {
                "Sid": "PullTheBackendImage",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                "Resource": repository_arn,
            },
        ]
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


def task_role_policy(
    *, metrics_log_group_arn: str | None, execute_command: bool, kms_key_arn: str
) -> dict[str, Any]:
    """What the running containers may do: send traces, and metrics as embedded-metric logs to one
    group (the API's collector sidecar), and open ECS Exec sessions where the environment allows."""
    statements: list[dict[str, Any]] = []
    if metrics_log_group_arn:
        statements += [
            {
                "Sid": "SendTraces",
                "Effect": "Allow",
                "Action": [
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "xray:GetSamplingRules",
                    "xray:GetSamplingTargets",
                ],
                # X-Ray has no resource-level permissions for these actions.
                "Resource": "*",
            },
            {
                "Sid": "WriteEmbeddedMetrics",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
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
        raise ValueError(
            "a task role policy needs a metrics log group or execute_command: it would allow nothing"
        )
    return {"Version": "2012-10-17", "Statement": statements}
