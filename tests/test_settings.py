"""Stack settings: the committed stacks load, and every kind of mistake is named clearly."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import botocore.session
import pytest

from components import settings
from components.settings import BaseSettings, ReviewSettings, SettingsError, parse_settings, tags
from offline.config import load_stack_config, with_operator_secrets, with_operator_settings

OPERATOR_SECRETS = [f"tm:{key}" for key in settings.OPERATOR_SECRETS]

ROOT = Path(__file__).resolve().parent.parent


def settings_of(stack: str, overrides: dict[str, Any] | None = None) -> BaseSettings | ReviewSettings:
    """Settings as the program sees them, with the operator's secrets set (as placeholders)."""
    config = with_operator_secrets(load_stack_config(ROOT, stack, overrides), OPERATOR_SECRETS)
    config = with_operator_settings(config, {f"tm:{k}": v for k, v in settings.OPERATOR_SETTINGS.items()})
    return parse_settings(stack, config.values, config.secret_keys)


def problems_of(stack: str, overrides: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        settings_of(stack, overrides)
    return {p.key: str(p) for p in caught.value.problems}


REVIEW = {
    "tm:environment": "review",
    "tm:pullRequest": 42,
    "tm:owner": "hot-tech",
    "tm:costCenter": "tasking-manager",
    "tm:expiresAt": "2026-12-31",
    "tm:image.tag": "pr-42-0123abcd",
    "tm:slot": 2,
}


def test_prod_settings_load_with_profile_defaults() -> None:
    settings = settings_of("prod")
    assert isinstance(settings, BaseSettings)
    assert settings.environment == "prod"
    assert settings.network.availability_zones == 3
    assert settings.network.nat_gateways == "onePerAz"
    assert settings.network.flow_log_retention_days == 365
    assert settings.dns.frontend_host == "tasks.hotosm.org"


def test_dev_settings_load_with_profile_defaults() -> None:
    settings = settings_of("dev")
    assert isinstance(settings, BaseSettings)
    assert settings.network.availability_zones == 2
    assert settings.network.nat_gateways == "single"
    assert str(settings.network.cidr) == "10.20.0.0/16"


def test_stack_config_overrides_profile() -> None:
    settings = settings_of("dev", {"tm:network.availabilityZones": 3, "tm:network.natGateways": "onePerAz"})
    assert isinstance(settings, BaseSettings)
    assert (settings.network.availability_zones, settings.network.nat_gateways) == (3, "onePerAz")
    # Keys not overridden keep the profile's value.
    assert settings.network.flow_log_retention_days == 30


def test_review_stack_settings_and_tags() -> None:
    settings = parse_settings("review-pr-42", load_stack_config(ROOT, "review-pr-42", REVIEW).values)
    assert isinstance(settings, ReviewSettings)
    assert settings.pull_request == 42
    assert settings.base_stack == "dev"
    assert settings.expires_at == datetime.date(2026, 12, 31)
    assert tags(settings) == {
        "Project": "tasking-manager",
        "Environment": "review",
        "Stack": "review-pr-42",
        "ManagedBy": "pulumi",
        "Owner": "hot-tech",
        "CostCenter": "tasking-manager",
        "PullRequest": "42",
        "ExpiresAt": "2026-12-31",
    }


# One bad value per case: the key set, the key the problem must name, how the given value must be
# shown, and words of what is allowed.
BAD_CONFIGS = [
    ("tm:network.availabilityZones", 4, "tm:network.availabilityZones", "= 4:", "2 or 3"),
    ("tm:network.availabilityZones", "three", "tm:network.availabilityZones", '"three"', "2 or 3"),
    (
        "tm:network.natGateways",
        "twoPerAz",
        "tm:network.natGateways",
        '"twoPerAz"',
        "'single', 'onePerAz' or 'instance'",
    ),
    ("tm:network.natInstanceType", "t3.nano", "tm:network.natInstanceType", '"t3.nano"', "'t4g.nano'"),
    ("tm:network.cidr", "10.0.0.0/33", "tm:network.cidr", '"10.0.0.0/33"', "valid IPv4 network"),
    ("tm:network.cidr", "8.8.0.0/16", "tm:network.cidr", '"8.8.0.0/16"', "private (RFC 1918)"),
    ("tm:network.cidr", "10.0.0.0/24", "tm:network.cidr", '"10.0.0.0/24"', "/16 to /19"),
    ("tm:network.flowLogRetentionDays", 10, "tm:network.flowLogRetentionDays", "= 10:", "14"),
    (
        "tm:network.interfaceEndpoints",
        ["logs", "dynamodb"],
        "tm:network.interfaceEndpoints[1]",
        '"dynamodb"',
        "'ecr.api'",
    ),
    (
        "tm:network.interfaceEndpoints",
        ["logs", "logs"],
        "tm:network.interfaceEndpoints",
        '["logs", "logs"]',
        "more than once",
    ),
    ("tm:network.subnets", 3, "tm:network.subnets", "= 3:", "allowed keys: availabilityZones, cidr"),
    ("tm:region", "Europe", "tm:region", '"Europe"', "AWS region code"),
    ("tm:awsAccountId", "1234", "tm:awsAccountId", '"1234"', "12-digit"),
    ("tm:owner", "", "tm:owner", '""', "AWS tag value"),
    ("tm:dns.apiHost", "API_HOST", "tm:dns.apiHost", '"API_HOST"', "DNS name"),
    (
        "tm:databse",
        {"x": 1},
        "tm:databse",
        '{"x": 1}',
        "allowed keys: api, app, appSecrets, awsAccountId, costCenter, database, databaseUrl, dns, ecs",
    ),
    ("tm:environment", "qa", "tm:environment", '"qa"', "dev, prod, review, staging"),
]


@pytest.mark.parametrize(("key", "value", "named", "shown", "allowed"), BAD_CONFIGS)
def test_bad_value_is_named_with_its_key_value_and_what_is_allowed(
    key: str, value: Any, named: str, shown: str, allowed: str
) -> None:
    problems = problems_of("prod", {key: value})
    assert named in problems, problems
    assert shown in problems[named]
    assert allowed in problems[named]


def test_nat_none_requires_the_endpoints_private_tasks_need() -> None:
    problems = problems_of(
        "dev", {"tm:network.natGateways": "none", "tm:network.interfaceEndpoints": ["logs"]}
    )
    message = problems["tm:network.natGateways"]
    assert "ecr.api, ecr.dkr, secretsmanager" in message
    # With them, no NAT is a valid choice.
    endpoints = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"]
    settings = settings_of(
        "dev", {"tm:network.natGateways": "none", "tm:network.interfaceEndpoints": endpoints}
    )
    assert isinstance(settings, BaseSettings)
    assert settings.network.nat_gateways == "none"


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_a_nat_instance_is_for_dev_and_refused_in_prod_and_staging(stack: str) -> None:
    problems = problems_of(stack, {"tm:network.natGateways": "instance"})
    message = problems["tm:network.natGateways"]
    assert '"instance"' in message
    assert f"{stack} may not use it" in message
    assert "single or onePerAz" in message
    settings = settings_of("dev", {"tm:network.natGateways": "instance"})
    assert isinstance(settings, BaseSettings)
    assert (settings.network.nat_gateways, settings.network.nat_instance_type) == ("instance", "t4g.nano")


@pytest.mark.parametrize(
    ("key", "value", "shown", "says"),
    [
        ("tm:offHours.enabled", True, "true", "off-hours schedules are AWS's"),
        ("tm:frontend.basicAuth", True, "true", "the Kubernetes front end has no basic auth"),
        (
            "tm:review",
            {"host": "r.example.org", "slots": 1, "adminImage": "docker.io/library/postgres:17.6"},
            "true",
            "review apps build on an AWS dev stack",
        ),
        ("tm:observability.apm", "openTelemetry", '"openTelemetry"', "realised on AWS only"),
        ("tm:image.repository", "ecr", '"ecr"', "ecr is the AWS stack's own registry"),
    ],
)
def test_a_kubernetes_stack_refuses_what_only_aws_realises(
    key: str, value: Any, shown: str, says: str
) -> None:
    problems = problems_of("k8s-example", {key: value})
    assert problems[key].startswith(f"{key} = {shown}: "), problems[key]
    assert says in problems[key]


def test_hosts_must_be_inside_the_configured_zone() -> None:
    problems = problems_of("prod", {"tm:dns.zoneName": "example.org"})
    assert set(problems) == {"tm:dns.frontendHost", "tm:dns.apiHost"}
    assert "inside the DNS zone example.org" in problems["tm:dns.apiHost"]


def test_several_problems_are_reported_at_once() -> None:
    problems = problems_of(
        "prod",
        {
            "tm:network.availabilityZones": 5,
            "tm:network.natGateways": "many",
            "tm:region": "moon",
            "tm:network.cidr": "not-a-cidr",
        },
    )
    assert {"tm:network.availabilityZones", "tm:network.natGateways", "tm:region", "tm:network.cidr"} <= set(
        problems
    )


def test_missing_required_key_is_named() -> None:
    config = with_operator_secrets(load_stack_config(ROOT, "prod"), OPERATOR_SECRETS)
    del config.values["tm:owner"]
    with pytest.raises(SettingsError) as caught:
        parse_settings("prod", config.values, config.secret_keys)
    assert [str(p) for p in caught.value.problems] == ["tm:owner = (not set): is required"]


def test_review_stack_needs_its_pull_request_number() -> None:
    config = {k: v for k, v in REVIEW.items() if k != "tm:pullRequest"}
    problems = problems_of("review-pr-42", config)
    assert "is required" in problems["tm:pullRequest"]


def test_review_stack_name_and_pull_request_must_agree() -> None:
    problems = problems_of("review-pr-42", {**REVIEW, "tm:pullRequest": 41})
    assert "must match the stack name 'review-pr-42', i.e. be 42" in problems["tm:pullRequest"]


def test_review_environment_needs_a_review_stack_name() -> None:
    problems = problems_of("pr-42", REVIEW)
    assert "must be named review-pr-<N>" in problems["tm:environment"]


def test_review_named_stack_cannot_be_another_environment() -> None:
    problems = problems_of("review-pr-7", {**REVIEW, "tm:environment": "dev", "tm:pullRequest": 7})
    assert "the environment must be review" in problems["tm:environment"]


def test_review_stack_builds_no_network_of_its_own() -> None:
    problems = problems_of("review-pr-42", {**REVIEW, "tm:network": {"availabilityZones": 2}})
    assert "is not a setting here" in problems["tm:network"]


def test_plan_command_reports_config_mistakes_without_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "offline", "plan", "prod", "--set", "tm:network.natGateways=twoPerAz"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert 'tm:network.natGateways = "twoPerAz"' in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


# -- secrets -------------------------------------------------------------------------------------


def test_a_secret_set_in_plain_text_is_refused_without_showing_it() -> None:
    config = load_stack_config(
        ROOT, "dev", {"tm:githubToken": "ghp_notsosecret", "tm:previewBasicAuth": "a:b"}
    )
    with pytest.raises(SettingsError) as caught:
        parse_settings("dev", config.values, secret_keys=[])
    problems = {p.key: str(p) for p in caught.value.problems}
    assert problems["tm:githubToken"] == (
        "tm:githubToken = (hidden): holds a secret but is stored in plain text; remove it and set it with "
        "`pulumi config set --secret tm:githubToken <value>`"
    )
    assert "tm:previewBasicAuth" in problems
    assert "ghp_notsosecret" not in str(caught.value)


def test_base_stacks_need_the_github_token_and_dev_its_preview_password() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings("dev", load_stack_config(ROOT, "dev").values)
    problems = {p.key: str(p) for p in caught.value.problems}
    assert "`pulumi config set --secret tm:githubToken <token>`" in problems["tm:githubToken"]
    assert "while tm:frontend.basicAuth is on" in problems["tm:previewBasicAuth"]


def test_prod_needs_no_preview_password() -> None:
    config = load_stack_config(ROOT, "prod", {"tm:githubToken": "s3cr3t-value", "tm:app.useSentry": False})
    settings = parse_settings("prod", config.values, secret_keys=["tm:githubToken"])
    assert isinstance(settings, BaseSettings)
    assert settings.preview_basic_auth is None
    assert settings.github_token is not None
    assert "s3cr3t-value" not in repr(settings)  # SecretStr never prints its value


def test_preview_password_must_be_long_enough() -> None:
    config = with_operator_secrets(
        load_stack_config(ROOT, "dev", {"tm:previewBasicAuth": "hot:short"}), OPERATOR_SECRETS
    )
    with pytest.raises(SettingsError) as caught:
        parse_settings("dev", config.values, secret_keys=[*config.secret_keys, "tm:previewBasicAuth"])
    assert [str(p) for p in caught.value.problems] == [
        "tm:previewBasicAuth = (hidden): must be <user>:<password> with a password of at least 12 characters"
    ]


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("TM_CLIENT_SECRET", "abc", "the name TM_CLIENT_SECRET looks like a secret"),
        ("TM_SMTP_PASSWORD", "abc", "the name TM_SMTP_PASSWORD looks like a secret"),
        ("TM_UPLOAD_TOKEN", "abc", "looks like a secret"),
        ("TM_ORG_NAME", "ghp_0123456789abcdef", "the value of TM_ORG_NAME looks like a credential"),
        ("TM_MATOMO_ID", "AKIAABCDEFGHIJKLMNOP", "looks like a credential"),
    ],
)
def test_secret_like_build_variables_are_refused(name: str, value: str, reason: str) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_of("prod", {f"tm:frontend.buildVariables.{name}": value})
    (problem,) = caught.value.problems
    assert problem.key == "tm:frontend.buildVariables"
    assert reason in problem.message
    assert "a React build is public" in problem.message


