"""The OpenTelemetry collector beside the API when `tm:observability.apm` is `openTelemetry`.

The API runs under `opentelemetry-instrument` (the packages come from images/api: the image step
adds them to the application's image) and sends OTLP over HTTP to this collector on the task's
loopback. The collector sends traces to X-Ray and metrics to CloudWatch as embedded-metric logs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.app_contract import CONTRACT
from components.pinned_images import pinned_image

# AWS Distro for OpenTelemetry collector, pinned: a new version is a reviewed change.
COLLECTOR_IMAGE = pinned_image("otel-collector")
COLLECTOR_NAME = "otel-collector"
# The collector's share of the API task: a hard limit, so its memory_limiter's percentage is of this.
COLLECTOR_MEMORY_MIB = 256
# The smallest API task that keeps 768 MiB for the application beside it (dev's size).
MIN_API_MEMORY_WITH_COLLECTOR = 1024
METRICS_NAMESPACE = "TaskingManager"
OTLP_HTTP_ENDPOINT = "127.0.0.1:4318"
SERVICE_NAME = "tasking-manager-api"
# What the instrumentation measures inside the API that the load balancer cannot see, under the
# HTTP semantic conventions it uses by default (names and units seen in a run of the application
# under the pinned packages): request duration (ms), requests in flight, and the duration of the
# API's own calls out (OpenStreetMap and others, ms). Kept per service only: CloudWatch bills each
# metric and dimension combination, and per-route latency is what X-Ray's traces are for.
API_METRICS = ("http.server.duration", "http.server.active_requests", "http.client.duration")
# One request in ten is traced (new traces; a caller's sampled trace is always continued): enough
# to see slow routes, and X-Ray bills per trace recorded.
TRACE_SAMPLE_RATIO = 0.1


def metrics_log_group_name(stack: str) -> str:
    return f"/tasking-manager/{stack}/otel-metrics"


def collector_config(region: str, metrics_log_group: str) -> dict[str, Any]:
    """The collector's pipeline: OTLP/HTTP in on loopback; traces to X-Ray; API_METRICS to CloudWatch
    per service."""
    processors = ["memory_limiter", "resourcedetection", "batch"]
    return {
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": OTLP_HTTP_ENDPOINT}}}},
        "processors": {
            "memory_limiter": {"check_interval": "5s", "limit_percentage": 80, "spike_limit_percentage": 20},
            "resourcedetection": {"detectors": ["env", "ecs"], "timeout": "2s"},
            "batch": {"timeout": "10s"},
        },
        "exporters": {
            "awsxray": {"region": region},
            "awsemf": {
                "region": region,
                "namespace": METRICS_NAMESPACE,
                "log_group_name": metrics_log_group,
                "dimension_rollup_option": "NoDimensionRollup",
                "resource_to_telemetry_conversion": {"enabled": True},
                # Only what the dashboard shows, per service: not one metric per task or worker.
                "metric_declarations": [
                    {
                        "dimensions": [["service.name"]],
                        "metric_name_selectors": [f"^{re.escape(name)}$" for name in API_METRICS],
                    }
                ],
            },
        },
        "service": {
            "pipelines": {
                "traces": {"receivers": ["otlp"], "processors": processors, "exporters": ["awsxray"]},
                "metrics": {"receivers": ["otlp"], "processors": processors, "exporters": ["awsemf"]},
            },
            "telemetry": {"logs": {"level": "warn"}},
        },
    }


def instrumentation_environment(stack: str) -> dict[str, str]:
    """What `opentelemetry-instrument` reads (images/api/opentelemetry.json lists every name the
    pinned packages know): where the collector listens, what to send, what to leave out."""
    return {
        "OTEL_SERVICE_NAME": SERVICE_NAME,
        "OTEL_RESOURCE_ATTRIBUTES": f"deployment.environment={stack}",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{OTLP_HTTP_ENDPOINT}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_METRICS_EXPORTER": "otlp",
        # The containers' output already goes to CloudWatch Logs.
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": str(TRACE_SAMPLE_RATIO),
        # The load balancer's health checks are not traffic.
        "OTEL_PYTHON_EXCLUDED_URLS": CONTRACT.heartbeat_path.strip("/"),
    }


@dataclass(frozen=True)
class TelemetryCollectorArgs:
    stack: str
    region: str
    kms_key_arn: pulumi.Input[str]
    log_retention_days: int


class TelemetryCollector(pulumi.ComponentResource):
    """`tm:aws:TelemetryCollector`: the collector's container definition for the API task and the
    log group its metrics land in."""

    metrics_log_group: aws.cloudwatch.LogGroup
    container: dict[str, Any]

    def __init__(
        self, name: str, args: TelemetryCollectorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tm:aws:TelemetryCollector", name, None, opts)
        log_group_name = metrics_log_group_name(args.stack)
        self.metrics_log_group = aws.cloudwatch.LogGroup(
            name,
            name=log_group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.container = {
            "name": COLLECTOR_NAME,
            "image": COLLECTOR_IMAGE,
            # A running API outlives its collector (the API waits only for the collector's start).
            "essential": False,
            "memory": COLLECTOR_MEMORY_MIB,
            "command": ["--config=env:AOT_CONFIG_CONTENT"],
            # The pipeline, not a secret; JSON, which the collector reads as YAML.
            "environment": [
                {
                    "name": "AOT_CONFIG_CONTENT",
                    "value": json.dumps(collector_config(args.region, log_group_name)),
                }
            ],
            "readonlyRootFilesystem": True,
            "privileged": False,
            # The image's own non-root user, aoc (images/otel-collector/SOURCES.md).
            "user": "4317",
        }
        self.register_outputs({"metricsLogGroup": self.metrics_log_group.name})
