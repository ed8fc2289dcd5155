"""The GitHub Actions workflows (.github/workflows), their scripts (.github/scripts), and the
application repository's review-app workflow kept here (docs/app-repository/review-app.yml).

actionlint and zizmor (both installed from requirements-dev.txt) find nothing; and the properties
that keep CI safe and deployments correct hold: actions pinned to commit SHAs, least privilege,
AWS only through OIDC roles, no untrusted input in scripts, the application's code built only in
jobs with nothing to steal, one never-cancelled concurrency group per pull request, and the deploy
order of docs/operations/deploy.md. Where a workflow step holds logic (which stack an event
deploys, who may ask for a review app), that bash runs here against stubs; the review app's
decisions live in .github/scripts/review_app.py and run here against GitHub's payloads
(tests/fixtures/github).
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
from typing import Any, get_args

import pytest
import yaml

from components.profiles import PROFILES
from components.settings import CpuArchitecture, parse_settings
from offline.config import load_stack_config
from offline.engine import cached_plan

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS_DIR = ROOT / ".github" / "workflows"
SCRIPTS_DIR = ROOT / ".github" / "scripts"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.yml"))
SCRIPTS = sorted(SCRIPTS_DIR.glob("*.sh"))
VENV_BIN = Path(sys.executable).parent
# The application repository's workflow, kept here for its maintainers to copy.
APP_WORKFLOW = ROOT / "docs" / "app-repository" / "review-app.yml"
# GitHub's payloads (events, REST answers), trimmed to what the scripts read.
GITHUB = ROOT / "tests" / "fixtures" / "github"

# The actions in use, each pinned to the commit its release tag points at (tags read from a clone
# of each action's repository, see docs/operations/ci.md).
PINS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/download-artifact": ("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    "actions/setup-node": ("820762786026740c76f36085b0efc47a31fe5020", "v7.0.0"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "aws-actions/configure-aws-credentials": ("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
    "pulumi/actions": ("8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"),
}
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials"


def load(name: str | Path) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS_DIR / name).read_text())
    # YAML 1.1 reads the key `on` as true.
    document["on"] = document.pop(True, document.get("on"))
    return dict(document)


def jobs(name: str | Path) -> dict[str, dict[str, Any]]:
    return dict(load(name)["jobs"])


def all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(path.name, job_id, job) for path in WORKFLOWS for job_id, job in jobs(path.name).items()]


def _platform(stack_file: Path) -> str:
    config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    return str(config.get("tm:platform", "aws"))


_STACK_FILES = sorted(ROOT.glob("Pulumi.*.yaml"))
# The committed AWS base stacks: each has a stack file, and every workflow that covers the base
# stacks (deploy, drift, previews, offline plans) covers each of them. A Kubernetes stack
# (tm:platform kubernetes) is an example for another cluster: the workflows hold AWS credentials
# and AWS state backends, so they neither deploy, preview nor drift-check it; `make plan` and the
# tests plan it offline.
BASE_STACKS = sorted(p.name.split(".")[1] for p in _STACK_FILES if _platform(p) == "aws")
KUBERNETES_STACKS = sorted(p.name.split(".")[1] for p in _STACK_FILES if _platform(p) == "kubernetes")


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def step_named(job: dict[str, Any], name_or_id: str) -> dict[str, Any]:
    """The one step of `job` with this id or name."""
    (step,) = [s for s in steps(job) if name_or_id in (s.get("id"), s.get("name"))]
    return step


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


def test_the_seven_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == [
        "deploy.yml",
        "drift.yml",
        "patch.yml",
        "pull-request.yml",
        "review-app.yml",
        "review-sweeper.yml",
        "wake.yml",
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


def test_the_application_repositorys_workflow_passes_both_linters() -> None:
    """The one finding zizmor has is the trigger itself: it flags every issue_comment workflow,
    because such runs have the base repository's secrets and usually check out the pull request.
    This one checks out nothing and runs no code but its own (the tests below hold it to that), so
    that finding, and only that one, is expected."""
    result = actionlint(APP_WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    findings = [
        (f["ident"], location["symbolic"]["annotation"])
        for f in zizmor(APP_WORKFLOW)
        for location in f["locations"]
        if location["symbolic"]["kind"] == "Primary"
    ]
    assert findings == [("dangerous-triggers", "issue_comment is almost always used insecurely")]


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
    # No long-lived AWS secret: everything comes from OIDC, variables or the job token. The one
    # secret is a GitHub token to comment on the application repository's pull requests, given
    # only to the steps that comment, never in a job that runs a pull request's code (the build
    # jobs, tested below).
    for path in WORKFLOWS:
        assert set(re.findall(r"secrets\.\w+", path.read_text())) <= {"secrets.APP_REPOSITORY_TOKEN"}
    for workflow, job_id, job in all_jobs():
        for step in steps(job):
            if "secrets." in json.dumps(step):
                assert set(step["env"]) >= {"GH_TOKEN"}, f"{workflow}:{job_id}"
                assert "secrets." in step["env"]["GH_TOKEN"]
                assert str(step["run"]).startswith("python3 .github/scripts/review_app.py comment")


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
def run_step(
    script: str, env: dict[str, str], tmp_path: Path, cwd: Path | None = None
) -> tuple[int, dict[str, str], str]:
    """Run a step's bash as Actions would (bash -e -o pipefail); returns its status, what it wrote
    to GITHUB_OUTPUT and its output."""
    output = tmp_path / "github_output"
    output.write_text("")
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
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
        ("push", "refs/heads/release/5.6", "", "staging", "staging"),
        ("workflow_dispatch", "refs/heads/release/5.6", "staging", "staging", "staging"),
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


def test_every_base_stack_can_be_dispatched() -> None:
    assert sorted(load("deploy.yml")["on"]["workflow_dispatch"]["inputs"]["stack"]["options"]) == BASE_STACKS


def test_every_stack_file_is_an_aws_or_a_kubernetes_stack() -> None:
    assert KUBERNETES_STACKS, "the Kubernetes example stack is committed"
    assert sorted(BASE_STACKS + KUBERNETES_STACKS) == sorted(p.name.split(".")[1] for p in _STACK_FILES)


@pytest.mark.parametrize("name", [path.name for path in WORKFLOWS])
def test_no_workflow_names_a_kubernetes_stack(name: str) -> None:
    """Each workflow's AWS role and state backend would fail on a Kubernetes stack half-way."""
    text = (WORKFLOWS_DIR / name).read_text()
    assert not [stack for stack in KUBERNETES_STACKS if re.search(rf"\b{re.escape(stack)}\b", text)]


def test_other_branches_deploy_nothing(tmp_path: Path) -> None:
    (step,) = steps(jobs("deploy.yml")["target"])
    status, outputs, log = run_step(
        step["run"], {"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/feature"}, tmp_path
    )
    assert status == 1
    assert outputs == {}
    assert "nothing deploys from refs/heads/feature" in log


@pytest.mark.parametrize(("stack", "ref"), [("dev", "develop"), ("staging", "staging"), ("prod", "main")])
def test_each_stack_deploys_its_branch_of_the_application_by_default(
    tmp_path: Path, stack: str, ref: str
) -> None:
    """HOT's application has a branch per environment: develop, staging and main."""
    step = step_named(jobs("deploy.yml")["deploy"], "Resolve the application source")
    env = {"STACK": stack, "APP_REPOSITORY": APP_REPOSITORY, "GITHUB_REPOSITORY": THIS_REPOSITORY}
    status, outputs, log = run_step(step["run"], {**env, "INPUT_APP_REF": ""}, tmp_path)
    assert status == 0, log
    assert outputs == {"dir": "app", "ref": ref}
    _, outputs, _ = run_step(step["run"], {**env, "INPUT_APP_REF": "v5.6.0"}, tmp_path)
    assert outputs["ref"] == "v5.6.0"


