"""ECS on Fargate: the cluster, the services and what each container may do."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from .credentials import why_secret
from .framework import ResourcePolicy, config_value, is_true

CLUSTER = "aws:ecs/cluster:Cluster"
SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


def containers(args: ResourceValidationArgs) -> list[dict[str, Any]]:
    """The task definition's containers. `containerDefinitions` is a JSON string (a list when
    a program passed one as is)."""
    raw = args.props.get("containerDefinitions")
    if raw is None:
        return []
    loaded = json.loads(raw) if isinstance(raw, str) else [dict(c) for c in raw]
    return [c for c in loaded if isinstance(c, dict)]


def _name(container: Mapping[str, Any]) -> str:
    return str(container.get("name") or "(unnamed)")


def _container_insights(args: ResourceValidationArgs) -> Iterator[str]:
    for setting in args.props.get("settings") or []:
        if setting.get("name") == "containerInsights":
            if str(setting.get("value")) in ("enabled", "enhanced"):
                return
            yield f"containerInsights is '{setting.get('value')}'; set it to enabled or enhanced"
            return
    yield "the cluster does not turn Container Insights on (settings containerInsights=enabled)"


ecs_cluster_container_insights = ResourcePolicy(
    name="ecs-cluster-container-insights",
    summary="ECS clusters have Container Insights on",
    controls=("FSBP ECS.12", "AwsSolutions-ECS4", "CKV_AWS_65"),
    severity=Severity.MEDIUM,
    resource_types=(CLUSTER,),
    unset="settings unset: the account default, which is off unless someone turned it on",
    check=_container_insights,
)


def _no_public_ip(args: ResourceValidationArgs) -> Iterator[str]:
    network = args.props.get("networkConfiguration") or {}
    if is_true(network.get("assignPublicIp")):
        yield "networkConfiguration.assignPublicIp is true: tasks get public IP addresses"


ecs_service_no_public_ip = ResourcePolicy(
    name="ecs-service-no-public-ip",
    summary="ECS services do not give their tasks public IP addresses",
    controls=("FSBP ECS.2", "CKV_AWS_333"),
    severity=Severity.HIGH,
    resource_types=(SERVICE,),
    unset="assignPublicIp unset: false",
    check=_no_public_ip,
)


def _platform_latest(args: ResourceValidationArgs) -> Iterator[str]:
    providers = [str(s.get("capacityProvider")) for s in args.props.get("capacityProviderStrategies") or []]
    fargate = args.props.get("launchType") == "FARGATE" or any(p.startswith("FARGATE") for p in providers)
    version = args.props.get("platformVersion")
    if fargate and version not in (None, "LATEST"):
        yield f"platformVersion is pinned to {version}; leave it unset or LATEST to get security fixes"


ecs_service_fargate_platform_latest = ResourcePolicy(
    name="ecs-service-fargate-platform-latest",
    summary="Fargate services run on the latest platform version",
    controls=("FSBP ECS.10", "CKV_AWS_332"),
    severity=Severity.MEDIUM,
    resource_types=(SERVICE,),
    unset="platformVersion unset: LATEST",
    check=_platform_latest,
)


def _not_privileged(args: ResourceValidationArgs) -> Iterator[str]:
    for container in containers(args):
        if is_true(container.get("privileged")):
            yield f"container {_name(container)} is privileged (root on the host)"


ecs_task_not_privileged = ResourcePolicy(
    name="ecs-task-not-privileged",
    summary="Containers are not privileged",
    controls=("FSBP ECS.4", "CKV_AWS_334"),
    severity=Severity.HIGH,
    resource_types=(TASK_DEFINITION,),
    unset="privileged unset: false",
    check=_not_privileged,
)


def _readonly_root(args: ResourceValidationArgs) -> Iterator[str]:
    for container in containers(args):
        if not is_true(container.get("readonlyRootFilesystem")):
            yield f"container {_name(container)} can write to its root filesystem (readonlyRootFilesystem)"


ecs_task_readonly_root_filesystem = ResourcePolicy(
    name="ecs-task-readonly-root-filesystem",
    summary="Containers have a read-only root filesystem",
    controls=("FSBP ECS.5", "CKV_AWS_336"),
    severity=Severity.HIGH,
    resource_types=(TASK_DEFINITION,),
    unset="readonlyRootFilesystem unset: false (writable)",
    check=_readonly_root,
)

_ALLOWED_NAMES = {
    "allowedNames": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Variable names that look like secrets but are not",
    }
}


def _no_secrets_in_environment(args: ResourceValidationArgs) -> Iterator[str]:
    allowed = config_value(args, "allowedNames", _ALLOWED_NAMES)
    for container in containers(args):
        for variable in container.get("environment") or []:
            reason = why_secret(str(variable.get("name")), variable.get("value"), allowed)
            if reason:
                yield (
                    f"container {_name(container)}: {reason}; pass it in `secrets` (valueFrom a "
                    "Secrets Manager secret), not in plaintext `environment`"
                )


ecs_task_no_secrets_in_environment = ResourcePolicy(
    name="ecs-task-no-secrets-in-environment",
    summary="Container environment variables hold no credentials (they belong in `secrets`)",
    controls=("FSBP ECS.8", "AwsSolutions-ECS2"),
    severity=Severity.HIGH,
    resource_types=(TASK_DEFINITION,),
    unset="environment unset: nothing to leak",
    check=_no_secrets_in_environment,
    config=_ALLOWED_NAMES,
)


def _logging(args: ResourceValidationArgs) -> Iterator[str]:
    for container in containers(args):
        if not (container.get("logConfiguration") or {}).get("logDriver"):
            yield f"container {_name(container)} has no logConfiguration.logDriver: its output is lost"


ecs_task_logging = ResourcePolicy(
    name="ecs-task-logging",
    summary="Every container sends its logs somewhere (logConfiguration)",
    controls=("FSBP ECS.9 [3P]", "AwsSolutions-ECS7"),
    severity=Severity.HIGH,
    resource_types=(TASK_DEFINITION,),
    unset="logConfiguration unset: no logs",
    check=_logging,
)


def _no_host_namespaces(args: ResourceValidationArgs) -> Iterator[str]:
    for mode in ("pidMode", "ipcMode"):
        if args.props.get(mode) == "host":
            yield f"{mode} is host: containers share the host's process namespaces"


ecs_task_no_host_namespaces = ResourcePolicy(
    name="ecs-task-no-host-namespaces",
    summary="Tasks do not share the host's process (or IPC) namespace",
    controls=("FSBP ECS.3", "CKV_AWS_335"),
    severity=Severity.HIGH,
    resource_types=(TASK_DEFINITION,),
    unset="pidMode/ipcMode unset: the task's own namespaces",
    check=_no_host_namespaces,
)


def _awsvpc(args: ResourceValidationArgs) -> Iterator[str]:
    mode = args.props.get("networkMode")
    if mode != "awsvpc":
        yield f"networkMode is {mode or 'unset (bridge)'}; use awsvpc so each task has its own security group"


ecs_task_awsvpc_network_mode = ResourcePolicy(
    name="ecs-task-awsvpc-network-mode",
    summary="Task definitions use the awsvpc network mode (a security group per task)",
    controls=("FSBP ECS.1",),
    severity=Severity.HIGH,
    resource_types=(TASK_DEFINITION,),
    unset="networkMode unset: bridge",
    check=_awsvpc,
)


def _separate_roles(args: ResourceValidationArgs) -> Iterator[str]:
    task_role = args.props.get("taskRoleArn")
    if task_role and task_role == args.props.get("executionRoleArn"):
        yield "the task role is the execution role: the application gets the agent's secret and image access"


ecs_task_separate_roles = ResourcePolicy(
    name="ecs-task-separate-roles",
    summary="A task's application role is not its execution role",
    controls=("CKV_AWS_249",),
    severity=Severity.MEDIUM,
    resource_types=(TASK_DEFINITION,),
    unset="taskRoleArn unset: the application has no AWS permissions at all",
    check=_separate_roles,
)


def _runs_as_root(user: Any) -> bool:
    """`user` is `uid`, `uid:gid`, `name` or `name:group`; unset runs the image's user, which for
    most images is root."""
    name = str(user or "").split(":", 1)[0].strip()
    return name in ("", "0", "root")


def _non_root(args: ResourceValidationArgs) -> Iterator[str]:
    for container in containers(args):
        user = container.get("user")
        if _runs_as_root(user):
            shown = f"user {user}" if user else "no user (the image's, often root)"
            yield f"container {_name(container)} runs as {shown}; name a non-root user"


ecs_task_non_root_user = ResourcePolicy(
    name="ecs-task-non-root-user",
    summary="Every container, sidecars included, runs as a named non-root user",
    controls=("NIST ECSTaskDefinitionUserForHostMode (here for every network mode)", "ref #19 (companion)"),
    severity=Severity.HIGH,
    resource_types=(TASK_DEFINITION,),
    unset="user unset: the image's user, root for most images",
    check=_non_root,
)


def _no_added_capabilities(args: ResourceValidationArgs) -> Iterator[str]:
    for container in containers(args):
        added = ((container.get("linuxParameters") or {}).get("capabilities") or {}).get("add") or []
        if added:
            yield f"container {_name(container)} adds Linux capabilities {', '.join(map(str, added))}"


ecs_task_no_added_capabilities = ResourcePolicy(
    name="ecs-task-no-added-capabilities",
    summary="No container adds Linux capabilities",
    controls=("ref #19 (companion: privileges by capability)",),
    severity=Severity.HIGH,
    resource_types=(TASK_DEFINITION,),
    unset="linuxParameters.capabilities.add unset: the runtime's default set only",
    check=_no_added_capabilities,
)


def _efs_transit(args: ResourceValidationArgs) -> Iterator[str]:
    for volume in args.props.get("volumes") or []:
        efs = volume.get("efsVolumeConfiguration")
        if efs is not None and efs.get("transitEncryption") != "ENABLED":
            yield f"EFS volume {volume.get('name')} is mounted without transitEncryption=ENABLED"


ecs_task_efs_transit_encryption = ResourcePolicy(
    name="ecs-task-efs-transit-encryption",
    summary="EFS volumes of tasks are mounted with encryption in transit",
    controls=("CKV_AWS_97",),
    severity=Severity.MEDIUM,
    resource_types=(TASK_DEFINITION,),
    unset="transitEncryption unset: DISABLED",
    check=_efs_transit,
)

POLICIES = [
    ecs_cluster_container_insights,
    ecs_service_no_public_ip,
    ecs_service_fargate_platform_latest,
    ecs_task_not_privileged,
    ecs_task_readonly_root_filesystem,
    ecs_task_non_root_user,
    ecs_task_no_added_capabilities,
    ecs_task_no_secrets_in_environment,
    ecs_task_logging,
    ecs_task_no_host_namespaces,
    ecs_task_awsvpc_network_mode,
    ecs_task_separate_roles,
    ecs_task_efs_transit_encryption,
]
