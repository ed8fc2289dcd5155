"""Off-hours: dev (and review apps) sleep outside working hours, prod never does; what the
schedules change is left alone by `pulumi up` and the drift check; every call a schedule makes
fits AWS's own API models (botocore) and is all its role may do."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from components.off_hours import DATABASE_LEAD_MINUTES, RECHECK_REASON, wake_minutes
from offline.costing import architecture_of, costs, estimate
from offline.engine import Plan
from offline.iam_evaluator import Request, evaluate
from offline.mocks import OFFLINE_ACCOUNT_ID, Registration
from tests.conftest import plan_for
from tests.test_ci_permissions import role_policies
from tests.test_settings import problems_of
from tests.test_workflows import index_of, jobs, load, run_script, stub

SESSION = botocore.session.get_session()
SCHEDULED_ACTION = "aws:appautoscaling/scheduledAction:ScheduledAction"
SCALABLE_TARGET = "aws:appautoscaling/target:Target"
SCHEDULE = "aws:scheduler/schedule:Schedule"
UNIVERSAL_TARGET = re.compile(r"arn:aws:scheduler:::aws-sdk:(?P<service>[a-z0-9-]+):(?P<api>[A-Za-z0-9]+)")
WEEKDAYS = "MON,TUE,WED,THU,FRI"


def by_name(plan: Plan, token: str) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in plan.of_type(token)}


def test_dev_sleeps_at_night_and_wakes_database_first_then_tasks_then_alarms() -> None:
    dev = plan_for("dev")
    actions = by_name(dev, SCHEDULED_ACTION)
    schedules = by_name(dev, SCHEDULE)
    when = {name: inputs["schedule"] for name, inputs in actions.items()} | {
        name: inputs["scheduleExpression"]
        for name, inputs in schedules.items()
        if not name.startswith(RECHECK)  # one per alarm: the test below
    }
    # The profile's 06:00-20:00 UTC on weekdays: the database 15 minutes early, alarms 30 late.
    assert when == {
        "off-hours-api-wake": f"cron(0 6 ? * {WEEKDAYS} *)",
        "off-hours-cron-wake": f"cron(0 6 ? * {WEEKDAYS} *)",
        "off-hours-database-start": f"cron(45 5 ? * {WEEKDAYS} *)",
        "off-hours-alarms-resume": f"cron(30 6 ? * {WEEKDAYS} *)",
        # Every day: a stack woken on a weekend sleeps again that evening.
        "off-hours-api-sleep": "cron(0 20 ? * * *)",
        "off-hours-cron-sleep": "cron(0 20 ? * * *)",
        "off-hours-database-stop": "cron(0 20 ? * * *)",
        "off-hours-alarms-pause": "cron(0 20 ? * * *)",
    }
    assert {a["timezone"] for a in actions.values()} | {
        s["scheduleExpressionTimezone"] for s in schedules.values()
    } == {"UTC"}
    ranges = {name: dict(inputs["scalableTargetAction"]) for name, inputs in actions.items()}
    # By day the API's range of the settings and exactly one cron task (never two); none at night.
    assert ranges == {
        "off-hours-api-wake": {"minCapacity": 1, "maxCapacity": 2},
        "off-hours-api-sleep": {"minCapacity": 0, "maxCapacity": 0},
        "off-hours-cron-wake": {"minCapacity": 1, "maxCapacity": 1},
        "off-hours-cron-sleep": {"minCapacity": 0, "maxCapacity": 0},
    }
    # Every alarm that notifies someone pauses, and nothing else does.
    paused = json.loads(schedules["off-hours-alarms-pause"]["target"]["input"])["AlarmNames"]
    alerting = [
        r.inputs.get("name") or r.inputs["alarmName"]
        for r in dev.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        + dev.of_type("aws:cloudwatch/compositeAlarm:CompositeAlarm")
        if r.inputs.get("alarmActions")
    ]
    assert sorted(paused) == sorted(alerting)


RECHECK = "off-hours-alarms-recheck-"


def test_a_health_alarm_that_fired_while_paused_is_evaluated_again_after_the_resume() -> None:
    """CloudWatch notifies only on a change of state, so a health alarm that went into ALARM while
    its actions were paused (a morning start that failed) would stay silent. A minute after the
    resume, past their 15-minute windows, each is set to OK: one still breaching goes back to ALARM
    at its next evaluation, and notifies. The burn-rate alarms are left alone: their hour-long
    windows still hold the night's requests to a stack with no tasks."""
    dev = plan_for("dev")
    schedules = by_name(dev, SCHEDULE)
    health = [
        r.inputs["name"]
        for r in dev.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if r.inputs.get("alarmActions")
        and r.parent.endswith("tm:aws:Observability::observability")
        and "burn" not in r.name
    ]
    rechecks = [inputs for name, inputs in schedules.items() if name.startswith(RECHECK)]
    requests = [json.loads(inputs["target"]["input"]) for inputs in rechecks]
    assert sorted(r["AlarmName"] for r in requests) == sorted(health)
    assert len(health) == 10
    assert {r["StateValue"] for r in requests} == {"OK"}
    assert {i["scheduleExpression"] for i in rechecks} == {f"cron(31 6 ? * {WEEKDAYS} *)"}
    assert {i["target"]["arn"] for i in rechecks} == {"arn:aws:scheduler:::aws-sdk:cloudwatch:setAlarmState"}
    # The same role as the pause and resume, which reaches the same alarms.
    assert {i["target"]["roleArn"] for i in rechecks} == {
        schedules["off-hours-alarms-pause"]["target"]["roleArn"]
    }


