"""The bootstrap program (bootstrap/) under Pulumi's mocks: who can assume each CI role, what the
state bucket and keys protect, and that the review role is fenced off from prod.

The program runs the way offline/engine.py runs the main one (inside a stack, against a recording
monitor), with its own project name and mocks that answer IAM's OIDC providers, policies and KMS
aliases with the ARNs AWS gives them.
"""

from __future__ import annotations

import fnmatch
import json
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import parliament
import pulumi
import pytest
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockResourceArgs
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from offline.config import load_stack_config
from offline.mocks import OfflineMocks, RecordingMonitor, Registration

BOOTSTRAP_DIR = Path(__file__).resolve().parent.parent / "bootstrap"
sys.path.insert(0, str(BOOTSTRAP_DIR))

from tm_bootstrap.permissions import Account, ci_roles, state_bucket_policy  # noqa: E402
from tm_bootstrap.settings import BootstrapSettingsError, parse_settings  # noqa: E402

ACCOUNT = "210987654321"
REPOSITORY = "hotosm/tasking-manager"
CONFIG = {
    "bootstrap:githubRepository": REPOSITORY,
    "bootstrap:accountId": ACCOUNT,
    "bootstrap:region": "us-east-1",
}
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


class BootstrapMocks(OfflineMocks):
    """The project's mocks, plus the ARN shapes of the IAM and KMS resources only the bootstrap
    declares (the generic rule would make up `openIdConnectProvider/<name>` ARNs)."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        resource_id, outputs = super().new_resource(args)
        if args.typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            host = str(args.inputs["url"]).removeprefix("https://")
            arn = f"arn:aws:iam::{self.account_id}:oidc-provider/{host}"
            return arn, {**outputs, "id": arn, "arn": arn}
        if args.typ == "aws:iam/policy:Policy":
            arn = f"arn:aws:iam::{self.account_id}:policy/{args.inputs['name']}"
            return arn, {**outputs, "id": arn, "arn": arn}
        if args.typ == "aws:kms/alias:Alias":
            name = str(args.inputs["name"])
            return name, {**outputs, "id": name, "arn": self._regional("kms", name)}
        return resource_id, outputs


class Bootstrap:
    def __init__(self, monitor: RecordingMonitor) -> None:
        self.resources: list[Registration] = monitor.registrations
        self.outputs: dict[str, Any] = monitor.stack_outputs
        self.protected = {r.urn for r in self.resources if r.protect}

    def of_type(self, token: str) -> list[Registration]:
        return [r for r in self.resources if r.type == token]

    def one(self, token: str) -> Registration:
        (found,) = self.of_type(token)
        return found

    def role(self, key: str) -> Registration:
        return next(
            r for r in self.of_type("aws:iam/role:Role") if r.inputs["name"] == f"tasking-manager-ci-{key}"
        )

    def role_policy(self, key: str) -> dict[str, Any]:
        role = self.role(key)
        policy = next(
            p for p in self.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role.outputs["id"]
        )
        return dict(json.loads(policy.inputs["policy"]))

    def trust(self, key: str) -> dict[str, Any]:
        return dict(json.loads(self.role(key).inputs["assumeRolePolicy"]))


def run_bootstrap(overrides: dict[str, Any], stack: str = "offline-test") -> Bootstrap:
    """Evaluate bootstrap/__main__.py for `stack` with `overrides` as its whole config."""
    config = load_stack_config(BOOTSTRAP_DIR, stack, overrides)
    mocks = BootstrapMocks(account_id=ACCOUNT)
    monitor = RecordingMonitor(mocks)
    runtime_settings.SETTINGS.rpc_manager.clear()
    runtime_settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_all_config(config.values, config.secret_keys)
    # As in offline/engine.py: keep set_mocks from making a stack of its own, run in ours.
    runtime_settings.ROOT.set(object())  # type: ignore[arg-type]
    pulumi.runtime.set_mocks(mocks, "tasking-manager-bootstrap", stack, preview=False, monitor=monitor)
    runtime_settings.ROOT.set(None)

    def program() -> None:
        runpy.run_path(str(BOOTSTRAP_DIR / "__main__.py"), run_name="__main__")

    _sync_await(run_in_stack(program))
    return Bootstrap(monitor)


_RUNS: dict[str, Bootstrap] = {}


@pytest.fixture
def bootstrap() -> Callable[..., Bootstrap]:
    def get(**extra: Any) -> Bootstrap:
        overrides = {**CONFIG, **{f"bootstrap:{k}": v for k, v in extra.items()}}
        key = json.dumps(overrides, sort_keys=True)
        if key not in _RUNS:
            _RUNS[key] = run_bootstrap(overrides)
        return _RUNS[key]

    return get


def allows(
    document: dict[str, Any], action: str, resource: str, context: dict[str, str] | None = None
) -> bool:
    """A small evaluator of identity policies for the statements these tests write: Allow unless
    an explicit Deny matches; conditions StringEquals/StringNotEquals/Null/ArnEquals/ArnLike on
    the given request context (a missing key fails a condition, as in IAM)."""
    context = context or {}

    def matches(patterns: Any, value: str) -> bool:
        return any(
            fnmatch.fnmatchcase(value, p) for p in ([patterns] if isinstance(patterns, str) else patterns)
        )

    def condition_holds(condition: dict[str, dict[str, Any]]) -> bool:
        for operator, tests in condition.items():
            for key, wanted in tests.items():
                wanted_values = [wanted] if isinstance(wanted, str) else list(wanted)
                value = context.get(key)
                if operator == "Null":
                    if (value is None) != (wanted == "true"):
                        return False
                elif value is None:
                    if not operator.endswith("IfExists") and operator != "StringNotEquals":
                        return False
                elif operator in ("StringEquals", "ArnEquals", "StringEqualsIfExists"):
                    if value not in wanted_values:
                        return False
                elif operator == "ArnLike":
                    if not matches(wanted_values, value):
                        return False
                elif operator == "StringNotEquals":
                    if value in wanted_values:
                        return False
                elif operator == "Bool":
                    if value != wanted:
                        return False
                else:
                    raise AssertionError(f"the evaluator does not know {operator}")
        return True

    def applies(statement: dict[str, Any]) -> bool:
        if "Action" in statement:
            action_ok = matches(statement["Action"], action)
        else:
            action_ok = not matches(statement["NotAction"], action)
        if "Resource" in statement:
            resource_ok = matches(statement["Resource"], resource)
        else:
            resource_ok = not matches(statement["NotResource"], resource)
        return action_ok and resource_ok and condition_holds(statement.get("Condition", {}))

    statements = document["Statement"]
    if any(s["Effect"] == "Deny" and applies(s) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and applies(s) for s in statements)


# -- settings ----------------------------------------------------------------------------------
def test_settings_defaults_name_the_bucket_after_the_account() -> None:
    settings = parse_settings("hot", CONFIG)
    assert settings.bucket_name == f"tasking-manager-pulumi-state-{ACCOUNT}"
    assert settings.review_base_stack == "dev"


def test_every_settings_mistake_is_reported_with_its_key_and_what_is_allowed() -> None:
    with pytest.raises(BootstrapSettingsError) as caught:
        parse_settings(
            "hot",
            {
                "bootstrap:githubRepository": "hotosm",
                "bootstrap:accountId": "1234",
                "bootstrap:region": "Mars",
                "bootstrap:stateBucket": "my..bucket",
                "bootstrap:colour": "blue",
                "aws:region": "us-east-1",  # another namespace: not ours, ignored
            },
        )
    message = str(caught.value)
    assert "(5 problems)" in message
    assert "bootstrap:githubRepository = 'hotosm': owner/name of the GitHub repository" in message
    assert "bootstrap:accountId = '1234': the 12 digits of the AWS account" in message
    assert "bootstrap:region = 'Mars': an AWS region" in message
    assert "bootstrap:stateBucket = 'my..bucket'" in message
    assert "bootstrap:colour is not a setting" in message


def test_a_missing_required_setting_says_what_it_is() -> None:
    with pytest.raises(BootstrapSettingsError, match=r"bootstrap:accountId is required: the 12 digits"):
        parse_settings("hot", {"bootstrap:githubRepository": REPOSITORY})


def test_the_program_refuses_invalid_config_before_declaring_anything() -> None:
    with pytest.raises(BootstrapSettingsError, match="accountId"):
        run_bootstrap({"bootstrap:githubRepository": REPOSITORY, "bootstrap:accountId": "nope"})


# -- trust -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "subject"),
    [
        ("prod", f"repo:{REPOSITORY}:environment:production"),
        ("dev", f"repo:{REPOSITORY}:environment:dev"),
        ("review", f"repo:{REPOSITORY}:environment:review"),
        ("preview", f"repo:{REPOSITORY}:pull_request"),
    ],
)
def test_each_role_trusts_only_its_github_environment_of_the_repository(
    bootstrap: Callable[..., Bootstrap], key: str, subject: str
) -> None:
    (statement,) = bootstrap().trust(key)["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Federated": OIDC_ARN}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    # Exact matches only: no StringLike wildcard that would admit other branches or repositories.
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": subject,
        }
    }


def test_the_oidc_provider_is_githubs_for_sts_and_protected(bootstrap: Callable[..., Bootstrap]) -> None:
    result = bootstrap()
    provider = result.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert provider.urn in result.protected
    assert result.outputs["oidcProviderArn"] == OIDC_ARN


def test_an_existing_oidc_provider_is_reused_not_created(bootstrap: Callable[..., Bootstrap]) -> None:
    result = bootstrap(existingOidcProviderArn=OIDC_ARN)
    assert result.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    (statement,) = result.trust("prod")["Statement"]
    assert statement["Principal"] == {"Federated": OIDC_ARN}


def test_only_the_deploy_roles_get_long_sessions(bootstrap: Callable[..., Bootstrap]) -> None:
    result = bootstrap()
    sessions = {
        key: result.role(key).inputs["maxSessionDuration"] for key in ("prod", "dev", "review", "preview")
    }
    assert sessions == {"prod": 7200, "dev": 7200, "review": 3600, "preview": 3600}


# -- state bucket and keys ---------------------------------------------------------------------
def test_the_state_bucket_is_private_versioned_kms_encrypted_and_protected(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    result = bootstrap()
    bucket = result.one("aws:s3/bucket:Bucket")
    assert bucket.inputs["bucket"] == f"tasking-manager-pulumi-state-{ACCOUNT}"
    assert bucket.urn in result.protected
    assert not bucket.inputs.get("forceDestroy")

    block = result.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(
        block[k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    ownership = result.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    versioning = result.one("aws:s3/bucketVersioning:BucketVersioning").inputs
    assert versioning["versioningConfiguration"]["status"] == "Enabled"

    (rule,) = result.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).inputs["rules"]
    state_key = next(k for k in result.of_type("aws:kms/key:Key") if k.name == "state-state")
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": state_key.outputs["arn"],
    }
    assert rule["bucketKeyEnabled"] is True
    (lifecycle,) = result.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs[
        "rules"
    ]
    assert lifecycle["noncurrentVersionExpiration"] == {"noncurrentDays": 90}
    assert "expiration" not in lifecycle  # current state is never expired


def test_the_state_bucket_refuses_plain_http(bootstrap: Callable[..., Bootstrap]) -> None:
    policy = json.loads(bootstrap().one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    bucket = f"arn:aws:s3:::tasking-manager-pulumi-state-{ACCOUNT}"
    (tls,) = [s for s in policy["Statement"] if s["Sid"] == "DenyInsecureTransport"]
    assert tls["Effect"] == "Deny"
    assert tls["Principal"] == "*"
    assert tls["Action"] == "s3:*"
    assert tls["Resource"] == [bucket, f"{bucket}/*"]
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_every_key_rotates_and_is_protected_with_a_waiting_period(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    result = bootstrap()
    keys = result.of_type("aws:kms/key:Key")
    assert sorted(k.name for k in keys) == [
        "state-secrets-dev",
        "state-secrets-prod",
        "state-secrets-review",
        "state-state",
    ]
    for key in keys:
        assert key.inputs["enableKeyRotation"] is True, key.name
        assert key.inputs["deletionWindowInDays"] == 30, key.name
        assert key.urn in result.protected, key.name
        (statement,) = json.loads(key.inputs["policy"])["Statement"]
        assert statement["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}


def test_outputs_are_what_the_repository_variables_need(bootstrap: Callable[..., Bootstrap]) -> None:
    outputs = bootstrap().outputs
    assert outputs["backendUrl"] == f"s3://tasking-manager-pulumi-state-{ACCOUNT}?region=us-east-1&awssdk=v2"
    assert (
        outputs["secretsProviders"]["review"]
        == "awskms://alias/tasking-manager-pulumi-secrets-review?region=us-east-1"
    )
    assert outputs["roleArns"]["prod"] == f"arn:aws:iam::{ACCOUNT}:role/tasking-manager-ci-prod"
    assert (
        outputs["reviewPermissionsBoundaryArn"]
        == f"arn:aws:iam::{ACCOUNT}:policy/tasking-manager-ci-review-boundary"
    )


def test_every_bootstrap_resource_is_tagged_shared_through_the_provider(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    result = bootstrap()
    provider = result.one("pulumi:providers:aws")
    tags = json.loads(provider.inputs["defaultTags"])["tags"]
    assert tags["Environment"] == "shared"
    assert json.loads(provider.inputs["allowedAccountIds"]) == [ACCOUNT]
    assert all(
        r.provider.startswith(provider.urn) for r in result.resources if r.custom and r is not provider
    )


# -- what each role may do ---------------------------------------------------------------------
STATE = f"arn:aws:s3:::tasking-manager-pulumi-state-{ACCOUNT}/.pulumi"


def _key_arn(result: Bootstrap, name: str) -> str:
    return str(next(k for k in result.of_type("aws:kms/key:Key") if k.name == name).outputs["arn"])


@pytest.mark.parametrize(
    ("key", "writes", "reads", "denied"),
    [
        ("prod", ["prod"], [], ["dev", "review-pr-7"]),
        ("dev", ["dev"], [], ["prod", "review-pr-7"]),
        ("review", ["review-pr-7", "review-pr-123"], ["dev"], ["prod"]),
        ("preview", [], ["dev", "prod"], ["review-pr-7"]),
    ],
)
def test_each_role_reaches_only_its_own_stacks_state(
    bootstrap: Callable[..., Bootstrap], key: str, writes: list[str], reads: list[str], denied: list[str]
) -> None:
    result = bootstrap()
    identity = result.role_policy(key)
    bucket_policy = json.loads(result.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    # The bucket policy's denies apply to a principal; evaluate them for this role's ARN.
    principal = {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/tasking-manager-ci-{key}"}
    fences = {"Statement": [s for s in bucket_policy["Statement"] if s["Effect"] == "Deny"]}
    fences["Statement"].append({"Effect": "Allow", "Action": "*", "Resource": "*"})

    def can(action: str, stack: str) -> bool:
        obj = f"{STATE}/stacks/tasking-manager/{stack}.json"
        return allows(identity, action, obj) and allows(fences, action, obj, principal)

    for stack in writes:
        assert can("s3:PutObject", stack), stack
        assert can("s3:GetObject", stack), stack
    for stack in reads:
        assert can("s3:GetObject", stack), stack
        assert not can("s3:PutObject", stack), stack
    for stack in denied:
        assert not can("s3:GetObject", stack), stack
        assert not can("s3:PutObject", stack), stack


@pytest.mark.parametrize(
    ("key", "usable", "unusable"),
    [
        ("prod", ["prod"], ["dev", "review"]),
        ("dev", ["dev"], ["prod", "review"]),
        ("review", ["review", "dev"], ["prod"]),
        ("preview", ["dev", "prod"], ["review"]),
    ],
)
def test_each_role_decrypts_only_the_secrets_of_the_stacks_it_reaches(
    bootstrap: Callable[..., Bootstrap], key: str, usable: list[str], unusable: list[str]
) -> None:
    result = bootstrap()
    policy = result.role_policy(key)
    for environment in usable:
        assert allows(policy, "kms:Decrypt", _key_arn(result, f"state-secrets-{environment}")), environment
    for environment in unusable:
        assert not allows(policy, "kms:Decrypt", _key_arn(result, f"state-secrets-{environment}")), (
            environment
        )
    # Nobody administers the bootstrap's keys from CI, or uses the state key but through S3.
    assert not allows(policy, "kms:ScheduleKeyDeletion", _key_arn(result, "state-state"))
    assert not allows(policy, "kms:Decrypt", _key_arn(result, "state-state"))
    via_s3 = {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    assert allows(policy, "kms:Decrypt", _key_arn(result, "state-state"), via_s3)
    assert not allows(policy, "kms:PutKeyPolicy", _key_arn(result, f"state-secrets-{usable[0]}"))


def test_the_review_role_cannot_touch_anything_tagged_prod(bootstrap: Callable[..., Bootstrap]) -> None:
    policy = bootstrap().role_policy("review")
    prod = {"aws:ResourceTag/Environment": "prod"}
    review = {"aws:ResourceTag/Environment": "review"}
    listener_rule = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:listener-rule/app/lb/1/2/3"
    assert allows(policy, "elasticloadbalancing:DeleteRule", listener_rule, review)
    assert not allows(policy, "elasticloadbalancing:DeleteRule", listener_rule, prod)
    listener = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:listener/app/lb/1/2"
    assert not allows(
        policy, "elasticloadbalancing:CreateRule", listener, {**prod, "aws:RequestTag/Environment": "review"}
    )
    # Nor make anything that claims to be prod.
    assert not allows(policy, "ecs:RegisterTaskDefinition", "*", {"aws:RequestTag/Environment": "prod"})
    assert allows(policy, "ecs:RegisterTaskDefinition", "*", {"aws:RequestTag/Environment": "review"})
    # Its services go into the base's cluster, nowhere else.
    service = f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/tasking-manager-%s/pr-7-api"
    tagged = {"aws:RequestTag/Environment": "review"}
    cluster = f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/tasking-manager-%s"
    assert allows(policy, "ecs:CreateService", service % "dev", {**tagged, "ecs:cluster": cluster % "dev"})
    assert not allows(
        policy, "ecs:CreateService", service % "prod", {**tagged, "ecs:cluster": cluster % "prod"}
    )


def test_the_review_role_only_makes_roles_inside_the_review_boundary(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    result = bootstrap()
    policy = result.role_policy("review")
    role = f"arn:aws:iam::{ACCOUNT}:role/review-app-task-1234567"
    boundary = result.outputs["reviewPermissionsBoundaryArn"]
    tagged = {"aws:RequestTag/Environment": "review"}
    assert allows(policy, "iam:CreateRole", role, {**tagged, "iam:PermissionsBoundary": boundary})
    assert not allows(policy, "iam:CreateRole", role, tagged)
    assert not allows(policy, "iam:PutRolePolicy", role, {"aws:ResourceTag/Environment": "review"})
    assert not allows(
        policy, "iam:DeleteRolePermissionsBoundary", role, {"aws:ResourceTag/Environment": "review"}
    )
    # Not even the review boundary lets a review app's roles read prod's secrets.
    boundary_policy = json.loads(result.one("aws:iam/policy:Policy").inputs["policy"])
    prod_secret = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tasking-manager/prod/app-AbCdEf"
    dev_secret = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tasking-manager/dev/app-AbCdEf"
    assert not allows(boundary_policy, "secretsmanager:GetSecretValue", prod_secret)
    assert allows(boundary_policy, "secretsmanager:GetSecretValue", dev_secret)
    # Review tasks pull review images, and cannot read the key their passwords derive from.
    key = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tasking-manager/dev/review-database-key-AbCdEf"
    assert not allows(boundary_policy, "secretsmanager:GetSecretValue", key)
    repository = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/tasking-manager/dev/%s"
    assert allows(boundary_policy, "ecr:BatchGetImage", repository % "review")
    assert not allows(boundary_policy, "ecr:BatchGetImage", repository % "backend")


def test_the_review_role_pushes_images_only_to_the_review_repository(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    policy = bootstrap().role_policy("review")
    repository = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/tasking-manager/%s"
    assert allows(policy, "ecr:PutImage", repository % "dev/review")
    assert not allows(policy, "ecr:PutImage", repository % "dev/backend")
    assert not allows(policy, "ecr:PutImage", repository % "prod/backend")


def test_only_the_review_deploy_reads_the_review_database_key(bootstrap: Callable[..., Bootstrap]) -> None:
    key = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tasking-manager/dev/review-database-key-AbCdEf"
    assert allows(bootstrap().role_policy("review"), "secretsmanager:GetSecretValue", key)


@pytest.mark.parametrize("key", ["prod", "dev", "review", "preview"])
def test_no_role_can_change_the_bootstrap(bootstrap: Callable[..., Bootstrap], key: str) -> None:
    policy = bootstrap().role_policy(key)
    for other in ("prod", "dev", "review", "preview"):
        role = f"arn:aws:iam::{ACCOUNT}:role/tasking-manager-ci-{other}"
        assert not allows(policy, "iam:PutRolePolicy", role, {"aws:ResourceTag/Environment": key})
        assert not allows(policy, "iam:UpdateAssumeRolePolicy", role, {"aws:ResourceTag/Environment": key})
    bucket = f"arn:aws:s3:::tasking-manager-pulumi-state-{ACCOUNT}"
    assert not allows(policy, "s3:PutBucketPolicy", bucket)
    assert not allows(policy, "s3:DeleteBucket", bucket)


def test_the_preview_role_changes_nothing(bootstrap: Callable[..., Bootstrap]) -> None:
    policy = bootstrap().role_policy("preview")
    writes = [
        a
        for s in policy["Statement"]
        if s["Effect"] == "Allow"
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        if not a.split(":")[1].startswith(("Get", "List", "Describe", "Decrypt"))
    ]
    assert writes == []


def test_the_deploy_roles_attach_only_aws_service_role_policies(bootstrap: Callable[..., Bootstrap]) -> None:
    policy = bootstrap().role_policy("prod")
    role = f"arn:aws:iam::{ACCOUNT}:role/database-monitoring-1234567"
    tagged = {"aws:ResourceTag/Environment": "prod"}
    monitoring = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    assert allows(policy, "iam:AttachRolePolicy", role, {**tagged, "iam:PolicyARN": monitoring})
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert not allows(policy, "iam:AttachRolePolicy", role, {**tagged, "iam:PolicyARN": admin})
    assert not allows(policy, "iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/someone")


@pytest.mark.parametrize("key", ["prod", "dev", "review", "preview", "boundary"])
def test_policies_have_no_parliament_finding_of_medium_or_higher(
    bootstrap: Callable[..., Bootstrap], key: str
) -> None:
    result = bootstrap()
    document = (
        json.loads(result.one("aws:iam/policy:Policy").inputs["policy"])
        if key == "boundary"
        else result.role_policy(key)
    )
    findings = parliament.analyze_policy_string(json.dumps(document)).findings
    serious = [
        (f.issue, f.detail)
        for f in findings
        if parliament.config.get(f.issue, {}).get("severity") in ("MEDIUM", "HIGH", "CRITICAL")
    ]
    assert serious == []


def test_the_bucket_policy_names_every_ci_role() -> None:
    account = Account(ACCOUNT, "us-east-1", "b", "k", {"prod": "p", "dev": "d", "review": "r"})
    policy = state_bucket_policy(account, ci_roles("dev"))
    principals = {
        s["Condition"]["ArnEquals"]["aws:PrincipalArn"]
        for s in policy["Statement"]
        if "ArnEquals" in s.get("Condition", {})
    }
    assert principals == {
        f"arn:aws:iam::{ACCOUNT}:role/tasking-manager-ci-{k}" for k in ("prod", "dev", "review", "preview")
    }
