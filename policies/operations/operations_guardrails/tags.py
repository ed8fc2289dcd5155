"""Tags: what cost reports, the review-app TTL sweep and on-call rely on, on every resource."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, Severity

from .environments import ENVIRONMENT, MISSING, environment, only_in
from .framework import ResourcePolicy, config_value, provider_default_tags

PROVIDER = "pulumi:providers:aws"
TAGGED = ("aws:*", PROVIDER)

_TAGS = {
    **ENVIRONMENT,
    "tags": {
        "type": "array",
        "items": {"type": "string"},
        "default": ["Project", "Environment", "Stack", "ManagedBy", "Owner", "CostCenter"],
        "description": "Tags every AWS resource carries (from the provider's defaultTags or its own tags)",
    },
}


def effective_tags(args: ResourceValidationArgs) -> dict[str, str]:
    """What AWS will tag the resource with: its provider's default tags, then its own. For the
    provider itself, its default tags."""
    if args.resource_type == PROVIDER:
        return provider_default_tags(args.props)
    tags = provider_default_tags(args.provider.props if args.provider else None)
    own = args.props.get("tags") or {}
    tags.update({str(k): str(own[k]) for k in own})
    return tags


def _required_tags(args: ResourceValidationArgs) -> Iterator[str]:
    wanted = environment(args)
    if wanted is None:
        yield MISSING
        return
    tags = effective_tags(args)
    missing = [tag for tag in config_value(args, "tags", _TAGS) if not tags.get(tag, "").strip()]
    if missing:
        shown = ", ".join(missing)
        yield f"missing tag(s) {shown}: neither the provider's defaultTags nor the resource's tags set them"
    if tags.get("Environment") and tags["Environment"] != wanted:
        yield f"the Environment tag is {tags['Environment']} on a {wanted} stack"


required_tags = ResourcePolicy(
    name="required-tags",
    summary="AWS resources carry the required tags, and Environment names the configured environment",
    controls=("HOT design: provider default tags",),
    severity=Severity.MEDIUM,
    resource_types=TAGGED,
    unset="a resource's tags unset: its provider's defaultTags apply",
    check=_required_tags,
    config=_TAGS,
    required=["environment"],
    enforcement=EnforcementLevel.MANDATORY,
)


def _expiry(args: ResourceValidationArgs) -> Iterator[str]:
    expires = effective_tags(args).get("ExpiresAt", "")
    if not expires:
        yield "no ExpiresAt tag: the nightly sweep cannot tell when to destroy this review app"
        return
    try:
        datetime.date.fromisoformat(expires[:10])
    except ValueError:
        yield f"ExpiresAt is '{expires}', not a date (YYYY-MM-DD)"


review_expiry_tag = ResourcePolicy(
    name="review-expiry-tag",
    summary="Review stacks tag every resource with an ExpiresAt date for the TTL sweep",
    controls=("HOT design: review apps",),
    severity=Severity.MEDIUM,
    resource_types=TAGGED,
    unset="ExpiresAt unset: the review app is never swept",
    check=only_in("review", _expiry),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=EnforcementLevel.MANDATORY,
)

POLICIES = [required_tags, review_expiry_tag]
