"""Fixtures of the WAFv2 web ACL policies (inline rules, API-cased ruleJson, separate rule resources)."""

import json

from security_baseline import waf

from tests.policies.harness import DELETE, Case, StackCase

ACL = "aws:wafv2/webAcl:WebAcl"
ACL_ARN = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/tm/1"


def _managed(name: str, priority: float) -> dict[str, object]:
    return {
        "name": name,
        "priority": priority,
        "overrideAction": {"none": {}},
        "statement": {"managedRuleGroupStatement": {"vendorName": "AWS", "name": name}},
        "visibilityConfig": {
            "metricName": name,
            "cloudwatchMetricsEnabled": True,
            "sampledRequestsEnabled": True,
        },
    }


_ACL = {
    "arn": ACL_ARN,
    "scope": "REGIONAL",
    "defaultAction": {"allow": {}},
    "visibilityConfig": {
        "metricName": "tm",
        "cloudwatchMetricsEnabled": True,
        "sampledRequestsEnabled": True,
    },
    "rules": [
        _managed("AWSManagedRulesCommonRuleSet", 1.0),
        _managed("AWSManagedRulesKnownBadInputsRuleSet", 2.0),
    ],
}
_RULE_JSON = json.dumps(
    [
        {
            "Name": "bad-inputs",
            "Priority": 1,
            "OverrideAction": {"None": {}},
            "Statement": {
                "ManagedRuleGroupStatement": {
                    "VendorName": "AWS",
                    "Name": "AWSManagedRulesKnownBadInputsRuleSet",
                }
            },
            "VisibilityConfig": {
                "MetricName": "bad",
                "CloudWatchMetricsEnabled": True,
                "SampledRequestsEnabled": True,
            },
        }
    ]
)

CASES = [
    StackCase(
        waf.waf_web_acl_has_rules,
        {"acl": (ACL, dict(_ACL))},
        [({"acl.rules": []}, "has no rules")],
    ),
    StackCase(
        waf.waf_web_acl_has_rules,
        {
            "acl": (ACL, {**_ACL, "rules": []}),
            "group": (
                "aws:wafv2/webAclRuleGroupAssociation:WebAclRuleGroupAssociation",
                {
                    "webAclArn": ACL_ARN,
                    "ruleName": "common",
                    "priority": 1.0,
                    "managedRuleGroup": {"name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS"},
                    "overrideAction": "none",
                },
            ),
        },
        [({"group": DELETE}, "has no rules"), ({"group.webAclArn": "arn:other"}, "has no rules")],
    ),
    StackCase(
        waf.waf_web_acl_managed_rules,
        {"acl": (ACL, dict(_ACL))},
        [
            (
                {"acl.rules.1.statement.managedRuleGroupStatement.name": "AWSManagedRulesSQLiRuleSet"},
                "does not use the managed rule group AWSManagedRulesKnownBadInputsRuleSet",
            ),
            ({"acl.rules.0.overrideAction": {"count": {}}}, "only counts AWSManagedRulesCommonRuleSet"),
        ],
    ),
    StackCase(
        waf.waf_web_acl_managed_rules,
        {
            "acl": (
                ACL,
                {**_ACL, "rules": [_managed("AWSManagedRulesCommonRuleSet", 1.0)], "ruleJson": _RULE_JSON},
            ),
            "rule": (
                "aws:wafv2/webAclRule:WebAclRule",
                {
                    "webAclArn": ACL_ARN,
                    "name": "ip-rate",
                    "priority": 9.0,
                    "action": {"block": {}},
                    "statement": {"rateBasedStatement": {"limit": 2000.0}},
                },
            ),
        },
        [
            (
                {"acl.ruleJson": "[]"},
                "does not use the managed rule group AWSManagedRulesKnownBadInputsRuleSet",
            )
        ],
    ),
    Case(
        waf.waf_web_acl_metrics,
        ACL,
        dict(_ACL),
        [
            (
                {"visibilityConfig.cloudwatchMetricsEnabled": False},
                "the web ACL publishes no CloudWatch metrics",
            ),
            (
                {"rules.1.visibilityConfig.cloudwatchMetricsEnabled": False},
                "rule AWSManagedRulesKnownBadInputsRuleSet publishes no",
            ),
        ],
    ),
    StackCase(
        waf.waf_web_acl_logging,
        {
            "acl": (ACL, dict(_ACL)),
            "logging": (
                "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
                {
                    "resourceArn": ACL_ARN,
                    "logDestinationConfigs": [
                        "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-tm"
                    ],
                },
            ),
        },
        [
            ({"logging": DELETE}, "has no logging configuration"),
            ({"logging.resourceArn": "arn:other"}, "has no logging"),
        ],
    ),
]
