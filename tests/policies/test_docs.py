"""docs/policies.md is generated from the packs; it must be current and complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from offline import __main__ as cli
from offline.policy_run import PACKS, POLICIES_DOC, pack_policies, policies_doc


def test_the_policy_table_is_current() -> None:
    assert policies_doc() == POLICIES_DOC.read_text(), "docs/policies.md is stale: run `make docs`"


def test_every_policy_has_a_row_with_its_controls_and_what_unset_means() -> None:
    text = POLICIES_DOC.read_text()
    for pack in PACKS:
        for policy in pack_policies(pack):
            rows = [line for line in text.splitlines() if f"| `{policy.name}`" in line]
            assert len(rows) == 2, policy.name  # the policy table and the unset/settings table
            assert all(control.replace("|", "\\|") in rows[0] for control in policy.controls), policy.name
            assert policy.unset.split(":")[0] in rows[1], policy.name


def test_docs_check_fails_when_the_table_is_stale(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "policies.md"
    stale.write_text("# Policy packs\n")
    monkeypatch.setattr(cli, "POLICIES_DOC", stale)
    # Only the table is under test: the other docs (each test of its own) come back unchanged.
    monkeypatch.setattr(cli, "architecture_doc", lambda current: current)
    monkeypatch.setattr(cli, "costs_doc", lambda current, plans, bootstrap: current)
    monkeypatch.setattr(cli, "cost_plans", list)
    monkeypatch.setattr(cli, "cost_bootstrap", lambda: None)
    monkeypatch.setattr(cli, "security_doc", lambda current: current)
    # The other generated docs are copies, never the work tree's.
    for name in ("ARCHITECTURE_DOC", "COSTS_DOC", "SECURITY_DOC"):
        copy = tmp_path / getattr(cli, name).name
        copy.write_text(getattr(cli, name).read_text())
        monkeypatch.setattr(cli, name, copy)
    assert cli.main(["docs", "--check"]) == 1
    assert "policies.md is stale" in capsys.readouterr().err
    assert cli.main(["docs"]) == 0
    assert stale.read_text() == policies_doc()
    assert cli.main(["docs", "--check"]) == 0
