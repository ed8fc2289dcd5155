"""Run the real `__main__.py` for a stack under Pulumi's mocks and record what it declares.

No Pulumi CLI, no provider plugins, no AWS account: the program runs in this process against a
recording mock monitor, with its stack's real config. What comes back (`Plan`) is what the plan
command prints and what tests and policy runs look at.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from components.profiles import PROFILES
from components.settings import (
    APP_SECRET_NAMES,
    OPERATOR_SECRETS,
    OPERATOR_SETTINGS,
    REVIEW_STACK_PATTERN,
    BaseSettings,
    ReviewSettings,
    parse_settings,
    qualified_stack_name,
)
from offline.config import (
    SECRET_PLACEHOLDER,
    StackConfig,
    load_stack_config,
    with_operator_secrets,
    with_operator_settings,
    with_placeholder_secret,
)
from offline.fast_runtime import fast_runtime
from offline.mocks import OFFLINE_ACCOUNT_ID, OfflineMocks, RecordingMonitor, Registration

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROJECT_NAME = "tasking-manager"
_PLACEHOLDER_ROOT = object()


@dataclass(frozen=True)
class Plan:
    stack: str
    environment: str
    resources: list[Registration]
    outputs: dict[str, Any]
    placeholder_secrets: list[str] = field(default_factory=list)
    # The stack's `tm:usage` settings (camelCase): what the cost estimate assumes of a month.
    usage: dict[str, Any] = field(default_factory=dict)
    # The data sources the program read: (token, arguments).
    invokes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def of_type(self, token: str) -> list[Registration]:
        """Resources of one type token; `aws:lb/...` and `aws:alb/...` name the same thing."""
        aliases = {token, token.replace("aws:alb/", "aws:lb/"), token.replace("aws:lb/", "aws:alb/")}
        return [r for r in self.resources if r.type in aliases]

    def one(self, token: str) -> Registration:
        found = self.of_type(token)
        if len(found) != 1:
            raise AssertionError(f"expected exactly one {token}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.resources if r.urn == urn)

    def component(self, token: str) -> Plan:
        """The part of the plan inside the one component of type `token` (itself included)."""
        inside = {self.one(token).urn}
        for resource in self.resources:  # sorted by URN, so parents come before their children
            if resource.parent in inside:
                inside.add(resource.urn)
        return Plan(
            self.stack,
            self.environment,
            [r for r in self.resources if r.urn in inside],
            self.outputs,
            self.placeholder_secrets,
            self.usage,
            self.invokes,
        )


def stack_config(
    stack: str, overrides: dict[str, Any] | None = None, project_dir: Path = PROJECT_DIR
) -> StackConfig:
    """The config the program of `stack` runs with offline: its stack file and `overrides`, what the
    review workflow sets on a review stack, and placeholders for what the operator sets."""
    review = REVIEW_STACK_PATTERN.match(stack)
    if review and not (project_dir / f"Pulumi.{stack}.yaml").exists():
        overrides = {**review_config(int(review.group(1)), project_dir), **(overrides or {})}
    config = load_stack_config(project_dir, stack, overrides)
    # Review stacks hold no operator secrets; a Kubernetes stack has none of the AWS ones (the
    # Amplify token and basic auth, the review database key).
    kubernetes = config.values.get("tm:platform") == "kubernetes"
    if config.values.get("tm:environment") != "review" and not kubernetes:
        config = with_operator_secrets(config, [f"tm:{key}" for key in OPERATOR_SECRETS])
        config = with_operator_settings(config, {f"tm:{k}": v for k, v in OPERATOR_SETTINGS.items()})
    if _kubernetes_mode(config, "secrets") == "secret":  # the values of its plain Secret
        values = json.dumps(dict.fromkeys(APP_SECRET_NAMES, SECRET_PLACEHOLDER))
        config = with_placeholder_secret(config, "tm:appSecrets", values)
    if _kubernetes_mode(config, "database") == "external":
        config = with_placeholder_secret(config, "tm:databaseUrl", PLACEHOLDER_DATABASE_URL)
    return config


# An external database's URL, shaped as settings validation wants it, at a host that never resolves.
PLACEHOLDER_DATABASE_URL = "postgresql://offline:placeholder-secret@database.invalid:5432/tasking_manager"


def _kubernetes_mode(config: StackConfig, part: str) -> str | None:
    """tm:kubernetes.<part>.mode of a Kubernetes stack (None on AWS)."""
    if config.values.get("tm:platform") != "kubernetes":
        return None
    try:
        kubernetes = json.loads(config.values.get("tm:kubernetes") or "{}")
    except json.JSONDecodeError:
        return None  # validation reports it
    slice_ = kubernetes.get(part) if isinstance(kubernetes, dict) else None
    return str(slice_.get("mode")) if isinstance(slice_, dict) else None


def stack_settings(
    stack: str, overrides: dict[str, Any] | None = None, project_dir: Path = PROJECT_DIR
) -> BaseSettings | ReviewSettings:
    """The validated settings the program of `stack` reads offline."""
    config = stack_config(stack, overrides, project_dir)
    return parse_settings(stack, config.values, config.secret_keys)


def run_stack(stack: str, overrides: dict[str, Any] | None = None, project_dir: Path = PROJECT_DIR) -> Plan:
    """Evaluate the program for `stack`. Raises the program's own errors (a SettingsError for a
    config mistake) after the runtime has settled, like `pulumi preview` would report them."""
    config = stack_config(stack, overrides, project_dir)
    # A review stack reads its base through a StackReference: plan the base first, serve its outputs.
    # Its deploy also reads secrets the base wrote (the review database key): serve their values.
    references: dict[str, dict[str, Any]] = {}
    secret_values: dict[str, str] = {}
    if config.values.get("tm:environment") == "review":
        base = config.values.get("tm:baseStack") or str(PROFILES["review"]["baseStack"])
        base_name = base.rsplit("/", 1)[-1]
        base_plan = (
            cached_plan(base_name)
            if project_dir == PROJECT_DIR
            else run_stack(base_name, project_dir=project_dir)
        )
        references[qualified_stack_name(base)] = base_plan.outputs
        secret_values = written_secrets(base_plan)
    account_id = config.values.get("tm:awsAccountId") or OFFLINE_ACCOUNT_ID
    mocks = OfflineMocks(account_id=account_id)
    mocks.stack_references = references
    mocks.secret_values = secret_values
    monitor = RecordingMonitor(mocks)

    _reset_runtime()
    pulumi.runtime.set_all_config(config.values, config.secret_keys)
    # set_mocks would register a bare stack resource of its own when none is set; the program must
    # run inside the stack that run_in_stack makes, as under the language host, so that its exports
    # become the stack's outputs. A placeholder root keeps set_mocks from making one.
    runtime_settings.ROOT.set(_PLACEHOLDER_ROOT)  # type: ignore[arg-type]
    pulumi.runtime.set_mocks(mocks, PROJECT_NAME, stack, preview=False, monitor=monitor)
    runtime_settings.ROOT.set(None)

    program = str(project_dir / "__main__.py")
    sys.path.insert(0, str(project_dir))

    def run_program() -> None:
        runpy.run_path(program, run_name="__main__")

    try:
        with fast_runtime():
            _sync_await(run_in_stack(run_program))
    except BaseException:
        _end_what_the_program_left_running()
        raise
    finally:
        sys.path.remove(str(project_dir))

    environment = str(monitor.stack_outputs.get("environment", ""))
    # Registrations arrive from several threads; order them by URN (the stack's own first) so
    # that plans, JSON and generated docs are the same on every run.
    resources = sorted(monitor.registrations, key=lambda r: (r.parent != "", r.urn))
    for resource in resources:
        if resource.type == "awsx:ec2:Vpc":
            # For real, the engine hands a stack policy the VPC's outputs, which list the NAT
            # gateways it built; the mocks return only scalars, so its inputs (the NAT strategy
            # and zone count) stand in for them.
            resource.outputs = {**resource.inputs, **resource.outputs}
    # The program ran, so its config is valid: read the usage assumptions the way it did.
    usage = parse_settings(stack, config.values, config.secret_keys).usage.model_dump(by_alias=True)
    return Plan(
        stack,
        environment,
        resources,
        dict(monitor.stack_outputs),
        config.placeholders,
        usage,
        monitor.invokes,
    )


_PLANS: dict[str, Plan] = {}


def cached_plan(stack: str, overrides: dict[str, Any] | None = None) -> Plan:
    """`run_stack` of this project, once per stack and overrides in a process: the tests, the docs
    and a review stack's base share each plan, which none of them changes."""
    key = json.dumps([stack, sorted((overrides or {}).items())], default=str)
    if key not in _PLANS:
        _PLANS[key] = run_stack(stack, overrides)
    return _PLANS[key]


