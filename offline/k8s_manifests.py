"""The plan's Kubernetes objects as manifests, validated offline against the API's own schemas.

pulumi-kubernetes registers each object with a type token `kubernetes:<group>/<version>:<Kind>`
(`kubernetes:core/v1:Namespace` for the core group, whose apiVersion is `v1`) and the manifest as
its inputs (apiVersion, kind, metadata, spec... in the API's camelCase). `manifests` turns those
registrations back into manifests; `validate_plan` returns every way one of them is not an object
the API server accepts (an empty list when all are):

- a built-in kind against the OpenAPI schema of each Kubernetes version of SUPPORTED_VERSIONS,
  as the `kubernetes-validate` package ships them (its strict variant: a field the schema does not
  define is an error, as with the API server's strict field validation);
- a custom resource of a project `offline/crd_schemas.py` records (CloudNativePG's
  `postgresql.cnpg.io`, the External Secrets operator's `external-secrets.io`) against the
  `openAPIV3Schema` of its CustomResourceDefinition at the release recorded in
  `offline/crds/<project>.json` (`python -m offline.crd_schemas`), made strict the same way (an
  object schema that lists its properties and does not preserve unknown fields admits no others;
  OpenAPI's `nullable` admits null), and its metadata against each supported version's ObjectMeta;
- any other kind is a problem: it has no schema here, so nothing would be checked.

What no schema says is not checked: CEL rules (`x-kubernetes-validations`), `format`s, names and
label syntax, and anything the API server defaults or the provider fills in (auto-names).
Registrations that are not one object (Helm releases, YAML and Kustomize groups, and `...Patch`
kinds, partial by design) are left out.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jsonschema
from kubernetes_validate.utils import all_versions
from referencing import Registry, Resource

from offline.crd_schemas import PROJECTS, map_schemas
from offline.crd_schemas import load as load_crd_schemas
from offline.engine import Plan
from offline.mocks import Registration
from offline.report import MASK, is_secret

# The Kubernetes minor versions every manifest must be valid for: the three newest that
# kubernetes-validate 1.37.0 ships (the Kubernetes project maintains release branches for its three
# most recent minor releases, https://kubernetes.io/releases/; a test fails when a newer pin of the
# package ships a newer one). A cluster older than 1.35 is not a target.
SUPPORTED_VERSIONS = ("1.35", "1.36", "1.37")
# Registrations of pulumi-kubernetes that are not one API object.
NOT_OBJECTS = ("kubernetes:helm.sh/", "kubernetes:yaml", "kubernetes:kustomize")
_DEFINITIONS = "https://kubernetes.io/api/_definitions.json"
_OBJECT_META = f"{_DEFINITIONS}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_MESSAGE_LIMIT = 160
# The projects whose custom resources are validated, by the API group of their kinds.
CRD_PROJECTS = {project.group: key for key, project in PROJECTS.items()}


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object of the plan."""

    label: str  # `<type token> '<resource name>'`, as the problems name it
    body: dict[str, Any]

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion") or "")

    @property
    def kind(self) -> str:
        return str(self.body.get("kind") or "")

    @property
    def group(self) -> str:
        """The API group ("" for the core group's `v1`)."""
        return self.api_version.rpartition("/")[0]


def is_object(registration: Registration) -> bool:
    """Whether a registration is one Kubernetes API object (not a provider, a component, a Helm
    release, a group of YAML files or a patch)."""
    token = registration.type
    return (
        token.startswith("kubernetes:")
        and registration.custom
        and not token.startswith(NOT_OBJECTS)
        and not token.endswith("Patch")
        and token.count(":") == 2
    )


