"""Error tracking: Sentry is on in production by default, for the API, cron and the browser, and
off in dev and review apps; the settings refuse it without its DSNs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components import settings as settings_module
from components.settings import SettingsError, parse_settings
from offline.config import load_stack_config, with_operator_secrets
from offline.engine import Plan
from tests.conftest import plan_for
from tests.test_apm import app_container
from tests.test_app_contract import environment, secret_names

ROOT = Path(__file__).resolve().parent.parent
DSN = "https://0123456789abcdef0123456789abcdef@o68147.ingest.sentry.io/1234567"


def branch_variables(plan: Plan) -> dict[str, Any]:
    """Every branch's build variables, and what the review front ends are built with."""
    variables: dict[str, Any] = dict(plan.outputs.get("reviewFrontendBuildEnvironment") or {})
    for branch in plan.of_type("aws:amplify/branch:Branch"):
        variables.update(branch.inputs.get("environmentVariables") or {})
    return variables


def app_variables(plan: Plan) -> dict[str, Any]:
    apps = plan.of_type("aws:amplify/app:App")
    return dict(apps[0].inputs.get("environmentVariables") or {}) if apps else {}


def test_prod_reports_errors_of_the_api_cron_and_browsers() -> None:
    plan = plan_for("prod")  # with the offline placeholder DSN, as the stack file would set one
    dsn = settings_module.OPERATOR_SETTINGS["sentryFrontendDsn"]
    app_secret = plan.outputs["appSecretArn"]
    for role in ("api", "cron"):
        container = app_container(plan, role)
        assert environment(container)["USE_SENTRY"] == "true", role
        assert secret_names(container)["TM_SENTRY_BACKEND_DSN"] == f"{app_secret}:TM_SENTRY_BACKEND_DSN::", (
            role
        )
    # The browser's DSN on prod's branch only: app variables would reach every branch.
    assert branch_variables(plan)["TM_SENTRY_FRONTEND_DSN"] == dsn
    assert "TM_SENTRY_FRONTEND_DSN" not in app_variables(plan)


@pytest.mark.parametrize("stack", ["dev", "review-pr-123"])
def test_dev_and_review_apps_send_nothing_to_sentry(stack: str) -> None:
    plan = plan_for(stack)
    app_containers = [
        container
        for definition in plan.of_type("aws:ecs/taskDefinition:TaskDefinition")
        for container in json.loads(definition.inputs["containerDefinitions"])
        if "TM_APP_BASE_URL" in environment(container)  # the application's, not dev's admin task
    ]
    assert len(app_containers) >= 2
    for container in app_containers:
        assert environment(container)["USE_SENTRY"] == "false", container["name"]
    assert "TM_SENTRY_FRONTEND_DSN" not in {**branch_variables(plan), **app_variables(plan)}


def _prod_problems(overrides: dict[str, Any], app_secrets: dict[str, str] | None = None) -> dict[str, str]:
    """Prod's settings with its operator secrets but without the offline Sentry placeholder, and
    optionally the app secrets as Pulumi hands them over once decrypted (one JSON value, secret)."""
    config = with_operator_secrets(
        load_stack_config(ROOT, "prod", overrides), [f"tm:{k}" for k in settings_module.OPERATOR_SECRETS]
    )
    values, secret_keys = dict(config.values), list(config.secret_keys)
    if app_secrets is not None:
        values["tm:appSecrets"] = json.dumps(app_secrets)
        secret_keys.append("tm:appSecrets")
    with pytest.raises(SettingsError) as caught:
        parse_settings("prod", values, secret_keys)
    return {p.key: str(p) for p in caught.value.problems}


def test_sentry_without_the_front_end_dsn_is_refused_with_the_command_that_sets_it() -> None:
    problems = _prod_problems({})
    assert "pulumi config set tm:sentryFrontendDsn https://" in problems["tm:sentryFrontendDsn"]


def test_a_malformed_dsn_is_refused_with_an_example() -> None:
    problems = _prod_problems({"tm:sentryFrontendDsn": "https://sentry.io/not-a-dsn"})
    assert "a Sentry DSN like" in problems["tm:sentryFrontendDsn"]


def test_an_empty_back_end_dsn_in_the_app_secrets_is_refused() -> None:
    values = {name: "x" for name in settings_module.APP_SECRET_NAMES} | {"TM_SENTRY_BACKEND_DSN": ""}
    problems = _prod_problems({"tm:sentryFrontendDsn": DSN}, app_secrets=values)
    assert "is empty while tm:app.useSentry is on" in problems["tm:appSecrets.TM_SENTRY_BACKEND_DSN"]


def test_the_dsn_is_not_a_shared_build_variable() -> None:
    with pytest.raises(
        ValueError, match="sets TM_SENTRY_FRONTEND_DSN, which the front-end component derives"
    ):
        plan_for("dev", {"tm:frontend.buildVariables.TM_SENTRY_FRONTEND_DSN": DSN})
