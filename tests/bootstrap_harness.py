"""The bootstrap program (bootstrap/) run under Pulumi's mocks, the way offline/engine.py runs the
main one (inside a stack, against a recording monitor), with its own project name and mocks that
answer IAM's OIDC providers and policies with the ARNs AWS gives them."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockResourceArgs
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from offline.config import load_stack_config
from offline.mocks import OfflineMocks, RecordingMonitor, Registration

BOOTSTRAP_DIR = Path(__file__).resolve().parent.parent / "bootstrap"


ACCOUNT = "210987654321"
REPOSITORY = "hotosm/tasking-manager"
CONFIG = {
    "bootstrap:githubRepository": REPOSITORY,
    "bootstrap:accountId": ACCOUNT,
    "bootstrap:region": "us-east-1",
}
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


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
        return resource_id, outputs


class Bootstrap:
    def __init__(self, monitor: RecordingMonitor) -> None:
        self.resources: list[Registration] = monitor.registrations
        self.outputs: dict[str, Any] = monitor.stack_outputs
        self.protected = {r.urn for r in self.resources if r.protect}

    def of_type(self, token: str) -> list[Registration]:
        return [r for r in self.resources if r.type == token]

    def one(self, token: str) -> Registration:
        (found,) = self.of_type(token)
        return found

    def role(self, key: str) -> Registration:
        return next(
            r for r in self.of_type("aws:iam/role:Role") if r.inputs["name"] == f"tasking-manager-ci-{key}"
        )

    def role_policies(self, key: str) -> list[dict[str, Any]]:
        """Every identity policy of the CI role `key`: inline ones and attached managed ones."""
        role = self.role(key)
        inline = [
            p.inputs["policy"]
            for p in self.of_type("aws:iam/rolePolicy:RolePolicy")
            if p.inputs["role"] == role.outputs["id"]
        ]
        attached = {
            a.inputs["policyArn"]
            for a in self.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if a.inputs["role"] == role.outputs["name"]
        }
        managed = [
            p.inputs["policy"] for p in self.of_type("aws:iam/policy:Policy") if p.outputs["arn"] in attached
        ]
        return [json.loads(document) for document in inline + managed]

    def boundary(self) -> dict[str, Any]:
        (policy,) = [
            p
            for p in self.of_type("aws:iam/policy:Policy")
            if p.inputs["name"] == "tasking-manager-ci-review-boundary"
        ]
        return dict(json.loads(policy.inputs["policy"]))

    def trust(self, key: str) -> dict[str, Any]:
        return dict(json.loads(self.role(key).inputs["assumeRolePolicy"]))


def run_bootstrap(overrides: dict[str, Any], stack: str = "offline-test") -> Bootstrap:
    """Evaluate bootstrap/__main__.py for `stack` with `overrides` as its whole config."""
    config = load_stack_config(BOOTSTRAP_DIR, stack, overrides)
    mocks = BootstrapMocks(account_id=str(overrides.get("bootstrap:accountId", ACCOUNT)))
    monitor = RecordingMonitor(mocks)
    runtime_settings.SETTINGS.rpc_manager.clear()
    runtime_settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_all_config(config.values, config.secret_keys)
    # As in offline/engine.py: keep set_mocks from making a stack of its own, run in ours.
    runtime_settings.ROOT.set(object())  # type: ignore[arg-type]
    pulumi.runtime.set_mocks(mocks, "tasking-manager-bootstrap", stack, preview=False, monitor=monitor)
    runtime_settings.ROOT.set(None)

    def program() -> None:
        runpy.run_path(str(BOOTSTRAP_DIR / "__main__.py"), run_name="__main__")

    _sync_await(run_in_stack(program))
    return Bootstrap(monitor)


_RUNS: dict[str, Bootstrap] = {}


def bootstrap_run(**extra: Any) -> Bootstrap:
    """The bootstrap with CONFIG and `extra` settings (camelCase keys), run once per config."""
    overrides = {**CONFIG, **{f"bootstrap:{k}": v for k, v in extra.items()}}
    key = json.dumps(overrides, sort_keys=True)
    if key not in _RUNS:
        _RUNS[key] = run_bootstrap(overrides)
    return _RUNS[key]