@pytest.mark.parametrize(
    ("stack", "called"),
    [
        ("dev", "push-image.sh URL/tasking-manager/dev/backend TAG app"),
        (
            "staging",
            "promote-image.sh URL/tasking-manager/dev/backend URL/tasking-manager/staging/backend TAG",
        ),
        ("prod", "promote-image.sh URL/tasking-manager/dev/backend URL/tasking-manager/prod/backend TAG"),
    ],
)
def test_only_dev_builds_and_the_others_promote_devs_image(tmp_path: Path, stack: str, called: str) -> None:
    step = step_named(jobs("deploy.yml")["deploy"], "image")
    scripts, bin_dir = tmp_path / ".github" / "scripts", tmp_path / "bin"
    scripts.mkdir(parents=True)
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    stub = f'#!/usr/bin/env bash\necho "$(basename "$0") $*" >> {calls}\n'
    for name in ("push-image.sh", "promote-image.sh"):
        (scripts / name).write_text(stub)
    (scripts / "image-tag.sh").write_text("#!/usr/bin/env bash\necho TAG\n")
    (bin_dir / "pulumi").write_text(f"#!/usr/bin/env bash\necho URL/tasking-manager/{stack}/backend\n")
    for path in [*scripts.iterdir(), *bin_dir.iterdir()]:
        path.chmod(0o755)
    env = {"STACK": stack, "APP_DIR": "app", "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    status, outputs, log = run_step(step["run"], env, tmp_path, cwd=tmp_path)
    assert status == 0, log
    assert outputs == {"tag": "TAG"}
    assert calls.read_text().splitlines() == [called]


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
    for environment in ("dev", "staging", "prod", "review"):
        for pack in ("security-baseline", "operations"):
            assert (ROOT / "policies" / pack / "config" / f"{environment}.json").is_file()


# -- review apps -------------------------------------------------------------------------------
REVIEW = "review-app.yml"
REVIEW_PATH = f".github/workflows/{REVIEW}"
BUILD_JOBS = ("build-backend", "build-frontend")
DEPLOY_JOBS = ("deploy", "deploy-frontend")
SLOT_CLAIMED = "needs.prepare.outputs.slot != ''"
# The front end is built and deployed unless the slot already serves its build.
FRONT_END_NEEDED = "needs.prepare.outputs.frontend-reused != 'true'"
FRONT_END_JOBS = ("build-frontend", "deploy-frontend")
HEAD = "a" * 40


def needs_of(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def test_review_runs_share_one_never_cancelled_group_per_pull_request() -> None:
    """The whole run is one group, keyed by the pull request's repository and number, so a claim,
    its builds and its deploy never interleave with a destroy of the same pull request; the
    sweeper's removals join the same groups."""
    assert load(REVIEW)["concurrency"] == {
        "group": "review-app-${{ inputs.repository || github.repository }}-"
        "${{ inputs.pull-request || github.event.pull_request.number }}",
        "cancel-in-progress": False,
    }
    assert all("concurrency" not in job for job in jobs(REVIEW).values())
    assert jobs("review-sweeper.yml")["sweep"]["concurrency"] == {
        "group": "review-app-${{ matrix.repository }}-${{ matrix.pr }}",
        "cancel-in-progress": False,
    }


def test_review_apps_come_from_this_repositorys_pull_requests_and_dispatches() -> None:
    triggers = load(REVIEW)["on"]
    assert triggers["pull_request"]["types"] == ["opened", "synchronize", "reopened", "closed"]
    assert set(triggers["workflow_dispatch"]["inputs"]) == {
        "repository",
        "pull-request",
        "head-sha",
        "action",
    }
    assert triggers["workflow_dispatch"]["inputs"]["action"]["options"] == ["deploy", "destroy"]
    review = jobs(REVIEW)
    # A fork's own events get no OIDC token: they come through a dispatch.
    assert review["prepare"]["if"] == (
        "github.event_name == 'workflow_dispatch' || "
        "github.event.pull_request.head.repo.full_name == github.repository"
    )
    assert review["build-backend"]["if"] == review["deploy"]["if"] == SLOT_CLAIMED
    for job_id in FRONT_END_JOBS:
        assert review[job_id]["if"] == f"{SLOT_CLAIMED} && {FRONT_END_NEEDED}", job_id
    assert review["destroy"]["if"] == "needs.prepare.outputs.action == 'destroy'"


def test_the_application_repositorys_workflow_asks_for_what_this_one_takes() -> None:
    (step,) = [s for s in steps(jobs(APP_WORKFLOW)["dispatch"]) if "gh workflow run" in str(s.get("run", ""))]
    script = str(step["run"])
    assert script.startswith('gh workflow run review-app.yml --repo "$INFRA_REPOSITORY"')
    fields = set(re.findall(r"-f ([\w-]+)=", script))
    assert fields == set(load(REVIEW)["on"]["workflow_dispatch"]["inputs"])


def test_the_build_jobs_run_untrusted_code_with_nothing_to_steal() -> None:
    """The pull request's code runs in the build jobs (the image's RUN steps, yarn's scripts): no
    AWS role, no OIDC token, no environment and its secrets, no secret at all, a read-only token,
    and no cache it could poison for a later run."""
    review = jobs(REVIEW)
    for job_id in BUILD_JOBS:
        job = review[job_id]
        assert job["permissions"] == {"contents": "read"}, job_id
        assert "environment" not in job, job_id
        assert "secrets." not in json.dumps(job), job_id
        assert not [s for s in steps(job) if uses(s) == AWS_CREDENTIALS], job_id
        assert not [s for s in steps(job) if uses(s) == "actions/cache" or "cache" in s.get("with", {})], (
            job_id
        )
        assert "aws " not in json.dumps(job), job_id
        assert "pulumi " not in json.dumps(job), job_id
        assert needs_of(job) == ["prepare"], job_id
    # setup-node turns a cache on by itself for some projects: off, explicitly.
    (node,) = [s for s in steps(review["build-frontend"]) if uses(s) == "actions/setup-node"]
    assert node["with"] == {"node-version": "22", "package-manager-cache": False}
    # Docker's build runs on the runner's empty layer store, with no cache import or export.
    build = str(steps(review["build-backend"])[index_of(review["build-backend"], "push-image.sh")]["run"])
    assert build == '.github/scripts/push-image.sh --build-only app "$RUNNER_TEMP/backend-image.tar"'
    assert "--cache-from" not in (SCRIPTS_DIR / "push-image.sh").read_text()


def test_the_builds_check_out_the_commits_prepare_checked() -> None:
    review = jobs(REVIEW)
    for job_id in BUILD_JOBS:
        (app,) = [s for s in steps(review[job_id]) if s.get("with", {}).get("path") == "app"]
        assert app["with"]["repository"] == "${{ env.APP_REPOSITORY }}"
        assert app["with"]["ref"] == "${{ needs.prepare.outputs.app-sha }}"
    frontend = review["build-frontend"]
    install, build = (steps(frontend)[index_of(frontend, run)] for run in ("yarn install", "yarn build"))
    assert steps(frontend).index(install) < steps(frontend).index(build)
    assert install["working-directory"] == build["working-directory"] == "app/frontend"
    assert install["run"] == "yarn install --frozen-lockfile"
    assert "yarn build\n" in build["run"]
    assert build["env"] == {"FRONTEND_ENV": "${{ needs.prepare.outputs.frontend-env }}"}
    uploads = {
        s["with"]["name"]: s["with"]
        for job_id in BUILD_JOBS
        for s in steps(review[job_id])
        if uses(s) == "actions/upload-artifact"
    }
    assert uploads["frontend"]["path"] == "app/frontend/build"
    assert uploads["backend-image"]["path"] == "${{ runner.temp }}/backend-image.tar"
    # Long enough to re-run a failed deploy job on a later day (its download needs them), no longer.
    assert {u["retention-days"] for u in uploads.values()} == {3}
    assert {u["if-no-files-found"] for u in uploads.values()} == {"error"}


def test_the_jobs_with_credentials_run_none_of_the_applications_code() -> None:
    """The jobs with credentials check out only this repository (deploy and destroy at the commit
    prepare chose: a pull request of this repository's own program, else the dispatched commit),
    take the builds as data downloaded outside the checkout, and push the image without loading it
    into docker."""
    review = jobs(REVIEW)
    for job_id in ("prepare", "database", *DEPLOY_JOBS, "destroy", "comment"):
        job = review[job_id]
        for step in steps(job):
            if uses(step) == "actions/checkout":
                assert "repository" not in step["with"], job_id
                assert "path" not in step["with"], job_id
        script = "\n".join(str(s.get("run", "")) for s in steps(job))
        for building in ("docker build", "docker load", "docker run", "yarn", "npm ", "--build-only"):
            assert building not in script, (job_id, building)
    deploy = review["deploy"]
    assert [s["with"]["ref"] for s in steps(deploy) if uses(s) == "actions/checkout"] == [
        "${{ needs.prepare.outputs.infra-sha }}"
    ]
    downloads = [s["with"] for s in steps(deploy) if uses(s) == "actions/download-artifact"]
    assert downloads == [{"name": "backend-image", "path": "${{ runner.temp }}/backend-image"}]
    assert needs_of(deploy) == ["prepare", "database", "build-backend"]
    frontend = review["deploy-frontend"]
    assert [s["with"] for s in steps(frontend) if uses(s) == "actions/download-artifact"] == [
        {"name": "frontend", "path": "${{ runner.temp }}/frontend"}
    ]
    assert needs_of(frontend) == ["prepare", "build-frontend"]
    push = str(steps(deploy)[index_of(deploy, "push-image.sh")]["run"])
    assert "push-image.sh --push-only" in push
    assert '"$TAG" "$RUNNER_TEMP/backend-image/backend-image.tar"' in push


def test_a_slot_is_claimed_before_anything_is_built_pushed_or_created() -> None:
    review = jobs(REVIEW)
    prepare = review["prepare"]
    claim = index_of(prepare, ".github/scripts/slots.sh claim")
    assert steps(prepare)[claim]["id"] == "claim"
    assert prepare["outputs"]["slot"] == "${{ steps.claim.outputs.slot }}"
    # prepare and comment create nothing; the builds and the deploy wait for prepare's claim (a
    # refused claim leaves no slot output, so they are skipped); destroy creates nothing.
    creating = (
        "push-image.sh",
        "review-stack.sh",
        "pulumi up",
        "review-database.sh create",
        # amplify_deploy.py deploys with one of these; prepare only asks it what a slot serves.
        "--directory",
        "--placeholder",
    )
    script = "\n".join(str(s.get("run", "")) for s in steps(review["comment"]))
    assert not [c for c in creating if c in script]
    script = "\n".join(str(s.get("run", "")) for s in steps(prepare))
    assert not [c for c in creating if c in script]
    for job_id in ("database", *BUILD_JOBS, *DEPLOY_JOBS):
        assert "prepare" in needs_of(review[job_id]), job_id
        assert review[job_id]["if"].startswith(SLOT_CLAIMED), job_id
    # A refusal is an output, not a failure: the run ends as skipped, with nothing created.
    script = str(steps(prepare)[claim]["run"])
    assert 'if [ "$status" = 3 ]; then' in script
    assert 'echo "refusal=$(jq -Rs . "$RUNNER_TEMP/refusal.md")" >> "$GITHUB_OUTPUT"' in script
    # Destroying releases the slot last, after the stack is gone and the placeholder is up.
    destroy = (SCRIPTS_DIR / "destroy-review-app.sh").read_text()
    assert (
        destroy.index("pulumi destroy") < destroy.index("--placeholder") < destroy.index('slots.sh" release')
    )


def test_the_slot_is_ready_only_when_it_serves_the_front_end_through_its_basic_auth() -> None:
    # Dev's review front-end app has basic auth on (its profile's tm:frontend.basicAuth), so a
    # plain request to a slot gets 401: the page is checked by amplify_deploy.py, which presents
    # the app's own credentials, and by nothing that cannot.
    (app,) = [r for r in cached_plan("dev").of_type("aws:amplify/app:App") if r.name == "review-frontend"]
    assert app.inputs["enableBasicAuth"] is True
    frontend = jobs(REVIEW)["deploy-frontend"]
    deploy = str(steps(frontend)[index_of(frontend, "amplify_deploy.py")]["run"])
    assert "--ready '<div id=\"root\">'" in deploy
    assert [s for s in steps(frontend) if "FRONTEND_URL" in str(s.get("run", ""))] == []


def test_the_front_end_is_rebuilt_only_when_the_slot_does_not_serve_its_build() -> None:
    """prepare keys the front end's build by what it is built from, including this very workflow,
    and asks the slot whether it serves that build; the front-end jobs run only when it does not,
    and a deployed build is stamped with its key."""
    review = jobs(REVIEW)
    prepare = review["prepare"]
    step = step_named(prepare, "frontend")
    assert steps(prepare).index(step) > index_of(prepare, "review_app.py urls")
    assert step["if"] == "steps.claim.outputs.slot != ''"
    assert step["env"]["FRONTEND_ENV"] == "${{ steps.urls.outputs.frontend-env }}"
    assert step["env"]["APP_SHA"] == "${{ steps.request.outputs.app-sha }}"
    run = str(step["run"])
    assert f"--recipe {REVIEW_PATH}" in run
    assert run.index('if [ -n "$key" ] && app_id=$(pulumi stack output') < run.index('--serves-build "$key"')
    assert prepare["outputs"]["frontend-key"] == "${{ steps.frontend.outputs.frontend-key }}"
    assert prepare["outputs"]["frontend-reused"] == "${{ steps.frontend.outputs.frontend-reused }}"
    for job_id in FRONT_END_JOBS:
        assert review[job_id]["if"] == f"{SLOT_CLAIMED} && {FRONT_END_NEEDED}", job_id
    frontend = review["deploy-frontend"]
    deploy = steps(frontend)[index_of(frontend, "amplify_deploy.py --app-id")]
    assert deploy["env"]["FRONTEND_KEY"] == "${{ needs.prepare.outputs.frontend-key }}"
    assert '"${key_option[@]}"' in str(deploy["run"])


# python3 and pulumi for the prepare step that keys the front end: each call is logged; the key and
# the slot's answer come from the environment, "fail" failing the call.
FRONTEND_STEP_STUBS = {
    "python3": """#!/usr/bin/env bash
echo "python3 $*" >> "$CALLS"
case "$*" in
  *frontend-key*) answer=$STUB_KEY; name=frontend-key ;;
  *--serves-build*) answer=$STUB_SERVED; name=frontend-reused ;;
esac
if [ "$answer" = fail ]; then echo "Traceback: something unforeseen" >&2; exit 1; fi
echo "$name=$answer"
""",
    "pulumi": """#!/usr/bin/env bash
if [ "$STUB_OUTPUTS" = fail ]; then echo "error: the stack's outputs cannot be read" >&2; exit 255; fi
echo d1abc2def3
""",
}


@pytest.mark.parametrize(
    ("key", "served", "outputs", "asked", "stack_outputs"),
    [
        ("4c" * 32, "true", {"frontend-key": "4c" * 32, "frontend-reused": "true"}, True, "ok"),
        ("4c" * 32, "fail", {"frontend-key": "4c" * 32}, True, "ok"),
        ("", "true", {"frontend-key": ""}, False, "ok"),
        ("fail", "true", {"frontend-key": ""}, False, "ok"),
        ("4c" * 32, "true", {"frontend-key": "4c" * 32}, False, "fail"),
    ],
    ids=["served", "slot-unreadable", "no-key", "key-crashed", "app-id-unreadable"],
)
def test_the_front_end_check_never_fails_prepare_and_anything_unknown_means_a_build(
    tmp_path: Path, key: str, served: str, outputs: dict[str, str], asked: bool, stack_outputs: str
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in FRONTEND_STEP_STUBS.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    calls = tmp_path / "calls"
    calls.write_text("")
    step = step_named(jobs(REVIEW)["prepare"], "frontend")
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "CALLS": str(calls),
        "STUB_KEY": key,
        "STUB_SERVED": served,
        "STUB_OUTPUTS": stack_outputs,
        "APP_SHA": APP_HEAD,
        "SLOT": "2",
        "FRONTEND_ENV": FRONTEND_ENV,
        "BASE_STACK": "dev",
    }
    status, written, log = run_step(str(step["run"]), env, tmp_path)
    assert status == 0, log
    assert written == outputs
    assert ("--serves-build" in calls.read_text()) is asked


def test_review_app_deploys_in_order() -> None:
    review = jobs(REVIEW)
    deploy = review["deploy"]
    order = [
        index_of(deploy, "push-image.sh --push-only"),
        index_of(deploy, 'review-stack.sh "review-pr-$PR" --create'),
        index_of(deploy, "pulumi up --yes"),
        index_of(deploy, 'scripts/run-migrations.sh "review-pr-$PR"'),
        index_of(deploy, 'scripts/review-database.sh seed "$PR"'),
        index_of(deploy, "wait-healthy.sh"),
    ]
    assert order == sorted(order)
    assert len(set(order)) == len(order)
    # The service's first task answers once the migrations have made the table its heartbeat
    # reads; only a task that gave up before then is replaced, by a new deployment.
    wait = str(steps(deploy)[index_of(deploy, "wait-healthy.sh")]["run"])
    assert wait.index('if ! .github/scripts/wait-healthy.sh "$heartbeat" 120; then') < wait.index(
        "--force-new-deployment"
    )
    assert [s for s in steps(deploy) if "--force-new-deployment" in str(s.get("run", ""))] == [
        steps(deploy)[index_of(deploy, "wait-healthy.sh")]
    ]


def test_the_comment_waits_for_a_ready_review_app() -> None:
    """The deploy job ends by waiting for the API through the load balancer, the front end's by
    waiting for its page on the slot; the comment job follows every other job, and says "ready"
    only when all succeeded (test_the_comment_says_ready_only_after_every_job_succeeded)."""
    review = jobs(REVIEW)
    deploy = review["deploy"]
    healthy = index_of(deploy, "wait-healthy.sh")
    wait = str(steps(deploy)[healthy]["run"])
    assert wait.index("aws ecs wait services-stable") < wait.index('wait-healthy.sh "$heartbeat" 300')
    assert [s.get("if") for s in steps(deploy)[healthy + 1 :]] == [
        "failure() && steps.healthy.outcome == 'failure'"
    ]
    # The front end's job ends with the deployment, which waits for the slot's page (--ready).
    frontend = review["deploy-frontend"]
    assert steps(frontend)[-1] == steps(frontend)[index_of(frontend, "amplify_deploy.py --app-id")]
    comment = review["comment"]
    assert needs_of(comment) == ["prepare", "database", *BUILD_JOBS, *DEPLOY_JOBS, "destroy"]
    assert comment["if"] == "always() && needs.prepare.outputs.pull-request != ''"
    (step,) = [s for s in steps(comment) if "review_app.py" in str(s.get("run", ""))]
    assert step["env"]["NEEDS"] == "${{ toJSON(needs) }}"
    assert step["env"]["GH_TOKEN"] == (
        "${{ needs.prepare.outputs.repository == github.repository && github.token "
        "|| secrets.APP_REPOSITORY_TOKEN }}"
    )
    assert comment["permissions"] == {"actions": "read", "contents": "read", "pull-requests": "write"}


def test_the_review_config_ci_sets_is_valid_and_matches_the_offline_review_plan() -> None:
    deploy = jobs(REVIEW)["deploy"]
    script = str(steps(deploy)[index_of(deploy, "review-stack.sh")]["run"])
    samples = {
        "$PR": "123",
        "$TAG": "pr-123-0123456789ab",
        "$SLOT": "1",
        "$EXPIRES": (datetime.date.today() + datetime.timedelta(days=7)).isoformat(),
        "$BASE_STACK": "dev",
    }
    overrides: dict[str, Any] = {}
    for key, value in re.findall(r"pulumi config set (?:--path )?(\S+) (?:-- )?(.+)", script):
        for variable, sample in samples.items():
            value = value.replace(f'"{variable}"', sample).replace(variable, sample)
        overrides[key] = yaml.safe_load(value)
    assert overrides["tm:environment"] == "review"
    assert overrides["tm:slot"] == 1
    # The keys the PR workflow's offline plan of review-pr-123 sets are the same.
    planned = re.findall(r"^\s+\"?(tm:[\w.]+)=", (SCRIPTS_DIR / "offline-plans.sh").read_text(), re.MULTILINE)
    assert sorted(planned) == sorted(overrides)
    # And the program accepts them.
    config = load_stack_config(ROOT, "review-pr-123", overrides)
    settings = parse_settings("review-pr-123", config.values, config.secret_keys)
    assert settings.environment == "review"


def test_a_review_image_is_tagged_with_the_application_commit_and_the_image_layer(tmp_path: Path) -> None:
    deploy = jobs(REVIEW)["deploy"]
    step = steps(deploy)[index_of(deploy, "layer-digest.sh")]
    platforms = load(REVIEW)["env"]["IMAGE_PLATFORMS"]
    status, outputs, log = run_step(
        str(step["run"]), {"PR": "7", "SHA": HEAD, "IMAGE_PLATFORMS": platforms}, tmp_path
    )
    assert status == 0, log
    layer = ROOT / "images" / "api"
    digest = hashlib.sha256(
        (layer / "Dockerfile").read_bytes()
        + (layer / "requirements.txt").read_bytes()
        + f"{platforms}\n".encode()
    )
    assert outputs == {"tag": f"pr-7-{HEAD[:12]}-l{digest.hexdigest()[:8]}"}
    assert step["env"] == {"SHA": "${{ needs.prepare.outputs.app-sha }}"}
    # Pushed and deployed under that one tag.
    tagged = [s for s in steps(deploy) if "steps.image.outputs.tag" in json.dumps(s.get("env", {}))]
    assert len(tagged) == 2


# The Docker platform of each ECS CPU architecture (tm:ecs.cpuArchitecture).
DOCKER_PLATFORMS = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}


def test_images_are_built_for_every_architecture_a_stack_may_run_on() -> None:
    """Deployed images hold both platforms, so any stack may choose either architecture and prod
    runs the image dev ran; a review app's image holds the one its review stack runs."""
    built = (ROOT / "images" / "platforms").read_text().strip().split(",")
    assert sorted(built) == sorted(DOCKER_PLATFORMS[a] for a in get_args(CpuArchitecture))
    review = PROFILES["review"]["reviewApp"]["cpuArchitecture"]
    assert load(REVIEW)["env"]["IMAGE_PLATFORMS"] == DOCKER_PLATFORMS[review]
    # The runner is x86: dev's build runs the arm64 half under QEMU, installed before it.
    deploy = jobs("deploy.yml")["deploy"]
    qemu = index_of(deploy, "apt-get install -y -q qemu-user-static")
    assert steps(deploy)[qemu]["if"] == "env.STACK == 'dev'"  # staging and prod promote dev's image
    assert qemu < index_of(deploy, ".github/scripts/push-image.sh")
    assert "IMAGE_PLATFORMS" not in json.dumps(load("deploy.yml"))


def test_the_sweeper_runs_nightly_and_on_demand() -> None:
    triggers = load("review-sweeper.yml")["on"]
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    (schedule,) = triggers["schedule"]
    minute, hour, *every_day = schedule["cron"].split()
    assert every_day == ["*", "*", "*"]
    assert minute.isdigit()
    assert hour.isdigit()
    sweep = jobs("review-sweeper.yml")["sweep"]
    assert sweep["strategy"]["matrix"] == {"include": "${{ fromJSON(needs.find.outputs.stale) }}"}
    assert (
        index_of(sweep, 'stale-review-stacks.sh "$PR"')
        < index_of(sweep, 'destroy-review-app.sh "$REPOSITORY" "$PR"')
        < index_of(sweep, "--removed")
    )
    # Only what is still stale once the pull request's concurrency group is held is removed.
    for removing in ("destroy-review-app.sh", "--removed"):
        assert steps(sweep)[index_of(sweep, removing)]["if"] == "steps.still.outputs.stale == 'true'"


@pytest.mark.parametrize(
    ("listed", "fails", "outputs"),
    [
        ('[{"repository": "o/r", "pr": 3, "reason": "it expired on 2001-01-01"}]', False, {"stale": "true"}),
        ("[]", False, {"stale": "false"}),
        # The list cannot be made again (S3, the claims): nothing is known, so nothing is removed.
        ("fail", True, {}),
        ("review-pr-3", True, {}),
    ],
    ids=["still-stale", "renewed", "unknown", "not-json"],
)
def test_the_sweep_removes_only_what_it_found_stale_again(
    tmp_path: Path, listed: str, fails: bool, outputs: dict[str, str]
) -> None:
    step = step_named(jobs("review-sweeper.yml")["sweep"], "still")
    scripts = tmp_path / "repository" / ".github" / "scripts"
    scripts.mkdir(parents=True)
    answer = "echo 'An error occurred (AccessDenied) when calling ListObjectsV2' >&2; exit 1"
    stub(scripts, "stale-review-stacks.sh", answer if listed == "fail" else f"echo '{listed}'")
    stub(tmp_path / "bin", "pulumi", "true")
    env = {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "REPOSITORY": "o/r", "PR": "3"}
    code, written, log = run_step(str(step["run"]), env, tmp_path, cwd=tmp_path / "repository")
    assert (code != 0, written) == (fails, outputs), log


# -- the application repository's workflow -----------------------------------------------------


def test_the_application_repositorys_workflow_runs_no_code_and_holds_one_secret() -> None:
    """It checks out nothing and uses no action: the only code it runs is its own two steps. Its
    dispatch token is given to the one step that dispatches."""
    workflow = load(APP_WORKFLOW)
    assert workflow["permissions"] == {}
    assert set(workflow["on"]) == {"pull_request", "issue_comment"}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"pull-requests": "write"}
    assert [uses(s) for s in steps(job)] == ["", ""]
    decide, dispatch = steps(job)
    assert "secrets." not in json.dumps(decide)
    assert dispatch["env"]["GH_TOKEN"] == "${{ secrets.TM_INFRA_DISPATCH_TOKEN }}"
    assert dispatch["if"] == "steps.decide.outputs.action != ''"
    # Who may ask: same-repository pull requests; /deploy from members of the repository.
    condition = " ".join(job["if"].split())
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "startsWith(github.event.comment.body, '/deploy ')" in condition
    assert "github.event.issue.pull_request" in condition
    assert (
        'contains(fromJSON(\'["OWNER", "MEMBER", "COLLABORATOR"]\'), '
        "github.event.comment.author_association)" in condition
    )


