"""The bootstrap program (bootstrap/) under Pulumi's mocks: who can assume each CI role, what the
state bucket and keys protect, and that the review role is fenced off from prod.

The program runs the way offline/engine.py runs the main one (inside a stack, against a recording
monitor), with its own project name and mocks that answer IAM's OIDC providers, policies and KMS
aliases with the ARNs AWS gives them.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import parliament
import pytest

from offline.iam_evaluator import allowed
from tests import test_review_scripts as review_scripts
from tests.bootstrap_harness import (
    ACCOUNT,
    CONFIG,
    OIDC_ARN,
    REPOSITORY,
    Bootstrap,
    bootstrap_run,
    run_bootstrap,
)
from tm_bootstrap.permissions import Account, ci_roles, state_bucket_policy
from tm_bootstrap.settings import BootstrapSettingsError, parse_settings


@pytest.fixture
def bootstrap() -> Callable[..., Bootstrap]:
    return bootstrap_run


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
        key: result.role(key).inputs["maxSessionDuration"]
        for key in ("prod", "staging", "dev", "review", "preview")
    }
    assert sessions == {"prod": 7200, "staging": 7200, "dev": 7200, "review": 3600, "preview": 3600}


# -- state bucket and keys ---------------------------------------------------------------------
def test_the_state_bucket_is_private_versioned_kms_encrypted_and_protected(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    result = bootstrap().component("tm:bootstrap:StateBackend")
    result.private_bucket(f"tasking-manager-pulumi-state-{ACCOUNT}")

    (rule,) = result.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": result.key_arn("state-state"),
    }
    assert rule["bucketKeyEnabled"] is True
    (lifecycle,) = result.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs[
        "rules"
    ]
    assert lifecycle["noncurrentVersionExpiration"] == {"noncurrentDays": 90}
    assert "expiration" not in lifecycle  # current state is never expired


def test_the_state_bucket_refuses_plain_http(bootstrap: Callable[..., Bootstrap]) -> None:
    state = bootstrap().component("tm:bootstrap:StateBackend")
    policy = json.loads(state.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
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
    result = bootstrap().component("tm:bootstrap:StateBackend")
    keys = result.of_type("aws:kms/key:Key")
    assert sorted(k.name for k in keys) == [
        "state-secrets-dev",
        "state-secrets-prod",
        "state-secrets-review",
        "state-secrets-staging",
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


def _state_object_access(result: Bootstrap, key: str) -> Callable[[str, str], bool]:
    """Whether role `key` may do an action on an object of the state bucket: its identity policy
    and the bucket policy's fences for its ARN, as S3 evaluates both."""
    identity = result.role_policies(key)
    state = result.component("tm:bootstrap:StateBackend")
    bucket_policy = json.loads(state.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    principal = {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/tasking-manager-ci-{key}"}
    fences = {"Statement": [s for s in bucket_policy["Statement"] if s["Effect"] == "Deny"]}
    fences["Statement"].append({"Effect": "Allow", "Action": "*", "Resource": "*"})
    bucket = STATE.removesuffix("/.pulumi")

    def can(action: str, key_in_bucket: str) -> bool:
        obj = f"{bucket}/{key_in_bucket}"
        return allowed(identity, action, obj) and allowed([fences], action, obj, principal)

    return can


@pytest.mark.parametrize(
    ("key", "writes", "reads", "denied"),
    [
        ("prod", ["prod"], [], ["staging", "dev", "review-pr-7"]),
        ("staging", ["staging"], [], ["prod", "dev", "review-pr-7"]),
        ("dev", ["dev"], [], ["prod", "staging", "review-pr-7"]),
        ("review", ["review-pr-7", "review-pr-123"], ["dev"], ["prod", "staging"]),
        ("preview", [], ["dev", "staging", "prod"], ["review-pr-7"]),
        ("drift", [], ["dev", "staging", "prod"], ["review-pr-7"]),
    ],
)
def test_each_role_reaches_only_its_own_stacks_state(
    bootstrap: Callable[..., Bootstrap], key: str, writes: list[str], reads: list[str], denied: list[str]
) -> None:
    object_access = _state_object_access(bootstrap(), key)

    def can(action: str, stack: str) -> bool:
        return object_access(action, f".pulumi/stacks/tasking-manager/{stack}.json")

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
        ("prod", ["prod"], ["staging", "dev", "review"]),
        ("staging", ["staging"], ["prod", "dev", "review"]),
        ("dev", ["dev"], ["prod", "staging", "review"]),
        ("review", ["review", "dev"], ["prod", "staging"]),
        ("preview", ["dev", "staging", "prod"], ["review"]),
    ],
)
def test_each_role_decrypts_only_the_secrets_of_the_stacks_it_reaches(
    bootstrap: Callable[..., Bootstrap], key: str, usable: list[str], unusable: list[str]
) -> None:
    result = bootstrap()
    policy = result.role_policies(key)
    for environment in usable:
        assert allowed(policy, "kms:Decrypt", result.key_arn(f"state-secrets-{environment}")), environment
    for environment in unusable:
        assert not allowed(policy, "kms:Decrypt", result.key_arn(f"state-secrets-{environment}")), environment
    # Nobody administers the bootstrap's keys from CI, or uses the state key but through S3.
    assert not allowed(policy, "kms:ScheduleKeyDeletion", result.key_arn("state-state"))
    assert not allowed(policy, "kms:Decrypt", result.key_arn("state-state"))
    via_s3 = {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    assert allowed(policy, "kms:Decrypt", result.key_arn("state-state"), via_s3)
    assert not allowed(policy, "kms:PutKeyPolicy", result.key_arn(f"state-secrets-{usable[0]}"))


def test_the_review_role_cannot_touch_anything_tagged_prod(bootstrap: Callable[..., Bootstrap]) -> None:
    policy = bootstrap().role_policies("review")
    prod = {"aws:ResourceTag/Environment": "prod"}
    review = {"aws:ResourceTag/Environment": "review"}
    listener_rule = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:listener-rule/app/lb/1/2/3"
    assert allowed(policy, "elasticloadbalancing:DeleteRule", listener_rule, review)
    assert not allowed(policy, "elasticloadbalancing:DeleteRule", listener_rule, prod)
    listener = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:listener/app/lb/1/2"
    assert not allowed(
        policy, "elasticloadbalancing:CreateRule", listener, {**prod, "aws:RequestTag/Environment": "review"}
    )
    # Nor make anything that claims to be prod.
    assert not allowed(policy, "ecs:RegisterTaskDefinition", "*", {"aws:RequestTag/Environment": "prod"})
    assert allowed(policy, "ecs:RegisterTaskDefinition", "*", {"aws:RequestTag/Environment": "review"})
    # Its services go into the base's cluster, nowhere else.
    service = f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/tasking-manager-%s/pr-7-api"
    tagged = {"aws:RequestTag/Environment": "review"}
    cluster = f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/tasking-manager-%s"
    assert allowed(policy, "ecs:CreateService", service % "dev", {**tagged, "ecs:cluster": cluster % "dev"})
    assert not allowed(
        policy, "ecs:CreateService", service % "prod", {**tagged, "ecs:cluster": cluster % "prod"}
    )


def test_the_review_role_only_makes_roles_inside_the_review_boundary(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    result = bootstrap()
    policy = result.role_policies("review")
    role = f"arn:aws:iam::{ACCOUNT}:role/pr-7-task-1234567"
    boundary = result.outputs["reviewPermissionsBoundaryArn"]
    tagged = {"aws:RequestTag/Environment": "review"}
    assert allowed(policy, "iam:CreateRole", role, {**tagged, "iam:PermissionsBoundary": boundary})
    assert not allowed(policy, "iam:CreateRole", role, tagged)
    # Tags sent with CreateRole are authorised as TagRole, whose request names no boundary: only
    # roles named like a review stack's may be tagged, so no other role can be tagged `review`.
    assert allowed(policy, "iam:TagRole", role, tagged)
    other_role = f"arn:aws:iam::{ACCOUNT}:role/someone-elses-role"
    assert not allowed(policy, "iam:TagRole", other_role, tagged)
    assert not allowed(policy, "iam:CreateRole", other_role, {**tagged, "iam:PermissionsBoundary": boundary})
    assert not allowed(policy, "iam:PutRolePolicy", role, {"aws:ResourceTag/Environment": "review"})
    assert not allowed(
        policy, "iam:DeleteRolePermissionsBoundary", role, {"aws:ResourceTag/Environment": "review"}
    )
    # Not even the review boundary lets a review app's roles read prod's secrets.
    boundary_policy = [result.boundary()]
    prod_secret = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tasking-manager/prod/app-AbCdEf"
    dev_secret = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tasking-manager/dev/app-AbCdEf"
    assert not allowed(boundary_policy, "secretsmanager:GetSecretValue", prod_secret)
    assert allowed(boundary_policy, "secretsmanager:GetSecretValue", dev_secret)
    # Review tasks pull review images, and cannot read the key their passwords derive from.
    key = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tasking-manager/dev/review-database-key-AbCdEf"
    assert not allowed(boundary_policy, "secretsmanager:GetSecretValue", key)
    repository = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/tasking-manager/dev/%s"
    assert allowed(boundary_policy, "ecr:BatchGetImage", repository % "review")
    assert not allowed(boundary_policy, "ecr:BatchGetImage", repository % "backend")


def test_the_review_role_pushes_images_only_to_the_review_repository(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    policy = bootstrap().role_policies("review")
    repository = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/tasking-manager/%s"
    # push-image.sh --push-only deletes an expiring review image before pushing it anew.
    for action in ("ecr:PutImage", "ecr:BatchDeleteImage"):
        assert allowed(policy, action, repository % "dev/review"), action
        assert not allowed(policy, action, repository % "dev/backend"), action
        assert not allowed(policy, action, repository % "prod/backend"), action


def test_only_the_review_deploy_reads_the_review_database_key(bootstrap: Callable[..., Bootstrap]) -> None:
    key = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tasking-manager/dev/review-database-key-AbCdEf"
    assert allowed(bootstrap().role_policies("review"), "secretsmanager:GetSecretValue", key)


@pytest.mark.parametrize("key", ["prod", "staging", "dev", "review", "preview", "drift"])
def test_no_role_can_change_the_bootstrap(bootstrap: Callable[..., Bootstrap], key: str) -> None:
    policy = bootstrap().role_policies(key)
    for other in ("prod", "staging", "dev", "review", "preview", "drift"):
        role = f"arn:aws:iam::{ACCOUNT}:role/tasking-manager-ci-{other}"
        assert not allowed(policy, "iam:PutRolePolicy", role, {"aws:ResourceTag/Environment": key})
        assert not allowed(policy, "iam:UpdateAssumeRolePolicy", role, {"aws:ResourceTag/Environment": key})
    bucket = f"arn:aws:s3:::tasking-manager-pulumi-state-{ACCOUNT}"
    assert not allowed(policy, "s3:PutBucketPolicy", bucket)
    assert not allowed(policy, "s3:DeleteBucket", bucket)


@pytest.mark.parametrize("key", ["preview", "drift"])
def test_the_read_only_roles_change_nothing(bootstrap: Callable[..., Bootstrap], key: str) -> None:
    policies = bootstrap().role_policies(key)
    writes = [
        a
        for policy in policies
        for s in policy["Statement"]
        if s["Effect"] == "Allow"
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        if not a.split(":")[1].startswith(("Get", "List", "Describe", "View", "Decrypt"))
    ]
    assert writes == []


def test_the_deploy_roles_attach_only_aws_service_role_policies(bootstrap: Callable[..., Bootstrap]) -> None:
    policy = bootstrap().role_policies("prod")
    role = f"arn:aws:iam::{ACCOUNT}:role/database-monitoring-1234567"
    tagged = {"aws:ResourceTag/Environment": "prod"}
    monitoring = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    assert allowed(policy, "iam:AttachRolePolicy", role, {**tagged, "iam:PolicyARN": monitoring})
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert not allowed(policy, "iam:AttachRolePolicy", role, {**tagged, "iam:PolicyARN": admin})
    assert not allowed(policy, "iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/someone")


@pytest.mark.parametrize("key", ["prod", "staging", "dev", "review", "preview", "drift", "boundary"])
def test_policies_have_no_parliament_finding_of_medium_or_higher(
    bootstrap: Callable[..., Bootstrap], key: str
) -> None:
    result = bootstrap()
    documents = [result.boundary()] if key == "boundary" else result.role_policies(key)
    assert documents
    serious = [
        (f.issue, f.detail)
        for document in documents
        for f in parliament.analyze_policy_string(json.dumps(document)).findings
        if parliament.config.get(f.issue, {}).get("severity") in ("MEDIUM", "HIGH", "CRITICAL")
    ]
    assert serious == []


def test_the_bucket_policy_names_every_ci_role() -> None:
    account = Account(
        ACCOUNT, "us-east-1", "b", "k", {"prod": "p", "staging": "s", "dev": "d", "review": "r"}
    )
    policy = state_bucket_policy(account, ci_roles("dev"))
    principals = {
        s["Condition"]["ArnEquals"]["aws:PrincipalArn"]
        for s in policy["Statement"]
        if "ArnEquals" in s.get("Condition", {})
    }
    assert principals == {
        f"arn:aws:iam::{ACCOUNT}:role/tasking-manager-ci-{k}"
        for k in ("prod", "staging", "dev", "review", "drift", "preview")
    }


@pytest.mark.parametrize("key", ["prod", "staging"])
def test_the_prod_and_staging_roles_only_read_the_dev_release_images_they_promote(
    bootstrap: Callable[..., Bootstrap], key: str
) -> None:
    policy = bootstrap().role_policies(key)
    dev = {"aws:ResourceTag/Environment": "dev"}
    repository = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/tasking-manager/%s"
    for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages"):
        assert allowed(policy, action, repository % "dev/backend", dev), action
        assert not allowed(policy, action, repository % "dev/review", dev), action
    for action in ("ecr:PutImage", "ecr:BatchDeleteImage", "ecr:DeleteRepository", "ecr:SetRepositoryPolicy"):
        assert not allowed(policy, action, repository % "dev/backend", dev), action
    assert not allowed(policy, "ecs:UpdateService", f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/c/s", dev)
    # dev promotes from nobody.
    assert not allowed(
        bootstrap().role_policies("dev"),
        "ecr:BatchGetImage",
        repository % "prod/backend",
        {"aws:ResourceTag/Environment": "prod"},
    )


def test_the_drift_role_reads_only_the_checked_stacks_secrets(bootstrap: Callable[..., Bootstrap]) -> None:
    policy = bootstrap().role_policies("drift")
    secret = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:%s-AbCdEf"
    for stack in ("dev", "staging", "prod"):
        tagged = {"aws:ResourceTag/Environment": stack}
        assert allowed(
            policy, "secretsmanager:GetSecretValue", secret % f"tasking-manager/{stack}/app", tagged
        )
    assert not allowed(policy, "secretsmanager:GetSecretValue", secret % "another-project/api-key")
    assert not allowed(
        policy,
        "secretsmanager:GetSecretValue",
        secret % "tasking-manager/review-pr-7/database",
        {"aws:ResourceTag/Environment": "review"},
    )


# -- review slots --------------------------------------------------------------------------------
def test_only_the_review_role_claims_and_releases_the_bases_review_slots(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    result = bootstrap()
    review = _state_object_access(result, "review")
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        assert review(action, "review-slots/dev/slot-3.json"), action
        assert not review(action, "review-slots/prod/slot-1.json"), action
        assert not review(action, "review-slots/dev/other.json"), action
    for key in ("prod", "staging", "dev", "preview", "drift"):
        other = _state_object_access(result, key)
        assert not other("s3:PutObject", "review-slots/dev/slot-1.json"), key
        assert not other("s3:DeleteObject", "review-slots/dev/slot-1.json"), key


def test_the_review_role_deploys_front_ends_to_slot_branches_only(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    policy = bootstrap().role_policies("review")
    app = f"arn:aws:amplify:us-east-1:{ACCOUNT}:apps/d1a2b3c4d5e6f7"
    for action in ("amplify:CreateDeployment", "amplify:StartDeployment"):
        assert allowed(policy, action, f"{app}/branches/slot-2"), action
        # dev's own front end, and its pull-request previews, are not the review role's.
        assert not allowed(policy, action, f"{app}/branches/develop"), action
        assert not allowed(policy, action, f"{app}/branches/pr-12"), action
    assert allowed(policy, "amplify:GetJob", f"{app}/branches/slot-2/jobs/0000000001")
    assert not allowed(policy, "amplify:GetJob", f"{app}/branches/develop/jobs/0000000001")
    # Review stacks no longer add branches to any app.
    assert not allowed(
        policy, "amplify:CreateBranch", f"{app}/branches/pr-12", {"aws:RequestTag/Environment": "review"}
    )


def test_the_review_role_may_make_every_call_of_the_review_scripts(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    """Each action the slot and front-end scripts declare (tests/test_review_scripts.py derives
    the lists from their calls), on the resources those calls touch."""
    policy = bootstrap().role_policies("review")
    bucket = STATE.removesuffix("/.pulumi")
    app = f"arn:aws:amplify:us-east-1:{ACCOUNT}:apps/d1a2b3c4d5e6f7"
    resources = {
        "s3:ListBucket": bucket,
        "s3:GetObject": f"{bucket}/review-slots/dev/slot-1.json",
        "s3:PutObject": f"{bucket}/review-slots/dev/slot-1.json",
        "s3:DeleteObject": f"{bucket}/review-slots/dev/slot-1.json",
        "amplify:GetApp": app,
        "amplify:CreateDeployment": f"{app}/branches/slot-1",
        "amplify:StartDeployment": f"{app}/branches/slot-1",
        "amplify:GetJob": f"{app}/branches/slot-1/jobs/0000000001",
    }
    actions = review_scripts.review_slots.IAM_ACTIONS | review_scripts.amplify_deploy.IAM_ACTIONS
    assert set(resources) == actions
    for action in sorted(actions):
        assert allowed(policy, action, resources[action]), action
