"""Review apps: the small layer a review-pr-<N> stack adds on dev, and what dev owns for them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from components.app_spec import security_headers
from components.frontend import review_slot_branch
from components.review_app import REVIEW_PRIORITY_SPAN, database_password, listener_priority
from components.review_base import ADMIN_SCRIPT, review_seed
from offline.aws_limits import QUOTAS, measure
from offline.config import SECRET_PLACEHOLDER
from offline.engine import Plan
from offline.mocks import OFFLINE_ACCOUNT_ID
from offline.report import is_secret
from tests.conftest import plan_for

REVIEW = "review-pr-123"
# The only kinds of resource a review stack may create: nothing that costs a fixed monthly price,
# takes minutes to create, or could block the stack's deletion.
ALLOWED_TYPES = {
    "pulumi:pulumi:Stack",
    "pulumi:providers:aws",
    "tm:aws:ReviewApp",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:ecs/service:Service",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:lb/listenerRule:ListenerRule",
    "aws:lb/targetGroup:TargetGroup",
    "aws:secretsmanager/secret:Secret",
    "aws:secretsmanager/secretVersion:SecretVersion",
    # Off-hours: the scalable target its two scheduled actions (night, morning) scale.
    "aws:appautoscaling/target:Target",
    "aws:appautoscaling/scheduledAction:ScheduledAction",
    "tm:aws:OffHours",
}


@pytest.fixture(scope="module")
def review() -> Plan:
    return plan_for(REVIEW)


@pytest.fixture(scope="module")
def dev() -> Plan:
    return plan_for("dev")


def containers(plan: Plan, role: str) -> list[dict[str, Any]]:
    task = next(
        t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name.endswith(f"-{role}")
    )
    return list(json.loads(task.inputs["containerDefinitions"]))


def test_review_stack_is_a_small_layer(review: Plan) -> None:
    types = {r.type for r in review.resources}
    assert types <= ALLOWED_TYPES, types - ALLOWED_TYPES
    assert len(review.resources) == 18
    assert [r.type for r in review.resources].count("aws:ecs/taskDefinition:TaskDefinition") == 2


def test_nothing_blocks_its_deletion(review: Plan) -> None:
    for resource in review.resources:
        assert not resource.protect, resource.urn
        assert not resource.retain_on_delete, resource.urn
        assert resource.inputs.get("deletionProtection") is not True
        assert resource.inputs.get("enableDeletionProtection") is not True
        assert resource.inputs.get("skipFinalSnapshot") is not False
    (secret,) = review.of_type("aws:secretsmanager/secret:Secret")
    assert secret.inputs["recoveryWindowInDays"] == 0


def test_every_role_it_creates_carries_the_review_permissions_boundary(review: Plan) -> None:
    roles = review.of_type("aws:iam/role:Role")
    assert len(roles) == 2
    for role in roles:
        assert role.inputs["permissionsBoundary"] == (
            f"arn:aws:iam::{OFFLINE_ACCOUNT_ID}:policy/tasking-manager-ci-review-boundary"
        )


def test_one_spot_task_in_the_bases_private_subnets(review: Plan, dev: Plan) -> None:
    (service,) = review.of_type("aws:ecs/service:Service")
    assert service.inputs["desiredCount"] == 1
    assert service.inputs["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    assert service.inputs["networkConfiguration"]["assignPublicIp"] is False
    # Behind dev's NAT like dev's own tasks: not the public subnets, not the database's isolated ones.
    assert service.inputs["networkConfiguration"]["subnets"] == dev.outputs["privateSubnetIds"]
    # No autoscaling on load: its one scalable target only lets the off-hours schedules put it to sleep.
    assert not review.of_type("aws:appautoscaling/policy:Policy")


def test_its_tasks_run_on_the_review_apps_cpu_architecture(review: Plan) -> None:
    tasks = review.of_type("aws:ecs/taskDefinition:TaskDefinition")
    assert {t.name for t in tasks} == {"pr-123-api", "pr-123-migrate"}
    for task in tasks:
        assert task.inputs["runtimePlatform"] == {
            "operatingSystemFamily": "LINUX",
            "cpuArchitecture": "X86_64",
        }


def test_host_rule_on_the_base_listener_with_its_own_priority(review: Plan, dev: Plan) -> None:
    (rule,) = review.of_type("aws:lb/listenerRule:ListenerRule")
    assert rule.inputs["listenerArn"] == dev.outputs["httpsListenerArn"]
    assert rule.inputs["priority"] == 1123
    assert rule.inputs["conditions"] == [{"hostHeader": {"values": ["pr-123.review.tasks-dev.hotosm.org"]}}]
    (target_group,) = review.of_type("aws:lb/targetGroup:TargetGroup")
    assert rule.inputs["actions"] == [{"type": "forward", "targetGroupArn": target_group.outputs["arn"]}]
    assert target_group.inputs["vpcId"] == dev.outputs["vpcId"]
    (service,) = review.of_type("aws:ecs/service:Service")
    assert service.inputs["cluster"] == dev.outputs["clusterArn"]
    assert service.inputs["networkConfiguration"]["securityGroups"] == [dev.outputs["apiSecurityGroupId"]]
    assert review.outputs["apiUrl"] == "https://pr-123.review.tasks-dev.hotosm.org"


def test_runs_the_pull_requests_image(review: Plan, dev: Plan) -> None:
    for role in ("api", "migrate"):
        (container,) = containers(review, role)
        assert container["image"] == f"{dev.outputs['reviewEcrRepositoryUrl']}:pr-123-offline"
        assert container["readonlyRootFilesystem"] is True


def test_its_own_database_and_login_never_the_master(review: Plan, dev: Plan) -> None:
    (api,) = containers(review, "api")
    environment = {v["name"]: v["value"] for v in api["environment"]}
    assert environment["POSTGRES_DB"] == "tm_pr_123"
    assert environment["POSTGRES_ENDPOINT"] == dev.outputs["databaseAddress"]
    secrets = {s["name"]: s["valueFrom"] for s in api["secrets"]}
    (own_secret,) = review.of_type("aws:secretsmanager/secret:Secret")
    assert secrets["POSTGRES_PASSWORD"] == f"{own_secret.outputs['arn']}:password::"
    master = dev.outputs["databaseMasterSecretArn"]
    for resource in review.resources:
        assert master not in json.dumps(resource.inputs, default=str), resource.urn
    (version,) = review.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert is_secret(version.inputs["secretString"])
    login = json.loads(version.inputs["secretString"]["value"])
    assert login == {"username": "tm_pr_123", "password": database_password(SECRET_PLACEHOLDER, "tm_pr_123")}


def test_the_api_answers_to_the_front_end_of_its_slot(review: Plan, dev: Plan) -> None:
    slot_branch = dev.component("tm:aws:ReviewFrontend").of_type("aws:amplify/branch:Branch")[0]
    assert review.outputs["frontendBranch"] == slot_branch.inputs["branchName"] == "slot-1"
    assert (
        review.outputs["frontendAppId"] == dev.outputs["reviewFrontendAppId"] == slot_branch.inputs["appId"]
    )
    assert review.outputs["frontendUrl"] == f"https://slot-1.{dev.outputs['reviewFrontendDomain']}"
    (api,) = containers(review, "api")
    environment = {v["name"]: v["value"] for v in api["environment"]}
    # OSM sends the login back to the slot's host, which dev registered with its OAuth2 application.
    assert environment["TM_REDIRECT_URI"] == f"{review.outputs['frontendUrl']}/authorized"
    assert environment["TM_REDIRECT_URI"] == dev.outputs["reviewRedirectUris"][0]
    assert environment["TM_APP_BASE_URL"] == review.outputs["frontendUrl"]
    # The review API accepts calls from its own front end.
    assert json.loads(environment["EXTRA_CORS_ORIGINS"]) == [review.outputs["frontendUrl"]]


def test_slot_branches_are_numbered_from_one() -> None:
    assert review_slot_branch(3) == "slot-3"
    with pytest.raises(ValueError, match="numbered from 1"):
        review_slot_branch(0)


def test_dev_serves_review_front_ends_from_an_app_without_a_repository(dev: Plan) -> None:
    component = dev.component("tm:aws:ReviewFrontend")
    app = component.one("aws:amplify/app:App")
    assert "repository" not in app.inputs
    assert "accessToken" not in app.inputs
    # Nothing builds on Amplify, and no branch appears or disappears behind Pulumi.
    assert app.inputs["enableBranchAutoBuild"] is False
    assert app.inputs["enableAutoBranchCreation"] is False
    # Behind dev's preview credentials, like dev's own front end.
    assert app.inputs["enableBasicAuth"] is True
    assert is_secret(app.inputs["basicAuthCredentials"])
    # Every route of the single-page app serves index.html, with the same headers as dev's.
    (own,) = [a for a in dev.of_type("aws:amplify/app:App") if a is not app]
    assert app.inputs["customRules"] == own.inputs["customRules"]
    headers = yaml.safe_load(app.inputs["customHeaders"])["customHeaders"]
    assert {h["key"]: h["value"] for h in headers[0]["headers"]} == security_headers()
    branches = component.of_type("aws:amplify/branch:Branch")
    assert [b.inputs["branchName"] for b in branches] == [f"slot-{k}" for k in range(1, 5)]
    assert dev.outputs["reviewSlots"] == 4
    for branch in branches:
        assert branch.inputs["enableAutoBuild"] is False
        assert branch.inputs["stage"] == "DEVELOPMENT"
    assert dev.outputs["reviewRedirectUris"] == [
        f"https://slot-{k}.{dev.outputs['reviewFrontendDomain']}/authorized" for k in range(1, 5)
    ]


def test_review_front_ends_share_public_build_variables_only(dev: Plan) -> None:
    variables = dev.outputs["reviewFrontendBuildEnvironment"]
    (own,) = [b for b in dev.of_type("aws:amplify/branch:Branch") if b.inputs["branchName"] == "develop"]
    # What differs per review app is CI's to add; what dev's front end gets from its app is shared.
    assert not set(variables) & {"TM_APP_API_URL", "TM_APP_BASE_URL", "TM_REDIRECT_URI"}
    assert variables["TM_ENVIRONMENT"] == "review"
    assert variables["OSM_SERVER_URL"] == dev.outputs["osmServerUrl"]
    app = next(a for a in dev.of_type("aws:amplify/app:App") if a.inputs.get("repository"))
    shared = {k: v for k, v in app.inputs["environmentVariables"].items() if k != "AMPLIFY_MONOREPO_APP_ROOT"}
    assert {k: v for k, v in variables.items() if k != "TM_ENVIRONMENT"} == shared
    assert own.inputs["environmentVariables"]["TM_ENVIRONMENT"] == "dev"


def test_a_base_output_the_review_needs_but_the_base_lacks_fails_offline() -> None:
    # prod hosts no review apps: it exports no reviewHost, so planning a review on it fails.
    with pytest.raises(
        Exception,
        match=r"review(Host|DatabaseKey|EcrRepositoryUrl|EcrRepositoryArn|FrontendAppId|FrontendDomain)",
    ):
        plan_for("review-pr-7", {"tm:baseStack": "prod"})


@given(st.integers(min_value=1, max_value=10**6))
def test_priority_is_in_the_allowed_range(pull_request: int) -> None:
    assert 1000 <= listener_priority(pull_request) <= 50_000


@given(
    st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=REVIEW_PRIORITY_SPAN - 1)
)
def test_open_pull_requests_never_share_a_priority(pull_request: int, distance: int) -> None:
    assert listener_priority(pull_request) != listener_priority(pull_request + distance)


def test_priority_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        listener_priority(0)


# -- what dev owns for review apps ------------------------------------------------------------------


def test_dev_owns_the_wildcard_certificate_and_host(dev: Plan) -> None:
    base = dev.component("tm:aws:ReviewBase")
    certificate = base.one("aws:acm/certificate:Certificate")
    assert certificate.inputs["domainName"] == "*.review.tasks-dev.hotosm.org"
    listener_certificate = base.one("aws:lb/listenerCertificate:ListenerCertificate")
    assert listener_certificate.inputs["listenerArn"] == dev.outputs["httpsListenerArn"]
    assert listener_certificate.inputs["certificateArn"] == certificate.outputs["arn"]
    wildcard = next(r for r in base.of_type("aws:route53/record:Record") if r.inputs["type"] == "A")
    assert wildcard.inputs["name"] == "*.review.tasks-dev.hotosm.org"
    assert wildcard.inputs["aliases"][0]["name"] == dev.outputs["loadBalancerDnsName"]


def test_the_database_admin_task_is_trusted_code_with_the_master_login(dev: Plan) -> None:
    base = dev.component("tm:aws:ReviewBase")
    task = base.one("aws:ecs/taskDefinition:TaskDefinition")
    (container,) = json.loads(task.inputs["containerDefinitions"])
    assert container["image"] == "public.ecr.aws/docker/library/postgres:17.6-alpine"
    assert container["command"] == ["sh", "-c", ADMIN_SCRIPT]
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    master = dev.outputs["databaseMasterSecretArn"]
    assert secrets["PGPASSWORD"] == f"{master}:password::"
    key_secret = base.one("aws:secretsmanager/secret:Secret")
    assert secrets["REVIEW_DATABASE_KEY"] == key_secret.outputs["arn"]
    execution = next(r for r in base.of_type("aws:iam/rolePolicy:RolePolicy"))
    statements = {s["Sid"]: s for s in json.loads(execution.inputs["policy"])["Statement"]}
    assert statements["ReadMasterLoginAndReviewKey"]["Resource"] == [master, key_secret.outputs["arn"]]
    assert dev.outputs["reviewDatabaseAdminTaskDefinitionArn"] == task.outputs["arn"]


def test_admin_task_roles_have_the_names_ci_may_pass(dev: Plan) -> None:
    roles = dev.component("tm:aws:ReviewBase").of_type("aws:iam/role:Role")
    assert len(roles) == 2
    assert {r.inputs["namePrefix"] for r in roles} == {"tasking-manager-dev-review-db-admin-"}


def test_the_admin_task_carries_the_seed_well_under_ecss_size_limit(dev: Plan) -> None:
    """The seed travels in the task definition's command: a third of ECS's limit at most, so the
    data set may double before it needs to move elsewhere."""
    assert 'SET ROLE :"name";\n' + review_seed().rstrip("\n") + "\nSQL\n" in ADMIN_SCRIPT
    (size,) = [
        m.value
        for m in measure(dev.component("tm:aws:ReviewBase").resources)
        if m.quota == "ecs.taskDefinition"
    ]
    assert size < QUOTAS["ecs.taskDefinition"].limit // 3


def test_admin_script_derives_the_same_password_and_isolates_databases() -> None:
    # The SQL side of database_password: pgcrypto's hmac(data, key, type) is HMAC(key, data).
    assert "encode(hmac(:'name', :'key', 'sha256'), 'hex')" in ADMIN_SCRIPT
    assert 'REVOKE CONNECT ON DATABASE :"name" FROM PUBLIC;' in ADMIN_SCRIPT
    assert 'REVOKE CONNECT ON DATABASE :"base" FROM PUBLIC;' in ADMIN_SCRIPT
    assert "CREATE EXTENSION IF NOT EXISTS postgis;" in ADMIN_SCRIPT
    assert 'DROP DATABASE IF EXISTS :"name" WITH (FORCE);' in ADMIN_SCRIPT
    # Python's side against RFC 4231's test case 2 (key "Jefe").
    assert database_password("Jefe", "what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_dev_exports_what_review_stacks_read(dev: Plan) -> None:
    needed = {
        "vpcId",
        "privateSubnetIds",
        "clusterArn",
        "clusterName",
        "httpsListenerArn",
        "apiSecurityGroupId",
        "migrateSecurityGroupId",
        "reviewEcrRepositoryUrl",
        "reviewEcrRepositoryArn",
        "appSecretArn",
        "kmsKeyArn",
        "databaseAddress",
        "databasePort",
        "reviewHost",
        "reviewDatabaseKeySecretArn",
        "reviewFrontendAppId",
        "reviewFrontendDomain",
        "osmServerUrl",
        "reviewDatabaseAdminTaskDefinitionArn",
    }
    assert needed <= set(dev.outputs)


@pytest.mark.parametrize("stack", ["dev", "prod", REVIEW])
def test_no_stack_exports_a_secret(stack: str) -> None:
    plan = plan_for(stack)
    assert [name for name, value in plan.outputs.items() if is_secret(value)] == []
    assert SECRET_PLACEHOLDER not in json.dumps(plan.outputs)


def test_the_review_stack_reads_the_key_dev_wrote_to_secrets_manager(dev: Plan) -> None:
    base = dev.component("tm:aws:ReviewBase")
    key_secret = base.one("aws:secretsmanager/secret:Secret")
    assert dev.outputs["reviewDatabaseKeySecretArn"] == key_secret.outputs["arn"]
    version = base.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretId"] == key_secret.outputs["id"]
    assert is_secret(version.inputs["secretString"])
