"""Kubernetes: the Pod Security Standards' `restricted` profile on every pod the stack declares,
resource requests and limits, namespaces that enforce `restricted` and deny traffic by default,
and Services that do not open the nodes to the network.

pulumi-kubernetes hands a policy the object's manifest as its properties (apiVersion, kind,
metadata, spec, in the API's camelCase). A pod is checked wherever the stack declares one: a Pod,
or the pod template of a Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController,
Job, CronJob or PodTemplate. Its containers are `containers`, `initContainers` and
`ephemeralContainers`; a container's security context overrides the pod's where both may set a
field (runAsNonRoot, runAsUser, seccompProfile). What an unset field means is what the kubelet
does with it: usually the permissive default.

Pods an operator creates from a custom resource (CloudNativePG's database pods) are not in the
plan; the namespace's `pod-security.kubernetes.io/enforce: restricted` label makes the API server
hold them to the same profile when they are created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    PolicyResource,
    ResourceValidationArgs,
    Severity,
    StackValidationArgs,
)
from pulumi_policy.proxy import UnknownValueError

from .framework import ResourceCheck, ResourcePolicy, StackPolicy, is_false, is_true, matches

NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SERVICE = "kubernetes:core/v1:Service"
CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster"
# Where each kind keeps its pod spec, from the object's root.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Pod": ("spec",),
    "kubernetes:core/v1:PodTemplate": ("template", "spec"),
    "kubernetes:core/v1:ReplicationController": ("spec", "template", "spec"),
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
WORKLOADS = tuple(POD_SPEC_PATHS)
CONTAINER_LISTS = {"containers": "container", "initContainers": "init container"}
EPHEMERAL = ("ephemeralContainers", "ephemeral container")
# The Pod Security Standards' restricted profile: the volume types a pod may use, the one
# capability a container may add, the seccomp profiles it may run under
# (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted).
RESTRICTED_VOLUME_TYPES = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
)
ADDABLE_CAPABILITIES = ("NET_BIND_SERVICE",)
SECCOMP_PROFILES = ("RuntimeDefault", "Localhost")
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
HOST_NAMESPACES = {"hostNetwork": "network", "hostPID": "process ID", "hostIPC": "IPC"}


# -- reading pods --------------------------------------------------------------------------------


def pod_spec(props: Mapping[str, Any], resource_type: str) -> Mapping[str, Any]:
    """The pod spec an object declares (empty when it has none)."""
    node: Any = props
    for key in POD_SPEC_PATHS.get(resource_type, ()):
        node = node.get(key) if isinstance(node, Mapping) else None
        if node is None:
            return {}
    return node if isinstance(node, Mapping) else {}


def _workload_type(resource_type: str) -> str:
    return next((t for t in WORKLOADS if matches(resource_type, (t,))), resource_type)


def containers(spec: Mapping[str, Any], ephemeral: bool = True) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(how a message names it, the container) for each container of a pod spec."""
    lists = dict(CONTAINER_LISTS)
    if ephemeral:
        lists[EPHEMERAL[0]] = EPHEMERAL[1]
    for key, kind in lists.items():
        for container in spec.get(key) or []:
            yield f"{kind} {container.get('name') or '(unnamed)'}", container


PodCheck = Callable[[Mapping[str, Any]], Iterable[str]]


def _pod_check(check: PodCheck) -> ResourceCheck:
    """A resource check of the pod an object declares: `check(spec)` yields the messages."""

    def run(args: ResourceValidationArgs) -> Iterator[str]:
        yield from check(pod_spec(args.props, _workload_type(args.resource_type)))

    return run


def _context(node: Mapping[str, Any]) -> Mapping[str, Any]:
    return node.get("securityContext") or {}


def _effective(spec: Mapping[str, Any], container: Mapping[str, Any], key: str) -> Any:
    """A security context field as the container runs with it: its own, else the pod's."""
    own = _context(container).get(key)
    return own if own is not None else _context(spec).get(key)


