"""How long a rollout of a new image takes once `pulumi up` starts it, per ECS service, and what
gates it: the numbers the plan itself sets (health-check grace, health checks, draining, the
deployment alarms' windows) plus one assumption, the time to start a task.

ECS replaces an API task only after the new one is healthy behind the load balancer; it then
drains the old one, and with deployment alarms it keeps watching them for a bake time that it
derives from the alarms (the longest evaluation periods x period, ECS developer guide,
"deployment alarm failure detection"). `pulumi up` waits for all of it (`waitForSteadyState`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from offline.engine import Plan
from offline.mocks import Registration

# Pulling the back-end image (a few hundred MB) and starting Python on Fargate: an assumption.
TASK_START = (60.0, "assumed: image pull and start on Fargate")
# ECS's default: a stopped container gets SIGTERM, then SIGKILL 30 s later (stopTimeout unset).
STOP_TIMEOUT = (30.0, "ECS default stopTimeout")


@dataclass(frozen=True)
class Rollout:
    service: str
    waits: bool  # whether `pulumi up` waits for the steady state
    gates: tuple[str, ...]  # what rolls it back
    steps: tuple[tuple[str, float, str], ...]  # (what, seconds, basis)

    @property
    def seconds(self) -> float:
        return sum(seconds for _, seconds, _ in self.steps)


def rollouts(plan: Plan) -> list[Rollout]:
    return [_rollout(plan, service) for service in plan.of_type("aws:ecs/service:Service")]


def _rollout(plan: Plan, service: Registration) -> Rollout:
    inputs = service.inputs
    gates = []
    if (inputs.get("deploymentCircuitBreaker") or {}).get("rollback"):
        gates.append("circuit breaker (tasks that never become healthy)")
    alarms = inputs.get("alarms") or {}
    if alarms.get("enable") and alarms.get("rollback"):
        gates.append("alarms " + ", ".join(alarms["alarmNames"]))
    steps: list[tuple[str, float, str]] = []
    if float(inputs.get("deploymentMinimumHealthyPercent", 100)) == 0:
        steps.append(("stop the old task first", *STOP_TIMEOUT))
    steps.append(("start a new task", *TASK_START))
    for target_group in _target_groups(plan, service):
        check = target_group.inputs["healthCheck"]
        checks = float(check["interval"]) * float(check["healthyThreshold"])
        grace = float(inputs.get("healthCheckGracePeriodSeconds") or 0)
        steps.append(
            ("become healthy", max(checks, grace), f"max(grace {grace:g} s, {checks:g} s of health checks)")
        )
        drain = float(target_group.inputs.get("deregistrationDelay", 300))
        steps.append(("drain the old task", drain, "target group deregistration delay"))
    if alarms.get("enable"):
        bake = max(_alarm_window(plan, name) for name in alarms["alarmNames"])
        steps.append(("watch the alarms", bake, "ECS bake time: the alarms' evaluation periods x period"))
    return Rollout(service.name, bool(inputs.get("waitForSteadyState")), tuple(gates), tuple(steps))


def _target_groups(plan: Plan, service: Registration) -> Iterable[Registration]:
    arns = {lb["targetGroupArn"] for lb in service.inputs.get("loadBalancers") or []}
    return [t for t in plan.of_type("aws:lb/targetGroup:TargetGroup") if t.outputs.get("arn") in arns]


def _alarm_window(plan: Plan, name: str) -> float:
    (alarm,) = [
        a for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.inputs.get("name") == name
    ]
    return float(alarm.inputs["evaluationPeriods"]) * _period(alarm.inputs)


def _period(inputs: dict[str, Any]) -> float:
    if inputs.get("period"):
        return float(inputs["period"])
    return max(float(q["metric"]["period"]) for q in inputs["metricQueries"] if q.get("metric"))
