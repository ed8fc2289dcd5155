"""Fixtures of the CloudWatch (logs, alarms) and SNS policies."""

from security_baseline import cloudwatch as cw

from tests.policies.harness import DELETE, Case, StackCase

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
SERVICE = "aws:ecs/service:Service"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:tm-alarms"
_LOG_GROUP = {
    "name": "/tasking-manager/prod/api",
    "retentionInDays": 365.0,
    "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1",
}

CASES = [
    Case(
        cw.log_group_retention,
        "aws:cloudwatch/logGroup:LogGroup",
        _LOG_GROUP,
        [
            ({"retentionInDays": DELETE}, "retentionInDays is unset: events are kept (and billed) forever"),
            ({"retentionInDays": 0.0}, "retentionInDays is unset"),
            ({"retentionInDays": 90.0}, "retentionInDays is 90; keep at least 180 days"),
        ],
        config={"minimumDays": 180},
    ),
    Case(
        cw.log_group_encrypted,
        "aws:cloudwatch/logGroup:LogGroup",
        _LOG_GROUP,
        [({"kmsKeyId": DELETE}, "kmsKeyId is unset")],
    ),
    StackCase(
        cw.alarm_actions,
        {
            "errors": (
                ALARM,
                {
                    "alarmName": "tm-5xx",
                    "alarmActions": [TOPIC_ARN],
                    "metricName": "HTTPCode_Target_5XX_Count",
                },
            ),
            "fast-burn": (ALARM, {"alarmName": "tm-burn-1h", "metricName": "x"}),
            "slow-burn": (ALARM, {"alarmName": "tm-burn-6h", "metricName": "x"}),
            "burn": (
                COMPOSITE,
                {
                    "alarmName": "tm-burn",
                    "alarmRule": 'ALARM("tm-burn-1h") AND ALARM("tm-burn-6h")',
                    "alarmActions": [TOPIC_ARN],
                },
            ),
            # A rollout gate: an ECS service rolls its deployment back when it fires.
            "rollout-gate": (
                ALARM,
                {"alarmName": "tm-rollout-unhealthy", "metricName": "UnHealthyHostCount"},
            ),
            "api": (
                SERVICE,
                {
                    "name": "api",
                    "alarms": {
                        "alarmNames": ["tm-burn-1h", "tm-rollout-unhealthy"],
                        "enable": True,
                        "rollback": True,
                    },
                },
            ),
        },
        [
            ({"errors.alarmActions": []}, "notifies no one (no alarmActions)"),
            ({"errors.actionsEnabled": False}, "has its actions disabled"),
            ({"burn.alarmActions": DELETE}, "notifies no one"),
            ({"burn.alarmRule": 'ALARM("tm-burn-1h")'}, "notifies no one"),
            ({"api.alarms.alarmNames": ["tm-burn-1h"]}, "notifies no one"),
            ({"api.alarms.rollback": False}, "notifies no one"),
            ({"api.alarms.enable": False}, "notifies no one"),
        ],
    ),
    Case(
        cw.sns_topic_encrypted,
        "aws:sns/topic:Topic",
        {"name": "tm-alarms", "kmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/1"},
        [
            ({"kmsMasterKeyId": DELETE}, "kmsMasterKeyId is unset"),
            ({"kmsMasterKeyId": "alias/aws/sns"}, "cannot use the AWS-managed aws/sns key"),
        ],
    ),
]
