"""What a CI role must be allowed for a stack: every AWS API call the provider makes to create,
read, update, tag and delete the stack's resources and to read its data sources, as IAM will see
it (action, resource ARN, condition keys), derived from an offline plan and the table of calls in
`offline/aws_permissions.json`. tests/test_ci_permissions.py evaluates the bootstrap's real CI role
policies against these requests with offline/iam_evaluator.py.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offline.engine import Plan
from offline.iam_evaluator import ContextValue, Request
from offline.mocks import Registration

TABLE_PATH = Path(__file__).resolve().parent / "aws_permissions.json"
PHASES = ("create", "read", "update", "delete", "tag")


@functools.cache
def table() -> dict[str, Any]:
    return dict(json.loads(TABLE_PATH.read_text(encoding="utf-8")))


@functools.cache
def authorization_reference() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """AWS's Service Authorization Reference as parliament ships it: service prefix -> action ->
    the resource types it can be scoped to ("" alone: only `*`) and their condition keys."""
    # The IAM linter (a dev dependency) ships AWS's definitions as package data.
    path = importlib.resources.files("parliament") / "iam_definition.json"
    return {
        service["prefix"]: {
            privilege["privilege"]: privilege["resource_types"] for privilege in service["privileges"]
        }
        for service in json.loads(path.read_text(encoding="utf-8"))
    }


def known_action(action: str) -> bool:
    service, _, name = action.partition(":")
    return name in authorization_reference().get(service, {})


def _reference(action: str) -> list[dict[str, Any]]:
    service, _, name = action.partition(":")
    return authorization_reference()[service][name]


def takes_resource(action: str) -> bool:
    return any(r["resource_type"] for r in _reference(action))


def condition_keys(action: str) -> set[str]:
    """The service-specific condition keys AWS puts in this action's request context."""
    return {key for r in _reference(action) for key in r["condition_keys"]}


@dataclass(frozen=True)
class Need:
    """One call a role must be allowed, and why."""

    subject: str  # "<type> <name>" or "<data source>"
    phase: str
    request: Request = field(compare=False)

    def __str__(self) -> str:
        return f"{self.subject}: {self.phase} needs {self.request.action} on {self.request.resource}"


