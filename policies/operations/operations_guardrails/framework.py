"""How every rule of this pack is declared: one control per policy, checks as small generators.

A check reads the resource as `pulumi_policy` hands it over and yields one message per problem.
Reading a property that is unknown during preview raises `UnknownValueError`; checks let it
propagate, so the SDK reports "can't run policy during preview" instead of a pass.

This file is copied, not shared, between the two packs: the CLI runs and publishes each pack from
its own directory, so a pack cannot import another. A test keeps the copies identical.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

ResourceCheck = Callable[[ResourceValidationArgs], Iterable[str]]
# A stack check yields (message, urn of the offending resource or None for the stack itself).
StackCheck = Callable[[StackValidationArgs], Iterable[tuple[str, str | None]]]

_S3_V2 = re.compile(r"^aws:s3/(\w+)V2:(\w+)V2$")


def canonical(token: str) -> str:
    """One name per resource type: `aws:alb/*` are aliases of `aws:lb/*`, and the deprecated
    `aws:s3/*V2` tokens of their unsuffixed successors."""
    if token.startswith("aws:alb/"):
        return "aws:lb/" + token[len("aws:alb/") :]
    match = _S3_V2.match(token)
    if match:
        return f"aws:s3/{match.group(1)}:{match.group(2)}"
    return token


def matches(token: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(canonical(token), pattern) for pattern in patterns)


def default_enforcement(severity: Severity) -> EnforcementLevel:
    """Critical and high controls block a deployment; medium and low ones warn, and each
    environment's config file raises the ones HOT enforces."""
    if severity in (Severity.CRITICAL, Severity.HIGH):
        return EnforcementLevel.MANDATORY
    return EnforcementLevel.ADVISORY


class _Documented:
    """What the generated docs/policies.md shows besides the SDK's own fields."""

    controls: tuple[str, ...]
    resource_types: tuple[str, ...]
    unset: str
    summary: str

    def _document(
        self,
        name: str,
        summary: str,
        controls: Iterable[str],
        severity: Severity,
        resource_types: Iterable[str],
        unset: str,
        config: Mapping[str, Mapping[str, Any]] | None,
        required: Iterable[str],
        enforcement: EnforcementLevel | None,
    ) -> dict[str, Any]:
        """Keep the documentation fields and return the SDK policy's keyword arguments."""
        self.controls = tuple(controls)
        self.resource_types = tuple(resource_types)
        self.unset = unset
        self.summary = summary
        return {
            "name": name,
            "description": _description(summary, self.controls),
            "enforcement_level": enforcement or default_enforcement(severity),
            "config_schema": _schema(config, required),
            "severity": severity,
            "tags": list(self.controls),
        }


def _description(summary: str, controls: tuple[str, ...]) -> str:
    return f"{summary} ({', '.join(controls)})" if controls else summary