def decide(
    tmp_path: Path, env: dict[str, str], permission: str = "write", head_repository: str = ""
) -> tuple[int, dict[str, str], str, list[str]]:
    """Run the application workflow's decision step with `gh` answering the commenter's permission
    and the pull request's head repository; returns its status, outputs, log and gh calls."""
    calls = tmp_path / "calls"
    calls.write_text("")
    stub(
        tmp_path / "bin",
        "gh",
        f'echo "$*" >> "{calls}"\n'
        'case "$2" in\n'
        f"  */permission) echo {permission} ;;\n"
        f"  */pulls/*) echo {head_repository or 'hotosm/tasking-manager'} ;;\n"
        "esac",
    )
    (step, _) = steps(next(iter(load(APP_WORKFLOW)["jobs"].values())))
    defaults = {"GITHUB_REPOSITORY": "hotosm/tasking-manager", "PR": "6520", "COMMENTER": "maintainer"}
    status, outputs, log = run_step(
        step["run"], {**defaults, **env, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}, tmp_path
    )
    return status, outputs, log, calls.read_text().splitlines()


@pytest.mark.parametrize(
    ("event_action", "action"), [("opened", "deploy"), ("synchronize", "deploy"), ("closed", "destroy")]
)
def test_a_pull_request_event_asks_for_its_head(tmp_path: Path, event_action: str, action: str) -> None:
    env = {"GITHUB_EVENT_NAME": "pull_request", "EVENT_ACTION": event_action, "HEAD_SHA": HEAD}
    status, outputs, log, calls = decide(tmp_path, env)
    assert status == 0, log
    assert outputs == {"action": action, "sha": HEAD}
    assert calls == []


