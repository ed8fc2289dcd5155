"""Every safety setting the program makes is held by a mandatory policy.

SAFETY lists the safety-relevant inputs the components set, per resource type and the environments
where the program sets them safe. For each stack's real plan, each one is flipped, one at a time,
to its unsafe value and both packs run over the analyzer protocol: a new mandatory violation must
come from the policy the row names. Where an environment is left out, the program deliberately
sets the other value there (dev and review apps are deletable, dev has ECS Exec) and the prod-only
policy's config says so; docs/policies.md shows which promise each policy holds where.

A safety-looking input (SAFETY_WORDS) of a planned resource with neither a row nor a reason in
NOT_SAFETY fails the suite, so a new setting cannot arrive without its flip.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from offline.engine import Plan
from offline.mocks import Registration
from offline.policy_run import PackProcess, check_resources, pack_policies
from tests.conftest import check_changes, plan_for

STACKS = {"prod": "prod", "dev": "dev", "review": "review-pr-123"}
ALL = ("prod", "dev", "review")
Change = Callable[[dict[str, Any]], None]


REMOVED = "(the resource removed)"


@dataclass(frozen=True)
class Flip:
    token: str
    setting: str  # the input: `a.b` nested, `containerDefinitions[].x` in every container
    unsafe: Any  # its unsafe value (None: unset), or REMOVED
    policy: str  # the mandatory policy that must catch it
    environments: tuple[str, ...] = ALL
    change: Change | None = None  # for documents: how the unsafe version is made

    @property
    def key(self) -> str:
        return self.setting.split(".")[0].split("[")[0]

    def apply(self, inputs: dict[str, Any]) -> None:
        if self.change is not None:
            self.change(inputs)
        elif self.setting.startswith("containerDefinitions[]."):
            field = self.setting.split(".", 1)[1]
            containers = json.loads(inputs["containerDefinitions"])
            for container in containers:
                _put(container, field, self.unsafe)
            inputs["containerDefinitions"] = json.dumps(containers)
        else:
            _put(inputs, self.setting, self.unsafe)


def _put(node: dict[str, Any], setting: str, value: Any) -> None:
    *parents, last = setting.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value


def _statement(sid: str | None, change: Callable[[dict[str, Any]], None], key: str = "policy") -> Change:
    """The document in `key` with its statement `sid` (None: the one without a Sid) changed."""

    def apply(inputs: dict[str, Any]) -> None:
        document = json.loads(inputs[key])
        for statement in document["Statement"]:
            if statement.get("Sid") == sid:
                change(statement)
        inputs[key] = json.dumps(document)

    return apply


def _without_statement(sid: str) -> Change:
    def apply(inputs: dict[str, Any]) -> None:
        document = json.loads(inputs["policy"])
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != sid]
        inputs["policy"] = json.dumps(document)

    return apply


def _on_everything(statement: dict[str, Any]) -> None:
    statement["Resource"] = "*"


def _to_anyone(statement: dict[str, Any]) -> None:
    statement["Principal"] = "*"


def _unconditional(statement: dict[str, Any]) -> None:
    statement.pop("Condition", None)


SAFETY: list[Flip] = [
    # Databases: encrypted, private, backed up, protected and kept in prod.
    Flip("aws:rds/instance:Instance", "storageEncrypted", False, "rds-storage-encrypted", ("prod", "dev")),
    Flip("aws:rds/instance:Instance", "kmsKeyId", None, "rds-storage-encrypted", ("prod", "dev")),
    Flip("aws:rds/instance:Instance", "publiclyAccessible", True, "rds-not-public", ("prod", "dev")),
    Flip("aws:rds/instance:Instance", "backupRetentionPeriod", 0, "rds-backup-retention", ("prod", "dev")),
    Flip("aws:rds/instance:Instance", "backupRetentionPeriod", 7, "prod-backup-retention", ("prod",)),
    Flip("aws:rds/instance:Instance", "deletionProtection", False, "prod-deletion-protection", ("prod",)),
    Flip("aws:rds/instance:Instance", "skipFinalSnapshot", True, "prod-final-snapshot", ("prod",)),
    Flip(
        "aws:rds/instance:Instance", "deleteAutomatedBackups", True, "prod-keep-automated-backups", ("prod",)
    ),
    Flip("aws:rds/instance:Instance", "multiAz", False, "prod-database-multi-az", ("prod",)),
    Flip(
        "aws:rds/instance:Instance",
        "autoMinorVersionUpgrade",
        False,
        "rds-auto-minor-version-upgrade",
        ("prod", "dev"),
    ),
    Flip(
        "aws:rds/instance:Instance", "enabledCloudwatchLogsExports", [], "rds-logs-exported", ("prod", "dev")
    ),
    Flip(
        "aws:rds/instance:Instance",
        "iamDatabaseAuthenticationEnabled",
        False,
        "rds-iam-authentication",
        ("prod", "dev"),
    ),
    Flip("aws:backup/vault:Vault", "kmsKeyArn", None, "backup-vault-encrypted-with-cmk", ("prod", "dev")),
    Flip("aws:backup/selection:Selection", "", REMOVED, "rds-in-backup-plan", ("prod", "dev")),
    # Images: scanned, immutable, encrypted; prod's cannot be force-deleted.
    Flip(
        "aws:ecr/repository:Repository",
        "imageScanningConfiguration.scanOnPush",
        False,
        "ecr-scan-on-push",
        ("prod", "dev"),
    ),
    Flip(
        "aws:ecr/repository:Repository",
        "imageTagMutability",
        "MUTABLE",
        "ecr-immutable-tags",
        ("prod", "dev"),
    ),
    Flip(
        "aws:ecr/repository:Repository",
        "encryptionConfigurations",
        None,
        "ecr-kms-encryption",
        ("prod", "dev"),
    ),
    Flip("aws:ecr/repository:Repository", "forceDelete", True, "prod-deletion-protection", ("prod",)),
    # Services and their containers: rollouts that stop themselves, hardened containers.
    Flip("aws:ecs/service:Service", "deploymentCircuitBreaker.enable", False, "ecs-service-circuit-breaker"),
    Flip(
        "aws:ecs/service:Service", "deploymentCircuitBreaker.rollback", False, "ecs-service-circuit-breaker"
    ),
    Flip("aws:ecs/service:Service", "enableExecuteCommand", True, "prod-ecs-exec-off", ("prod",)),
    Flip("aws:ecs/service:Service", "networkConfiguration.assignPublicIp", True, "ecs-service-no-public-ip"),
    Flip("aws:ecs/service:Service", "platformVersion", "1.3.0", "ecs-service-fargate-platform-latest"),
    Flip("aws:ecs/cluster:Cluster", "settings", [], "ecs-cluster-container-insights", ("prod", "dev")),
    Flip(
        "aws:ecs/taskDefinition:TaskDefinition",
        "containerDefinitions[].readonlyRootFilesystem",
        False,
        "ecs-task-readonly-root-filesystem",
    ),
    Flip(
        "aws:ecs/taskDefinition:TaskDefinition",
        "containerDefinitions[].privileged",
        True,
        "ecs-task-not-privileged",
    ),
    Flip(
        "aws:ecs/taskDefinition:TaskDefinition", "containerDefinitions[].user", "0", "ecs-task-non-root-user"
    ),
    Flip(
        "aws:ecs/taskDefinition:TaskDefinition",
        "containerDefinitions[].linuxParameters",
        {"capabilities": {"add": ["SYS_ADMIN"]}},
        "ecs-task-no-added-capabilities",
    ),
    Flip(
        "aws:ecs/taskDefinition:TaskDefinition",
        "containerDefinitions[].logConfiguration",
        None,
        "ecs-task-logging",
    ),
    Flip("aws:ecs/taskDefinition:TaskDefinition", "networkMode", "bridge", "ecs-task-awsvpc-network-mode"),
    # The load balancer: TLS, logged, strict about headers, protected and behind a WAF in prod.
    Flip("aws:lb/loadBalancer:LoadBalancer", "accessLogs.enabled", False, "lb-access-logs", ("prod", "dev")),
    Flip(
        "aws:lb/loadBalancer:LoadBalancer",
        "dropInvalidHeaderFields",
        False,
        "alb-drop-invalid-headers",
        ("prod", "dev"),
    ),
    Flip(
        "aws:lb/loadBalancer:LoadBalancer",
        "enableDeletionProtection",
        False,
        "prod-deletion-protection",
        ("prod",),
    ),
    Flip(
        "aws:lb/listener:Listener",
        "sslPolicy",
        "ELBSecurityPolicy-2016-08",
        "lb-listener-tls-policy",
        ("prod", "dev"),
    ),
    Flip("aws:wafv2/webAclAssociation:WebAclAssociation", "", REMOVED, "prod-waf-attached", ("prod",)),
    Flip("aws:ec2/flowLog:FlowLog", "", REMOVED, "vpc-flow-logs", ("prod", "dev")),
    # Logs, keys, secrets, topics and buckets: encrypted, kept, private.
    Flip("aws:cloudwatch/logGroup:LogGroup", "kmsKeyId", None, "log-group-encrypted"),
    Flip("aws:cloudwatch/logGroup:LogGroup", "retentionInDays", None, "log-group-retention"),
    Flip("aws:cloudwatch/logGroup:LogGroup", "retentionInDays", 30, "prod-log-retention", ("prod",)),
    Flip("aws:kms/key:Key", "enableKeyRotation", False, "kms-key-rotation", ("prod", "dev")),
    Flip("aws:kms/key:Key", "deletionWindowInDays", 7, "kms-key-deletion-window", ("prod", "dev")),
    Flip("aws:secretsmanager/secret:Secret", "kmsKeyId", None, "secret-encrypted-with-cmk"),
    Flip("aws:sns/topic:Topic", "kmsMasterKeyId", None, "sns-topic-encrypted", ("prod", "dev")),
    Flip(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "blockPublicPolicy",
        False,
        "s3-bucket-public-access-block",
        ("prod", "dev"),
    ),
    Flip("aws:s3/bucket:Bucket", "forceDestroy", True, "prod-deletion-protection", ("prod",)),
    # Non-production front ends are behind basic auth.
    Flip(
        "aws:amplify/branch:Branch", "enableBasicAuth", False, "amplify-basic-auth-off-production", ("dev",)
    ),
    # Identity policies name what they grant; resource and trust policies whom.
    Flip(
        "aws:iam/rolePolicy:RolePolicy",
        "policy",
        "ReadTheTaskSecrets on every secret",
        "iam-no-secret-reads-on-all-secrets",
        change=_statement("ReadTheTaskSecrets", _on_everything),
    ),
    Flip(
        "aws:iam/rolePolicy:RolePolicy",
        "policy",
        "DecryptTheTaskSecrets with every key",
        "iam-no-kms-use-on-all-keys",
        change=_statement("DecryptTheTaskSecrets", _on_everything),
    ),
    Flip(
        "aws:iam/role:Role",
        "assumeRolePolicy",
        "trust without its source condition",
        "iam-trust-policy-source-condition",
        change=_statement(None, _unconditional, "assumeRolePolicy"),
    ),
    Flip(
        "aws:sns/topicPolicy:TopicPolicy",
        "policy",
        "AWS services publish for any account",
        "resource-policy-principals-scoped",
        ("prod", "dev"),
        change=_statement("AwsServicesOfThisAccountPublish", _unconditional),
    ),
    Flip(
        "aws:sns/topicPolicy:TopicPolicy",
        "policy",
        "anyone manages the topic",
        "resource-policy-principals-scoped",
        ("prod", "dev"),
        change=_statement("AccountManagesTopic", _to_anyone),
    ),
    Flip(
        "aws:kms/key:Key",
        "policy",
        "CloudWatch Logs uses the key for any account",
        "resource-policy-principals-scoped",
        ("prod", "dev"),
        change=_statement("CloudWatchLogsEncryptsThisAccountsLogGroups", _unconditional),
    ),
    Flip(
        "aws:s3/bucketPolicy:BucketPolicy",
        "policy",
        "no TLS-only statement",
        "s3-tls-only",
        ("prod", "dev"),
        change=_without_statement("DenyInsecureTransport"),
    ),
]

# Input names that sound like a safety setting; each planned one needs a row or a reason.
SAFETY_WORDS = re.compile(
    r"(?i)encrypt|kms|deletion|delete|destroy|snapshot|backup|retention|public|tls|ssl|https|"
    r"immutab|mutab|scan|log|circuit|privileg|readonly|root|user$|capabilit|auth|policy|"
    r"multiaz|rotation|execute|insecure|drop|protect|breaker"
)
# Safety-looking inputs the table does not flip, and why: resource type -> input -> reason.
NOT_SAFETY: dict[str, dict[str, str]] = {
    "aws:rds/instance:Instance": {
        "finalSnapshotIdentifier": "held with skipFinalSnapshot by prod-final-snapshot",
        "masterUserSecretKmsKeyId": "the RDS-managed master secret's key; no task reads that secret's key",
        "backupWindow": "a time of day, not a protection",
        "performanceInsightsRetentionPeriod": "7 days is the free tier; any value is safe",
        "copyTagsToSnapshot": "cost attribution of snapshots, not a protection",
        "performanceInsightsKmsKeyId": "encrypted either way (unset: the AWS-managed aws/rds key)",
    },
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": {
        "policy": "which images expire; held by ecr-lifecycle-policy"
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
        "policyArn": "AWS-managed service-role policies, held by iam-aws-managed-policies-allowlisted"
    },
    "aws:ec2/flowLog:FlowLog": {
        "logDestination": "where flow logs go; the flow log itself is flipped",
        "logDestinationType": "where flow logs go; the flow log itself is flipped",
    },
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": {
        "logDestinationConfigs": "where WAF logs go; tests/test_waf.py holds the logging configuration"
    },
    "aws:amplify/app:App": {
        "basicAuthCredentials": "the credentials of the basic auth that is flipped",
        "enableBranchAutoDeletion": "housekeeping of branches, not a protection",
        "enableBasicAuth": "each non-production branch sets its own (flipped); the app's covers the rest",
    },
    "aws:amplify/branch:Branch": {
        "basicAuthCredentials": "the credentials of the basic auth that is flipped"
    },
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
        "blockPublicAcls": "held with blockPublicPolicy by s3-bucket-public-access-block",
        "ignorePublicAcls": "held with blockPublicPolicy by s3-bucket-public-access-block",
        "restrictPublicBuckets": "held with blockPublicPolicy by s3-bucket-public-access-block",
    },
    "aws:appautoscaling/policy:Policy": {
        "policyType": "how the API scales, not a protection",
        "targetTrackingScalingPolicyConfiguration": "how the API scales, not a protection",
    },
}


def _is_stack_policy() -> dict[str, bool]:
    from pulumi_policy import StackValidationPolicy

    return {
        policy.name: isinstance(policy, StackValidationPolicy)
        for pack in ("security-baseline", "operations")
        for policy in pack_policies(pack)
    }


STACK_POLICY = _is_stack_policy()


def _copy(resource: Registration) -> Registration:
    return dataclasses.replace(
        resource, inputs=copy.deepcopy(resource.inputs), outputs=copy.deepcopy(resource.outputs)
    )


def flipped(plan: Plan, flip: Flip) -> tuple[Plan, Registration]:
    """The plan with `flip` applied to the first resource it changes, and that resource."""
    targets = [r for r in plan.resources if r.type == flip.token]
    assert targets, f"{plan.stack} has no {flip.token}: the row's environments are wrong"
    if (
        flip.change is None
        and flip.unsafe is not REMOVED
        and not flip.setting.startswith("containerDefinitions")
    ):
        # A value flip changes a setting the program makes: resources that do not set it are not targets.
        targets = [r for r in targets if flip.key in r.inputs]
    for target in targets:
        if flip.unsafe is REMOVED:
            return Plan(
                plan.stack, plan.environment, [r for r in plan.resources if r is not target], plan.outputs
            ), target
        changed = _copy(target)
        flip.apply(changed.inputs)
        if changed.inputs == target.inputs:
            continue
        # What AnalyzeStack sees are the outputs, which echo the inputs.
        changed.outputs.update(
            {k: v for k, v in changed.inputs.items() if k in changed.outputs or k == flip.key}
        )
        for key in set(target.inputs) - set(changed.inputs):
            changed.outputs.pop(key, None)
        resources = [changed if r is target else r for r in plan.resources]
        return Plan(plan.stack, plan.environment, resources, plan.outputs), changed
    raise AssertionError(f"{plan.stack} already has {flip.setting}={flip.unsafe!r} on every {flip.token}")


_BASELINES: dict[tuple[int, tuple[str, ...], bool], set[tuple[str, str]]] = {}


def _mandatory(
    plan: Plan, urns: tuple[str, ...], packs: list[PackProcess], stack: bool
) -> set[tuple[str, str]]:
    return {(v.policy, v.urn) for v in check_resources(plan, urns, packs, stack=stack).mandatory}


def new_mandatory(packs: list[PackProcess], plan: Plan, flip: Flip) -> set[str]:
    """The policies with a mandatory violation in the flipped plan that the real plan has not."""
    stack = STACK_POLICY[flip.policy]
    changed_plan, target = flipped(plan, flip)
    urns = () if flip.unsafe is REMOVED else (target.urn,)
    key = (id(plan), urns, stack)  # the real plans are the session's cached ones, one per config
    if key not in _BASELINES:
        _BASELINES[key] = _mandatory(plan, urns, packs, stack)
    return {policy for policy, _ in _mandatory(changed_plan, urns, packs, stack) - _BASELINES[key]}


def cases() -> Iterator[Any]:
    for flip in SAFETY:
        for environment in flip.environments:
            name = f"{environment}:{flip.token.split(':')[-1]}.{flip.setting or 'removed'}={flip.unsafe}"
            yield pytest.param(STACKS[environment], flip, id=name)


@pytest.mark.parametrize(("stack", "flip"), list(cases()))
def test_each_unsafe_flip_is_a_mandatory_violation_of_its_policy(
    packs: list[PackProcess], stack: str, flip: Flip
) -> None:
    found = new_mandatory(packs, plan_for(stack), flip)
    assert flip.policy in found, f"{flip.setting}={flip.unsafe!r} in {stack}: new mandatory {sorted(found)}"


def test_every_row_names_a_policy_of_a_pack() -> None:
    # (That it is mandatory where the row says is what the flips themselves show.)
    assert {f.policy for f in SAFETY} <= set(STACK_POLICY)


def _safety_inputs(plan: Plan) -> Iterator[tuple[str, str]]:
    for resource in plan.resources:
        if not resource.type.startswith("aws:"):
            continue
        for key in resource.inputs:
            if SAFETY_WORDS.search(key):
                yield resource.type, key
        if resource.type == "aws:ecs/taskDefinition:TaskDefinition":
            for container in json.loads(resource.inputs["containerDefinitions"]):
                for key in container:
                    if SAFETY_WORDS.search(key):
                        yield resource.type, f"containerDefinitions[].{key}"


def test_every_safety_setting_the_program_makes_has_a_row() -> None:
    rows = {(f.token, f.setting if f.setting.startswith("containerDefinitions[]") else f.key) for f in SAFETY}
    found = {pair for environment in ALL for pair in _safety_inputs(plan_for(STACKS[environment]))}
    reasons = {(token, key) for token, keys in NOT_SAFETY.items() for key in keys}
    missing = sorted(found - rows - reasons)
    assert not missing, f"safety settings without a flip row or a reason: {missing}"
    stale = sorted(reasons - found)
    assert not stale, f"reasons for settings the program no longer makes: {stale}"


def test_the_stack_with_a_sidecar_passes_every_mandatory_policy(packs: list[PackProcess]) -> None:
    """What the sidecar flips below start from: prod under OpenTelemetry, clean."""
    plan = plan_for("prod", {"tm:observability.apm": "openTelemetry"})
    assert [f"{v.policy} {v.urn}" for v in check_changes(plan, plan_for("prod"), packs).mandatory] == []


@pytest.mark.parametrize(
    ("field", "unsafe", "policy"),
    [
        ("user", "0", "ecs-task-non-root-user"),
        ("readonlyRootFilesystem", False, "ecs-task-readonly-root-filesystem"),
        ("privileged", True, "ecs-task-not-privileged"),
        ("linuxParameters", {"capabilities": {"add": ["NET_ADMIN"]}}, "ecs-task-no-added-capabilities"),
    ],
)
def test_a_sidecar_is_held_to_the_same_hardening(
    packs: list[PackProcess], field: str, unsafe: Any, policy: str
) -> None:
    """The OpenTelemetry collector beside the API: only its own definition is flipped."""

    def collector_only(inputs: dict[str, Any]) -> None:
        containers = json.loads(inputs["containerDefinitions"])
        for container in containers:
            if container["name"] == "otel-collector":  # task definitions without one stay as they are
                container[field] = unsafe
        inputs["containerDefinitions"] = json.dumps(containers)

    plan = plan_for("prod", {"tm:observability.apm": "openTelemetry"})
    flip = Flip(
        "aws:ecs/taskDefinition:TaskDefinition", "containerDefinitions", unsafe, policy, change=collector_only
    )
    assert policy in new_mandatory(packs, plan, flip)


NAT_INSTANCE = {"tm:network.natGateways": "instance"}


def test_the_nat_instance_its_group_and_routes_pass_every_mandatory_policy(packs: list[PackProcess]) -> None:
    """What the flips below start from: its public address is dev's allowed exception."""
    plan = plan_for("dev", NAT_INSTANCE)
    added = [
        r.urn
        for r in plan.resources
        if r.type in ("aws:ec2/instance:Instance", "aws:ec2/route:Route") or r.name == "network-nat"
    ]
    assert len(added) == 4  # the instance, its security group, a route per zone
    assert check_resources(plan, tuple(added), packs, stack=False).mandatory == []