class ResourcePolicy(ResourceValidationPolicy, _Documented):
    """A policy on each resource of `resource_types` (canonical tokens, or patterns like `aws:*`)."""

    def __init__(
        self,
        *,
        name: str,
        summary: str,
        controls: Iterable[str],
        severity: Severity,
        resource_types: Iterable[str],
        unset: str,
        check: ResourceCheck,
        config: Mapping[str, Mapping[str, Any]] | None = None,
        required: Iterable[str] = (),
        enforcement: EnforcementLevel | None = None,
    ) -> None:
        self._check = check
        super().__init__(
            validate=self._validate,
            **self._document(
                name, summary, controls, severity, resource_types, unset, config, required, enforcement
            ),
        )

    def _validate(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        if not matches(args.resource_type, self.resource_types):
            return
        for message in self._check(args):
            report(message, None)


class StackPolicy(StackValidationPolicy, _Documented):
    """A policy over the whole stack: joins between resources (a flow log per VPC, ...)."""

    def __init__(
        self,
        *,
        name: str,
        summary: str,
        controls: Iterable[str],
        severity: Severity,
        resource_types: Iterable[str],
        unset: str,
        check: StackCheck,
        config: Mapping[str, Mapping[str, Any]] | None = None,
        required: Iterable[str] = (),
        enforcement: EnforcementLevel | None = None,
    ) -> None:
        self._check = check
        super().__init__(
            validate=self._validate,
            **self._document(
                name, summary, controls, severity, resource_types, unset, config, required, enforcement
            ),
        )

    def _validate(self, args: StackValidationArgs, report: ReportViolation) -> None:
        for message, urn in self._check(args):
            report(message, urn)


def _schema(
    properties: Mapping[str, Mapping[str, Any]] | None, required: Iterable[str]
) -> PolicyConfigSchema | None:
    if not properties:
        return None
    return PolicyConfigSchema(
        properties={k: dict(v) for k, v in properties.items()}, required=list(required) or None
    )


def config_value(
    args: ResourceValidationArgs | StackValidationArgs, key: str, schema: Mapping[str, Any]
) -> Any:
    """A config property, or its schema default when the CLI was given no config for it."""
    config = args.get_config()
    return config[key] if key in config else schema[key].get("default")


# -- reading resources ---------------------------------------------------------------------------


def of_type(resources: Iterable[PolicyResource], *tokens: str) -> Iterator[PolicyResource]:
    """The stack's resources of these canonical types."""
    for resource in resources:
        if canonical(resource.resource_type) in tokens:
            yield resource


def label(resource: PolicyResource) -> str:
    return f"{canonical(resource.resource_type)} '{resource.name}'"


def covered(target: PolicyResource, holders: Iterable[PolicyResource], prop: str, *keys: str) -> bool:
    """Whether one of `holders` names `target` in its property `prop` (see `referenced`)."""
    return any(referenced(holder, prop, [target], *keys) for holder in holders)


def referenced(
    holder: PolicyResource, prop: str, candidates: Iterable[PolicyResource], *keys: str
) -> list[PolicyResource]:
    """The `candidates` that `holder.props[prop]` (a string or a list) names.

    During preview a new resource's id is unknown, but the engine knows which resources a property
    was computed from (its property dependencies): when there are some, they decide. Otherwise the
    value is compared with each candidate's `keys` (id, arn, name...). Unknown values never match,
    so a join this cannot establish reports a violation: it fails closed, never passes.
    """
    candidates = list(candidates)
    depended = {dep.urn for dep in holder.property_dependencies.get(prop, [])}
    found = [c for c in candidates if c.urn in depended]
    if found:
        return found
    values = set(known_strings(holder.props, prop))
    return [c for c in candidates if values & {v for k in keys for v in known_strings(c.props, k)}]


def known_strings(props: Mapping[str, Any], key: str) -> list[str]:
    """`props[key]` as strings (one, or each of a list), leaving out whatever is unknown."""
    try:
        value = props.get(key)
    except UnknownValueError:
        return []
    if value is None or value == "":
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [str(value)]
    found = []
    for index in range(len(value)):
        try:
            found.append(str(value[index]))
        except UnknownValueError:
            continue
    return found


def strings(value: Any) -> list[str]:
    """A property that may be one string or a list of them, as a list (empty when unset)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(v) for v in value]
    return [str(value)]


def provider_default_tags(provider_props: Mapping[str, Any] | None) -> dict[str, str]:
    """The tags an AWS provider adds to every taggable resource (`defaultTags.tags`), from the
    provider's properties. Provider inputs reach a policy as strings, so `defaultTags` is usually
    a JSON string."""
    raw = (provider_props or {}).get("defaultTags")
    block = json.loads(raw) if isinstance(raw, str) and raw else raw
    tags = (block or {}).get("tags") or {}
    return {str(k): str(tags[k]) for k in tags}


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


# -- checks of one property ----------------------------------------------------------------------
# The messages name the property and what it being so costs: `<key> is not true: <why>`.


def must_be_true(key: str, why: str) -> ResourceCheck:
    """A check that the property `key` is true (unset is not)."""

    def check(args: ResourceValidationArgs) -> Iterator[str]:
        if not is_true(args.props.get(key)):
            yield f"{key} is not true: {why}"

    return check


def must_not_be_true(key: str, why: str) -> ResourceCheck:
    """A check that the property `key` is not true (unset is fine)."""

    def check(args: ResourceValidationArgs) -> Iterator[str]:
        if is_true(args.props.get(key)):
            yield f"{key} is true: {why}"

    return check


def must_not_be_false(key: str, why: str) -> ResourceCheck:
    """A check that the property `key` is not false (unset is fine)."""

    def check(args: ResourceValidationArgs) -> Iterator[str]:
        if is_false(args.props.get(key)):
            yield f"{key} is false: {why}"

    return check


def must_be_set(key: str, why: str) -> ResourceCheck:
    """A check that the property `key` has a value (not unset, not empty)."""

    def check(args: ResourceValidationArgs) -> Iterator[str]:
        if not args.props.get(key):
            yield f"{key} is unset: {why}"

    return check
