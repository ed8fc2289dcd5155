"""WAFv2 web ACLs: rules (AWS managed groups, not count-only), metrics and logging.

A web ACL's rules may be inline (`rules`, or `ruleJson` in the API's own casing) or separate
resources (WebAclRule, WebAclRuleGroupAssociation), so the rule checks are stack policies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from .framework import ResourcePolicy, StackPolicy, config_value, covered, is_true, of_type

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_RULE = "aws:wafv2/webAclRule:WebAclRule"
RULE_GROUP_ASSOCIATION = "aws:wafv2/webAclRuleGroupAssociation:WebAclRuleGroupAssociation"
LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(value[k]) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value


def _lower_keys(value: Any) -> Any:
    """The API's PascalCase (ruleJson) and Pulumi's camelCase, read alike."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return value


def _inline_rules(acl: PolicyResource) -> list[dict[str, Any]]:
    found = [_plain(rule) for rule in acl.props.get("rules") or []]
    raw = acl.props.get("ruleJson")
    if raw:
        found += [r for r in json.loads(str(raw)) if isinstance(r, dict)]
    return [_lower_keys(rule) for rule in found]


def _managed_groups(rule: dict[str, Any]) -> Iterator[str]:
    """Names of the managed rule groups a rule's statement uses, at any depth."""
    stack: list[Any] = [rule.get("statement")]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            group = node.get("managedRuleGroupStatement")
            if isinstance(group, dict) and group.get("name"):
                yield str(group["name"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _counts_only(override: Any) -> bool:
    if isinstance(override, str):
        return override.lower() == "count"
    return isinstance(override, dict) and "count" in override


def _rules_of(acl: PolicyResource, resources: list[PolicyResource]) -> list[tuple[str, bool]]:
    """(managed group name or "", count-only) for every rule of the web ACL."""
    found: list[tuple[str, bool]] = []
    for rule in _inline_rules(acl):
        groups = list(_managed_groups(rule)) or [""]
        found += [(group, _counts_only(rule.get("overrideAction"))) for group in groups]
    for separate in of_type(resources, WEB_ACL_RULE):
        if covered(acl, [separate], "webAclArn", "arn"):
            plain = _lower_keys(_plain(separate.props))
            groups = list(_managed_groups(plain)) or [""]
            found += [(group, _counts_only(plain.get("overrideAction"))) for group in groups]
    for association in of_type(resources, RULE_GROUP_ASSOCIATION):
        if covered(acl, [association], "webAclArn", "arn"):
            group = _plain(association.props.get("managedRuleGroup")) or {}
            found.append(
                (str(group.get("name") or ""), _counts_only(association.props.get("overrideAction")))
            )
    return found


_REQUIRED_GROUPS = {
    "requiredRuleGroups": {
        "type": "array",
        "items": {"type": "string"},
        "default": ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"],
        "description": "AWS managed rule groups every web ACL must use, blocking (not count-only)",
    }
}


def _has_rules(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for acl in of_type(args.resources, WEB_ACL):
        if not _rules_of(acl, args.resources):
            yield ("has no rules: it only applies its default action", acl.urn)


waf_web_acl_has_rules = StackPolicy(
    name="waf-web-acl-has-rules",
    summary="WAFv2 web ACLs have rules",
    controls=("FSBP WAF.10 [3P]", "CKV_AWS_175"),
    severity=Severity.MEDIUM,
    resource_types=(WEB_ACL, WEB_ACL_RULE, RULE_GROUP_ASSOCIATION),
    unset="rules and ruleJson unset, no rule resources: an empty web ACL",
    check=_has_rules,
)


def _managed_rules(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    required = config_value(args, "requiredRuleGroups", _REQUIRED_GROUPS)
    for acl in of_type(args.resources, WEB_ACL):
        rules = _rules_of(acl, args.resources)
        for group in required:
            modes = [count for name, count in rules if name == group]
            if not modes:
                yield (f"does not use the managed rule group {group}", acl.urn)
            elif all(modes):
                yield (
                    f"only counts {group} (overrideAction count): nothing is blocked",
                    acl.urn,
                )


waf_web_acl_managed_rules = StackPolicy(
    name="waf-web-acl-managed-rules",
    summary="WAFv2 web ACLs block with AWS's common and known-bad-inputs (Log4j) managed rules",
    controls=("CKV_AWS_192", "CKV2_AWS_76"),
    severity=Severity.MEDIUM,
    resource_types=(WEB_ACL, WEB_ACL_RULE, RULE_GROUP_ASSOCIATION),
    unset="overrideAction unset on a managed group: none (the group's own actions block)",
    check=_managed_rules,
    config=_REQUIRED_GROUPS,
)


def _metrics(args: ResourceValidationArgs) -> Iterator[str]:
    visibility = args.props.get("visibilityConfig") or {}
    if not is_true(visibility.get("cloudwatchMetricsEnabled")):
        yield "the web ACL publishes no CloudWatch metrics (visibilityConfig.cloudwatchMetricsEnabled)"
    for index, rule in enumerate(args.props.get("rules") or []):
        if not is_true((rule.get("visibilityConfig") or {}).get("cloudwatchMetricsEnabled")):
            yield f"rule {rule.get('name') or index} publishes no CloudWatch metrics"


waf_web_acl_metrics = ResourcePolicy(
    name="waf-web-acl-metrics",
    summary="WAFv2 web ACLs and their rules publish CloudWatch metrics",
    controls=("FSBP WAF.12 [3P]", "CKV_AWS_342"),
    severity=Severity.MEDIUM,
    resource_types=(WEB_ACL,),
    unset="visibilityConfig is required by AWS; cloudwatchMetricsEnabled has no default",
    check=_metrics,
)


def _logging(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    configurations = list(of_type(args.resources, LOGGING))
    for acl in of_type(args.resources, WEB_ACL):
        if not covered(acl, configurations, "resourceArn", "arn"):
            yield ("has no logging configuration: blocked requests leave no trace", acl.urn)


waf_web_acl_logging = StackPolicy(
    name="waf-web-acl-logging",
    summary="WAFv2 web ACLs log requests",
    controls=("FSBP WAF.11 (NIST)", "NIST WAFv2LoggingEnabled", "CKV2_AWS_31"),
    severity=Severity.LOW,
    resource_types=(WEB_ACL, LOGGING),
    unset="no WebAclLoggingConfiguration for the ACL: no logs",
    check=_logging,
)

POLICIES = [waf_web_acl_has_rules, waf_web_acl_managed_rules, waf_web_acl_metrics, waf_web_acl_logging]
