"""Alerts that mean something: SLO burn-rate alarms, a few saturation alarms, routing, a dashboard."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.kms import PUBLISHING_SERVICES
from components.provider import AwsScope
from components.settings import ObservabilitySettings
from components.slo import BURN_RATE_ALERTS, Severity, error_ratio_threshold
from components.telemetry import API_METRICS, METRICS_NAMESPACE, SERVICE_NAME
from components.trust import service_role_trust

# Every alert's description ends with the section of this runbook that says what to do.
RUNBOOK = "docs/operations/alerts.md"
ELB = "AWS/ApplicationELB"


@dataclass(frozen=True)
class ObservabilityArgs:
    settings: ObservabilitySettings
    scope: AwsScope
    kms_key_arn: pulumi.Input[str]
    load_balancer_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    api_service_name: pulumi.Input[str]
    cron_service_name: pulumi.Input[str]
    # The instance that serves the application: {"DBInstanceIdentifier": ...}, or an Aurora
    # cluster's writer ({"DBClusterIdentifier": ..., "Role": "WRITER"}).
    database_dimensions: Mapping[str, str]
    database_memory_bytes: int
    # The storage autoscaling ceiling; None where storage grows by itself (Aurora).
    database_max_storage_bytes: int | None
    # The connection limit the settings budget against (RDS's formula on the class's memory, or
    # AWS's table for an Aurora Serverless v2 range).
    database_max_connections: int
    # ECR repositories whose images' HIGH and CRITICAL scan findings open a ticket.
    image_repositories: Sequence[pulumi.Input[str]] = ()


def availability_queries(window_seconds: int, lb: str, tg: str) -> list[dict[str, Any]]:
    """Metric-math queries for the error ratio over one window: (target 5xx + ELB 5xx) / requests.

    With no requests there is no ratio (0, not a division by zero)."""

    def metric(query_id: str, name: str, dimensions: dict[str, str]) -> dict[str, Any]:
        return {
            "id": query_id,
            "return_data": False,
            "metric": {
                "namespace": ELB,
                "metric_name": name,
                "dimensions": dimensions,
                "period": window_seconds,
                "stat": "Sum",
            },
        }

    target = {"LoadBalancer": lb, "TargetGroup": tg}
    return [
        metric("target_5xx", "HTTPCode_Target_5XX_Count", target),
        metric("elb_5xx", "HTTPCode_ELB_5XX_Count", {"LoadBalancer": lb}),
        metric("requests", "RequestCount", target),
        {
            "id": "error_ratio",
            "expression": "IF(requests > 0, (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests, 0)",
            "label": "Share of API requests answered with a 5xx",
            "return_data": True,
        },
    ]


# A rollout gate, not an alert: unhealthy API targets for 3 minutes. The ticket alarm on the same
# metric waits 15 minutes; ECS watches a rollout for as long as its alarms' windows.
ROLLOUT_UNHEALTHY = "rollout-unhealthy-targets"
ROLLOUT_UNHEALTHY_PERIODS = 3


def deployment_alarm_names(stack: str) -> tuple[str, ...]:
    """The alarms an API rollout is watched with, rolled back when one fires: the fast burn's
    short window (5xx and slow responses spending the budget) and unhealthy targets. Plain names,
    so the back end can name them although this component, which makes them, is built after it."""
    fast_burn = next(alert for alert in BURN_RATE_ALERTS if alert.name == "fast-burn")
    prefix = f"tasking-manager-{stack}"
    return (f"{prefix}-fast-burn-{_window(fast_burn.short_window_seconds)}", f"{prefix}-{ROLLOUT_UNHEALTHY}")


def image_findings_pattern(repositories: Sequence[str]) -> dict[str, Any]:
    """EventBridge's pattern for a completed ECR scan of one of `repositories` with at least one
    CRITICAL or HIGH finding (the event ECR sends: "Amazon ECR events and EventBridge")."""
    at_least_one = [{"numeric": [">", 0]}]
    return {
        "source": ["aws.ecr"],
        "detail-type": ["ECR Image Scan"],
        "detail": {
            "scan-status": ["COMPLETE"],
            "repository-name": sorted(repositories),
            "$or": [
                {"finding-severity-counts": {"CRITICAL": at_least_one}},
                {"finding-severity-counts": {"HIGH": at_least_one}},
            ],
        },
    }


def _window(seconds: int) -> str:
    return f"{seconds // 3600}h" if seconds >= 3600 else f"{seconds // 60}m"


class Observability(pulumi.ComponentResource):
    """`tm:aws:Observability`: `page` and `ticket` topics, burn-rate and health alarms routed by
    severity, and the stack's dashboard."""

    topics: dict[str, aws.sns.Topic]
    burn_rate_alarms: dict[str, aws.cloudwatch.CompositeAlarm]
    window_alarms: list[aws.cloudwatch.MetricAlarm]
    health_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    dashboard: aws.cloudwatch.Dashboard
    # The alarms that notify someone: what a stack that sleeps pauses at night.
    alerting_alarm_names: list[pulumi.Output[str]]
    # The alarms on the tasks and the database, whose windows are at most 15 minutes.
    health_alarm_names: list[pulumi.Output[str]]

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tm:aws:Observability", name, None, opts)
        self._prefix = f"tasking-manager-{args.scope.stack}"
        self._topics(name, args)
        self._burn_rate_alarms(name, args)
        self._health_alarms(name, args)
        self._rollout_alarm(name, args)
        self._image_findings(name, args)
        self._dashboard(name, args)
        self.health_alarm_names = [alarm.name for alarm in self.health_alarms.values()]
        self.alerting_alarm_names = [
            *(alarm.alarm_name for alarm in self.burn_rate_alarms.values()),
            *self.health_alarm_names,
        ]
        self.register_outputs({f"{severity}TopicArn": topic.arn for severity, topic in self.topics.items()})

    def route(self, severity: Severity) -> aws.sns.Topic:
        """The topic an alert of this severity goes to: outside prod nothing pages."""
        return self.topics.get(severity, self.topics["ticket"])

    # -- routing -----------------------------------------------------------------------------------
    def _topics(self, name: str, args: ObservabilityArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        settings = args.settings
        severities: list[Severity] = ["page", "ticket"] if settings.paging else ["ticket"]
        self.topics = {}
        for severity in severities:
            topic = aws.sns.Topic(
                f"{name}-{severity}",
                name=f"{self._prefix}-{severity}",
                display_name=f"Tasking Manager {args.scope.stack} {severity}",
                kms_master_key_id=args.kms_key_arn,
                opts=child,
            )
            self.topics[severity] = topic
            aws.sns.TopicPolicy(
                f"{name}-{severity}",
                arn=topic.arn,
                policy=pulumi.Output.all(topic.arn, args.scope.account_id).apply(
                    lambda values: json.dumps(_topic_policy(values[0], values[1]))
                ),
                opts=child,
            )
            emails = settings.page_emails if severity == "page" else settings.ticket_emails
            for index, address in enumerate(emails):
                aws.sns.TopicSubscription(
                    f"{name}-{severity}-email-{index}",
                    topic=topic.arn,
                    protocol="email",
                    endpoint=address,
                    opts=child,
                )
        if settings.slack is not None:
            role = aws.iam.Role(
                f"{name}-chatbot",
                description="AWS Chatbot posts the stack's alerts to Slack",
                assume_role_policy=pulumi.Output.from_input(args.scope.account_id).apply(
                    lambda account: service_role_trust("chatbot.amazonaws.com", account)
                ),
                opts=child,
            )
            aws.chatbot.SlackChannelConfiguration(
                f"{name}-slack",
                configuration_name=self._prefix,
                iam_role_arn=role.arn,
                slack_team_id=settings.slack.workspace_id,
                slack_channel_id=settings.slack.channel_id,
                sns_topic_arns=[topic.arn for topic in self.topics.values()],
                # Notifications only: nobody can run commands against the account from Slack.
                guardrail_policy_arns=[
                    pulumi.Output.from_input(args.scope.partition).apply(
                        lambda partition: f"arn:{partition}:iam::aws:policy/CloudWatchReadOnlyAccess"
                    )
                ],
                opts=child,
            )

    # -- SLO ---------------------------------------------------------------------------------------
    def _burn_rate_alarms(self, name: str, args: ObservabilityArgs) -> None:
        """Each alert is two alarms, the long and the short window, joined by an AND composite that
        alone notifies: a short spike or a long-gone incident does not."""
        child = pulumi.ResourceOptions(parent=self)
        target = args.settings.availability.target_percent
        self.burn_rate_alarms, self.window_alarms = {}, []

        def error_ratio(seconds: int) -> pulumi.Output[list[dict[str, Any]]]:
            return pulumi.Output.all(args.load_balancer_arn_suffix, args.target_group_arn_suffix).apply(
                lambda ids: availability_queries(seconds, ids[0], ids[1])
            )

        for alert in BURN_RATE_ALERTS:
            threshold = error_ratio_threshold(alert.burn_rate, target)
            windows = []
            for seconds in (alert.long_window_seconds, alert.short_window_seconds):
                alarm = aws.cloudwatch.MetricAlarm(
                    f"{name}-{alert.name}-{_window(seconds)}",
                    name=f"{self._prefix}-{alert.name}-{_window(seconds)}",
                    alarm_description=(
                        f"Input of {self._prefix}-{alert.name}: error ratio over {_window(seconds)} above "
                        f"{alert.burn_rate}x the {target} % SLO's budget. Notifies nobody by itself."
                    ),
                    comparison_operator="GreaterThanThreshold",
                    threshold=threshold,
                    evaluation_periods=1,
                    metric_queries=error_ratio(seconds),
                    # No traffic spends no budget.
                    treat_missing_data="notBreaching",
                    opts=child,
                )
                windows.append(alarm)
                self.window_alarms.append(alarm)
            long_alarm, short_alarm = windows
            consumed = alert.budget_consumed(args.settings.availability.window_days)
            self.burn_rate_alarms[alert.name] = aws.cloudwatch.CompositeAlarm(
                f"{name}-{alert.name}",
                alarm_name=f"{self._prefix}-{alert.name}",
                alarm_description=(
                    f"{alert.severity.upper()}: API errors are burning the {target} % availability budget "
                    f"{alert.burn_rate}x too fast over {_window(alert.long_window_seconds)} "
                    "and still in the last "
                    f"{_window(alert.short_window_seconds)} ({consumed:.1%} of the budget gone). "
                    f"What to do: see {RUNBOOK}#{alert.name}"
                ),
                alarm_rule=pulumi.Output.all(long_alarm.name, short_alarm.name).apply(
                    lambda names: f'ALARM("{names[0]}") AND ALARM("{names[1]}")'
                ),
                alarm_actions=[self.route(alert.severity).arn],
                # "Resolved" matters for what woke someone; for tickets it is noise.
                ok_actions=[self.route(alert.severity).arn] if alert.severity == "page" else [],
                opts=child,
            )

    # -- saturation and health ---------------------------------------------------------------------
    def _health_alarms(self, name: str, args: ObservabilityArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        service = {"ClusterName": args.cluster_name, "ServiceName": args.api_service_name}
        cron = {"ClusterName": args.cluster_name, "ServiceName": args.cron_service_name}
        target_group = {
            "LoadBalancer": args.load_balancer_arn_suffix,
            "TargetGroup": args.target_group_arn_suffix,
        }
        database = dict(args.database_dimensions)
        latency_bound = args.settings.latency.p95_ms / 1000

        specs: list[dict[str, Any]] = [
            {
                "key": "api-tasks-below-desired",
                "severity": "page",
                "what": "Fewer API tasks run than the service wants, for 15 minutes: tasks are crashing or "
                "cannot be placed.",
                "queries": _missing_tasks(service, "Minimum", "Missing tasks"),
                "threshold": 0,
                "periods": 3,
                # No data means Container Insights sees no service at all: as bad as no tasks.
                "missing": "breaching",
            },
            {
                # Against the desired count, not 1: a stack that sleeps wants no cron task at night.
                "key": "cron-not-running",
                "severity": "ticket",
                "what": "The cron worker has not been running for 15 minutes although the service wants it: "
                "tasks stay locked and project statistics go stale.",
                "queries": _missing_tasks(cron, "Maximum", "Missing cron task"),
                "threshold": 0,
                "periods": 3,
                "missing": "breaching",
            },
            {
                "key": "api-latency",
                "severity": "ticket",
                "what": f"The API's p95 response time has been above the {args.settings.latency.p95_ms} ms "
                "objective for 30 minutes.",
                "metric": (ELB, "TargetResponseTime", target_group, "p95"),
                "threshold": latency_bound,
                "periods": 6,
                "missing": "notBreaching",
            },
            {
                "key": "api-cpu-high",
                "severity": "ticket",
                "what": "API CPU has averaged over 85 % for 15 minutes although autoscaling should have "
                "added "
                "tasks: check the maximum task count.",
                "metric": ("AWS/ECS", "CPUUtilization", service, "Average"),
                "threshold": 85,
                "periods": 3,
                "missing": "notBreaching",
            },
            {
                "key": "api-memory-high",
                "severity": "ticket",
                "what": "API memory has averaged over 90 % for 15 minutes: tasks are close to being killed.",
                "metric": ("AWS/ECS", "MemoryUtilization", service, "Average"),
                "threshold": 90,
                "periods": 3,
                "missing": "notBreaching",
            },
            {
                "key": "unhealthy-targets",
                "severity": "ticket",
                "what": "The load balancer has seen unhealthy API targets for 15 minutes.",
                "metric": (ELB, "UnHealthyHostCount", target_group, "Maximum"),
                "threshold": 0,
                "periods": 3,
                "missing": "notBreaching",
            },
            {
                "key": "database-cpu-high",
                "severity": "ticket",
                "what": "Database CPU has averaged over 80 % for 30 minutes: look at Performance "
                "Insights' top "
                "statements.",
                "metric": ("AWS/RDS", "CPUUtilization", database, "Average"),
                "threshold": 80,
                "periods": 6,
                "missing": "missing",
            },
            {
                "key": "database-storage-low",
                "severity": "ticket",
                "what": "Less than 10 % of the database's maximum storage is free: raise "
                "tm:database.maxAllocatedStorageGb before autoscaling hits its ceiling.",
                "metric": ("AWS/RDS", "FreeStorageSpace", database, "Minimum"),
                "comparison": "LessThanThreshold",
                "threshold": (args.database_max_storage_bytes or 0) // 10,
                "periods": 1,
                "missing": "missing",
            },
            {
                "key": "database-memory-low",
                "severity": "ticket",
                "what": "The database has had less than 10 % of its memory free for 15 minutes: consider a "
                "larger tm:database.instanceClass.",
                "metric": ("AWS/RDS", "FreeableMemory", database, "Minimum"),
                "comparison": "LessThanThreshold",
                "threshold": args.database_memory_bytes // 10,
                "periods": 3,
                "missing": "missing",
            },
            {
                "key": "database-connections-near-limit",
                "severity": "ticket",
                "what": f"Database connections are above 80 % of the instance's limit (~"
                f"{args.database_max_connections}): check pool sizes and task counts against the budget.",
                "metric": ("AWS/RDS", "DatabaseConnections", database, "Maximum"),
                "threshold": int(args.database_max_connections * 0.8),
                "periods": 2,
                "missing": "missing",
            },
        ]
        if args.database_max_storage_bytes is None:  # nothing to run out of: Aurora's storage grows
            specs = [spec for spec in specs if spec["key"] != "database-storage-low"]
        self.health_alarms = {}
        for spec in specs:
            topic = self.route(spec["severity"]).arn
            common: dict[str, Any] = {
                "name": f"{self._prefix}-{spec['key']}",
                "alarm_description": (
                    f"{spec['severity'].upper()}: {spec['what']} What to do: see {RUNBOOK}#{spec['key']}"
                ),
                "comparison_operator": spec.get("comparison", "GreaterThanThreshold"),
                "threshold": spec["threshold"],
                "evaluation_periods": spec["periods"],
                "datapoints_to_alarm": spec["periods"],
                "treat_missing_data": spec["missing"],
                "alarm_actions": [topic],
                "ok_actions": [topic] if spec["severity"] == "page" else [],
            }
            if "queries" in spec:
                common["metric_queries"] = spec["queries"]
            else:
                namespace, metric_name, dimensions, statistic = spec["metric"]
                common.update(namespace=namespace, metric_name=metric_name, dimensions=dimensions, period=300)
                if statistic.startswith("p"):
                    common["extended_statistic"] = statistic
                else:
                    common["statistic"] = statistic
            self.health_alarms[spec["key"]] = aws.cloudwatch.MetricAlarm(
                f"{name}-{spec['key']}", **common, opts=child
            )

    def _rollout_alarm(self, name: str, args: ObservabilityArgs) -> None:
        self.rollout_alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-{ROLLOUT_UNHEALTHY}",
            name=f"{self._prefix}-{ROLLOUT_UNHEALTHY}",
            alarm_description=(
                "Rollout gate of the API service (ECS rolls a deployment back while it fires): unhealthy "
                "targets for 3 minutes. Notifies nobody; unhealthy-targets is the ticket."
            ),
            namespace=ELB,
            metric_name="UnHealthyHostCount",
            dimensions={
                "LoadBalancer": args.load_balancer_arn_suffix,
                "TargetGroup": args.target_group_arn_suffix,
            },
            statistic="Maximum",
            period=60,
            evaluation_periods=ROLLOUT_UNHEALTHY_PERIODS,
            datapoints_to_alarm=ROLLOUT_UNHEALTHY_PERIODS,
            comparison_operator="GreaterThanThreshold",
            threshold=0,
            treat_missing_data="notBreaching",
            opts=pulumi.ResourceOptions(parent=self),
        )

    # -- image scan findings ---------------------------------------------------------------------
    def _image_findings(self, name: str, args: ObservabilityArgs) -> None:
        """ECR's scan of every pushed image (scan on push) ends in an `ECR Image Scan` event: one
        with HIGH or CRITICAL findings in our repositories becomes a ticket, through EventBridge."""
        if not args.image_repositories:
            return
        child = pulumi.ResourceOptions(parent=self)
        rule = aws.cloudwatch.EventRule(
            f"{name}-image-findings",
            name=f"{self._prefix}-image-findings",
            description="HIGH or CRITICAL findings in a scan of this stack's images open a ticket",
            event_pattern=pulumi.Output.all(*args.image_repositories).apply(
                lambda names: json.dumps(image_findings_pattern(names))
            ),
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-image-findings",
            rule=rule.name,
            arn=self.route("ticket").arn,
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths={
                    "repository": "$.detail.repository-name",
                    "digest": "$.detail.image-digest",
                    "critical": "$.detail.finding-severity-counts.CRITICAL",
                    "high": "$.detail.finding-severity-counts.HIGH",
                },
                input_template=(
                    '"TICKET: the scan of <repository>@<digest> found <critical> critical and <high> high '
                    f'vulnerabilities. What to do: see {RUNBOOK}#image-findings"'
                ),
            ),
            opts=child,
        )

    # -- dashboard ---------------------------------------------------------------------------------
    def _dashboard(self, name: str, args: ObservabilityArgs) -> None:
        settings = args.settings
        region = args.scope.region
        slo_seconds = settings.availability.window_days * 86400
        budget = round(1 - settings.availability.target_percent / 100, 10)

        def body(values: list[str]) -> str:
            lb, tg, cluster, api, cron = values
            target = ["LoadBalancer", lb, "TargetGroup", tg]
            api_dims = ["ClusterName", cluster, "ServiceName", api]
            db = [part for dimension in args.database_dimensions.items() for part in dimension]
            storage_bounded = args.database_max_storage_bytes is not None

            def widget(x: int, y: int, title: str, metrics: list[list[Any]], **extra: Any) -> dict[str, Any]:
                properties = {"title": title, "region": region, "metrics": metrics, "view": "timeSeries"}
                properties.update(extra)
                return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6, "properties": properties}

            slo_metrics: list[list[Any]] = [
                [ELB, "HTTPCode_Target_5XX_Count", *target, {"id": "t5", "visible": False, "stat": "Sum"}],
                [
                    ELB,
                    "HTTPCode_ELB_5XX_Count",
                    "LoadBalancer",
                    lb,
                    {"id": "e5", "visible": False, "stat": "Sum"},
                ],
                [ELB, "RequestCount", *target, {"id": "req", "visible": False, "stat": "Sum"}],
                [
                    {
                        "id": "ratio",
                        "expression": "IF(req > 0, (FILL(t5, 0) + FILL(e5, 0)) / req, 0)",
                        "visible": False,
                    }
                ],
                [{"id": "availability", "expression": "100 * (1 - ratio)", "label": "Availability %"}],
                [
                    {
                        "id": "budget",
                        "expression": f"100 * (1 - ratio / {budget})",
                        "label": "Error budget left %",
                    }
                ],
            ]
            widgets = [
                widget(
                    0,
                    0,
                    f"SLO: {settings.availability.target_percent} % over "
                    f"{settings.availability.window_days} days",
                    slo_metrics,
                    view="singleValue",
                    period=slo_seconds,
                ),
                widget(
                    12,
                    0,
                    "Traffic and errors",
                    [
                        [ELB, "RequestCount", *target, {"stat": "Sum", "label": "Requests"}],
                        [ELB, "HTTPCode_Target_5XX_Count", *target, {"stat": "Sum", "label": "API 5xx"}],
                        [ELB, "HTTPCode_Target_4XX_Count", *target, {"stat": "Sum", "label": "API 4xx"}],
                        [
                            ELB,
                            "HTTPCode_ELB_5XX_Count",
                            "LoadBalancer",
                            lb,
                            {"stat": "Sum", "label": "Load balancer 5xx"},
                        ],
                    ],
                    period=300,
                ),
                widget(
                    0,
                    6,
                    f"Latency (objective: p95 under {settings.latency.p95_ms} ms)",
                    [
                        [ELB, "TargetResponseTime", *target, {"stat": stat, "label": stat}]
                        for stat in ("p50", "p95", "p99")
                    ],
                    period=300,
                    annotations={
                        "horizontal": [{"label": "p95 objective", "value": settings.latency.p95_ms / 1000}]
                    },
                ),
                widget(
                    12,
                    6,
                    "API tasks",
                    [
                        ["AWS/ECS", "CPUUtilization", *api_dims, {"stat": "Average", "label": "CPU %"}],
                        ["AWS/ECS", "MemoryUtilization", *api_dims, {"stat": "Average", "label": "Memory %"}],
                        [
                            "ECS/ContainerInsights",
                            "RunningTaskCount",
                            *api_dims,
                            {"stat": "Average", "label": "Running tasks"},
                        ],
                        [
                            "ECS/ContainerInsights",
                            "RunningTaskCount",
                            "ClusterName",
                            cluster,
                            "ServiceName",
                            cron,
                            {"stat": "Maximum", "label": "Cron tasks"},
                        ],
                    ],
                    period=300,
                ),
                widget(
                    0,
                    12,
                    "Database",
                    [
                        ["AWS/RDS", "CPUUtilization", *db, {"stat": "Average", "label": "CPU %"}],
                        [
                            "AWS/RDS",
                            "DatabaseConnections",
                            *db,
                            {"stat": "Maximum", "label": "Connections", "yAxis": "right"},
                        ],
                    ],
                    period=300,
                ),
                widget(
                    12,
                    12,
                    f"Database memory and {'storage' if storage_bounded else 'capacity'}",
                    [
                        ["AWS/RDS", "FreeableMemory", *db, {"stat": "Minimum", "label": "Freeable memory"}],
                        ["AWS/RDS", "FreeStorageSpace", *db, {"stat": "Minimum", "label": "Free storage"}]
                        if storage_bounded
                        # Aurora's storage grows by itself; its Serverless v2 ACUs are what moves.
                        else [
                            "AWS/RDS",
                            "ServerlessDatabaseCapacity",
                            *db,
                            {"stat": "Average", "label": "ACUs (0: paused)", "yAxis": "right"},
                        ],
                    ],
                    period=300,
                ),
            ]
            if settings.apm == "openTelemetry":
                widgets.append(_inside_the_api_widget(region))
            return json.dumps({"widgets": widgets})

        self.dashboard = aws.cloudwatch.Dashboard(
            name,
            dashboard_name=self._prefix,
            dashboard_body=pulumi.Output.all(
                args.load_balancer_arn_suffix,
                args.target_group_arn_suffix,
                args.cluster_name,
                args.api_service_name,
                args.cron_service_name,
            ).apply(body),
            opts=pulumi.ResourceOptions(parent=self),
        )


