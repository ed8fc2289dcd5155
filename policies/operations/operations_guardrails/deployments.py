"""Rollouts that stop themselves: a service whose new tasks never become healthy is rolled back by
ECS, so a bad image cannot replace every working task and `pulumi up` fails instead of succeeding."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, Severity

from .framework import ResourcePolicy, is_true

ECS_SERVICE = "aws:ecs/service:Service"


def _circuit_breaker(args: ResourceValidationArgs) -> Iterator[str]:
    controller = (args.props.get("deploymentController") or {}).get("type") or "ECS"
    if controller != "ECS":
        return  # CODE_DEPLOY and EXTERNAL rollouts are not ECS's to stop
    breaker = args.props.get("deploymentCircuitBreaker") or {}
    if not is_true(breaker.get("enable")):
        yield "the deployment circuit breaker is off: a rollout of tasks that never start runs forever"
    elif not is_true(breaker.get("rollback")):
        yield "the circuit breaker stops a failed rollout without rolling back to the tasks that worked"


ecs_service_circuit_breaker = ResourcePolicy(
    name="ecs-service-circuit-breaker",
    summary="ECS rollouts stop and roll back by themselves (deployment circuit breaker with rollback)",
    controls=("HOT design: a bad image never replaces every working task",),
    severity=Severity.HIGH,
    resource_types=(ECS_SERVICE,),
    unset="deploymentCircuitBreaker unset: off",
    check=_circuit_breaker,
    enforcement=EnforcementLevel.MANDATORY,
)

POLICIES = [ecs_service_circuit_breaker]
