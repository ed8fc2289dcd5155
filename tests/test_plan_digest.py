"""Each AWS stack's plan is the one its committed digest records (offline/plan_digest.py): a change
to what a stack deploys rewrites the digest in the same commit, so a refactor cannot change a plan
unseen."""

from __future__ import annotations

import dataclasses
import json

import pytest

from offline.plan_digest import OVERRIDES, STACKS, differences, digest, path_of
from tests.conftest import plan_for


@pytest.mark.parametrize("stack", STACKS)
def test_the_plan_is_the_one_its_digest_records(stack: str) -> None:
    current = digest(plan_for(stack, OVERRIDES.get(stack)))
    diff = differences(json.loads(path_of(stack).read_text()), current)
    assert diff == [], (
        f"the plan of {stack} changed (+ new, - gone, ~ changed):\n  " + "\n  ".join(diff) + "\n"
        "if the change is meant, rewrite the digests with `python -m offline.plan_digest` and commit them"
    )


def test_a_changed_input_a_new_and_a_gone_resource_are_named() -> None:
    plan = plan_for("dev")
    first, second, *rest = plan.resources
    changed = dataclasses.replace(first, inputs={**first.inputs, "changed": True})
    new = dataclasses.replace(second, urn=second.urn + "-new")
    mutated = dataclasses.replace(plan, resources=[changed, new, *rest])
    assert differences(digest(plan), digest(mutated)) == sorted(
        [f"~ {first.urn}", f"- {second.urn}", f"+ {second.urn}-new"], key=lambda line: line[2:]
    )
