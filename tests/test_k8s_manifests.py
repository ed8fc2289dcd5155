"""The plan's Kubernetes objects are validated offline: built-in kinds against the OpenAPI schemas
of the supported Kubernetes versions (kubernetes-validate's), CloudNativePG's and the External
Secrets operator's against the schemas of their CustomResourceDefinitions at the recorded releases."""

from __future__ import annotations

import copy
import json
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import all_versions

from offline import crd_schemas, k8s_manifests
from offline.engine import Plan
from offline.k8s_manifests import (
    SUPPORTED_VERSIONS,
    Manifest,
    manifests,
    strict,
    validate_manifest,
    validate_plan,
)
from offline.mocks import Registration
from offline.report import MASK, SECRET_SIGNATURE, SECRET_SIGNATURE_KEY
from tests.conftest import plan_for
from tests.k8s_fixtures import EXTERNAL_SECRETS, OBJECTS, registration, registrations
from tests.policies.harness import DELETE, mutate

ALL_VERSIONS = f"(Kubernetes {', '.join(SUPPORTED_VERSIONS)})"
CNPG = "(CloudNativePG v1.30.0)"
CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster 'db'"
ESO = "(External Secrets Operator v2.9.0)"


def _problems(name: str, path: str, value: Any) -> list[str]:
    """What validate_plan reports when one fixture object's field at `path` ("a.b.0.c") is set to
    `value` (DELETE: removed), the other objects unchanged."""
    token, body = OBJECTS[name]
    changed = copy.deepcopy(body)
    mutate(changed, path, value)
    others = registrations({k: v for k, v in OBJECTS.items() if k != name})
    return validate_plan([*others, registration(token, name, changed)])


def test_the_example_objects_are_valid() -> None:
    assert validate_plan(registrations()) == []


def test_a_plan_is_read_for_its_kubernetes_objects_alone() -> None:
    others = [
        Registration("urn:stack", "pulumi:pulumi:Stack", "k8s-example", False, "", {}, [], ""),
        Registration(
            "urn:p", "pulumi:providers:kubernetes", "cluster", True, "", {"kubeconfig": "x"}, [], ""
        ),
        Registration("urn:c", "tm:kubernetes:Backend", "backend", False, "", {}, [], ""),
        Registration("urn:h", "kubernetes:helm.sh/v3:Release", "cnpg", True, "", {"chart": "cnpg"}, [], ""),
        Registration("urn:y", "kubernetes:yaml/v2:ConfigGroup", "crds", True, "", {"files": []}, [], ""),
        Registration("urn:d", "kubernetes:apps/v1:DeploymentPatch", "p", True, "", {"spec": {}}, [], ""),
    ]
    plan = Plan("k8s-example", "dev", [*others, *registrations()], {})
    assert [m.label for m in manifests(plan)] == [f"{token} '{name}'" for name, (token, _) in OBJECTS.items()]
    assert validate_plan(plan) == []


def test_whole_numbers_from_the_engine_are_integers_again() -> None:
    (found,) = manifests([registration(OBJECTS["api"][0], "api", OBJECTS["api"][1])])
    assert found.body["spec"]["replicas"] == 2
    assert isinstance(found.body["spec"]["replicas"], int)


def test_api_version_and_kind_come_from_the_type_token_when_unset() -> None:
    bare = Registration("urn:n", "kubernetes:core/v1:Namespace", "ns", True, "", {"metadata": {}}, [], "")
    (found,) = manifests([bare])
    assert (found.api_version, found.kind) == ("v1", "Namespace")
    assert validate_manifest(found) == []


