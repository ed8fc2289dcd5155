"""The application spec against what the AWS plan deploys and the application's contract: the spec
is the one place the realisations read the application's needs from."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.app_contract import CONTRACT
from components.app_spec import AppSpec, Process, app_spec
from components.settings import BaseSettings
from offline.engine import Plan, stack_settings
from tests.conftest import plan_for

BASE_STACKS = ("dev", "staging", "prod")


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
    expected = spec.environment_variables(planned["POSTGRES_ENDPOINT"])
    assert {k: planned[k] for k in expected} == expected
    # What the plan adds beyond the spec's is the APM agent's own configuration, nothing else.
    assert set(planned) - set(expected) <= {k for k in planned if k.startswith(("OTEL_", "NEW_RELIC_"))}


@pytest.mark.parametrize("stack", BASE_STACKS)
def test_the_spec_holds_the_application_s_own_facts(stack: str) -> None:
    spec = spec_of(stack)
    assert spec.api.process.port == CONTRACT.port
    assert spec.api.process.health_path == CONTRACT.heartbeat_path
    assert spec.scheduler.replicas == 1
    assert spec.scheduler.overlap_during_rollout is False
    assert spec.migration.before_rollout is True
    assert all(p.user == CONTRACT.uid for p in processes(spec))
    assert "postgis" in spec.database.extensions
    # Every variable the application cannot start without is in each long-running process's
    # environment or secrets.
    for process in (spec.api.process, spec.scheduler.process):
        given = set(spec.environment_variables("db.example")) | {s.variable for s in process.secrets}
        assert CONTRACT.required() <= given, CONTRACT.required() - given
