"""A digest of each AWS stack's plan, resource by resource, so a refactor can show that it changed
nothing that would be deployed.

    python -m offline.plan_digest          # rewrite tests/plan_digests/<stack>.json
    python -m offline.plan_digest --check  # exit 1 and name each resource new, gone or changed

tests/test_plan_digest.py fails when a plan differs from its committed digest. A deliberate change
to what a stack deploys rewrites the digests in the same commit, so its diff names every resource
the change touches; a refactor that should change nothing leaves them alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from offline.engine import PROJECT_DIR, Plan, run_stack

DIGESTS_DIR = PROJECT_DIR / "tests" / "plan_digests"
REVIEW_STACK = "review-pr-123"
STACKS = ("dev", "staging", "prod", REVIEW_STACK)
# A review stack's expiry is a week from the day it is planned: fixed here, so its digest is too.
OVERRIDES: dict[str, dict[str, Any]] = {REVIEW_STACK: {"tm:expiresAt": "2030-01-01"}}
OUTPUTS = "(stack outputs)"


def _hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def digest(plan: Plan) -> dict[str, str]:
    """URN -> a hash of what the engine would be asked to create for it (inputs, parent, provider,
    dependencies and options), with the stack's outputs as one more entry."""
    entries = {
        r.urn: _hash(
            {
                "inputs": r.inputs,
                "parent": r.parent,
                "provider": r.provider,
                "dependencies": sorted(r.dependencies),
                "protect": r.protect,
                "retainOnDelete": r.retain_on_delete,
                "ignoreChanges": sorted(r.ignore_changes),
            }
        )
        for r in plan.resources
    }
    return {**dict(sorted(entries.items())), OUTPUTS: _hash(plan.outputs)}


def plan_of(stack: str) -> Plan:
    return run_stack(stack, OVERRIDES.get(stack))


def path_of(stack: str) -> Path:
    return DIGESTS_DIR / f"{stack}.json"


def differences(committed: dict[str, str], current: dict[str, str]) -> list[str]:
    """`+ urn` (new), `- urn` (gone), `~ urn` (changed), sorted."""
    lines = [f"+ {urn}" for urn in current if urn not in committed]
    lines += [f"- {urn}" for urn in committed if urn not in current]
    lines += [f"~ {urn}" for urn in current if urn in committed and committed[urn] != current[urn]]
    return sorted(lines, key=lambda line: line[2:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m offline.plan_digest", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="compare instead of rewriting")
    args = parser.parse_args(argv)
    changed = False
    for stack in STACKS:
        current = digest(plan_of(stack))
        if args.check:
            diff = differences(json.loads(path_of(stack).read_text()), current)
            for line in diff:
                print(f"{stack}: {line}")
            changed |= bool(diff)
        else:
            path_of(stack).write_text(json.dumps(current, indent=1) + "\n")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