def _pod_policy(
    name: str,
    summary: str,
    controls: Iterable[str],
    unset: str,
    check: PodCheck,
) -> ResourcePolicy:
    return ResourcePolicy(
        name=name,
        summary=summary,
        controls=controls,
        severity=Severity.HIGH,
        resource_types=WORKLOADS,
        unset=unset,
        check=_pod_check(check),
    )


# -- the restricted profile, one control each ----------------------------------------------------


def _host_namespaces(spec: Mapping[str, Any]) -> Iterator[str]:
    for key, namespace in HOST_NAMESPACES.items():
        if is_true(spec.get(key)):
            yield f"{key} is true: the pod shares the node's {namespace} namespace"


k8s_pod_no_host_namespaces = _pod_policy(
    "k8s-pod-no-host-namespaces",
    "Pods do not share the node's network, process or IPC namespace",
    (
        "PSS baseline: Host Namespaces",
        "CIS K8s 5.2.3",
        "CIS K8s 5.2.4",
        "CIS K8s 5.2.5",
        "CKV_K8S_17",
        "CKV_K8S_18",
        "CKV_K8S_19",
    ),
    "hostNetwork, hostPID, hostIPC unset: false",
    _host_namespaces,
)


def _volume_types(spec: Mapping[str, Any]) -> Iterator[str]:
    for volume in spec.get("volumes") or []:
        kinds = [k for k in volume if k != "name"]
        if "hostPath" in kinds:
            yield f"volume {volume.get('name')} is a hostPath volume: the node's file system in the pod"
        elif not kinds or any(k not in RESTRICTED_VOLUME_TYPES for k in kinds):
            yield (
                f"volume {volume.get('name')} is of type {', '.join(kinds) or '(none)'}; the restricted "
                f"profile allows {', '.join(RESTRICTED_VOLUME_TYPES)}"
            )


k8s_pod_volume_types = _pod_policy(
    "k8s-pod-volume-types",
    "Pods mount no hostPath volume, only the volume types the restricted profile allows",
    ("PSS baseline: HostPath Volumes", "PSS restricted: Volume Types", "CIS K8s 5.2.12", "CKV_K8S_27"),
    "volumes unset: none",
    _volume_types,
)


def _host_ports(spec: Mapping[str, Any]) -> Iterator[str]:
    for name, container in containers(spec):
        for port in container.get("ports") or []:
            if port.get("hostPort") not in (None, 0):
                yield f"{name} binds port {port.get('hostPort')} on the node (hostPort)"


k8s_pod_no_host_ports = _pod_policy(
    "k8s-pod-no-host-ports",
    "Containers bind no port of the node",
    ("PSS baseline: Host Ports", "CIS K8s 5.2.13", "CKV_K8S_26"),
    "hostPort unset: none",
    _host_ports,
)


def _host_process(node: Mapping[str, Any]) -> bool:
    return is_true((_context(node).get("windowsOptions") or {}).get("hostProcess"))


def _not_privileged(spec: Mapping[str, Any]) -> Iterator[str]:
    if _host_process(spec):
        yield "the pod runs as a Windows HostProcess pod (securityContext.windowsOptions.hostProcess)"
    for name, container in containers(spec):
        if is_true(_context(container).get("privileged")):
            yield f"{name} is privileged (root on the node)"
        if _host_process(container):
            yield f"{name} is a Windows HostProcess container (the node's privileges)"


k8s_container_not_privileged = _pod_policy(
    "k8s-container-not-privileged",
    "Containers are not privileged, nor Windows HostProcess containers",
    (
        "PSS baseline: Privileged Containers",
        "PSS baseline: HostProcess",
        "CIS K8s 5.2.2",
        "CIS K8s 5.2.11",
        "CKV_K8S_16",
    ),
    "privileged, hostProcess unset: false",
    _not_privileged,
)