def test_what_the_schedules_change_is_left_to_them_by_up_and_by_the_drift_check() -> None:
    """The weekly `pulumi preview --refresh --expect-no-changes` finds the targets' ranges and the
    services' counts as the schedules left them: each must be ignored, or it reports drift."""
    dev = plan_for("dev")
    targets = {t.inputs["resourceId"]: t for t in dev.of_type(SCALABLE_TARGET)}
    services = {s.outputs["name"]: s for s in dev.of_type("aws:ecs/service:Service")}
    scheduled = {a.inputs["resourceId"] for a in dev.of_type(SCHEDULED_ACTION)}
    assert len(scheduled) == 2
    for resource_id in scheduled:
        assert {"minCapacity", "maxCapacity"} <= set(targets[resource_id].ignore_changes), resource_id
        service = services[resource_id.rsplit("/", 1)[1]]
        assert "desiredCount" in service.ignore_changes, service.name


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_prod_and_staging_never_sleep_and_keep_their_ranges_in_the_program(stack: str) -> None:
    """Staging has prod's shape: its alarms and task ranges behave as prod's, so it is awake too
    (and the prod-never-sleeps policy holds it, as every prod-* guardrail does)."""
    plan = plan_for(stack)
    assert not plan.of_type("tm:aws:OffHours")
    assert "offHours" not in plan.outputs
    # Without schedules a change of tm:api.minTasks must reach the target: nothing is ignored.
    (target,) = plan.of_type(SCALABLE_TARGET)
    assert target.ignore_changes == []
    problems = problems_of(stack, {"tm:offHours.enabled": True})
    assert problems == {
        "tm:offHours.enabled": f"tm:offHours.enabled = true: {stack} never sleeps: off-hours schedules "
        "are for dev and review apps; set it to false"
    }


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"tm:offHours.timeZone": "Europe/Londres"}, "tm:offHours.timeZone", "IANA time zone name"),
        ({"tm:offHours.start": "7:00"}, "tm:offHours.start", "a time of day like 07:30"),
        ({"tm:offHours.workdays": ["MON", "MON"]}, "tm:offHours.workdays", "lists MON more than once"),
        ({"tm:offHours.end": "06:30"}, "tm:offHours.end", "at least 60 minutes after start (06:00)"),
        ({"tm:offHours.start": "00:10"}, "tm:offHours.start", f"{DATABASE_LEAD_MINUTES} minutes before"),
    ],
)
def test_bad_hours_are_refused_by_key(overrides: dict[str, Any], key: str, message: str) -> None:
    problems = problems_of("dev", overrides)
    assert key in problems, problems
    assert message in problems[key]


