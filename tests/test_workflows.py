"""The GitHub Actions workflows (.github/workflows) and their scripts (.github/scripts).

actionlint and zizmor (both installed from requirements-dev.txt) find nothing; and the properties
that keep CI safe and deployments correct hold: actions pinned to commit SHAs, least privilege,
AWS only through OIDC roles, no untrusted input in scripts, one never-cancelled concurrency group
per pull request, and the deploy order of docs/operations/deploy.md. Where a workflow step holds
logic (which stack an event deploys, which pull request a dispatch may deploy), that bash runs here
against stubs.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.settings import parse_settings
from offline.config import load_stack_config

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS_DIR = ROOT / ".github" / "workflows"
SCRIPTS_DIR = ROOT / ".github" / "scripts"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.yml"))
SCRIPTS = sorted(SCRIPTS_DIR.glob("*.sh"))
VENV_BIN = Path(sys.executable).parent

# The actions in use, each pinned to the commit its release tag points at (tags read from a clone
# of each action's repository, see docs/operations/ci.md).
PINS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "aws-actions/configure-aws-credentials": ("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
    "pulumi/actions": ("8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"),
}
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials"


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS_DIR / name).read_text())
    # YAML 1.1 reads the key `on` as true.
    document["on"] = document.pop(True, document.get("on"))
    return dict(document)


def jobs(name: str) -> dict[str, dict[str, Any]]:
    return dict(load(name)["jobs"])


def all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(path.name, job_id, job) for path in WORKFLOWS for job_id, job in jobs(path.name).items()]


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def uses(step: dict[str, Any]) -> str:
    return str(step.get("uses", "")).split("@")[0]


def index_of(job: dict[str, Any], text: str) -> int:
    """The index of the first step whose script contains `text`."""
    found = [i for i, step in enumerate(steps(job)) if text in str(step.get("run", ""))]
    assert found, f"no step runs {text!r}"
    return found[0]


def tool(name: str) -> str:
    found = shutil.which(name, path=str(VENV_BIN))
    assert found, f"{name} is installed from requirements-dev.txt into {VENV_BIN}"
    return found


def test_the_six_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == [
        "deploy.yml",
        "drift.yml",
        "patch.yml",
        "pull-request.yml",
        "review-app.yml",
        "review-sweeper.yml",
    ]


# -- the linters -------------------------------------------------------------------------------
def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            tool("actionlint"),
            "-no-color",
            f"-shellcheck={tool('shellcheck')}",
            "-pyflakes=",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def zizmor(*paths: Path) -> list[dict[str, Any]]:
    """Findings of medium severity or higher. Offline (no GitHub token); inline ignore comments
    are not honoured, so nothing can be waved through."""
    result = subprocess.run(
        [
            tool("zizmor"),
            "--offline",
            "--no-ignores",
            "--min-severity",
            "medium",
            "--format",
            "json",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.stdout.strip(), result.stderr
    return list(json.loads(result.stdout))


def test_actionlint_finds_nothing() -> None:
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_of_medium_severity_or_higher() -> None:
    findings = zizmor(WORKFLOWS_DIR)
    located = [(f["ident"], f["desc"], f["locations"][0]["symbolic"]) for f in findings]
    assert located == []


UNSAFE = """\
on: pull_request_target
jobs:
  greet:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_the_linters_do_catch_an_unsafe_workflow(tmp_path: Path) -> None:
    # The tests above pass on silence; make sure silence means something.
    workflow = tmp_path / ".github" / "workflows" / "unsafe.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(UNSAFE)
    assert "potentially untrusted" in actionlint(workflow).stdout
    idents = {f["ident"] for f in zizmor(workflow)}
    assert {"dangerous-triggers", "template-injection", "unpinned-uses"} <= idents


