"""The API's web ACL is tuned to the Tasking Manager: no managed rule blocks what the front end
legitimately sends, every rule's action is chosen on purpose, and a mapathon room stays under the
rate limit. The rules validate against WAF's own API model."""

from __future__ import annotations

import re
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from components.app_contract import CONTRACT
from components.settings import SettingsError
from components.waf import (
    BODY_SIZE_LABEL,
    LARGE_BODY_PATHS,
    LARGE_BODY_PREFIXES,
    MANAGED_RULE_GROUPS,
    MAPATHON_MAPPERS,
    MAPPER_ACTIONS_PER_5_MINUTES,
)
from offline.engine import Plan
from tests.conftest import plan_for

WAF_MODEL = botocore.session.get_session().get_service_model("wafv2")
# Pulumi's camelCase names whose WAF API spelling is not just the first letter capitalised.
_API_NAMES = {"cloudwatchMetricsEnabled": "CloudWatchMetricsEnabled"}


def rules(plan: Plan) -> list[dict[str, Any]]:
    return list(plan.one("aws:wafv2/webAcl:WebAcl").inputs["rules"])


def by_name(plan: Plan) -> dict[str, dict[str, Any]]:
    return {rule["name"]: rule for rule in rules(plan)}


def to_api(value: Any) -> Any:
    """Pulumi's inputs as the WAF API spells them (PascalCase keys, integral numbers)."""
    if isinstance(value, dict):
        return {_API_NAMES.get(k, k[0].upper() + k[1:]): to_api(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_api(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def test_the_web_acl_validates_against_the_wafv2_api_model() -> None:
    acl = plan_for("prod").one("aws:wafv2/webAcl:WebAcl").inputs
    request = {
        "Name": "tasking-manager-prod",
        "Scope": acl["scope"],
        "DefaultAction": to_api(acl["defaultAction"]),
        "Rules": to_api(acl["rules"]),
        "VisibilityConfig": to_api(acl["visibilityConfig"]),
    }
    report = ParamValidator().validate(request, WAF_MODEL.operation_model("CreateWebACL").input_shape)
    assert not report.has_errors(), report.generate_report()


def _counted(plan: Plan) -> set[str]:
    return {
        f"{rule['name']}/{override['name']}"
        for rule in rules(plan)
        for override in rule["statement"].get("managedRuleGroupStatement", {}).get("ruleActionOverrides")
        or []
        if override["actionToUse"] == {"count": {}}
    }


def test_only_the_body_size_rule_counts_by_default_and_ours_blocks_what_it_labels() -> None:
    plan = plan_for("prod")
    assert _counted(plan) == {"AWSManagedRulesCommonRuleSet/SizeRestrictions_BODY"}
    names = list(by_name(plan))
    oversized = by_name(plan)["oversized-body-outside-large-uploads"]
    # Labels are only seen by rules evaluated after the group that adds them.
    assert names.index("oversized-body-outside-large-uploads") > names.index("AWSManagedRulesCommonRuleSet")
    (label, *exclusions) = oversized["statement"]["andStatement"]["statements"]
    assert label == {"labelMatchStatement": {"scope": "LABEL", "key": BODY_SIZE_LABEL}}
    excluded = {
        (match["positionalConstraint"], match["searchString"])
        for match in (e["notStatement"]["statement"]["byteMatchStatement"] for e in exclusions)
    }
    assert excluded == {("STARTS_WITH", p) for p in LARGE_BODY_PREFIXES} | {
        ("EXACTLY", p) for p in LARGE_BODY_PATHS
    }


# What the front end sends large bodies to (frontend/src: projectCreate, trimProject.js,
# views/projectEdit.js, hooks/UseUploadImage.js), as the application's routes name them.
LARGE_BODY_ROUTES = (
    "POST /api/v2/projects/",
    "POST /api/v2/projects/actions/intersecting-tiles/",
    "PATCH /api/v2/projects/{project_id}/",
    "POST /api/v2/system/image-upload/",
)


def test_the_large_upload_exceptions_cover_exactly_routes_the_app_has() -> None:
    for route in LARGE_BODY_ROUTES:
        assert route in CONTRACT.write_routes, route
        path = route.split(" ", 1)[1]
        assert path.startswith(LARGE_BODY_PREFIXES) or path in LARGE_BODY_PATHS, route
    # No exception is dead weight: each opens at least one of the app's write routes.
    paths = {route.split(" ", 1)[1] for route in CONTRACT.write_routes}
    for prefix in LARGE_BODY_PREFIXES:
        assert any(p.startswith(prefix) for p in paths), prefix
    assert set(LARGE_BODY_PATHS) <= paths


def test_the_large_upload_endpoints_are_under_the_apps_api_prefix() -> None:
    prefix = re.match(r"^(/api/v\d+)/", CONTRACT.heartbeat_path)
    assert prefix is not None
    for path in (*LARGE_BODY_PREFIXES, *LARGE_BODY_PATHS):
        assert path.startswith(prefix.group(1) + "/"), path
        assert path.endswith("/"), path  # the app's routes end with a slash


def test_a_rule_name_the_groups_do_not_have_is_refused_with_the_names_they_have() -> None:
    with pytest.raises(SettingsError) as error:
        plan_for("prod", {"tm:loadBalancer.wafCountRules": ["AWSManagedRulesSQLiRuleSet/SQLi_Body"]})
    message = str(error.value)
    assert "tm:loadBalancer.wafCountRules" in message
    assert "SQLi_Body" in message
    assert "AWSManagedRulesSQLiRuleSet/SQLi_BODY" in message


def test_every_managed_group_of_the_web_acl_has_its_rule_names_listed() -> None:
    groups = [r["name"] for r in rules(plan_for("prod")) if "managedRuleGroupStatement" in r["statement"]]
    assert groups == list(MANAGED_RULE_GROUPS)


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_a_mapathon_room_behind_one_address_stays_under_the_rate_limit(stack: str) -> None:
    """50 mappers behind one NAT address, each with a task page open: what the front end polls by
    itself (the app contract) plus their own clicks, with the limit at least twice that."""
    polling = CONTRACT.polled_requests_per_5_minutes
    assert polling >= 20  # notifications every 30 s, activities and tasks every 60 s (v5.5.2)
    room = MAPATHON_MAPPERS * (polling + MAPPER_ACTIONS_PER_5_MINUTES)
    settings = plan_for(stack, {"tm:loadBalancer.waf": True} if stack == "dev" else None)
    (limit,) = [
        r["statement"]["rateBasedStatement"]["limit"]
        for r in rules(settings)
        if "rateBasedStatement" in r["statement"]
    ]
    assert limit >= 2 * room


# -- each rule's action, exactly ---------------------------------------------------------------------

GROUP_RULES = "none"  # override action `none`: the group's own actions (block) apply
# prod's web ACL in evaluation order: rule -> (what a match does, the group's rules overridden to
# count), and why.
EXPECTED_ACTIONS: dict[str, tuple[dict[str, Any], list[str]]] = {
    # Every Core rule blocks but the body-size one, which counts: ours below decides where it blocks.
    "AWSManagedRulesCommonRuleSet": ({"overrideAction": {GROUP_RULES: {}}}, ["SizeRestrictions_BODY"]),
    # Log4j, Java deserialisation, exploitable paths: nothing the Tasking Manager sends.
    "AWSManagedRulesKnownBadInputsRuleSet": ({"overrideAction": {GROUP_RULES: {}}}, []),
    # The app builds SQL through SQLAlchemy; no legitimate request looks like an injection.
    "AWSManagedRulesSQLiRuleSet": ({"overrideAction": {GROUP_RULES: {}}}, []),
    # Addresses Amazon's threat intelligence lists: bots and scanners, not mappers.
    "AWSManagedRulesAmazonIpReputationList": ({"overrideAction": {GROUP_RULES: {}}}, []),
    # What the Core rule set labelled oversized, outside the large-upload endpoints: blocked.
    "oversized-body-outside-large-uploads": ({"action": {"block": {}}}, []),
    # Over the limit from one address: blocked (count would only measure a flood, not stop it).
    "rate-limit-per-ip": ({"action": {"block": {}}}, []),
}


def _actions(plan: Plan) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Each rule's action (or override action), and the group's rules overridden, by name."""
    found = {}
    for rule in rules(plan):
        action = {key: rule[key] for key in ("action", "overrideAction") if key in rule}
        overrides = rule["statement"].get("managedRuleGroupStatement", {}).get("ruleActionOverrides") or []
        assert all(o["actionToUse"] == {"count": {}} for o in overrides), rule["name"]
        found[rule["name"]] = (action, [o["name"] for o in overrides])
    return found


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_each_rule_does_exactly_what_it_was_chosen_to_do(stack: str) -> None:
    plan = plan_for(stack, {"tm:loadBalancer.waf": True} if stack == "dev" else None)
    assert _actions(plan) == EXPECTED_ACTIONS
    assert [r["priority"] for r in rules(plan)] == list(range(1, len(EXPECTED_ACTIONS) + 1))
    # Requests no rule matched are allowed: the rules above are the whole of what is refused.
    assert plan.one("aws:wafv2/webAcl:WebAcl").inputs["defaultAction"] == {"allow": {}}


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_rate_rule_blocks_8500_requests_per_5_minutes_per_address(stack: str) -> None:
    """2 x 50 mappers x (25 polled + 60 own requests per 5 minutes) = 8500, counted per source
    address (not per forwarded-for header, which a client can forge), over the whole API."""
    plan = plan_for(stack, {"tm:loadBalancer.waf": True} if stack == "dev" else None)
    rate = by_name(plan)["rate-limit-per-ip"]
    assert rate["action"] == {"block": {}}
    assert rate["statement"] == {"rateBasedStatement": {"limit": 8500, "aggregateKeyType": "IP"}}


def test_managed_groups_are_amazons_unpinned_and_unscoped() -> None:
    """Vendor AWS, no version pinned (AWS's default version follows new threats), every request
    inspected (no scope-down), and only the counted rules overridden."""
    for name, rule in by_name(plan_for("prod")).items():
        if name not in MANAGED_RULE_GROUPS:
            continue
        counted = EXPECTED_ACTIONS[name][1]
        expected: dict[str, Any] = {"vendorName": "AWS", "name": name}
        if counted:
            expected["ruleActionOverrides"] = [{"name": r, "actionToUse": {"count": {}}} for r in counted]
        assert rule["statement"] == {"managedRuleGroupStatement": expected}, name


def test_a_rule_under_study_counts_while_its_group_keeps_blocking_the_rest() -> None:
    """`tm:loadBalancer.wafCountRules` overrides single rules to count; the group's own override
    stays `none` (a group override `count` would stop all of its rules blocking)."""
    plan = plan_for("prod", {"tm:loadBalancer.wafCountRules": ["AWSManagedRulesSQLiRuleSet/SQLi_BODY"]})
    assert _actions(plan) == {
        **EXPECTED_ACTIONS,
        "AWSManagedRulesSQLiRuleSet": ({"overrideAction": {GROUP_RULES: {}}}, ["SQLi_BODY"]),
    }


# -- logs ------------------------------------------------------------------------------------------


def test_the_web_acl_logs_every_request_without_credentials() -> None:
    """The API authenticates with `Authorization: Token <session token>` and the browser's cookies
    can carry sessions: both headers are redacted (WAF wants header names in lower case). No
    logging filter: allowed requests are logged too, which is what tuning a counted rule needs."""
    plan = plan_for("prod")
    logging = plan.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration").inputs
    assert logging["resourceArn"] == plan.one("aws:wafv2/webAcl:WebAcl").outputs["arn"]
    assert logging["redactedFields"] == [
        {"singleHeader": {"name": "authorization"}},
        {"singleHeader": {"name": "cookie"}},
    ]
    assert "loggingFilter" not in logging
