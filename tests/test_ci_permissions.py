"""The CI roles cover what the program does: every call the provider makes for each stack's
resources and data sources (offline/aws_permissions.json, offline/ci_permissions.py) is allowed
by the role that deploys or previews that stack, evaluated over the bootstrap's real policies."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from offline.ci_permissions import (
    PHASES,
    Index,
    Need,
    data_source_needs,
    known_action,
    resource_needs,
    table,
)
from offline.engine import Plan
from offline.iam_evaluator import ContextValue, Request, evaluate
from offline.mocks import OFFLINE_ACCOUNT_ID
from tests.bootstrap_harness import bootstrap_run
from tests.conftest import plan_for

REGION = "us-east-1"
# Calls a role is denied on purpose, with the reason; everything else must be allowed.
DELIBERATELY_DENIED = {
    (
        "review",
        "iam:PutRolePermissionsBoundary",
    ): "a review role's boundary never changes (NeverLoosenTheBoundary)",
    (
        "review",
        "iam:DeleteRolePermissionsBoundary",
    ): "a review role's boundary never changes (NeverLoosenTheBoundary)",
}


def role_policies(key: str) -> list[dict[str, Any]]:
    """The CI role's policies as the bootstrap renders them for the account the plans use."""
    return bootstrap_run(accountId=OFFLINE_ACCOUNT_ID).role_policies(key)


def refused(needs: list[Need], policies: list[dict[str, Any]], role: str) -> list[str]:
    found = []
    for need in needs:
        if (role, need.request.action) in DELIBERATELY_DENIED:
            continue
        result = evaluate(policies, need.request)
        if not result.allowed:
            why = f" by {', '.join(result.statements)}" if result.statements else ""
            found.append(f"{need} ({result.decision}{why}; context {dict(need.request.context)})")
    return sorted(set(found))


def stack_needs(stack: str) -> list[Need]:
    plans = [plan_for(stack)] + ([plan_for("dev")] if stack.startswith("review-pr-") else [])
    index = Index.of(plans, OFFLINE_ACCOUNT_ID, REGION)
    return resource_needs(plans[0], index) + data_source_needs(plans[0], index)


@pytest.mark.parametrize(
    ("stack", "role"), [("prod", "prod"), ("staging", "staging"), ("dev", "dev"), ("review-pr-123", "review")]
)
def test_the_role_that_deploys_a_stack_allows_every_call_of_its_lifecycle(stack: str, role: str) -> None:
    needs = stack_needs(stack)
    assert {need.phase for need in needs} == {*PHASES, "retag"}  # retag: a later tag change
    assert refused(needs, role_policies(role), role) == []


def test_the_dev_roles_allow_a_nat_instance_s_lifecycle_and_image_lookup() -> None:
    """dev's optional NAT instance: its root volume under dev's key, its image from AWS's parameter."""
    plan = plan_for("dev", {"tm:network.natGateways": "instance"})
    index = Index.of([plan], OFFLINE_ACCOUNT_ID, REGION)
    lookups = data_source_needs(plan, index)
    needs = [n for n in resource_needs(plan, index) if n.subject.startswith("aws:ec2/instance:Instance")]
    assert {n.request.action for n in needs} >= {"ec2:RunInstances", "kms:GenerateDataKeyWithoutPlaintext"}
    assert refused(needs + lookups, role_policies("dev"), "dev") == []
    assert refused(lookups, role_policies("preview"), "preview") == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_deploy_role_allows_every_call_of_an_aurora_database(stack: str) -> None:
    """tm:database.engine auroraServerless: the cluster, its instances and parameter group."""
    plan = plan_for(stack, {"tm:database.engine": "auroraServerless"})
    cluster = [r for r in plan.resources if r.type.startswith("aws:rds/cluster")]
    needs = resource_needs(
        dataclasses.replace(plan, resources=cluster), Index.of([plan], OFFLINE_ACCOUNT_ID, REGION)
    )
    assert {n.subject.split(" ")[0] for n in needs} >= {
        "aws:rds/cluster:Cluster",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    }
    assert refused(needs, role_policies(stack), stack) == []


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_preview_role_allows_every_lookup_of_a_preview(stack: str) -> None:
    """`pulumi preview` (no --refresh) reads resources from the state and calls the data sources."""
    plan = plan_for(stack)
    needs = data_source_needs(plan, Index.of([plan], OFFLINE_ACCOUNT_ID, REGION))
    assert "aws:route53/getZone:getZone" in {need.subject for need in needs}
    assert refused(needs, role_policies("preview"), "preview") == []


# A later push on another day changes only tm:expiresAt, so only the default tag ExpiresAt: the
# provider's generated updateTags sends just the changed tags (`oldTags.Updated(newTags)`), so
# TagResource/AddTags carries ExpiresAt alone, never Environment.
CLUSTER = f"arn:aws:ecs:{REGION}:{OFFLINE_ACCOUNT_ID}:cluster/tasking-manager-dev"
EXPIRES_ONLY: dict[str, ContextValue] = {
    "aws:ResourceTag/Environment": "review",
    "aws:RequestTag/ExpiresAt": "2026-12-15",
    "aws:TagKeys": ["ExpiresAt"],
    "ecs:cluster": CLUSTER,
}