def test_public_build_variables_are_accepted() -> None:
    settings = settings_of("prod", {"tm:frontend.buildVariables.TM_MATOMO_ID": "42"})
    assert isinstance(settings, BaseSettings)
    assert settings.frontend.build_variables["TM_MATOMO_ID"] == "42"
    assert settings.frontend.build_variables["TM_ORG_CODE"] == "HOT"


def test_review_slots_are_capped_by_the_bases_connection_reserve() -> None:
    dev = settings_of("dev")
    assert isinstance(dev, BaseSettings)
    assert dev.review is not None
    reserve = dev.database.reserved_connections
    assert dev.review.slots == settings.max_review_slots(reserve)
    # Every slot's login at its limit, and the maintenance share, fit in the reserve.
    assert dev.review.slots * settings.REVIEW_CONNECTION_LIMIT + settings.MAINTENANCE_CONNECTIONS <= reserve
    message = problems_of("dev", {"tm:review.slots": dev.review.slots + 1})["tm:review.slots"]
    assert f"= {dev.review.slots + 1}:" in message
    assert f"at most {dev.review.slots}" in message
    assert "tm:database.reservedConnections" in message
    # A bigger reserve holds more.
    more = settings_of(
        "dev", {"tm:review.slots": dev.review.slots + 1, "tm:database.reservedConnections": reserve + 12}
    )
    assert isinstance(more, BaseSettings)


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_review_apps_build_only_on_dev(stack: str) -> None:
    review = settings_of("dev").review
    assert review is not None
    overrides = {
        "tm:review.host": review.host,
        "tm:review.adminImage": review.admin_image,
        "tm:review.slots": review.slots,
    }
    message = problems_of(stack, overrides)["tm:review"]
    assert f"review apps build on dev, never on {stack}; remove tm:review" in message


