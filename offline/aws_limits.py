"""The AWS quotas that this project's documents and names can hit, each with its source and the
way AWS counts against it, and a measure of every value a plan renders for them.

A plan is only as good as what AWS accepts: an inline policy one character over IAM's limit
fails `pulumi up` half-way through. tests/test_aws_limits.py holds every stack's plan and the
bootstrap's to this table, with room to grow (`HEADROOM`).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from offline.mocks import Registration

IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
ELB_QUOTAS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html"
VPC_QUOTAS = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html"
WAF_QUOTAS = "https://docs.aws.amazon.com/waf/latest/developerguide/limits.html"
WAF_GROUPS = "https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html"
TAGGING = "https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html"
AMPLIFY_QUOTAS = "https://docs.aws.amazon.com/amplify/latest/userguide/quotas-chapter.html"

# The share of a limit a measured value may use: the rest is room for the next change.
HEADROOM = 0.10


@dataclass(frozen=True)
class Quota:
    what: str
    limit: int
    counted: str  # how AWS measures a value against it
    source: str
    adjustable_to: int | None = None  # None: a hard limit


QUOTAS: dict[str, Quota] = {
    "iam.inlinePoliciesPerRole": Quota(
        "inline policies of one role, together", 10_240, "non-whitespace characters", IAM_QUOTAS
    ),
    "iam.managedPolicy": Quota("one customer managed policy", 6_144, "non-whitespace characters", IAM_QUOTAS),
    "iam.trustPolicy": Quota(
        "one role's trust policy", 2_048, "non-whitespace characters", IAM_QUOTAS, adjustable_to=4_096
    ),
    "iam.managedPoliciesPerRole": Quota(
        "managed policies attached to one role", 10, "attachments", IAM_QUOTAS, adjustable_to=20
    ),
    "iam.roleName": Quota("role name", 64, "characters", IAM_QUOTAS),
    "iam.policyName": Quota("policy name", 128, "characters", IAM_QUOTAS),
    "iam.roleDescription": Quota("role description", 1_000, "characters", IAM_QUOTAS),
    "s3.bucketPolicy": Quota(
        "bucket policy",
        20_480,
        "bytes",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html",
    ),
    "kms.keyPolicy": Quota(
        "key policy",
        32_768,
        "bytes",
        "https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html",
    ),
    "secretsmanager.secretValue": Quota(
        "secret value",
        65_536,
        "bytes",
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html",
    ),
    "ecs.taskDefinition": Quota(
        "task definition (its container definitions)",
        65_536,
        "bytes of JSON",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html",
    ),
    "ec2.inboundRulesPerSecurityGroup": Quota(
        "inbound rules of one security group", 60, "rules", VPC_QUOTAS, adjustable_to=1_000
    ),
    "ec2.outboundRulesPerSecurityGroup": Quota(
        "outbound rules of one security group", 60, "rules", VPC_QUOTAS, adjustable_to=1_000
    ),
    "elb.rulesPerLoadBalancer": Quota(
        "listener rules of one load balancer, default rules excluded", 100, "rules", ELB_QUOTAS
    ),
    "elb.conditionValuesPerRule": Quota("condition values of one listener rule", 5, "values", ELB_QUOTAS),
    "elb.targetGroupName": Quota("target group name", 32, "characters", ELB_QUOTAS),
    "elb.loadBalancerName": Quota("load balancer name", 32, "characters", ELB_QUOTAS),
    "amplify.branchesPerApp": Quota("branches of one Amplify app", 50, "branches", AMPLIFY_QUOTAS),
    "wafv2.webAclCapacity": Quota(
        "web ACL capacity units (WCUs) within the base price", 1_500, "WCUs", WAF_QUOTAS, adjustable_to=5_000
    ),
    "tags.perResource": Quota("tags on one resource", 50, "tags", TAGGING),
    "tags.keyLength": Quota("tag key", 128, "characters", TAGGING),
    "tags.valueLength": Quota("tag value", 256, "characters", TAGGING),
}

# WCUs of the managed rule groups the web ACL may use, from AWS's list of them (WAF_GROUPS), and of
# the statements of our own rules, from WAF's "Rule statements" pages.
MANAGED_RULE_GROUP_CAPACITY = {
    "AWSManagedRulesCommonRuleSet": 700,
    "AWSManagedRulesKnownBadInputsRuleSet": 200,
    "AWSManagedRulesSQLiRuleSet": 200,
    "AWSManagedRulesAmazonIpReputationList": 25,
    "AWSManagedRulesAnonymousIpList": 50,
    "AWSManagedRulesLinuxRuleSet": 200,
}
RATE_BASED_RULE_CAPACITY = 2
LABEL_MATCH_CAPACITY = 1
BYTE_MATCH_CAPACITY = {"EXACTLY": 2, "STARTS_WITH": 2, "ENDS_WITH": 2, "CONTAINS": 10, "CONTAINS_WORD": 10}


@dataclass(frozen=True)
class Measurement:
    quota: str
    subject: str  # what was measured: a resource name, or several
    value: int

    @property
    def limit(self) -> int:
        return QUOTAS[self.quota].limit

    @property
    def headroom(self) -> float:
        """The share of the limit still free (negative: over it)."""
        return 1 - self.value / self.limit


def iam_size(document: str | Mapping[str, Any]) -> int:
    """A policy's size as IAM counts it: white space is not counted."""
    text = document if isinstance(document, str) else json.dumps(document)
    return len(re.sub(r"\s", "", text))


