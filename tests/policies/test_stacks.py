"""The real stacks through the offline policy run, and deliberately broken variants of prod."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from offline.__main__ import POLICY_VIOLATION, main
from offline.engine import PROJECT_DIR, Plan
from offline.mocks import Registration
from offline.policy_run import PackProcess, PolicyResult, check_plan
from offline.report import resource_label
from tests.conftest import check_changes, plan_for

REVIEW_STACK = "review-pr-123"


def _blocking(result: PolicyResult) -> list[str]:
    return [f"{v.pack}/{v.policy} {v.urn}: {v.message}" for v in result.mandatory]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_stack_passes_every_mandatory_policy_of_both_packs(
    stack_result: Callable[[str], PolicyResult], stack: str
) -> None:
    result = stack_result(stack)
    assert [p.name for p in result.packs] == ["security-baseline", "operations"]
    assert _blocking(result) == []


def test_a_review_stack_passes_every_mandatory_policy_of_both_packs(
    stack_result: Callable[[str], PolicyResult],
) -> None:
    result = stack_result(REVIEW_STACK)  # its base stack (dev) is answered by the mocks
    assert result.environment == "review"
    assert _blocking(result) == []


def test_the_kubernetes_example_passes_every_mandatory_policy_of_both_packs(
    stack_result: Callable[[str], PolicyResult],
) -> None:
    result = stack_result("k8s-example")
    assert [p.name for p in result.packs] == ["security-baseline", "operations"]
    assert _blocking(result) == []


# -- advisory findings: pinned, so that a new one or one gone is a reviewed change --------------------

ADVISORIES = Path(__file__).with_name("advisories.json")
PINNED_STACKS = ("dev", "staging", "prod", REVIEW_STACK)


def advisory_findings(result: PolicyResult) -> list[str]:
    """`pack/policy: type name`, as `make plan` lists them, sorted."""
    return sorted(
        f"{v.pack}/{v.policy}: {resource_label(v.urn)}"
        for v in result.violations
        if v.enforcement != "mandatory"
    )


def test_the_pinned_advisories_name_each_stack_once_in_order() -> None:
    pinned = json.loads(ADVISORIES.read_text())
    assert list(pinned) == list(PINNED_STACKS)
    assert all(findings == sorted(findings) for findings in pinned.values())


@pytest.mark.parametrize("stack", PINNED_STACKS)
def test_the_stacks_advisory_findings_are_the_pinned_ones(
    stack_result: Callable[[str], PolicyResult], stack: str
) -> None:
    found = advisory_findings(stack_result(stack))
    pinned = json.loads(ADVISORIES.read_text())[stack]
    new, gone = Counter(found) - Counter(pinned), Counter(pinned) - Counter(found)
    diff = [f"  + {f}" for f in sorted(new.elements())] + [f"  - {f}" for f in sorted(gone.elements())]
    assert found == pinned, (
        f"the advisory findings of {stack} changed (+ new, - gone):\n" + "\n".join(diff) + "\n"
        f"once reviewed, make {ADVISORIES.relative_to(PROJECT_DIR)}'s {stack!r} this list:\n"
        + json.dumps(found, indent=2)
    )


def _copy(resource: Registration) -> Registration:
    return dataclasses.replace(
        resource, inputs=copy.deepcopy(resource.inputs), outputs=copy.deepcopy(resource.outputs)
    )


def test_a_review_stack_with_a_database_server_of_its_own_fails(packs: list[PackProcess]) -> None:
    review = plan_for(REVIEW_STACK)
    database = next(r for r in plan_for("dev").resources if r.type == "aws:rds/instance:Instance")
    plan = Plan(review.stack, review.environment, [*review.resources, _copy(database)], review.outputs)
    found = {v.policy for v in check_plan(plan, packs).mandatory}
    assert {"review-shares-base-infrastructure", "allowed-instance-classes"} <= found


# -- broken variants of prod -------------------------------------------------------------------------


def _set(resource: Registration, key: str, value: object) -> None:
    """Change an input, and the output it echoes (what AnalyzeStack sees)."""
    resource.inputs[key] = value
    if resource.outputs:
        resource.outputs[key] = value


def _one(resources: list[Registration], token: str) -> Registration:
    (found,) = [r for r in resources if r.type == token]
    return found


def _public_database(resources: list[Registration]) -> None:
    _set(_one(resources, "aws:rds/instance:Instance"), "publiclyAccessible", True)


def _unencrypted_database(resources: list[Registration]) -> None:
    _set(_one(resources, "aws:rds/instance:Instance"), "storageEncrypted", False)


def _postgres_open_to_the_world(resources: list[Registration]) -> None:
    database = _one(resources, "aws:rds/instance:Instance")
    group = database.inputs["vpcSecurityGroupIds"][0]
    inputs = {
        "securityGroupId": group,
        "ipProtocol": "tcp",
        "fromPort": 5432.0,
        "toPort": 5432.0,
        "cidrIpv4": "0.0.0.0/0",
        "description": "PostgreSQL from anywhere",
    }
    urn = database.urn.replace(
        "aws:rds/instance:Instance::database",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::anyone",
    )
    resources.append(
        Registration(
            urn,
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "anyone",
            True,
            database.parent,
            inputs,
            [],
            database.provider,
            outputs=dict(inputs),
        )
    )


def _http_listener_that_forwards(resources: list[Registration]) -> None:
    (listener,) = [
        r for r in resources if r.type.endswith("/listener:Listener") and r.inputs.get("protocol") == "HTTP"
    ]
    target_group = next(r for r in resources if r.type.endswith("/targetGroup:TargetGroup"))
    _set(listener, "defaultActions", [{"type": "forward", "targetGroupArn": target_group.outputs["arn"]}])


def _plaintext_secret_in_a_container(resources: list[Registration]) -> None:
    task = next(r for r in resources if r.type == "aws:ecs/taskDefinition:TaskDefinition")
    containers = json.loads(task.inputs["containerDefinitions"])
    containers[0].setdefault("environment", []).append(
        {"name": "TM_CLIENT_SECRET", "value": "s3cr3t-in-plain-sight"}
    )
    _set(task, "containerDefinitions", json.dumps(containers))


BROKEN: list[tuple[Callable[[list[Registration]], None], set[str]]] = [
    (_public_database, {"rds-not-public"}),
    (_unencrypted_database, {"rds-storage-encrypted"}),
    (
        _postgres_open_to_the_world,
        {
            "security-group-no-world-high-risk-ports",
            "security-group-internet-ingress-authorized-ports",
            "internet-ingress-only-on-load-balancers",
        },
    ),
    (_http_listener_that_forwards, {"lb-listener-https-only"}),
    (_plaintext_secret_in_a_container, {"ecs-task-no-secrets-in-environment"}),
]


def broken_prod(change: Callable[[list[Registration]], None]) -> Plan:
    prod = plan_for("prod")
    resources = [_copy(r) for r in prod.resources]
    change(resources)
    return Plan(prod.stack, prod.environment, resources, dict(prod.outputs))


def check_broken(plan: Plan, packs: list[PackProcess]) -> PolicyResult:
    return check_changes(plan, plan_for("prod"), packs)


def _provider_without_default_tags(resources: list[Registration]) -> None:
    provider = next(r for r in resources if r.type == "pulumi:providers:aws")
    provider.inputs["defaultTags"] = {}


def test_checking_the_changes_finds_what_a_full_run_does_when_only_a_provider_changed(
    packs: list[PackProcess],
) -> None:
    """A resource's policies see its provider's inputs (its default tags): a changed provider
    changes every resource it manages, though their own inputs are the same."""
    plan = broken_prod(_provider_without_default_tags)
    full = {(v.policy, v.urn) for v in check_plan(plan, packs).mandatory}
    assert len({urn for _, urn in full}) > 1
    assert {(v.policy, v.urn) for v in check_broken(plan, packs).mandatory} == full


def test_checking_the_changes_refuses_a_base_of_another_environment() -> None:
    """The packs' enforcement levels are the environment's: a dev base passing its policies says
    nothing of what prod's levels make of the resources a prod variant left as they were."""
    with pytest.raises(AssertionError, match="environment"):
        check_changes(plan_for("prod"), plan_for("dev"), packs=[])