def _review_problems(overrides: dict[str, Any]) -> dict[str, str]:
    config = load_stack_config(ROOT, "review-pr-42", {**REVIEW, **overrides})
    with pytest.raises(SettingsError) as caught:
        parse_settings("review-pr-42", config.values)
    return {p.key: str(p) for p in caught.value.problems}


def test_a_review_app_fits_in_its_logins_connection_limit() -> None:
    review = parse_settings("review-pr-42", load_stack_config(ROOT, "review-pr-42", REVIEW).values)
    assert isinstance(review, ReviewSettings)
    assert settings.review_app_connections(review.review_app) <= settings.REVIEW_CONNECTION_LIMIT
    message = _review_problems({"tm:reviewApp.dbMaxConnections": 7})["tm:reviewApp.dbMaxConnections"]
    assert "14 connections" in message
    assert f"may hold {settings.REVIEW_CONNECTION_LIMIT}" in message


@pytest.mark.parametrize("slot", [0, 51, "two"])
def test_a_review_slot_is_a_number_from_1_to_50(slot: Any) -> None:
    assert "tm:slot" in _review_problems({"tm:slot": slot})


def test_the_cpu_architectures_are_the_ones_ecs_accepts() -> None:
    ecs = botocore.session.get_session().get_service_model("ecs")
    assert set(get_args(settings.CpuArchitecture)) == set(ecs.shape_for("CPUArchitecture").enum)


@pytest.mark.parametrize(
    ("stack", "key", "overrides"),
    [
        ("prod", "tm:ecs.cpuArchitecture", {}),
        ("review-pr-42", "tm:reviewApp.cpuArchitecture", REVIEW),
    ],
)
def test_another_cpu_architecture_is_refused_naming_both(
    stack: str, key: str, overrides: dict[str, Any]
) -> None:
    config = load_stack_config(ROOT, stack, {**overrides, key: "AMD64"})
    with pytest.raises(SettingsError) as caught:
        parse_settings(stack, config.values)
    problems = {p.key: str(p) for p in caught.value.problems}
    assert '= "AMD64":' in problems[key]
    assert "'X86_64' or 'ARM64'" in problems[key]