# -- each way to fail names the object and the field ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "path", "value", "expected"),
    [
        (
            "api",
            "spec.template.spec.containers.0.securityContext.readOnlyRootFileSystem",
            True,
            "kubernetes:apps/v1:Deployment 'api': spec.template.spec.containers[0].securityContext"
            f".readOnlyRootFileSystem: unknown field {ALL_VERSIONS}",
        ),
        (
            "api",
            "spec.replicas",
            "two",
            "kubernetes:apps/v1:Deployment 'api': spec.replicas: 'two' is not of type 'integer'",
        ),
        (
            "migrate",
            "spec.template.spec.containers.0.command",
            "alembic upgrade head",
            "kubernetes:batch/v1:Job 'migrate': spec.template.spec.containers[0].command: "
            "'alembic upgrade head' is not of type 'array'",
        ),
        (
            "migrate",
            "spec.template.spec.containers.0.name",
            DELETE,
            f"kubernetes:batch/v1:Job 'migrate': spec.template.spec.containers[0].name: "
            f"required field missing {ALL_VERSIONS}",
        ),
        (
            "default-deny",
            "spec.policyType",
            ["Ingress"],
            "kubernetes:networking.k8s.io/v1:NetworkPolicy 'default-deny': spec.policyType: unknown field",
        ),
        (
            "namespace",
            "metadata.labels",
            {"pod-security.kubernetes.io/enforce": True},
            "kubernetes:core/v1:Namespace 'namespace': metadata.labels.pod-security.kubernetes.io/enforce: "
            "True is not of type 'string'",
        ),
        (
            "db",
            "spec.instance",
            3,
            f"{CLUSTER}: spec.instance: unknown field {CNPG}",
        ),
        (
            "db",
            "spec.instances",
            "three",
            "kubernetes:postgresql.cnpg.io/v1:Cluster 'db': spec.instances: 'three' is not of type 'integer' "
            "(CloudNativePG v1.30.0)",
        ),
        (
            "db",
            "spec.instances",
            DELETE,
            "kubernetes:postgresql.cnpg.io/v1:Cluster 'db': spec.instances: required field missing "
            "(CloudNativePG v1.30.0)",
        ),
        (
            "db",
            "spec.storage.sizee",
            "20Gi",
            "kubernetes:postgresql.cnpg.io/v1:Cluster 'db': spec.storage.sizee: unknown field",
        ),
        (
            "db",
            "spec.primaryUpdateStrategy",
            "whenever",
            f"{CLUSTER}: spec.primaryUpdateStrategy: 'whenever' is not one of",
        ),
        (
            "db",
            "metadata.label",
            {"a": "b"},
            f"kubernetes:postgresql.cnpg.io/v1:Cluster 'db': metadata.label: unknown field {ALL_VERSIONS}",
        ),
        (
            "db-pooler",
            "spec.type",
            "readwrite",
            "kubernetes:postgresql.cnpg.io/v1:Pooler 'db-pooler': spec.type: 'readwrite' is not one of",
        ),
        (
            "db-backup",
            "spec.cluster",
            "tm-db",
            "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup 'db-backup': spec.cluster: "
            "'tm-db' is not of type 'object'",
        ),
    ],
)
def test_a_wrong_field_is_named(name: str, path: str, value: Any, expected: str) -> None:
    found = _problems(name, path, value)
    assert any(problem.startswith(expected) for problem in found), found


def test_a_removed_api_version_is_not_served() -> None:
    cron = copy.deepcopy(OBJECTS["cron"][1])
    cron["apiVersion"] = "batch/v1beta1"
    found = validate_manifest(Manifest("kubernetes:batch/v1beta1:CronJob 'cron'", cron))
    assert found == [
        f"kubernetes:batch/v1beta1:CronJob 'cron': batch/v1beta1 CronJob is not served {ALL_VERSIONS}"
    ]


def test_a_kind_with_no_recorded_schema_is_a_problem() -> None:
    monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {}, "spec": {}}
    (found,) = validate_manifest(Manifest("kubernetes:monitoring.coreos.com/v1:ServiceMonitor 'm'", monitor))
    assert "no schema for monitoring.coreos.com/v1 ServiceMonitor" in found
    backup = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Backup", "metadata": {}, "spec": {}}
    (found,) = validate_manifest(Manifest("kubernetes:postgresql.cnpg.io/v1:Backup 'b'", backup))
    assert "CloudNativePG v1.30.0 has no recorded schema for Backup" in found


