"""EventBridge event patterns, read the way EventBridge and AWS's API models read them.

`matches` is EventBridge's matching for the pattern features this project uses (EventBridge user
guide, "Event patterns"): value lists, nested objects, arrays in the event (a field matches when
any element does), `numeric` comparisons, `anything-but` and `$or`.

`unknown_fields` walks a pattern, a sample event or an input path through the botocore shape of
what the event carries (GuardDuty's `Finding`, Security Hub's `AwsSecurityFinding`, Access
Analyzer's `FindingSummary`): a field the model does not have, or a value outside its enum, is
reported. A pattern that names a field AWS never sends matches nothing, silently.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape


def matches(pattern: Any, event: Any) -> bool:
    for key, wanted in pattern.items():
        if key == "$or":
            if not any(matches(option, event) for option in wanted):
                return False
            continue
        if not isinstance(event, dict) or key not in event:
            return False
        if not _field_matches(wanted, event[key]):
            return False
    return True


def _field_matches(wanted: Any, value: Any) -> bool:
    if isinstance(value, list):
        return any(_field_matches(wanted, item) for item in value)
    if isinstance(wanted, dict):
        return matches(wanted, value)
    return any(_matches_one(rule, value) for rule in wanted)


_COMPARE = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
}


def _matches_one(rule: Any, value: Any) -> bool:
    if not isinstance(rule, dict):
        return bool(rule == value)
    (operator, operands), *others = rule.items()
    assert not others, rule
    if operator == "numeric":
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        pairs = list(zip(operands[::2], operands[1::2], strict=True))
        return all(_COMPARE[comparison](value, bound) for comparison, bound in pairs)
    if operator == "anything-but":
        excluded = operands if isinstance(operands, list) else [operands]
        return value not in excluded
    raise AssertionError(f"pattern operator {operator} is not modelled here")


def member(shape: Shape, key: str) -> Shape | None:
    """The member of `shape` that an event names `key`: by its name, or by the name it is
    serialised under (GuardDuty's `severity` is the model's `Severity`)."""
    if not isinstance(shape, StructureShape):
        return None
    for name, candidate in shape.members.items():
        if key in (name, candidate.serialization.get("name")):
            return candidate
    return None


def unknown_fields(value: Any, shape: Shape, path: str = "") -> list[str]:
    """What of `value` (a pattern, or a sample event's detail) the model `shape` does not have."""
    if isinstance(shape, ListShape):
        return unknown_fields(value, shape.member, path)
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return [p for key, item in value.items() for p in unknown_fields(item, shape.value, f"{path}.{key}")]
    if isinstance(value, dict):
        if set(value) == {"numeric"}:
            return [] if shape.type_name in ("double", "integer", "long") else [f"{path}: not a number"]
        if set(value) == {"anything-but"}:
            literals = value["anything-but"]
            return _literals(literals if isinstance(literals, list) else [literals], shape, path)
        problems = []
        for key, item in value.items():
            if key == "$or":
                problems += [p for option in item for p in unknown_fields(option, shape, path)]
                continue
            found = member(shape, key)
            if found is None:
                problems.append(f"{path}.{key}: not a member of {shape.name}")
            else:
                problems += unknown_fields(item, found, f"{path}.{key}")
        return problems
    if isinstance(value, list):
        return [p for item in value for p in unknown_fields(item, shape, path)]
    return _literals([value], shape, path)


_KINDS: dict[str, tuple[type, ...]] = {
    "boolean": (bool,),
    "string": (str,),
    "timestamp": (str,),
    "double": (int, float),
    "integer": (int,),
    "long": (int,),
}


def _literals(values: list[Any], shape: Shape, path: str) -> list[str]:
    problems = []
    enum = getattr(shape, "enum", None) or []
    for literal in values:
        fits = (
            shape.type_name == "boolean"
            if isinstance(literal, bool)
            else isinstance(literal, _KINDS.get(shape.type_name, ()))
        )
        if not fits:
            problems.append(f"{path}: {literal!r} does not fit a {shape.type_name}")
        elif isinstance(literal, str) and enum and literal not in enum:
            problems.append(f"{path}: {literal!r} is not one of {shape.name}'s values {enum}")
    return problems


def path_fields(input_path: str, shape: Shape, root: str) -> list[str]:
    """Problems of an input transformer path (`$.detail.findings[0].Title`) below `root`."""
    assert input_path.startswith(root), (input_path, root)
    problems = []
    for part in re.findall(r"[A-Za-z0-9_-]+(?:\[\d+\])?", input_path[len(root) :]):
        name, indexed = part.split("[")[0], "[" in part
        found = member(shape, name)
        if found is None:
            problems.append(f"{input_path}: {name} is not a member of {shape.name}")
            break
        shape = found.member if indexed and isinstance(found, ListShape) else found
    return problems