@pytest.mark.parametrize(
    ("body", "head_repository", "label"),
    [
        (f"/deploy {HEAD}", "mapper42/tasking-manager", True),
        (f"/deploy   {HEAD}  \r\nread every commit, fine", "mapper42/tasking-manager", True),
        (f"/deploy {HEAD}", "hotosm/tasking-manager", False),
    ],
)
def test_deploy_by_a_writer_asks_for_that_commit_and_labels_a_fork(
    tmp_path: Path, body: str, head_repository: str, label: bool
) -> None:
    env = {"GITHUB_EVENT_NAME": "issue_comment", "BODY": body}
    status, outputs, log, calls = decide(tmp_path, env, head_repository=head_repository)
    assert status == 0, log
    assert outputs == {"action": "deploy", "sha": HEAD}
    labelled = "api --method POST repos/hotosm/tasking-manager/issues/6520/labels -f labels[]=ok-to-deploy"
    assert (labelled in calls) == label
    assert calls[0].startswith("api repos/hotosm/tasking-manager/collaborators/maintainer/permission")


@pytest.mark.parametrize("permission", ["read", "none"])
def test_deploy_by_a_member_without_write_access_asks_for_nothing(tmp_path: Path, permission: str) -> None:
    env = {"GITHUB_EVENT_NAME": "issue_comment", "BODY": f"/deploy {HEAD}"}
    status, outputs, log, calls = decide(tmp_path, env, permission=permission)
    assert status == 0, log
    assert outputs == {}
    assert f"maintainer has {permission} access to hotosm/tasking-manager: /deploy needs write" in log
    assert len(calls) == 1


@pytest.mark.parametrize(
    "body", ["/deploy abc1234", f"/deploy {HEAD.upper()}", f"/deploy {HEAD} now", "/deploy "]
)
def test_a_malformed_deploy_is_answered_and_asks_for_nothing(tmp_path: Path, body: str) -> None:
    env = {"GITHUB_EVENT_NAME": "issue_comment", "BODY": body}
    status, outputs, _, calls = decide(tmp_path, env)
    assert status == 1
    assert outputs == {}
    assert calls[-1].startswith("api --method POST repos/hotosm/tasking-manager/issues/6520/comments")
    assert "the full 40-character SHA of the head commit you reviewed" in calls[-1]


# -- review_app.py: which pull request, what to build -------------------------------------------
APP_REPOSITORY = "hotosm/tasking-manager"
THIS_REPOSITORY = "hotosm/tasking-manager-infra"
APP_HEAD = "5a4da86c1f0e2b3d4c5b6a79880716253443f2e1"
FORK_HEAD = "9c1e0b7a22d4f6e8a0b2c4d6e8f0a1b3c5d7e9f1"
DEVELOP = "0f6e2d1c4b3a59687766554433221100ffeeddcc"
DISPATCHED_ON = "d" * 40
GH_FIXTURES = """
import json, os, sys
from pathlib import Path

# gh, answering `gh api` from tests/fixtures/github: a GET by its path, a write recorded and
# answered {}. Each call is logged as one JSON line: the token it used and its arguments.
args = sys.argv[1:]
with open(os.environ["GH_CALLS"], "a") as calls:
    calls.write(json.dumps({"token": os.environ.get("GH_TOKEN", ""), "args": args}) + "\\n")
method, path, rest = "GET", "", args[1:]
while rest:
    option = rest.pop(0)
    if option == "--method":
        method = rest.pop(0)
    elif option in ("-f", "--jq"):
        rest.pop(0)
    elif not option.startswith("--"):
        path = option
if method != "GET":
    print("{}")
    sys.exit(0)
answer = Path(os.environ["GH_RESPONSES"]) / (path.split("?")[0].replace("/", "_") + ".json")
if not answer.is_file():
    sys.exit("gh: Not Found (HTTP 404)")
print(answer.read_text())
"""


