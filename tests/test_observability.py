"""SLO burn-rate alerts, health alarms, routing and the dashboard."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from components.slo import BURN_RATE_ALERTS, error_budget, error_ratio_threshold
from offline.engine import Plan
from offline.mocks import OFFLINE_ACCOUNT_ID, Registration
from tests.conftest import plan_for
from tests.test_settings import settings_of

CLOUDWATCH = botocore.session.get_session().get_service_model("cloudwatch")
ALERTS_DOC = Path(__file__).resolve().parent.parent / "docs" / "operations" / "alerts.md"


def observability_of(plan: Plan) -> Plan:
    return plan.component("tm:aws:Observability")


def metric_alarms(plan: Plan) -> list[Registration]:
    return observability_of(plan).of_type("aws:cloudwatch/metricAlarm:MetricAlarm")


def composite_alarms(plan: Plan) -> list[Registration]:
    return observability_of(plan).of_type("aws:cloudwatch/compositeAlarm:CompositeAlarm")


def topic_arns(plan: Plan) -> dict[str, str]:
    return {
        t.inputs["name"].rsplit("-", 1)[-1]: t.outputs["arn"]
        for t in observability_of(plan).of_type("aws:sns/topic:Topic")
    }


# -- burn-rate arithmetic ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "fast", "steady", "slow"),
    [
        # burn rate x (1 - SLO), by hand: 14.4 x 1 % = 14.4 %, 6 x 1 % = 6 %, 1 x 1 % = 1 % ...
        (99.0, 0.144, 0.06, 0.01),
        (99.5, 0.072, 0.03, 0.005),
        (99.9, 0.0144, 0.006, 0.001),
    ],
)
def test_burn_rate_thresholds_match_hand_computed_values(
    target: float, fast: float, steady: float, slow: float
) -> None:
    by_name = {alert.name: alert for alert in BURN_RATE_ALERTS}
    assert error_ratio_threshold(by_name["fast-burn"].burn_rate, target) == fast
    assert error_ratio_threshold(by_name["steady-burn"].burn_rate, target) == steady
    assert error_ratio_threshold(by_name["slow-burn"].burn_rate, target) == slow
    assert error_budget(target) == pytest.approx(1 - target / 100)


def test_windows_and_budget_spent_follow_the_workbook() -> None:
    fast, steady, slow = BURN_RATE_ALERTS
    assert (fast.long_window_seconds, fast.short_window_seconds) == (3600, 300)
    assert (steady.long_window_seconds, steady.short_window_seconds) == (21600, 1800)
    assert (slow.long_window_seconds, slow.short_window_seconds) == (86400, 7200)
    assert fast.budget_consumed(30) == pytest.approx(0.02)
    assert steady.budget_consumed(30) == pytest.approx(0.05)
    assert slow.budget_consumed(30) == pytest.approx(1 / 30)
    # CloudWatch looks back at most a day.
    assert all(a.long_window_seconds <= 86400 for a in BURN_RATE_ALERTS)


def test_slo_follows_its_setting() -> None:
    plan = plan_for("prod", {"tm:observability.availability.targetPercent": 99.9})
    fast = next(a for a in metric_alarms(plan) if a.inputs["name"].endswith("fast-burn-1h"))
    assert fast.inputs["threshold"] == 0.0144  # 14.4 x (100 % - 99.9 %), exactly


# -- every alarm's semantics ------------------------------------------------------------------------


# Dimensions as `name=what`: the stack's cluster, api and cron services, load balancer (lb), target
# group (tg) and database (db).
SERVICE, CRON = "ClusterName=cluster,ServiceName=api", "ClusterName=cluster,ServiceName=cron"
TARGETS, DATABASE = "LoadBalancer=lb,TargetGroup=tg", "DBInstanceIdentifier=db"


@dataclass(frozen=True)
class Semantics:
    """What an alarm watches and when it fires: `signal` as `signal_of` spells it, `threshold` per
    base stack, `datapoints` None when unset (CloudWatch then needs every evaluation period),
    `severity` None for an alarm that notifies nobody itself (a composite's input, a rollout gate)."""

    signal: str
    comparison: str
    threshold: dict[str, float]
    periods: int
    datapoints: int | None
    missing: str
    severity: str | None
    why: str


def _both(value: float) -> dict[str, float]:
    return {"prod": value, "dev": value}


def _error_ratio(seconds: int) -> str:
    return (
        f"target_5xx=AWS/ApplicationELB:HTTPCode_Target_5XX_Count[{TARGETS}]:Sum/{seconds}; "
        f"elb_5xx=AWS/ApplicationELB:HTTPCode_ELB_5XX_Count[LoadBalancer=lb]:Sum/{seconds}; "
        f"requests=AWS/ApplicationELB:RequestCount[{TARGETS}]:Sum/{seconds}; "
        "*error_ratio=IF(requests > 0, (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests, 0)"
    )


def _window(seconds: int, threshold: dict[str, float], why: str) -> Semantics:
    """A burn-rate window: the error ratio over the whole window in one datapoint; no traffic
    spends no budget; it notifies nobody (its composite does)."""
    return Semantics(
        signal=_error_ratio(seconds),
        comparison="GreaterThanThreshold",
        threshold=threshold,
        periods=1,
        datapoints=None,
        missing="notBreaching",
        severity=None,
        why=why,
    )


# Burn rate x error budget, by hand: prod's 99.5 % leaves 0.5 %, dev's 99 % leaves 1 %.
FAST = {"prod": 0.072, "dev": 0.144}  # 14.4 x
STEADY = {"prod": 0.03, "dev": 0.06}  # 6 x
SLOW = {"prod": 0.005, "dev": 0.01}  # 1 x
GIB = 2**30
# Alarm name (after `tasking-manager-<stack>-`) -> its semantics. A new alarm needs a row here.
ALARMS: dict[str, Semantics] = {
    "fast-burn-1h": _window(3600, FAST, "14.4x the budget's pace: 2 % of the budget in an hour"),
    "fast-burn-5m": _window(300, FAST, "and still burning that fast in the last 5 minutes"),
    "steady-burn-6h": _window(21600, STEADY, "6x the budget's pace: 5 % of the budget in 6 hours"),
    "steady-burn-30m": _window(1800, STEADY, "and still burning that fast in the last 30 minutes"),
    "slow-burn-24h": _window(86400, SLOW, "the budget's own pace for a day: 3.3 % of it"),
    "slow-burn-2h": _window(7200, SLOW, "and still in the last 2 hours"),
    "api-tasks-below-desired": Semantics(
        signal=f"running=ECS/ContainerInsights:RunningTaskCount[{SERVICE}]:Minimum/300; "
        f"desired=ECS/ContainerInsights:DesiredTaskCount[{SERVICE}]:Maximum/300; "
        "*missing=desired - running",
        comparison="GreaterThanThreshold",
        threshold=_both(0),
        periods=3,
        datapoints=3,
        missing="breaching",
        severity="page",
        why="a task missing (desired - running above 0) for 15 minutes; no data: no service at all",
    ),
    "cron-not-running": Semantics(
        signal=f"running=ECS/ContainerInsights:RunningTaskCount[{CRON}]:Maximum/300; "
        f"desired=ECS/ContainerInsights:DesiredTaskCount[{CRON}]:Maximum/300; "
        "*missing=desired - running",
        comparison="GreaterThanThreshold",
        threshold=_both(0),
        periods=3,
        datapoints=3,
        missing="breaching",
        severity="ticket",
        why="the cron task the service wants absent for 15 minutes (none wanted at night when the stack "
        "sleeps); no data means no task",
    ),
    "api-latency": Semantics(
        signal=f"AWS/ApplicationELB:TargetResponseTime[{TARGETS}]:p95/300",
        comparison="GreaterThanThreshold",
        threshold={"prod": 1.0, "dev": 2.0},
        periods=6,
        datapoints=6,
        missing="notBreaching",
        severity="ticket",
        why="p95 over the latency SLO for 30 minutes (prod 1000 ms, dev 2000 ms; metric in seconds)",
    ),
    "api-cpu-high": Semantics(
        signal=f"AWS/ECS:CPUUtilization[{SERVICE}]:Average/300",
        comparison="GreaterThanThreshold",
        threshold=_both(85),
        periods=3,
        datapoints=3,
        missing="notBreaching",
        severity="ticket",
        why="far above autoscaling's 60 % target for 15 minutes: the task maximum is reached",
    ),
    "api-memory-high": Semantics(
        signal=f"AWS/ECS:MemoryUtilization[{SERVICE}]:Average/300",
        comparison="GreaterThanThreshold",
        threshold=_both(90),
        periods=3,
        datapoints=3,
        missing="notBreaching",
        severity="ticket",
        why="tasks close to being killed, for 15 minutes",
    ),
    "unhealthy-targets": Semantics(
        signal=f"AWS/ApplicationELB:UnHealthyHostCount[{TARGETS}]:Maximum/300",
        comparison="GreaterThanThreshold",
        threshold=_both(0),
        periods=3,
        datapoints=3,
        missing="notBreaching",
        severity="ticket",
        why="any unhealthy target for 15 minutes",
    ),
    "rollout-unhealthy-targets": Semantics(
        signal=f"AWS/ApplicationELB:UnHealthyHostCount[{TARGETS}]:Maximum/60",
        comparison="GreaterThanThreshold",
        threshold=_both(0),
        periods=3,
        datapoints=3,
        missing="notBreaching",
        severity=None,
        why="any unhealthy target for 3 minutes rolls a deployment back (ECS reads it, nobody is told)",
    ),
    "database-cpu-high": Semantics(
        signal=f"AWS/RDS:CPUUtilization[{DATABASE}]:Average/300",
        comparison="GreaterThanThreshold",
        threshold=_both(80),
        periods=6,
        datapoints=6,
        missing="missing",
        severity="ticket",
        why="over 80 % for 30 minutes; a gap in RDS's metrics keeps the alarm's state",
    ),
    "database-storage-low": Semantics(
        signal=f"AWS/RDS:FreeStorageSpace[{DATABASE}]:Minimum/300",
        comparison="LessThanThreshold",
        # 10 % of the autoscaling ceiling: prod 500 GiB, dev 100 GiB.
        threshold={"prod": 50 * GIB, "dev": 10 * GIB},
        periods=1,
        datapoints=1,
        missing="missing",
        severity="ticket",
        why="free storage only shrinks: one datapoint under 10 % of the ceiling is enough",
    ),
    "database-memory-low": Semantics(
        signal=f"AWS/RDS:FreeableMemory[{DATABASE}]:Minimum/300",
        comparison="LessThanThreshold",
        # 10 % of the class's memory in whole bytes: db.t4g.large 8 GiB, db.t4g.micro 1 GiB.
        threshold={"prod": 8 * GIB // 10, "dev": 1 * GIB // 10},
        periods=3,
        datapoints=3,
        missing="missing",
        severity="ticket",
        why="under 10 % of the memory free for 15 minutes",
    ),
    "database-connections-near-limit": Semantics(
        signal=f"AWS/RDS:DatabaseConnections[{DATABASE}]:Maximum/300",
        comparison="GreaterThanThreshold",
        # 80 % of max_connections (memory / 9531392): of 901 on db.t4g.large, of 112 on db.t4g.micro.
        threshold={"prod": 720, "dev": 89},
        periods=2,
        datapoints=2,
        missing="missing",
        severity="ticket",
        why="over 80 % of the instance's connection limit for 10 minutes",
    ),
}


def signal_of(plan: Plan, inputs: dict[str, Any]) -> str:
    """`namespace:metric[dimension=what,...]:statistic/period`, or each metric-math query (`*`
    marks the one returned); a dimension's value by what it names (see SERVICE, TARGETS...)."""
    balancer = plan.component("tm:aws:LoadBalancer")
    names = {
        ("ClusterName", plan.outputs["clusterName"]): "cluster",
        ("ServiceName", plan.outputs["apiServiceName"]): "api",
        ("ServiceName", plan.outputs["cronServiceName"]): "cron",
        ("DBInstanceIdentifier", plan.outputs["databaseIdentifier"]): "db",
        ("LoadBalancer", balancer.one("aws:lb/loadBalancer:LoadBalancer").outputs["arnSuffix"]): "lb",
        ("TargetGroup", balancer.one("aws:lb/targetGroup:TargetGroup").outputs["arnSuffix"]): "tg",
    }

    def metric(namespace: str, name: str, dimensions: dict[str, Any], stat: str, period: float) -> str:
        where = ",".join(
            f"{key}={names.get((key, value), value)}" for key, value in sorted(dimensions.items())
        )
        return f"{namespace}:{name}[{where}]:{stat}/{int(period)}"

    def query(item: dict[str, Any]) -> str:
        mark = "*" if item.get("returnData") else ""
        if "expression" in item:
            return f"{mark}{item['id']}={item['expression']}"
        m = item["metric"]
        return f"{mark}{item['id']}=" + metric(
            m["namespace"], m["metricName"], m["dimensions"], m["stat"], m["period"]
        )

    if "metricQueries" in inputs:
        return "; ".join(query(item) for item in inputs["metricQueries"])
    statistic = inputs.get("statistic") or inputs["extendedStatistic"]
    return metric(
        inputs["namespace"], inputs["metricName"], inputs["dimensions"], statistic, inputs["period"]
    )


def test_every_alarm_has_a_row_of_expected_semantics(base_plan: Plan) -> None:
    prefix = f"tasking-manager-{base_plan.stack}-"
    planned = {a.inputs["name"].removeprefix(prefix) for a in metric_alarms(base_plan)}
    assert planned == set(ALARMS), (
        f"alarms without a row: {sorted(planned - set(ALARMS))}; rows without an alarm: "
        f"{sorted(set(ALARMS) - planned)}"
    )


@pytest.mark.parametrize("key", sorted(ALARMS))
@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_each_alarm_fires_exactly_as_intended(stack: str, key: str) -> None:
    plan = plan_for(stack)
    expected = ALARMS[key]
    alarm = next(a for a in metric_alarms(plan) if a.inputs["name"] == f"tasking-manager-{stack}-{key}")
    inputs = alarm.inputs
    assert signal_of(plan, inputs) == expected.signal
    assert inputs["comparisonOperator"] == expected.comparison
    assert inputs["threshold"] == expected.threshold[stack]  # exactly: a threshold is a boundary
    assert inputs["evaluationPeriods"] == expected.periods
    assert inputs.get("datapointsToAlarm") == expected.datapoints
    assert inputs["treatMissingData"] == expected.missing
    topics = topic_arns(plan)
    if expected.severity is None:
        assert "alarmActions" not in inputs
        assert "okActions" not in inputs
    else:
        # Outside prod nothing pages: a page-severity alarm goes to the ticket topic there.
        topic = topics.get(expected.severity, topics["ticket"])
        assert inputs["alarmActions"] == [topic]
        # "Resolved" matters for what woke someone; for tickets it is noise.
        assert inputs["okActions"] == ([topic] if expected.severity == "page" else [])


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_each_composite_fires_when_both_its_windows_do(stack: str) -> None:
    plan = plan_for(stack)
    topics = topic_arns(plan)
    prefix = f"tasking-manager-{stack}"
    composites = {c.inputs["alarmName"]: c.inputs for c in composite_alarms(plan)}
    # Alert -> its long and short window, and its severity (SLO workbook: 14.4x and 6x page).
    expected = {
        "fast-burn": ("1h", "5m", "page"),
        "steady-burn": ("6h", "30m", "page"),
        "slow-burn": ("24h", "2h", "ticket"),
    }
    assert set(composites) == {f"{prefix}-{alert}" for alert in expected}
    for alert, (long, short, severity) in expected.items():
        composite = composites[f"{prefix}-{alert}"]
        assert composite["alarmRule"] == (
            f'ALARM("{prefix}-{alert}-{long}") AND ALARM("{prefix}-{alert}-{short}")'
        )
        topic = topics.get(severity, topics["ticket"])
        assert composite["alarmActions"] == [topic]
        assert composite.get("okActions", []) == ([topic] if severity == "page" else [])


# -- routing ----------------------------------------------------------------------------------------


def test_prod_pages_for_fast_burns_and_tickets_the_rest() -> None:
    plan = plan_for("prod")
    topics = topic_arns(plan)
    assert set(topics) == {"page", "ticket"}
    severity = {
        c.inputs["alarmName"].rsplit("-", 2)[-2] + "-burn": c.inputs["alarmActions"]
        for c in composite_alarms(plan)
    }
    assert severity == {
        "fast-burn": [topics["page"]],
        "steady-burn": [topics["page"]],
        "slow-burn": [topics["ticket"]],
    }
    below_desired = next(
        a for a in metric_alarms(plan) if a.inputs["name"].endswith("api-tasks-below-desired")
    )
    assert below_desired.inputs["alarmActions"] == [topics["page"]]


@pytest.mark.parametrize("stack", ["staging", "dev"])
def test_dev_never_pages(stack: str) -> None:
    plan = plan_for(stack)
    topics = topic_arns(plan)
    assert set(topics) == {"ticket"}
    for alarm in [*metric_alarms(plan), *composite_alarms(plan)]:
        assert set(alarm.inputs.get("alarmActions", [])) <= {topics["ticket"]}


@pytest.mark.parametrize("stack", ["staging", "dev"])
def test_only_prod_may_page(stack: str) -> None:
    with pytest.raises(Exception, match=r"tm:observability\.paging = true: only prod may page"):
        settings_of(stack, {"tm:observability.paging": True})


def test_every_alerting_alarm_has_actions_and_every_input_feeds_a_composite(base_plan: Plan) -> None:
    rules = " ".join(c.inputs["alarmRule"] for c in composite_alarms(base_plan))
    gates = {
        name
        for service in base_plan.of_type("aws:ecs/service:Service")
        for name in (service.inputs.get("alarms") or {}).get("alarmNames", [])
    }
    for alarm in metric_alarms(base_plan):
        if alarm.inputs.get("alarmActions"):
            assert alarm.inputs.get("actionsEnabled", True) is not False
        elif alarm.inputs["name"].endswith("-rollout-unhealthy-targets"):
            # A rollout gate: ECS reads it, nobody is notified.
            assert alarm.inputs["name"] in gates
        else:
            # Window alarms notify nobody themselves: exactly one composite reads each.
            assert rules.count(f'ALARM("{alarm.outputs["name"]}")') == 1, alarm.inputs["name"]
    for composite in composite_alarms(base_plan):
        assert composite.inputs["alarmActions"]


def test_every_alerting_alarm_says_what_to_do(base_plan: Plan) -> None:
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', ALERTS_DOC.read_text()))
    for alarm in [*metric_alarms(base_plan), *composite_alarms(base_plan)]:
        description = alarm.inputs["alarmDescription"]
        if not alarm.inputs.get("alarmActions"):
            continue
        section = re.search(r"What to do: see docs/operations/alerts\.md#([a-z0-9-]+)", description)
        assert section, description
        assert section.group(1) in anchors


def test_topics_are_encrypted_and_subscribed(base_plan: Plan) -> None:
    observability = observability_of(base_plan)
    for topic in observability.of_type("aws:sns/topic:Topic"):
        assert topic.inputs["kmsMasterKeyId"] == base_plan.outputs["kmsKeyArn"]
    subscriptions = observability.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert {(s.inputs["protocol"], s.inputs["endpoint"]) for s in subscriptions} == {
        ("email", "sysadmin@hotosm.org")
    }
    for policy in observability.of_type("aws:sns/topicPolicy:TopicPolicy"):
        statements = json.loads(policy.inputs["policy"])["Statement"]
        services = next(s for s in statements if s["Sid"] == "AwsServicesOfThisAccountPublish")
        assert services["Condition"] == {"StringEquals": {"aws:SourceAccount": OFFLINE_ACCOUNT_ID}}


def test_slack_alerts_are_optional() -> None:
    assert (
        observability_of(plan_for("prod")).of_type(
            "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"
        )
        == []
    )
    plan = plan_for(
        "prod", {"tm:observability.slack": {"workspaceId": "T012AB3CD", "channelId": "C012AB3CD"}}
    )
    (slack,) = observability_of(plan).of_type(
        "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"
    )
    assert sorted(slack.inputs["snsTopicArns"]) == sorted(topic_arns(plan).values())


# -- AWS models -------------------------------------------------------------------------------------


def _api(value: Any) -> Any:
    """Pulumi's camelCase inputs -> CloudWatch API's PascalCase parameters."""
    if isinstance(value, dict):
        return {key[0].upper() + key[1:]: _api(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_api(item) for item in value]
    return int(value) if isinstance(value, float) and value.is_integer() else value


def put_metric_alarm_request(inputs: dict[str, Any]) -> dict[str, Any]:
    request = {"AlarmName": inputs["name"]}
    for key in (
        "alarmDescription",
        "comparisonOperator",
        "threshold",
        "evaluationPeriods",
        "datapointsToAlarm",
        "treatMissingData",
        "alarmActions",
        "okActions",
        "namespace",
        "metricName",
        "statistic",
        "extendedStatistic",
        "period",
    ):
        if key in inputs:
            request["OKActions" if key == "okActions" else key[0].upper() + key[1:]] = _api(inputs[key])
    if "threshold" in request:
        request["Threshold"] = float(request["Threshold"])
    if "dimensions" in inputs:
        request["Dimensions"] = [{"Name": k, "Value": v} for k, v in inputs["dimensions"].items()]
    if "metricQueries" in inputs:
        metrics = []
        for query in inputs["metricQueries"]:
            item = {"Id": query["id"], "ReturnData": query.get("returnData", False)}
            if "expression" in query:
                item["Expression"] = query["expression"]
            if "label" in query:
                item["Label"] = query["label"]
            if "metric" in query:
                metric = query["metric"]
                item["MetricStat"] = {
                    "Metric": {
                        "Namespace": metric["namespace"],
                        "MetricName": metric["metricName"],
                        "Dimensions": [{"Name": k, "Value": v} for k, v in metric["dimensions"].items()],
                    },
                    "Period": int(metric["period"]),
                    "Stat": metric["stat"],
                }
            metrics.append(item)
        request["Metrics"] = metrics
    return request


def test_metric_alarms_validate_against_put_metric_alarm(base_plan: Plan) -> None:
    shape = CLOUDWATCH.operation_model("PutMetricAlarm").input_shape
    alarms = metric_alarms(base_plan)
    assert len(alarms) == 17
    for alarm in alarms:
        report = ParamValidator().validate(put_metric_alarm_request(alarm.inputs), shape)
        assert not report.has_errors(), (alarm.inputs["name"], report.generate_report())


def test_composite_alarms_validate_against_put_composite_alarm(base_plan: Plan) -> None:
    shape = CLOUDWATCH.operation_model("PutCompositeAlarm").input_shape
    for composite in composite_alarms(base_plan):
        request = {
            "AlarmName": composite.inputs["alarmName"],
            "AlarmRule": composite.inputs["alarmRule"],
            "AlarmDescription": composite.inputs["alarmDescription"],
            "AlarmActions": composite.inputs["alarmActions"],
            "OKActions": composite.inputs.get("okActions", []),
        }
        report = ParamValidator().validate(request, shape)
        assert not report.has_errors(), report.generate_report()
        assert len(composite.inputs["alarmDescription"]) <= 1024


def test_metric_math_references_only_ids_of_the_same_alarm(base_plan: Plan) -> None:
    functions = {"IF", "FILL"}
    for alarm in metric_alarms(base_plan):
        queries = alarm.inputs.get("metricQueries")
        if not queries:
            continue
        ids = {q["id"] for q in queries}
        for query in queries:
            if "expression" in query:
                names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", query["expression"])) - functions
                assert names <= ids, (alarm.inputs["name"], names - ids)
        assert sum(1 for q in queries if q.get("returnData")) == 1


# -- dashboard --------------------------------------------------------------------------------------


def test_dashboard_widgets_reference_what_the_stack_creates(base_plan: Plan) -> None:
    dashboard = observability_of(base_plan).one("aws:cloudwatch/dashboard:Dashboard")
    body = json.loads(dashboard.inputs["dashboardBody"])
    balancer = base_plan.component("tm:aws:LoadBalancer")
    created = {
        "LoadBalancer": balancer.one("aws:lb/loadBalancer:LoadBalancer").outputs["arnSuffix"],
        "TargetGroup": balancer.one("aws:lb/targetGroup:TargetGroup").outputs["arnSuffix"],
        "ClusterName": base_plan.outputs["clusterName"],
        "DBInstanceIdentifier": base_plan.outputs["databaseIdentifier"],
    }
    services = {base_plan.outputs["apiServiceName"], base_plan.outputs["cronServiceName"]}
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert any(t.startswith("SLO:") for t in titles)
    assert any("Latency" in t for t in titles)
    for widget in body["widgets"]:
        for metric in widget["properties"]["metrics"]:
            if isinstance(metric[0], dict):
                continue  # an expression over the ids above
            dimensions = dict(zip(metric[2:-1:2], metric[3:-1:2], strict=True))
            assert dimensions, metric
            for key, value in dimensions.items():
                if key == "ServiceName":
                    assert value in services
                else:
                    assert value == created[key], (key, value)
