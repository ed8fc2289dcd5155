"""Pod building blocks of the Kubernetes realisation: labels, the Pod Security `restricted`
security contexts, containers of the application's processes, their resources and scratch volumes.

Plain functions over the application spec (components/app_spec.py), shared by the Kubernetes
components and tested with them. Manifests are dicts in the API's own (camelCase) field names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from components.app_spec import AppSpec, Process, SecretStore, Size

APP_NAME = "tasking-manager"
# The front end's static web server: nginx's unprivileged image runs as this user, on this port.
NGINX_UID = 101
NGINX_PORT = 8080
# The component label of each workload, which the network policies select on.
COMPONENTS = {"api": "api", "cron": "scheduler", "migrate": "migration"}
FRONTEND_COMPONENT = "frontend"


def labels(component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": APP_NAME,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "pulumi",
    }


def selector(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/component": component}


def http_service_spec(component: str) -> dict[str, Any]:
    """A ClusterIP Service's spec: port 80 to the `http` port of the component's pods."""
    return {
        "type": "ClusterIP",
        "selector": selector(component),
        "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
    }


def pod_security_context(uid: int) -> dict[str, Any]:
    """Pod Security Standard `restricted`: a non-root user (the image's own), the runtime's default
    seccomp profile."""
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context(uid: int) -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def requests_and_limits(millicores: int, memory_mib: int) -> dict[str, Any]:
    """Requests equal to limits: what is reserved is what may be used."""
    amounts = {"cpu": f"{millicores}m", "memory": f"{memory_mib}Mi"}
    return {"requests": dict(amounts), "limits": dict(amounts)}


def resources(size: Size) -> dict[str, Any]:
    """Requests and limits from the spec's size."""
    return requests_and_limits(size.millicores, size.memory_mib)


def scratch_volumes(process_paths: tuple[str, ...]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """An emptyDir per scratch path (the root file system is read-only): (volumes, mounts)."""
    names = [f"scratch-{index}" for index in range(len(process_paths))]
    volumes = [{"name": name, "emptyDir": {"sizeLimit": "256Mi"}} for name in names]
    mounts = [{"name": name, "mountPath": path} for name, path in zip(names, process_paths, strict=True)]
    return volumes, mounts


def process_container(
    spec: AppSpec,
    process: Process,
    database_address: str,
    secret_names: Mapping[SecretStore, str],
) -> dict[str, Any]:
    """The container of one of the application's processes: the spec's command, port, user,
    plain environment and secrets (each from the Secret of its store, under its key)."""
    environment = spec.process_environment(process, database_address)
    _, mounts = scratch_volumes(process.scratch_paths)
    container: dict[str, Any] = {
        "name": COMPONENTS[process.name],
        "image": f"{spec.image_repository}:{spec.image_tag}",
        "imagePullPolicy": "IfNotPresent",
        "command": list(process.command),
        "env": [{"name": name, "value": value} for name, value in sorted(environment.items())]
        + [
            {
                "name": ref.variable,
                "valueFrom": {"secretKeyRef": {"name": secret_names[ref.store], "key": ref.key}},
            }
            for ref in process.secrets
        ],
        "resources": resources(process.size),
        "securityContext": container_security_context(process.user),
        "volumeMounts": mounts,
    }
    if process.port is not None:
        container["ports"] = [{"name": "http", "containerPort": process.port, "protocol": "TCP"}]
    if process.port is not None and process.health_path is not None:
        probe = {"httpGet": {"path": process.health_path, "port": "http"}, "timeoutSeconds": 5}
        container["readinessProbe"] = {**probe, "periodSeconds": 10, "failureThreshold": 3}
        # Looser than readiness: a database blip takes a pod out of the Service, not restarts it.
        container["livenessProbe"] = {**probe, "periodSeconds": 20, "failureThreshold": 6}
        container["startupProbe"] = {**probe, "periodSeconds": 5, "failureThreshold": 60}
    return container


def process_pod(
    spec: AppSpec,
    process: Process,
    database_address: str,
    secret_names: Mapping[SecretStore, str],
    restart_policy: str = "Always",
) -> dict[str, Any]:
    """The pod template of one process, restricted, with its scratch volumes."""
    volumes, _ = scratch_volumes(process.scratch_paths)
    return {
        "metadata": {"labels": labels(COMPONENTS[process.name])},
        "spec": {
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "restartPolicy": restart_policy,
            "securityContext": pod_security_context(process.user),
            "containers": [process_container(spec, process, database_address, secret_names)],
            "volumes": volumes,
        },
    }


def digest(value: Any, length: int = 10) -> str:
    """A short, stable digest of a JSON-able value (names that change when it does)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:length]
