"""The rules of the API's web ACL, tuned to what the Tasking Manager sends.

AWS's managed rule groups block some legitimate Tasking Manager requests: the Core rule set's
`SizeRestrictions_BODY` blocks bodies over 8 KB, and creating a project posts its whole task grid,
editing one its descriptions in every language, and the editor uploads images as base64. That rule
runs in count mode, and a rule of ours blocks what it labels everywhere except on those endpoints.
Any other rule can be put in count mode while its logs are studied (`tm:loadBalancer.wafCountRules`);
docs/operations/waf.md has the path back to blocking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pulumi_aws as aws

from components.app_contract import CONTRACT

WAF_MANAGED_RULES = "https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html"
# The rules of each managed group the web ACL uses, by name, from AWS's list of them (WAF_MANAGED_RULES):
# the names a count override may take.
MANAGED_RULE_GROUPS: dict[str, tuple[str, ...]] = {
    "AWSManagedRulesCommonRuleSet": (
        "NoUserAgent_HEADER",
        "UserAgent_BadBots_HEADER",
        "SizeRestrictions_QUERYSTRING",
        "SizeRestrictions_Cookie_HEADER",
        "SizeRestrictions_BODY",
        "SizeRestrictions_URIPATH",
        "EC2MetaDataSSRF_BODY",
        "EC2MetaDataSSRF_COOKIE",
        "EC2MetaDataSSRF_URIPATH",
        "EC2MetaDataSSRF_QUERYARGUMENTS",
        "GenericLFI_QUERYARGUMENTS",
        "GenericLFI_URIPATH",
        "GenericLFI_BODY",
        "RestrictedExtensions_URIPATH",
        "RestrictedExtensions_QUERYARGUMENTS",
        "GenericRFI_QUERYARGUMENTS",
        "GenericRFI_BODY",
        "GenericRFI_URIPATH",
        "CrossSiteScripting_COOKIE",
        "CrossSiteScripting_QUERYARGUMENTS",
        "CrossSiteScripting_BODY",
        "CrossSiteScripting_URIPATH",
    ),
    "AWSManagedRulesKnownBadInputsRuleSet": (
        "JavaDeserializationRCE_HEADER",
        "JavaDeserializationRCE_BODY",
        "JavaDeserializationRCE_URIPATH",
        "JavaDeserializationRCE_QUERYSTRING",
        "Host_localhost_HEADER",
        "PROPFIND_METHOD",
        "ExploitablePaths_URIPATH",
        "Log4JRCE_HEADER",
        "Log4JRCE_QUERYSTRING",
        "Log4JRCE_BODY",
        "Log4JRCE_URIPATH",
    ),
    "AWSManagedRulesSQLiRuleSet": (
        "SQLiExtendedPatterns_QUERYARGUMENTS",
        "SQLi_QUERYARGUMENTS",
        "SQLi_BODY",
        "SQLiExtendedPatterns_BODY",
        "SQLi_COOKIE",
        "SQLi_URIPATH",
    ),
    "AWSManagedRulesAmazonIpReputationList": (
        "AWSManagedIPReputationList",
        "AWSManagedReconnaissanceList",
        "AWSManagedIPDDoSList",
    ),
}
# Always counted, never blocked by the group: `oversized-body-outside-large-uploads` decides.
BODY_SIZE_RULE = ("AWSManagedRulesCommonRuleSet", "SizeRestrictions_BODY")
BODY_SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"
API_PREFIX = CONTRACT.heartbeat_path.removesuffix("/system/heartbeat/")
# Where the front end posts bodies over 8 KB (frontend/src of the application): project creation
# and its grid (projectCreate), project edits (views/projectEdit.js), the area check
# (projects/actions/intersecting-tiles/), and image uploads (hooks/UseUploadImage.js).
LARGE_BODY_PREFIXES = (f"{API_PREFIX}/projects/",)
LARGE_BODY_PATHS = (f"{API_PREFIX}/system/image-upload/",)

# A mapathon room: its mappers share one public address (the venue's NAT), each with a project's
# task page open. Besides what the page polls by itself (the app contract's front-end polling),
# a mapper opens projects (about 20 API calls a page), locks, maps and submits tasks: an estimate
# of 60 requests per 5 minutes. The limit is twice the room's total.
MAPATHON_MAPPERS = 50
MAPPER_ACTIONS_PER_5_MINUTES = 60


def mapathon_rate_limit() -> int:
    """Requests per 5 minutes from one address that a mapathon room stays under."""
    per_mapper = CONTRACT.polled_requests_per_5_minutes + MAPPER_ACTIONS_PER_5_MINUTES
    return 2 * MAPATHON_MAPPERS * per_mapper


Visibility = Callable[[str], aws.wafv2.WebAclVisibilityConfigArgs]


def web_acl_rules(
    rate_limit: int, count_rules: Sequence[str], visibility: Visibility
) -> list[aws.wafv2.WebAclRuleArgs]:
    """The managed groups in order (each rule blocking unless counted), then ours: the body-size
    rule outside the large-upload endpoints, and the per-address rate limit. `count_rules`:
    `Group/Rule` names to count rather than block."""
    counted = {BODY_SIZE_RULE, *(tuple(rule.split("/", 1)) for rule in count_rules)}
    rules: list[aws.wafv2.WebAclRuleArgs] = []
    for group, rule_names in MANAGED_RULE_GROUPS.items():
        overrides = [_count(rule) for rule in rule_names if (group, rule) in counted]
        rules.append(
            aws.wafv2.WebAclRuleArgs(
                name=group,
                priority=len(rules) + 1,
                # The group's own actions apply (block), except the rules overridden to count.
                override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                    none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
                ),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                        vendor_name="AWS", name=group, rule_action_overrides=overrides or None
                    )
                ),
                visibility_config=visibility(group),
            )
        )
    # Labelled oversized by the Core rule set, and not a large-upload endpoint: blocked. Two
    # levels of nesting (and -> not -> match), within what the provider's schema takes.
    labelled = aws.wafv2.WebAclRuleStatementArgs(
        label_match_statement=aws.wafv2.WebAclRuleStatementLabelMatchStatementArgs(
            scope="LABEL", key=BODY_SIZE_LABEL
        )
    )
    outside = [
        aws.wafv2.WebAclRuleStatementArgs(
            not_statement=aws.wafv2.WebAclRuleStatementNotStatementArgs(statement=_uri_path(path, constraint))
        )
        for constraint, paths in (("STARTS_WITH", LARGE_BODY_PREFIXES), ("EXACTLY", LARGE_BODY_PATHS))
        for path in paths
    ]
    oversized = aws.wafv2.WebAclRuleStatementArgs(
        and_statement=aws.wafv2.WebAclRuleStatementAndStatementArgs(statements=[labelled, *outside])
    )
    per_address = aws.wafv2.WebAclRuleStatementArgs(
        rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
            limit=rate_limit, aggregate_key_type="IP"
        )
    )
    for name, statement, metric in (
        ("oversized-body-outside-large-uploads", oversized, "oversized-body"),
        ("rate-limit-per-ip", per_address, "rate-limit"),
    ):
        rules.append(
            aws.wafv2.WebAclRuleArgs(
                name=name,
                priority=len(rules) + 1,
                action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
                statement=statement,
                visibility_config=visibility(metric),
            )
        )
    return rules


def _count(rule: str) -> aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs:
    override = aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs
    return aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs(
        name=rule,
        action_to_use=override(
            count=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs()
        ),
    )


def _uri_path(value: str, constraint: str) -> aws.wafv2.WebAclRuleStatementArgs:
    match = aws.wafv2
    return match.WebAclRuleStatementArgs(
        byte_match_statement=match.WebAclRuleStatementByteMatchStatementArgs(
            field_to_match=match.WebAclRuleStatementByteMatchStatementFieldToMatchArgs(
                uri_path=match.WebAclRuleStatementByteMatchStatementFieldToMatchUriPathArgs()
            ),
            positional_constraint=constraint,
            search_string=value,
            text_transformations=[
                match.WebAclRuleStatementByteMatchStatementTextTransformationArgs(priority=0, type="NONE")
            ],
        )
    )