def review_app(
    tmp_path: Path, args: list[str], env: dict[str, str], stdin: str = ""
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """Run review_app.py with `gh` answered from the fixtures (or GH_RESPONSES); returns the result
    and gh's calls, each {"token", "args"}."""
    calls = tmp_path / "gh-calls"
    calls.write_text("")
    gh = tmp_path / "bin" / "gh"
    gh.parent.mkdir(exist_ok=True)
    gh.write_text(f"#!{sys.executable}{GH_FIXTURES}")
    gh.chmod(0o755)
    result = subprocess.run(
        [sys.executable, str(SCRIPTS_DIR / "review_app.py"), *args],
        env={
            "PATH": f"{gh.parent}:{os.environ['PATH']}",
            "GH_CALLS": str(calls),
            "GH_RESPONSES": str(GITHUB),
            "GITHUB_REPOSITORY": THIS_REPOSITORY,
            "APP_REPOSITORY": APP_REPOSITORY,
            "GITHUB_SHA": DISPATCHED_ON,
            **env,
        },
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    return result, [json.loads(line) for line in calls.read_text().splitlines()]


def identify(
    tmp_path: Path, event: str, payload: dict[str, Any] | Path, **env: str
) -> tuple[int, dict[str, str], str, list[dict[str, Any]]]:
    path = payload if isinstance(payload, Path) else tmp_path / "event.json"
    if isinstance(payload, dict):
        path.write_text(json.dumps(payload))
    result, calls = review_app(
        tmp_path, ["identify"], {"GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(path), **env}
    )
    outputs = dict(line.split("=", 1) for line in result.stdout.splitlines())
    return result.returncode, outputs, result.stderr, calls


def dispatch(
    repository: str, pull_request: int, head: str | None = None, action: str = "deploy"
) -> dict[str, Any]:
    """The workflow_dispatch event of `gh workflow run review-app.yml -f ...` (inputs as strings)."""
    inputs = {"repository": repository, "pull-request": str(pull_request), "action": action}
    if head is not None:
        inputs["head-sha"] = head
    return {"inputs": inputs, "ref": "refs/heads/main", "repository": {"full_name": THIS_REPOSITORY}}


@pytest.mark.parametrize(
    ("event", "expected", "asked"),
    [
        # Pushed: this repository's program at the pull request's head, the application's develop
        # as it is now.
        (
            "synchronize",
            {"action": "deploy", "infra-sha": "3" * 40, "app-sha": DEVELOP},
            [["api", f"repos/{APP_REPOSITORY}/commits/develop"]],
        ),
        # Closed: removed with the base branch's scripts, not the closed pull request's.
        ("closed", {"action": "destroy", "infra-sha": "2" * 40}, []),
    ],
)
def test_this_repositorys_pull_request_reviews_the_applications_develop(
    tmp_path: Path, event: str, expected: dict[str, str], asked: list[list[str]]
) -> None:
    status, outputs, log, calls = identify(
        tmp_path, "pull_request", GITHUB / f"event-pull-request-{event}.json"
    )
    assert status == 0, log
    assert outputs == {
        "repository": THIS_REPOSITORY,
        "pull-request": "27",
        "head-sha": "3" * 40,
        "fork": "false",
        **expected,
    }
    assert [c["args"] for c in calls] == asked


def test_another_application_branch_can_be_reviewed_with(tmp_path: Path) -> None:
    status, _, log, calls = identify(
        tmp_path, "pull_request", GITHUB / "event-pull-request-synchronize.json", APP_REVIEW_REF="staging"
    )
    assert status == 1
    assert f"cannot read the application's staging ({APP_REPOSITORY})" in log
    assert calls[0]["args"] == ["api", f"repos/{APP_REPOSITORY}/commits/staging"]


def test_a_monorepo_builds_the_pull_request_itself(tmp_path: Path) -> None:
    status, outputs, log, calls = identify(
        tmp_path,
        "pull_request",
        GITHUB / "event-pull-request-synchronize.json",
        APP_REPOSITORY=THIS_REPOSITORY,
    )
    assert status == 0, log
    assert outputs["app-sha"] == outputs["infra-sha"] == "3" * 40
    assert calls == []


def test_a_forks_own_event_deploys_nothing(tmp_path: Path) -> None:
    status, outputs, _, _ = identify(tmp_path, "pull_request", GITHUB / "event-pull-request-fork.json")
    assert status == 1
    assert "a fork's pull request gets no AWS role from its own events" in json.loads(outputs["problem"])
    assert "app-sha" not in outputs


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        # The application's same-repository pull request: its head, with the dispatched program.
        (
            dispatch(APP_REPOSITORY, 6512, APP_HEAD),
            {"fork": "false", "head-sha": APP_HEAD, "app-sha": APP_HEAD, "infra-sha": DISPATCHED_ON},
        ),
        # A fork a member labelled (by /deploy): its exact head.
        (
            dispatch(APP_REPOSITORY, 6520, FORK_HEAD),
            {"fork": "true", "head-sha": FORK_HEAD, "app-sha": FORK_HEAD, "infra-sha": DISPATCHED_ON},
        ),
        # A labelled fork whose repository is gone: still a fork.
        (
            dispatch(APP_REPOSITORY, 6530, FORK_HEAD),
            {"fork": "true", "head-sha": FORK_HEAD, "app-sha": FORK_HEAD, "infra-sha": DISPATCHED_ON},
        ),
        # This repository's fork, labelled and dispatched by a maintainer: its program, develop's app.
        (
            dispatch(THIS_REPOSITORY, 31, FORK_HEAD),
            {"fork": "true", "head-sha": FORK_HEAD, "app-sha": DEVELOP, "infra-sha": FORK_HEAD},
        ),
    ],
)
def test_a_dispatch_deploys_the_reviewed_head_of_an_approved_pull_request(
    tmp_path: Path, payload: dict[str, Any], expected: dict[str, str]
) -> None:
    status, outputs, log, _ = identify(tmp_path, "workflow_dispatch", payload)
    assert status == 0, log
    inputs = payload["inputs"]
    assert outputs == {
        "repository": inputs["repository"],
        "pull-request": inputs["pull-request"],
        "action": "deploy",
        **expected,
    }


NAMED = "the pull request is named, for the refusal's comment"
UNNAMED = "no pull request of ours is named"


@pytest.mark.parametrize(
    ("payload", "refusal", "named"),
    [
        (
            dispatch(APP_REPOSITORY, 6521, FORK_HEAD),
            f"{APP_REPOSITORY}#6521 comes from a fork: a maintainer labels it ok-to-deploy first",
            NAMED,
        ),
        (
            dispatch(APP_REPOSITORY, 6520, "b" * 40),
            f"the head of {APP_REPOSITORY}#6520 is now {FORK_HEAD}, not the reviewed",
            NAMED,
        ),
        (dispatch(APP_REPOSITORY, 6400, APP_HEAD), f"{APP_REPOSITORY}#6400 is closed", NAMED),
        (dispatch(APP_REPOSITORY, 6512, APP_HEAD[:12]), "is not a full 40-character commit SHA", NAMED),
        (dispatch(APP_REPOSITORY, 6512, APP_HEAD.upper()), "is not a full 40-character commit SHA", NAMED),
        (dispatch(APP_REPOSITORY, 6512), "is not a full 40-character commit SHA", NAMED),
        (dispatch(APP_REPOSITORY, 6999, APP_HEAD), f"{APP_REPOSITORY} has no pull request #6999", NAMED),
        (
            dispatch("someone/else", 1, APP_HEAD),
            "repository 'someone/else' is neither the application's",
            UNNAMED,
        ),
        (dispatch("HOTOSM/Tasking-Manager", 6512, APP_HEAD), "spelled as GitHub spells it", UNNAMED),
        (dispatch(APP_REPOSITORY, 0, APP_HEAD), "pull-request '0' is not a pull request number", UNNAMED),
        (
            dispatch(APP_REPOSITORY, 6512, APP_HEAD, action="rebuild"),
            "action 'rebuild' is neither deploy nor destroy",
            UNNAMED,
        ),
    ],
)
def test_a_dispatch_refuses_what_was_not_reviewed(
    tmp_path: Path, payload: dict[str, Any], refusal: str, named: str
) -> None:
    status, outputs, log, calls = identify(tmp_path, "workflow_dispatch", payload)
    assert status == 1
    problem = json.loads(outputs.pop("problem"))
    assert refusal in problem
    assert f"::error::{problem}" in log
    if named == NAMED:
        # Where the refusal is commented, and nothing to build.
        assert outputs["repository"] == payload["inputs"]["repository"]
        assert outputs["pull-request"] == payload["inputs"]["pull-request"]
        assert not {"app-sha", "infra-sha"} & set(outputs)
    else:
        assert outputs == {}
        assert calls == []


@pytest.mark.parametrize(("number", "head"), [(6400, APP_HEAD), (6521, FORK_HEAD)])
def test_a_dispatched_destroy_needs_no_review(tmp_path: Path, number: int, head: str) -> None:
    """A closed pull request, an unlabelled fork: removing is always allowed, with this
    repository's scripts as dispatched."""
    status, outputs, log, _ = identify(
        tmp_path, "workflow_dispatch", dispatch(APP_REPOSITORY, number, action="destroy")
    )
    assert status == 0, log
    assert outputs["action"] == "destroy"
    assert outputs["head-sha"] == head
    assert outputs["infra-sha"] == DISPATCHED_ON
    assert "app-sha" not in outputs


# -- review_app.py: URLs and the front end's build environment ----------------------------------
DEV_OUTPUTS = {
    "reviewHost": "review.tasks-dev.hotosm.org",
    "reviewFrontendDomain": "d1abc2def3.amplifyapp.com",
    "reviewFrontendAppId": "d1abc2def3",
    "reviewSlots": 10,
    "reviewFrontendBuildEnvironment": {
        "TM_APP_API_VERSION": "v2",
        "TM_CLIENT_ID": "public-oauth-client-id",
        "OSM_SERVER_URL": "https://master.apis.dev.openstreetmap.org",
        "TM_ORG_NAME": "Humanitarian OpenStreetMap Team",
    },
    "reviewEcrRepositoryUrl": "123456789012.dkr.ecr.us-east-1.amazonaws.com/tasking-manager/dev/review",
    "databasePassword": "[secret]",
}


def test_a_review_front_end_is_built_for_its_slot_and_its_api(tmp_path: Path) -> None:
    result, _ = review_app(
        tmp_path, ["urls", "--slot", "3", "--pull-request", "6512"], {}, json.dumps(DEV_OUTPUTS)
    )
    assert result.returncode == 0, result.stderr
    outputs = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert outputs["api-url"] == "https://pr-6512.review.tasks-dev.hotosm.org"
    assert outputs["frontend-url"] == "https://slot-3.d1abc2def3.amplifyapp.com"
    assert json.loads(outputs["frontend-env"]) == {
        **DEV_OUTPUTS["reviewFrontendBuildEnvironment"],
        "TM_APP_API_URL": "https://pr-6512.review.tasks-dev.hotosm.org",
        "TM_APP_BASE_URL": "https://slot-3.d1abc2def3.amplifyapp.com",
        "TM_REDIRECT_URI": "https://slot-3.d1abc2def3.amplifyapp.com/authorized",
    }
    assert "\n" not in outputs["frontend-env"]


def test_the_build_environment_is_exported_as_given(tmp_path: Path) -> None:
    """What the build step's `eval` makes of the JSON: every value as it is, quotes and all."""
    environment = {"TM_ORG_NAME": 'O\'Brien & "Sons" $HOME `id`', "TM_APP_API_URL": "https://x"}
    step = steps(jobs(REVIEW)["build-frontend"])[index_of(jobs(REVIEW)["build-frontend"], "yarn build")]
    exporting = str(step["run"]).split("\nyarn build")[0]
    status, _, log = run_step(
        exporting + '\necho "$TM_ORG_NAME" > "$OUT"',
        {"FRONTEND_ENV": json.dumps(environment), "OUT": str(tmp_path / "out")},
        tmp_path,
    )
    assert status == 0, log
    assert (tmp_path / "out").read_text() == environment["TM_ORG_NAME"] + "\n"


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"TM_CLIENT_SECRET": "x"}, "TM_CLIENT_SECRET looks like a secret"),
        ({"TM_APP_API_URL": "https://dev"}, "TM_APP_API_URL is set per review app"),
        ({"tm_lower": "x"}, "'tm_lower' is not an environment variable's name"),
        ({"A; rm -rf /": "x"}, "is not an environment variable's name"),
        ({"TM_MATOMO_ID": 7}, "TM_MATOMO_ID: 7 is not a one-line string"),
        ({"TM_ORG_URL": "a\nb"}, "is not a one-line string"),
    ],
)
def test_the_build_environment_holds_only_public_shared_values(
    tmp_path: Path, change: dict[str, Any], refusal: str
) -> None:
    outputs = {
        **DEV_OUTPUTS,
        "reviewFrontendBuildEnvironment": {**DEV_OUTPUTS["reviewFrontendBuildEnvironment"], **change},
    }
    result, _ = review_app(tmp_path, ["urls", "--slot", "1", "--pull-request", "5"], {}, json.dumps(outputs))
    assert result.returncode == 1
    assert refusal in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("outputs", "slot", "refusal"),
    [
        (DEV_OUTPUTS, 11, "slot 11 is not one of the base stack's 10 slots"),
        (
            {k: v for k, v in DEV_OUTPUTS.items() if k != "reviewFrontendDomain"},
            1,
            "exports no reviewFrontendDomain",
        ),
        (
            {**DEV_OUTPUTS, "reviewFrontendBuildEnvironment": "[secret]"},
            1,
            "is '[secret]', not a JSON object",
        ),
    ],
)
def test_urls_need_the_base_stacks_review_outputs(
    tmp_path: Path, outputs: dict[str, Any], slot: int, refusal: str
) -> None:
    result, _ = review_app(
        tmp_path, ["urls", "--slot", str(slot), "--pull-request", "5"], {}, json.dumps(outputs)
    )
    assert result.returncode == 1
    assert refusal in result.stderr