def _inside_the_api_widget(region: str) -> dict[str, Any]:
    """What the OpenTelemetry collector writes as embedded metrics (components/telemetry.py):
    the API's own view of its requests, and of its calls out; traces are in X-Ray."""
    service = ["service.name", SERVICE_NAME]
    duration, in_flight, calls_out = API_METRICS
    return {
        "type": "metric",
        "x": 0,
        "y": 18,
        "width": 24,
        "height": 6,
        "properties": {
            "title": "Inside the API (OpenTelemetry; per-route traces in X-Ray)",
            "region": region,
            "view": "timeSeries",
            "period": 300,
            "metrics": [
                [METRICS_NAMESPACE, duration, *service, {"stat": "Average", "label": "Request ms (average)"}],
                [METRICS_NAMESPACE, duration, *service, {"stat": "Maximum", "label": "Request ms (slowest)"}],
                [
                    METRICS_NAMESPACE,
                    calls_out,
                    *service,
                    {"stat": "Average", "label": "Calls out ms (average)"},
                ],
                [
                    METRICS_NAMESPACE,
                    in_flight,
                    *service,
                    {"stat": "Maximum", "label": "Requests in flight (a worker's most)", "yAxis": "right"},
                ],
            ],
        },
    }


def _missing_tasks(service: dict[str, Any], running_stat: str, label: str) -> list[dict[str, Any]]:
    """Metric math for the tasks a service wants but does not run (desired - running)."""
    return [
        _stat("running", "ECS/ContainerInsights", "RunningTaskCount", service, running_stat),
        _stat("desired", "ECS/ContainerInsights", "DesiredTaskCount", service, "Maximum"),
        {"id": "missing", "expression": "desired - running", "return_data": True, "label": label},
    ]


def _stat(
    query_id: str, namespace: str, metric: str, dimensions: dict[str, Any], stat: str
) -> dict[str, Any]:
    return {
        "id": query_id,
        "return_data": False,
        "metric": {
            "namespace": namespace,
            "metric_name": metric,
            "dimensions": dimensions,
            "period": 300,
            "stat": stat,
        },
    }


def _topic_policy(topic_arn: str, account_id: str) -> dict[str, Any]:
    """The account manages the topic; CloudWatch alarms, Budgets, Backup and EventBridge rules of
    this account publish."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountManagesTopic",
                "Effect": "Allow",
                "Principal": {"AWS": account_id},
                "Action": [
                    "sns:GetTopicAttributes",
                    "sns:SetTopicAttributes",
                    "sns:Subscribe",
                    "sns:ListSubscriptionsByTopic",
                    "sns:Publish",
                ],
                "Resource": topic_arn,
            },
            {
                "Sid": "AwsServicesOfThisAccountPublish",
                "Effect": "Allow",
                "Principal": {"Service": list(PUBLISHING_SERVICES)},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
        ],
    }