# -- every call fits AWS's models ------------------------------------------------------------------


def sdk_member_name(member: str) -> str:
    """The name the AWS SDKs give a request member, which is what Scheduler's universal targets
    take: an acronym is capitalised as a word (`DBInstanceIdentifier` -> `DbInstanceIdentifier`)."""
    return re.sub(
        r"[A-Z]{2,}(?=[A-Z][a-z]|[0-9]|$)", lambda m: m.group(0)[0] + m.group(0)[1:].lower(), member
    )


def validate(service: str, operation: str, request: dict[str, Any]) -> None:
    shape = SESSION.get_service_model(service).operation_model(operation).input_shape
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), f"{service} {operation}: {report.generate_report()}"
    # botocore checks minimums only: maximums too (a schedule's name has 64 characters at most,
    # DisableAlarmActions takes 100 names).
    for name, value in request.items():
        most = shape.members[name].metadata.get("max")
        if isinstance(value, list | str) and most is not None:
            assert len(value) <= most, f"{operation} {name}: {len(value)}, at most {most}"


def role_policy_of(plan: Plan, role_arn: str) -> dict[str, Any]:
    role = next(r for r in plan.of_type("aws:iam/role:Role") if r.outputs["arn"] == role_arn)
    policy = next(
        p for p in plan.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role.outputs["id"]
    )
    return dict(json.loads(policy.inputs["policy"]))


def test_each_schedule_calls_an_api_of_botocore_with_its_input_and_may_call_only_that() -> None:
    dev = plan_for("dev")
    calls: dict[str, set[str]] = {}
    for schedule in dev.of_type(SCHEDULE):
        inputs = schedule.inputs
        validate(
            "scheduler",
            "CreateSchedule",
            {
                "Name": inputs["name"],
                "ScheduleExpression": inputs["scheduleExpression"],
                "ScheduleExpressionTimezone": inputs["scheduleExpressionTimezone"],
                "FlexibleTimeWindow": {"Mode": inputs["flexibleTimeWindow"]["mode"]},
                "Target": {
                    "Arn": inputs["target"]["arn"],
                    "RoleArn": inputs["target"]["roleArn"],
                    "Input": inputs["target"]["input"],
                    "RetryPolicy": {
                        "MaximumEventAgeInSeconds": int(
                            inputs["target"]["retryPolicy"]["maximumEventAgeInSeconds"]
                        ),
                        "MaximumRetryAttempts": int(inputs["target"]["retryPolicy"]["maximumRetryAttempts"]),
                    },
                },
            },
        )
        target = UNIVERSAL_TARGET.fullmatch(inputs["target"]["arn"])
        assert target, inputs["target"]["arn"]
        model = SESSION.get_service_model(target["service"])
        operation = target["api"][0].upper() + target["api"][1:]
        assert operation in model.operation_names, operation
        members = model.operation_model(operation).input_shape.members
        by_sdk_name = {sdk_member_name(member): member for member in members}
        request = json.loads(inputs["target"]["input"])
        assert set(request) <= set(by_sdk_name), (
            f"{operation}: {sorted(request)} not in {sorted(by_sdk_name)}"
        )
        validate(target["service"], operation, {by_sdk_name[k]: v for k, v in request.items()})
        calls.setdefault(inputs["target"]["roleArn"], set()).add(f"{target['service']}:{operation}")
    assert len(calls) == 2  # the database's role and the alarms'
    for role_arn, actions in calls.items():
        (statement,) = role_policy_of(dev, role_arn)["Statement"]
        assert set(statement["Action"]) == actions
        assert "*" not in json.dumps(statement["Resource"])


def test_the_database_role_reaches_only_the_stacks_instance() -> None:
    dev = plan_for("dev")
    schedule = next(s for s in dev.of_type(SCHEDULE) if s.name == "off-hours-database-stop")
    (statement,) = role_policy_of(dev, schedule.inputs["target"]["roleArn"])["Statement"]
    instance: Registration = dev.one("aws:rds/instance:Instance")
    assert statement["Resource"] == instance.outputs["arn"]
    assert json.loads(schedule.inputs["target"]["input"]) == {"DbInstanceIdentifier": "tasking-manager-dev"}


