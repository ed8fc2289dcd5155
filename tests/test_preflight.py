"""A deploy stops before anything runs when its stack file lacks its secrets provider or secrets:
`python -m offline preflight` (run by the deploy workflow) against real and doctored stack files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from offline import __main__ as cli
from offline.preflight import expected_secrets_provider, preflight
from tests.test_workflows import index_of, jobs

ROOT = Path(__file__).resolve().parent.parent
# What `pulumi config set --secret` and `pulumi stack init --secrets-provider` write.
SECURE = {"secure": "v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
SECRETS = {"dev": ("githubToken", "previewBasicAuth", "reviewDatabaseKey"), "prod": ("githubToken",)}
# Plain values only the operator knows: prod's front-end Sentry DSN.
OPERATOR_VALUES = {
    "dev": {},
    "prod": {"tm:sentryFrontendDsn": "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/2"},
}


def stack_file(tmp_path: Path, stack: str, *, secrets: bool, key: bool, provider: str | None = "own") -> Path:
    """A copy of the committed Pulumi.<stack>.yaml, with or without its secrets and data key."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    if provider != "own":
        document["secretsprovider"] = provider
    if key:
        document["encryptedkey"] = "AQICAHh...kms-encrypted-data-key"
    if secrets:
        document["config"].update({f"tm:{name}": SECURE for name in SECRETS[stack]})
        document["config"].update(OPERATOR_VALUES[stack])
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document))
    return tmp_path


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_committed_stack_files_name_their_environments_key(stack: str) -> None:
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    assert document["secretsprovider"] == expected_secrets_provider(stack, "us-east-1")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_stack_file_with_its_key_and_secrets_passes(tmp_path: Path, stack: str) -> None:
    assert preflight(stack, stack_file(tmp_path, stack, secrets=True, key=True)) == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_missing_secret_is_named_with_the_command_that_sets_it(tmp_path: Path, stack: str) -> None:
    (problem,) = preflight(stack, stack_file(tmp_path, stack, secrets=False, key=True))
    for name in SECRETS[stack]:
        assert f"tm:{name} = (not set)" in problem
        assert f"pulumi config set --secret tm:{name}" in problem or f"--secret tm:{name}`" in problem


def test_a_stack_file_without_its_data_key_says_how_to_make_one(tmp_path: Path) -> None:
    (problem,) = preflight("prod", stack_file(tmp_path, "prod", secrets=True, key=False))
    assert "no encryptedkey" in problem
    assert (
        "pulumi stack change-secrets-provider --stack prod 'awskms://alias/tasking-manager-pulumi-secrets-prod"
        in problem
    )


@pytest.mark.parametrize("provider", [None, "passphrase", expected_secrets_provider("dev", "us-east-1")])
def test_another_secrets_provider_is_refused(tmp_path: Path, provider: str | None) -> None:
    (problem,) = preflight("prod", stack_file(tmp_path, "prod", secrets=True, key=True, provider=provider))
    assert f"secretsprovider is {provider!r}, not this environment's key" in problem
    assert expected_secrets_provider("prod", "us-east-1") in problem


def test_the_command_exits_non_zero_on_the_committed_prod_file(capsys: pytest.CaptureFixture[str]) -> None:
    """The committed files carry no secrets (HOT sets them): the deploy stops at the preflight."""
    assert cli.main(["preflight", "prod"]) == 2
    errors = capsys.readouterr().err
    assert "tm:githubToken = (not set)" in errors
    assert "no encryptedkey" in errors


def test_the_deploy_workflow_runs_the_preflight_before_aws_and_pulumi() -> None:
    deploy = jobs("deploy.yml")["deploy"]
    preflight_step = index_of(deploy, 'python -m offline preflight "$STACK"')
    credentials = next(
        i for i, s in enumerate(deploy["steps"]) if "configure-aws-credentials" in str(s.get("uses"))
    )
    assert preflight_step < credentials
    assert preflight_step < index_of(deploy, "pulumi login")
    assert preflight_step < index_of(deploy, ".github/scripts/push-image.sh")
