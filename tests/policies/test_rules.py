"""Every policy of both packs, in the anchors' style: its compliant fixture passes, each one-property
change fails with its message, and the same property unknown (as during a preview) never passes."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

from offline.policy_run import PACKS, pack_policies
from tests.policies import cases
from tests.policies.harness import Case, StackCase, fixture_outcome, messages, unknown_mutation

CASES: list[Case | StackCase] = [
    case
    for module in pkgutil.iter_modules(cases.__path__)
    for case in importlib.import_module(f"{cases.__name__}.{module.name}").CASES
]


def _case_id(case: Case | StackCase) -> str:
    kind = case.resource_type.split(":")[-1] if isinstance(case, Case) else "stack"
    return f"{case.policy.name}[{kind}]"


FAILURES = [
    pytest.param(case, mutation, expected, id=f"{_case_id(case)}:{'+'.join(mutation)}")
    for case in CASES
    for mutation, expected in case.failures
]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_compliant_fixture_has_no_violation(case: Case | StackCase) -> None:
    assert fixture_outcome(case) == []


@pytest.mark.parametrize(("case", "mutation", "expected"), FAILURES)
def test_each_change_fails_with_its_message(
    case: Case | StackCase, mutation: dict[str, Any], expected: str
) -> None:
    assert len(mutation) == 1, "a failure changes one property"
    found = messages(fixture_outcome(case, mutation))
    assert any(expected in message for message in found), found


# A failure that removes a whole resource has no property to make unknown.
UNKNOWNS = [
    pytest.param(case, unknown, id=f"{_case_id(case)}:{'+'.join(mutation)}")
    for case in CASES
    for mutation, _ in case.failures
    if (unknown := unknown_mutation(case, mutation)) is not None
]


@pytest.mark.parametrize(("case", "unknown"), UNKNOWNS)
def test_an_unknown_value_never_passes(case: Case | StackCase, unknown: dict[str, Any]) -> None:
    # Either the SDK's "cannot evaluate during preview", or a violation: never a clean pass.
    assert fixture_outcome(case, unknown) != []


def test_every_policy_of_both_packs_has_a_case() -> None:
    covered = {case.policy.name for case in CASES}
    for pack in PACKS:
        missing = {policy.name for policy in pack_policies(pack)} - covered
        assert not missing, f"{pack}: no fixture for {sorted(missing)}"


def test_every_case_checks_its_own_pack_object() -> None:
    """The fixtures import the same policy objects the packs serve (not copies)."""
    served = {id(policy) for pack in PACKS for policy in pack_policies(pack)}
    assert all(id(case.policy) in served for case in CASES)