# -- supply chain, privileges, credentials -----------------------------------------------------
def test_every_action_is_pinned_to_its_verified_release_commit() -> None:
    seen = set()
    for path in WORKFLOWS:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = re.search(r"uses:\s*(\S+)(.*)$", line)
            if not match:
                continue
            reference, rest = match.groups()
            action, _, sha = reference.partition("@")
            where = f"{path.name}:{number}"
            assert action in PINS, f"{where}: {action} is not one of the verified actions"
            assert re.fullmatch(r"[0-9a-f]{40}", sha), f"{where}: {reference} is not pinned to a commit"
            assert (sha, re.sub(r"^\s*#\s*", "", rest)) == PINS[action], where
            seen.add(action)
    assert seen == set(PINS)


def test_nothing_is_granted_by_default_and_every_job_says_what_it_needs() -> None:
    for path in WORKFLOWS:
        assert load(path.name)["permissions"] == {}, path.name
    for workflow, job_id, job in all_jobs():
        assert isinstance(job.get("permissions"), dict), f"{workflow}:{job_id}"
        assert set(job["permissions"].values()) <= {"read", "write"}, f"{workflow}:{job_id}"


def test_only_jobs_that_assume_an_aws_role_can_request_an_oidc_token() -> None:
    for workflow, job_id, job in all_jobs():
        assumes = any(uses(step) == AWS_CREDENTIALS for step in steps(job))
        assert (job["permissions"].get("id-token") == "write") == assumes, f"{workflow}:{job_id}"


def test_aws_access_is_only_through_oidc_roles_named_by_variables() -> None:
    credential_steps = [
        (w, j, s) for w, j, job in all_jobs() for s in steps(job) if uses(s) == AWS_CREDENTIALS
    ]
    assert len(credential_steps) >= 6
    for workflow, job_id, step in credential_steps:
        options = step["with"]
        assert re.fullmatch(r"\$\{\{ vars\.AWS_(PREVIEW_)?ROLE_ARN \}\}", options["role-to-assume"]), (
            f"{workflow}:{job_id}"
        )
        assert not {"aws-access-key-id", "aws-secret-access-key", "aws-session-token"} & set(options)
    # No long-lived secret of any kind: everything comes from OIDC, variables or the job token.
    for path in WORKFLOWS:
        assert "secrets." not in path.read_text(), path.name


def test_each_environment_has_its_own_role() -> None:
    """A job's AWS_ROLE_ARN is its GitHub environment's variable: dev, production or review.
    The preview job has no environment and its own read-only role."""
    for workflow, job_id, job in all_jobs():
        for step in steps(job):
            if uses(step) != AWS_CREDENTIALS:
                continue
            if "PREVIEW" in step["with"]["role-to-assume"]:
                assert "environment" not in job, f"{workflow}:{job_id}"
            else:
                assert "environment" in job, f"{workflow}:{job_id}"


def test_no_untrusted_trigger_and_no_expression_inside_a_script() -> None:
    for path in WORKFLOWS:
        assert not {"pull_request_target", "workflow_run"} & set(load(path.name)["on"]), path.name
    for workflow, job_id, job in all_jobs():
        for step in steps(job):
            # Values reach scripts through env: an expression in `run:` is pasted into bash.
            assert "${{" not in str(step.get("run", "")), f"{workflow}:{job_id}: {step.get('name')}"


def test_every_checkout_drops_its_credentials() -> None:
    checkouts = [(w, j, s) for w, j, job in all_jobs() for s in steps(job) if uses(s) == "actions/checkout"]
    assert len(checkouts) >= 8
    for workflow, job_id, step in checkouts:
        assert step["with"]["persist-credentials"] is False, f"{workflow}:{job_id}"


def test_every_job_has_a_timeout() -> None:
    for workflow, job_id, job in all_jobs():
        assert 0 < job["timeout-minutes"] <= 120, f"{workflow}:{job_id}"


