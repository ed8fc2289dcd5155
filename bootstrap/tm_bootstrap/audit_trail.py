"""Who did what in the account: a multi-region CloudTrail trail into the security-logs bucket and a
CloudWatch Logs group, with alarms on the root user's use and on IAM changes."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .baseline import (
    IAM_CHANGES_PATTERN,
    METRIC_NAMESPACE,
    PREFIX,
    ROOT_USE_PATTERN,
    RUNBOOK,
    TRAIL_LOG_GROUP,
    TRAIL_NAME,
    TRAIL_ROLE,
    trail_role_policy,
    trail_role_trust,
)


@dataclass(frozen=True)
class Watch:
    """A metric filter on the trail's log group and the alarm on its metric."""

    key: str
    metric: str
    pattern: str
    route: str  # the findings route its alarm takes: page or findings
    what: str


WATCHES = (
    Watch(
        "root-account-use",
        "RootAccountUse",
        ROOT_USE_PATTERN,
        "page",
        "the root user signed in or called an API itself (CIS CloudWatch.1).",
    ),
    Watch(
        "iam-changes",
        "IamPolicyAndRoleChanges",
        IAM_CHANGES_PATTERN,
        "findings",
        "an IAM policy or role was changed by someone other than the CI roles (CIS CloudWatch.4, and roles).",
    ),
)


@dataclass(frozen=True)
class AuditTrailArgs:
    account_id: str
    region: str
    bucket_name: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    log_group_retention_days: int
    # The topic of each route (FindingRouting.route), and whether the page route pages.
    topics: dict[str, pulumi.Input[str]]
    paging: bool
    # What the trail waits for: CloudTrail checks the bucket policy when the trail is made.
    depends_on: pulumi.Input[pulumi.Resource]


class AuditTrail(pulumi.ComponentResource):
    """`tm:bootstrap:AuditTrail`: the trail (every region, management events, log file validation,
    files encrypted with the baseline's key), its log group and delivery role, and the watches."""

    trail: aws.cloudtrail.Trail
    log_group: aws.cloudwatch.LogGroup
    alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(self, name: str, args: AuditTrailArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:bootstrap:AuditTrail", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.log_group = aws.cloudwatch.LogGroup(
            name,
            name=TRAIL_LOG_GROUP,
            retention_in_days=args.log_group_retention_days,
            kms_key_id=args.key_arn,
            opts=child,
        )
        role = aws.iam.Role(
            name,
            name=TRAIL_ROLE,
            description="CloudTrail delivers the account's trail to its CloudWatch Logs group",
            assume_role_policy=json.dumps(trail_role_trust(args.account_id, args.region)),
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            name,
            role=role.id,
            policy=json.dumps(trail_role_policy(args.account_id, args.region)),
            opts=child,
        )
        self.trail = aws.cloudtrail.Trail(
            name,
            name=TRAIL_NAME,
            s3_bucket_name=args.bucket_name,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            kms_key_id=args.key_arn,
            # CloudTrail names the group's streams, hence `:*`.
            cloud_watch_logs_group_arn=self.log_group.arn.apply(lambda arn: f"{arn}:*"),
            cloud_watch_logs_role_arn=role.arn,
            event_selectors=[
                aws.cloudtrail.TrailEventSelectorArgs(include_management_events=True, read_write_type="All")
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.depends_on, role_policy]),
        )
        self.alarms = {}
        for watch in WATCHES:
            label = "PAGE" if watch.route == "page" and args.paging else "TICKET"
            aws.cloudwatch.LogMetricFilter(
                f"{name}-{watch.key}",
                name=f"{PREFIX}-{watch.key}",
                log_group_name=self.log_group.name,
                pattern=watch.pattern,
                # No default value: the metric is published, and billed, only when a line matches.
                metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                    name=watch.metric, namespace=METRIC_NAMESPACE, value="1"
                ),
                opts=child,
            )
            self.alarms[watch.key] = aws.cloudwatch.MetricAlarm(
                f"{name}-{watch.key}",
                name=f"{PREFIX}-{watch.key}",
                alarm_description=f"{label}: {watch.what} What to do: see {RUNBOOK}#{watch.key}",
                namespace=METRIC_NAMESPACE,
                metric_name=watch.metric,
                statistic="Sum",
                period=300,
                evaluation_periods=1,
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=[args.topics[watch.route]],
                opts=child,
            )
        self.register_outputs({"trailArn": self.trail.arn, "logGroupName": self.log_group.name})
