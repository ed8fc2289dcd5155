"""Small hand-written Kubernetes objects shaped like the Tasking Manager's on a cluster: its
namespace, the default-deny and one allowing network policy, the api Deployment, the migration
Job, the scheduler CronJob, the api Service and the CloudNativePG database. Each is a compliant
object (restricted pods, isolated namespace, schema-valid): the manifest validation and the
Kubernetes policies both start from them and change one thing at a time."""

from __future__ import annotations

import copy
from typing import Any

from offline.mocks import Registration

NAMESPACE = "tasking-manager"
IMAGE = "ghcr.io/hotosm/tasking-manager/backend:v5.0.0"
APP_LABELS = {"app.kubernetes.io/name": "tasking-manager", "app.kubernetes.io/component": "api"}

_METADATA = {"namespace": NAMESPACE, "labels": {"app.kubernetes.io/name": "tasking-manager"}}


def _object(api_version: str, kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A namespaced object of the application, labelled as its own."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {**_METADATA, "name": name},
        "spec": spec,
    }


def _container(name: str, command: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "image": IMAGE,
        "command": command,
        "env": [
            {"name": "POSTGRES_ENDPOINT", "value": "tm-db-rw"},
            {
                "name": "POSTGRES_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": "tm-db-app", "key": "password"}},
            },
        ],
        "resources": {
            "requests": {"cpu": "250m", "memory": "512Mi"},
            "limits": {"cpu": "1", "memory": "1Gi"},
        },
        # runAsNonRoot and the seccomp profile come from the pod's security context.
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }


def pod_spec(name: str, command: list[str], restart: str = "Always") -> dict[str, Any]:
    """A restricted pod: non-root uid 9000 (the image's appuser), RuntimeDefault seccomp."""
    return {
        "automountServiceAccountToken": False,
        "restartPolicy": restart,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 9000,
            "runAsGroup": 9000,
            "fsGroup": 9000,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [_container(name, command)],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}],
    }


_API = _container("api", ["uvicorn", "backend.main:api", "--host", "0.0.0.0", "--port", "5000"])
_API["ports"] = [{"name": "http", "containerPort": 5000, "protocol": "TCP"}]
_API["readinessProbe"] = {"httpGet": {"path": "/api/v2/system/heartbeat/", "port": "http"}}

DEPLOYMENT = _object(
    "apps/v1",
    "Deployment",
    "tm-api",
    {
        "replicas": 2,
        "selector": {"matchLabels": APP_LABELS},
        "template": {
            "metadata": {"labels": APP_LABELS},
            "spec": {**pod_spec("api", []), "containers": [_API]},
        },
    },
)

JOB = _object(
    "batch/v1",
    "Job",
    "tm-migrate",
    {
        "backoffLimit": 0,
        "ttlSecondsAfterFinished": 3600,
        "template": {"spec": pod_spec("migrate", ["alembic", "upgrade", "head"], restart="Never")},
    },
)

CRON_JOB = _object(
    "batch/v1",
    "CronJob",
    "tm-cron",
    {
        "schedule": "0 * * * *",
        "concurrencyPolicy": "Forbid",
        "jobTemplate": {
            "spec": {
                "template": {
                    "spec": pod_spec("cron", ["python", "backend/cron_jobs.py"], restart="OnFailure")
                }
            }
        },
    },
)

NAMESPACE_OBJECT: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Namespace",
    "metadata": {
        "name": NAMESPACE,
        "labels": {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
        },
    },
}

DEFAULT_DENY: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"namespace": NAMESPACE, "name": "default-deny"},
    "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
}

ALLOW_API: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"namespace": NAMESPACE, "name": "api-from-ingress"},
    "spec": {
        "podSelector": {"matchLabels": APP_LABELS},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "from": [
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
                ],
                "ports": [{"protocol": "TCP", "port": 5000}],
            }
        ],
    },
}

SERVICE = _object(
    "v1",
    "Service",
    "tm-api",
    {
        "type": "ClusterIP",
        "selector": APP_LABELS,
        "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
    },
)

DB_CLUSTER = _object(
    "postgresql.cnpg.io/v1",
    "Cluster",
    "tm-db",
    {
        "instances": 3,
        "imageName": "ghcr.io/cloudnative-pg/postgis:16-3.5",
        "primaryUpdateStrategy": "unsupervised",
        "storage": {"size": "20Gi"},
        "bootstrap": {
            "initdb": {
                "database": "tasking_manager",
                "owner": "tm",
                "postInitApplicationSQL": ["CREATE EXTENSION IF NOT EXISTS postgis"],
            }
        },
        "postgresql": {"parameters": {"log_min_duration_statement": "1000"}},
        "resources": {
            "requests": {"cpu": "500m", "memory": "1Gi"},
            "limits": {"cpu": "1", "memory": "2Gi"},
        },
        "enablePDB": True,
    },
)

DB_POOLER = _object(
    "postgresql.cnpg.io/v1",
    "Pooler",
    "tm-db-pooler-rw",
    {
        "cluster": {"name": "tm-db"},
        "instances": 2,
        "type": "rw",
        "pgbouncer": {"poolMode": "transaction", "parameters": {"max_client_conn": "200"}},
    },
)

DB_BACKUP = _object(
    "postgresql.cnpg.io/v1",
    "ScheduledBackup",
    "tm-db-daily",
    {
        "schedule": "0 0 3 * * *",
        "cluster": {"name": "tm-db"},
        "backupOwnerReference": "self",
        "method": "volumeSnapshot",
    },
)

# The overrides under which the example stack's application secret is an ExternalSecret.
EXTERNAL_SECRETS = {
    "tm:kubernetes.secrets": {
        "mode": "externalSecret",
        "store": "vault",
        "remoteKey": "tasking-manager/k8s-example",
    }
}

# name -> (pulumi-kubernetes type token, object)
OBJECTS: dict[str, tuple[str, dict[str, Any]]] = {
    "namespace": ("kubernetes:core/v1:Namespace", NAMESPACE_OBJECT),
    "default-deny": ("kubernetes:networking.k8s.io/v1:NetworkPolicy", DEFAULT_DENY),
    "api-from-ingress": ("kubernetes:networking.k8s.io/v1:NetworkPolicy", ALLOW_API),
    "api": ("kubernetes:apps/v1:Deployment", DEPLOYMENT),
    "migrate": ("kubernetes:batch/v1:Job", JOB),
    "cron": ("kubernetes:batch/v1:CronJob", CRON_JOB),
    "api-service": ("kubernetes:core/v1:Service", SERVICE),
    "db": ("kubernetes:postgresql.cnpg.io/v1:Cluster", DB_CLUSTER),
    "db-pooler": ("kubernetes:postgresql.cnpg.io/v1:Pooler", DB_POOLER),
    "db-backup": ("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", DB_BACKUP),
}


def as_engine_sends(value: Any) -> Any:
    """Inputs as the mocks record them: every number a float."""
    if isinstance(value, dict):
        return {k: as_engine_sends(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_engine_sends(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def registration(token: str, name: str, body: dict[str, Any]) -> Registration:
    urn = f"urn:pulumi:k8s-example::tasking-manager::{token}::{name}"
    return Registration(urn, token, name, True, "", as_engine_sends(copy.deepcopy(body)), [], "")


def registrations(objects: dict[str, tuple[str, dict[str, Any]]] = OBJECTS) -> list[Registration]:
    return [registration(token, name, body) for name, (token, body) in objects.items()]
