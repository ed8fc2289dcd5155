"""What the Kubernetes fixtures do not show: what the restricted profile still allows, where a pod
kind keeps its pod, the default-deny join during a preview, that the fixtures are objects the
API server accepts, and that every pod template of the example stack passes the pod rules."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
from security_baseline import kubernetes
from security_baseline.framework import ResourcePolicy

from offline.engine import Plan
from offline.k8s_manifests import Manifest, validate_manifest
from offline.policy_run import PackProcess, check_plan, load_config, reconcile_config
from tests.conftest import plan_for
from tests.k8s_fixtures import DEFAULT_DENY, DEPLOYMENT, NAMESPACE_OBJECT, OBJECTS, pod_spec, registrations
from tests.policies.cases.kubernetes import CASES
from tests.policies.harness import UNKNOWN, Case, StackCase, mutate, run_resource_policy, run_stack_policy

DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment"
API = "spec.template.spec.containers.0"


def _deployment(path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(DEPLOYMENT)
    mutate(changed, path, value)
    return changed


@pytest.mark.parametrize(
    ("policy", "path", "value"),
    [
        (
            kubernetes.k8s_container_capabilities,
            f"{API}.securityContext.capabilities.add",
            ["NET_BIND_SERVICE"],
        ),
        (
            kubernetes.k8s_container_capabilities,
            f"{API}.securityContext.capabilities.add",
            ["CAP_NET_BIND_SERVICE"],
        ),
        (
            kubernetes.k8s_pod_seccomp,
            "spec.template.spec.securityContext.seccompProfile",
            {"type": "Localhost", "localhostProfile": "profiles/tm.json"},
        ),
        (kubernetes.k8s_pod_non_root, f"{API}.securityContext.runAsNonRoot", True),
        (kubernetes.k8s_pod_no_host_ports, f"{API}.ports.0.hostPort", 0),
        (kubernetes.k8s_pod_no_host_namespaces, "spec.template.spec.hostNetwork", False),
        (
            kubernetes.k8s_pod_volume_types,
            "spec.template.spec.volumes.0",
            {"name": "config", "projected": {"sources": [{"configMap": {"name": "tm"}}]}},
        ),
    ],
)
def test_what_the_restricted_profile_allows_passes(policy: Any, path: str, value: Any) -> None:
    assert run_resource_policy(policy, DEPLOYMENT_TYPE, _deployment(path, value)) == []


def test_a_container_setting_overrides_the_pods() -> None:
    """runAsNonRoot and seccompProfile on the container win over the pod's, either way."""
    pod_unset = _deployment("spec.template.spec.securityContext", {})
    mutate(pod_unset, f"{API}.securityContext.runAsNonRoot", True)
    mutate(pod_unset, f"{API}.securityContext.seccompProfile", {"type": "RuntimeDefault"})
    assert run_resource_policy(kubernetes.k8s_pod_non_root, DEPLOYMENT_TYPE, pod_unset) == []
    assert run_resource_policy(kubernetes.k8s_pod_seccomp, DEPLOYMENT_TYPE, pod_unset) == []


@pytest.mark.parametrize("token", kubernetes.WORKLOADS)
def test_every_pod_kind_is_read_where_it_keeps_its_pod(token: str) -> None:
    """A privileged container is found in each kind's pod, wherever that kind keeps it."""
    spec = pod_spec("app", ["run"])
    spec["containers"][0]["securityContext"]["privileged"] = True
    props: dict[str, Any] = {}
    path = kubernetes.POD_SPEC_PATHS[token]
    node = props
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = spec
    assert run_resource_policy(kubernetes.k8s_container_not_privileged, token, props) == [
        "container app is privileged (root on the node)"
    ]


def test_an_ephemeral_container_is_a_container_too() -> None:
    pod = {"spec": pod_spec("app", ["run"])}
    pod["spec"]["ephemeralContainers"] = [{"name": "debug", "image": "busybox:1.37"}]
    found = run_resource_policy(kubernetes.k8s_container_capabilities, "kubernetes:core/v1:Pod", pod)
    assert found == [
        "ephemeral container debug keeps the runtime's default capabilities "
        "(capabilities.drop does not list ALL)"
    ]


def test_an_unknown_pod_cannot_be_evaluated() -> None:
    found = run_resource_policy(kubernetes.k8s_pod_non_root, DEPLOYMENT_TYPE, {**DEPLOYMENT, "spec": UNKNOWN})
    assert found == "cannot evaluate"


# -- the default-deny join ------------------------------------------------------------------------

NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"
POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


def _unnamed(body: dict[str, Any], key: str) -> dict[str, Any]:
    """The object with its metadata `key` unknown, as during a preview when it comes from
    another resource (an auto-named namespace)."""
    return {**body, "metadata": {**body["metadata"], key: UNKNOWN}}


# A namespace, its default-deny policy and a Deployment, all named by the engine (unknown).
UNNAMED = {
    "ns": (NAMESPACE_TYPE, _unnamed(NAMESPACE_OBJECT, "name")),
    "deny": (POLICY_TYPE, _unnamed(DEFAULT_DENY, "namespace")),
    "api": (DEPLOYMENT_TYPE, _unnamed(DEPLOYMENT, "namespace")),
}