@dataclass(frozen=True)
class Index:
    """Every resource of the plans involved (a review stack's and its base's), by what IAM needs
    to know of it: ARNs and their Environment tags."""

    account: str
    region: str
    environments: dict[str, str]  # ARN -> Environment tag of the stack that made it
    roles: dict[str, Registration]  # role name -> role
    secret_keys: dict[str, str] = field(default_factory=dict)  # secret ARN -> the key encrypting it
    # `service/<cluster>/<service>` -> its scalable target's ARN (scheduled actions act on it).
    scalable_targets: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, plans: Sequence[Plan], account: str, region: str) -> Index:
        resources = [
            (plan.environment, r)
            for plan in plans
            for r in plan.resources
            if r.custom and not r.type.startswith("pulumi:")
        ]
        roles = {str(r.outputs["name"]): r for _, r in resources if r.type == "aws:iam/role:Role"}
        index = cls(account, region, {}, roles)
        index.scalable_targets.update(
            {str(r.inputs["resourceId"]): index.arn(r) for _, r in resources if r.type == SCALABLE_TARGET}
        )
        index.environments.update(
            {index.arn(r): environment for environment, r in resources if r.type not in SUB_RESOURCES}
        )
        index.secret_keys.update(
            {
                index.arn(r): str(r.inputs["kmsKeyId"])
                for _, r in resources
                if r.type == "aws:secretsmanager/secret:Secret" and r.inputs.get("kmsKeyId")
            }
        )
        return index

    def regional(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account}:role/{name}"

    def arn(self, resource: Registration) -> str:
        """The resource's ARN in AWS's own format (the mocks' ARNs are only unique names)."""
        inputs, outputs, kind = resource.inputs, resource.outputs, resource.type
        if kind in ("aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
            return self.role_arn(str(inputs["role"]))
        if kind == SCALABLE_TARGET:
            digest = hashlib.sha256(resource.urn.encode()).hexdigest()[:16]
            return self.regional("application-autoscaling", f"scalable-target/{digest}")
        if kind == "aws:appautoscaling/scheduledAction:ScheduledAction":
            return self.scalable_targets.get(str(inputs["resourceId"]), "*")
        if kind == "aws:lb/listenerRule:ListenerRule":
            digest = hashlib.sha256(resource.urn.encode()).hexdigest()[:16]
            return f"{str(inputs['listenerArn']).replace(':listener/', ':listener-rule/')}/{digest}"
        if kind == "aws:lb/listenerCertificate:ListenerCertificate":
            return str(inputs["listenerArn"])
        if kind == "aws:ecs/service:Service":
            cluster = str(inputs["cluster"]).rsplit("/", 1)[-1]
            return self.regional("ecs", f"service/{cluster}/{outputs['name']}")
        if kind == "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders":
            return self.regional("ecs", f"cluster/{inputs['clusterName']}")
        if kind == "aws:ecs/cluster:Cluster":
            return self.regional("ecs", f"cluster/{outputs['name']}")
        if kind == "aws:secretsmanager/secretVersion:SecretVersion":
            return str(inputs["secretId"])
        if kind.startswith("aws:s3/bucket") and kind != "aws:s3/bucket:Bucket":
            return f"arn:aws:s3:::{inputs['bucket']}"
        if kind == "aws:sns/topicPolicy:TopicPolicy":
            return str(inputs["arn"])
        if kind == "aws:sns/topicSubscription:TopicSubscription":
            return str(inputs["topic"])
        if kind == "aws:ecr/lifecyclePolicy:LifecyclePolicy":
            return self.regional("ecr", f"repository/{inputs['repository']}")
        if kind == "aws:route53/record:Record":
            return f"arn:aws:route53:::hostedzone/{inputs['zoneId']}"
        if kind == "aws:wafv2/webAclAssociation:WebAclAssociation":
            return str(inputs["webAclArn"])
        if kind == "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration":
            return str(inputs["resourceArn"])
        if kind in ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"):
            return self.regional("cloudwatch", f"alarm:{outputs['name']}")
        if kind == "aws:cloudwatch/dashboard:Dashboard":
            return f"arn:aws:cloudwatch::{self.account}:dashboard/{inputs['dashboardName']}"
        if kind == "aws:budgets/budget:Budget":
            return f"arn:aws:budgets::{self.account}:budget/{outputs['name']}"
        if kind == "aws:amplify/domainAssociation:DomainAssociation":
            return self.regional("amplify", f"apps/{inputs['appId']}/domains/{inputs['domainName']}")
        return str(outputs.get("arn") or "*")


def _entry(kind: str) -> dict[str, Any]:
    entry = table()["resources"].get(kind)
    if entry is None:
        raise KeyError(f"no permissions known for {kind}: add its calls to offline/aws_permissions.json")
    return dict(entry)


def resource_needs(plan: Plan, index: Index, phases: Iterable[str] = PHASES) -> list[Need]:
    needs: list[Need] = []
    for resource in plan.resources:
        if not resource.custom or resource.type.startswith("pulumi:"):
            continue
        entry = _entry(resource.type)
        only_with = entry.get("onlyWith", {})
        for phase in phases:
            for action in entry[phase]:
                if action in only_with and not resource.inputs.get(only_with[action]):
                    continue
                need = _need(resource, entry, phase, action, plan.environment, index)
                needs.append(need)
                if phase == "tag" and resource.type not in SUB_RESOURCES:
                    needs.append(_retag(need, plan.environment))
            if phase in ("create", "update") and "passesRole" in entry:
                needs += _passes(resource, entry, phase, plan.environment, index)
    return needs


# The tag that changes between two deploys of a stack: a review stack's expiry moves with every
# deploy (tm:expiresAt), any stack's owner may change (tm:owner).
CHANGING_TAG = {"review": "ExpiresAt"}


def _retag(need: Need, environment: str) -> Need:
    """The same tag call on a later deploy that changes one tag of an existing resource: the
    provider sends only the changed tags (terraform-provider-aws's generated updateTags tags with
    `oldTags.Updated(newTags)` and untags the removed keys), so the request names that key and not
    Environment, and the resource already carries its environment's tag."""
    key = CHANGING_TAG.get(environment, "Owner")
    context = {k: v for k, v in need.request.context.items() if not k.startswith("aws:RequestTag/")}
    context["aws:ResourceTag/Environment"] = environment
    context["aws:TagKeys"] = [key]
    if not _UNTAGGING.search(need.request.action):
        context[f"aws:RequestTag/{key}"] = "changed"
    return Need(need.subject, "retag", Request(need.request.action, need.request.resource, context))


_UNTAGGING = re.compile(r":(Untag|RemoveTags|DeleteTags)")


def data_source_needs(plan: Plan, index: Index) -> list[Need]:
    """What the plan's data sources (and those components call inside themselves) read."""
    calls = list(plan.invokes)
    for resource in plan.resources:
        component = table()["components"].get(resource.type)
        if component:
            calls += [(token, {}) for token in component["dataSources"]]
    needs = []
    for token, args in calls:
        entry = table()["dataSources"].get(token)
        if entry is None:
            raise KeyError(
                f"no permissions known for data source {token}: add it to offline/aws_permissions.json"
            )
        own_service = token.split(":")[1].split("/")[0]
        for action in entry["read"]:
            target, context = "*", {}
            if action.startswith("kms:"):
                # A secret read back through Secrets Manager is decrypted with that secret's key.
                secret = str(args.get("secretId") or "")
                target = index.secret_keys.get(secret, index.regional("kms", "key/*"))
                context = {"kms:ViaService": f"{own_service}.{index.region}.amazonaws.com"}
            elif takes_resource(action) and entry.get("resourceArgument") in args:
                target = str(args[entry["resourceArgument"]])
            elif takes_resource(action) and "resourceArnFormat" in entry:
                target = entry["resourceArnFormat"].format(region=index.region, **args)
            if target != "*" and target in index.environments:
                context["aws:ResourceTag/Environment"] = index.environments[target]
            needs.append(Need(token, "read", Request(action, target, context)))
    return needs


# Types whose ARN is another resource's (a role's inline policy is the role's): creating one
# acts on a resource that exists, tags and all.
SCALABLE_TARGET = "aws:appautoscaling/target:Target"
SUB_RESOURCES = frozenset(
    {
        "aws:appautoscaling/scheduledAction:ScheduledAction",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:lb/listenerCertificate:ListenerCertificate",
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:wafv2/webAclAssociation:WebAclAssociation",
        "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    }
)
_CREATING_VERBS = ("Create", "Register", "Request", "Allocate", "Put")


def _creates(resource: Registration, entry: Mapping[str, Any], phase: str, action: str) -> bool:
    """Whether the call brings the resource into being (so it has no tags yet): the create call
    itself and the tags sent with it, not the reads and changes that follow."""
    if phase != "create" or resource.type in SUB_RESOURCES:
        return False
    return action in entry["tag"] or action.split(":")[1].startswith(_CREATING_VERBS)


# Resources whose managed master password RDS keeps in a secret of its own making.
RDS_MANAGED_SECRETS = ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster")


def _need(
    resource: Registration, entry: Mapping[str, Any], phase: str, action: str, environment: str, index: Index
) -> Need:
    own_service = resource.type.split(":")[1].split("/")[0]
    service = action.split(":")[0]
    keys = condition_keys(action)
    context: dict[str, ContextValue] = {}
    target = index.arn(resource)
    if service == "kms" and own_service != "kms":
        # A service using the resource's customer managed key on the caller's behalf.
        target = _key_arn(resource, index)
        context["kms:ViaService"] = f"{own_service}.{index.region}.amazonaws.com"
    elif (
        resource.type == "aws:wafv2/webAclAssociation:WebAclAssociation" and service == "elasticloadbalancing"
    ):
        target = str(resource.inputs["resourceArn"])
    elif resource.type == "aws:lb/listenerRule:ListenerRule" and action == "elasticloadbalancing:CreateRule":
        target = str(resource.inputs["listenerArn"])
    elif resource.type == SCALABLE_TARGET and service == "ecs":
        # Application Auto Scaling checks the caller may describe and update the ECS service.
        cluster = str(resource.inputs["resourceId"]).split("/")[1]
        target = index.regional("ecs", str(resource.inputs["resourceId"]))
        context["ecs:cluster"] = index.regional("ecs", f"cluster/{cluster}")
    elif resource.type in RDS_MANAGED_SECRETS and service == "secretsmanager":
        # The master secret RDS creates and rotates with the caller's permissions (`rds!db-...`,
        # `rds!cluster-...`).
        target = str(resource.outputs["masterUserSecrets"][0]["secretArn"])
    elif _service_of(target) != service:
        target = "*"  # an action of another service: scoped to its own resources, not this one
    if not takes_resource(action):
        target = "*"
    creates = _creates(resource, entry, phase, action)
    if entry["tag"] and (creates or phase == "tag"):
        context["aws:RequestTag/Environment"] = environment
    existing = index.environments.get(target)
    if existing and not (creates and target == index.arn(resource)):
        context["aws:ResourceTag/Environment"] = existing
    if "ecs:cluster" in keys and "cluster" in resource.inputs:
        context["ecs:cluster"] = str(resource.inputs["cluster"])
    role = index.roles.get(target.rsplit("/", 1)[-1]) if ":role/" in target else None
    if "iam:PermissionsBoundary" in keys and role is not None and role.inputs.get("permissionsBoundary"):
        context["iam:PermissionsBoundary"] = str(role.inputs["permissionsBoundary"])
    if "iam:PolicyARN" in keys and "policyArn" in resource.inputs:
        context["iam:PolicyARN"] = str(resource.inputs["policyArn"])
    return Need(f"{resource.type} {resource.name}", phase, Request(action, target, context))


def _passes(
    resource: Registration, entry: Mapping[str, Any], phase: str, environment: str, index: Index
) -> list[Need]:
    needs = []
    for key in entry["passesRole"]["inputs"]:
        role_arn: Any = resource.inputs
        for part in key.split("."):  # `target.roleArn`: a role inside a block
            role_arn = role_arn.get(part) if isinstance(role_arn, Mapping) else None
        if not role_arn:
            continue
        context: dict[str, ContextValue] = {"iam:PassedToService": entry["passesRole"]["service"]}
        if str(role_arn) in index.environments:
            context["aws:ResourceTag/Environment"] = index.environments[str(role_arn)]
        needs.append(
            Need(f"{resource.type} {resource.name}", phase, Request("iam:PassRole", str(role_arn), context))
        )
    return needs


def _key_arn(resource: Registration, index: Index) -> str:
    # An Aurora cluster instance's only key is its Performance Insights key (storage is the cluster's).
    for key in (
        "kmsKeyId",
        "kmsKeyArn",
        "encryptionKeyArn",
        "masterUserSecretKmsKeyId",
        "performanceInsightsKmsKeyId",
    ):
        if resource.inputs.get(key):
            return str(resource.inputs[key])
    root_volume = resource.inputs.get("rootBlockDevice") or {}  # an instance's
    if root_volume.get("kmsKeyId"):
        return str(root_volume["kmsKeyId"])
    # A secret's version is encrypted with the secret's key.
    secret = str(resource.inputs.get("secretId") or "")
    return index.secret_keys.get(secret, index.regional("kms", "key/*"))


def _service_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""
