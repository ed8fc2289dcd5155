"""Shared fixtures: offline plans of the real stacks, computed once per session per config."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from offline import postgres
from offline.engine import Plan, cached_plan


def plan_for(stack: str, overrides: dict[str, Any] | None = None) -> Plan:
    """The offline plan of `stack`, with `pulumi config set --path`-style overrides
    (`{"tm:network.natGateways": "none"}`), computed once per test process."""
    return cached_plan(stack, overrides)


@pytest.fixture
def plan() -> Callable[..., Plan]:
    return plan_for


@pytest.fixture(params=["dev", "staging", "prod"])
def base_plan(request: pytest.FixtureRequest) -> Plan:
    """The plan of each committed base stack (dev, staging, prod)."""
    return plan_for(request.param)


@pytest.fixture(scope="module")
def cluster() -> Iterator[postgres.Cluster]:
    """A throwaway PostgreSQL 15 + PostGIS for the module's tests (offline/postgres.py): a module's
    grants and revocations stay its own. Without it the tests skip and say why, except in CI, where
    they fail."""
    reason = postgres.missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: `make test` installs it; CI must not skip these tests")
        pytest.skip(reason)
    yield from postgres.start()


# -- the suite never writes the work tree ------------------------------------------------------
_PROJECT = Path(__file__).resolve().parent.parent


def _work_tree() -> str | None:
    """A digest of the work tree's changes and untracked files (None outside a git checkout)."""
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain=v1", "--untracked-files=all"],
            cwd=_PROJECT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        diff = subprocess.run(["git", "diff"], cwd=_PROJECT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return hashlib.sha256(status.encode() + diff).hexdigest()


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_TREE] = _work_tree()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    before = session.config.stash.get(_TREE, None)
    if before is not None and _work_tree() != before:
        print("\nthe test run changed the work tree (see `git status`): tests must write only to tmp_path")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_TREE = pytest.StashKey[str | None]()
