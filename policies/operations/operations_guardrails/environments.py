"""Which environment a stack is, as the policy config says (never guessed from its resources).

Every environment-specific policy reads `environment` from its own config; the files under
config/ set it for each policy. Without it a guardrail cannot know what to demand, so it says so
instead of passing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pulumi_policy import ResourceValidationArgs, StackValidationArgs

ENVIRONMENTS = ("prod", "staging", "dev", "review")
# Stacks held to production's shape: staging rehearses releases on it, with its own thresholds.
PRODUCTION_SHAPED = ("prod", "staging")
ENVIRONMENT: dict[str, dict[str, Any]] = {
    "environment": {
        "type": "string",
        "enum": list(ENVIRONMENTS),
        "description": "The stack's environment: prod, staging, dev or review",
    }
}
MISSING = (
    "no environment in the policy config: run with --policy-pack-config "
    "policies/operations/config/<environment>.json"
)


def environment(args: ResourceValidationArgs | StackValidationArgs) -> str | None:
    value = args.get_config().get("environment")
    return str(value) if value else None


def _applies(wanted: str | tuple[str, ...], configured: str) -> str | None:
    """Why a policy for `wanted` environments does not apply to a `configured` stack, or None."""
    environments = (wanted,) if isinstance(wanted, str) else wanted
    if configured in environments:
        return None
    return f"applies to {' and '.join(environments)} stacks only, this one is {configured}"


def only_in(
    wanted: str | tuple[str, ...], check: Callable[[ResourceValidationArgs], Iterable[str]]
) -> Callable[[ResourceValidationArgs], Iterator[str]]:
    """`check`, run only on `wanted` stacks; elsewhere the policy is marked not applicable."""

    def scoped(args: ResourceValidationArgs) -> Iterator[str]:
        configured = environment(args)
        if configured is None:
            yield MISSING
            return
        reason = _applies(wanted, configured)
        if reason:
            args.not_applicable(reason)
        yield from check(args)

    return scoped


StackItem = tuple[str, str | None]


def stack_only_in(
    wanted: str | tuple[str, ...], check: Callable[[StackValidationArgs], Iterable[StackItem]]
) -> Callable[[StackValidationArgs], Iterator[StackItem]]:
    """The stack-policy form of `only_in`."""

    def scoped(args: StackValidationArgs) -> Iterator[StackItem]:
        configured = environment(args)
        if configured is None:
            yield (MISSING, None)
            return
        reason = _applies(wanted, configured)
        if reason:
            args.not_applicable(reason)
        yield from check(args)

    return scoped
