"""Fixtures of the ECS policies: cluster, services, task definitions (containerDefinitions is JSON)."""

from typing import Any

from pulumi_policy import Policy
from security_baseline import ecs

from tests.policies.harness import DELETE, Case

TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"

_API_CONTAINER = {
    "name": "api",
    "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/tasking-manager/backend:v5.0.0",
    "user": "9000",
    "privileged": False,
    "readonlyRootFilesystem": True,
    "environment": [
        {"name": "POSTGRES_ENDPOINT", "value": "db.example.internal"},
        {"name": "TM_APP_BASE_URL", "value": "https://tasks.hotosm.org"},
        {"name": "TM_CLIENT_ID", "value": "public-oauth-client-id"},
    ],
    "secrets": [
        {"name": "TM_CLIENT_SECRET", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:tm"}
    ],
    "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/tasking-manager/prod/api"}},
}
_TASK = {
    "family": "tasking-manager-prod-api",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "1024",
    "memory": "2048",
    "executionRoleArn": "arn:aws:iam::123456789012:role/execution",
    "taskRoleArn": "arn:aws:iam::123456789012:role/api-task",
    "containerDefinitions": [_API_CONTAINER],
    "volumes": [
        {"name": "tmp"},
        {
            "name": "uploads",
            "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "ENABLED"},
        },
    ],
}
_SERVICE = {
    "name": "tasking-manager-prod-api",
    "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/tm",
    "desiredCount": 2.0,
    "platformVersion": "LATEST",
    "capacityProviderStrategies": [{"capacityProvider": "FARGATE", "weight": 1.0, "base": 0.0}],
    "networkConfiguration": {
        "subnets": ["subnet-1", "subnet-2"],
        "securityGroups": ["sg-api"],
        "assignPublicIp": False,
    },
}


def _task_case(policy: Policy, failures: list[tuple[dict[str, Any], str]]) -> Case:
    return Case(policy, TASK, _TASK, failures, json_props=("containerDefinitions",))


CASES = [
    Case(
        ecs.ecs_cluster_container_insights,
        "aws:ecs/cluster:Cluster",
        {"name": "tm", "settings": [{"name": "containerInsights", "value": "enhanced"}]},
        [
            ({"settings": DELETE}, "does not turn Container Insights on"),
            ({"settings.0.value": "disabled"}, "containerInsights is 'disabled'"),
        ],
    ),
    Case(
        ecs.ecs_service_no_public_ip,
        SERVICE,
        _SERVICE,
        [({"networkConfiguration.assignPublicIp": True}, "assignPublicIp is true")],
    ),
    Case(
        ecs.ecs_service_fargate_platform_latest,
        SERVICE,
        _SERVICE,
        [({"platformVersion": "1.3.0"}, "platformVersion is pinned to 1.3.0")],
    ),
    Case(
        ecs.ecs_service_fargate_platform_latest,
        SERVICE,
        {**_SERVICE, "capacityProviderStrategies": [], "launchType": "FARGATE", "platformVersion": None},
        [({"platformVersion": "1.4.0"}, "platformVersion is pinned to 1.4.0")],
    ),
    _task_case(
        ecs.ecs_task_not_privileged,
        [({"containerDefinitions.0.privileged": True}, "container api is privileged")],
    ),
    _task_case(
        ecs.ecs_task_readonly_root_filesystem,
        [
            ({"containerDefinitions.0.readonlyRootFilesystem": False}, "container api can write to its root"),
            (
                {"containerDefinitions.0.readonlyRootFilesystem": DELETE},
                "container api can write to its root",
            ),
        ],
    ),
    _task_case(
        ecs.ecs_task_non_root_user,
        [
            ({"containerDefinitions.0.user": "0"}, "container api runs as user 0"),
            ({"containerDefinitions.0.user": "root:root"}, "container api runs as user root:root"),
            ({"containerDefinitions.0.user": DELETE}, "container api runs as no user"),
        ],
    ),
    _task_case(
        ecs.ecs_task_no_added_capabilities,
        [
            (
                {"containerDefinitions.0.linuxParameters": {"capabilities": {"add": ["SYS_ADMIN"]}}},
                "container api adds Linux capabilities SYS_ADMIN",
            )
        ],
    ),
    _task_case(
        ecs.ecs_task_no_secrets_in_environment,
        [
            (
                {"containerDefinitions.0.environment.2.name": "TM_CLIENT_SECRET"},
                "TM_CLIENT_SECRET is named like a secret",
            ),
            (
                {"containerDefinitions.0.environment.2.name": "POSTGRES_PASSWORD"},
                "POSTGRES_PASSWORD is named like a secret",
            ),
            (
                {"containerDefinitions.0.environment.2.name": "NEW_RELIC_LICENSE_KEY"},
                "NEW_RELIC_LICENSE_KEY is named",
            ),
            ({"containerDefinitions.0.environment.2.name": "AWS_SECRET_ACCESS_KEY"}, "pass it in `secrets`"),
            (
                {"containerDefinitions.0.environment.2.name": "TM_SENTRY_BACKEND_DSN"},
                "TM_SENTRY_BACKEND_DSN is named",
            ),
            ({"containerDefinitions.0.environment.2.name": "TM_DB"}, "TM_DB is named like a secret"),
            (
                {
                    "containerDefinitions.0.environment.0.value": "postgresql://tm:hunter2@db.example.internal/tm"
                },
                "the value of POSTGRES_ENDPOINT looks like a credential",
            ),
        ],
    ),
    _task_case(
        ecs.ecs_task_logging,
        [
            (
                {"containerDefinitions.0.logConfiguration": DELETE},
                "container api has no logConfiguration.logDriver",
            ),
            (
                {"containerDefinitions.0.logConfiguration.logDriver": ""},
                "container api has no logConfiguration",
            ),
        ],
    ),
    _task_case(
        ecs.ecs_task_no_host_namespaces,
        [({"pidMode": "host"}, "pidMode is host"), ({"ipcMode": "host"}, "ipcMode is host")],
    ),
    _task_case(
        ecs.ecs_task_awsvpc_network_mode,
        [
            ({"networkMode": "host"}, "networkMode is host"),
            ({"networkMode": DELETE}, "networkMode is unset (bridge)"),
        ],
    ),
    _task_case(
        ecs.ecs_task_separate_roles,
        [
            (
                {"taskRoleArn": "arn:aws:iam::123456789012:role/execution"},
                "the task role is the execution role",
            )
        ],
    ),
    _task_case(
        ecs.ecs_task_efs_transit_encryption,
        [
            (
                {"volumes.1.efsVolumeConfiguration.transitEncryption": "DISABLED"},
                "EFS volume uploads is mounted without",
            ),
            ({"volumes.1.efsVolumeConfiguration.transitEncryption": DELETE}, "EFS volume uploads"),
        ],
    ),
]
