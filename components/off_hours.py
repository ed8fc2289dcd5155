"""Off-hours: a dev or review stack sleeps outside working hours and wakes before them.

In the evening the alarms' actions pause, the API and the cron worker scale to zero (Application
Auto Scaling scheduled actions on their scalable targets) and the database stops (EventBridge
Scheduler calling RDS). In the morning the database starts first, the tasks follow
`DATABASE_LEAD_MINUTES` later, and the alarms' actions resume once the tasks have had time to pass
their health checks. docs/operations/off-hours.md is the runbook.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

from components.trust import service_role_trust

if TYPE_CHECKING:  # both import the settings, which import this module's constants
    from components.provider import AwsScope
    from components.settings import OffHoursSettings

# The database starts this long before the tasks: WAKE_STEPS' database start, rounded up.
DATABASE_LEAD_MINUTES = 15
# Alarm actions resume this long after the tasks start: past the 15-minute windows of the task
# alarms (components/observability.py), so a morning start that takes a few minutes is no alert.
ALARMS_RESUME_MINUTES = 30
# The shortest working day the schedules allow: the alarms must resume before the stack sleeps.
MIN_AWAKE_MINUTES = 60
# How long waking takes, step by step: (what, seconds, where the number comes from).
WAKE_STEPS: tuple[tuple[str, float, str], ...] = (
    (
        "start the database",
        600.0,
        "assumed: the RDS user guide gives no figure for starting a stopped instance ('instance "
        "recovery'); its single-AZ create time's upper end, 6.1 min (reference 5.1), rounded up to 10",
    ),
    ("start the tasks and pass health checks", 150.0, "reference 5.1: ECS service to steady state 2-3 min"),
)
# The universal targets EventBridge Scheduler calls (`arn:aws:scheduler:::aws-sdk:<service>:<api>`).
STOP_DATABASE = "rds:stopDBInstance"
START_DATABASE = "rds:startDBInstance"
PAUSE_ALARMS = "cloudwatch:disableAlarmActions"
RESUME_ALARMS = "cloudwatch:enableAlarmActions"
# A minute after the resume, each health alarm is set to OK: CloudWatch notifies only on a change of state,
# so one that went into ALARM while paused (a morning start that failed) would stay silent; still
# breaching, it returns to ALARM at its next evaluation and notifies.
RECHECK_ALARM = "cloudwatch:setAlarmState"
RECHECK_REASON = "Off-hours: alarm actions resumed; evaluated again so that a breach while paused notifies"


EVERY_DAY = ("*",)


def wake_minutes() -> int:
    """The expected time from a wake request to a serving stack, in whole minutes (rounded up)."""
    return math.ceil(sum(seconds for _, seconds, _ in WAKE_STEPS) / 60)


def clock_minutes(clock: str) -> int:
    """`07:30` -> 450."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def cron(minute_of_day: int, workdays: Sequence[str]) -> str:
    """The six-field cron expression (Application Auto Scaling and EventBridge Scheduler share it)
    of `minute_of_day` on `workdays`."""
    hours, minutes = divmod(minute_of_day, 60)
    return f"cron({minutes} {hours} ? * {','.join(workdays)} *)"


@dataclass(frozen=True)
class Schedule:
    """When each step happens, as cron expressions in the settings' time zone."""

    time_zone: str
    tasks_wake: str
    tasks_sleep: str
    database_start: str
    database_stop: str
    alarms_resume: str
    alarms_recheck: str
    alarms_pause: str


def schedule(settings: OffHoursSettings) -> Schedule:
    """Waking on workdays; sleeping every day, so that a stack woken on demand on any day sleeps
    again that evening (on a day it slept through, the sleep changes nothing)."""
    start, end, days = clock_minutes(settings.start), clock_minutes(settings.end), settings.workdays
    return Schedule(
        time_zone=settings.time_zone,
        tasks_wake=cron(start, days),
        tasks_sleep=cron(end, EVERY_DAY),
        database_start=cron(start - DATABASE_LEAD_MINUTES, days),
        database_stop=cron(end, EVERY_DAY),
        alarms_resume=cron(start + ALARMS_RESUME_MINUTES, days),
        alarms_recheck=cron(start + ALARMS_RESUME_MINUTES + 1, days),
        alarms_pause=cron(end, EVERY_DAY),
    )


def universal_target(action: str, partition: str) -> str:
    return f"arn:{partition}:scheduler:::aws-sdk:{action}"


@dataclass(frozen=True)
class SleepingService:
    """A service that sleeps: its scalable target and the task range it has by day."""

    label: str
    target: aws.appautoscaling.Target
    min_tasks: int
    max_tasks: int


@dataclass(frozen=True)
class OffHoursArgs:
    settings: OffHoursSettings
    scope: AwsScope
    services: Sequence[SleepingService]
    # The RDS instance it stops (None: a review app, which sleeps with its base's, or an Aurora
    # cluster, which pauses by itself).
    database: aws.rds.Instance | None = None
    # The alarms that notify someone: their actions pause while the stack sleeps.
    alarm_names: Sequence[pulumi.Input[str]] = ()
    # Those of them evaluated again after the resume (RECHECK_ALARM): alarms whose windows are
    # over by then, not the burn-rate ones, whose hour still holds the night's errors.
    recheck_alarm_names: Sequence[pulumi.Input[str]] = ()