@pytest.mark.parametrize("stack", ["dev", "review-pr-123"])
def test_scheduled_actions_fit_put_scheduled_action(stack: str) -> None:
    for action in plan_for(stack).of_type(SCHEDULED_ACTION):
        inputs = action.inputs
        validate(
            "application-autoscaling",
            "PutScheduledAction",
            {
                "ServiceNamespace": inputs["serviceNamespace"],
                "Schedule": inputs["schedule"],
                "Timezone": inputs["timezone"],
                "ScheduledActionName": inputs["name"],
                "ResourceId": inputs["resourceId"],
                "ScalableDimension": inputs["scalableDimension"],
                "ScalableTargetAction": {
                    "MinCapacity": int(inputs["scalableTargetAction"]["minCapacity"]),
                    "MaxCapacity": int(inputs["scalableTargetAction"]["maxCapacity"]),
                },
            },
        )


# -- what sleeping saves ---------------------------------------------------------------------------


def test_the_cost_model_prices_only_the_hours_the_schedules_leave_awake() -> None:
    """Tasks run 14 h on 5 days (70 of 168 hours a week); the database 15 minutes longer each
    morning; its storage is billed all month, stopped or not."""
    p = costs.Prices.load()
    cost = {
        r.name: r
        for r in estimate(plan_for("dev")).resources
        if r.type in ("aws:ecs/service:Service", "aws:rds/instance:Instance")
    }
    tasks_share, database_share = 70 / 168, 71.25 / 168

    # dev's tasks run on its architecture's prices (ARM64: prices.json's fargateArm).
    prefix = "fargateArm" if architecture_of(plan_for("dev")) == "ARM64" else "fargate"

    def task_month(vcpu: float, gb: float) -> float:
        return (vcpu * p[f"{prefix}.vcpuHour"] + gb * p[f"{prefix}.gbHour"]) * p.hours_per_month

    # dev's first task of each service is on demand (mostlySpot's base).
    assert cost["backend-api"].usd == pytest.approx(tasks_share * task_month(0.5, 1))
    assert cost["backend-cron"].usd == pytest.approx(tasks_share * task_month(0.25, 0.5))
    instance, storage = cost["database"].charges
    assert instance.usd == pytest.approx(
        database_share * p.rds_postgres_hour["db.t4g.micro"].usd * p.hours_per_month
    )
    assert storage.usd == pytest.approx(20 * p["rds.gp3GbMonth"])


def test_a_review_app_sleeps_with_its_base_by_default() -> None:
    """Its database is in dev's instance: awake when dev's tasks are, asleep when they are."""
    review, dev = plan_for("review-pr-123"), plan_for("dev")

    def hours(plan: Plan) -> dict[str, tuple[str, str]]:
        return {
            a.name.rsplit("-", 1)[1]: (a.inputs["schedule"], a.inputs["timezone"])
            for a in plan.of_type(SCHEDULED_ACTION)
            if a.name.startswith("off-hours-api-")
        }

    assert hours(review) == hours(dev)
    (target,) = review.of_type(SCALABLE_TARGET)
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (1, 1)
    assert {"minCapacity", "maxCapacity"} <= set(target.ignore_changes)
    (service,) = review.of_type("aws:ecs/service:Service")
    assert "desiredCount" in service.ignore_changes
    # It stops and pauses nothing of its base's.
    assert not review.of_type(SCHEDULE)


# -- waking on demand ------------------------------------------------------------------------------


