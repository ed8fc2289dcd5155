"""The application spec against what the AWS plan deploys and the application's contract: the spec
is the one place the realisations read the application's needs from."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import components.app_spec as app_spec_module
from components.app_contract import CONTRACT
from components.app_spec import (
    REDIRECT_PATH,
    AppSpec,
    HostsSpec,
    Process,
    ReviewSpec,
    app_spec,
    review_spec,
)
from components.settings import BaseSettings, ReviewSettings
from offline.engine import Plan, stack_settings
from offline.mocks import Registration
from tests.conftest import plan_for

BASE_STACKS = ("dev", "staging", "prod")
REVIEW = "review-pr-123"


def spec_of(stack: str) -> AppSpec:
    settings = stack_settings(stack)
    assert isinstance(settings, BaseSettings)
    return app_spec(settings)


def planned_container(plan: Plan, role: str) -> dict[str, Any]:
    (definition,) = [
        r for r in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if r.name == f"backend-{role}"
    ]
    containers = json.loads(definition.inputs["containerDefinitions"])
    return next(c for c in containers if c["name"] == role)


def processes(spec: AppSpec) -> list[Process]:
    return [spec.api.process, spec.scheduler.process, spec.migration.process]


@pytest.mark.parametrize("stack", BASE_STACKS)
def test_each_planned_container_runs_its_process_of_the_spec(stack: str) -> None:
    spec, plan = spec_of(stack), plan_for(stack)
    for process in processes(spec):
        container = planned_container(plan, process.name)
        assert container["command"] == list(process.command)
        assert container["user"] == str(process.user)
        assert sorted(s["name"] for s in container["secrets"]) == sorted(s.variable for s in process.secrets)
        ports = [p["containerPort"] for p in container.get("portMappings", [])]
        assert ports == ([process.port] if process.port else [])


@pytest.mark.parametrize("stack", BASE_STACKS)
def test_the_planned_environment_is_the_spec_s_with_the_planned_database(stack: str) -> None:
    spec, plan = spec_of(stack), plan_for(stack)
    container = planned_container(plan, "api")
    planned = {e["name"]: e["value"] for e in container["environment"]}
    expected = spec.process_environment(spec.api.process, plan.outputs["databaseAddress"])
    assert {k: planned[k] for k in expected} == expected
    # What the plan adds beyond the spec's is where OpenTelemetry's agent finds its collector.
    assert set(planned) - set(expected) <= {k for k in planned if k.startswith("OTEL_")}


@pytest.mark.parametrize("stack", BASE_STACKS)
def test_the_spec_holds_the_application_s_own_facts(stack: str) -> None:
    spec = spec_of(stack)
    assert spec.api.process.port == CONTRACT.port
    assert spec.api.process.health_path == CONTRACT.heartbeat_path
    # The front end and the back end are told the version of the API's paths in the contract.
    version = spec.frontend.build_variables["TM_APP_API_VERSION"]
    assert spec.environment_variables("db.example")["TM_APP_API_VERSION"] == version
    assert all(route.split(" ", 1)[1].startswith(f"/api/{version}/") for route in CONTRACT.write_routes)
    assert spec.scheduler.replicas == 1
    assert spec.scheduler.overlap_during_rollout is False
    assert all(p.user == CONTRACT.uid for p in processes(spec))
    assert "postgis" in spec.database.extensions
    # Every variable the application cannot start without is in each long-running process's
    # environment or secrets.
    for process in (spec.api.process, spec.scheduler.process):
        given = set(spec.environment_variables("db.example")) | {s.variable for s in process.secrets}
        assert CONTRACT.required() <= given, CONTRACT.required() - given


def task_definition(plan: Plan, name: str) -> Registration:
    (definition,) = [r for r in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if r.name == name]
    return definition


@pytest.mark.parametrize("stack", BASE_STACKS)
def test_each_planned_task_has_its_process_s_size_and_reads_each_secret_from_its_store(stack: str) -> None:
    spec, plan = spec_of(stack), plan_for(stack)
    stores = {
        "app": plan.outputs["appSecretArn"],
        "login": plan.outputs["databaseAppLoginSecretArn"],
        "admin": plan.outputs["databaseMasterSecretArn"],
    }
    for process in processes(spec):
        definition = task_definition(plan, f"backend-{process.name}")
        assert (definition.inputs["cpu"], definition.inputs["memory"]) == (
            str(process.size.cpu),
            str(process.size.memory_mib),
        )
        planned = {s["name"]: s["valueFrom"] for s in planned_container(plan, process.name)["secrets"]}
        assert planned == {ref.variable: f"{stores[ref.store]}:{ref.key}::" for ref in process.secrets}
    # Only the migration reads the administrative login.
    assert [p.name for p in processes(spec) if any(s.store == "admin" for s in p.secrets)] == ["migrate"]


@pytest.mark.parametrize("stack", BASE_STACKS)
def test_the_planned_replicas_rollouts_and_scaling_targets_are_the_spec_s(stack: str) -> None:
    spec, plan = spec_of(stack), plan_for(stack)
    (target,) = [t for t in plan.of_type("aws:appautoscaling/target:Target") if t.name == "backend-api"]
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (
        spec.api.min_replicas,
        spec.api.max_replicas,
    )
    targets = {
        p.name: p.inputs["targetTrackingScalingPolicyConfiguration"]["targetValue"]
        for p in plan.of_type("aws:appautoscaling/policy:Policy")
    }
    assert targets == {
        "backend-api-cpu": spec.api.cpu_target_percent,
        "backend-api-memory": spec.api.memory_target_percent,
        "backend-api-requests": spec.api.requests_per_replica,
    }
    services = {s.name: s.inputs for s in plan.of_type("aws:ecs/service:Service")}
    api, cron = services["backend-api"], services["backend-cron"]
    assert api["desiredCount"] == spec.api.min_replicas
    assert api["deploymentMinimumHealthyPercent"] == spec.api.min_available_during_rollout_percent
    assert api["loadBalancers"][0]["containerPort"] == spec.api.port
    assert cron["desiredCount"] == spec.scheduler.replicas
    # No overlap: a rollout never runs more than the scheduler's one replica.
    assert cron["deploymentMaximumPercent"] * spec.scheduler.replicas <= 100


@pytest.mark.parametrize("stack", [*BASE_STACKS, REVIEW])
def test_the_load_balancer_checks_the_api_s_health_path_on_its_port(stack: str) -> None:
    plan = plan_for(stack)
    port, health_path = (
        spec_of(stack).api.process if stack in BASE_STACKS else review_spec_of().api
    ).serving()
    (group,) = plan.of_type("aws:lb/targetGroup:TargetGroup")
    assert group.inputs["port"] == port
    assert group.inputs["healthCheck"]["path"] == health_path
    assert group.inputs["healthCheck"]["matcher"] == "200"


@pytest.mark.parametrize("stack", BASE_STACKS)
def test_the_planned_database_is_the_spec_s(stack: str) -> None:
    spec, plan = spec_of(stack).database, plan_for(stack)
    database = plan.component("tm:aws:Database")
    (stored,) = database.of_type("aws:rds/instance:Instance") or database.of_type("aws:rds/cluster:Cluster")
    inputs = stored.inputs
    assert inputs.get("dbName", inputs.get("databaseName")) == spec.name
    assert inputs["port"] == spec.port
    assert inputs["engineVersion"] == spec.engine_version
    assert inputs["backupRetentionPeriod"] == spec.backup_retention_days
    rules = database.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    # One rule per process of the spec, each on the spec's port.
    assert sorted(r.name for r in rules) == sorted(
        f"database-from-{p.name}" for p in processes(spec_of(stack))
    )
    for rule in rules:
        assert rule.inputs["fromPort"] == rule.inputs["toPort"] == spec.port
    assert (plan.outputs["databaseName"], plan.outputs["databasePort"]) == (spec.name, spec.port)


@pytest.mark.parametrize("stack", BASE_STACKS)
def test_the_planned_front_end_is_the_spec_s(stack: str) -> None:
    spec, plan = spec_of(stack).frontend, plan_for(stack)
    (app,) = [a for a in plan.of_type("aws:amplify/app:App") if a.inputs.get("repository")]
    assert app.inputs["repository"] == spec.repository
    assert app.inputs["buildSpec"] == spec.build_spec
    assert [rule["source"] for rule in app.inputs["customRules"]] == [f"</{spec.spa_route_pattern}/>"]
    (application,) = yaml.safe_load(app.inputs["customHeaders"])["applications"]
    assert application["appRoot"] == spec.app_root
    (rule,) = application["customHeaders"]
    assert {h["key"]: h["value"] for h in rule["headers"]} == spec.headers
    variables = app.inputs["environmentVariables"]
    assert {k: v for k, v in variables.items() if not k.startswith("AMPLIFY_")} == spec.build_variables
    assert variables["AMPLIFY_MONOREPO_APP_ROOT"] == spec.app_root
    branches = [
        b.inputs for b in plan.of_type("aws:amplify/branch:Branch") if b.inputs["appId"] == app.outputs["id"]
    ]
    assert spec.branch in [b["branchName"] for b in branches]


def test_the_build_spec_is_the_build_s_facts() -> None:
    spec = spec_of("dev").frontend
    (application,) = yaml.safe_load(spec.build_spec)["applications"]
    assert application["appRoot"] == spec.app_root
    frontend = application["frontend"]
    install = frontend["phases"]["preBuild"]["commands"]
    assert f"nvm use {spec.build.node_version}" in install
    assert install[-len(spec.build.install_commands) :] == list(spec.build.install_commands)
    assert frontend["phases"]["build"]["commands"] == list(spec.build.build_commands)
    assert frontend["artifacts"]["baseDirectory"] == spec.build.output_directory
    assert frontend["cache"]["paths"] == list(spec.build.cache_paths)


# -- a review app -------------------------------------------------------------------------------


def review_spec_of() -> ReviewSpec:
    settings = stack_settings(REVIEW)
    assert isinstance(settings, ReviewSettings)
    return review_spec(settings)


def test_each_planned_review_task_runs_its_process_of_the_review_spec() -> None:
    spec, plan, dev = review_spec_of(), plan_for(REVIEW), plan_for("dev")
    (own_login,) = plan.of_type("aws:secretsmanager/secret:Secret")
    # Its own login is also the administrative one: dev's admin task created its database.
    stores = {"app": dev.outputs["appSecretArn"], "login": own_login.outputs["arn"]}
    stores["admin"] = stores["login"]
    for process in (spec.api, spec.migration.process):
        definition = task_definition(plan, f"pr-{spec.pull_request}-{process.name}")
        (container,) = json.loads(definition.inputs["containerDefinitions"])
        assert container["name"] == process.name
        assert container["command"] == list(process.command)
        assert container["user"] == str(process.user)
        assert (definition.inputs["cpu"], definition.inputs["memory"]) == (
            str(process.size.cpu),
            str(process.size.memory_mib),
        )
        planned = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        assert planned == {ref.variable: f"{stores[ref.store]}:{ref.key}::" for ref in process.secrets}
        ports = [p["containerPort"] for p in container.get("portMappings", [])]
        assert ports == ([process.port] if process.port else [])
    # No scheduler: only the API's service, with the spec's one replica.
    assert [t.name.rsplit("-", 1)[1] for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition")] == [
        "api",
        "migrate",
    ]
    (service,) = plan.of_type("aws:ecs/service:Service")
    assert service.inputs["desiredCount"] == spec.replicas
    assert service.inputs["deploymentMinimumHealthyPercent"] == spec.min_available_during_rollout_percent


def test_the_planned_review_environment_is_the_review_spec_s() -> None:
    spec, plan, dev = review_spec_of(), plan_for(REVIEW), plan_for("dev")
    (container,) = json.loads(
        task_definition(plan, f"pr-{spec.pull_request}-api").inputs["containerDefinitions"]
    )
    planned = {e["name"]: e["value"] for e in container["environment"]}
    hosts = HostsSpec(
        frontend=plan.outputs["frontendUrl"].removeprefix("https://"),
        api=plan.outputs["apiUrl"].removeprefix("https://"),
    )
    # The OSM server and the database's address and port are the base's, as its outputs say.
    assert planned == spec.environment_variables(
        hosts,
        osm_server_url=dev.outputs["osmServerUrl"],
        database_address=dev.outputs["databaseAddress"],
        database_port=int(dev.outputs["databasePort"]),
    )
    assert planned["POSTGRES_DB"] == spec.database_name == f"tm_pr_{spec.pull_request}"


# -- what the spec may depend on ------------------------------------------------------------------


def _component_modules() -> set[str]:
    return {
        f"components.{path.stem}"
        for path in Path(app_spec_module.__file__).parent.glob("*.py")
        if "pulumi.ComponentResource" in path.read_text()
    }


def test_the_spec_imports_no_cloud_sdk_and_no_component() -> None:
    tree = ast.parse(Path(app_spec_module.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    assert not {
        name for name in imported if name.split(".")[0] in ("pulumi_aws", "pulumi_awsx", "pulumi_kubernetes")
    }
    components = _component_modules()
    assert "components.backend" in components  # the scan finds component modules
    assert not imported & components


def test_the_oauth_facts_are_the_applications() -> None:
    """The redirect URI's path and the OAuth2 scope come from the application's own source (its
    Authorized route and TM_SCOPE's default), via the contract."""
    assert REDIRECT_PATH == CONTRACT.oauth_callback_path == "/authorized"
    variables = app_spec(stack_settings("dev")).environment_variables("db.example")
    assert variables["TM_SCOPE"] == CONTRACT.oauth_default_scope
    assert variables["TM_REDIRECT_URI"].endswith(CONTRACT.oauth_callback_path)
