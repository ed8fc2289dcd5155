"""The OpenTelemetry collector that runs beside the API: traces to X-Ray, metrics to CloudWatch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import yaml

# AWS Distro for OpenTelemetry collector, pinned: a new version is a reviewed change.
COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
METRICS_NAMESPACE = "TaskingManager"
NEW_RELIC_OTLP = "https://otlp.nr-data.net"


def collector_config(stack: str, region: str, metrics_log_group: str, new_relic: bool) -> dict[str, Any]:
    """The collector's pipeline: OTLP in on localhost; traces to X-Ray, metrics as CloudWatch
    embedded metrics; both to New Relic as well when asked."""
    exporters: dict[str, Any] = {
        "awsxray": {"region": region},
        "awsemf": {
            "region": region,
            "namespace": METRICS_NAMESPACE,
            "log_group_name": metrics_log_group,
            "dimension_rollup_option": "NoDimensionRollup",
            "resource_to_telemetry_conversion": {"enabled": True},
        },
    }
    trace_exporters, metric_exporters = ["awsxray"], ["awsemf"]
    if new_relic:
        exporters["otlphttp/newrelic"] = {
            "endpoint": NEW_RELIC_OTLP,
            "headers": {"api-key": "${env:NEW_RELIC_LICENSE_KEY}"},
        }
        trace_exporters.append("otlphttp/newrelic")
        metric_exporters.append("otlphttp/newrelic")
    processors = ["memory_limiter", "resourcedetection", "batch"]
    return {
        "receivers": {
            "otlp": {
                "protocols": {"grpc": {"endpoint": "127.0.0.1:4317"}, "http": {"endpoint": "127.0.0.1:4318"}}
            }
        },
        "processors": {
            "memory_limiter": {"check_interval": "5s", "limit_percentage": 80, "spike_limit_percentage": 20},
            "resourcedetection": {"detectors": ["env", "ecs"], "timeout": "2s"},
            "batch": {"timeout": "10s"},
        },
        "exporters": exporters,
        "service": {
            "pipelines": {
                "traces": {"receivers": ["otlp"], "processors": processors, "exporters": trace_exporters},
                "metrics": {"receivers": ["otlp"], "processors": processors, "exporters": metric_exporters},
            },
            "telemetry": {"logs": {"level": "warn"}},
        },
    }


@dataclass(frozen=True)
class TelemetryCollectorArgs:
    stack: str
    region: str
    kms_key_arn: pulumi.Input[str]
    log_retention_days: int
    new_relic: bool
    app_secret_arn: pulumi.Input[str]


class TelemetryCollector(pulumi.ComponentResource):
    """`tm:aws:TelemetryCollector`: the collector's container definition for the API task (the back
    end sends its own logs to the task's group) and the log group its metrics land in. The
    application has no OpenTelemetry SDK of its own, so nothing in it is pointed at the collector."""

    metrics_log_group: aws.cloudwatch.LogGroup
    container: pulumi.Output[dict[str, Any]]

    def __init__(
        self, name: str, args: TelemetryCollectorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tm:aws:TelemetryCollector", name, None, opts)
        self.metrics_log_group = aws.cloudwatch.LogGroup(
            name,
            name=f"/tasking-manager/{args.stack}/otel-metrics",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        config = yaml.safe_dump(
            collector_config(
                args.stack, args.region, f"/tasking-manager/{args.stack}/otel-metrics", args.new_relic
            ),
            sort_keys=False,
        )

        def container(app_secret_arn: str) -> dict[str, Any]:
            definition: dict[str, Any] = {
                "name": "otel-collector",
                "image": COLLECTOR_IMAGE,
                # Telemetry must never take the API down with it.
                "essential": False,
                "command": ["--config=env:AOT_CONFIG_CONTENT"],
                # Not a secret: the pipeline; the New Relic key (if any) comes through `secrets`.
                "environment": [{"name": "AOT_CONFIG_CONTENT", "value": config}],
                "readonlyRootFilesystem": True,
                "privileged": False,
                "user": "10001",
            }
            if args.new_relic:
                definition["secrets"] = [
                    {
                        "name": "NEW_RELIC_LICENSE_KEY",
                        "valueFrom": f"{app_secret_arn}:NEW_RELIC_LICENSE_KEY::",
                    }
                ]
            return definition

        self.container = pulumi.Output.from_input(args.app_secret_arn).apply(container)
        self.register_outputs({"metricsLogGroup": self.metrics_log_group.name})
