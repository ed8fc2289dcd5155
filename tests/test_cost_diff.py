"""The cost of a change on its pull request: each stack's monthly estimate before and after, and
the components whose cost changed (offline/cost_diff.py), from the plans' own JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from offline import cost_diff
from offline.report import to_json
from tests.conftest import plan_for
from tests.test_workflows import index_of, jobs


def plan_json(total: float, parts: dict[str, float]) -> dict[str, Any]:
    return {
        "cost": {
            "monthlyUsd": total,
            "components": [{"component": c, "monthlyUsd": v} for c, v in parts.items()],
        }
    }


def test_totals_and_the_components_that_changed() -> None:
    base = plan_json(100.0, {"network (tm:aws:Network)": 40.0, "database (tm:aws:Database)": 60.0})
    head = plan_json(140.5, {"network (tm:aws:Network)": 80.5, "database (tm:aws:Database)": 60.0})
    text = cost_diff.render([("prod", base, head), ("review-pr-123", None, plan_json(5.0, {"pr": 5.0}))])
    assert "| prod | $100.00 | $140.50 | +$40.50 |" in text
    assert "| network (tm:aws:Network) | $40.00 | $80.50 | +$40.50 |" in text
    assert "database" not in text  # unchanged components are left out
    assert "| review-pr-123 | new | $5.00 | +$5.00 |" in text


def test_a_cheaper_change_and_a_stack_the_head_cannot_plan() -> None:
    text = cost_diff.render(
        [
            ("dev", plan_json(127.0, {"a": 127.0}), plan_json(100.0, {"a": 100.0})),
            ("prod", plan_json(5.0, {}), None),
        ]
    )
    assert "| dev | $127.00 | $100.00 | -$27.00 |" in text
    assert "| prod | $5.00 | not planned | |" in text


def test_a_real_change_shows_in_the_network_component() -> None:
    """prod with one NAT gateway (the base) against its three (the head)."""
    base = to_json(plan_for("prod", {"tm:network.natGateways": "single"}))
    head = to_json(plan_for("prod"))
    text = cost_diff.render([("prod", base, head)])
    network = next(line for line in text.splitlines() if line.startswith("| network"))
    assert network.split("|")[4].strip().startswith("+$")
    assert f"| prod | ${base['cost']['monthlyUsd']:,.2f} | ${head['cost']['monthlyUsd']:,.2f} |" in text


def test_the_command_reads_each_stacks_plan_files(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    (tmp_path / "base" / "dev.json").write_text(json.dumps(plan_json(1.0, {"a": 1.0})))
    (tmp_path / "head" / "dev.json").write_text(json.dumps(plan_json(2.0, {"a": 2.0})))
    (tmp_path / "base" / "prod.json").write_text("not json: the base failed")
    (tmp_path / "head" / "prod.json").write_text(json.dumps(plan_json(3.0, {"b": 3.0})))
    assert cost_diff.main([str(tmp_path / "base"), str(tmp_path / "head"), "dev", "prod"]) == 0
    out = capsys.readouterr().out
    assert "| dev | $1.00 | $2.00 | +$1.00 |" in out
    assert "| prod | new | $3.00 | +$3.00 |" in out


def test_the_pull_request_workflow_plans_the_base_for_the_cost_diff() -> None:
    plan = jobs("pull-request.yml")["plan"]
    assert plan["steps"][0]["with"]["fetch-depth"] == 0
    step = plan["steps"][index_of(plan, "offline-plans.sh")]
    assert step["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    script = (Path(__file__).resolve().parent.parent / ".github" / "scripts" / "offline-plans.sh").read_text()
    assert 'git worktree add --quiet --detach "$out/base" "$BASE_SHA"' in script
    assert 'offline.cost_diff "$out/base-plans" "$out" dev staging prod "$review"' in script
