"""Every document and name the stacks and the bootstrap render fits AWS's quotas
(offline/aws_limits.py), with room to grow."""

from __future__ import annotations

import json

import pytest

from components.settings import MAX_REVIEW_SLOTS
from offline.aws_limits import HEADROOM, MANAGED_RULE_GROUP_CAPACITY, QUOTAS, Measurement, iam_size, measure
from offline.engine import Plan
from offline.mocks import Registration
from tests.bootstrap_harness import bootstrap_run
from tests.conftest import plan_for

STACKS = ("prod", "dev", "review-pr-123")


def measurements(subject: str) -> list[Measurement]:
    if subject == "bootstrap":
        return measure(bootstrap_run().resources)
    return measure(plan_for(subject).resources)


@pytest.mark.parametrize("subject", [*STACKS, "bootstrap"])
def test_every_rendered_value_fits_its_quota_with_room_to_grow(subject: str) -> None:
    found = measurements(subject)
    assert found
    tight = [
        f"{m.quota} of {m.subject}: {m.value} of {m.limit} ({QUOTAS[m.quota].counted})"
        for m in found
        if m.headroom < HEADROOM
    ]
    assert tight == []


def test_every_quota_of_the_table_is_measured_somewhere() -> None:
    measured = {m.quota for subject in [*STACKS, "bootstrap"] for m in measurements(subject)}
    assert set(QUOTAS) - measured == set()


def test_every_quota_is_sourced_from_aws() -> None:
    for key, quota in QUOTAS.items():
        assert quota.source.startswith("https://docs.aws.amazon.com/"), key
        assert quota.adjustable_to is None or quota.adjustable_to > quota.limit, key


def test_iam_counts_characters_without_white_space() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    compact = json.dumps(document, separators=(",", ":"))
    assert iam_size(document) == iam_size(json.dumps(document, indent=4)) == len(compact)


def _role_with_inline_policy(characters: int) -> list[Registration]:
    padding = "x" * (characters - iam_size({"Statement": [{"Sid": ""}]}))
    policy = json.dumps({"Statement": [{"Sid": padding}]})
    role = Registration(
        "urn:role", "aws:iam/role:Role", "r", True, "", {"name": "r", "assumeRolePolicy": "{}"}, [], ""
    )
    role.outputs = {"id": "r", "name": "r"}
    inline = Registration(
        "urn:p", "aws:iam/rolePolicy:RolePolicy", "p", True, "", {"role": "r", "policy": policy}, [], ""
    )
    return [role, inline]


def test_an_inline_policy_over_the_role_limit_is_reported() -> None:
    limit = QUOTAS["iam.inlinePoliciesPerRole"].limit
    (at_limit,) = [
        m for m in measure(_role_with_inline_policy(limit)) if m.quota == "iam.inlinePoliciesPerRole"
    ]
    (over,) = [
        m for m in measure(_role_with_inline_policy(limit + 1)) if m.quota == "iam.inlinePoliciesPerRole"
    ]
    assert (at_limit.value, at_limit.headroom) == (limit, 0)
    assert over.headroom < 0


def test_the_review_ci_role_policies_fit_with_room_for_another_part() -> None:
    found = [m for m in measurements("bootstrap") if m.subject.startswith("tasking-manager-ci-review")]
    (attached,) = [m for m in found if m.quota == "iam.managedPoliciesPerRole"]
    assert 1 < attached.value < QUOTAS["iam.managedPoliciesPerRole"].limit
    assert all(m.headroom >= HEADROOM for m in found if m.quota == "iam.managedPolicy")


def test_the_base_listener_has_room_for_its_review_apps_rules() -> None:
    """Review apps add their rules to the base's HTTPS listener: one review app's rules and the
    base's own are counted against the load balancer's quota together."""
    base, review = plan_for("dev"), plan_for("review-pr-123")
    rules = _listener_rules(base) + _listener_rules(review)
    assert {r.inputs["listenerArn"] for r in rules} == {_listener_rules(base)[0].inputs["listenerArn"]}
    per_review_app = len(_listener_rules(review))
    room = QUOTAS["elb.rulesPerLoadBalancer"].limit - len(_listener_rules(base))
    assert per_review_app >= 1
    assert room // per_review_app >= 20, "fewer than 20 review apps fit the base's listener"


def _listener_rules(plan: Plan) -> list[Registration]:
    return plan.of_type("aws:lb/listenerRule:ListenerRule")


def test_the_web_acl_capacity_is_counted_for_every_rule() -> None:
    (acl,) = [m for m in measurements("prod") if m.quota == "wafv2.webAclCapacity"]
    groups = [
        rule["statement"]["managedRuleGroupStatement"]["name"]
        for rule in plan_for("prod").one("aws:wafv2/webAcl:WebAcl").inputs["rules"]
        if "managedRuleGroupStatement" in rule["statement"]
    ]
    assert acl.value > sum(MANAGED_RULE_GROUP_CAPACITY[g] for g in groups)


def test_review_slots_are_capped_by_amplifys_branches_per_app() -> None:
    """Each review slot is a branch of dev's review front-end app: settings allow no more slots
    than Amplify allows branches in one app (a hard limit)."""
    quota = QUOTAS["amplify.branchesPerApp"]
    assert quota.adjustable_to is None
    assert quota.limit == MAX_REVIEW_SLOTS
    dev = plan_for("dev")
    (review_app,) = [
        m
        for m in measurements("dev")
        if m.quota == "amplify.branchesPerApp" and m.subject == dev.outputs["reviewFrontendAppId"]
    ]
    assert review_app.value == dev.outputs["reviewSlots"]