def test_the_join_holds_during_preview_through_the_property_dependency() -> None:
    found = run_stack_policy(
        kubernetes.k8s_namespace_default_deny,
        UNNAMED,
        dependencies={"deny": {"metadata": ["ns"]}, "api": {"metadata": ["ns"]}},
    )
    assert found == []


def test_the_join_on_unknown_names_fails_closed() -> None:
    found = run_stack_policy(kubernetes.k8s_namespace_default_deny, UNNAMED)
    assert isinstance(found, list)
    assert [name for _, name in found] == ["ns", "api"]


def test_a_namespace_the_stack_does_not_create_needs_its_default_deny_too() -> None:
    found = run_stack_policy(
        kubernetes.k8s_namespace_default_deny,
        {"deny": (POLICY_TYPE, DEFAULT_DENY), "api": (DEPLOYMENT_TYPE, DEPLOYMENT)},
    )
    assert found == []


# -- the fixtures are objects the API server accepts --------------------------------------------


def _fixtures() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for case in CASES:
        if isinstance(case, Case):
            found.append((case.policy.name, case.resource_type, case.props))
        elif isinstance(case, StackCase):
            found += [(case.policy.name, kind, props) for kind, props in case.resources.values()]
    return found


@pytest.mark.parametrize(
    ("policy", "token", "body"), _fixtures(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_compliant_fixture_is_a_valid_object(policy: str, token: str, body: dict[str, Any]) -> None:
    assert validate_manifest(Manifest(f"{token} ({policy})", body)) == []


# -- the example stack's pod templates ------------------------------------------------------------

POD_RULES = [
    p for p in kubernetes.POLICIES if isinstance(p, ResourcePolicy) and DEPLOYMENT_TYPE in p.resource_types
]


def _example_pod_templates() -> dict[str, dict[str, Any]]:
    """Each pod template of the k8s-example plan, by its component label: the Deployments' and the
    migration Job's (CloudNativePG sets its own pods' security contexts itself)."""
    plan = plan_for("k8s-example")
    holders = [*plan.of_type(DEPLOYMENT_TYPE), *plan.of_type("kubernetes:batch/v1:Job")]
    templates = [r.inputs["spec"]["template"] for r in holders]
    return {t["metadata"]["labels"]["app.kubernetes.io/component"]: t for t in templates}


def test_every_pod_template_of_the_example_passes_the_pod_rules() -> None:
    templates = _example_pod_templates()
    assert set(templates) == {"api", "scheduler", "migration", "frontend"}
    assert {rule.name for rule in POD_RULES} >= {
        "k8s-pod-non-root",
        "k8s-container-read-only-root-filesystem",
        "k8s-container-resources",
    }
    found = {
        (component, rule.name): run_resource_policy(rule, DEPLOYMENT_TYPE, {"spec": {"template": template}})
        for component, template in templates.items()
        for rule in POD_RULES
    }
    assert {key: messages for key, messages in found.items() if messages} == {}
    # Stricter than the rules, which let the image's USER stand under runAsNonRoot and allow a
    # node-local seccomp profile and NET_BIND_SERVICE: these pods name their user, take the
    # runtime's profile and add no capability.
    for component, template in templates.items():
        pod = template["spec"]
        for container in [*pod["containers"], *pod.get("initContainers", [])]:
            own, shared = container["securityContext"], pod["securityContext"]
            user = own.get("runAsUser", shared.get("runAsUser"))
            assert user is not None, (component, container["name"])
            assert user > 0, (component, container["name"])
            profile = own.get("seccompProfile", shared.get("seccompProfile"))
            assert profile == {"type": "RuntimeDefault"}, (component, container["name"])
            assert not own.get("capabilities", {}).get("add"), (component, container["name"])


# -- mandatory everywhere -------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ["prod", "staging", "dev", "review"])
def test_every_kubernetes_rule_is_mandatory_in_every_environment(
    packs: list[PackProcess], environment: str
) -> None:
    pack = next(p for p in packs if p.directory.name == "security-baseline")
    config = reconcile_config(pack.info(), load_config("security-baseline", environment))
    levels = {name: level for name, (level, _) in config.items() if name.startswith("k8s-")}
    assert levels == dict.fromkeys((p.name for p in kubernetes.POLICIES), "mandatory")


# -- through the analyzer protocol, as the CLI runs the pack -----------------------------------------


def _plan(objects: dict[str, tuple[str, dict[str, Any]]]) -> Plan:
    resources = [dataclasses.replace(r, outputs=dict(r.inputs)) for r in registrations(objects)]
    return Plan("k8s-example", "dev", resources, {})


def test_the_example_objects_pass_both_packs_over_the_protocol(packs: list[PackProcess]) -> None:
    result = check_plan(_plan(OBJECTS), packs)
    assert [f"{v.policy} {v.urn}: {v.message}" for v in result.violations] == []


def test_a_privileged_deployment_is_blocked_over_the_protocol(packs: list[PackProcess]) -> None:
    broken = _deployment(f"{API}.securityContext.privileged", True)
    result = check_plan(_plan({**OBJECTS, "api": (OBJECTS["api"][0], broken)}), packs)
    assert [(v.policy, v.message) for v in result.mandatory] == [
        ("k8s-container-not-privileged", "container api is privileged (root on the node)")
    ]
