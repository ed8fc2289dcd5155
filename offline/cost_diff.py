"""What a change costs: the monthly estimate of each stack before (the pull request's base) and
after (its head), with the difference per component, as Markdown for the pull-request comment.

    python -m offline.cost_diff <base plans dir> <head plans dir> dev prod review-pr-123

Each directory holds `<stack>.json`, the output of `python -m offline plan <stack> --json`. A
stack the base cannot plan (new, or the base's program fails) shows as new. Whether the head's
cost fits the stack's budget is the operations pack's budget policy, which fails the plan itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Differences smaller than a cent a month are rounding, not a change.
CENT = 0.005


def components(plan: dict[str, Any]) -> dict[str, float]:
    return {c["component"]: float(c["monthlyUsd"]) for c in plan["cost"]["components"]}


def total(plan: dict[str, Any]) -> float:
    return float(plan["cost"]["monthlyUsd"])


def _usd(value: float, *, signed: bool = False) -> str:
    sign = "+" if signed and value > 0 else "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def render(stacks: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]) -> str:
    """The Markdown table of totals, then the components whose cost changed, per stack."""
    lines = [
        "| stack | before | after | difference |",
        "|---|---:|---:|---:|",
    ]
    details: list[str] = []
    for stack, base, head in stacks:
        if head is None:
            lines.append(f"| {stack} | {_usd(total(base)) if base else 'n/a'} | not planned | |")
            continue
        after = total(head)
        if base is None:
            lines.append(f"| {stack} | new | {_usd(after)} | {_usd(after, signed=True)} |")
            continue
        before = total(base)
        lines.append(f"| {stack} | {_usd(before)} | {_usd(after)} | {_usd(after - before, signed=True)} |")
        old, new = components(base), components(head)
        changed = [
            (name, old.get(name, 0.0), new.get(name, 0.0))
            for name in sorted(set(old) | set(new))
            if abs(new.get(name, 0.0) - old.get(name, 0.0)) >= CENT
        ]
        if changed:
            details.append(f"\n`{stack}`, components whose cost changed:\n")
            details += ["| component | before | after | difference |", "|---|---:|---:|---:|"]
            details += [
                f"| {name} | {_usd(a)} | {_usd(b)} | {_usd(b - a, signed=True)} |" for name, a, b in changed
            ]
    return "\n".join(lines + details) + "\n"


def _load(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    base_dir, head_dir, stacks = Path(args[0]), Path(args[1]), args[2:]
    rows = [(stack, _load(base_dir / f"{stack}.json"), _load(head_dir / f"{stack}.json")) for stack in stacks]
    print(render(rows), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
