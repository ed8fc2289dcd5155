"""The OpenTelemetry collector's configuration is one the pinned collector accepts: it validates
against the JSON Schema transcribed from that collector's own config structs
(images/otel-collector/config.schema.json, sources in SOURCES.md there), and against the rules its
Validate() methods apply that a schema cannot express."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from components.telemetry import API_METRICS, COLLECTOR_IMAGE, collector_config
from offline import otel_layer
from tests.conftest import plan_for
from tests.test_app_contract import environment
from tests.test_backend import containers

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "images" / "otel-collector" / "config.schema.json").read_text()
)


def planned_config(stack: str) -> dict[str, Any]:
    collector = containers(plan_for(stack, {"tm:observability.apm": "openTelemetry"}), "api")[1]
    return dict(yaml.safe_load(environment(collector)["AOT_CONFIG_CONTENT"]))


def rule_violations(config: dict[str, Any]) -> list[str]:
    """The collector's checks a JSON Schema cannot express (SOURCES.md, rules marked T)."""
    problems = []
    service = config["service"]
    for pipeline, spec in service["pipelines"].items():
        for kind in ("receivers", "processors", "exporters"):
            for component in spec.get(kind, []):
                if component not in config.get(kind, {}):
                    problems.append(
                        f"pipeline {pipeline} names {kind[:-1]} {component}, which is not defined"
                    )
    limiter = config["processors"].get("memory_limiter", {})
    for limit, spike in (("limit_mib", "spike_limit_mib"), ("limit_percentage", "spike_limit_percentage")):
        if limiter.get(limit, 0) > 0 and limiter.get(spike, 0) >= limiter[limit]:
            problems.append(f"memory_limiter: {spike} must be below {limit}")
    batch = config["processors"].get("batch", {})
    if batch.get("send_batch_max_size", 0) not in (0,) and batch["send_batch_max_size"] < batch.get(
        "send_batch_size", 8192
    ):
        problems.append("batch: send_batch_max_size must be 0 or at least send_batch_size")
    for declaration in config["exporters"].get("awsemf", {}).get("metric_declarations", []):
        for selector in declaration["metric_name_selectors"]:
            try:
                re.compile(selector)
            except re.error as error:  # the collector panics at start on a bad selector
                problems.append(f"awsemf: selector {selector!r} is not a regular expression: {error}")
    return problems


def schema_errors(config: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(config)]


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_planned_configuration_is_one_the_collector_accepts(stack: str) -> None:
    config = planned_config(stack)
    assert not schema_errors(config)
    assert not rule_violations(config)


def test_the_schema_is_of_the_collector_the_stacks_run() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    tag = COLLECTOR_IMAGE.rsplit(":", 1)[1]
    assert f"ADOT collector {tag} " in SCHEMA["title"], "a new collector image needs its schema (SOURCES.md)"


def _parent(config: dict[str, Any], path: str) -> tuple[Any, str]:
    """The node holding the last key of `path` (list items by index), and that key."""
    *parents, last = path.split("/")
    node: Any = config
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node, last


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(config: dict[str, Any]) -> None:
        node, key = _parent(config, path)
        node[key] = value

    return apply


def _rename(path: str, new: str) -> Callable[[dict[str, Any]], None]:
    def apply(config: dict[str, Any]) -> None:
        node, key = _parent(config, path)
        node[new] = node.pop(key)

    return apply


BROKEN: dict[str, Callable[[dict[str, Any]], None]] = {
    "a misspelt key": _rename("exporters/awsemf/log_group_name", "log_group"),
    "an unknown detector": _set("processors/resourcedetection/detectors", ["env", "fargate"]),
    "a component the collector lacks": _rename("exporters/awsxray", "xray"),
    "a traces exporter in the metrics pipeline": _set("service/pipelines/metrics/exporters", ["awsxray"]),
    "a duration without a unit": _set("processors/batch/timeout", "10"),
    "an unknown rollup option": _set("exporters/awsemf/dimension_rollup_option", "AllRollups"),
    "a pipeline naming an undefined processor": _set(
        "service/pipelines/traces/processors", ["memory_limiter", "batch/slow"]
    ),
    "a spike limit above the limit": _set("processors/memory_limiter/spike_limit_percentage", 90),
    "a batch maximum below the batch size": _set("processors/batch/send_batch_max_size", 1),
    "a selector that is not a regular expression": _set(
        "exporters/awsemf/metric_declarations/0/metric_name_selectors", ["^http\\.server\\.duration($"]
    ),
}


@pytest.mark.parametrize("mistake", list(BROKEN))
def test_each_kind_of_mistake_is_caught(mistake: str) -> None:
    config = copy.deepcopy(collector_config("us-east-1", "/tasking-manager/dev/otel-metrics"))
    assert not schema_errors(config)
    assert not rule_violations(config)
    BROKEN[mistake](config)
    assert schema_errors(config) or rule_violations(config), mistake


def test_only_the_api_metrics_reach_cloudwatch_and_per_service() -> None:
    awsemf = collector_config("us-east-1", "/g")["exporters"]["awsemf"]
    (declaration,) = awsemf["metric_declarations"]
    selectors = [re.compile(s) for s in declaration["metric_name_selectors"]]
    for name in API_METRICS:
        assert sum(bool(s.fullmatch(name)) for s in selectors) == 1, name
    # Other metrics the instrumentation records (seen in a run of the application) stay out.
    for other in ("http.server.response.size", "http.server.request.size", "http.server.duration.extra"):
        assert not any(s.search(other) for s in selectors), other
    # One dimension set, the service: CloudWatch bills every metric and dimension combination.
    assert declaration["dimensions"] == [["service.name"]]


def test_the_collector_runs_as_its_images_own_user() -> None:
    sources = (
        Path(__file__).resolve().parent.parent / "images" / "otel-collector" / "SOURCES.md"
    ).read_text()
    image_uid = re.search(r"user `aoc`, uid (\d+)", sources)
    assert image_uid, "SOURCES.md records the image's user"
    collector = containers(plan_for("prod", {"tm:observability.apm": "openTelemetry"}), "api")[1]
    assert collector["user"] == image_uid.group(1)


def test_the_metrics_sent_on_are_ones_the_pinned_instrumentations_record() -> None:
    """Their names as the pinned semantic conventions define them, for the instruments the
    instrumentations create (images/api/opentelemetry.json, from the wheels): a misspelt or
    renamed metric would leave the dashboard empty."""
    recorded = set(otel_layer.recorded()["metrics"])
    assert {"http.server.duration", "http.client.duration"} <= recorded
    assert set(API_METRICS) <= recorded, sorted(set(API_METRICS) - recorded)
