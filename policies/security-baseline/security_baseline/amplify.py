"""Amplify Hosting: what the front-end build sees is public, and unfinished branches are not."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from .credentials import why_secret
from .framework import (
    ResourcePolicy,
    StackPolicy,
    canonical,
    config_value,
    is_true,
    of_type,
    referenced,
)

APP = "aws:amplify/app:App"
BRANCH = "aws:amplify/branch:Branch"

_ALLOWED_NAMES = {
    "allowedNames": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Build variables named like secrets but public by design (a front-end Sentry DSN)",
    }
}


def _no_secrets(args: ResourceValidationArgs) -> Iterator[str]:
    allowed = config_value(args, "allowedNames", _ALLOWED_NAMES)
    blocks = [("environmentVariables", args.props.get("environmentVariables") or {})]
    if canonical(args.resource_type) == APP:
        auto = args.props.get("autoBranchCreationConfig") or {}
        blocks.append(
            ("autoBranchCreationConfig.environmentVariables", auto.get("environmentVariables") or {})
        )
    for where, variables in blocks:
        for name in variables:
            reason = why_secret(str(name), variables[name], allowed)
            if reason:
                yield f"{where}: {reason}; everything a React build sees ends up in public JavaScript"


amplify_no_secrets_in_build_variables = ResourcePolicy(
    name="amplify-no-secrets-in-build-variables",
    summary="Amplify build variables hold no secrets (the front-end bundle is public)",
    controls=("Prowler amplify_app_no_secrets_in_environment", "ref #43"),
    severity=Severity.HIGH,
    resource_types=(APP, BRANCH),
    unset="environmentVariables unset: nothing to leak",
    check=_no_secrets,
    config=_ALLOWED_NAMES,
)


def _protected(branch: PolicyResource, apps: list[PolicyResource]) -> bool:
    own = branch.props.get("enableBasicAuth")
    if own is not None:
        return is_true(own)
    # No stack of the program adds a branch to another stack's app: a branch whose app is not in
    # the stack has only its own setting, which is unset here (fail closed).
    owners = referenced(branch, "appId", apps, "id")
    return any(is_true(app.props.get("enableBasicAuth")) for app in owners)


def _basic_auth(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    apps = list(of_type(args.resources, APP))
    for branch in of_type(args.resources, BRANCH):
        stage = branch.props.get("stage") or "NONE"
        if stage != "PRODUCTION" and not _protected(branch, apps):
            yield (f"(stage {stage}) is open to anyone: turn basic auth on", branch.urn)
    for app in apps:
        auto = app.props.get("autoBranchCreationConfig") or {}
        automatic = is_true(app.props.get("enableAutoBranchCreation"))
        protected = is_true(auto.get("enableBasicAuth")) or is_true(app.props.get("enableBasicAuth"))
        if automatic and not protected:
            yield ("creates branches automatically without basic auth", app.urn)


amplify_basic_auth_off_production = StackPolicy(
    name="amplify-basic-auth-off-production",
    summary="Amplify branches other than production are behind basic auth",
    controls=("ref #44 (suggested)",),
    severity=Severity.LOW,
    resource_types=(APP, BRANCH),
    unset="Branch.stage unset: NONE (not production); Branch.enableBasicAuth unset: the app's setting "
    "(none when the app is not in the stack)",
    check=_basic_auth,
)

POLICIES = [amplify_no_secrets_in_build_variables, amplify_basic_auth_off_production]
