"""Enforce the CrossGuard packs on an offline plan, the way the Pulumi CLI does.

Each pack under policies/ is started as the CLI starts a Python policy pack: `python -u -m
pulumi.policy <engine-address> .` with the pack directory as working directory, and the port it
prints on stdout is dialled with the analyzer gRPC stub. Then, per pack: `GetAnalyzerInfo`,
`Configure` with the environment's config file (reconciled as the CLI does: each policy's default
level, the file's `all` key and per-policy entries, schema defaults, validation), `Analyze` for
every resource (its inputs) and `AnalyzeStack` once (every resource's outputs, parents and
dependencies). Secrets travel in Pulumi's secret envelope, which the pack unwraps.

The engine address: pulumi 3.272's `pulumi.policy` entry point parses it but never connects to it
(its logs fall back to stderr), so no engine service is served; the pack's stderr is collected and
shown if it fails to start.

Gaps with a real `pulumi preview`: the engine hands `Analyze` the inputs after the provider's
`Check` (defaults and auto-names filled in), the plan has them before; of the resource options
only `parent` and `protect` are passed; `Remediate` is not called (neither pack remediates).
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import ResourceValidationPolicy

from offline.costing import pack_environments
from offline.engine import PROJECT_DIR, PROJECT_NAME, Plan
from offline.mocks import Registration

PACKS_DIR = PROJECT_DIR / "policies"
PACKS = ("security-baseline", "operations")
SEVERITIES = ("critical", "high", "medium", "low", "unspecified")
# Never dialled by this SDK version (see the module docstring); kept so the command line is the CLI's.
ENGINE_ADDRESS = "127.0.0.1:0"
START_TIMEOUT = 30.0
CALL_TIMEOUT = 60.0
# The SDK's wording when a policy met a value unknown during preview.
CANNOT_EVALUATE = "can't run policy"


class PolicyRunError(Exception):
    """A pack did not start, refused a call, or its config file is wrong."""


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    enforcement: str  # advisory | mandatory | remediate | disabled, before config
    severity: str
    config_schema: dict[str, Any]
    required: list[str]


@dataclass(frozen=True)
class PackInfo:
    name: str
    version: str
    policies: list[PolicyInfo]


@dataclass(frozen=True)
class Violation:
    pack: str
    policy: str
    severity: str
    enforcement: str  # as configured for this environment
    message: str
    urn: str  # "" for the stack as a whole
    cannot_evaluate: bool = False  # an unknown value: not a pass, not yet a failure


@dataclass(frozen=True)
class PolicyResult:
    environment: str
    packs: list[PackInfo]
    violations: list[Violation] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Violation]:
        """What blocks a deployment, unknowns of mandatory policies included."""
        return [v for v in self.violations if v.enforcement == "mandatory"]


# -- one pack process ------------------------------------------------------------------------------


class PackProcess:
    """A running policy pack and a stub connected to it. Use as a context manager."""

    def __init__(self, directory: Path, stack: str = "offline") -> None:
        self.directory = directory
        self.stack = stack
        self._process: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._stderr: list[bytes] = []
        self._info: PackInfo | None = None

    @property
    def command(self) -> list[str]:
        """What the CLI's python analyzer shim runs, in the pack's directory."""
        return [sys.executable, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, "."]

    def __enter__(self) -> PackProcess:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        env = {
            **os.environ,
            # What the CLI tells an analyzer about the run (a preview of this project's stack).
            "PULUMI_PROJECT": PROJECT_NAME,
            "PULUMI_STACK": self.stack,
            "PULUMI_DRY_RUN": "true",
        }
        self._process = subprocess.Popen(
            self.command,
            cwd=self.directory,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        lines: queue.Queue[bytes] = queue.Queue()
        stdout, stderr = self._process.stdout, self._process.stderr
        if stdout is None or stderr is None:
            raise PolicyRunError("the pack's output pipes were not opened")
        # Drain both pipes for the pack's lifetime so a chatty pack can never block on a full pipe.
        threading.Thread(target=_pump, args=(stdout, lines.put), daemon=True).start()
        stderr_done = threading.Thread(target=_pump, args=(stderr, self._stderr.append), daemon=True)
        stderr_done.start()
        try:
            first = lines.get(timeout=START_TIMEOUT)
            if not first:
                stderr_done.join(timeout=5)  # the pack exited: let its last words arrive
            port = int(first.strip())
        except (queue.Empty, ValueError) as error:
            self.close()
            raise PolicyRunError(
                f"policy pack {self.directory.name} did not start:\n{self.stderr}"
            ) from error
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        try:
            grpc.channel_ready_future(self._channel).result(timeout=START_TIMEOUT)
        except grpc.FutureTimeoutError as error:
            self.close()
            raise PolicyRunError(
                f"policy pack {self.directory.name} printed port {port} but never answered"
            ) from error
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")

    @property
    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self._stub is None:
            raise PolicyRunError(f"policy pack {self.directory.name} is not running")
        return self._stub

    def info(self) -> PackInfo:
        """GetAnalyzerInfo; like the CLI, the version comes from PulumiPolicy.yaml (the Python SDK
        always answers 0.0.1)."""
        if self._info is None:
            info = _pack_info(self._call(self.stub.GetAnalyzerInfo, empty_pb2.Empty()))
            project = yaml.safe_load((self.directory / "PulumiPolicy.yaml").read_text()) or {}
            self._info = PackInfo(info.name, str(project.get("version") or info.version), info.policies)
        return self._info

    def configure(self, config: Mapping[str, tuple[str, dict[str, Any]]]) -> None:
        """Each policy's (enforcement level, properties), as reconciled by `reconcile_config`."""
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, (level, properties) in config.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = analyzer_pb2.EnforcementLevel.Value(level.upper())
            entry.properties.update(properties)
        self._call(self.stub.Configure, request)

    def analyze(self, resource: Registration, provider: Registration | None) -> analyzer_pb2.AnalyzeResponse:
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            urn=resource.urn,
            name=resource.name,
            properties=_struct(resource.inputs),
            options=analyzer_pb2.AnalyzerResourceOptions(parent=resource.parent, protect=resource.protect),
        )
        if provider is not None:
            request.provider.CopyFrom(_provider(provider))
        response: analyzer_pb2.AnalyzeResponse = self._call(self.stub.Analyze, request)
        return response

    def analyze_stack(
        self, resources: Sequence[Registration], providers: Mapping[str, Registration]
    ) -> analyzer_pb2.AnalyzeResponse:
        request = analyzer_pb2.AnalyzeStackRequest()
        for resource in resources:
            entry = request.resources.add(
                type=resource.type,
                urn=resource.urn,
                name=resource.name,
                # After a preview or an update the engine hands over each resource's outputs.
                properties=_struct(resource.outputs or resource.inputs),
                options=analyzer_pb2.AnalyzerResourceOptions(
                    parent=resource.parent, protect=resource.protect
                ),
                parent=resource.parent,
                dependencies=resource.dependencies,
            )
            for key, urns in resource.property_dependencies.items():
                entry.propertyDependencies[key].urns.extend(urns)
            provider = providers.get(_provider_urn(resource.provider))
            if provider is not None:
                entry.provider.CopyFrom(_provider(provider))
        response: analyzer_pb2.AnalyzeResponse = self._call(self.stub.AnalyzeStack, request)
        return response

    def _call(self, method: Any, request: Any) -> Any:
        try:
            return method(request, timeout=CALL_TIMEOUT)
        except grpc.RpcError as error:
            raise PolicyRunError(
                f"policy pack {self.directory.name}: {error.code().name}: {error.details()}\n{self.stderr}"
            ) from error

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        self._stub = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None