def wake(
    tmp_path: Path, stack: str, *args: str, status: str = "stopped", overrides: dict[str, Any] | None = None
) -> tuple[str, list[str]]:
    """wake.sh against the stack's offline outputs, with aws and curl stubbed (each call logged)."""
    calls = tmp_path / "calls"
    (tmp_path / "outputs.json").write_text(json.dumps(plan_for(stack, overrides).outputs))
    stub(tmp_path / "bin", "pulumi", f'cat "{tmp_path / "outputs.json"}"')
    stub(
        tmp_path / "bin",
        "aws",
        f'echo "aws $*" >> "{calls}"\n[ "$2" = describe-db-instances ] && echo {status}; true',
    )
    stub(tmp_path / "bin", "curl", f'echo "curl $*" >> "{calls}"')
    result = run_script("wake.sh", [stack, *args], {}, tmp_path / "bin")
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, calls.read_text().splitlines() if calls.exists() else []


def test_the_wake_script_starts_the_database_then_the_tasks_then_the_alarms(tmp_path: Path) -> None:
    out, calls = wake(tmp_path, "dev")
    assert f"about {wake_minutes()} minutes" in out
    assert wake_minutes() == 13  # the database's 10 minutes and the tasks' 2.5, rounded up
    dev = plan_for("dev").outputs
    assert [c.split()[1:3] for c in calls[:6]] == [
        ["rds", "describe-db-instances"],
        ["rds", "start-db-instance"],
        ["rds", "wait"],
        ["application-autoscaling", "register-scalable-target"],
        ["application-autoscaling", "register-scalable-target"],
        ["ecs", "wait"],
    ]
    api, cron = calls[3], calls[4]
    assert api.endswith(
        f"--resource-id {dev['offHours']['apiScalableTarget']} --min-capacity 1 --max-capacity 2"
    )
    assert cron.endswith(
        f"--resource-id {dev['offHours']['cronScalableTarget']} --min-capacity 1 --max-capacity 1"
    )
    assert calls[6].startswith("curl")
    assert dev["heartbeatUrl"] in calls[6]
    assert calls[7] == "aws cloudwatch enable-alarm-actions --alarm-names " + " ".join(
        dev["offHours"]["alarmNames"]
    )
    # As the morning's schedules do: each health alarm set to OK, so one still breaching notifies.
    health = [
        r.inputs["name"]
        for r in plan_for("dev").of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if r.inputs.get("alarmActions") and "burn" not in r.name
    ]
    assert len(health) == 10
    assert calls[8:] == [
        f"aws cloudwatch set-alarm-state --alarm-name {name} --state-value OK --state-reason {RECHECK_REASON}"
        for name in dev["offHours"]["recheckAlarmNames"]
    ]
    assert sorted(dev["offHours"]["recheckAlarmNames"]) == sorted(health)


AURORA = {"tm:database.engine": "auroraServerless"}


def test_an_aurora_cluster_is_never_stopped_it_pauses_by_itself(tmp_path: Path) -> None:
    """At 0 ACU a cluster with no connection pauses and resumes on the next one: the schedules stop
    no database, and waking starts none (there is no RDS instance of that name to start)."""
    plan = plan_for("dev", AURORA)
    assert plan.of_type(SCHEDULED_ACTION)  # the tasks still sleep
    assert not [s for s in plan.of_type(SCHEDULE) if "rds:" in str(s.inputs["target"]["arn"])]
    assert plan.outputs["offHours"].get("stoppedDatabase") is None  # a None leaves the key out
    assert plan_for("dev").outputs["offHours"]["stoppedDatabase"] == "tasking-manager-dev"
    _, calls = wake(tmp_path, "dev", "--before-deploy", overrides=AURORA)
    # The tasks, then the alarms' actions and each health alarm's re-check: no database call.
    rechecks = len(plan.outputs["offHours"]["recheckAlarmNames"])
    assert [c.split()[1] for c in calls] == ["application-autoscaling"] * 2 + ["cloudwatch"] * (1 + rechecks)


def test_before_a_deploy_it_wakes_without_waiting_for_the_old_tasks(tmp_path: Path) -> None:
    _, calls = wake(tmp_path, "dev", "--before-deploy", status="available")
    assert [c.split()[1:3] for c in calls] == [
        ["rds", "describe-db-instances"],
        ["rds", "wait"],
        ["application-autoscaling", "register-scalable-target"],
        ["application-autoscaling", "register-scalable-target"],
        ["cloudwatch", "enable-alarm-actions"],
        *[["cloudwatch", "set-alarm-state"]] * 10,
    ]


