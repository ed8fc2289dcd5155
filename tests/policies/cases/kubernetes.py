"""Fixtures of the Kubernetes policies: the example objects of tests/k8s_fixtures.py (restricted
pods, an isolated namespace, an internal Service), each failure changing one field."""

from typing import Any

from pulumi_policy import Policy
from security_baseline import kubernetes

from tests.k8s_fixtures import (
    CRON_JOB,
    DB_CLUSTER,
    DEFAULT_DENY,
    DEPLOYMENT,
    JOB,
    NAMESPACE_OBJECT,
    SERVICE,
    pod_spec,
)
from tests.policies.harness import DELETE, Case, StackCase

DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment"
POD = "spec.template.spec"
API = f"{POD}.containers.0"
CRON_POD = "spec.jobTemplate.spec.template.spec"
POD_OBJECT = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"namespace": "tasking-manager", "name": "tm-shell"},
    "spec": pod_spec("shell", ["sleep", "3600"]),
}


def _deployment(policy: Policy, failures: list[tuple[dict[str, Any], str]]) -> Case:
    return Case(policy, DEPLOYMENT_TYPE, DEPLOYMENT, failures)


CASES = [
    _deployment(
        kubernetes.k8s_pod_no_host_namespaces,
        [
            (
                {f"{POD}.hostNetwork": True},
                "hostNetwork is true: the pod shares the node's network namespace",
            ),
            ({f"{POD}.hostPID": True}, "hostPID is true"),
            ({f"{POD}.hostIPC": True}, "hostIPC is true"),
        ],
    ),
    _deployment(
        kubernetes.k8s_pod_volume_types,
        [
            (
                {f"{POD}.volumes.0": {"name": "tmp", "hostPath": {"path": "/var/run/docker.sock"}}},
                "volume tmp is a hostPath volume",
            ),
            (
                {f"{POD}.volumes.0": {"name": "tmp", "nfs": {"server": "nfs.internal", "path": "/"}}},
                "volume tmp is of type nfs; the restricted profile allows configMap",
            ),
        ],
    ),
    _deployment(
        kubernetes.k8s_pod_no_host_ports,
        [({f"{API}.ports.0.hostPort": 5000}, "container api binds port 5000 on the node (hostPort)")],
    ),
    _deployment(
        kubernetes.k8s_container_not_privileged,
        [
            ({f"{API}.securityContext.privileged": True}, "container api is privileged"),
            (
                {f"{API}.securityContext.windowsOptions": {"hostProcess": True}},
                "container api is a Windows HostProcess container",
            ),
            (
                {f"{POD}.securityContext.windowsOptions": {"hostProcess": True}},
                "the pod runs as a Windows HostProcess pod",
            ),
        ],
    ),
    _deployment(
        kubernetes.k8s_container_no_privilege_escalation,
        [
            ({f"{API}.securityContext.allowPrivilegeEscalation": True}, "container api may gain privileges"),
            (
                {f"{API}.securityContext.allowPrivilegeEscalation": DELETE},
                "container api may gain privileges",
            ),
        ],
    ),
    _deployment(
        kubernetes.k8s_pod_non_root,
        [
            ({f"{POD}.securityContext.runAsNonRoot": DELETE}, "container api may run as root"),
            ({f"{POD}.securityContext.runAsNonRoot": False}, "container api may run as root"),
            ({f"{API}.securityContext.runAsNonRoot": False}, "container api may run as root"),
            ({f"{API}.securityContext.runAsUser": 0}, "container api runs as user 0 (root)"),
            ({f"{POD}.securityContext.runAsUser": 0}, "the pod's securityContext.runAsUser is 0 (root)"),
        ],
    ),
    _deployment(
        kubernetes.k8s_container_read_only_root_filesystem,
        [
            ({f"{API}.securityContext.readOnlyRootFilesystem": False}, "container api can write to its root"),
            (
                {f"{API}.securityContext.readOnlyRootFilesystem": DELETE},
                "container api can write to its root",
            ),
        ],
    ),
    _deployment(
        kubernetes.k8s_container_capabilities,
        [
            (
                {f"{API}.securityContext.capabilities.drop": ["NET_RAW"]},
                "container api keeps the runtime's default capabilities",
            ),
            (
                {f"{API}.securityContext.capabilities": DELETE},
                "container api keeps the runtime's default capabilities",
            ),
            (
                {f"{API}.securityContext.capabilities.add": ["NET_BIND_SERVICE", "SYS_ADMIN"]},
                "container api adds capabilities SYS_ADMIN; only NET_BIND_SERVICE may be added",
            ),
            (
                {f"{POD}.initContainers": [{"name": "wait", "image": "busybox:1.37"}]},
                "init container wait keeps the runtime's default capabilities",
            ),
        ],
    ),
    _deployment(
        kubernetes.k8s_pod_seccomp,
        [
            (
                {f"{POD}.securityContext.seccompProfile": DELETE},
                "container api runs under seccomp profile (unset",
            ),
            (
                {f"{POD}.securityContext.seccompProfile.type": "Unconfined"},
                "container api runs under seccomp profile Unconfined",
            ),
            (
                {f"{API}.securityContext.seccompProfile": {"type": "Unconfined"}},
                "container api runs under seccomp profile Unconfined",
            ),
        ],
    ),
    _deployment(
        kubernetes.k8s_container_resources,
        [
            ({f"{API}.resources.limits.memory": DELETE}, "container api sets no limits.memory"),
            ({f"{API}.resources.requests.cpu": DELETE}, "container api sets no requests.cpu"),
            (
                {f"{API}.resources": DELETE},
                "container api sets no requests.cpu, requests.memory, limits.cpu, limits.memory",
            ),
        ],
    ),
    Case(
        kubernetes.k8s_container_resources,
        "kubernetes:postgresql.cnpg.io/v1:Cluster",
        DB_CLUSTER,
        [
            ({"spec.resources.limits.memory": DELETE}, "the database instances set no limits.memory"),
            (
                {"spec.resources": DELETE},
                "the database instances set no requests.cpu, requests.memory, limits.cpu, limits.memory",
            ),
        ],
    ),
    # The pod of each other kind that carries one, where it keeps it.
    Case(
        kubernetes.k8s_pod_non_root,
        "kubernetes:batch/v1:Job",
        JOB,
        [
            (
                {"spec.template.spec.containers.0.securityContext.runAsUser": 0},
                "container migrate runs as user 0",
            )
        ],
    ),
    Case(
        kubernetes.k8s_container_read_only_root_filesystem,
        "kubernetes:batch/v1:CronJob",
        CRON_JOB,
        [
            (
                {f"{CRON_POD}.containers.0.securityContext.readOnlyRootFilesystem": False},
                "container cron can write to its root file system",
            )
        ],
    ),
    Case(
        kubernetes.k8s_pod_no_host_namespaces,
        "kubernetes:core/v1:Pod",
        POD_OBJECT,
        [({"spec.hostPID": True}, "hostPID is true")],
    ),
    Case(
        kubernetes.k8s_namespace_pod_security_restricted,
        "kubernetes:core/v1:Namespace",
        NAMESPACE_OBJECT,
        [
            (
                {"metadata.labels": {"pod-security.kubernetes.io/enforce": "baseline"}},
                "label pod-security.kubernetes.io/enforce is baseline",
            ),
            ({"metadata.labels": DELETE}, "label pod-security.kubernetes.io/enforce is unset"),
        ],
    ),
    Case(
        kubernetes.k8s_service_not_exposed,
        "kubernetes:core/v1:Service",
        SERVICE,
        [
            ({"spec.type": "LoadBalancer"}, "type is LoadBalancer: the Service opens a port on every node"),
            ({"spec.type": "NodePort"}, "type is NodePort"),
            ({"spec.externalIPs": ["203.0.113.10"]}, "externalIPs 203.0.113.10"),
        ],
    ),
    StackCase(
        kubernetes.k8s_namespace_default_deny,
        {
            "namespace": ("kubernetes:core/v1:Namespace", NAMESPACE_OBJECT),
            "default-deny": ("kubernetes:networking.k8s.io/v1:NetworkPolicy", DEFAULT_DENY),
            "api": (DEPLOYMENT_TYPE, DEPLOYMENT),
        },
        [
            ({"default-deny": DELETE}, "namespace tasking-manager has no default-deny NetworkPolicy"),
            ({"default-deny.metadata.namespace": "other"}, "namespace tasking-manager has no default-deny"),
            (
                {"default-deny.spec.podSelector": {"matchLabels": {"app.kubernetes.io/component": "api"}}},
                "namespace tasking-manager has no default-deny",
            ),
            ({"default-deny.spec.policyTypes": ["Ingress"]}, "namespace tasking-manager has no default-deny"),
            ({"default-deny.spec.policyTypes": DELETE}, "namespace tasking-manager has no default-deny"),
            ({"default-deny.spec.ingress": [{}]}, "namespace tasking-manager has no default-deny"),
            ({"default-deny.spec.egress": [{}]}, "namespace tasking-manager has no default-deny"),
            (
                {"api.metadata.namespace": "elsewhere"},
                "runs in namespace elsewhere, which has no default-deny",
            ),
            ({"api.metadata.namespace": DELETE}, "its namespace is unset or unknown"),
        ],
    ),
]
