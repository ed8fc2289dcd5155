"""The packs over the analyzer protocol, started the way the Pulumi CLI starts a Python pack."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from offline.engine import Plan
from offline.mocks import Registration
from offline.policy_run import (
    ENGINE_ADDRESS,
    PACKS,
    PACKS_DIR,
    PackProcess,
    PolicyRunError,
    check_plan,
    load_config,
    pack_policies,
    reconcile_config,
)
from offline.report import SECRET_SIGNATURE, SECRET_SIGNATURE_KEY, render_policies
from tests.policies.harness import UNKNOWN

PUBLIC_DB = {"engine": "postgres", "publiclyAccessible": True, "storageEncrypted": True}


def _pack(packs: list[PackProcess], name: str) -> PackProcess:
    return next(p for p in packs if p.directory.name == name)


def _configured(packs: list[PackProcess], name: str, environment: str = "prod") -> PackProcess:
    process = _pack(packs, name)
    process.configure(reconcile_config(process.info(), load_config(name, environment)))
    return process


def _resource(kind: str, inputs: dict[str, object], name: str = "database") -> Registration:
    urn = f"urn:pulumi:prod::tasking-manager::{kind}::{name}"
    return Registration(urn, kind, name, True, "", inputs, [], "", outputs=dict(inputs))


@pytest.mark.parametrize("pack", PACKS)
def test_each_pack_starts_like_the_cli_starts_it(packs: list[PackProcess], pack: str) -> None:
    process = _pack(packs, pack)
    assert process.command == [sys.executable, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, "."]
    assert process.directory == PACKS_DIR / pack
    assert (process.directory / "PulumiPolicy.yaml").exists()
    assert process.info().name == pack  # it answered on the port it printed


@pytest.mark.parametrize("pack", PACKS)
def test_analyzer_info_lists_every_policy_with_its_enforcement_level(
    packs: list[PackProcess], pack: str
) -> None:
    info = _pack(packs, pack).info()
    served = {p.name: (p.enforcement, p.severity) for p in info.policies}
    declared = {p.name: (p.enforcement_level.value, p.severity.value) for p in pack_policies(pack)}
    assert served == declared
    assert info.version == "0.1.0"  # PulumiPolicy.yaml's, as the CLI reports it
    assert all(p.description for p in info.policies)


def test_critical_and_high_security_policies_are_mandatory_by_default(packs: list[PackProcess]) -> None:
    for policy in _pack(packs, "security-baseline").info().policies:
        assert (policy.enforcement == "mandatory") == (policy.severity in ("critical", "high")), policy.name


def test_analyze_reports_a_public_database(packs: list[PackProcess]) -> None:
    process = _configured(packs, "security-baseline")
    response = process.analyze(_resource("aws:rds/instance:Instance", PUBLIC_DB), None)
    found = {d.policyName: d for d in response.diagnostics}
    assert "rds-not-public" in found
    assert found["rds-not-public"].message.endswith(
        "publiclyAccessible is true: the database gets a public address"
    )
    assert found["rds-not-public"].enforcementLevel == 1  # MANDATORY


def test_secrets_reach_the_pack_wrapped_and_are_unwrapped_there(packs: list[PackProcess]) -> None:
    secret_true = {SECRET_SIGNATURE_KEY: SECRET_SIGNATURE, "value": True}
    process = _configured(packs, "security-baseline")
    response = process.analyze(
        _resource("aws:rds/instance:Instance", {**PUBLIC_DB, "publiclyAccessible": secret_true}), None
    )
    assert "rds-not-public" in {d.policyName for d in response.diagnostics}


def test_the_config_sets_each_policys_level(packs: list[PackProcess]) -> None:
    process = _pack(packs, "security-baseline")
    config = reconcile_config(process.info(), {"rds-not-public": "disabled"})
    process.configure(config)
    try:
        response = process.analyze(_resource("aws:rds/instance:Instance", PUBLIC_DB), None)
        assert "rds-not-public" not in {d.policyName for d in response.diagnostics}
    finally:
        _configured(packs, "security-baseline")


def test_analyze_stack_joins_resources(packs: list[PackProcess]) -> None:
    process = _configured(packs, "security-baseline")
    vpc = Registration(
        "urn:vpc", "awsx:ec2:Vpc", "network", False, "", {}, [], "", outputs={"vpcId": "vpc-1"}
    )
    response = process.analyze_stack([vpc], {})
    flow = [d for d in response.diagnostics if d.policyName == "vpc-flow-logs"]
    assert [(d.urn, d.message.splitlines()[-1]) for d in flow] == [
        ("urn:vpc", "has no flow log capturing ALL or REJECTed traffic")
    ]


def test_operations_read_the_environment_from_the_config(packs: list[PackProcess]) -> None:
    instance = _resource(
        "aws:rds/instance:Instance", {"instanceClass": "db.t4g.micro", "deletionProtection": False}
    )
    prod = _configured(packs, "operations", "prod").analyze(instance, None)
    assert "prod-deletion-protection" in {d.policyName for d in prod.diagnostics}
    # Staging rehearses releases on prod's shape: the prod-* guardrails hold it too.
    staging = _configured(packs, "operations", "staging").analyze(instance, None)
    assert "prod-deletion-protection" in {d.policyName for d in staging.diagnostics}
    dev = _configured(packs, "operations", "dev").analyze(instance, None)
    assert "prod-deletion-protection" not in {d.policyName for d in dev.diagnostics}
    assert "prod-deletion-protection" in {n.policy_name for n in dev.not_applicable}


def test_a_pack_that_cannot_start_says_why(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (tmp_path / "__main__.py").write_text("raise RuntimeError('this pack is broken')\n")
    with pytest.raises(PolicyRunError, match="this pack is broken"):
        PackProcess(tmp_path).start()


def test_an_unknown_value_blocks_a_mandatory_policy_end_to_end(packs: list[PackProcess]) -> None:
    """The SDK files "can't run policy during preview" as advisory; the offline run keeps the
    policy's configured level, so an unknown is never a silent pass."""
    stack = Registration("urn:stack", "pulumi:pulumi:Stack", "tm-prod", False, "", {}, [], "")
    database = _resource("aws:rds/instance:Instance", {**PUBLIC_DB, "publiclyAccessible": UNKNOWN})
    result = check_plan(Plan("prod", "prod", [stack, database], {}), packs)
    (unknown,) = [v for v in result.violations if v.policy == "rds-not-public"]
    assert unknown.cannot_evaluate
    assert unknown.enforcement == "mandatory"
    assert unknown in result.mandatory
    assert "[mandatory, cannot evaluate] security-baseline/rds-not-public" in render_policies(result)