def _no_privilege_escalation(spec: Mapping[str, Any]) -> Iterator[str]:
    for name, container in containers(spec):
        if not is_false(_context(container).get("allowPrivilegeEscalation")):
            yield f"{name} may gain privileges (securityContext.allowPrivilegeEscalation is not false)"


k8s_container_no_privilege_escalation = _pod_policy(
    "k8s-container-no-privilege-escalation",
    "Containers cannot gain more privileges than their process started with",
    ("PSS restricted: Privilege Escalation", "CIS K8s 5.2.6", "CKV_K8S_20"),
    "allowPrivilegeEscalation unset: true (no_new_privs is not set)",
    _no_privilege_escalation,
)


def _non_root(spec: Mapping[str, Any]) -> Iterator[str]:
    if _context(spec).get("runAsUser") == 0:
        yield "the pod's securityContext.runAsUser is 0 (root)"
    for name, container in containers(spec):
        if _context(container).get("runAsUser") == 0:
            yield f"{name} runs as user 0 (root)"
        if not is_true(_effective(spec, container, "runAsNonRoot")):
            yield (
                f"{name} may run as root: runAsNonRoot is not true in its or the pod's securityContext "
                "(the image's USER decides)"
            )


k8s_pod_non_root = _pod_policy(
    "k8s-pod-non-root",
    "Containers run as a non-root user, which the kubelet verifies (runAsNonRoot) and no runAsUser 0",
    (
        "PSS restricted: Running as Non-root",
        "PSS restricted: Running as Non-root user",
        "CIS K8s 5.2.7",
        "CKV_K8S_23",
    ),
    "runAsNonRoot unset (container and pod): false, the image's USER decides; runAsUser unset: the image's",
    _non_root,
)


def _read_only_root(spec: Mapping[str, Any]) -> Iterator[str]:
    for name, container in containers(spec, ephemeral=False):
        if not is_true(_context(container).get("readOnlyRootFilesystem")):
            yield f"{name} can write to its root file system (securityContext.readOnlyRootFilesystem)"


k8s_container_read_only_root_filesystem = _pod_policy(
    "k8s-container-read-only-root-filesystem",
    "Containers have a read-only root file system",
    ("CKV_K8S_22",),
    "readOnlyRootFilesystem unset: false (writable)",
    _read_only_root,
)


def _capabilities(spec: Mapping[str, Any]) -> Iterator[str]:
    for name, container in containers(spec):
        capabilities = _context(container).get("capabilities") or {}
        dropped = [str(c) for c in capabilities.get("drop") or []]
        if "ALL" not in dropped:
            yield f"{name} keeps the runtime's default capabilities (capabilities.drop does not list ALL)"
        added = [str(c) for c in capabilities.get("add") or []]
        extra = [c for c in added if c.removeprefix("CAP_") not in ADDABLE_CAPABILITIES]
        if extra:
            allowed = ", ".join(ADDABLE_CAPABILITIES)
            yield f"{name} adds capabilities {', '.join(extra)}; only {allowed} may be added"


k8s_container_capabilities = _pod_policy(
    "k8s-container-capabilities",
    "Containers drop ALL capabilities and add none but NET_BIND_SERVICE",
    (
        "PSS baseline: Capabilities",
        "PSS restricted: Capabilities",
        "CIS K8s 5.2.8",
        "CIS K8s 5.2.9",
        "CIS K8s 5.2.10",
        "CKV_K8S_25",
        "CKV_K8S_28",
        "CKV_K8S_37",
        "CKV_K8S_39",
    ),
    "capabilities unset: the container runtime's default set (NET_RAW, CHOWN, SETUID... among them)",
    _capabilities,
)