def test_the_pulumi_backend_and_secrets_provider_come_from_repository_variables() -> None:
    for workflow, job_id, job in all_jobs():
        env = job.get("env", {})
        if "PULUMI_BACKEND_URL" in env:
            assert env["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}", f"{workflow}:{job_id}"
        if "PULUMI_SECRETS_PROVIDER" in env:
            assert env["PULUMI_SECRETS_PROVIDER"] == "${{ vars.PULUMI_SECRETS_PROVIDER }}", (
                f"{workflow}:{job_id}"
            )
        # Every job that reaches AWS also reaches the Pulumi backend.
        if any(uses(step) == AWS_CREDENTIALS for step in steps(job)):
            assert "PULUMI_BACKEND_URL" in env, f"{workflow}:{job_id}"


def test_the_pulumi_cli_is_the_release_of_the_pinned_sdk() -> None:
    (sdk,) = re.findall(r"^pulumi==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    for path in WORKFLOWS:
        workflow = load(path.name)
        if "pulumi/actions" in path.read_text():
            assert workflow["env"]["PULUMI_VERSION"] == sdk, path.name
            for _, job in workflow["jobs"].items():
                for step in steps(job):
                    if uses(step) == "pulumi/actions":
                        assert step["with"] == {"pulumi-version": "${{ env.PULUMI_VERSION }}"}


# -- deploy ------------------------------------------------------------------------------------
def run_step(script: str, env: dict[str, str], tmp_path: Path) -> tuple[int, dict[str, str], str]:
    """Run a step's bash as Actions would (bash -e -o pipefail); returns its status, what it wrote
    to GITHUB_OUTPUT and its output."""
    output = tmp_path / "github_output"
    output.write_text("")
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    values = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return result.returncode, values, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("event", "ref", "stack_input", "stack", "environment"),
    [
        ("push", "refs/heads/develop", "", "dev", "dev"),
        ("push", "refs/heads/main", "", "prod", "production"),
        ("release", "refs/tags/v5.1.0", "", "prod", "production"),
        ("workflow_dispatch", "refs/heads/main", "prod", "prod", "production"),
        ("workflow_dispatch", "refs/heads/develop", "dev", "dev", "dev"),
    ],
)
def test_each_event_deploys_one_stack_through_its_environment(
    tmp_path: Path, event: str, ref: str, stack_input: str, stack: str, environment: str
) -> None:
    (step,) = steps(jobs("deploy.yml")["target"])
    env = {"GITHUB_EVENT_NAME": event, "GITHUB_REF": ref, "INPUT_STACK": stack_input}
    status, outputs, log = run_step(step["run"], env, tmp_path)
    assert status == 0, log
    assert outputs == {"stack": stack, "environment": environment}


def test_other_branches_deploy_nothing(tmp_path: Path) -> None:
    (step,) = steps(jobs("deploy.yml")["target"])
    status, outputs, log = run_step(
        step["run"], {"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/feature"}, tmp_path
    )
    assert status == 1
    assert outputs == {}
    assert "nothing deploys from refs/heads/feature" in log


def test_the_deploy_job_uses_the_chosen_environment_and_is_never_cancelled() -> None:
    deploy = jobs("deploy.yml")["deploy"]
    assert deploy["environment"]["name"] == "${{ needs.target.outputs.environment }}"
    assert deploy["concurrency"] == {
        "group": "deploy-${{ needs.target.outputs.stack }}",
        "cancel-in-progress": False,
    }


def test_deploy_follows_the_runbook_order() -> None:
    deploy = jobs("deploy.yml")["deploy"]
    ids = [step.get("id") for step in steps(deploy)]
    # 1. image, 2. tag and migrate task definition, 3. migrations, 4. everything.
    assert [i for i in ids if i in ("image", "point", "migrate", "up")] == ["image", "point", "migrate", "up"]
    by_id = {step.get("id"): str(step.get("run", "")) for step in steps(deploy)}
    assert ".github/scripts/push-image.sh" in by_id["image"]
    point = by_id["point"]
    assert point.index("pulumi config set --path tm:image.tag") < point.index(
        "pulumi up --yes --non-interactive --target"
    )
    assert 'deployed.sh "$STACK" migrate-urn' in point
    assert by_id["migrate"] == 'scripts/run-migrations.sh "$STACK"'
    assert "--target" not in by_id["up"]
    # Bash steps stop at the first failing command, so a failed migration ends the job there.
    assert load("deploy.yml")["defaults"]["run"]["shell"] == "bash"


@pytest.mark.parametrize(("workflow", "job_id"), [("deploy.yml", "deploy"), ("review-app.yml", "deploy")])
def test_pulumi_up_runs_both_policy_packs_with_the_environments_config(workflow: str, job_id: str) -> None:
    job = jobs(workflow)[job_id]
    ups = [str(s["run"]) for s in steps(job) if "pulumi up" in str(s.get("run", ""))]
    assert ups
    for script in ups:
        for pack in ("security-baseline", "operations"):
            assert f"--policy-pack policies/{pack} --policy-pack-config" in script
            environment = "$STACK" if workflow == "deploy.yml" else "review"
            assert f"policies/{pack}/config/{environment}.json" in script
    for environment in ("dev", "prod", "review"):
        for pack in ("security-baseline", "operations"):
            assert (ROOT / "policies" / pack / "config" / f"{environment}.json").is_file()


# -- review apps -------------------------------------------------------------------------------
def test_review_jobs_share_one_never_cancelled_group_per_pull_request() -> None:
    review = jobs("review-app.yml")
    sweeper = jobs("review-sweeper.yml")
    assert "concurrency" not in load("review-app.yml")  # a workflow-level group could cancel a destroy
    assert review["deploy"]["concurrency"] == {
        "group": "review-app-${{ github.event.pull_request.number || inputs.pull-request }}",
        "cancel-in-progress": False,
    }
    assert review["destroy"]["concurrency"] == {
        "group": "review-app-${{ github.event.pull_request.number }}",
        "cancel-in-progress": False,
    }
    assert sweeper["sweep"]["concurrency"] == {
        "group": "review-app-${{ matrix.pr }}",
        "cancel-in-progress": False,
    }


def test_review_apps_deploy_on_same_repository_events_and_destroy_on_close() -> None:
    triggers = load("review-app.yml")["on"]
    assert triggers["pull_request"]["types"] == ["opened", "synchronize", "reopened", "closed"]
    review = jobs("review-app.yml")
    same_repository = "github.event.pull_request.head.repo.full_name == github.repository"
    assert same_repository in review["deploy"]["if"]
    assert "github.event.action != 'closed'" in review["deploy"]["if"]
    assert review["destroy"]["if"] == f"github.event.action == 'closed' && {same_repository}"


def test_review_app_deploys_in_order() -> None:
    deploy = jobs("review-app.yml")["deploy"]
    order = [
        index_of(deploy, ".github/scripts/push-image.sh"),
        index_of(deploy, 'review-stack.sh "review-pr-$PR" --create'),
        index_of(deploy, "pulumi up --yes"),
        index_of(deploy, 'scripts/review-database.sh create "$PR"'),
        index_of(deploy, 'scripts/run-migrations.sh "review-pr-$PR"'),
        index_of(deploy, "--force-new-deployment"),
    ]
    assert order == sorted(order)
    assert len(set(order)) == len(order)


def test_the_review_config_ci_sets_is_valid_and_matches_the_offline_review_plan() -> None:
    deploy = jobs("review-app.yml")["deploy"]
    script = str(steps(deploy)[index_of(deploy, "review-stack.sh")]["run"])
    samples = {"$PR": "123", "$TAG": "pr-123-0123456789ab", "$BRANCH": "feature/review", "$BASE_STACK": "dev"}
    overrides: dict[str, Any] = {}
    for key, value in re.findall(r"pulumi config set (?:--path )?(\S+) (?:-- )?(.+)", script):
        if "$(date" in value:
            value = (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
        for variable, sample in samples.items():
            value = value.replace(f'"{variable}"', sample).replace(variable, sample)
        overrides[key] = yaml.safe_load(value)
    assert overrides["tm:environment"] == "review"
    # The keys the PR workflow's offline plan of review-pr-123 sets are the same.
    planned = re.findall(r"^\s+\"?(tm:[\w.]+)=", (SCRIPTS_DIR / "offline-plans.sh").read_text(), re.MULTILINE)
    assert sorted(planned) == sorted(overrides)
    # And the program accepts them.
    config = load_stack_config(ROOT, "review-pr-123", overrides)
    settings = parse_settings("review-pr-123", config.values, config.secret_keys)
    assert settings.environment == "review"


GH_STUB = """#!/usr/bin/env bash
cat "$PR_FACTS"
"""
HEAD = "a" * 40


def pull_request(
    state: str = "open", head: str = HEAD, fork: bool = False, labels: tuple[str, ...] = ()
) -> dict[str, Any]:
    repository = "someone/tasking-manager" if fork else "hotosm/tasking-manager"
    return {
        "state": state,
        "head": {"sha": head, "ref": "feature/x", "repo": {"full_name": repository}},
        "labels": [{"name": label} for label in labels],
    }


@pytest.mark.parametrize(
    ("facts", "sha", "refusal"),
    [
        (pull_request(fork=True), HEAD, "comes from a fork: a maintainer labels it ok-to-deploy first"),
        (
            pull_request(fork=True, labels=("ok-to-deploy",), head="b" * 40),
            HEAD,
            "review it and dispatch again",
        ),
        (pull_request(state="closed"), HEAD, "pull request #42 is closed"),
        (pull_request(), "main", "head-sha must be a full 40-character commit SHA"),
        (pull_request(fork=True, labels=("ok-to-deploy",)), HEAD, None),
        (pull_request(), HEAD, None),
    ],
)
def test_a_dispatched_review_app_deploys_only_the_reviewed_head_of_an_approved_pull_request(
    tmp_path: Path, facts: dict[str, Any], sha: str, refusal: str | None
) -> None:
    stub = tmp_path / "bin" / "gh"
    stub.parent.mkdir()
    stub.write_text(GH_STUB)
    stub.chmod(0o755)
    (tmp_path / "facts.json").write_text(json.dumps(facts))
    step = steps(jobs("review-app.yml")["deploy"])[0]
    env = {
        **{k: v for k, v in step["env"].items() if not str(v).startswith("${{")},
        "PATH": f"{stub.parent}:{os.environ['PATH']}",
        "PR_FACTS": str(tmp_path / "facts.json"),
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_REPOSITORY": "hotosm/tasking-manager",
        "INPUT_PR": "42",
        "INPUT_SHA": sha,
    }
    status, outputs, log = run_step(step["run"], env, tmp_path)
    if refusal:
        assert status == 1
        assert refusal in log
        assert outputs == {}
    else:
        assert status == 0, log
        assert outputs == {"number": "42", "sha": HEAD, "branch": "feature/x"}


def test_a_pull_request_event_deploys_its_head(tmp_path: Path) -> None:
    step = steps(jobs("review-app.yml")["deploy"])[0]
    env = {
        "GITHUB_EVENT_NAME": "pull_request",
        "EVENT_PR": "7",
        "EVENT_SHA": HEAD,
        "EVENT_BRANCH": "feature/y",
    }
    status, outputs, log = run_step(step["run"], env, tmp_path)
    assert status == 0, log
    assert outputs == {"number": "7", "sha": HEAD, "branch": "feature/y"}


def test_a_review_image_is_tagged_with_the_pull_request_commit_and_the_image_layer(tmp_path: Path) -> None:
    deploy = jobs("review-app.yml")["deploy"]
    step = steps(deploy)[index_of(deploy, "layer-digest.sh")]
    status, outputs, log = run_step(str(step["run"]), {"PR": "7", "SHA": HEAD}, tmp_path)
    assert status == 0, log
    layer = ROOT / "images" / "api"
    digest = hashlib.sha256((layer / "Dockerfile").read_bytes() + (layer / "requirements.txt").read_bytes())
    assert outputs == {"tag": f"pr-7-{HEAD[:12]}-l{digest.hexdigest()[:8]}"}
    # Built, pushed and deployed under that one tag.
    uses = [s for s in steps(deploy) if "steps.image.outputs.tag" in json.dumps(s.get("env", {}))]
    assert len(uses) == 2


def test_the_sweeper_runs_nightly_and_on_demand() -> None:
    triggers = load("review-sweeper.yml")["on"]
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    (schedule,) = triggers["schedule"]
    minute, hour, *every_day = schedule["cron"].split()
    assert every_day == ["*", "*", "*"]
    assert minute.isdigit()
    assert hour.isdigit()


# -- pull requests -----------------------------------------------------------------------------
def test_pull_requests_are_checked_planned_previewed_and_summarised() -> None:
    pr = jobs("pull-request.yml")
    assert [s["run"] for s in steps(pr["test"]) if "run" in s] == ["make test"]
    assert (
        ".github/scripts/offline-plans.sh"
        in steps(pr["plan"])[index_of(pr["plan"], "offline-plans.sh")]["run"]
    )
    assert (
        ".github/scripts/previews.sh dev prod"
        in steps(pr["preview"])[index_of(pr["preview"], "previews.sh")]["run"]
    )
    # Forks get no OIDC token nor a writable token: no preview, no comment for them.
    same_repository = "github.event.pull_request.head.repo.full_name == github.repository"
    assert pr["preview"]["if"] == same_repository
    assert pr["comment"]["if"] == f"always() && {same_repository}"
    assert pr["comment"]["needs"] == ["test", "plan", "preview"]
    for stack in ("dev", "prod", "review-pr-123"):
        assert stack in (SCRIPTS_DIR / "offline-plans.sh").read_text()


# -- scripts -----------------------------------------------------------------------------------
def stub(directory: Path, name: str, script: str) -> None:
    """A fake command for the scripts to call instead of pulumi, aws or gh."""
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(f"#!/usr/bin/env bash\n{script}\n")
    path.chmod(0o755)


def run_script(
    name: str, args: list[str], env: dict[str, str], bin_dir: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPTS_DIR / name), *args],
        env={"PATH": f"{bin_dir}:{os.environ['PATH']}", **env},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def state_export(stack: str, image: str, expires: str = "2099-01-01") -> dict[str, Any]:
    backend = f"urn:pulumi:{stack}::tasking-manager::tm:aws:Backend$aws:ecs/taskDefinition:TaskDefinition"
    return {
        "deployment": {
            "resources": [
                {
                    "urn": f"urn:pulumi:{stack}::tasking-manager::pulumi:providers:aws::aws",
                    "type": "pulumi:providers:aws",
                    "inputs": {"defaultTags": json.dumps({"tags": {"ExpiresAt": expires}})},
                },
                {
                    "urn": f"{backend}::backend-api",
                    "type": "aws:ecs/taskDefinition:TaskDefinition",
                    "outputs": {},
                },
                {
                    "urn": f"{backend}::backend-migrate",
                    "type": "aws:ecs/taskDefinition:TaskDefinition",
                    "outputs": {"containerDefinitions": json.dumps([{"name": "migrate", "image": image}])},
                },
            ]
        }
    }


@pytest.mark.parametrize(
    ("fact", "expected"),
    [
        (
            "migrate-urn",
            "urn:pulumi:prod::tasking-manager::tm:aws:Backend$aws:ecs/taskDefinition:TaskDefinition::backend-migrate",
        ),
        ("image-tag", "0123456789ab"),
    ],
)
def test_deployed_reads_the_migrate_task_definition_from_the_state(
    tmp_path: Path, fact: str, expected: str
) -> None:
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com:443/tasking-manager/prod/backend:0123456789ab"
    (tmp_path / "export.json").write_text(json.dumps(state_export("prod", image)))
    stub(tmp_path / "bin", "pulumi", f'cat "{tmp_path}/export.json"')
    result = run_script("deployed.sh", ["prod", fact], {}, tmp_path / "bin")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_deployed_fails_for_a_stack_never_deployed(tmp_path: Path) -> None:
    stub(tmp_path / "bin", "pulumi", """echo '{"deployment": {"resources": []}}'""")
    result = run_script("deployed.sh", ["dev", "migrate-urn"], {}, tmp_path / "bin")
    assert result.returncode != 0
    assert result.stdout.strip() == ""


def test_the_sweeper_picks_closed_and_expired_review_stacks(tmp_path: Path) -> None:
    """review-pr-1: open, current; 2: closed; 3: open but expired; 4: its PR is gone."""
    keys = " ".join(
        f".pulumi/stacks/tasking-manager/review-pr-{n}.json{suffix}"
        for n in (1, 2, 3, 4)
        for suffix in ("", ".bak")
    )
    stub(tmp_path / "bin", "aws", f'echo "{keys}"')
    states = {"1": "open", "2": "closed", "3": "open"}
    stub(
        tmp_path / "bin",
        "gh",
        'case "$2" in '
        + " ".join(f"*/{n}) echo {state} ;;" for n, state in states.items())
        + " *) exit 1 ;; esac",
    )
    for n, expires in (("1", "2099-01-01"), ("2", "2099-01-01"), ("3", "2001-01-01"), ("4", "2099-01-01")):
        (tmp_path / f"review-pr-{n}.json").write_text(
            json.dumps(state_export(f"review-pr-{n}", "x:y", expires))
        )
    stub(tmp_path / "bin", "pulumi", f'cat "{tmp_path}/$4.json"')
    env = {
        "PULUMI_BACKEND_URL": "s3://state-bucket?region=us-east-1&awssdk=v2",
        "GITHUB_REPOSITORY": "hotosm/tasking-manager",
    }
    result = run_script("stale-review-stacks.sh", [], env, tmp_path / "bin")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [2, 3, 4]
    assert "review-pr-3: expired on 2001-01-01" in result.stderr


def destroy_review_app(tmp_path: Path, pulumi: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run destroy-review-app.sh 42 in a copy of the repository layout whose scripts/ holds a stub
    review-database.sh, with `pulumi` stubbed; returns the result and the commands called."""
    calls = tmp_path / "calls"
    calls.write_text("")
    stub(tmp_path / "bin", "pulumi", f'echo "pulumi $*" >> "{calls}"; {pulumi}')
    root = tmp_path / "repo"
    (root / ".github" / "scripts").mkdir(parents=True)
    for name in ("destroy-review-app.sh", "review-stack.sh"):
        shutil.copy2(SCRIPTS_DIR / name, root / ".github" / "scripts" / name)
    stub(root / "scripts", "review-database.sh", f'echo "database $*" >> "{calls}"')
    result = subprocess.run(
        [str(root / ".github" / "scripts" / "destroy-review-app.sh"), "42"],
        env={
            "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
            "PULUMI_SECRETS_PROVIDER": "awskms://alias/x",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    return result, calls.read_text().splitlines()


def test_a_review_app_is_dropped_destroyed_then_removed(tmp_path: Path) -> None:
    result, calls = destroy_review_app(tmp_path, "true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls == [
        "database drop 42",
        "pulumi stack select review-pr-42",
        "pulumi stack change-secrets-provider --stack review-pr-42 awskms://alias/x",
        "pulumi destroy --stack review-pr-42 --yes --non-interactive",
        "pulumi stack rm --stack review-pr-42 --yes --non-interactive",
    ]


def test_destroying_a_review_app_whose_stack_is_gone_only_drops_its_database(tmp_path: Path) -> None:
    result, calls = destroy_review_app(tmp_path, '[ "$1 $2" != "stack select" ]')
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls == ["database drop 42", "pulumi stack select review-pr-42"]
    assert "review-pr-42 is gone already" in result.stdout


def test_a_failing_destroy_fails_the_job(tmp_path: Path) -> None:
    result, calls = destroy_review_app(tmp_path, '[ "$1" != destroy ]')
    assert result.returncode != 0
    assert calls[-1].startswith("pulumi destroy")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_passes_shellcheck_and_is_executable(script: Path) -> None:
    result = subprocess.run(
        [tool("shellcheck"), "--severity=info", str(script)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
    assert os.access(script, os.X_OK)
