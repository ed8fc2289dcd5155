"""The bootstrap's CI roles are held to the same identity-policy rules as the stacks' roles, and its
resource policies to the same principal rules: the security baseline runs over the bootstrap's plan
with prod's config, and no role may use one
environment's secrets or keys for another (evaluated with AWS's policy logic over the real
documents)."""

from __future__ import annotations

from typing import Any

import pytest

from offline.engine import Plan
from offline.iam_evaluator import allowed
from offline.policy_run import PackProcess, check_plan
from tests.bootstrap_harness import ACCOUNT, bootstrap_run

# The identity-policy rules; the stack-scoped one (iam-own-stack-secrets-and-keys) is about one
# stack's roles, while CI roles span environments by design: the tests below check those.
IDENTITY_RULES = {
    "iam-no-admin-statements",
    "iam-no-administrator-access",
    "iam-no-kms-use-on-all-keys",
    "iam-no-passrole-on-all-roles",
    "iam-no-assume-role-on-all-roles",
    "iam-no-secret-reads-on-all-secrets",
    "iam-no-parameter-reads-on-all-parameters",
    "iam-trust-policy-no-wildcard-principal",
    # And its own resource policies: the state bucket, the keys, the findings topics.
    "resource-policy-principals-scoped",
}
SECRETS = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0000aaaa-1111-2222-3333-444455556666"
VIA_SECRETS = {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}


def test_the_ci_roles_pass_every_identity_rule(packs: list[PackProcess]) -> None:
    result = bootstrap_run()
    plan = Plan("bootstrap", "prod", result.resources, result.outputs)
    (baseline,) = [p for p in packs if p.directory.name == "security-baseline"]
    assert {p.name for p in baseline.info().policies} >= IDENTITY_RULES, "a rule named here left the pack"
    result = check_plan(plan, [baseline])
    # The pack did read the roles: the stack-scoped rule, which CI roles break by design, speaks.
    assert "iam-own-stack-secrets-and-keys" in {v.policy for v in result.violations}
    blocking = [f"{v.policy} {v.urn}: {v.message}" for v in result.mandatory if v.policy in IDENTITY_RULES]
    assert blocking == []


def role(key: str) -> list[dict[str, Any]]:
    return bootstrap_run().role_policies(key)


@pytest.mark.parametrize(
    ("key", "other"),
    [("prod", "dev"), ("prod", "staging"), ("staging", "prod"), ("staging", "dev"), ("dev", "prod")],
)
def test_a_deploy_role_reads_only_its_own_environments_secrets(key: str, other: str) -> None:
    policies = role(key)
    assert allowed(policies, "secretsmanager:GetSecretValue", f"{SECRETS}tasking-manager/{key}/app-a1b2c3")
    assert not allowed(
        policies, "secretsmanager:GetSecretValue", f"{SECRETS}tasking-manager/{other}/app-a1b2c3"
    )
    # RDS's master secrets: created and rotated through RDS, read by no CI role.
    assert allowed(policies, "secretsmanager:CreateSecret", f"{SECRETS}rds!db-1234-Ab12Cd")
    assert not allowed(policies, "secretsmanager:GetSecretValue", f"{SECRETS}rds!db-1234-Ab12Cd")


@pytest.mark.parametrize(
    ("key", "other"),
    [("prod", "dev"), ("prod", "staging"), ("staging", "prod"), ("staging", "dev"), ("dev", "prod")],
)
def test_a_deploy_role_uses_only_its_own_environments_keys(key: str, other: str) -> None:
    policies = role(key)
    own = {"aws:ResourceTag/Environment": key}
    assert allowed(policies, "kms:Decrypt", KEY, own)
    assert not allowed(policies, "kms:Decrypt", KEY, {"aws:ResourceTag/Environment": other})
    assert not allowed(policies, "kms:Decrypt", KEY)  # an untagged key: not this environment's
    # A new key is created with this environment's tag, never another's.
    assert allowed(policies, "kms:CreateKey", "*", {"aws:RequestTag/Environment": key})
    assert not allowed(policies, "kms:CreateKey", "*", {"aws:RequestTag/Environment": other})


def test_review_and_drift_decrypt_only_through_secrets_manager_with_their_stacks_keys() -> None:
    for key, environments in (("review", ["dev"]), ("drift", ["dev", "staging", "prod"])):
        policies = role(key)
        for environment in environments:
            assert allowed(
                policies, "kms:Decrypt", KEY, {**VIA_SECRETS, "aws:ResourceTag/Environment": environment}
            )
        assert not allowed(policies, "kms:Decrypt", KEY, {"aws:ResourceTag/Environment": environments[0]}), (
            key
        )
        stranger = "review" if key == "drift" else "prod"
        assert not allowed(
            policies, "kms:Decrypt", KEY, {**VIA_SECRETS, "aws:ResourceTag/Environment": stranger}
        )
    assert not allowed(
        role("review"), "secretsmanager:GetSecretValue", f"{SECRETS}tasking-manager/prod/app-a1b2c3"
    )


@pytest.mark.parametrize("key", ["prod", "staging", "dev"])
def test_a_deploy_role_cannot_claim_the_accounts_own_keys(key: str) -> None:
    """Tagging a key as this environment's is how a new key is made; the bootstrap's keys and the
    security baseline's, which carry no Environment tag, are denied outright (the gap for other
    untagged keys of the account is stated in docs/operations/ci.md)."""
    result = bootstrap_run()
    policies = result.role_policies(key)
    claim = {"aws:RequestTag/Environment": key}
    for name in (
        "state-state",
        "security-key",
        *(f"state-secrets-{e}" for e in ("prod", "staging", "dev", "review")),
    ):
        arn = result.key_arn(name)
        assert not allowed(policies, "kms:TagResource", arn, claim), (key, name)
        assert not allowed(policies, "kms:PutKeyPolicy", arn, claim), (key, name)