@pytest.mark.parametrize(
    ("setting", "unsafe", "policy"),
    [
        ("metadataOptions.httpTokens", "optional", "ec2-imdsv2-required"),
        ("rootBlockDevice.encrypted", False, "ec2-volumes-encrypted"),
        ("rootBlockDevice.kmsKeyId", None, "ec2-volumes-encrypted"),
        ("sourceDestCheck", True, "ec2-no-public-ip"),
        ("instanceType", "m7g.large", "allowed-instance-classes"),
    ],
)
def test_the_nat_instance_is_held_to_its_hardening(
    packs: list[PackProcess], setting: str, unsafe: Any, policy: str
) -> None:
    flip = Flip("aws:ec2/instance:Instance", setting, unsafe, policy)
    assert policy in new_mandatory(packs, plan_for("dev", NAT_INSTANCE), flip)


def test_prod_refuses_the_nat_instance_s_public_address(packs: list[PackProcess]) -> None:
    """The exception is dev's config: the same instance judged with prod's is a violation."""
    dev = plan_for("dev", NAT_INSTANCE)
    as_prod = Plan(dev.stack, "prod", dev.resources, dev.outputs)
    (instance,) = as_prod.of_type("aws:ec2/instance:Instance")
    found = {v.policy for v in check_resources(as_prod, (instance.urn,), packs, stack=False).mandatory}
    assert "ec2-no-public-ip" in found