def _seccomp(spec: Mapping[str, Any]) -> Iterator[str]:
    for name, container in containers(spec):
        profile = _effective(spec, container, "seccompProfile") or {}
        kind = profile.get("type")
        if kind not in SECCOMP_PROFILES:
            yield (
                f"{name} runs under seccomp profile {kind or '(unset: Unconfined)'}; set seccompProfile.type "
                f"to {' or '.join(SECCOMP_PROFILES)} on the pod or the container"
            )


k8s_pod_seccomp = _pod_policy(
    "k8s-pod-seccomp",
    "Containers run under the runtime's default (or a node-local) seccomp profile",
    ("PSS baseline: Seccomp", "PSS restricted: Seccomp", "CIS K8s 5.7.2", "CKV_K8S_31"),
    "seccompProfile unset (container and pod): Unconfined, unless the kubelet runs with --seccomp-default",
    _seccomp,
)


def _missing(resources: Mapping[str, Any] | None) -> list[str]:
    """Which of requests.cpu, requests.memory, limits.cpu, limits.memory a `resources` lacks."""
    resources = resources or {}
    return [
        f"{kind}.{resource}"
        for kind in ("requests", "limits")
        for resource in ("cpu", "memory")
        if (resources.get(kind) or {}).get(resource) in (None, "")
    ]


def _resources(args: ResourceValidationArgs) -> Iterator[str]:
    why = "the scheduler cannot place it and nothing bounds it"
    if matches(args.resource_type, (CNPG_CLUSTER,)):
        missing = _missing((args.props.get("spec") or {}).get("resources"))
        if missing:
            yield f"the database instances set no {', '.join(missing)} (spec.resources): {why}"
        return
    spec = pod_spec(args.props, _workload_type(args.resource_type))
    for name, container in containers(spec, ephemeral=False):
        missing = _missing(container.get("resources"))
        if missing:
            yield f"{name} sets no {', '.join(missing)}: {why}"


k8s_container_resources = ResourcePolicy(
    name="k8s-container-resources",
    summary="Containers, and CloudNativePG's database instances, request and are limited to CPU and memory",
    controls=("CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"),
    severity=Severity.MEDIUM,
    resource_types=(*WORKLOADS, CNPG_CLUSTER),
    unset="requests and limits unset: none (best effort: no guaranteed share, no bound but the node's)",
    check=_resources,
)


# -- namespaces and the network ------------------------------------------------------------------


def _restricted_namespace(args: ResourceValidationArgs) -> Iterator[str]:
    labels = (args.props.get("metadata") or {}).get("labels") or {}
    level = labels.get(ENFORCE_LABEL)
    if level != "restricted":
        yield (
            f"label {ENFORCE_LABEL} is {level or 'unset'}: the API server does not hold the "
            "namespace's pods to the restricted Pod Security Standard"
        )


k8s_namespace_pod_security_restricted = ResourcePolicy(
    name="k8s-namespace-pod-security-restricted",
    summary="Namespaces make the API server enforce the restricted Pod Security Standard",
    controls=("PSS restricted", "CIS K8s 5.2.1"),
    severity=Severity.HIGH,
    resource_types=(NAMESPACE,),
    unset="label unset: the cluster's default admission level (privileged unless configured)",
    check=_restricted_namespace,
)


def _exposed_service(args: ResourceValidationArgs) -> Iterator[str]:
    spec = args.props.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    if kind in ("LoadBalancer", "NodePort"):
        yield f"type is {kind}: the Service opens a port on every node (traffic enters through the Ingress)"
    external = [str(address) for address in spec.get("externalIPs") or []]
    if external:
        yield f"externalIPs {', '.join(external)}: the nodes answer for these addresses"


k8s_service_not_exposed = ResourcePolicy(
    name="k8s-service-not-exposed",
    summary="Services are internal (no LoadBalancer, NodePort or externalIPs): traffic enters by the Ingress",
    controls=("CVE-2020-8554",),
    severity=Severity.HIGH,
    resource_types=(SERVICE,),
    unset="type unset: ClusterIP; externalIPs unset: none",
    check=_exposed_service,
)


