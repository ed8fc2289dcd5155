"""The plan command: text for people, JSON for machines, a graph for the docs; the same engine."""

from __future__ import annotations

import asyncio
import gc
import json
import re
from collections.abc import Callable

import pulumi
import pytest

from offline.__main__ import ARCHITECTURE_DOC, architecture_doc, main
from offline.engine import Plan, run_stack
from offline.mocks import OfflineMocks, Registration
from offline.policy_run import PolicyResult
from offline.report import MASK, SECRET_SIGNATURE, SECRET_SIGNATURE_KEY, component_graph, render_text, to_json
from tests.conftest import plan_for

EXPECTED_TYPES = {
    "pulumi:pulumi:Stack",
    "pulumi:providers:aws",
    "tm:aws:StackKey",
    "aws:kms/key:Key",
    "aws:kms/alias:Alias",
    "tm:aws:Network",
    "awsx:ec2:Vpc",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "tm:aws:Database",
    "aws:rds/instance:Instance",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:backup/plan:Plan",
    "aws:backup/selection:Selection",
}


@pytest.fixture
def cached_plans(monkeypatch: pytest.MonkeyPatch, stack_result: Callable[[str], PolicyResult]) -> None:
    """`make plan` on the session's plans and their policy results, each computed once per config
    (tests/policies/test_stacks.py runs the command end to end, packs started by it)."""
    monkeypatch.setattr("offline.__main__.run_stack", plan_for)

    def session_result(plan: Plan) -> PolicyResult:
        assert plan is plan_for(plan.stack), "only the session's own plans have a session result"
        return stack_result(plan.stack)

    monkeypatch.setattr("offline.__main__.check_plan", session_result)


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.usefixtures("cached_plans")
def test_plan_prints_the_tree_with_types_names_and_outputs(
    stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", stack]) == 0
    text = capsys.readouterr().out
    count = len(plan_for(stack).resources)
    assert text.startswith(f"Offline plan of stack '{stack}' (environment {stack}): {count} resources")
    for token in EXPECTED_TYPES:
        assert token in text
    lines = {}
    for line in text.splitlines():
        row = re.match(r" \+  [│├└─ ]*(\S+:\S+) ", line)
        if row:
            lines[row.group(1)] = line
    # Components hang off the stack; their resources one level deeper.
    assert re.match(r" \+  [├└]─ tm:aws:StackKey ", lines["tm:aws:StackKey"])
    assert re.match(r" \+  [│ ]  [├└]─ aws:kms/key:Key ", lines["aws:kms/key:Key"])
    assert "enableKeyRotation=true  deletionWindowInDays=30" in lines["aws:kms/key:Key"]
    assert "Outputs:" in text
    assert "vpcId:" in text


@pytest.mark.usefixtures("cached_plans")
def test_plan_json_lists_every_resource_as_a_policy_sees_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "prod", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) >= {"stack", "environment", "resources", "outputs"}
    assert (document["stack"], document["environment"]) == ("prod", "prod")
    assert {r["type"] for r in document["resources"]} >= EXPECTED_TYPES
    assert len(document["resources"]) == len(plan_for("prod").resources)
    for resource in document["resources"]:
        assert set(resource) >= {
            "urn",
            "type",
            "name",
            "custom",
            "parent",
            "inputs",
            "dependencies",
            "provider",
        }
    flow_log = next(r for r in document["resources"] if r["type"] == "aws:ec2/flowLog:FlowLog")
    assert flow_log["inputs"]["trafficType"] == "ALL"  # engine (camelCase) property names
    assert flow_log["custom"] is True
    assert flow_log["provider"].startswith(
        "urn:pulumi:prod::tasking-manager::pulumi:pulumi:Stack$pulumi:providers:aws::aws::"
    )
    group = next(
        r for r in document["resources"] if r["name"] == "network-flow-logs" and "logGroup" in r["type"]
    )
    assert group["urn"] in flow_log["dependencies"]
    assert document["outputs"]["vpcCidr"] == "10.10.0.0/16"


def test_plan_is_the_same_on_every_run() -> None:
    first = to_json(plan_for("prod"))
    assert to_json(plan_for("prod", {"tm:owner": "hot-tech"})) == first


def test_secrets_are_masked_in_text_and_json() -> None:
    secret = {SECRET_SIGNATURE_KEY: SECRET_SIGNATURE, "value": "hunter2"}
    stack = Registration("urn:s", "pulumi:pulumi:Stack", "s", False, "", {}, [], "")
    resource = Registration(
        "urn:r", "aws:kms/alias:Alias", "r", True, "urn:s", {"name": secret, "nested": [secret]}, [], ""
    )
    plan = Plan("s", "dev", [stack, resource], {"token": secret})
    text = render_text(plan)
    document = json.dumps(to_json(plan))
    assert "hunter2" not in text
    assert "hunter2" not in document
    assert MASK in text
    assert to_json(plan)["resources"][1]["inputs"]["nested"] == [
        {SECRET_SIGNATURE_KEY: SECRET_SIGNATURE, "value": MASK}
    ]


def test_component_graph_shows_components_and_their_wiring() -> None:
    graph = component_graph(plan_for("prod"))
    assert graph.startswith("flowchart LR\n")
    assert 'network["network<br/>tm:aws:Network<br/>6 resources"]' in graph
    assert 'stack_key["stack-key<br/>tm:aws:StackKey<br/>2 resources"]' in graph
    # The flow-log group is encrypted with the stack key: the key feeds the network.
    assert "stack_key --> network" in graph
    assert "network --> stack_key" not in graph


def test_architecture_doc_embeds_the_current_prod_graph() -> None:
    current = ARCHITECTURE_DOC.read_text()
    assert architecture_doc(current) == current, "docs/architecture.md is stale: run `make docs`"


def test_an_assertion_inside_an_output_fails_the_test() -> None:
    """Guards the harness itself: under pulumi.runtime.test a failing check in an apply must fail."""
    pulumi.runtime.set_mocks(OfflineMocks(), preview=False)

    @pulumi.runtime.test
    def wrong() -> pulumi.Output[None]:
        def check(value: int) -> None:
            assert value == 2

        return pulumi.Output.from_input(1).apply(check)

    with pytest.raises(AssertionError):
        wrong()


def test_a_failed_plan_leaves_nothing_of_its_program_running() -> None:
    """A program that fails (a review on a base that exports no review outputs) still fails its
    plan, and leaves no task behind on the event loop: the next plan in the process would run
    them, and their failures would be reported there ("Future exception was never retrieved")."""
    loop = asyncio.get_event_loop()
    reported: list[str] = []
    loop.set_exception_handler(lambda _, context: reported.append(str(context.get("message"))))
    try:
        with pytest.raises(KeyError, match="review"):
            run_stack("review-pr-7", {"tm:baseStack": "prod"})
        assert asyncio.all_tasks(loop) == set()
        gc.collect()
    finally:
        loop.set_exception_handler(None)
    assert reported == []
