"""Stack config the way the Pulumi CLI hands it to a program, read from the real stack files.

The CLI flattens `Pulumi.<stack>.yaml` into one map: scalars as strings, structured values as JSON
strings, `secure:` values decrypted. Offline nothing can be decrypted, so each secure value becomes
a placeholder marked secret, which the program sees as a Pulumi secret like the real one.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# Shaped to pass every secret's format check (user:password for basic auth included).
SECRET_PLACEHOLDER = "offline:placeholder-secret-not-a-real-value"


class StackConfigError(Exception):
    """A stack file is missing or unreadable, or an override is malformed."""


@dataclass(frozen=True)
class StackConfig:
    values: dict[str, str]
    secret_keys: list[str] = field(default_factory=list)
    # Secret keys the stack file does not set, supplied as placeholders (see with_operator_secrets).
    placeholders: list[str] = field(default_factory=list)


def with_operator_secrets(config: StackConfig, keys: list[str]) -> StackConfig:
    """Supply a placeholder secret for each of `keys` the stack file does not set.

    Operators set these secrets in their own stack files (`pulumi config set --secret`); a clone of
    the repository has none, and offline nothing could decrypt them anyway.
    """
    missing = [key for key in keys if key not in config.values]
    return StackConfig(
        {**config.values, **dict.fromkeys(missing, SECRET_PLACEHOLDER)},
        [*config.secret_keys, *missing],
        missing,
    )


def with_placeholder_secret(config: StackConfig, key: str, value: str) -> StackConfig:
    """Supply `key` as a secret holding `value` (a placeholder shaped like the real one) when the
    stack file does not set it, like with_operator_secrets for values of a particular shape."""
    if key in config.values:
        return config
    return StackConfig(
        {**config.values, key: value},
        [*config.secret_keys, key],
        [*config.placeholders, key],
    )


def with_operator_settings(config: StackConfig, defaults: dict[str, str]) -> StackConfig:
    """Supply a placeholder for each plain operator value (`defaults`, key -> placeholder) the
    stack file does not set, like with_operator_secrets but not secret."""
    missing = {key: value for key, value in defaults.items() if key not in config.values}
    return StackConfig({**config.values, **missing}, config.secret_keys, [*config.placeholders, *missing])


def load_stack_config(project_dir: Path, stack: str, overrides: dict[str, Any] | None = None) -> StackConfig:
    """Read `Pulumi.<stack>.yaml` (absent only for stacks defined wholly by overrides) and apply
    `overrides`, keyed like `pulumi config set --path`: `tm:network.natGateways` -> value."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    tree: dict[str, Any] = {}
    if path.exists():
        document = yaml.safe_load(path.read_text()) or {}
        tree = copy.deepcopy(document.get("config") or {})
    elif not overrides:
        raise StackConfigError(f"no {path.name} in {project_dir}; create it or pass the config as overrides")
    for key, value in (overrides or {}).items():
        _set_path(tree, key, value)
    return _flatten(tree)


def parse_override(text: str) -> tuple[str, Any]:
    """`tm:network.availabilityZones=3` -> ("tm:network.availabilityZones", 3); values are YAML."""
    key, sep, raw = text.partition("=")
    if not sep or ":" not in key:
        raise StackConfigError(f"override {text!r} must look like namespace:key.path=value")
    return key, yaml.safe_load(raw) if raw else ""


def _set_path(tree: dict[str, Any], dotted: str, value: Any) -> None:
    top, *rest = dotted.split(".")
    if not rest:
        tree[top] = value
        return
    node = tree.setdefault(top, {})
    for part in rest[:-1]:
        if not isinstance(node, dict):
            raise StackConfigError(f"override {dotted!r} descends into a value that is not a map")
        node = node.setdefault(part, {})
    if not isinstance(node, dict):
        raise StackConfigError(f"override {dotted!r} descends into a value that is not a map")
    node[rest[-1]] = value


def _flatten(tree: dict[str, Any]) -> StackConfig:
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in tree.items():
        if _has_secure(value):
            secret_keys.append(key)
            value = _replace_secure(value)
        if isinstance(value, (dict, list)):
            values[key] = json.dumps(value)
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"
        else:
            values[key] = "null" if value is None else str(value)
    return StackConfig(values, secret_keys)


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _replace_secure(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER
        return {k: _replace_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_secure(v) for v in value]
    return value
