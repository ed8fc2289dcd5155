"""Command line of the offline engine.

    python -m offline plan [STACK] [--json] [--set tm:key.path=value ...]
    python -m offline plan bootstrap [--json] [--set bootstrap:key.path=value ...]
    python -m offline preflight STACK
    python -m offline docs [--check]

`plan` prints the stack's offline plan (dev when STACK is omitted), its estimated monthly cost
and create time, and enforces the policy packs of policies/ on it; a config mistake prints the
problems and exits 2, a violated mandatory policy exits 3, and a Kubernetes object its schema
refuses exits 4 (the objects of a Kubernetes stack are validated offline). `plan bootstrap`
prints the bootstrap program (bootstrap/, once per account) for an example account, with its
monthly cost. `docs`
regenerates the generated parts of docs/ (the prod component graph, the policy table, the cost
tables, the table of Security Hub controls against the packs' policies), or with --check fails
when they are stale. `preflight` checks that a committed stack file names its environment's
secrets provider and holds every secret its settings require (exit 2 with the problems otherwise).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys

from components.settings import SettingsError
from offline.bootstrap import BootstrapPlan, estimate_bootstrap, render_bootstrap, run_bootstrap
from offline.config import StackConfigError, parse_override
from offline.cost_doc import COSTS_DOC, KUBERNETES_STACKS, costs_doc
from offline.cost_doc import STACKS as COST_STACKS
from offline.engine import PROJECT_DIR, Plan, cached_plan, run_stack
from offline.k8s_manifests import render_validation, validation_json
from offline.policy_run import POLICIES_DOC, PolicyRunError, check_plan, policies_doc
from offline.preflight import preflight
from offline.report import (
    component_graph,
    cost_json,
    mask_secrets,
    policies_json,
    render_policies,
    render_text,
    to_json,
)
from offline.security_doc import SECURITY_DOC, security_doc
from tm_bootstrap.settings import BootstrapSettingsError

ARCHITECTURE_DOC = PROJECT_DIR / "docs" / "architecture.md"
# Exit status when a mandatory policy is violated (2 is a config mistake).
POLICY_VIOLATION = 3
# A Kubernetes object that its schema refuses (offline/k8s_manifests.py): the API server would too.
OBJECTS_REFUSED = 4
GRAPH_BEGIN = "<!-- BEGIN GENERATED: prod component graph (python -m offline docs) -->"
GRAPH_END = "<!-- END GENERATED: prod component graph -->"
# `plan bootstrap` plans the bootstrap program rather than a stack of the main one.
BOOTSTRAP = "bootstrap"


def architecture_doc(current: str) -> str:
    """docs/architecture.md with its component graph section regenerated from the prod plan."""
    before, begin, rest = current.partition(GRAPH_BEGIN)
    _, end, after = rest.partition(GRAPH_END)
    if not begin or not end:
        raise SystemExit(f"{ARCHITECTURE_DOC} lacks the generated-section markers")
    graph = component_graph(cached_plan("prod"))
    return f"{before}{GRAPH_BEGIN}\n```mermaid\n{graph}```\n{GRAPH_END}{after}"


def cost_plans() -> dict[str, Plan]:
    """The plans docs/costs.md is made from (each computed once per process)."""
    return {stack: cached_plan(stack) for stack in (*COST_STACKS, *KUBERNETES_STACKS)}


@functools.cache
def cost_bootstrap() -> BootstrapPlan:
    """The bootstrap of the example account, for docs/costs.md."""
    return run_bootstrap()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser("plan", help="print the offline plan of a stack")
    plan.add_argument("stack", nargs="?", default="dev")
    plan.add_argument("--json", action="store_true", help="one JSON document for machines")
    plan.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. --set tm:network.natGateways=single",
    )
    preflight_command = commands.add_parser(
        "preflight", help="check a committed stack file's secrets provider and secrets before a deploy"
    )
    preflight_command.add_argument("stack")
    docs = commands.add_parser("docs", help="regenerate the generated parts of docs/")
    docs.add_argument("--check", action="store_true", help="fail if they are out of date")
    args = parser.parse_args(argv)

    try:
        if args.command == "preflight":
            problems = preflight(args.stack, PROJECT_DIR)
            for problem in problems:
                print(problem, file=sys.stderr)
            if not problems:
                print(f"{args.stack}: secrets provider and secrets in place")
            return 2 if problems else 0
        if args.command == "plan" and args.stack == BOOTSTRAP:
            bootstrap = run_bootstrap(dict(parse_override(text) for text in args.set))
            if args.json:
                document = {
                    "stack": BOOTSTRAP,
                    "resources": [
                        {"urn": r.urn, "type": r.type, "name": r.name, "inputs": mask_secrets(r.inputs)}
                        for r in bootstrap.resources
                    ],
                    "outputs": mask_secrets(bootstrap.outputs),
                    "cost": cost_json(estimate_bootstrap(bootstrap)),
                }
                print(json.dumps(document, indent=2, default=str))
            else:
                print(render_bootstrap(bootstrap), end="")
            return 0
        if args.command == "plan":
            overrides = dict(parse_override(text) for text in args.set)
            result = run_stack(args.stack, overrides)
            policies = check_plan(result)
            objects = validation_json(result)  # a Kubernetes stack's objects against their schemas
            if args.json:
                document = {**to_json(result), "policies": policies_json(policies)}
                if objects is not None:
                    document["kubernetesObjects"] = objects
                print(json.dumps(document, indent=2, default=str))
            else:
                validation = "" if objects is None else "\n" + render_validation(objects)
                print(render_text(result) + render_policies(policies) + validation, end="")
            if policies.mandatory:
                return POLICY_VIOLATION
            return OBJECTS_REFUSED if objects and objects["problems"] else 0
        generated = {
            ARCHITECTURE_DOC: architecture_doc(ARCHITECTURE_DOC.read_text()),
            POLICIES_DOC: policies_doc(),
            COSTS_DOC: costs_doc(COSTS_DOC.read_text(), cost_plans(), cost_bootstrap()),
            SECURITY_DOC: security_doc(SECURITY_DOC.read_text()),
        }
        stale = [
            path for path, wanted in generated.items() if not path.exists() or path.read_text() != wanted
        ]
        if args.check:
            for path in stale:
                print(f"{path} is stale: run `make docs`", file=sys.stderr)
            return 1 if stale else 0
        for path in stale:
            path.write_text(generated[path])
            shown = path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path
            print(f"wrote {shown}")
        return 0
    except (SettingsError, StackConfigError, BootstrapSettingsError) as error:
        print(error, file=sys.stderr)
        return 2
    except PolicyRunError as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