def _pump(stream: Any, sink: Any) -> None:
    """Hand each line to `sink`, then b"" once the stream ends (the process exited)."""
    for line in iter(stream.readline, b""):
        sink(line)
    sink(b"")
    stream.close()


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    """Plain JSON data in a protobuf Struct; secret envelopes pass through as they are."""
    result = struct_pb2.Struct()
    result.update(json.loads(json.dumps(value, default=str)))
    return result


def _provider_urn(reference: str) -> str:
    """A provider reference is `<urn>::<id>`."""
    return reference.rsplit("::", 1)[0] if reference else ""


def _provider(provider: Registration) -> analyzer_pb2.AnalyzerProviderResource:
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type, urn=provider.urn, name=provider.name, properties=_struct(provider.inputs)
    )


def _severity(value: int) -> str:
    return str(analyzer_pb2.PolicySeverity.Name(value)).removeprefix("POLICY_SEVERITY_").lower()


def _level(value: int) -> str:
    return str(analyzer_pb2.EnforcementLevel.Name(value)).lower()


def _pack_info(response: analyzer_pb2.AnalyzerInfo) -> PackInfo:
    policies = [
        PolicyInfo(
            name=p.name,
            description=p.description,
            enforcement=_level(p.enforcementLevel),
            severity=_severity(p.severity),
            config_schema=json_format.MessageToDict(p.configSchema.properties),
            required=list(p.configSchema.required),
        )
        for p in response.policies
    ]
    return PackInfo(response.name, response.version, policies)


