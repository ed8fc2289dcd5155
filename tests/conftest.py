"""Shared fixtures: offline plans of the real stacks, computed once per session per config."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from offline.engine import Plan, run_stack

_CACHE: dict[str, Plan] = {}


def plan_for(stack: str, overrides: dict[str, Any] | None = None) -> Plan:
    """The offline plan of `stack`, with `pulumi config set --path`-style overrides
    (`{"tm:network.natGateways": "none"}`)."""
    key = json.dumps([stack, sorted((overrides or {}).items())], default=str)
    if key not in _CACHE:
        _CACHE[key] = run_stack(stack, overrides)
    return _CACHE[key]


@pytest.fixture
def plan() -> Callable[..., Plan]:
    return plan_for


@pytest.fixture(params=["dev", "prod"])
def base_plan(request: pytest.FixtureRequest) -> Plan:
    """The plan of each committed base stack (dev, prod)."""
    return plan_for(request.param)