def written_secrets(plan: Plan) -> dict[str, str]:
    """Secret ARN -> the value the plan's secret versions write into it."""
    secrets = {
        str(r.outputs.get("id")): str(r.outputs.get("arn"))
        for r in plan.of_type("aws:secretsmanager/secret:Secret")
    }
    values = {}
    for version in plan.of_type("aws:secretsmanager/secretVersion:SecretVersion"):
        value = version.inputs.get("secretString")
        if isinstance(value, dict):  # a Pulumi secret: unwrap it
            value = value.get("value")
        arn = secrets.get(str(version.inputs.get("secretId")))
        if arn is not None and isinstance(value, str):
            values[arn] = value
    return values


def review_config(pull_request: int, project_dir: Path) -> dict[str, Any]:
    """What the review-app workflow sets on a review stack, for planning one offline: its number,
    an expiry a week away, an image tag named after it, the first review slot, and the base
    stack's owner and cost centre."""
    base = load_stack_config(project_dir, "dev").values
    return {
        "tm:environment": "review",
        "tm:pullRequest": pull_request,
        "tm:expiresAt": (datetime.date.today() + datetime.timedelta(days=7)).isoformat(),
        "tm:image.tag": f"pr-{pull_request}-offline",
        "tm:slot": 1,
        "tm:owner": base["tm:owner"],
        "tm:costCenter": base["tm:costCenter"],
    }


def _end_what_the_program_left_running() -> None:
    """After a program failed: the runtime stopped waiting at the first failed output, leaving the
    program's other tasks on the event loop. The next plan in this process would run them, and
    report their failures there ("Future exception was never retrieved"). Cancel them and let them
    end now; the program's own error is raised all the same."""
    loop = asyncio.get_event_loop()
    while left := [t for t in asyncio.all_tasks(loop) if t is not asyncio.current_task(loop)]:
        for task in left:
            task.cancel()
        _sync_await(asyncio.gather(*left, return_exceptions=True))


def _reset_runtime() -> None:
    """Forget what an earlier run in this process left behind (outstanding RPCs, root stack)."""
    runtime_settings.SETTINGS.rpc_manager.clear()
    runtime_settings.SETTINGS.outputs.clear()
    runtime_settings.ROOT.set(None)
