"""Drift is checked on a schedule: a weekly `pulumi preview --refresh` of each base stack with the
read-only drift role, and one issue per drifted stack (tests/test_ci_permissions.py holds the
role to every read a refresh makes)."""

from __future__ import annotations

from pathlib import Path

from tests.test_workflows import BASE_STACKS, index_of, jobs, load, run_script, stub

REPOSITORY = {"GITHUB_REPOSITORY": "hotosm/tasking-manager-infra"}


def test_the_drift_workflow_refreshes_each_base_stack_weekly_with_its_own_role() -> None:
    workflow = load("drift.yml")
    assert workflow["on"]["schedule"] == [{"cron": "0 5 * * 1"}]
    job = jobs("drift.yml")["drift"]
    assert sorted(job["strategy"]["matrix"]["stack"]) == BASE_STACKS
    assert job["environment"] == "drift"
    assert job["permissions"] == {"contents": "read", "id-token": "write", "issues": "write"}
    script = str(job["steps"][index_of(job, "pulumi preview")]["run"])
    assert "--refresh --expect-no-changes" in script
    assert "pulumi up" not in script
    assert script.index('deployed.sh "$STACK" image-tag') < script.index("pulumi preview")
    assert index_of(job, "drift-issue.sh") > index_of(job, "pulumi preview")


def gh_calls(tmp_path: Path, open_issues: str, status: str) -> tuple[int, list[str], str]:
    calls = tmp_path / "calls"
    stub(
        tmp_path / "bin",
        "gh",
        f'echo "$*" >> "{calls}"\nif [ "$1 $2" = "issue list" ]; then printf "%s" "{open_issues}"; fi',
    )
    log = tmp_path / "drift.log"
    log.write_text("~ aws:rds/instance:Instance database update [diff: ~backupRetentionPeriod]\n")
    result = run_script(
        "drift-issue.sh", ["prod", status, str(log), "https://run/1"], REPOSITORY, tmp_path / "bin"
    )
    return result.returncode, calls.read_text().splitlines() if calls.exists() else [], result.stdout


def test_a_drifted_stack_gets_a_new_issue_with_the_diff(tmp_path: Path) -> None:
    code, calls, _ = gh_calls(tmp_path, "", "255")
    assert code == 0
    (create,) = [c for c in calls if c.startswith("issue create")]
    assert "--title Drift in prod --label drift" in create
    # The body (several lines) ends with the log's diff.
    assert "backupRetentionPeriod" in "\n".join(calls[calls.index(create) :])
    assert any(c.startswith("label create drift") for c in calls)


def test_a_stack_that_drifts_again_gets_a_comment_not_a_second_issue(tmp_path: Path) -> None:
    code, calls, _ = gh_calls(tmp_path, "17", "255")
    assert code == 0
    assert [c.split()[:3] for c in calls if c.startswith("issue") and not c.startswith("issue list")] == [
        ["issue", "comment", "17"]
    ]


def test_a_stack_that_matches_again_closes_its_issue(tmp_path: Path) -> None:
    code, calls, out = gh_calls(tmp_path, "17", "0")
    assert code == 0
    assert [c.split()[:3] for c in calls if not c.startswith("issue list")] == [["issue", "close", "17"]]
    assert "prod matches the program" in out
