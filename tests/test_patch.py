"""Patching as a schedule: weekly, the image dev runs is rebuilt from the same commit on fresh base
images under a new immutable tag, deployed to dev through the deploy workflow, then promoted to
staging and to prod (after the production environment's approval) where they run that commit."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from offline.engine import cached_plan
from tests.test_workflows import index_of, jobs, load, run_script, stub

DEV, PROD = "0123456789ab", "fedcba987654"
ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = "linux/amd64,linux/arm64"


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


def layer_digest(layer: Path, platforms: str = PLATFORMS) -> str:
    """Of the layer's files and of the platforms its image is built for."""
    built_for = f"{platforms}\n".encode()
    return hashlib.sha256(
        (layer / "Dockerfile").read_bytes() + (layer / "requirements.txt").read_bytes() + built_for
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
    # An image built for other platforms is other bytes too.
    amd64 = run_script("layer-digest.sh", [str(layer)], {"IMAGE_PLATFORMS": "linux/amd64"}, tmp_path)
    assert amd64.stdout.strip() == layer_digest(layer, "linux/amd64") != after


def index_of_platforms(*platforms: str) -> str:
    """An OCI image index as `skopeo inspect --raw` prints it, one manifest per platform."""
    manifests = [
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "platform": dict(zip(("os", "architecture"), p.split("/"), strict=True)),
        }
        for p in platforms
    ]
    return json.dumps({"schemaVersion": 2, "manifests": manifests})


def fake_skopeo(bin_dir: Path, calls: Path, index: str) -> None:
    stub(
        bin_dir,
        "skopeo",
        f'echo "skopeo $*" >> "{calls}"\n'
        f"case \"$1\" in login) cat > /dev/null ;; inspect) echo '{index}' ;; esac",
    )


def builds(calls: Path) -> list[str]:
    return [line for line in calls.read_text().splitlines() if line.startswith("docker")]


@pytest.mark.parametrize(("refresh", "flags"), [("true", "--pull --no-cache "), ("false", "")])
def test_the_image_is_the_applications_with_the_opentelemetry_layer_for_every_platform(
    tmp_path: Path, refresh: str, flags: str
) -> None:
    calls = tmp_path / "calls"
    stub(
        tmp_path / "bin", "aws", 'case "$2" in describe-images) exit 1 ;; get-login-password) echo t ;; esac'
    )
    # No builder yet: `buildx inspect` fails, so the script creates one.
    stub(tmp_path / "bin", "docker", f'echo "docker $*" >> "{calls}"\n[ "$2" != inspect ]')
    fake_skopeo(tmp_path / "bin", calls, index_of_platforms("linux/arm64", "linux/amd64"))
    repository = "123456789012.dkr.ecr.us-east-1.amazonaws.com/tasking-manager/dev/backend"
    tag = f"{DEV}-20261201"
    result = run_script(
        "push-image.sh", [repository, tag, "/app"], {"REFRESH_BASE": refresh}, tmp_path / "bin"
    )
    assert result.returncode == 0, result.stderr
    inspect, create, application, layer = builds(calls)
    assert (inspect, create) == (
        "docker buildx inspect tasking-manager-images",
        "docker buildx create --name tasking-manager-images --driver docker-container",
    )
    built = (
        "--builder tasking-manager-images --platform linux/amd64,linux/arm64 --provenance=false "
        "--build-arg BUILDKIT_MULTI_PLATFORM=1"
    )
    # The application's own image for both platforms, on fresh bases for the weekly rebuild, into
    # an OCI layout on this machine...
    work = re.fullmatch(
        r".*type=oci,dest=(\S+)/application,tar=false,name=application:build /app", application
    )
    assert work, application
    assert application == (
        f"docker buildx build {built} {flags}--file /app/scripts/docker/Dockerfile --target prod "
        f"--output type=oci,dest={work[1]}/application,tar=false,name=application:build /app"
    )
    # ...then our layer on each platform's image of it, read from that layout (never pulled).
    archive = layer.rsplit("--output type=oci,dest=", 1)[1].split()[0]
    assert layer == (
        f"docker buildx build {built} {flags.replace('--pull ', '')}"
        f"--build-context application=oci-layout://{work[1]}/application:build "
        "--build-arg APP_IMAGE=application "
        f"--file images/api/Dockerfile --output type=oci,dest={archive} images/api"
    )
    # The index and both images pushed as built, digests and all.
    assert calls.read_text().splitlines()[-3:] == [
        f"skopeo inspect --raw oci-archive:{archive}",
        "skopeo login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com",
        f"skopeo copy --all --preserve-digests oci-archive:{archive} docker://{repository}:{tag}",
    ]