def _manifest_value(value: Any) -> Any:
    """An input as a manifest has it: secrets replaced by a placeholder of the same shape (their
    values never reach a message), nulls left out as a serialised manifest leaves them, and
    whole numbers (the engine sends every number as a float) as integers."""
    if is_secret(value):
        return _placeholder(_manifest_value(value.get("value")))
    if isinstance(value, dict):
        return {k: _manifest_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_manifest_value(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _placeholder(value: Any) -> Any:
    if isinstance(value, str):
        return MASK  # as the plan prints a secret
    if isinstance(value, dict):
        return {k: _placeholder(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholder(v) for v in value]
    return value


def manifest(registration: Registration) -> Manifest:
    """The object a registration declares; apiVersion and kind from its type token when unset."""
    _, group_version, kind = registration.type.split(":")
    body = _manifest_value(registration.inputs)
    body.setdefault("apiVersion", group_version.removeprefix("core/"))
    body.setdefault("kind", kind)
    return Manifest(f"{registration.type} '{registration.name}'", body)


def manifests(resources_: Plan | Iterable[Registration]) -> list[Manifest]:
    """The plan's Kubernetes objects, in its order."""
    registrations = resources_.resources if isinstance(resources_, Plan) else resources_
    return [manifest(r) for r in registrations if is_object(r)]


def validate_plan(plan: Plan | Iterable[Registration]) -> list[str]:
    """Every problem of the plan's Kubernetes objects, each naming the object and the field."""
    return [problem for found in manifests(plan) for problem in validate_manifest(found)]


def validate_manifest(found: Manifest, versions: Iterable[str] = SUPPORTED_VERSIONS) -> list[str]:
    """The problems of one object, each `<label>: <field>: <problem> (<what it was checked against>)`."""
    if not found.api_version or not found.kind:
        return [f"{found.label}: apiVersion and kind are required"]
    if found.group in CRD_PROJECTS:
        return _validate_custom(found, CRD_PROJECTS[found.group], tuple(versions))
    if is_builtin_group(found.group):
        return _validate_builtin(found, tuple(versions))
    return [
        f"{found.label}: no schema for {found.api_version} {found.kind}: record its "
        "CustomResourceDefinition's schema (a project of offline/crd_schemas.py)"
    ]


def is_builtin_group(group: str) -> bool:
    """The core group and the API groups Kubernetes itself serves (no dot, or `*.k8s.io`)."""
    return "." not in group or group.endswith(".k8s.io")


# -- built-in kinds: kubernetes-validate's schemas -----------------------------------------------


def _schema_directory(version: str) -> Any:
    """The strict schemas of a minor version (`1.37`) in the kubernetes-validate package."""
    shipped = [v for v in all_versions() if v.rsplit(".", 1)[0] == version]
    if not shipped:
        raise ValueError(f"kubernetes-validate ships no schemas for Kubernetes {version}")
    root = resources.files("kubernetes_validate") / "kubernetes-json-schema"
    return root / f"v{shipped[-1]}-local-strict"


@functools.cache
def _registry(version: str) -> Registry:
    definitions = json.loads((_schema_directory(version) / "_definitions.json").read_text())
    return Resource.from_contents(definitions) @ Registry()


@functools.cache
def builtin_validator(version: str, api_version: str, kind: str) -> Any:
    """The validator of a built-in kind at a version, or None when that version does not serve it.
    The file naming is kubernetes-validate's: `<kind>-<group's first label>-<version>.json`."""
    file_api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = _schema_directory(version) / f"{kind.lower()}-{file_api}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    return jsonschema.Draft202012Validator(schema, registry=_registry(version))


@functools.cache
def _object_meta_validator(version: str) -> Any:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": _OBJECT_META}
    return jsonschema.Draft202012Validator(schema, registry=_registry(version))


def _by_version(
    label: str, versions: tuple[str, ...], problems_at: Callable[[str], Iterable[str]]
) -> list[str]:
    """Each problem once, with the versions it occurs at."""
    found: dict[str, list[str]] = {}
    for version in versions:
        for problem in problems_at(version):
            found.setdefault(problem, []).append(version)
    return [f"{label}: {problem} (Kubernetes {', '.join(at)})" for problem, at in found.items()]


def _validate_builtin(found: Manifest, versions: tuple[str, ...]) -> list[str]:
    def problems_at(version: str) -> Iterable[str]:
        validator = builtin_validator(version, found.api_version, found.kind)
        if validator is None:
            return [f"{found.api_version} {found.kind} is not served"]
        return describe(validator.iter_errors(found.body))

    return _by_version(found.label, versions, problems_at)


# -- custom resources: their CustomResourceDefinitions' schemas ----------------------------------


@functools.cache
def crd_schemas(project: str) -> dict[str, Any]:
    """The recorded document of a project of offline/crd_schemas.py."""
    return load_crd_schemas(project)


def strict(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A CustomResourceDefinition's schema as the API server applies it, in JSON Schema: an object
    whose properties are listed admits no other field (the server prunes unknown fields, and
    rejects them under strict field validation) unless it preserves unknown fields; `nullable`
    admits null."""

    def tighten(node: Mapping[str, Any]) -> dict[str, Any]:
        tightened = dict(node)
        if (
            "properties" in node
            and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
        ):
            tightened["additionalProperties"] = False
        if node.get("nullable") and isinstance(node.get("type"), str):
            tightened["type"] = [node["type"], "null"]
        return tightened

    result: dict[str, Any] = map_schemas(schema, tighten)
    return result


@functools.cache
def crd_validator(project: str, kind: str) -> Any:
    """The validator of a project's recorded kind, or None when none is recorded."""
    recorded = crd_schemas(project)["kinds"].get(kind)
    if recorded is None:
        return None
    return jsonschema.Draft4Validator(strict(recorded["openAPIV3Schema"]))


def _validate_custom(found: Manifest, project: str, versions: tuple[str, ...]) -> list[str]:
    document = crd_schemas(project)
    recorded = document["kinds"].get(found.kind)
    release = f"{PROJECTS[project].title} {document['ref']}"
    if recorded is None:
        return [f"{found.label}: {release} has no recorded schema for {found.kind}"]
    if recorded["apiVersion"] != found.api_version:
        return [f"{found.label}: apiVersion {found.api_version}: {release} serves {recorded['apiVersion']}"]
    problems = [
        f"{found.label}: {p} ({release})"
        for p in describe(crd_validator(project, found.kind).iter_errors(found.body))
    ]
    metadata = found.body.get("metadata")
    if isinstance(metadata, dict):
        problems += _by_version(
            found.label,
            versions,
            lambda version: describe(_object_meta_validator(version).iter_errors(metadata), ("metadata",)),
        )
    return problems


# -- messages ------------------------------------------------------------------------------------


def field_path(parts: Iterable[Any]) -> str:
    """`spec.template.spec.containers[0].image` from a JSON path."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(the object)"


def _join(path: str, name: str) -> str:
    return name if path == "(the object)" else f"{path}.{name}"


def describe(errors: Iterable[Any], prefix: tuple[str, ...] = ()) -> Iterator[str]:
    """One line per schema error, naming the field: unknown fields and missing required ones by
    name, the others with jsonschema's message (shortened)."""
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        path = field_path((*prefix, *error.absolute_path))
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties") or {})
            patterns = list(error.schema.get("patternProperties") or {})
            for name in sorted(error.instance):
                if name not in known and not any(re.search(p, name) for p in patterns):
                    yield f"{_join(path, name)}: unknown field"
        elif error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    yield f"{_join(path, name)}: required field missing"
        else:
            message = error.message
            if len(message) > _MESSAGE_LIMIT:
                message = message[: _MESSAGE_LIMIT - 3] + "..."
            yield f"{path}: {message}"


# -- what the plan command says ----------------------------------------------------------------


def schema_sources() -> list[str]:
    """What the objects are validated against, as the plan names it."""
    releases = [f"{p.title} {crd_schemas(name)['ref']}" for name, p in PROJECTS.items()]
    return [f"Kubernetes {', '.join(SUPPORTED_VERSIONS)}", *releases]


def validation_json(plan: Plan) -> dict[str, Any] | None:
    """The plan's Kubernetes objects and their problems, for `make plan JSON=1` (None without any)."""
    found = manifests(plan)
    if not found:
        return None
    return {"validated": len(found), "against": schema_sources(), "problems": validate_plan(plan)}


def render_validation(validation: Mapping[str, Any]) -> str:
    """The plan's section on its Kubernetes objects."""
    against = "; ".join(validation["against"])
    lines = [f"Kubernetes objects: {validation['validated']} validated against {against}"]
    problems = validation["problems"]
    lines += [f"    {problem}" for problem in problems] or ["    no problems"]
    if problems:
        lines.append(f"{len(problems)} problem(s): the API server would refuse these objects")
    return "\n".join(lines) + "\n"