# -- review_app.py: the key of a front end's build ----------------------------------------------
# The application's root tree at 5a4da866, in the shape GitHub's trees API answers.
APP_TREE = GITHUB / f"repos_hotosm_tasking-manager_git_trees_{APP_HEAD}.json"
FRONTEND_ENV = json.dumps(
    {"TM_APP_API_URL": "https://pr-6512.review.tasks-dev.hotosm.org", "TM_ORG_CODE": "HOT"}
)


def frontend_key(
    tmp_path: Path, tree: dict[str, Any] | None = None, environment: str = FRONTEND_ENV, recipe: str = "a"
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run `review_app.py frontend-key` with the application's tree answered as `tree` (None: as
    recorded; {}: not found) and the recipe file holding `recipe`."""
    answers = tmp_path / "github"
    shutil.rmtree(answers, ignore_errors=True)
    shutil.copytree(GITHUB, answers)
    if tree is not None:
        answer = answers / APP_TREE.name
        answer.write_text(json.dumps(tree)) if tree else answer.unlink()
    (tmp_path / "recipe.yml").write_text(recipe)
    args = ["frontend-key", "--app-sha", APP_HEAD, "--recipe", str(tmp_path / "recipe.yml")]
    result, _ = review_app(tmp_path, args, {"GH_RESPONSES": str(answers)}, environment)
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    name, key = line.split("=", 1)
    assert name == "frontend-key"
    return result, key


def _with_entry(path: str, sha: str, kind: str = "tree") -> dict[str, Any]:
    recorded = json.loads(APP_TREE.read_text())
    entries = [e for e in recorded["tree"] if e["path"] != path]
    return {**recorded, "tree": [*entries, {"path": path, "mode": "040000", "type": kind, "sha": sha}]}


def test_the_front_ends_key_follows_what_its_build_reads_and_nothing_else(tmp_path: Path) -> None:
    _, key = frontend_key(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert frontend_key(tmp_path)[1] == key
    # Another pull request's API (the environment), the workflow that builds it, the front end's
    # sources, and a root tasking-manager.env (the build script reads one when there is one).
    changed = {
        frontend_key(tmp_path, environment=FRONTEND_ENV.replace("6512", "6513"))[1],
        frontend_key(tmp_path, recipe="b")[1],
        frontend_key(tmp_path, tree=_with_entry("frontend", "1" * 40))[1],
        frontend_key(tmp_path, tree=_with_entry("tasking-manager.env", "2" * 40, "blob"))[1],
    }
    assert key not in changed
    assert len(changed) == 4
    # The back end's sources are not the front end's.
    assert frontend_key(tmp_path, tree=_with_entry("backend", "3" * 40))[1] == key


def test_without_the_applications_tree_there_is_no_key_and_the_front_end_is_built(tmp_path: Path) -> None:
    result, key = frontend_key(tmp_path, tree={})
    assert key == ""
    assert f"repos/{APP_REPOSITORY}/git/trees/{APP_HEAD}" in result.stderr
    recorded = json.loads(APP_TREE.read_text())
    no_frontend = {**recorded, "tree": [e for e in recorded["tree"] if e["path"] != "frontend"]}
    result, key = frontend_key(tmp_path, tree=no_frontend)
    assert key == ""
    assert "no frontend/" in result.stderr


def test_a_symlinked_front_end_gets_no_key(tmp_path: Path) -> None:
    # A symlink's sha names its target, not the sources the build reads through it.
    recorded = json.loads(APP_TREE.read_text())
    link = {"path": "frontend", "mode": "120000", "type": "blob", "sha": "4" * 40}
    tree = {**recorded, "tree": [*(e for e in recorded["tree"] if e["path"] != "frontend"), link]}
    result, key = frontend_key(tmp_path, tree=tree)
    assert key == ""
    assert "no frontend/" in result.stderr


# -- review_app.py: the one comment --------------------------------------------------------------
RUN = {"GITHUB_RUN_ID": "1234", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_SERVER_URL": "https://github.com"}
RUN_URL = f"https://github.com/{THIS_REPOSITORY}/actions/runs/1234"


def needs(action: str = "deploy", results: dict[str, str] | None = None, **outputs: str) -> dict[str, Any]:
    """The `needs` context of the comment job: a deploy of the application's #6512 on slot 2."""
    prepared = {
        "repository": APP_REPOSITORY,
        "pull-request": "6512",
        "action": action,
        "head-sha": APP_HEAD,
        "app-sha": APP_HEAD,
        "infra-sha": DISPATCHED_ON,
        "slot": "2",
        "expires": "2026-12-08",
        "api-url": "https://pr-6512.review.tasks-dev.hotosm.org",
        "frontend-url": "https://slot-2.d1abc2def3.amplifyapp.com",
        **outputs,
    }
    ran = {job: "success" for job in ("prepare", "database", *BUILD_JOBS, *DEPLOY_JOBS)}
    if action == "destroy":
        skipped = dict.fromkeys(("database", *BUILD_JOBS, *DEPLOY_JOBS), "skipped")
        ran = {"prepare": "success", **skipped, "destroy": "success"}
    ran = {"destroy": "skipped", **ran, **(results or {})}
    return {
        job: {"result": result, "outputs": prepared if job == "prepare" else {}}
        for job, result in ran.items()
    }