# The Aurora Serverless v2 database (tm:database.engine auroraServerless) is held to the same
# promises: the plans of dev and prod with it, each flipped as above.
AURORA = {"tm:database.engine": "auroraServerless"}
CLUSTER, MEMBER = "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"
AURORA_SAFETY: list[Flip] = [
    Flip(CLUSTER, "storageEncrypted", False, "rds-storage-encrypted", ("prod", "dev")),
    Flip(CLUSTER, "kmsKeyId", None, "rds-storage-encrypted", ("prod", "dev")),
    Flip(CLUSTER, "dbClusterParameterGroupName", None, "rds-tls-enforced", ("prod", "dev")),
    Flip(CLUSTER, "backupRetentionPeriod", 0, "rds-backup-retention", ("prod", "dev")),
    Flip(CLUSTER, "enabledCloudwatchLogsExports", [], "rds-logs-exported", ("prod", "dev")),
    Flip(CLUSTER, "dbSubnetGroupName", None, "rds-in-subnet-group", ("prod", "dev")),
    Flip(CLUSTER, "backupRetentionPeriod", 7, "prod-backup-retention", ("prod",)),
    Flip(CLUSTER, "deletionProtection", False, "prod-deletion-protection", ("prod",)),
    Flip(CLUSTER, "skipFinalSnapshot", True, "prod-final-snapshot", ("prod",)),
    Flip(CLUSTER, "deleteAutomatedBackups", True, "prod-keep-automated-backups", ("prod",)),
    Flip(MEMBER, "publiclyAccessible", True, "rds-not-public", ("prod", "dev")),
    Flip(CLUSTER, "autoMinorVersionUpgrade", False, "rds-auto-minor-version-upgrade", ("prod", "dev")),
    Flip(MEMBER, "autoMinorVersionUpgrade", False, "rds-auto-minor-version-upgrade", ("prod", "dev")),
    Flip(MEMBER, "", REMOVED, "prod-database-multi-az", ("prod",)),
    Flip("aws:backup/selection:Selection", "", REMOVED, "rds-in-backup-plan", ("prod", "dev")),
]


