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
from offline.policy_run import (
    PACKS,
    PACKS_DIR,
    PackProcess,
    PolicyResult,
    changed_resources,
    check_plan,
    check_resources,
)


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


@pytest.fixture(scope="session")
def packs() -> Iterator[list[PackProcess]]:
    """Both packs, started once the way the CLI starts them, for every test that needs them."""
    processes = [PackProcess(PACKS_DIR / pack) for pack in PACKS]
    try:
        for process in processes:
            process.start()
        yield processes
    finally:
        for process in processes:
            process.close()


@pytest.fixture(scope="session")
def stack_result(packs: list[PackProcess]) -> Callable[[str], PolicyResult]:
    """Both packs' findings on a committed stack's plan, computed once per session per stack."""
    results: dict[str, PolicyResult] = {}

    def result(stack: str) -> PolicyResult:
        if stack not in results:
            results[stack] = check_plan(plan_for(stack), packs)
        return results[stack]

    return result


def check_changes(plan: Plan, base: Plan, packs: list[PackProcess]) -> PolicyResult:
    """Both packs on a variant of a committed stack: every stack policy on the whole plan, the
    resource policies on what differs from `base` (new resources, or what a policy is handed of one:
    its inputs, parent, protect flag or provider's inputs). `base` passes every mandatory policy
    (tests/policies/test_stacks.py) at its environment's levels, so this finds the mandatory
    violations a full run would, in a fraction of its time; advisory findings on the resources
    left as they were are not reported."""
    assert plan.environment == base.environment, (
        f"a {plan.environment} variant checked against a {base.environment} base: the packs' levels "
        "are the environment's"
    )
    changed = changed_resources(plan, base)
    assert changed, "the variant changed no resource"
    return check_resources(plan, changed, packs, stack=True)


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
