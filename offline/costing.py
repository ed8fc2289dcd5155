"""The operations pack's cost model, applied to an offline plan.

The model lives once, in `policies/operations/operations_guardrails/costs.py`, because the Pulumi
CLI runs the pack (and its budget policy) from the pack's own directory; here the pack directory
goes on the import path, as `python -m pulumi.policy .` puts it there, and the same module is used.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import get_args

from components.profiles import PROFILES
from components.settings import CpuArchitecture
from offline.engine import PROJECT_DIR, Plan
from offline.mocks import Registration

_PACK_DIR = PROJECT_DIR / "policies" / "operations"
if str(_PACK_DIR) not in sys.path:
    sys.path.append(str(_PACK_DIR))

from operations_guardrails import costs  # noqa: E402  (needs the path above)
from operations_guardrails import environments as pack_environments  # noqa: E402

__all__ = [
    "ARCHITECTURES",
    "TASK_DEFINITION",
    "architecture_of",
    "costs",
    "estimate",
    "on_architecture",
    "pack_environments",
    "resource_of",
]


def resource_of(registration: Registration) -> costs.Resource:
    """A plan's registration as the model reads it: the inputs the program declared."""
    return costs.Resource(
        urn=registration.urn,
        type=registration.type,
        name=registration.name,
        props=registration.inputs,
        parent=registration.parent,
        dependencies=tuple(registration.dependencies),
        property_dependencies={k: tuple(v) for k, v in registration.property_dependencies.items()},
        custom=registration.custom,
    )


def estimate(plan: Plan, prices: costs.Prices | None = None) -> costs.StackCost:
    """The plan's monthly cost with the stack's own `tm:usage` assumptions (a plan put together
    by hand, without them, gets its environment's defaults)."""
    usage = plan.usage or PROFILES[plan.environment]["usage"]
    return costs.estimate([resource_of(r) for r in plan.resources], costs.Usage.from_mapping(usage), prices)


TASK_DEFINITION = costs.TASK_DEFINITION
ARCHITECTURES: tuple[str, ...] = get_args(CpuArchitecture)


def architecture_of(plan: Plan) -> str | None:
    """The CPU architecture of the plan's Fargate tasks (one per stack), None without tasks."""
    found = {r.inputs["runtimePlatform"]["cpuArchitecture"] for r in plan.of_type(TASK_DEFINITION)}
    if len(found) > 1:
        raise ValueError(
            f"stack {plan.stack} runs tasks on {', '.join(sorted(found))}: one architecture expected"
        )
    return str(found.pop()) if found else None


def on_architecture(plan: Plan, architecture: str) -> Plan:
    """The plan with every task definition on `architecture`: all that tm:ecs.cpuArchitecture (or
    tm:reviewApp.cpuArchitecture) changes in a plan, so it prices alike (a test holds it to a
    real plan of the other architecture)."""

    def moved(r: Registration) -> Registration:
        if r.type != TASK_DEFINITION:
            return r
        platform = {**r.inputs.get("runtimePlatform", {}), "cpuArchitecture": architecture}
        return replace(r, inputs={**r.inputs, "runtimePlatform": platform})

    return replace(plan, resources=[moved(r) for r in plan.resources])