def measure(resources: Iterable[Registration]) -> list[Measurement]:
    """Every value of `resources` (one stack's or the bootstrap's) that a quota of QUOTAS limits."""
    resources = list(resources)
    found: list[Measurement] = []
    found += _iam(resources)
    found += _documents(resources)
    found += _security_groups(resources)
    found += _load_balancing(resources)
    found += _waf(resources)
    found += _amplify(resources)
    found += _tags(resources)
    return found


def _name(resource: Registration) -> str:
    return str(resource.inputs.get("name") or resource.outputs.get("name") or resource.name)


def _iam(resources: list[Registration]) -> list[Measurement]:
    found: list[Measurement] = []
    roles = {str(r.outputs.get("id") or _name(r)): r for r in resources if r.type == "aws:iam/role:Role"}
    inline: dict[str, int] = defaultdict(int)
    attached: dict[str, int] = defaultdict(int)
    for resource in resources:
        if resource.type == "aws:iam/rolePolicy:RolePolicy":
            inline[str(resource.inputs["role"])] += iam_size(resource.inputs["policy"])
        elif resource.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            attached[str(resource.inputs["role"])] += 1
        elif resource.type == "aws:iam/policy:Policy":
            found.append(
                Measurement("iam.managedPolicy", _name(resource), iam_size(resource.inputs["policy"]))
            )
            found.append(Measurement("iam.policyName", _name(resource), len(_name(resource))))
    for role_id, role in roles.items():
        name = _name(role)
        found.append(Measurement("iam.roleName", name, len(name)))
        found.append(Measurement("iam.trustPolicy", name, iam_size(role.inputs["assumeRolePolicy"])))
        found.append(Measurement("iam.inlinePoliciesPerRole", name, inline.get(role_id, 0)))
        found.append(Measurement("iam.managedPoliciesPerRole", name, attached.get(role_id, 0)))
        found.append(Measurement("iam.roleDescription", name, len(str(role.inputs.get("description") or ""))))
    return found


def _documents(resources: list[Registration]) -> list[Measurement]:
    found: list[Measurement] = []
    for resource in resources:
        if resource.type == "aws:s3/bucketPolicy:BucketPolicy":
            found.append(Measurement("s3.bucketPolicy", resource.name, _bytes(resource.inputs["policy"])))
        elif resource.type == "aws:kms/key:Key" and resource.inputs.get("policy"):
            found.append(Measurement("kms.keyPolicy", resource.name, _bytes(resource.inputs["policy"])))
        elif resource.type == "aws:secretsmanager/secretVersion:SecretVersion":
            found.append(
                Measurement(
                    "secretsmanager.secretValue", resource.name, _bytes(resource.inputs["secretString"])
                )
            )
        elif resource.type == "aws:ecs/taskDefinition:TaskDefinition":
            found.append(
                Measurement(
                    "ecs.taskDefinition", resource.name, _bytes(resource.inputs["containerDefinitions"])
                )
            )
    return found


def _bytes(value: Any) -> int:
    return len((value if isinstance(value, str) else json.dumps(value)).encode())


def _security_groups(resources: list[Registration]) -> list[Measurement]:
    groups = {
        str(r.outputs.get("id")): r for r in resources if r.type == "aws:ec2/securityGroup:SecurityGroup"
    }
    inbound = {group_id: len(g.inputs.get("ingress") or []) for group_id, g in groups.items()}
    outbound = {group_id: len(g.inputs.get("egress") or []) for group_id, g in groups.items()}
    for resource in resources:
        group_id = str(resource.inputs.get("securityGroupId"))
        if (
            resource.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
            and group_id in inbound
        ):
            inbound[group_id] += 1
        elif (
            resource.type == "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
            and group_id in outbound
        ):
            outbound[group_id] += 1
    return [
        measurement
        for group_id, group in groups.items()
        for measurement in (
            Measurement("ec2.inboundRulesPerSecurityGroup", group.name, inbound[group_id]),
            Measurement("ec2.outboundRulesPerSecurityGroup", group.name, outbound[group_id]),
        )
    ]