@pytest.mark.parametrize(
    ("change", "expected"), BROKEN, ids=[change.__name__.strip("_") for change, _ in BROKEN]
)
def test_a_broken_prod_fails_with_the_expected_policies(
    packs: list[PackProcess], change: Callable[[list[Registration]], None], expected: set[str]
) -> None:
    result = check_broken(broken_prod(change), packs)
    assert {v.policy for v in result.mandatory} == expected, _blocking(result)


def test_the_plan_command_exits_3_on_a_mandatory_violation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("offline.__main__.run_stack", lambda stack, overrides: broken_prod(_public_database))
    assert main(["plan", "prod"]) == POLICY_VIOLATION == 3
    text = capsys.readouterr().out
    assert (
        "Policies: security-baseline 0.1.0 (109 policies), operations 0.1.0 (21 policies); config for prod"
        in text
    )
    assert (
        "  critical:\n    [mandatory] security-baseline/rds-not-public: aws:rds/instance:Instance database"
        in text
    )
    assert "1 mandatory violation(s) block this deployment" in text
    assert "s3cr3t" not in text


def test_the_plan_json_gains_a_policies_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], packs: list[PackProcess]
) -> None:
    monkeypatch.setattr(
        "offline.__main__.run_stack", lambda stack, overrides: broken_prod(_plaintext_secret_in_a_container)
    )
    monkeypatch.setattr("offline.__main__.check_plan", lambda plan: check_broken(plan, packs))
    assert main(["plan", "prod", "--json"]) == 3
    out = capsys.readouterr().out
    document = json.loads(out)
    assert set(document) >= {"stack", "environment", "resources", "outputs", "policies"}
    policies = document["policies"]
    assert policies["mandatoryViolations"] == 1
    (violation,) = [v for v in policies["violations"] if v["enforcement"] == "mandatory"]
    assert violation["policy"] == "ecs-task-no-secrets-in-environment"
    assert "TM_CLIENT_SECRET is named like a secret" in violation["message"]
    assert "s3cr3t-in-plain-sight" not in json.dumps(policies)
