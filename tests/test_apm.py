"""Application performance monitoring that the application feeds: `tm:observability.apm` runs the
API and cron under the New Relic agent the image ships (`newRelic`, HOT's production today), the API
under OpenTelemetry's instrumentation with a collector beside it (`openTelemetry`), or bare
(`none`); nothing idle runs beside them in any mode."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import parse_wheel_filename

from components.app_contract import CONTRACT, CONTRACT_PATH
from components.app_spec import NEW_RELIC_SECTIONS
from components.settings import SettingsError
from components.telemetry import COLLECTOR_IMAGE
from offline import otel_layer
from offline.engine import Plan
from offline.iam_evaluator import allowed
from tests.conftest import plan_for
from tests.test_app_contract import environment, secret_names
from tests.test_backend import containers

AGENT = ["newrelic-admin", "run-program"]
LAYER = otel_layer.recorded()
ROOT = Path(__file__).resolve().parent.parent
CONTRACT_USER = json.loads((ROOT / "components" / "app_contract.json").read_text())["image"]["user"]


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
    # Without the collector, the task roles hold nothing for traces or metrics.
    for policy in plan.of_type("aws:iam/rolePolicy:RolePolicy"):
        assert "xray:" not in policy.inputs["policy"], policy.name


def test_an_unknown_apm_is_refused_with_what_is_allowed() -> None:
    with pytest.raises(SettingsError) as error:
        plan_for("prod", {"tm:observability.apm": "datadog"})
    assert "tm:observability.apm" in str(error.value)
    assert "'newRelic'" in str(error.value)


# -- openTelemetry ---------------------------------------------------------------------------------

OTEL = {"tm:observability.apm": "openTelemetry"}


def collector_of(plan: Plan) -> tuple[dict[str, Any], dict[str, Any]]:
    """The API task's collector container and its parsed pipeline."""
    api, collector = containers(plan, "api")
    assert api["name"] == "api"
    return collector, yaml.safe_load(environment(collector)["AOT_CONFIG_CONTENT"])


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_open_telemetry_instruments_the_api_and_only_the_api(stack: str) -> None:
    bare = plan_for(stack, {"tm:observability.apm": "none"} if stack == "prod" else None)  # dev: bare
    plan = plan_for(stack, OTEL)
    api = containers(plan, "api")[0]
    # The same command, started by the instrumentation our image step installs.
    assert api["command"] == ["opentelemetry-instrument", *app_container(bare, "api")["command"]]
    assert api["command"][0] in LAYER["programs"]
    otel = {k: v for k, v in environment(api).items() if k.startswith("OTEL_")}
    assert otel, "the instrumentation is told nothing"
    unknown = sorted(set(otel) - set(LAYER["variables"]))
    assert not unknown, f"no pinned OpenTelemetry package reads {unknown}"
    assert otel["OTEL_RESOURCE_ATTRIBUTES"] == f"deployment.environment={stack}"
    # The cron worker and the migration run bare, with no collector beside them.
    for role in ("cron", "migrate"):
        (container,) = containers(plan, role)
        assert container["command"] == app_container(bare, role)["command"], role
        assert not [k for k in environment(container) if k.startswith("OTEL_")], role