def _load_balancing(resources: list[Registration]) -> list[Measurement]:
    found: list[Measurement] = []
    rules_per_listener: dict[str, int] = defaultdict(int)
    for resource in resources:
        if resource.type in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"):
            found.append(Measurement("elb.loadBalancerName", resource.name, len(_name(resource))))
        elif resource.type in ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"):
            found.append(Measurement("elb.targetGroupName", resource.name, len(_name(resource))))
        elif resource.type in ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"):
            rules_per_listener[str(resource.inputs["listenerArn"])] += 1
            # Each condition is one field ({"hostHeader": {"values": [...]}}): its values count.
            values = sum(
                len(field.get("values") or [])
                for condition in resource.inputs.get("conditions") or []
                for field in condition.values()
            )
            found.append(Measurement("elb.conditionValuesPerRule", resource.name, values))
    # A stack's load balancer has one HTTPS listener with rules: count them per listener.
    found += [
        Measurement("elb.rulesPerLoadBalancer", arn, count) for arn, count in rules_per_listener.items()
    ]
    return found


def _amplify(resources: list[Registration]) -> list[Measurement]:
    # Branches a stack declares, per app (an app's pull-request previews come on top).
    branches: dict[str, int] = defaultdict(int)
    for resource in resources:
        if resource.type == "aws:amplify/branch:Branch":
            branches[str(resource.inputs["appId"])] += 1
    return [Measurement("amplify.branchesPerApp", app, count) for app, count in branches.items()]


def _waf(resources: list[Registration]) -> list[Measurement]:
    return [
        Measurement(
            "wafv2.webAclCapacity",
            acl.name,
            sum(_capacity(rule["statement"], rule["name"]) for rule in acl.inputs.get("rules") or []),
        )
        for acl in resources
        if acl.type == "aws:wafv2/webAcl:WebAcl"
    ]


def _capacity(statement: Mapping[str, Any], rule: str) -> int:
    """A statement's WCUs as WAF's "Rule statements" pages give them: logical statements cost
    what they contain; a text transformation other than NONE adds 10."""
    (kind, body), *others = statement.items()
    if others:
        raise ValueError(f"rule {rule}: one statement type per statement, found {list(statement)}")
    if kind == "managedRuleGroupStatement":
        return MANAGED_RULE_GROUP_CAPACITY[body["name"]]
    if kind in ("andStatement", "orStatement"):
        return sum(_capacity(s, rule) for s in body["statements"])
    if kind == "notStatement":
        return _capacity(body["statement"], rule)
    if kind == "rateBasedStatement" and "scopeDownStatement" not in body:
        return RATE_BASED_RULE_CAPACITY
    if kind == "labelMatchStatement":
        return LABEL_MATCH_CAPACITY
    if kind == "byteMatchStatement":
        transformations = [t for t in body["textTransformations"] if t["type"] != "NONE"]
        return BYTE_MATCH_CAPACITY[body["positionalConstraint"]] + 10 * len(transformations)
    raise ValueError(f"rule {rule}: no capacity known for a {kind}; add it to offline/aws_limits.py")


def _tags(resources: list[Registration]) -> list[Measurement]:
    """A resource's tags: its provider's default tags and its own (counted on every resource,
    taggable or not: an over-count is on the safe side)."""
    default_tags = {
        r.urn: dict(_provider_input(r, "defaultTags").get("tags") or {})
        for r in resources
        if r.type.startswith("pulumi:providers:")
    }
    found: list[Measurement] = []
    for resource in resources:
        if not resource.custom or resource.type.startswith("pulumi:"):
            continue
        provider_urn = resource.provider.rsplit("::", 1)[0]
        tags = {**default_tags.get(provider_urn, {}), **(resource.inputs.get("tags") or {})}
        if not tags:
            continue
        found.append(Measurement("tags.perResource", resource.name, len(tags)))
        found.append(Measurement("tags.keyLength", resource.name, max(len(k) for k in tags)))
        found.append(Measurement("tags.valueLength", resource.name, max(len(str(v)) for v in tags.values())))
    return found


def _provider_input(provider: Registration, key: str) -> dict[str, Any]:
    """A provider's object input: the engine hands providers their inputs as JSON strings."""
    value = provider.inputs.get(key) or {}
    return dict(json.loads(value) if isinstance(value, str) else value)