@pytest.mark.parametrize(
    ("action", "arn"),
    [
        (
            "ecs:TagResource",
            f"arn:aws:ecs:{REGION}:{OFFLINE_ACCOUNT_ID}:service/tasking-manager-dev/pr-5-api-1a2b3c4",
        ),
        (
            "ecs:TagResource",
            f"arn:aws:ecs:{REGION}:{OFFLINE_ACCOUNT_ID}:task-definition/tasking-manager-review-pr-5-api:2",
        ),
        (
            "elasticloadbalancing:AddTags",
            f"arn:aws:elasticloadbalancing:{REGION}:{OFFLINE_ACCOUNT_ID}:targetgroup/pr-5-1a2b3c4/0123456789abcdef",
        ),
        (
            "elasticloadbalancing:AddTags",
            f"arn:aws:elasticloadbalancing:{REGION}:{OFFLINE_ACCOUNT_ID}:listener-rule/app/tm-dev/1/2/3",
        ),
    ],
)
def test_a_later_push_may_move_the_expiry_tag_of_its_review_resources(action: str, arn: str) -> None:
    policies = role_policies("review")
    assert evaluate(policies, Request(action, arn, EXPIRES_ONLY)).allowed
    # and never retag them for another environment
    other = {**EXPIRES_ONLY, "aws:RequestTag/Environment": "prod", "aws:TagKeys": ["Environment"]}
    assert not evaluate(policies, Request(action, arn, other)).allowed


def test_the_retag_phase_sends_only_the_changed_tag() -> None:
    retags = [need for need in stack_needs("review-pr-123") if need.phase == "retag"]
    assert retags
    for need in retags:
        context = need.request.context
        assert "aws:RequestTag/Environment" not in context, need
        assert context["aws:TagKeys"] == ["ExpiresAt"], need
        assert context["aws:ResourceTag/Environment"] == "review", need


def _without(policies: list[dict[str, Any]], sid: str, action: str) -> list[dict[str, Any]]:
    """The policies with `action` taken out of the statement `sid`."""
    found = copy.deepcopy(policies)
    (statement,) = [st for policy in found for st in policy["Statement"] if st.get("Sid") == sid]
    assert action in statement["Action"]
    statement["Action"] = [a for a in statement["Action"] if a != action]
    return found


@pytest.mark.parametrize(
    ("stack", "role", "sid", "action"),
    [
        ("review-pr-123", "review", "RetagReviewTasks", "ecs:TagResource"),
        ("review-pr-123", "review", "ManageReviewRouting", "elasticloadbalancing:AddTags"),
        ("prod", "prod", "ManageRolesOfThisEnvironment", "iam:TagRole"),
    ],
)
def test_a_role_that_may_tag_only_what_it_creates_refuses_a_later_retag(
    stack: str, role: str, sid: str, action: str
) -> None:
    """The retag phase asks what creating and tagging did not: a role that lets a deploy tag what
    it creates (with its Environment tag) but not what already carries it refuses a later deploy's
    change of one tag, and nothing else."""
    found = refused(stack_needs(stack), _without(role_policies(role), sid, action), role)
    assert found
    assert all(f": retag needs {action} on " in line for line in found), found


def test_a_missing_permission_names_the_resource_type_and_the_action() -> None:
    without_budgets = [
        {
            **policy,
            "Statement": [
                dict(s, Action=[a for a in _actions(s) if not a.startswith("budgets:")])
                for s in policy["Statement"]
            ],
        }
        for policy in role_policies("dev")
    ]
    missing = refused(stack_needs("dev"), without_budgets, "dev")
    assert missing
    assert all("aws:budgets/budget:Budget" in line for line in missing)
    assert any("needs budgets:ModifyBudget on arn:aws:budgets::" in line for line in missing)


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement.get("Action", statement.get("NotAction"))
    return [action] if isinstance(action, str) else list(action)


def test_a_resource_type_without_a_row_is_refused_by_name() -> None:
    plan = plan_for("dev")
    unknown = dataclasses.replace(plan.resources[-1], type="aws:new/thing:Thing", custom=True)
    with pytest.raises(KeyError, match="aws:new/thing:Thing"):
        resource_needs(
            Plan(plan.stack, plan.environment, [unknown], {}), Index.of([plan], OFFLINE_ACCOUNT_ID, REGION)
        )


def test_every_action_of_the_table_exists_in_the_service_authorization_reference() -> None:
    rows = [*table()["resources"].values(), *table()["dataSources"].values()]
    actions = {
        a
        for row in rows
        for phase in ("create", "read", "update", "delete", "tag")
        for a in row.get(phase, [])
    }
    assert len(actions) > 150
    assert sorted(a for a in actions if not known_action(a)) == []


def test_every_row_names_the_provider_source_it_was_read_from() -> None:
    for token, row in [*table()["resources"].items(), *table()["dataSources"].items()]:
        assert row["source"], token
        # terraform-provider-aws files, or the Pulumi repository that changes or replaces them.
        assert all(s.startswith(("internal/", "pulumi/")) for s in row["source"]), token


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_drift_role_reads_everything_a_refresh_reads(stack: str) -> None:
    """`pulumi preview --refresh` reads every resource back (the read phase) and the data sources."""
    plan = plan_for(stack)
    index = Index.of([plan], OFFLINE_ACCOUNT_ID, REGION)
    needs = resource_needs(plan, index, phases=("read",)) + data_source_needs(plan, index)
    assert len(needs) > 100
    assert refused(needs, role_policies("drift"), "drift") == []
    # ... and may make none of the calls that change them.
    changes = [
        n
        for n in resource_needs(plan, index, phases=("create", "update", "delete", "tag"))
        if not n.request.action.split(":")[1].startswith(("Describe", "Get", "List", "View", "Decrypt"))
    ]
    assert len(changes) > 100
    assert [str(n) for n in changes if evaluate(role_policies("drift"), n.request).allowed] == []