def test_a_stack_that_never_sleeps_is_left_alone(tmp_path: Path) -> None:
    out, calls = wake(tmp_path, "prod")
    assert "prod never sleeps" in out
    assert calls == []


def test_the_wake_workflow_runs_the_script_with_the_stacks_deploy_role() -> None:
    workflow = load("wake.yml")
    assert set(workflow["on"]) == {"workflow_dispatch"}
    assert workflow["on"]["workflow_dispatch"]["inputs"]["stack"]["options"] == ["dev"]
    job = jobs("wake.yml")["wake"]
    # The dev environment's variable is the dev deploy role (docs/operations/ci.md).
    assert job["environment"] == "${{ inputs.stack }}"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert '.github/scripts/wake.sh "$STACK"' in str(job["steps"][index_of(job, "wake.sh")]["run"])
    # A deployment to a sleeping stack wakes it before its migrations.
    deploy = jobs("deploy.yml")["deploy"]
    assert index_of(deploy, "wake.sh") < next(
        i for i, step in enumerate(deploy["steps"]) if step.get("id") == "migrate"
    )


def start_database(tmp_path: Path, statuses: list[str], start: str = "true") -> tuple[int, list[str], str]:
    """scripts/start-database.sh with aws stubbed: describe-db-instances answers `statuses` in
    turn (the last one again), start-db-instance runs `start`; returns the status, aws's calls
    (service, command, first argument) and stderr."""
    tmp_path.mkdir(exist_ok=True)
    calls, answers = tmp_path / "calls", tmp_path / "statuses"
    answers.write_text("\n".join(statuses) + "\n")
    stub(
        tmp_path / "bin",
        "aws",
        f"""echo "aws $*" >> "{calls}"
case "$2" in
  describe-db-instances)
    head -n 1 "{answers}"
    if [ "$(wc -l < "{answers}")" -gt 1 ]; then sed -i 1d "{answers}"; fi ;;
  start-db-instance) {start} ;;
esac""",
    )
    result = subprocess.run(
        ["scripts/start-database.sh", "tasking-manager-dev"],
        env={"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "POLL_SECONDS": "0"},
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    called = [" ".join(c.split()[1:3]) for c in calls.read_text().splitlines()]
    return result.returncode, called, result.stderr


def test_a_database_just_put_to_sleep_is_started_once_stopped(tmp_path: Path) -> None:
    # The AWS CLI has no waiter for a stopped instance: the script polls until it is.
    status, called, err = start_database(tmp_path, ["stopping", "stopping", "stopped"])
    assert status == 0, err
    assert called == [
        "rds describe-db-instances",
        "rds describe-db-instances",
        "rds describe-db-instances",
        "rds start-db-instance",
        "rds wait",
    ]


def test_a_database_another_run_started_meanwhile_is_only_waited_for(tmp_path: Path) -> None:
    # Two review jobs read "stopped"; the second start is refused (InvalidDBInstanceState).
    refused = 'echo "An error occurred (InvalidDBInstanceState) when calling StartDBInstance" >&2; exit 254'
    status, called, err = start_database(tmp_path, ["stopped", "starting"], start=refused)
    assert status == 0, err
    assert called[-1] == "rds wait"
    # Any other refusal is a failure, and says why.
    status, called, err = start_database(tmp_path / "other", ["stopped", "stopped"], start=refused)
    assert status != 0
    assert "InvalidDBInstanceState" in err
    assert "rds wait" not in called


def test_review_workflows_may_start_only_their_bases_database() -> None:
    """Creating, seeding and dropping a review app's database (scripts/review-database.sh) start
    dev's instance when it sleeps: the review role may start that one instance, and stop none."""
    policies = role_policies("review")
    dev_database = f"arn:aws:rds:us-east-1:{OFFLINE_ACCOUNT_ID}:db:tasking-manager-dev"
    context = {"aws:ResourceTag/Environment": "dev"}
    for action in ("rds:DescribeDBInstances", "rds:StartDBInstance"):
        assert evaluate(policies, Request(action, dev_database, context)).allowed, action
    assert not evaluate(policies, Request("rds:StopDBInstance", dev_database, context)).allowed
    other = dev_database.replace("tasking-manager-dev", "tasking-manager-prod")
    assert not evaluate(policies, Request("rds:StartDBInstance", other, {})).allowed
    assert (
        "scripts/start-database.sh"
        in (Path(__file__).resolve().parent.parent / "scripts" / "review-database.sh").read_text()
    )


def test_a_review_app_deployed_at_night_is_woken_before_its_heartbeat_is_awaited() -> None:
    deploy = jobs("review-app.yml")["deploy"]
    wait = str(deploy["steps"][index_of(deploy, "wait-healthy.sh")]["run"])
    assert wait.index("register-scalable-target") < wait.index("aws ecs wait services-stable")
    assert "--min-capacity 1 --max-capacity 1" in wait


def test_the_off_hours_table_in_the_cost_doc_is_current() -> None:
    """docs/costs.md's dev always on against sleeping: sleeping is the plan's estimate; always on
    adds back what the schedules take off the tasks and the instance hours."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "costs.md").read_text()
    row = re.search(
        r"\| \*\*dev\*\* \| \*\*\$([0-9.]+)\*\* \| \*\*\$([0-9.]+)\*\* \| \*\*\$([0-9.]+)\*\* \|", doc
    )
    assert row, "docs/costs.md has no off-hours row for dev"
    cost = estimate(plan_for("dev"))
    scheduled = {
        r.name: r.charges[0].usd
        for r in cost.resources
        if r.type in ("aws:ecs/service:Service", "aws:rds/instance:Instance")
    }
    always_on = (
        cost.total_usd
        + (scheduled["backend-api"] + scheduled["backend-cron"]) * (168 / 70 - 1)
        + scheduled["database"] * (168 / 71.25 - 1)
    )
    assert [float(v) for v in row.groups()] == [
        round(always_on, 2),
        round(cost.total_usd, 2),
        round(round(always_on, 2) - round(cost.total_usd, 2), 2),
    ]


def test_schedules_the_model_cannot_read_leave_the_database_priced_all_month() -> None:
    """Only the RDS stop and start calls naming the instance move its hours; any other schedule
    (an input that is not a request, another instance) leaves it running all month."""
    p = costs.Prices.load()
    instance = costs.Resource(
        "urn:db",
        "aws:rds/instance:Instance",
        "db",
        {"engine": "postgres", "instanceClass": "db.t4g.micro", "identifier": "db", "allocatedStorage": 20},
    )

    def schedule(name: str, call: str, when: str, request: str) -> costs.Resource:
        target = {"arn": f"arn:aws:scheduler:::aws-sdk:rds:{call}", "input": request}
        return costs.Resource(f"urn:{name}", SCHEDULE, name, {"scheduleExpression": when, "target": target})

    def instance_hours(*schedules: costs.Resource) -> float:
        usage = costs.Usage.from_mapping(plan_for("dev").usage)
        (priced,) = [r for r in costs.estimate([instance, *schedules], usage).resources if r.urn == "urn:db"]
        return priced.charges[0].usd

    all_month = p.rds_postgres_hour["db.t4g.micro"].usd * p.hours_per_month
    assert instance_hours(
        schedule("a", "stopDBInstance", "cron(0 20 ? * * *)", "not json"),
        schedule("b", "startDBInstance", "cron(0 6 ? * MON-FRI *)", '{"DbInstanceIdentifier": "other"}'),
    ) == pytest.approx(all_month)
    # Named: 14 h on 5 days (the MON-FRI range and the every-day `*` as the model reads them).
    assert instance_hours(
        schedule("a", "stopDBInstance", "cron(0 20 ? * * *)", '{"DbInstanceIdentifier": "db"}'),
        schedule("b", "startDBInstance", "cron(0 6 ? * MON-FRI *)", '{"DbInstanceIdentifier": "db"}'),
    ) == pytest.approx(all_month * 70 / 168)