def test_an_image_missing_a_platform_is_not_pushed(tmp_path: Path) -> None:
    """An archive of one platform (a build of before, or a partial one) is refused, naming both."""
    calls = tmp_path / "calls"
    stub(
        tmp_path / "bin", "aws", f'echo "aws $*" >> "{calls}"\ncase "$2" in describe-images) exit 254 ;; esac'
    )
    fake_skopeo(tmp_path / "bin", calls, index_of_platforms("linux/amd64"))
    result = run_script(
        "push-image.sh",
        ["--push-only", REVIEW_REPOSITORY, "pr-1-5a4da86c1f0e-l0123abcd", "/tmp/in/backend-image.tar"],
        {},
        tmp_path / "bin",
    )
    assert result.returncode == 1
    assert "holds images for linux/amd64, not for linux/amd64,linux/arm64" in result.stdout
    assert not [line for line in calls.read_text().splitlines() if "copy" in line or "login" in line]


REVIEW_REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/tasking-manager/dev/review"


def test_a_review_image_is_built_without_credentials_for_its_platform(tmp_path: Path) -> None:
    """The build job has no AWS credentials: it builds the same two layers, for the platform the
    review app runs on, into the archive it uploads."""
    calls = tmp_path / "calls"
    stub(tmp_path / "bin", "aws", f'echo "aws $*" >> "{calls}"; exit 1')
    stub(tmp_path / "bin", "docker", f'echo "docker $*" >> "{calls}"')
    fake_skopeo(tmp_path / "bin", calls, index_of_platforms("linux/amd64"))
    result = run_script(
        "push-image.sh",
        ["--build-only", "app", "/tmp/out/backend-image.tar"],
        {"IMAGE_PLATFORMS": "linux/amd64"},
        tmp_path / "bin",
    )
    assert result.returncode == 0, result.stderr
    lines = calls.read_text().splitlines()
    assert not [line for line in lines if line.startswith("aws")]
    inspect, application, layer = builds(calls)
    assert inspect == "docker buildx inspect tasking-manager-images"
    assert "--platform linux/amd64 " in application
    assert "--platform linux/amd64 " in layer
    # BuildKit exports an index for one platform only when asked: without it the archive holds a
    # bare manifest, whose platforms check_platforms cannot read.
    assert "--build-arg BUILDKIT_MULTI_PLATFORM=1 " in application
    assert "--build-arg BUILDKIT_MULTI_PLATFORM=1 " in layer
    assert layer.endswith("--output type=oci,dest=/tmp/out/backend-image.tar images/api")
    assert lines[-1] == "skopeo inspect --raw oci-archive:/tmp/out/backend-image.tar"


