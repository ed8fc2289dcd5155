"""Running one policy in-process on a fixture, the way the SDK runs it inside a pack.

A `Case` is the anchors' (awsguard, cdk-nag, Checkov) style: a compliant fixture, then one failure
per way to fail, each changing one property and naming the message it must produce. A
`StackCase` does the same for a stack policy over a few resources.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

DELETE = object()  # a mutation value: remove the property (or the whole resource of a StackCase)
UNKNOWN = UNKNOWN_STRING_VALUE  # what the engine sends for a value not known during preview
NOT_APPLICABLE = "not applicable"
CANNOT_EVALUATE = "cannot evaluate"

PROVIDER_TAGS = {
    "Project": "tasking-manager",
    "Environment": "prod",
    "Stack": "prod",
    "ManagedBy": "pulumi",
    "Owner": "hot-tech",
    "CostCenter": "tasking-manager",
}


def provider_props(tags: Mapping[str, str] = PROVIDER_TAGS, region: str = "us-east-1") -> dict[str, Any]:
    """An explicit AWS provider as a policy sees it: string inputs, defaultTags as JSON."""
    return {"region": region, "defaultTags": json.dumps({"tags": dict(tags)})}


@dataclass
class Case:
    policy: Policy
    resource_type: str
    props: dict[str, Any]
    failures: list[tuple[dict[str, Any], str]]
    config: dict[str, Any] = field(default_factory=dict)
    provider: dict[str, Any] | None = None
    json_props: tuple[str, ...] = ()  # properties a program passes as JSON strings
    name: str = "fixture"


@dataclass
class StackCase:
    policy: Policy
    resources: dict[str, tuple[str, dict[str, Any]]]  # name -> (type, properties)
    # {"name.prop.path": value}, {"name": DELETE} to remove a resource, {"name": (type, props)} to add one
    failures: list[tuple[dict[str, Any], str]]
    config: dict[str, Any] = field(default_factory=dict)
    json_props: tuple[str, ...] = ()
    dependencies: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # name -> prop -> names


def mutate(props: dict[str, Any], path: str, value: Any) -> None:
    """Set (or with DELETE remove) `path` ("a.b.0.c") in `props`, creating missing maps."""
    parts = path.split(".")
    node: Any = props
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last: Any = int(parts[-1]) if isinstance(node, list) else parts[-1]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value


def _encoded(props: dict[str, Any], json_props: tuple[str, ...]) -> dict[str, Any]:
    return {
        k: json.dumps(v) if k in json_props and not isinstance(v, str) and v is not None else v
        for k, v in props.items()
    }


def run_resource_policy(
    policy: Policy,
    resource_type: str,
    props: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    provider: Mapping[str, Any] | None = None,
    name: str = "fixture",
    protect: bool = False,
) -> list[str] | str:
    """The messages `policy` reports for one resource, NOT_APPLICABLE or CANNOT_EVALUATE."""
    assert isinstance(policy, ResourceValidationPolicy)
    messages: list[str] = []
    args = ResourceValidationArgs(
        resource_type,
        unknown_checking_proxy(deserialize_properties(dict(props))),
        f"urn:pulumi:test::tasking-manager::{resource_type}::{name}",
        name,
        PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None),
        None
        if provider is None
        else PolicyProviderResource(
            "pulumi:providers:aws", unknown_checking_proxy(dict(provider)), "urn:provider", "aws"
        ),
        dict(config or {}),
    )
    try:
        policy.validate(args, lambda message, urn=None: messages.append(message))
    except UnknownValueError:
        return CANNOT_EVALUATE
    except _NotApplicableError:
        return NOT_APPLICABLE
    return messages


def run_stack_policy(
    policy: Policy,
    resources: Mapping[str, tuple[str, Mapping[str, Any]]],
    config: Mapping[str, Any] | None = None,
    dependencies: Mapping[str, Mapping[str, list[str]]] | None = None,
    provider: Mapping[str, Any] | None = None,
) -> list[tuple[str, str]] | str:
    """(message, offending resource's name or "") pairs, NOT_APPLICABLE or CANNOT_EVALUATE."""
    assert isinstance(policy, StackValidationPolicy)
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    aws = (
        None
        if provider is None
        else PolicyProviderResource("pulumi:providers:aws", dict(provider), "p", "aws")
    )
    built = {
        name: PolicyResource(
            kind,
            unknown_checking_proxy(deserialize_properties(dict(props))),
            f"urn:pulumi:test::tasking-manager::{kind}::{name}",
            name,
            options,
            aws,
            None,
            [],
            {},
        )
        for name, (kind, props) in resources.items()
    }
    for name, by_prop in (dependencies or {}).items():
        for prop, targets in by_prop.items():
            built[name].property_dependencies[prop] = [built[t] for t in targets]
            built[name].dependencies.extend(built[t] for t in targets)
    names = {r.urn: name for name, r in built.items()}
    reported: list[tuple[str, str]] = []
    try:
        policy.validate(
            StackValidationArgs(list(built.values()), dict(config or {})),
            lambda message, urn=None: reported.append((message, names.get(urn or "", ""))),
        )
    except UnknownValueError:
        return CANNOT_EVALUATE
    except _NotApplicableError:
        return NOT_APPLICABLE
    return reported


# -- what the parametrized tests do with a case -----------------------------------------------------


def fixture_outcome(case: Case | StackCase, mutation: Mapping[str, Any] | None = None) -> list[Any] | str:
    """Run the case's policy on its fixture, changed by `mutation` if given."""
    if isinstance(case, Case):
        props = copy.deepcopy(case.props)
        for path, value in (mutation or {}).items():
            mutate(props, path, value)
        return run_resource_policy(
            case.policy,
            case.resource_type,
            _encoded(props, case.json_props),
            case.config,
            case.provider,
            case.name,
        )
    resources = copy.deepcopy(case.resources)
    for path, value in (mutation or {}).items():
        name, _, rest = path.partition(".")
        if not rest and value is DELETE:
            del resources[name]
        elif not rest:
            resources[name] = copy.deepcopy(value)
        else:
            mutate(resources[name][1], rest, value)
    encoded = {name: (kind, _encoded(props, case.json_props)) for name, (kind, props) in resources.items()}
    deps = {
        n: {p: [t for t in ts if t in resources] for p, ts in by.items()}
        for n, by in case.dependencies.items()
        if n in resources
    }
    return run_stack_policy(case.policy, encoded, case.config, deps, provider_props())


def messages(outcome: list[Any] | str) -> list[str]:
    if isinstance(outcome, str):
        return [outcome]
    return [m if isinstance(m, str) else m[0] for m in outcome]


def unknown_mutation(case: Case | StackCase, mutation: Mapping[str, Any]) -> dict[str, Any] | None:
    """The failure's changed property made unknown as a whole (a JSON string cannot be partly
    unknown), or None when the failure adds or removes a resource."""
    (path,) = mutation
    if isinstance(case, Case):
        return {path.split(".")[0]: UNKNOWN}
    name, _, rest = path.partition(".")
    return {f"{name}.{rest.split('.')[0]}": UNKNOWN} if rest else None