def test_a_cloudnativepg_kind_at_another_api_version_is_a_problem() -> None:
    cluster = {**OBJECTS["db"][1], "apiVersion": "postgresql.cnpg.io/v2"}
    assert validate_manifest(Manifest("c", cluster)) == [
        "c: apiVersion postgresql.cnpg.io/v2: CloudNativePG v1.30.0 serves postgresql.cnpg.io/v1"
    ]


def test_a_problem_in_some_versions_names_those() -> None:
    found = validate_manifest(Manifest("d", OBJECTS["api"][1]), versions=("1.25", "1.37"))
    assert found == []
    job = copy.deepcopy(OBJECTS["migrate"][1])
    # Job.spec.managedBy arrived in Kubernetes 1.30: older schemas do not know it.
    job["spec"]["managedBy"] = "kueue.x-k8s.io/multikueue"
    assert validate_manifest(Manifest("j", job), versions=("1.29", "1.30")) == [
        "j: spec.managedBy: unknown field (Kubernetes 1.29)"
    ]


def test_a_secret_value_never_reaches_a_message() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"namespace": "tasking-manager", "name": "tm"},
        "stringData": {SECRET_SIGNATURE_KEY: SECRET_SIGNATURE, "value": {"TM_SECRET": "s3cr3t-value"}},
        "type": {SECRET_SIGNATURE_KEY: SECRET_SIGNATURE, "value": "hunter2-as-a-type"},
    }
    bad = secret | {"immutable": {SECRET_SIGNATURE_KEY: SECRET_SIGNATURE, "value": "not-a-bool-secret"}}
    (found,) = manifests([registration("kubernetes:core/v1:Secret", "tm", secret)])
    assert found.body["stringData"] == {"TM_SECRET": MASK}
    assert validate_manifest(found) == []
    problems = validate_plan([registration("kubernetes:core/v1:Secret", "tm", bad)])
    assert problems
    assert all("secret" not in p.split(": ", 1)[1].replace("[secret]", "") for p in problems)
    values = ("s3cr3t-value", "hunter2-as-a-type", "not-a-bool-secret")
    assert [(v, p) for v in values for p in problems if v in p] == []
    assert "immutable: '[secret]' is not of type 'boolean'" in problems[0]


# -- the schemas: offline, the versions chosen, agreeing with kubernetes-validate's own check -------


def test_the_supported_versions_are_the_three_newest_the_package_ships() -> None:
    shipped = sorted(
        {v.rsplit(".", 1)[0] for v in all_versions()}, key=lambda v: tuple(map(int, v.split(".")))
    )
    assert tuple(shipped[-3:]) == SUPPORTED_VERSIONS


def test_validation_opens_no_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the validation tried to reach the network")

    for cached in (k8s_manifests._registry, k8s_manifests.builtin_validator, k8s_manifests.crd_validator):
        cached.cache_clear()
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert validate_plan(registrations()) == []
    assert _problems("api", "spec.replicas", "two")


@pytest.mark.parametrize("name", [n for n, (t, _) in OBJECTS.items() if "cnpg" not in t])
def test_the_verdict_is_kubernetes_validates_own(name: str) -> None:
    """Our reading of the package's schemas agrees with its public `validate` (strict)."""
    body = OBJECTS[name][1]
    broken = copy.deepcopy(body) | {"spec": {**body.get("spec", {}), "unexpected": 1}}
    for version in SUPPORTED_VERSIONS:
        kubernetes_validate.validate(copy.deepcopy(body), version, strict=True)
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, version, strict=True)
        assert validate_manifest(Manifest("x", broken), [version]) == [
            f"x: spec.unexpected: unknown field (Kubernetes {version})"
        ]


def test_a_crd_schema_is_made_strict_as_the_api_server_applies_it() -> None:
    schema = {
        "type": "object",
        "properties": {
            "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"a": {}}},
            "map": {"type": "object", "additionalProperties": {"type": "string"}},
            "maybe": {"type": "string", "nullable": True},
            "description": {"type": "object", "properties": {"x": {"type": "string"}}},
        },
    }
    tightened = strict(schema)
    assert tightened["additionalProperties"] is False
    assert "additionalProperties" not in tightened["properties"]["open"]
    assert tightened["properties"]["map"]["additionalProperties"] == {"type": "string"}
    assert tightened["properties"]["maybe"]["type"] == ["string", "null"]
    assert tightened["properties"]["description"]["additionalProperties"] is False
    assert "additionalProperties" not in schema  # the recorded schema itself is left alone


