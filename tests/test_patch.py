"""Patching as a schedule: weekly, the image dev runs is rebuilt from the same commit on fresh base
images under a new immutable tag, deployed to dev through the deploy workflow, then promoted to
staging and to prod (after the production environment's approval) where they run that commit."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_workflows import index_of, jobs, load, run_script, stub

DEV, PROD = "0123456789ab", "fedcba987654"
ROOT = Path(__file__).resolve().parent.parent


def test_the_patch_workflow_rebuilds_dev_then_promotes_to_prod_weekly() -> None:
    assert load("patch.yml")["on"]["schedule"] == [{"cron": "0 4 * * 2"}]
    workflow = jobs("patch.yml")
    assert workflow["deployed"]["environment"] == "drift"  # read-only: it only reads the state
    dev = str(workflow["dev"]["steps"][index_of(workflow["dev"], "dispatch-deploy.sh")]["run"])
    assert dev.startswith(".github/scripts/dispatch-deploy.sh develop -f stack=dev")
    assert '-f image-tag="$TAG" -f refresh-base=true' in dev
    prod_job = workflow["prod"]
    assert prod_job["needs"] == ["deployed", "dev"]
    assert prod_job["if"] == "needs.deployed.outputs.prod-commit == needs.deployed.outputs.dev-commit"
    prod = str(prod_job["steps"][index_of(prod_job, "dispatch-deploy.sh")]["run"])
    assert prod.startswith(".github/scripts/dispatch-deploy.sh main -f stack=prod")
    assert "refresh-base" not in prod  # prod never builds: it promotes dev's rebuilt image


def test_the_patch_workflow_promotes_the_rebuild_to_staging_when_staging_runs_devs_commit() -> None:
    workflow = jobs("patch.yml")
    staging = workflow["staging"]
    assert staging["needs"] == ["deployed", "dev"]
    assert staging["if"] == "needs.deployed.outputs.staging-commit == needs.deployed.outputs.dev-commit"
    run = str(staging["steps"][index_of(staging, "dispatch-deploy.sh")]["run"])
    # Dispatched from main, where the schedule runs; the staging environment admits it.
    assert run.startswith(".github/scripts/dispatch-deploy.sh main -f stack=staging")
    assert "refresh-base" not in run
    read = str(workflow["deployed"]["steps"][index_of(workflow["deployed"], "patch-plan.sh")]["run"])
    assert "deployed.sh staging image-tag" in read


def test_the_deploy_workflow_takes_the_rebuild_inputs() -> None:
    inputs = load("deploy.yml")["on"]["workflow_dispatch"]["inputs"]
    assert inputs["refresh-base"] == {
        "description": inputs["refresh-base"]["description"],
        "type": "boolean",
        "default": False,
    }
    deploy = jobs("deploy.yml")["deploy"]
    step = deploy["steps"][index_of(deploy, "image-tag.sh")]
    assert step["env"]["REFRESH_BASE"] == "${{ inputs.refresh-base }}"
    assert 'image-tag.sh "$APP_DIR" "$INPUT_IMAGE_TAG"' in step["run"]


@pytest.mark.parametrize(
    ("dev", "prod", "staging", "expected"),
    [
        (
            DEV,
            DEV,
            DEV,
            [f"dev-commit={DEV}", f"prod-commit={DEV}", f"staging-commit={DEV}", f"tag={DEV}-20261201"],
        ),
        (
            f"{DEV}-20261124",
            PROD,
            PROD,
            [f"dev-commit={DEV}", f"prod-commit={PROD}", f"staging-commit={PROD}", f"tag={DEV}-20261201"],
        ),
        # Tags of deploys carry the image layer's digest (image-tag.sh).
        (
            f"{DEV}-l1a2b3c4d",
            f"{PROD}-l1a2b3c4d",
            f"{DEV}-l1a2b3c4d",
            [f"dev-commit={DEV}", f"prod-commit={PROD}", f"staging-commit={DEV}", f"tag={DEV}-20261201"],
        ),
        # No staging stack (or nothing deployed to it yet): nothing to patch there.
        (DEV, DEV, "", [f"dev-commit={DEV}", f"prod-commit={DEV}", "staging-commit=", f"tag={DEV}-20261201"]),
    ],
)
def test_the_plan_reads_the_commits_and_names_the_new_tag(
    tmp_path: Path, dev: str, prod: str, staging: str, expected: list[str]
) -> None:
    result = run_script("patch-plan.sh", [dev, prod, "20261201", staging], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected


def test_a_tag_that_is_no_commit_is_refused(tmp_path: Path) -> None:
    result = run_script("patch-plan.sh", ["v5.5.2", DEV, "20261201"], {}, tmp_path)
    assert result.returncode == 1
    assert "v5.5.2 is not an image tag of an application commit" in result.stderr


def test_dispatch_follows_the_run_it_started_and_fails_with_it(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    stub(
        tmp_path / "bin",
        "gh",
        f'echo "$*" >> "{calls}"\ncase "$1 $2" in "run list") echo 4242 ;; "run watch") exit 1 ;; esac',
    )
    result = run_script(
        "dispatch-deploy.sh", ["develop", "-f", "stack=dev"], {"DISPATCH_POLL_SECONDS": "0"}, tmp_path / "bin"
    )
    assert result.returncode == 1
    lines = calls.read_text().splitlines()
    assert lines[0] == "workflow run deploy.yml --ref develop -f stack=dev"
    assert lines[-1] == "run watch 4242 --exit-status"


@pytest.fixture
def checkout(tmp_path: Path) -> tuple[Path, str]:
    app = tmp_path / "app"
    app.mkdir()
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    for command in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(["git", "-C", str(app), *command], check=True, env={**env, "PATH": "/usr/bin:/bin"})
    commit = subprocess.run(
        ["git", "-C", str(app), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return app, commit


def layer_digest(layer: Path) -> str:
    return hashlib.sha256(
        (layer / "Dockerfile").read_bytes() + (layer / "requirements.txt").read_bytes()
    ).hexdigest()[:8]


def test_the_image_tag_is_the_commit_and_the_layer_or_a_tag_of_the_commit(
    tmp_path: Path, checkout: tuple[Path, str]
) -> None:
    app, commit = checkout
    default = run_script("image-tag.sh", [str(app)], {}, tmp_path)
    assert default.stdout.strip() == f"{commit}-l{layer_digest(ROOT / 'images' / 'api')}"
    rebuilt = run_script("image-tag.sh", [str(app), f"{commit}-20261201"], {}, tmp_path)
    assert rebuilt.stdout.strip() == f"{commit}-20261201"
    other = run_script("image-tag.sh", [str(app), "0000000000aa-20261201"], {}, tmp_path)
    assert other.returncode == 1
    assert f"is not of the checked-out commit {commit}" in other.stderr


def test_a_changed_layer_is_a_new_tag(tmp_path: Path) -> None:
    """The same application commit with other OpenTelemetry pins is other bytes: a new image."""
    layer = tmp_path / "api"
    shutil.copytree(ROOT / "images" / "api", layer)
    before = run_script("layer-digest.sh", [str(layer)], {}, tmp_path).stdout.strip()
    assert before == layer_digest(ROOT / "images" / "api")
    (layer / "requirements.txt").write_text((layer / "requirements.txt").read_text() + "# bumped\n")
    after = run_script("layer-digest.sh", [str(layer)], {}, tmp_path).stdout.strip()
    assert after != before
    assert after == layer_digest(layer)


@pytest.mark.parametrize(("refresh", "flags"), [("true", "--pull --no-cache "), ("false", "")])
def test_the_image_is_the_applications_with_the_opentelemetry_layer(
    tmp_path: Path, refresh: str, flags: str
) -> None:
    calls = tmp_path / "calls"
    stub(
        tmp_path / "bin", "aws", 'case "$2" in describe-images) exit 1 ;; get-login-password) echo t ;; esac'
    )
    stub(tmp_path / "bin", "docker", f'[ "$1" != login ] || cat > /dev/null\necho "$*" >> "{calls}"')
    repository = "123456789012.dkr.ecr.us-east-1.amazonaws.com/tasking-manager/dev/backend"
    tag = f"{DEV}-20261201"
    result = run_script(
        "push-image.sh", [repository, tag, "/app"], {"REFRESH_BASE": refresh}, tmp_path / "bin"
    )
    assert result.returncode == 0, result.stderr
    application, layer = [line for line in calls.read_text().splitlines() if line.startswith("build")]
    # The application's own image, built on fresh bases for the weekly rebuild, kept local...
    local = f"tasking-manager-application:{tag}"
    assert application == (
        f"build {flags}--file /app/scripts/docker/Dockerfile --target prod --tag {local} /app"
    )
    # ...then our layer on top of it (never --pull: its base exists only on this machine).
    assert layer == (
        f"build {flags.replace('--pull ', '')}--file images/api/Dockerfile "
        f"--build-arg APP_IMAGE={local} --tag {repository}:{tag} images/api"
    )
    pushes = [line for line in calls.read_text().splitlines() if line.startswith("push")]
    assert pushes == [f"push {repository}:{tag}"]


REVIEW_REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/tasking-manager/dev/review"


def test_a_review_image_is_built_without_credentials_and_saved(tmp_path: Path) -> None:
    """The build job has no AWS credentials: it builds the same two layers and saves the image."""
    calls = tmp_path / "calls"
    stub(tmp_path / "bin", "aws", f'echo "aws $*" >> "{calls}"; exit 1')
    stub(tmp_path / "bin", "docker", f'echo "$*" >> "{calls}"')
    result = run_script(
        "push-image.sh", ["--build-only", "app", "/tmp/out/backend-image.tar"], {}, tmp_path / "bin"
    )
    assert result.returncode == 0, result.stderr
    assert calls.read_text().splitlines() == [
        "build --file app/scripts/docker/Dockerfile --target prod "
        "--tag tasking-manager-application:build app",
        "build --file images/api/Dockerfile --build-arg APP_IMAGE=tasking-manager-application:build "
        "--tag tasking-manager-review:build images/api",
        "save --output /tmp/out/backend-image.tar tasking-manager-review:build",
    ]


@pytest.mark.parametrize("exists", [True, False])
def test_a_review_image_archive_is_pushed_by_skopeo_unless_its_tag_exists(
    tmp_path: Path, exists: bool
) -> None:
    """The deploy job pushes the archive the build made; no docker daemon loads it."""
    calls = tmp_path / "calls"
    stub(
        tmp_path / "bin",
        "aws",
        f'echo "aws $*" >> "{calls}"\n'
        f'case "$2" in describe-images) exit {0 if exists else 254} ;; '
        "get-login-password) echo t ;; esac",
    )
    stub(tmp_path / "bin", "skopeo", f'[ "$1" != login ] || cat > /dev/null\necho "skopeo $*" >> "{calls}"')
    stub(tmp_path / "bin", "docker", f'echo "docker $*" >> "{calls}"')
    tag = "pr-6512-5a4da86c1f0e-l0123abcd"
    result = run_script(
        "push-image.sh",
        ["--push-only", REVIEW_REPOSITORY, tag, "/tmp/in/backend-image.tar"],
        {},
        tmp_path / "bin",
    )
    assert result.returncode == 0, result.stderr
    lines = calls.read_text().splitlines()
    assert lines[0] == (
        f"aws ecr describe-images --repository-name tasking-manager/dev/review --image-ids imageTag={tag}"
    )
    assert not [line for line in lines if line.startswith("docker")]
    if exists:
        assert lines == lines[:1]
        assert f"{REVIEW_REPOSITORY}:{tag} exists already; not rebuilt" in result.stdout
    else:
        assert lines[-2:] == [
            "skopeo login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com",
            f"skopeo copy docker-archive:/tmp/in/backend-image.tar docker://{REVIEW_REPOSITORY}:{tag}",
        ]