@pytest.mark.parametrize(
    ("pushed_days_ago", "pushed"),
    [(None, True), (2, False), (8, True)],
    ids=["new", "recent", "expiring"],
)
def test_a_review_image_archive_is_pushed_by_skopeo_unless_a_fresh_one_has_its_tag(
    tmp_path: Path, pushed_days_ago: int | None, pushed: bool
) -> None:
    """The deploy job pushes the archive the build made; no docker daemon loads it. A tag already
    there is kept, unless its image would expire (14 days after its push) before the review app
    deployed from it (7 more days): that one is deleted and pushed anew."""
    calls = tmp_path / "calls"
    if pushed_days_ago is None:
        describe = "exit 254"
    else:
        when = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=pushed_days_ago, hours=1)
        describe = f"echo {when.isoformat()}"
    stub(
        tmp_path / "bin",
        "aws",
        f'echo "aws $*" >> "{calls}"\n'
        f'case "$2" in describe-images) {describe} ;; get-login-password) echo t ;; esac',
    )
    fake_skopeo(tmp_path / "bin", calls, index_of_platforms("linux/amd64"))
    stub(tmp_path / "bin", "docker", f'echo "docker $*" >> "{calls}"')
    tag = "pr-6512-5a4da86c1f0e-l0123abcd"
    result = run_script(
        "push-image.sh",
        ["--push-only", REVIEW_REPOSITORY, tag, "/tmp/in/backend-image.tar"],
        {"IMAGE_PLATFORMS": "linux/amd64", "REPUSH_OLDER_THAN_DAYS": "7"},
        tmp_path / "bin",
    )
    assert result.returncode == 0, result.stderr
    lines = calls.read_text().splitlines()
    assert lines[0] == (
        f"aws ecr describe-images --repository-name tasking-manager/dev/review --image-ids imageTag={tag} "
        "--query imageDetails[0].imagePushedAt --output text"
    )
    assert not [line for line in lines if line.startswith("docker")]
    deleted = [line for line in lines if "batch-delete-image" in line]
    if not pushed:
        assert lines == lines[:1]
        assert f"{REVIEW_REPOSITORY}:{tag} exists already (pushed 2 days ago); kept" in result.stdout
        return
    assert [line for line in lines if line.startswith("skopeo")] == [
        "skopeo inspect --raw oci-archive:/tmp/in/backend-image.tar",
        "skopeo login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com",
        "skopeo copy --all --preserve-digests oci-archive:/tmp/in/backend-image.tar "
        f"docker://{REVIEW_REPOSITORY}:{tag}",
    ]
    if pushed_days_ago == 8:
        repository = "--repository-name tasking-manager/dev/review"
        assert deleted == [f"aws ecr batch-delete-image {repository} --image-ids imageTag={tag}"]
        assert lines.index(deleted[0]) < next(i for i, line in enumerate(lines) if "skopeo copy" in line)
        assert "pushed 8 days ago" in result.stdout
    else:
        assert deleted == []


def test_the_review_images_outlive_the_review_apps_deployed_from_them() -> None:
    """The deploy pushes again any image that could expire (the lifecycle policy's days after its
    push) while the review app it renews lives: that app's expiry date is TTL_DAYS after the
    deploy's day, and the sweeper removes it at its run on the day after that date, up to TTL_DAYS
    + 1 days and the sweep's time of day after the deploy (a review app wakes every morning, its
    tasks pulling the image again)."""
    workflow = load("review-app.yml")
    (policy,) = [
        r
        for r in cached_plan("dev").of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")
        if r.name == "registry-review"
    ]
    (rule,) = json.loads(policy.inputs["policy"])["rules"]
    assert rule["selection"]["countType"] == "sinceImagePushed"
    days = rule["selection"]["countNumber"]
    assert int(workflow["env"]["REVIEW_IMAGE_DAYS"]) == days
    deploy = workflow["jobs"]["deploy"]
    push = str(deploy["steps"][index_of(deploy, "push-image.sh --push-only")]["run"])
    (expression,) = re.findall(r"REPUSH_OLDER_THAN_DAYS=(\$\(\([A-Z_ 0-9+-]+\)\)) ", push)
    numbers = {name: workflow["env"][name] for name in ("REVIEW_IMAGE_DAYS", "TTL_DAYS")}
    evaluated = subprocess.run(
        ["bash", "-c", f"echo {expression}"], env=numbers, capture_output=True, text=True, check=True
    )
    threshold = int(evaluated.stdout)  # push-image.sh keeps an image pushed fewer days ago
    assert threshold > 0  # a second push within days keeps the image
    prepare = workflow["jobs"]["prepare"]
    claim = str(prepare["steps"][index_of(prepare, "expires=")]["run"])
    assert 'expires=$(date -u -d "+$TTL_DAYS days" +%F)' in claim
    (sweep,) = load("review-sweeper.yml")["on"]["schedule"]
    minute, hour, *every_day = sweep["cron"].split()
    assert every_day == ["*", "*", "*"]
    longest_life = datetime.timedelta(days=int(numbers["TTL_DAYS"]) + 1, hours=int(hour), minutes=int(minute))
    assert datetime.timedelta(days=days - threshold) >= longest_life