def _known(read: Any) -> Any:
    """A value, or None when it is unknown during preview."""
    try:
        return read()
    except UnknownValueError:
        return None


def _metadata(resource: PolicyResource, key: str) -> str | None:
    value = _known(lambda: (resource.props.get("metadata") or {}).get(key))
    return str(value) if value not in (None, "") else None


def denies_all(policy: PolicyResource) -> bool:
    """A NetworkPolicy selecting every pod of its namespace (empty podSelector) for Ingress and
    Egress with no rule: nothing reaches or leaves a pod unless another policy allows it.
    Unknown values make it no such policy."""

    def read() -> bool:
        spec = policy.props.get("spec") or {}
        selector = spec.get("podSelector")
        if selector is None or selector.get("matchLabels") or selector.get("matchExpressions"):
            return False
        types = {str(t) for t in spec.get("policyTypes") or []}
        return {"Ingress", "Egress"} <= types and not spec.get("ingress") and not spec.get("egress")

    return bool(_known(read))


def _in_namespace(policy: PolicyResource, namespace: PolicyResource) -> bool:
    """Whether `policy` is in `namespace`: its metadata came from the namespace (a property
    dependency, known during preview), or the names are equal."""
    if namespace.urn in {dep.urn for dep in policy.property_dependencies.get("metadata", [])}:
        return True
    name = _metadata(namespace, "name")
    return name is not None and _metadata(policy, "namespace") == name


def _of(resources: Iterable[PolicyResource], patterns: Sequence[str]) -> list[PolicyResource]:
    return [r for r in resources if matches(r.resource_type, patterns)]


def _default_deny(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    namespaces = _of(args.resources, (NAMESPACE,))
    denying = [p for p in _of(args.resources, (NETWORK_POLICY,)) if denies_all(p)]
    why = "has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)"
    for namespace in namespaces:
        if not any(_in_namespace(p, namespace) for p in denying):
            yield (f"namespace {_metadata(namespace, 'name') or namespace.name} {why}", namespace.urn)
    created = {n.urn for n in namespaces}
    for workload in _of(args.resources, WORKLOADS):
        if {dep.urn for dep in workload.property_dependencies.get("metadata", [])} & created:
            continue  # in a namespace of the stack's, checked above
        name = _metadata(workload, "namespace")
        if name is None:
            yield (
                "its namespace is unset or unknown: it runs in the provider's default namespace, "
                "which the stack does not isolate",
                workload.urn,
            )
        elif any(_metadata(n, "name") == name for n in namespaces):
            continue
        elif not any(_metadata(p, "namespace") == name for p in denying):
            yield (f"runs in namespace {name}, which {why}", workload.urn)


k8s_namespace_default_deny = StackPolicy(
    name="k8s-namespace-default-deny",
    summary="Every namespace the stack creates or runs pods in denies all traffic by default",
    controls=("CIS K8s 5.3.2", "CKV2_K8S_6", "CKV_K8S_21"),
    severity=Severity.HIGH,
    resource_types=(NAMESPACE, NETWORK_POLICY, *WORKLOADS),
    unset=(
        "policyTypes unset: Ingress only (and Egress when there are egress rules), not a default "
        "deny; a workload's namespace unset: the provider's default namespace"
    ),
    check=_default_deny,
)


POLICIES = [
    k8s_namespace_pod_security_restricted,
    k8s_namespace_default_deny,
    k8s_pod_non_root,
    k8s_container_read_only_root_filesystem,
    k8s_container_no_privilege_escalation,
    k8s_container_capabilities,
    k8s_pod_seccomp,
    k8s_pod_no_host_namespaces,
    k8s_pod_volume_types,
    k8s_pod_no_host_ports,
    k8s_container_not_privileged,
    k8s_container_resources,
    k8s_service_not_exposed,
]