def test_the_api_sends_to_the_collector_beside_it() -> None:
    plan = plan_for("prod", OTEL)
    api = containers(plan, "api")[0]
    collector, config = collector_of(plan)
    env = environment(api)
    receiver = config["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://{receiver}"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"  # the receiver's HTTP protocol
    assert receiver.startswith("127.0.0.1:")  # the task's loopback: nothing outside reaches it
    assert "grpc" not in config["receivers"]["otlp"]["protocols"]  # nothing sends gRPC
    # Both signals the SDK exports have a pipeline from that receiver; logs it does not send.
    assert (env["OTEL_TRACES_EXPORTER"], env["OTEL_METRICS_EXPORTER"], env["OTEL_LOGS_EXPORTER"]) == (
        "otlp",
        "otlp",
        "none",
    )
    pipelines = config["service"]["pipelines"]
    assert set(pipelines) == {"traces", "metrics"}
    assert all(p["receivers"] == ["otlp"] for p in pipelines.values())
    assert pipelines["traces"]["exporters"] == ["awsxray"]
    assert pipelines["metrics"]["exporters"] == ["awsemf"]
    # The collector starts first, and its failure never stops the API.
    assert api["dependsOn"] == [{"containerName": collector["name"], "condition": "START"}]
    assert collector["essential"] is False
    assert collector["image"] == COLLECTOR_IMAGE
    assert (
        collector["logConfiguration"]["options"]["awslogs-group"]
        == (api["logConfiguration"]["options"]["awslogs-group"])
    )
    assert (collector["readonlyRootFilesystem"], collector["privileged"]) == (True, False)


def test_the_health_checks_are_not_traced() -> None:
    excluded = environment(containers(plan_for("prod", OTEL), "api")[0])["OTEL_PYTHON_EXCLUDED_URLS"]
    # The instrumentation matches each pattern with re.search against the full URL.
    patterns = [re.compile(p.strip()) for p in excluded.split(",")]
    assert any(p.search(f"http://10.0.1.2:5000{CONTRACT.heartbeat_path}") for p in patterns)
    for route in ("/api/v2/projects/", "/api/v2/system/statistics/"):
        assert not any(p.search(f"http://10.0.1.2:5000{route}") for p in patterns), route


def test_the_collector_may_write_its_metrics_group_and_traces_and_nothing_else() -> None:
    plan = plan_for("prod", OTEL)
    _, config = collector_of(plan)
    (group,) = [g for g in plan.of_type("aws:cloudwatch/logGroup:LogGroup") if g.name == "telemetry"]
    assert config["exporters"]["awsemf"]["log_group_name"] == group.inputs["name"]
    assert group.inputs["kmsKeyId"], "the metrics group is encrypted with the stack key"
    policies = {p.name: json.loads(p.inputs["policy"]) for p in plan.of_type("aws:iam/rolePolicy:RolePolicy")}
    group_arn = group.outputs["arn"]
    stream = f"{group_arn}:log-stream:otel-stream"
    api_role = [policies["backend-api-task"]]
    assert allowed(api_role, "xray:PutTraceSegments", "*")
    assert allowed(api_role, "logs:CreateLogStream", stream)
    assert allowed(api_role, "logs:PutLogEvents", stream)
    other_group = group_arn.replace("otel-metrics", "backend")
    assert not allowed(api_role, "logs:PutLogEvents", f"{other_group}:log-stream:x")
    assert not allowed(api_role, "logs:CreateLogGroup", group_arn)
    # The cron worker's role gets none of it (prod has no ECS Exec: no policy at all).
    assert "backend-worker-task" not in policies


def test_the_layer_is_pinned_for_the_image_it_goes_into() -> None:
    lock = otel_layer.locked(otel_layer.LOCK.read_text())
    assert LAYER["python"] == CONTRACT.python
    # Recorded from exactly these pins: an update of the lock without `make otel-lock` fails here.
    assert LAYER["packages"] == {n: v for n, v in lock.items() if n.startswith("opentelemetry")}
    changed = {n: (v, CONTRACT.python_packages[n]) for n, v in lock.items() if n in CONTRACT.python_packages}
    assert changed, "the layer shares no package with the image: is the lock for this image?"
    assert not {n: vs for n, vs in changed.items() if vs[0] != vs[1]}, (
        "the layer would change the app's packages"
    )
    # What the image has once the layer is in: each instrumentation has its library at a version it supports.
    assert not unmet_instruments(LAYER["instruments"], {**lock, **CONTRACT.python_packages})


def test_every_pinned_package_installs_on_every_platform_the_image_is_built_for() -> None:
    """`make otel-lock` records, per platform of images/platforms, the wheel pip installs there:
    the lock holds its hash (the Dockerfile installs with --require-hashes) and its tags fit that
    platform's CPython and the application image's glibc."""
    lock = otel_layer.LOCK.read_text()
    pins, hashes = otel_layer.locked(lock), otel_layer.locked_hashes(lock)
    base = json.loads(CONTRACT_PATH.read_text())["image"]["base"]
    assert base.endswith("-bookworm")  # Debian 12, glibc 2.36: otel_layer.GLIBC_MINOR
    platforms = otel_layer.PLATFORMS.read_text().strip().split(",")
    assert sorted(LAYER["wheels"]) == sorted(platforms)
    python = tuple(int(part) for part in CONTRACT.python.split("."))
    for platform in platforms:
        wheels = LAYER["wheels"][platform]
        assert set(wheels) == set(pins), platform
        allowed = otel_layer.manylinux_tags(platform)
        supported = {*cpython_tags(python, platforms=allowed), *compatible_tags(python, platforms=allowed)}
        for name, wheel in wheels.items():
            _, version, _, tags = parse_wheel_filename(wheel["wheel"])
            assert str(version) == pins[name], wheel
            assert wheel["sha256"] in hashes[name], wheel
            assert tags & supported, (platform, wheel)


def unmet_instruments(instruments: dict[str, list[str]], packages: dict[str, str]) -> dict[str, list[str]]:
    """Instrumentations none of whose instrumented libraries the image has at a version they support."""
    unmet = {}
    for instrumentation, requirements in instruments.items():
        if not any(
            (req := Requirement(r)).name in packages
            and req.specifier.contains(packages[req.name], prereleases=True)
            for r in requirements
        ):
            unmet[instrumentation] = requirements
    return unmet


def test_an_instrumentation_for_a_version_the_image_lacks_is_caught() -> None:
    installed = {**otel_layer.locked(otel_layer.LOCK.read_text()), **CONTRACT.python_packages}
    older = {**installed, "fastapi": "0.90.0"}
    assert list(unmet_instruments(LAYER["instruments"], older)) == ["opentelemetry-instrumentation-fastapi"]
    without = {k: v for k, v in installed.items() if k != "asyncpg"}
    assert list(unmet_instruments(LAYER["instruments"], without)) == ["opentelemetry-instrumentation-asyncpg"]


def test_the_image_step_installs_into_the_applications_virtualenv() -> None:
    dockerfile = (otel_layer.LAYER / "Dockerfile").read_text()
    python = f"{CONTRACT.virtualenv}/bin/python"
    install = re.search(r"uv pip install (.*?)(&&|$)", dockerfile.replace("\\\n", " "), re.MULTILINE)
    assert install, "the Dockerfile installs nothing"
    words = install.group(1).split()
    assert words[words.index("--python") + 1] == python
    assert "--require-hashes" in words
    assert words[words.index("--requirement") + 1] == f"/tmp/{otel_layer.LOCK.name}"
    assert f"uv pip freeze --python {python}" in dockerfile  # the image's packages, as constraints
    # Back to the application's user; the uv the layer uses is the one that pinned it.
    assert dockerfile.rstrip().splitlines()[-1] == f"USER {CONTRACT_USER}:{CONTRACT_USER}"
    uv_image = re.search(r"^FROM ghcr.io/astral-sh/uv:(\S+) AS uv$", dockerfile, re.MULTILINE)
    makefile = (ROOT / "Makefile").read_text()
    assert uv_image, "the layer's uv is not pinned"
    assert f"UV_VERSION := {uv_image.group(1)}\n" in makefile


def test_open_telemetry_needs_room_for_the_collector() -> None:
    with pytest.raises(SettingsError) as error:
        plan_for("dev", {**OTEL, "tm:api.cpu": 256, "tm:api.memory": 512})
    message = str(error.value)
    for part in ("tm:api.memory", "512", "openTelemetry", "1024"):
        assert part in message, part


def dashboard_metrics(plan: Plan) -> list[list[Any]]:
    (dashboard,) = plan.of_type("aws:cloudwatch/dashboard:Dashboard")
    return [
        row
        for widget in json.loads(dashboard.inputs["dashboardBody"])["widgets"]
        for row in widget["properties"].get("metrics", [])
    ]


def test_the_dashboard_shows_what_the_collector_writes() -> None:
    plan = plan_for("prod", OTEL)
    api = containers(plan, "api")[0]
    awsemf = collector_of(plan)[1]["exporters"]["awsemf"]
    (declaration,) = awsemf["metric_declarations"]
    shown = [row for row in dashboard_metrics(plan) if row and row[0] == awsemf["namespace"]]
    assert shown, "nothing of the collector's on the dashboard"
    for _namespace, metric, *dimensions, _options in shown:
        # A metric the exporter lets through, with exactly a dimension set it writes, whose value
        # is the service name the instrumentation reports.
        assert any(re.fullmatch(s, metric) for s in declaration["metric_name_selectors"]), metric
        names, values = dimensions[0::2], dimensions[1::2]
        assert names in declaration["dimensions"], names
        assert dict(zip(names, values, strict=True)) == {
            "service.name": environment(api)["OTEL_SERVICE_NAME"]
        }
    for apm in ("newRelic", "none"):
        rows = dashboard_metrics(plan_for("prod", {"tm:observability.apm": apm}))
        assert not [row for row in rows if row and row[0] == awsemf["namespace"]], apm
