"""The bootstrap program (bootstrap/) run under Pulumi's mocks, the way offline/engine.py runs the
main one (inside a stack, against a recording monitor), with its own project name and mocks that
answer the IAM and KMS resources only the bootstrap declares with the ARNs AWS gives them; and
its monthly cost, priced with the account-level prices and the bootstrap's `bootstrap:usage`.

`python -m offline plan bootstrap` prints it (`make plan STACK=bootstrap`). The policy packs check
stacks, not the bootstrap, and are not run on it.
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockResourceArgs
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from offline.config import load_stack_config
from offline.costing import costs, resource_of
from offline.engine import PROJECT_DIR
from offline.mocks import OfflineMocks, RecordingMonitor, Registration
from offline.report import render_cost, render_outputs, render_tree

BOOTSTRAP_DIR = PROJECT_DIR / "bootstrap"
if str(BOOTSTRAP_DIR) not in sys.path:
    sys.path.append(str(BOOTSTRAP_DIR))

from tm_bootstrap.settings import BootstrapSettings, parse_settings  # noqa: E402  (needs the path above)

# An example account: the bootstrap has no committed stack file (its config is the administrator's).
EXAMPLE_ACCOUNT = "210987654321"
EXAMPLE_CONFIG: dict[str, Any] = {
    "bootstrap:githubRepository": "hotosm/tasking-manager",
    "bootstrap:accountId": EXAMPLE_ACCOUNT,
    "bootstrap:region": "us-east-1",
}
PROJECT = "tasking-manager-bootstrap"
# Nothing a stack's usage assumes is in the bootstrap: its account-level usage prices it.
NO_STACK_USAGE = costs.Usage.from_mapping(dict.fromkeys(costs.Usage.KEYS, 0))


class BootstrapMocks(OfflineMocks):
    """The project's mocks, plus the ARN shapes of the IAM resources only the bootstrap declares
    (the generic rule would make up `openIdConnectProvider/<name>` ARNs)."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        resource_id, outputs = super().new_resource(args)
        if args.typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            host = str(args.inputs["url"]).removeprefix("https://")
            arn = f"arn:aws:iam::{self.account_id}:oidc-provider/{host}"
            return arn, {**outputs, "id": arn, "arn": arn}
        if args.typ == "aws:iam/policy:Policy":
            arn = f"arn:aws:iam::{self.account_id}:policy/{args.inputs['name']}"
            return arn, {**outputs, "id": arn, "arn": arn}
        if args.typ == "aws:iam/serviceLinkedRole:ServiceLinkedRole":
            service = str(args.inputs["awsServiceName"])
            name = f"AWSServiceRoleFor{service.split('.')[0].capitalize()}"
            arn = f"arn:aws:iam::{self.account_id}:role/aws-service-role/{service}/{name}"
            return arn, {**outputs, "id": arn, "arn": arn, "name": name}
        return resource_id, outputs


@dataclass(frozen=True)
class BootstrapPlan:
    stack: str
    config: dict[str, str]  # flat, as the CLI hands it to the program
    resources: list[Registration]
    outputs: dict[str, Any]

    @property
    def settings(self) -> BootstrapSettings:
        return parse_settings(self.stack, self.config)


def run_bootstrap(
    overrides: Mapping[str, Any] | None = None,
    stack: str = "offline",
    base: Mapping[str, Any] = EXAMPLE_CONFIG,
) -> BootstrapPlan:
    """Evaluate bootstrap/__main__.py for `stack`: `base` with `overrides` (`pulumi config set
    --path` keys, e.g. `bootstrap:security.guardDuty`)."""
    wanted = {**base, **(overrides or {})}
    config = load_stack_config(BOOTSTRAP_DIR, stack, wanted)
    mocks = BootstrapMocks(account_id=str(wanted.get("bootstrap:accountId", EXAMPLE_ACCOUNT)))
    monitor = RecordingMonitor(mocks)
    runtime_settings.SETTINGS.rpc_manager.clear()
    runtime_settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_all_config(config.values, config.secret_keys)
    # As in offline/engine.py: keep set_mocks from making a stack of its own, run in ours.
    runtime_settings.ROOT.set(object())  # type: ignore[arg-type]
    pulumi.runtime.set_mocks(mocks, PROJECT, stack, preview=False, monitor=monitor)
    runtime_settings.ROOT.set(None)

    def program() -> None:
        runpy.run_path(str(BOOTSTRAP_DIR / "__main__.py"), run_name="__main__")

    _sync_await(run_in_stack(program))
    return BootstrapPlan(stack, dict(config.values), monitor.registrations, monitor.stack_outputs)


def estimate_bootstrap(plan: BootstrapPlan, prices: costs.Prices | None = None) -> costs.StackCost:
    """The bootstrap's monthly cost: the account-level services priced with its `bootstrap:usage`."""
    account = costs.AccountUsage.from_mapping(plan.settings.usage.to_mapping())
    return costs.estimate([resource_of(r) for r in plan.resources], NO_STACK_USAGE, prices, account)


def render_bootstrap(plan: BootstrapPlan) -> str:
    lines = [
        f"Offline plan of the bootstrap (stack '{plan.stack}', account {plan.settings.account_id}): "
        f"{len(plan.resources)} resources, computed under mocks with no cloud access; the policy "
        "packs check stacks and are not run on it",
        "",
        *render_tree(plan.resources),
        "",
        *render_cost(estimate_bootstrap(plan)),
        "",
        *render_outputs(plan.outputs),
    ]
    return "\n".join(lines) + "\n"