def comment(
    tmp_path: Path,
    context: dict[str, Any],
    *,
    comments: bool = True,
    login: str | None = None,
    token: str = "app-token",
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """Run `review_app.py comment --needs` against the fixtures: the pull request has the comments
    of the fixture (or none), and the token is an installation token (or a person's, `login`)."""
    responses = tmp_path / "responses"
    shutil.copytree(GITHUB, responses)
    prepared = context["prepare"]["outputs"]
    if not comments:
        page = f"repos/{prepared['repository']}/issues/{prepared['pull-request']}/comments".replace("/", "_")
        (responses / f"{page}.json").write_text("[[]]")
    if login:
        (responses / "user.json").write_text(json.dumps({"login": login, "type": "User"}))
    env = {
        **RUN,
        "GH_TOKEN": token,
        "RUN_TOKEN": "run-token",
        "NEEDS": json.dumps(context),
        "GH_RESPONSES": str(responses),
    }
    return review_app(tmp_path, ["comment", "--needs"], env)


def written(calls: list[dict[str, Any]]) -> tuple[str, str]:
    """The one write of a comment run: its method and path, and the body."""
    (write,) = [c["args"] for c in calls if "--method" in c["args"]]
    assert write[:2] == ["api", "--method"]
    assert write[-2] == "-f"
    return f"{write[2]} {write[3]}", write[-1].removeprefix("body=")


def test_the_comment_says_ready_only_after_every_job_succeeded(tmp_path: Path) -> None:
    result, calls = comment(tmp_path, needs())
    assert result.returncode == 0, result.stderr
    where, body = written(calls)
    # The newest review-app comment of the installation's bot, not the human's copy of the marker.
    assert where == f"PATCH repos/{APP_REPOSITORY}/issues/comments/2300000002"
    assert body.startswith("<!-- tasking-manager: review app -->\n### Review app: ready\n")
    for fact in (
        "- Tasking Manager: https://slot-2.d1abc2def3.amplifyapp.com",
        "- API: https://pr-6512.review.tasks-dev.hotosm.org",
        f"- Built from this pull request at `{APP_HEAD[:12]}`",
        "- Slot: `slot-2`",
        "or on 2026-12-08 unless a new deployment renews it",
        f"Deployed by [this run]({RUN_URL})",
    ):
        assert fact in body
    assert {c["token"] for c in calls} == {"app-token"}


def test_a_review_app_whose_sample_data_failed_is_ready_and_says_so(tmp_path: Path) -> None:
    # The data set fits develop's schema; a pull request changing the seeded tables may refuse it.
    context = needs()
    context["deploy"]["outputs"] = {"seeded": "failure"}
    result, calls = comment(tmp_path, context)
    assert result.returncode == 0, result.stderr
    _, body = written(calls)
    assert "### Review app: ready" in body
    assert f"- Sample data: not loaded, the seed failed (see [the run]({RUN_URL}))" in body
    context["deploy"]["outputs"] = {"seeded": "success"}
    result, calls = comment(tmp_path / "seeded", context)
    assert "Sample data" not in written(calls)[1]
    # The workflow: the seed's failure does not fail the deploy, and the comment job sees it.
    deploy = jobs(REVIEW)["deploy"]
    seed = steps(deploy)[index_of(deploy, 'scripts/review-database.sh seed "$PR"')]
    assert seed["id"] == "seed"
    assert seed["continue-on-error"] is True
    assert deploy["outputs"]["seeded"] == "${{ steps.seed.outcome }}"


FRONTEND_JOBS = {"build-frontend": "skipped", "deploy-frontend": "skipped"}


def test_a_front_end_the_slot_already_serves_is_ready_without_its_jobs(tmp_path: Path) -> None:
    result, calls = comment(tmp_path, needs(results=FRONTEND_JOBS, **{"frontend-reused": "true"}))
    assert result.returncode == 0, result.stderr
    _, body = written(calls)
    assert "### Review app: ready" in body
    assert "- Front end: the slot's build of an earlier push, made from the same sources" in body
    # Skipped front-end jobs are a failure unless prepare found the slot serving the build.
    for reused in ({}, {"frontend-reused": "false"}):
        result, calls = comment(tmp_path / str(len(reused)), needs(results=FRONTEND_JOBS, **reused))
        assert written(calls)[1].startswith(
            "<!-- tasking-manager: review app -->\n### Review app: deploying it failed"
        )
    # And a reused front end does not excuse the back end.
    context = needs(results={**FRONTEND_JOBS, "deploy": "failure"}, **{"frontend-reused": "true"})
    result, calls = comment(tmp_path / "deploy", context)
    assert "### Review app: deploying it failed" in written(calls)[1]


@pytest.mark.parametrize("job", ["database", "deploy", "deploy-frontend"])
def test_a_review_app_half_deployed_is_not_ready(tmp_path: Path, job: str) -> None:
    result, calls = comment(tmp_path, needs(results={job: "failure"}))
    assert result.returncode == 0, result.stderr
    assert written(calls)[1].startswith(
        "<!-- tasking-manager: review app -->\n### Review app: deploying it failed"
    )


def test_a_person_s_token_edits_only_its_own_comment(tmp_path: Path) -> None:
    result, calls = comment(tmp_path, needs(), login="mapper42")
    assert result.returncode == 0, result.stderr
    assert written(calls)[0] == f"PATCH repos/{APP_REPOSITORY}/issues/comments/2300000003"
    result, calls = comment(tmp_path / "other", needs(), login="hot-ci")
    assert written(calls)[0] == f"POST repos/{APP_REPOSITORY}/issues/6512/comments"


def test_this_repositorys_review_app_says_what_it_was_built_from(tmp_path: Path) -> None:
    context = needs(
        repository=THIS_REPOSITORY, **{"pull-request": "27", "head-sha": "3" * 40, "app-sha": DEVELOP}
    )
    result, calls = comment(tmp_path, context, comments=False)
    assert result.returncode == 0, result.stderr
    where, body = written(calls)
    assert where == f"POST repos/{THIS_REPOSITORY}/issues/27/comments"
    assert (
        f"- Built from `{APP_REPOSITORY}` at `{DEVELOP[:12]}` (develop), "
        "deployed by this pull request's program at `333333333333`"
    ) in body


def test_a_failed_deployment_names_the_job_and_step_and_links_the_run(tmp_path: Path) -> None:
    result, calls = comment(tmp_path, needs(results={"build-frontend": "failure", "deploy": "skipped"}))
    assert result.returncode == 0, result.stderr
    _, body = written(calls)
    assert "### Review app: deploying it failed" in body
    assert (
        "The job **build the front end** failed at the step **Build the front end for its slot and API**."
    ) in body
    assert f"See [the run]({RUN_URL})." in body
    assert "slot-2.d1abc2def3" not in body
    # The run's jobs are read with the run's own token, the comment written with the other.
    (jobs_call,) = [c for c in calls if "/actions/runs/" in c["args"][1]]
    assert jobs_call == {
        "token": "run-token",
        "args": ["api", f"repos/{THIS_REPOSITORY}/actions/runs/1234/attempts/1/jobs?per_page=100"],
    }
    assert {c["token"] for c in calls if c != jobs_call} == {"app-token"}


def test_a_failure_is_commented_even_when_the_run_s_jobs_cannot_be_read(tmp_path: Path) -> None:
    context = needs(results={"deploy": "failure"})
    context_run = {**RUN, "GITHUB_RUN_ID": "999"}  # no such run in the fixtures
    responses = tmp_path / "responses"
    shutil.copytree(GITHUB, responses)
    env = {
        **context_run,
        "GH_TOKEN": "t",
        "RUN_TOKEN": "r",
        "NEEDS": json.dumps(context),
        "GH_RESPONSES": str(responses),
    }
    result, calls = review_app(tmp_path, ["comment", "--needs"], env)
    assert result.returncode == 0, result.stderr
    _, body = written(calls)
    assert body.endswith(
        f"### Review app: deploying it failed\n\nSee [the run](https://github.com/{THIS_REPOSITORY}/actions/runs/999).\n"
    )


def test_a_refused_request_says_why(tmp_path: Path) -> None:
    problem = f"{APP_REPOSITORY}#6512 comes from a fork: a maintainer labels it ok-to-deploy first"
    context = needs(
        results={
            "prepare": "failure",
            "build-backend": "skipped",
            "build-frontend": "skipped",
            "deploy": "skipped",
        },
        problem=json.dumps(problem),
    )
    _, body = written(comment(tmp_path, context)[1])
    assert "### Review app: deploying it failed" in body
    assert problem in body


def test_no_free_slot_is_commented_and_nothing_else(tmp_path: Path) -> None:
    refusal = (
        "All 2 review slots are taken, so this pull request gets no review app for now:\n\n- slot-1: ...\n"
    )
    context = needs(
        results={"build-backend": "skipped", "build-frontend": "skipped", "deploy": "skipped"},
        refusal=json.dumps(refusal),
        slot="",
    )
    where, body = written(comment(tmp_path, context, comments=False)[1])
    assert where == f"POST repos/{APP_REPOSITORY}/issues/6512/comments"
    assert body == f"<!-- tasking-manager: review app -->\n### Review app: no slot\n\n{refusal}\n"


def test_a_removed_review_app_edits_the_comment_and_writes_none(tmp_path: Path) -> None:
    result, calls = comment(tmp_path, needs(action="destroy"))
    assert result.returncode == 0, result.stderr
    where, body = written(calls)
    assert where == f"PATCH repos/{APP_REPOSITORY}/issues/comments/2300000002"
    assert "### Review app removed" in body
    result, calls = comment(tmp_path / "none", needs(action="destroy"), comments=False)
    assert result.returncode == 0, result.stderr
    assert not [c for c in calls if "--method" in c["args"]]
    assert "no review-app comment to update" in result.stdout
    _, calls = comment(tmp_path / "failed", needs(action="destroy", results={"destroy": "failure"}))
    assert "### Review app: removing it failed" in written(calls)[1]


def test_the_sweeper_marks_the_comment_removed(tmp_path: Path) -> None:
    result, calls = review_app(
        tmp_path,
        [
            "comment",
            "--repository",
            APP_REPOSITORY,
            "--pull-request",
            "6512",
            "--removed",
            "it expired on 2026-11-30",
        ],
        {"GH_TOKEN": "app-token"},
    )
    assert result.returncode == 0, result.stderr
    where, body = written(calls)
    assert where == f"PATCH repos/{APP_REPOSITORY}/issues/comments/2300000002"
    assert "Removed because it expired on 2026-11-30. Its stack, database and slot are gone." in body


def test_without_the_application_token_the_comment_says_which_secret_is_missing(tmp_path: Path) -> None:
    result, calls = comment(tmp_path, needs(), token="")
    assert result.returncode == 1
    assert "APP_REPOSITORY_TOKEN" in result.stderr
    assert calls == []


# -- pull requests -----------------------------------------------------------------------------
def test_pull_requests_are_checked_planned_previewed_and_summarised() -> None:
    pr = jobs("pull-request.yml")
    assert [s["run"] for s in steps(pr["test"]) if "run" in s] == ["make test"]
    assert (
        ".github/scripts/offline-plans.sh"
        in steps(pr["plan"])[index_of(pr["plan"], "offline-plans.sh")]["run"]
    )
    previews = re.search(
        r"previews\.sh ([\w ]+) >", steps(pr["preview"])[index_of(pr["preview"], "previews.sh")]["run"]
    )
    assert previews is not None
    assert sorted(previews[1].split()) == BASE_STACKS
    # Forks get no OIDC token nor a writable token: no preview, no comment for them.
    same_repository = "github.event.pull_request.head.repo.full_name == github.repository"
    assert pr["preview"]["if"] == same_repository
    assert pr["comment"]["if"] == f"always() && {same_repository}"
    assert pr["comment"]["needs"] == ["test", "plan", "preview"]
    (planned,) = re.findall(
        r'^for stack in ([\w ]+) "\$review"; do$',
        (SCRIPTS_DIR / "offline-plans.sh").read_text(),
        re.MULTILINE,
    )
    assert sorted(planned.split()) == BASE_STACKS


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


def repository_copy(
    tmp_path: Path, scripts: tuple[str, ...], calls: Path, claims: list[dict[str, Any]]
) -> Path:
    """A copy of the repository's layout holding the named scripts, with stubs that record their
    calls in `calls`: scripts/review-database.sh, .github/scripts/slots.sh (whose `list` answers
    `claims`) and .github/scripts/amplify_deploy.py."""
    root = tmp_path / "repo"
    (root / ".github" / "scripts").mkdir(parents=True)
    for name in scripts:
        shutil.copy2(SCRIPTS_DIR / name, root / ".github" / "scripts" / name)
    stub(root / "scripts", "review-database.sh", f'echo "database $*" >> "{calls}"')
    stub(
        root / ".github" / "scripts",
        "slots.sh",
        f'echo "slots $*" >> "{calls}"\nif [ "$1" = list ]; then echo \'{json.dumps(claims)}\'; fi',
    )
    (root / ".github" / "scripts" / "amplify_deploy.py").write_text(
        f"import sys\nopen({str(calls)!r}, 'a').write('amplify ' + ' '.join(sys.argv[1:]) + '\\n')\n"
    )
    return root


def claim(slot: int, repository: str, pull_request: int, expires: str = "2099-01-01") -> dict[str, Any]:
    """A claim as `review_slots.py list` prints it."""
    return {
        "slot": slot,
        "repository": repository,
        "pullRequest": pull_request,
        "sha": "c" * 40,
        "expiresAt": expires,
        "claimedAt": "2026-11-30T10:00:00Z",
    }


def test_the_sweeper_picks_closed_and_expired_review_apps_in_their_repositories(tmp_path: Path) -> None:
    """Stacks 1-4, claims for 1, 3, 5 and 6 (5 and 6 have no stack yet):
    1: the application's pull request, open; 2: this repository's (no claim: from before slots),
    closed; 3: the application's, open but expired; 4: no claim, and this repository has no #4;
    5: the application's, closed; 6: the application's, open, its deploy still building;
    7: the application's, and GitHub answers 502 for it: kept."""
    keys = " ".join(
        f"team/.pulumi/stacks/tasking-manager/review-pr-{n}.json{suffix}"
        for n in (1, 2, 3, 4)
        for suffix in ("", ".bak")
    )
    calls = tmp_path / "calls"
    claims = [
        claim(1, APP_REPOSITORY, 1),
        claim(2, APP_REPOSITORY, 3),
        claim(3, APP_REPOSITORY, 5, "2099-01-01"),
        claim(4, APP_REPOSITORY, 6, "2099-01-01"),
        claim(6, APP_REPOSITORY, 7, "2001-01-01"),
        {"slot": 5, "unreadable": "review-slots/dev/slot-5.json"},
    ]
    root = repository_copy(tmp_path, ("stale-review-stacks.sh", "review_slots.py"), calls, claims)
    stub(tmp_path / "bin", "aws", f'echo "aws $*" >> "{calls}"\necho "{keys}"')
    states = {
        f"{APP_REPOSITORY}/pulls/1": "open",
        f"{THIS_REPOSITORY}/pulls/2": "closed",
        f"{APP_REPOSITORY}/pulls/3": "open",
        f"{APP_REPOSITORY}/pulls/5": "closed",
        f"{APP_REPOSITORY}/pulls/6": "open",
    }
    stub(
        tmp_path / "bin",
        "gh",
        'case "$2" in '
        + " ".join(f"repos/{pr}) echo {state} ;;" for pr, state in states.items())
        + f" repos/{APP_REPOSITORY}/pulls/7) echo 'gh: Bad Gateway (HTTP 502)' >&2; exit 1 ;;"
        + " *) echo 'gh: Not Found (HTTP 404)' >&2; exit 1 ;; esac",
    )
    for n, expires in (("1", "2099-01-01"), ("2", "2099-01-01"), ("3", "2001-01-01"), ("4", "2099-01-01")):
        (tmp_path / f"review-pr-{n}.json").write_text(
            json.dumps(state_export(f"review-pr-{n}", "x:y", expires))
        )
    stub(tmp_path / "bin", "pulumi", f'cat "{tmp_path}/$4.json"')

    def stale(*only: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(root / ".github" / "scripts" / "stale-review-stacks.sh"), *only],
            env={
                # The program's Python (boto3) first, as the sweeper has it.
                "PATH": f"{tmp_path / 'bin'}:{Path(sys.executable).parent}:{os.environ['PATH']}",
                "PULUMI_BACKEND_URL": "s3://state-bucket/team?region=us-east-1&awssdk=v2",
                "GITHUB_REPOSITORY": THIS_REPOSITORY,
            },
            capture_output=True,
            text=True,
            check=False,
        )

    result = stale()
    assert result.returncode == 0, result.stderr
    (listing,) = [line for line in calls.read_text().splitlines() if line.startswith("aws ")]
    assert "--bucket state-bucket --prefix team/.pulumi/stacks/tasking-manager/review-pr- " in listing
    assert json.loads(result.stdout) == [
        {"repository": THIS_REPOSITORY, "pr": 2, "reason": "the pull request is closed"},
        {"repository": APP_REPOSITORY, "pr": 3, "reason": "it expired on 2001-01-01"},
        {"repository": THIS_REPOSITORY, "pr": 4, "reason": "the pull request is missing"},
        {"repository": APP_REPOSITORY, "pr": 5, "reason": "the pull request is closed"},
    ]
    assert f"{APP_REPOSITORY}#1: kept (open, expires 2099-01-01)" in result.stderr
    assert f"{APP_REPOSITORY}#6: kept (open, expires 2099-01-01)" in result.stderr
    assert f"::warning::{APP_REPOSITORY}#7: kept, GitHub did not say whether it is open" in result.stderr
    # The sweep job asks again about the one it is about to remove.
    assert json.loads(stale("3").stdout) == [
        {"repository": APP_REPOSITORY, "pr": 3, "reason": "it expired on 2001-01-01"}
    ]
    assert json.loads(stale("1").stdout) == []