class OffHours(pulumi.ComponentResource):
    """`tm:aws:OffHours`: the scheduled actions that put the stack's services to sleep and wake
    them, and the EventBridge schedules (each with its own role) that stop and start its database
    and pause and resume its alarms' actions."""

    scheduled_actions: dict[str, aws.appautoscaling.ScheduledAction]
    schedules: dict[str, aws.scheduler.Schedule]

    def __init__(self, name: str, args: OffHoursArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:aws:OffHours", name, None, opts)
        self._prefix = f"tasking-manager-{args.scope.stack}"
        self._when = schedule(args.settings)
        self.scheduled_actions, self.schedules = {}, {}
        self._services(name, args)
        if args.database is not None:
            instance = {"DbInstanceIdentifier": args.database.identifier}
            self._calls(
                name,
                "database",
                args,
                "Stops and starts the stack's database outside working hours",
                args.database.arn,
                {
                    "stop": (STOP_DATABASE, self._when.database_stop, instance),
                    "start": (START_DATABASE, self._when.database_start, instance),
                },
            )
        if args.alarm_names:
            alarms = {"AlarmNames": args.alarm_names}
            self._calls(
                name,
                "alarms",
                args,
                "Pauses and resumes the stack's alarm actions outside working hours, and evaluates the "
                "alarms again after the resume",
                pulumi.Output.all(args.scope.partition, args.scope.account_id, *args.alarm_names).apply(
                    lambda values: [
                        f"arn:{values[0]}:cloudwatch:{args.scope.region}:{values[1]}:alarm:{alarm}"
                        for alarm in values[2:]
                    ]
                ),
                {
                    "pause": (PAUSE_ALARMS, self._when.alarms_pause, alarms),
                    "resume": (RESUME_ALARMS, self._when.alarms_resume, alarms),
                    **{
                        f"recheck-{index}": (
                            RECHECK_ALARM,
                            self._when.alarms_recheck,
                            {"AlarmName": alarm, "StateValue": "OK", "StateReason": RECHECK_REASON},
                        )
                        for index, alarm in enumerate(args.recheck_alarm_names)
                    },
                },
            )
        self.register_outputs({})

    def _services(self, name: str, args: OffHoursArgs) -> None:
        """Two scheduled actions per service: the day's range in the morning, nothing at night.
        The wake action carries the settings' range, so a change of minTasks or maxTasks reaches
        the (ignore_changes) target at the next wake."""
        child = pulumi.ResourceOptions(parent=self)
        for service in args.services:
            for step, (when, low, high) in {
                "wake": (self._when.tasks_wake, service.min_tasks, service.max_tasks),
                "sleep": (self._when.tasks_sleep, 0, 0),
            }.items():
                target = service.target
                self.scheduled_actions[f"{service.label}-{step}"] = aws.appautoscaling.ScheduledAction(
                    f"{name}-{service.label}-{step}",
                    name=f"{self._prefix}-{service.label}-{step}",
                    service_namespace=target.service_namespace,
                    resource_id=target.resource_id,
                    scalable_dimension=target.scalable_dimension,
                    schedule=when,
                    timezone=self._when.time_zone,
                    scalable_target_action=aws.appautoscaling.ScheduledActionScalableTargetActionArgs(
                        min_capacity=low, max_capacity=high
                    ),
                    opts=child,
                )

    def _calls(
        self,
        name: str,
        label: str,
        args: OffHoursArgs,
        description: str,
        resources: pulumi.Input[Any],
        steps: dict[str, tuple[str, str, dict[str, Any]]],
    ) -> None:
        """A role EventBridge Scheduler assumes that may make only these calls on these
        resources, and one schedule per step: (call, when, request)."""
        child = pulumi.ResourceOptions(parent=self)
        scope = args.scope
        role = aws.iam.Role(
            f"{name}-{label}",
            description=description,
            assume_role_policy=pulumi.Output.from_input(scope.account_id).apply(
                lambda account: service_role_trust("scheduler.amazonaws.com", account)
            ),
            opts=child,
        )
        actions = sorted({_iam_action(action) for action, _, _ in steps.values()})
        aws.iam.RolePolicy(
            f"{name}-{label}",
            role=role.id,
            policy=pulumi.Output.from_input(resources).apply(
                lambda arns: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": arns}],
                    }
                )
            ),
            opts=child,
        )
        for step, (action, when, request) in steps.items():
            self.schedules[f"{label}-{step}"] = aws.scheduler.Schedule(
                f"{name}-{label}-{step}",
                name=f"{self._prefix}-{label}-{step}",
                description=f"{description}: {step}",
                schedule_expression=when,
                schedule_expression_timezone=self._when.time_zone,
                flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
                target=aws.scheduler.ScheduleTargetArgs(
                    arn=pulumi.Output.from_input(scope.partition).apply(
                        functools.partial(universal_target, action)
                    ),
                    role_arn=role.arn,
                    input=pulumi.Output.from_input(request).apply(json.dumps),
                    # A missed call is worth retrying for an hour, not until the next day.
                    retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                        maximum_event_age_in_seconds=3600, maximum_retry_attempts=3
                    ),
                ),
                opts=child,
            )


def _iam_action(action: str) -> str:
    """`rds:stopDBInstance` -> `rds:StopDBInstance` (IAM names an API with a capital)."""
    service, api = action.split(":")
    return f"{service}:{api[0].upper()}{api[1:]}"
