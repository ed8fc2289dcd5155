"""Policy tests: the packs' rule modules importable in-process, and running packs shared per session."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import pytest

from offline.policy_run import PACKS, PACKS_DIR, PackProcess, PolicyResult, check_plan
from tests.conftest import plan_for

# Each pack is a directory the CLI runs from, holding one package of rules (security_baseline,
# operations_guardrails): put those directories on the path, as `python -m pulumi.policy .` does.
for _pack in PACKS:
    if str(PACKS_DIR / _pack) not in sys.path:
        sys.path.insert(0, str(PACKS_DIR / _pack))


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