def destroy_review_app(
    tmp_path: Path, pulumi: str, claims: list[dict[str, Any]], repository: str = APP_REPOSITORY
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run destroy-review-app.sh <repository> 42 in a copy of the repository's layout, with
    `pulumi` stubbed; returns the result and the commands called."""
    calls = tmp_path / "calls"
    calls.write_text("")
    stub(
        tmp_path / "bin",
        "pulumi",
        f'echo "pulumi $*" >> "{calls}"\n'
        f'if [ "$1 $2" = "stack output" ]; then echo d1abc2def3; exit 0; fi\n{pulumi}',
    )
    root = repository_copy(tmp_path, ("destroy-review-app.sh", "review-stack.sh"), calls, claims)
    result = subprocess.run(
        [str(root / ".github" / "scripts" / "destroy-review-app.sh"), repository, "42"],
        env={
            "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
            "PULUMI_SECRETS_PROVIDER": "awskms://alias/x",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    return result, calls.read_text().splitlines()


PLACEHOLDER = (
    "amplify --app-id d1abc2def3 --branch slot-3 --placeholder This review slot is free: a Tasking "
    "Manager pull request's review app appears here while it holds the slot."
)
RELEASE = f"slots release --repository {APP_REPOSITORY} --pull-request 42"


def test_a_review_app_is_dropped_destroyed_removed_then_its_slot_freed(tmp_path: Path) -> None:
    result, calls = destroy_review_app(
        tmp_path, "true", [claim(1, APP_REPOSITORY, 7), claim(3, APP_REPOSITORY, 42)]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls == [
        "slots list",
        "database drop 42",
        "pulumi stack select review-pr-42",
        "pulumi stack change-secrets-provider --stack review-pr-42 awskms://alias/x",
        "pulumi destroy --stack review-pr-42 --yes --non-interactive",
        "pulumi stack rm --stack review-pr-42 --yes --non-interactive",
        # The placeholder goes up while the slot is still held, then the slot is released.
        "pulumi stack output --stack dev reviewFrontendAppId",
        PLACEHOLDER,
        RELEASE,
    ]


def test_destroying_a_review_app_whose_stack_is_gone_still_frees_its_slot(tmp_path: Path) -> None:
    result, calls = destroy_review_app(
        tmp_path, '[ "$1 $2" != "stack select" ]', [claim(3, APP_REPOSITORY, 42)]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls == [
        "slots list",
        "database drop 42",
        "pulumi stack select review-pr-42",
        "pulumi stack output --stack dev reviewFrontendAppId",
        PLACEHOLDER,
        RELEASE,
    ]
    assert "review-pr-42 is gone already" in result.stdout


def test_a_review_app_without_a_slot_is_removed_without_a_placeholder(tmp_path: Path) -> None:
    result, calls = destroy_review_app(tmp_path, "true", [])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "amplify" not in " ".join(calls)
    assert calls[-2:] == ["pulumi stack rm --stack review-pr-42 --yes --non-interactive", RELEASE]


def test_another_repositorys_review_app_of_the_same_number_is_left_alone(tmp_path: Path) -> None:
    """Stacks are named by number: this repository's #42 holds review-pr-42, so a destroy of the
    application's #42 (which was refused a slot) touches nothing."""
    result, calls = destroy_review_app(tmp_path, "true", [claim(3, THIS_REPOSITORY, 42)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls == ["slots list"]
    assert (
        f"review-pr-42 belongs to {THIS_REPOSITORY}#42: nothing of {APP_REPOSITORY}#42 to remove"
        in result.stdout
    )


def test_a_failing_destroy_fails_the_job_and_keeps_the_slot(tmp_path: Path) -> None:
    result, calls = destroy_review_app(tmp_path, '[ "$1" != destroy ]', [claim(3, APP_REPOSITORY, 42)])
    assert result.returncode != 0
    assert calls[-1].startswith("pulumi destroy")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_passes_shellcheck_and_is_executable(script: Path) -> None:
    result = subprocess.run(
        [tool("shellcheck"), "--severity=info", str(script)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
    assert os.access(script, os.X_OK)


# `pulumi stack output [--stack S] [--json] NAME`, and the scripts' `$(output NAME ...)` helper.
STACK_OUTPUT_READ = re.compile(
    r"(?:pulumi stack output|\$\(output)(?: --stack \"?[^\s\"]+\"?)?(?: --json)? ([a-z][A-Za-z]+)\b"
)


def test_every_stack_output_the_workflows_and_scripts_read_is_exported() -> None:
    """A name read that no stack exports fails only at run time, on a real stack: each one is an
    output of one of the planned stacks (the bases and a review stack)."""
    read: dict[str, set[str]] = {}
    for path in [*WORKFLOWS, *SCRIPTS_DIR.iterdir(), *(ROOT / "scripts").glob("*.sh")]:
        for line in path.read_text().splitlines():
            if not line.lstrip().startswith("#"):
                for name in STACK_OUTPUT_READ.findall(line):
                    read.setdefault(name, set()).add(path.name)
    assert {"clusterName", "apiTaskDefinitionArn", "reviewFrontendAppId"} <= set(read)
    exported = {
        name for stack in ("dev", "staging", "prod", "review-pr-123") for name in cached_plan(stack).outputs
    }
    assert {name: sorted(paths) for name, paths in read.items() if name not in exported} == {}