# -- the recorded CustomResourceDefinition schemas and the script that records them ------------

RELEASES = {"cloudnative-pg": "v1.30.0", "external-secrets": "v2.9.0"}
API_VERSIONS = {"cloudnative-pg": "postgresql.cnpg.io/v1", "external-secrets": "external-secrets.io/v1"}


@pytest.mark.parametrize("project", sorted(crd_schemas.PROJECTS))
def test_the_recorded_release_names_its_tag_and_commit(project: str) -> None:
    recorded = crd_schemas.load(project)
    assert recorded["ref"] == RELEASES[project]
    assert re.fullmatch(r"[0-9a-f]{40}", recorded["commit"])
    assert set(recorded["kinds"]) == set(crd_schemas.PROJECTS[project].kinds)
    for kind, entry in recorded["kinds"].items():
        assert entry["apiVersion"] == API_VERSIONS[project], kind
        assert entry["openAPIV3Schema"]["properties"]["spec"]["type"] == "object", kind
    assert f"crd_schemas {project} <clone> --ref {recorded['ref']}" in recorded["regenerate"]
    assert crd_schemas.render(recorded) == crd_schemas.schemas_path(project).read_text()


def test_each_project_is_recorded_in_its_own_file_and_no_other_is() -> None:
    assert sorted(p.name for p in crd_schemas.SCHEMAS_DIRECTORY.iterdir()) == sorted(
        f"{project}.json" for project in crd_schemas.PROJECTS
    )
    groups = [project.group for project in crd_schemas.PROJECTS.values()]
    assert len(set(groups)) == len(groups)


def _crd(kind: str, plural: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.postgresql.cnpg.io"},
        "spec": {
            "group": "postgresql.cnpg.io",
            "names": {"kind": kind, "plural": plural},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "description": f"{kind} is a resource",
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "description": "the desired state",
                                    "type": "object",
                                    "properties": {
                                        "description": {"description": "a field", "type": "string"}
                                    },
                                }
                            },
                        }
                    },
                }
            ],
        },
    }


def _git(repository: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repository), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_script_reads_each_definition_at_the_tag(tmp_path: Path) -> None:
    repository = tmp_path / "cloudnative-pg"
    bases = repository / "config" / "crd" / "bases"
    bases.mkdir(parents=True)
    _git(repository, "init", "-q")
    for kind, path in crd_schemas.PROJECTS["cloudnative-pg"].kinds.items():
        (repository / path).write_text(yaml.safe_dump(_crd(kind, Path(path).stem.split("_")[1])))
    _git(repository, "add", ".")
    _git(repository, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "crds")
    _git(repository, "tag", "v9.9.9")
    (repository / crd_schemas.PROJECTS["cloudnative-pg"].kinds["Cluster"]).write_text(
        "not: the tagged one\n"
    )  # the work tree is not read

    document = crd_schemas.extract("cloudnative-pg", repository, "v9.9.9")
    assert document["ref"] == "v9.9.9"
    assert document["commit"] == _git(repository, "rev-parse", "HEAD")
    cluster = document["kinds"]["Cluster"]
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert cluster["openAPIV3Schema"] == {
        "type": "object",
        "properties": {
            "spec": {"type": "object", "properties": {"description": {"type": "string"}}},
        },
    }
    with pytest.raises(crd_schemas.CrdSourceError, match=r"v0\.0\.0"):
        crd_schemas.extract("cloudnative-pg", repository, "v0.0.0")


def test_the_script_refuses_a_definition_of_another_kind() -> None:
    with pytest.raises(crd_schemas.CrdSourceError, match="not the CustomResourceDefinition of Pooler"):
        crd_schemas.served_schema(_crd("Cluster", "clusters"), "Pooler", "postgresql.cnpg.io")
    with pytest.raises(crd_schemas.CrdSourceError, match=r"group 'postgresql\.cnpg\.io', expected external"):
        crd_schemas.served_schema(_crd("Cluster", "clusters"), "Cluster", "external-secrets.io")


