"""CloudWatch and SNS: logs that expire and are encrypted, alarms that reach someone."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from .framework import ResourcePolicy, StackPolicy, canonical, config_value, is_false, must_be_set, of_type

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
TOPIC = "aws:sns/topic:Topic"
ECS_SERVICE = "aws:ecs/service:Service"

_RETENTION = {
    "minimumDays": {
        "type": "integer",
        "minimum": 1,
        "default": 1,
        "description": "Fewest days a log group keeps its events (the operations pack sets prod's floor)",
    }
}


def _retention(args: ResourceValidationArgs) -> Iterator[str]:
    minimum = int(config_value(args, "minimumDays", _RETENTION))
    days = args.props.get("retentionInDays")
    if days is None or float(days) <= 0:
        yield "retentionInDays is unset: events are kept (and billed) forever"
    elif float(days) < minimum:
        yield f"retentionInDays is {int(float(days))}; keep at least {minimum} days"


log_group_retention = ResourcePolicy(
    name="log-group-retention",
    summary="Log groups set a retention period",
    controls=(
        "FSBP CloudWatch.16 (NIST)",
        "CKV_AWS_66",
        "CKV_AWS_338",
        "NIST CloudWatchLogGroupRetentionPeriod",
    ),
    severity=Severity.MEDIUM,
    resource_types=(LOG_GROUP,),
    unset="retentionInDays unset: never expire",
    check=_retention,
    config=_RETENTION,
)


log_group_encrypted = ResourcePolicy(
    name="log-group-encrypted",
    summary="Log groups are encrypted with a customer-managed KMS key",
    controls=("CKV_AWS_158", "NIST CloudWatchLogGroupEncrypted"),
    severity=Severity.MEDIUM,
    resource_types=(LOG_GROUP,),
    unset="kmsKeyId unset: CloudWatch Logs' own service key",
    check=must_be_set("kmsKeyId", "events are encrypted with a key the account does not control"),
)


def _names(alarm: PolicyResource) -> set[str]:
    return {str(alarm.props[k]) for k in ("alarmName", "name", "arn") if alarm.props.get(k)}


def _alarm_actions(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    composites = list(of_type(args.resources, COMPOSITE_ALARM))
    rules = [str(c.props.get("alarmRule") or "") for c in composites]
    # Alarms an ECS service rolls its deployments back on: their action is the rollback.
    gates = {
        str(name)
        for service in of_type(args.resources, ECS_SERVICE)
        for alarms in [service.props.get("alarms") or {}]
        if alarms.get("enable") is True and alarms.get("rollback") is True
        for name in alarms.get("alarmNames") or []
    }
    for alarm in of_type(args.resources, METRIC_ALARM, COMPOSITE_ALARM):
        if is_false(alarm.props.get("actionsEnabled")):
            yield ("has its actions disabled", alarm.urn)
            continue
        if alarm.props.get("alarmActions"):
            continue
        # A metric alarm that only feeds a composite alarm (a burn-rate window), or that gates a
        # service's rollouts, needs no action.
        depended = any(d.urn == alarm.urn for c in composites for d in c.dependencies)
        named = any(name in rule for rule in rules for name in _names(alarm))
        gate = bool(_names(alarm) & gates)
        if canonical(alarm.resource_type) == METRIC_ALARM and (depended or named or gate):
            continue
        yield ("notifies no one (no alarmActions)", alarm.urn)


alarm_actions = StackPolicy(
    name="alarm-actions",
    summary="Alarms have enabled actions, unless they only feed a composite alarm or gate an ECS rollout",
    controls=(
        "FSBP CloudWatch.15 (NIST)",
        "FSBP CloudWatch.17 (NIST)",
        "CKV_AWS_319",
        "NIST CloudWatchAlarmAction",
    ),
    severity=Severity.HIGH,
    resource_types=(METRIC_ALARM, COMPOSITE_ALARM, ECS_SERVICE),
    unset="actionsEnabled unset: true; alarmActions unset: no one is told",
    check=_alarm_actions,
)


def _topic_key(args: ResourceValidationArgs) -> Iterator[str]:
    key = args.props.get("kmsMasterKeyId")
    if not key:
        yield "kmsMasterKeyId is unset: messages are stored unencrypted"
    elif str(key) == "alias/aws/sns":
        yield "CloudWatch alarms and Budgets cannot use the AWS-managed aws/sns key; use the stack's key"


sns_topic_encrypted = ResourcePolicy(
    name="sns-topic-encrypted",
    summary="SNS topics are encrypted with a customer-managed KMS key",
    controls=("AwsSolutions-SNS2", "CKV_AWS_26"),
    severity=Severity.MEDIUM,
    resource_types=(TOPIC,),
    unset="kmsMasterKeyId unset: no encryption at rest",
    check=_topic_key,
)

POLICIES = [log_group_retention, log_group_encrypted, alarm_actions, sns_topic_encrypted]