@pytest.mark.parametrize(("environment", "refused"), [("prod", ["stack-monthly-budget"]), ("dev", [])])
def test_the_aurora_stacks_pass_every_mandatory_policy_but_prod_s_budget(
    packs: list[PackProcess], environment: str, refused: list[str]
) -> None:
    """At the profiles' usage Aurora costs more than the instance: prod's writer and reader at
    5 ACU, about $900 a month, take prod over its budget, which the budget policy says
    (docs/costs.md compares the engines); dev's cluster, paused while off-hours has stopped the
    services, stays within dev's. Nothing else is refused."""
    plan = plan_for(environment, AURORA)
    assert [v.policy for v in check_changes(plan, plan_for(environment), packs).mandatory] == refused


@pytest.mark.parametrize(
    ("environment", "flip"),
    [
        pytest.param(
            environment, flip, id=f"{environment}:{flip.token.split(':')[-1]}.{flip.setting or 'removed'}"
        )
        for flip in AURORA_SAFETY
        for environment in flip.environments
    ],
)
def test_each_unsafe_aurora_flip_is_a_mandatory_violation_of_its_policy(
    packs: list[PackProcess], environment: str, flip: Flip
) -> None:
    found = new_mandatory(packs, plan_for(environment, AURORA), flip)
    assert flip.policy in found, f"{flip.setting}={flip.unsafe!r}: new mandatory {sorted(found)}"
