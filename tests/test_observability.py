"""SLO burn-rate alerts, health alarms, routing and the dashboard."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from components.slo import BURN_RATE_ALERTS, error_budget, error_ratio_threshold
from offline.engine import Plan
from offline.mocks import Registration
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
    assert error_ratio_threshold(by_name["fast-burn"].burn_rate, target) == pytest.approx(fast)
    assert error_ratio_threshold(by_name["steady-burn"].burn_rate, target) == pytest.approx(steady)
    assert error_ratio_threshold(by_name["slow-burn"].burn_rate, target) == pytest.approx(slow)
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


@pytest.mark.parametrize(("stack", "target"), [("prod", 99.5), ("dev", 99.0)])
def test_window_alarms_use_the_computed_thresholds(stack: str, target: float) -> None:
    alarms = {a.inputs["name"]: a.inputs for a in metric_alarms(plan_for(stack))}
    for alert in BURN_RATE_ALERTS:
        for window in {"fast-burn": ("1h", "5m"), "steady-burn": ("6h", "30m"), "slow-burn": ("24h", "2h")}[
            alert.name
        ]:
            alarm = alarms[f"tasking-manager-{stack}-{alert.name}-{window}"]
            assert alarm["threshold"] == pytest.approx(alert.burn_rate * (1 - target / 100))
            periods = {q["metric"]["period"] for q in alarm["metricQueries"] if "metric" in q}
            assert periods == {int(window[:-1]) * (3600 if window.endswith("h") else 60)}


def test_slo_follows_its_setting() -> None:
    plan = plan_for("prod", {"tm:observability.availability.targetPercent": 99.9})
    fast = next(a for a in metric_alarms(plan) if a.inputs["name"].endswith("fast-burn-1h"))
    assert fast.inputs["threshold"] == pytest.approx(0.0144)


def test_each_composite_joins_its_long_and_short_window_with_and(base_plan: Plan) -> None:
    names = {a.outputs["name"] for a in metric_alarms(base_plan)}
    for alert in BURN_RATE_ALERTS:
        composite = next(c for c in composite_alarms(base_plan) if c.inputs["alarmName"].endswith(alert.name))
        referenced = re.findall(r'ALARM\("([^"]+)"\)', composite.inputs["alarmRule"])
        assert len(referenced) == 2
        assert " AND " in composite.inputs["alarmRule"]
        assert all(name in names for name in referenced)


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


@pytest.mark.parametrize("stack", ["dev"])
def test_dev_never_pages(stack: str) -> None:
    plan = plan_for(stack)
    topics = topic_arns(plan)
    assert set(topics) == {"ticket"}
    for alarm in [*metric_alarms(plan), *composite_alarms(plan)]:
        assert set(alarm.inputs.get("alarmActions", [])) <= {topics["ticket"]}


def test_only_prod_may_page() -> None:
    with pytest.raises(Exception, match=r"tm:observability\.paging = true: only prod may page"):
        settings_of("dev", {"tm:observability.paging": True})


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


def test_every_alarm_decides_missing_data_and_says_what_to_do(base_plan: Plan) -> None:
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', ALERTS_DOC.read_text()))
    for alarm in metric_alarms(base_plan):
        assert alarm.inputs["treatMissingData"] in {"breaching", "notBreaching", "missing", "ignore"}
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
        assert services["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


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
