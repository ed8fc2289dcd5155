"""Reading IAM-style policy documents (identity policies, trust, key, bucket, repository policies).

Pulumi hands a document over as a JSON string, or as an object when the program passed one. Either
way it becomes plain dicts and lists here; a single statement, action or principal may be written
without its list, so everything comes back as a list.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def parse(document: Any) -> dict[str, Any]:
    """The document as plain data; {} when unset or empty."""
    if document is None or document == "":
        return {}
    if isinstance(document, str):
        loaded = json.loads(document)
        return loaded if isinstance(loaded, dict) else {}
    plain = _plain(document)
    return plain if isinstance(plain, dict) else {}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(value[k]) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value


def listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def statements(document: Any) -> list[dict[str, Any]]:
    return [s for s in listed(parse(document).get("Statement")) if isinstance(s, dict)]


def allows(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") == "Allow"


def actions(statement: Mapping[str, Any]) -> list[str]:
    return [str(a).lower() for a in listed(statement.get("Action"))]


def resources(statement: Mapping[str, Any]) -> list[str]:
    return [str(r) for r in listed(statement.get("Resource"))]


def principals(statement: Mapping[str, Any]) -> list[str]:
    """Every principal of the statement, whatever its kind; "*" for the wildcard."""
    principal = statement.get("Principal")
    if principal is None:
        return []
    if isinstance(principal, str):
        return [principal]
    if isinstance(principal, dict):
        return [str(p) for values in principal.values() for p in listed(values)]
    return []


def service_principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        return [str(p) for p in listed(principal.get("Service"))]
    return []


def open_to_everyone(statement: Mapping[str, Any]) -> bool:
    """An Allow for any principal ("*", {"AWS": "*"}) with no condition to narrow it."""
    return allows(statement) and "*" in principals(statement) and not statement.get("Condition")


def grants(statement: Mapping[str, Any], action: str) -> bool:
    """Whether an Allow statement's actions cover `action` (service:Name), wildcards included."""
    if not allows(statement):
        return False
    service = action.split(":")[0].lower()
    wanted = action.lower()
    for granted in actions(statement):
        if granted in ("*", f"{service}:*", wanted):
            return True
        if granted.endswith("*") and wanted.startswith(granted[:-1]):
            return True
    return False
