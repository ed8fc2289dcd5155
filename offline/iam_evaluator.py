"""A small evaluator of IAM identity policies, the way AWS's policy evaluation logic decides one
request of one principal: an explicit Deny in any of its policies wins, otherwise an Allow is
needed, otherwise the request is implicitly denied.

It covers what this project's documents use: Action/NotAction (case-insensitive globs),
Resource/NotResource (case-sensitive globs), and the condition operators below, with AWS's
rules for missing keys (a positive operator fails, a negated one holds, `...IfExists` holds) and
the ForAnyValue/ForAllValues set qualifiers. An operator it does not know is an error, never a
silent match. Not covered: principals (identity policies name none), policy variables,
session policies, SCPs and permissions boundaries (evaluate a boundary as a second call).

Tests: tests/test_iam_evaluator.py, against the cases of AWS's documentation.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Document = Mapping[str, Any]
ContextValue = str | Sequence[str]
Decision = Literal["allow", "explicit-deny", "implicit-deny"]


@dataclass(frozen=True)
class Request:
    """One API call as IAM sees it: the action, the resource ARN (`*` for actions that take no
    resource) and the request context's condition keys."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    decision: Decision
    # The Sids (or statement indexes) that decided: the Denies that matched, or the Allows.
    statements: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"


def evaluate(documents: Iterable[Document], request: Request) -> Result:
    statements = [s for document in documents for s in _statements(document)]
    denies = tuple(
        _sid(i, s) for i, s in enumerate(statements) if s["Effect"] == "Deny" and _applies(s, request)
    )
    if denies:
        return Result("explicit-deny", denies)
    allows = tuple(
        _sid(i, s) for i, s in enumerate(statements) if s["Effect"] == "Allow" and _applies(s, request)
    )
    return Result("allow", allows) if allows else Result("implicit-deny")


def allowed(
    documents: Iterable[Document],
    action: str,
    resource: str,
    context: Mapping[str, ContextValue] | None = None,
) -> bool:
    return evaluate(documents, Request(action, resource, context or {})).allowed


def _statements(document: Document) -> list[Mapping[str, Any]]:
    statement = document["Statement"]
    return [statement] if isinstance(statement, Mapping) else list(statement)


def _sid(index: int, statement: Mapping[str, Any]) -> str:
    return str(statement.get("Sid") or f"#{index}")


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _glob(pattern: str, value: str, *, ignore_case: bool) -> bool:
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


@functools.cache
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    # IAM wildcards are `*` and `?` only: `[` is a literal character, unlike fnmatch's classes.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _applies(statement: Mapping[str, Any], request: Request) -> bool:
    if "Action" in statement:
        action_ok = any(_glob(p, request.action, ignore_case=True) for p in _as_list(statement["Action"]))
    else:
        action_ok = not any(
            _glob(p, request.action, ignore_case=True) for p in _as_list(statement["NotAction"])
        )
    if "Resource" in statement:
        resource_ok = any(
            _glob(p, request.resource, ignore_case=False) for p in _as_list(statement["Resource"])
        )
    else:
        resource_ok = not any(
            _glob(p, request.resource, ignore_case=False) for p in _as_list(statement["NotResource"])
        )
    return action_ok and resource_ok and _conditions_hold(statement.get("Condition", {}), request.context)


_MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda wanted, value: value == wanted,
    "StringEqualsIgnoreCase": lambda wanted, value: value.lower() == wanted.lower(),
    "StringLike": lambda wanted, value: _glob(wanted, value, ignore_case=False),
    "ArnEquals": lambda wanted, value: value == wanted,
    "ArnLike": lambda wanted, value: _glob(wanted, value, ignore_case=False),
    "Bool": lambda wanted, value: value.lower() == wanted.lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _conditions_hold(condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, ContextValue]) -> bool:
    return all(
        _condition_holds(operator, key, _as_list(wanted), context.get(key))
        for operator, tests in condition.items()
        for key, wanted in tests.items()
    )


def _condition_holds(operator: str, key: str, wanted: list[str], value: ContextValue | None) -> bool:
    qualifier, _, bare = operator.rpartition(":")
    if_exists = bare.endswith("IfExists")
    bare = bare.removesuffix("IfExists")
    if bare == "Null":
        # "true": the key must be absent; "false": present.
        return (value is None) == (wanted[0].lower() == "true")
    negated = bare in _NEGATED
    matcher = _MATCHERS.get(_NEGATED.get(bare, bare))
    if matcher is None:
        raise ValueError(f"the IAM evaluator does not know the condition operator {operator!r} (key {key})")
    if value is None:
        # A missing key: positive operators fail, negated ones and ...IfExists hold.
        return negated or if_exists or qualifier == "ForAllValues"
    values = [value] if isinstance(value, str) else list(value)
    if qualifier == "":
        if len(values) != 1:
            raise ValueError(f"{key} has several values: qualify {operator} with ForAnyValue or ForAllValues")
    elif qualifier not in ("ForAnyValue", "ForAllValues"):
        raise ValueError(f"unknown set qualifier in {operator!r}")

    def one(v: str) -> bool:
        hit = any(matcher(w, v) for w in wanted)
        return not hit if negated else hit

    return all(one(v) for v in values) if qualifier == "ForAllValues" else any(one(v) for v in values)