@pytest.mark.parametrize("project", sorted(crd_schemas.PROJECTS))
def test_the_recorded_file_is_json_of_the_documented_shape(project: str) -> None:
    document = json.loads(crd_schemas.schemas_path(project).read_text())
    assert {"source", "ref", "commit", "regenerate", "note", "kinds"} <= set(document)


def test_the_doc_names_the_versions_and_the_release_the_code_uses() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "kubernetes-manifests.md").read_text()
    versions = ", ".join(SUPPORTED_VERSIONS[:-1]) + f" and {SUPPORTED_VERSIONS[-1]}"
    assert f"Kubernetes **{versions}**" in doc
    assert f"pinned at {kubernetes_validate.__version__}" in doc
    for project, recorded in crd_schemas.PROJECTS.items():
        ref, commit = crd_schemas.load(project)["ref"], crd_schemas.load(project)["commit"]
        assert f"release **{ref}** (commit `{commit}`)" in doc, project
        assert f"crd-schemas PROJECT={project} REPO=<clone> REF={ref}" in doc, project
        assert f"crd_schemas {project} <clone> --ref {ref} --check" in doc, project
        assert f"`offline/crds/{project}.json`" in doc, project
        kinds = list(recorded.kinds)
        listed = (
            ", ".join(f"`{kind}`" for kind in kinds[:-1]) + f" and `{kinds[-1]}`"
            if kinds[1:]
            else f"`{kinds[0]}`"
        )
        assert listed in doc, project


# -- the example Kubernetes stack -------------------------------------------------------------------

K8S_STACK = "k8s-example"


def test_the_example_stacks_objects_are_ones_the_api_server_accepts() -> None:
    plan = plan_for(K8S_STACK)
    assert manifests(plan), "the stack declares no Kubernetes object"
    assert validate_plan(plan) == []


def test_the_example_stack_with_external_secrets_declares_a_valid_external_secret() -> None:
    plan = plan_for(K8S_STACK, EXTERNAL_SECRETS)
    assert [m.kind for m in manifests(plan) if m.group == "external-secrets.io"] == ["ExternalSecret"]
    assert validate_plan(plan) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("spec.target.creationPolicyy", "Owner", "spec.target.creationPolicyy: unknown field"),
        ("spec.data.0.remoteRef.propertyy", "TM_SECRET", "spec.data[0].remoteRef.propertyy: unknown field"),
        ("spec.refreshInterval", 3600, "spec.refreshInterval: 3600 is not of type 'string'"),
        (
            "spec.data",
            {"secretKey": "TM_SECRET"},
            "spec.data: {'secretKey': 'TM_SECRET'} is not of type 'array'",
        ),
        ("spec.secretStoreRef.kind", "Vault", "spec.secretStoreRef.kind: 'Vault' is not one of"),
        ("spec.data.0.remoteRef.key", DELETE, "spec.data[0].remoteRef.key: required field missing"),
    ],
)
def test_a_wrong_external_secret_field_is_named(path: str, value: Any, expected: str) -> None:
    (external,) = [m for m in manifests(plan_for(K8S_STACK, EXTERNAL_SECRETS)) if m.kind == "ExternalSecret"]
    changed = copy.deepcopy(external.body)
    mutate(changed, path, value)
    found = validate_manifest(Manifest(external.label, changed))
    assert len(found) == 1, found
    assert found[0].startswith(f"{external.label}: {expected}"), found
    assert found[0].endswith(ESO), found


def test_an_external_secret_at_another_api_version_is_a_problem() -> None:
    (external,) = [m for m in manifests(plan_for(K8S_STACK, EXTERNAL_SECRETS)) if m.kind == "ExternalSecret"]
    old = external.body | {"apiVersion": "external-secrets.io/v1beta1"}
    assert validate_manifest(Manifest("e", old)) == [
        "e: apiVersion external-secrets.io/v1beta1: External Secrets Operator v2.9.0 serves "
        "external-secrets.io/v1"
    ]
