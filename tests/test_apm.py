"""Application performance monitoring that the application feeds: `tm:observability.apm` runs the
API and cron under the New Relic agent the image ships (`newRelic`, HOT's production today) or
bare (`none`), and nothing idle runs beside them in either mode."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.app_contract import CONTRACT
from components.backend_tasks import NEW_RELIC_SECTIONS
from components.settings import SettingsError
from offline.engine import Plan
from tests.conftest import plan_for
from tests.test_app_contract import environment, secret_names
from tests.test_backend import containers

AGENT = ["newrelic-admin", "run-program"]


def app_container(plan: Plan, role: str) -> dict[str, Any]:
    (container,) = containers(plan, role)  # one container per task: no sidecar
    return container


@pytest.mark.parametrize(("stack", "apm"), [("prod", "newRelic"), ("dev", "none")])
def test_each_profile_chooses_its_apm(stack: str, apm: str) -> None:
    plan = plan_for(stack)
    for role in ("api", "cron"):
        assert (app_container(plan, role)["command"][:2] == AGENT) is (apm == "newRelic"), role


def test_every_environment_selects_a_section_the_image_ships() -> None:
    assert set(NEW_RELIC_SECTIONS.values()) <= set(CONTRACT.new_relic_environments)


def test_new_relic_wraps_api_and_cron_and_reads_its_own_section_and_key() -> None:
    stack = "prod"  # newRelic by default
    plan = plan_for(stack)
    app_secret = plan.outputs["appSecretArn"]
    for role in ("api", "cron"):
        container = app_container(plan, role)
        assert container["command"][:2] == AGENT, role
        assert container["command"][2] in ("uvicorn", "python"), role
        env = environment(container)
        # The config file the image ships, and the section of it HOT uses for this environment.
        assert env["NEW_RELIC_CONFIG_FILE"] == CONTRACT.new_relic_config_file == "newrelic.ini"
        assert env["NEW_RELIC_ENVIRONMENT"] == NEW_RELIC_SECTIONS[stack]
        assert env["NEW_RELIC_ENVIRONMENT"] in CONTRACT.new_relic_environments
        assert secret_names(container)["NEW_RELIC_LICENSE_KEY"] == f"{app_secret}:NEW_RELIC_LICENSE_KEY::"
    # The migration is short-lived and runs bare, without the agent's key.
    migrate = app_container(plan, "migrate")
    assert migrate["command"][:2] == ["sh", "-c"]
    assert not {k for k in {**environment(migrate), **secret_names(migrate)} if k.startswith("NEW_RELIC_")}


@pytest.mark.parametrize("stack", ["prod", "dev", "review-pr-123"])
def test_without_apm_nothing_of_new_relic_is_sent(stack: str) -> None:
    # dev and review apps run without APM by default; prod is told to.
    plan = plan_for(stack, {"tm:observability.apm": "none"} if stack == "prod" else None)
    for definition in plan.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        for container in json.loads(definition.inputs["containerDefinitions"]):
            assert container["command"][:2] != AGENT
            names = {*environment(container), *secret_names(container)}
            assert not {n for n in names if n.startswith("NEW_RELIC_")}, definition.name


@pytest.mark.parametrize("apm", ["newRelic", "none"])
def test_no_task_runs_an_idle_sidecar(apm: str) -> None:
    plan = plan_for("prod", {"tm:observability.apm": apm})
    for definition in plan.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        assert len(json.loads(definition.inputs["containerDefinitions"])) == 1, definition.name
    assert not [r for r in plan.resources if "Telemetry" in r.type or "otel" in r.name]


def test_an_unknown_apm_is_refused_with_what_is_allowed() -> None:
    with pytest.raises(SettingsError) as error:
        plan_for("prod", {"tm:observability.apm": "datadog"})
    assert "tm:observability.apm" in str(error.value)
    assert "'newRelic'" in str(error.value)