# -- config: what the CLI makes of --policy-pack-config -------------------------------------------


def config_path(pack: str, environment: str) -> Path:
    return PACKS_DIR / pack / "config" / f"{environment}.json"


def reconcile_config(info: PackInfo, document: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every policy's enforcement level and properties, from its defaults and a config document.

    As the CLI: `all` sets every policy's level; an entry is a level, or an object with an optional
    `enforcementLevel` and properties; schema defaults fill what is unset; properties are checked
    against the schema. Stricter than the CLI: an unknown policy or property is an error (a typo
    would otherwise silently leave a default in force).
    """
    problems: list[str] = []
    known = {p.name: p for p in info.policies}
    for name in document:
        if name != "all" and name not in known:
            problems.append(f"{name}: no such policy in {info.name}")
    result: dict[str, tuple[str, dict[str, Any]]] = {}
    for policy in info.policies:
        level = str(document.get("all", policy.enforcement))
        entry = document.get(policy.name)
        properties: dict[str, Any] = {}
        if isinstance(entry, str):
            level = entry
        elif isinstance(entry, Mapping):
            level = str(entry.get("enforcementLevel", level))
            properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
        for key, schema in policy.config_schema.items():
            if key not in properties and "default" in schema:
                properties[key] = schema["default"]
        if level.upper() not in analyzer_pb2.EnforcementLevel.keys():  # noqa: SIM118 (an enum wrapper)
            problems.append(
                f"{policy.name}: enforcement level {level!r} is not one of advisory, mandatory, disabled"
            )
        problems += [f"{policy.name}: {p}" for p in _schema_problems(policy, properties)]
        result[policy.name] = (level, properties)
    if problems:
        raise PolicyRunError(f"invalid policy config for {info.name}:\n  - " + "\n  - ".join(problems))
    return result


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int, float),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def _has_type(kind: Any, value: Any) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    if not isinstance(value, _JSON_TYPES.get(str(kind), (object,))):
        return False
    return kind != "integer" or (isinstance(value, (int, float)) and float(value).is_integer())


def _schema_problems(policy: PolicyInfo, properties: Mapping[str, Any]) -> list[str]:
    """The JSON Schema keywords the packs use: type, enum, minimum, maximum, items.type."""
    problems = [f"{key} is required" for key in policy.required if key not in properties]
    for key, value in properties.items():
        schema = policy.config_schema.get(key)
        if schema is None:
            problems.append(f"{key} is not a setting of this policy")
            continue
        problems += [f"{key} {p}" for p in _value_problems(schema, value)]
    return problems


def _value_problems(schema: Mapping[str, Any], value: Any) -> list[str]:
    kind = schema.get("type")
    if not _has_type(kind, value):
        return [f"= {json.dumps(value)}: must be of type {kind}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"= {json.dumps(value)}: must be one of {', '.join(map(str, schema['enum']))}")
    if "minimum" in schema and value < schema["minimum"]:
        problems.append(f"= {value}: must be at least {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        problems.append(f"= {value}: must be at most {schema['maximum']}")
    if kind == "array" and "items" in schema:
        for item in value:
            problems += _value_problems(schema["items"], item)
    return problems


def load_config(pack: str, environment: str) -> dict[str, Any]:
    path = config_path(pack, environment)
    if not path.exists():
        raise PolicyRunError(f"no policy config for environment {environment!r}: {path} is missing")
    document = json.loads(path.read_text())
    if not isinstance(document, dict):
        raise PolicyRunError(f"{path} must hold a JSON object")
    return document


# -- a whole plan ----------------------------------------------------------------------------------


def check_plan(plan: Plan, processes: Sequence[PackProcess] | None = None) -> PolicyResult:
    """Run every pack over `plan` with its environment's config. Packs are started (and stopped)
    here unless running ones are given, which tests share across plans."""
    if processes is not None:
        return _check(plan, processes)
    started: list[PackProcess] = []
    try:
        for pack in PACKS:
            process = PackProcess(PACKS_DIR / pack, stack=plan.stack)
            started.append(process)
            process.start()
        return _check(plan, started)
    finally:
        for process in started:
            process.close()


def check_resources(
    plan: Plan, urns: Collection[str], processes: Sequence[PackProcess], *, stack: bool
) -> PolicyResult:
    """check_plan for a part of `plan`: the resource policies on the resources `urns` names, and
    the stack policies on the whole plan when `stack`. A change to one resource is checked in a
    fraction of a full run (tests flip one setting at a time)."""
    return _check(plan, processes, urns, stack)


def changed_resources(plan: Plan, base: Plan) -> set[str]:
    """The resources of `plan` whose analysis differs from `base`'s: a resource policy is handed a
    resource's inputs, parent and protect flag and its provider's inputs, so a change to any of them
    (a provider's default tags, say) changes what it may find."""

    def requests(of: Plan) -> dict[str, tuple[Any, ...]]:
        providers = _providers(of)
        return {
            r.urn: (
                r.inputs,
                r.parent,
                r.protect,
                getattr(providers.get(_provider_urn(r.provider)), "inputs", None),
            )
            for r in of.resources
        }

    before = requests(base)
    return {urn for urn, request in requests(plan).items() if before.get(urn) != request}


def _providers(plan: Plan) -> dict[str, Registration]:
    return {r.urn: r for r in plan.resources if r.type.startswith("pulumi:providers:")}


def _check(
    plan: Plan, processes: Iterable[PackProcess], urns: Collection[str] | None = None, stack: bool = True
) -> PolicyResult:
    # The packs are separate processes: analyse with all of them at once.
    processes = list(processes)
    with ThreadPoolExecutor(max_workers=max(len(processes), 1)) as pool:
        results = list(pool.map(lambda process: _check_pack(plan, process, urns, stack), processes))
    violations = [v for _, found in results for v in found]
    violations.sort(key=_order)
    return PolicyResult(plan.environment, [info for info, _ in results], violations)


def _order(v: Violation) -> tuple[int, bool, str, str, str, str]:
    """By severity, mandatory first, then by pack, policy and resource: the same order every run."""
    return (SEVERITIES.index(v.severity), v.enforcement != "mandatory", v.pack, v.policy, v.urn, v.message)


def _check_pack(
    plan: Plan, process: PackProcess, urns: Collection[str] | None, stack: bool
) -> tuple[PackInfo, list[Violation]]:
    providers = _providers(plan)
    info = process.info()
    config = reconcile_config(info, load_config(process.directory.name, plan.environment))
    process.configure(config)
    levels = {name: level for name, (level, _) in config.items()}
    severities = {p.name: p.severity for p in info.policies}
    violations: list[Violation] = []
    for resource in plan.resources:
        if urns is None or resource.urn in urns:
            response = process.analyze(resource, providers.get(_provider_urn(resource.provider)))
            violations += _violations(info, response, resource.urn, levels, severities)
    if stack:
        response = process.analyze_stack(plan.resources, providers)
        violations += _violations(info, response, "", levels, severities)
    return info, violations


def _violations(
    info: PackInfo,
    response: analyzer_pb2.AnalyzeResponse,
    urn: str,
    levels: Mapping[str, str],
    severities: Mapping[str, str],
) -> list[Violation]:
    found = []
    for diagnostic in response.diagnostics:
        unknown = diagnostic.message.startswith(CANNOT_EVALUATE)
        # The SDK files an unknown as advisory; here a mandatory policy it hides still blocks.
        level = (
            levels.get(diagnostic.policyName, "advisory") if unknown else _level(diagnostic.enforcementLevel)
        )
        severity = _severity(diagnostic.severity)
        if severity == "unspecified":
            severity = severities.get(diagnostic.policyName, "unspecified")
        message = diagnostic.message.removeprefix(diagnostic.description).strip()
        found.append(
            Violation(
                pack=info.name,
                policy=diagnostic.policyName,
                severity=severity,
                enforcement=level,
                message=message or diagnostic.description,
                urn=diagnostic.urn or urn,
                cannot_evaluate=unknown,
            )
        )
    return found


# -- docs/policies.md ------------------------------------------------------------------------------

POLICIES_DOC = PROJECT_DIR / "docs" / "policies.md"
# The policies named `<prefix>-*` and the environments they hold (environments.py of the pack).
SCOPES = {"prod": pack_environments.PRODUCTION_SHAPED, "review": ("review",)}


def pack_policies(pack: str) -> list[Any]:
    """The pack's policy objects, imported in this process from the pack's own package (the one
    directory with an __init__.py), as its __main__.py imports them."""
    directory = PACKS_DIR / pack
    package = sorted(p.parent.name for p in directory.glob("*/__init__.py"))[0]
    sys.path.insert(0, str(directory))
    try:
        module = importlib.import_module(package)
    finally:
        sys.path.remove(str(directory))
    return list(module.POLICIES)


def environment_level(pack: str, policy: Any, environment: str) -> str:
    """What `policy` is in `environment`: its enforcement level there (the config file's, else the
    policy's default), or `-` for a policy scoped to other environments (`prod-*`: prod and
    staging, `review-*`: review), which its config scopes away from this one."""
    scoped = SCOPES.get(policy.name.split("-", 1)[0])
    if scoped is not None and environment not in scoped:
        return "-"
    document = load_config(pack, environment)
    entry = document.get(policy.name, document.get("all"))
    default = str(policy.enforcement_level.value)
    return str(entry if isinstance(entry, str) else (entry or {}).get("enforcementLevel", default))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def policies_doc() -> str:
    """docs/policies.md, generated from the packs and their config files."""
    lines = [
        "# Policy packs",
        "",
        "<!-- Generated by `python -m offline docs` from policies/*/ and their config files; a test",
        "     fails when it is stale. Edit the packs, then run `make docs`. -->",
        "",
        "Every policy of the two CrossGuard packs under `policies/`, the promise it holds, and what it",
        "is in each environment: `mandatory` blocks a deployment, `advisory` reports, `-` does not",
        "apply there. Critical and high severity policies are mandatory by default, medium and low",
        "advisory; each environment's config file (`policies/<pack>/config/<environment>.json`)",
        "raises or disables some. Every operations policy is mandatory; those named `prod-*` apply",
        "only to production-shaped stacks (prod, and staging, which rehearses releases on its shape),",
        "those named `review-*` only to review stacks (their config names the environment), which is where",
        "the program deliberately differs elsewhere (dev and review apps are deletable, dev has ECS",
        "Exec; `tests/policies/test_flips.py` flips each safety setting and requires its policy to",
        "catch it in every environment the program sets it). Controls: FSBP = AWS Security Hub",
        "Foundational Security Best Practices, CKV = Checkov, AwsSolutions = cdk-nag, NIST = cdk-nag's",
        "NIST pack, [3P] = from third-party copies of the FSBP list, `ref #N` = row N of the",
        "security-controls reference (no anchor id), PSS = Kubernetes' Pod Security Standards",
        "(profile: control), CIS K8s = the CIS Kubernetes Benchmark 1.10, CKV2_K8S = Checkov's",
        "Kubernetes graph checks. `aws:lb/*` types stand for their `aws:alb/*` aliases too, and",
        "`aws:s3/*` types for their deprecated `*V2` tokens. The Kubernetes rules (`k8s-*`) are",
        "described in `policies/README.md`.",
        "",
        "| Pack | Policy | Promise | prod | staging | dev | review | Severity | Resource types | Controls |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    details = [
        "",
        "## What an unset property means, and the settings",
        "",
        "Rules decide from the inputs a resource declares, before the provider fills its defaults, so",
        "each one states what AWS or Kubernetes (or the provider) does when a property is left out.",
        "Unknown values during a preview are never a pass.",
        "",
        "| Policy | When a property is unset | Settings (default) |",
        "|---|---|---|",
    ]
    for pack in PACKS:
        for policy in pack_policies(pack):
            kind = "" if isinstance(policy, ResourceValidationPolicy) else " (stack)"
            types = "<br>".join(f"`{t}`" for t in policy.resource_types)
            levels = " | ".join(environment_level(pack, policy, e) for e in pack_environments.ENVIRONMENTS)
            lines.append(
                f"| {pack} | `{policy.name}`{kind} | {_cell(policy.summary)} | {levels} "
                f"| {policy.severity.value} | {types} | {_cell(', '.join(policy.controls))} |"
            )
            schema = policy.config_schema.properties if policy.config_schema else {}
            settings = "<br>".join(
                f"`{key}`" + (f" ({_cell(json.dumps(spec['default']))})" if "default" in spec else "")
                for key, spec in schema.items()
            )
            details.append(f"| `{policy.name}` | {_cell(policy.unset)} | {settings} |")
    return "\n".join(lines + details) + "\n"
