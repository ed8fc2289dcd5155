"""Where findings go: an encrypted `findings` topic for what needs a look within days, a `page`
topic for what needs someone now, and the EventBridge rules that feed them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from .baseline import (
    PREFIX,
    RUNBOOK,
    access_analyzer_pattern,
    guardduty_pattern,
    security_hub_pattern,
    topic_policy,
)

Route = Literal["page", "findings"]


@dataclass(frozen=True)
class Rule:
    """One EventBridge rule: what it matches, where it goes, and the message it sends."""

    key: str
    description: str
    pattern: dict[str, Any]
    route: Route
    paths: dict[str, str]
    message: str  # with <placeholders> of `paths`; the route's prefix and the runbook are added


def finding_rules(*, guard_duty: bool, security_hub: bool, access_analyzer: bool) -> list[Rule]:
    """The rules of the enabled finding sources. GuardDuty reports activity (something is happening
    now) and pages from High up; Security Hub reports posture, so only its critical findings page
    and its high ones are tickets; Access Analyzer reports a grant that may be intended: a ticket."""
    rules = []
    if guard_duty:
        rules.append(
            Rule(
                "guardduty",
                "GuardDuty findings of high or critical severity (7 and up) page",
                guardduty_pattern(),
                "page",
                {
                    "type": "$.detail.type",
                    "severity": "$.detail.severity",
                    "title": "$.detail.title",
                    "resource": "$.detail.resource.resourceType",
                    "account": "$.detail.accountId",
                    "region": "$.detail.region",
                    "id": "$.detail.id",
                },
                "GuardDuty finding <type> (severity <severity>) on a <resource> in <account>/<region>: "
                "<title> (finding <id>). What to do: see {runbook}#guardduty",
            )
        )
    if security_hub:
        finding = "$.detail.findings[0]"
        paths = {
            "severity": f"{finding}.Severity.Label",
            "title": f"{finding}.Title",
            "product": f"{finding}.ProductName",
            "control": f"{finding}.Compliance.SecurityControlId",
            "resource": f"{finding}.Resources[0].Id",
        }
        message = (
            "Security Hub <severity> finding from <product> on <resource>: <title> (control <control>). "
            "What to do: see {runbook}#security-hub"
        )
        rules += [
            Rule(
                "securityhub-critical",
                "New, active critical Security Hub findings page",
                security_hub_pattern(["CRITICAL"]),
                "page",
                paths,
                message,
            ),
            Rule(
                "securityhub-high",
                "New, active high Security Hub findings open a ticket",
                security_hub_pattern(["HIGH"]),
                "findings",
                paths,
                message,
            ),
        ]
    if access_analyzer:
        rules.append(
            Rule(
                "access-analyzer",
                "Active IAM Access Analyzer findings (access from outside the account) open a ticket",
                access_analyzer_pattern(),
                "findings",
                {
                    "type": "$.detail.resourceType",
                    "resource": "$.detail.resource",
                    "public": "$.detail.isPublic",
                    "id": "$.detail.id",
                },
                "IAM Access Analyzer: the <type> <resource> can be reached from outside the account "
                "(public: <public>; finding <id>). What to do: see {runbook}#access-analyzer",
            )
        )
    return rules


@dataclass(frozen=True)
class FindingRoutingArgs:
    account_id: str
    key_arn: pulumi.Input[str]
    paging: bool
    page_emails: Sequence[str]
    finding_emails: Sequence[str]
    rules: Sequence[Rule]


class FindingRouting(pulumi.ComponentResource):
    """`tm:bootstrap:FindingRouting`: the `findings` and (when paging) `page` topics, KMS-encrypted,
    with their e-mail subscriptions, and one EventBridge rule per finding source and route."""

    topics: dict[Route, aws.sns.Topic]
    rules: dict[str, aws.cloudwatch.EventRule]

    def __init__(
        self, name: str, args: FindingRoutingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tm:bootstrap:FindingRouting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        routes: list[Route] = ["page", "findings"] if args.paging else ["findings"]
        self.topics = {}
        for route in routes:
            topic = aws.sns.Topic(
                f"{name}-{route}",
                name=f"{PREFIX}-{route}",
                display_name=f"Tasking Manager security {route}",
                kms_master_key_id=args.key_arn,
                opts=child,
            )
            aws.sns.TopicPolicy(
                f"{name}-{route}",
                arn=topic.arn,
                policy=topic.arn.apply(lambda arn: json.dumps(topic_policy(arn, args.account_id))),
                opts=child,
            )
            emails = args.page_emails if route == "page" else args.finding_emails
            for index, address in enumerate(emails):
                aws.sns.TopicSubscription(
                    f"{name}-{route}-email-{index}",
                    topic=topic.arn,
                    protocol="email",
                    endpoint=address,
                    opts=child,
                )
            self.topics[route] = topic
        self.rules = {rule.key: self._rule(name, rule, child) for rule in args.rules}
        self.register_outputs({f"{route}TopicArn": topic.arn for route, topic in self.topics.items()})

    def route(self, route: Route) -> aws.sns.Topic:
        """The topic for this route: without paging, everything is a finding to look at."""
        return self.topics.get(route, self.topics["findings"])

    def _rule(self, name: str, rule: Rule, opts: pulumi.ResourceOptions) -> aws.cloudwatch.EventRule:
        created = aws.cloudwatch.EventRule(
            f"{name}-{rule.key}",
            name=f"{PREFIX}-{rule.key}",
            description=rule.description,
            event_pattern=json.dumps(rule.pattern),
            opts=opts,
        )
        topic = self.route(rule.route)
        prefix = "PAGE" if topic is self.topics.get("page") else "TICKET"
        aws.cloudwatch.EventTarget(
            f"{name}-{rule.key}",
            rule=created.name,
            arn=topic.arn,
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths=rule.paths,
                input_template=json.dumps(f"{prefix}: {rule.message.format(runbook=RUNBOOK)}"),
            ),
            opts=opts,
        )
        return created
