"""Production must be highly available and protected: Multi-AZ, deletion protection, a final
snapshot, automated backups that outlive the database and enough of them, at least two API tasks,
no shell into its containers, a WAF, and logs kept for a year.

Staging rehearses releases on production's shape, so these policies hold it too; its config file
sets its own thresholds (retention days)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, Severity, StackValidationArgs

from .environments import ENVIRONMENT, PRODUCTION_SHAPED, only_in, stack_only_in
from .framework import (
    ResourcePolicy,
    StackPolicy,
    canonical,
    config_value,
    covered,
    is_true,
    must_not_be_true,
    of_type,
)

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
BACKUP_PLAN = "aws:backup/plan:Plan"
ECS_SERVICE = "aws:ecs/service:Service"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCHEDULED_ACTION = "aws:appautoscaling/scheduledAction:ScheduledAction"
SCHEDULE = "aws:scheduler/schedule:Schedule"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
REPOSITORY = "aws:ecr/repository:Repository"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
MANDATORY = EnforcementLevel.MANDATORY


def _multi_az(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    outage = "one zone's outage takes the database down"
    for instance in of_type(args.resources, RDS_INSTANCE):
        if not is_true(instance.props.get("multiAz")):
            yield (f"multiAz is not true: {outage}", instance.urn)
    members = list(of_type(args.resources, RDS_CLUSTER_INSTANCE))
    for cluster in of_type(args.resources, RDS_CLUSTER):
        own = [m for m in members if covered(cluster, [m], "clusterIdentifier", "id", "clusterIdentifier")]
        zones = {str(m.props.get("availabilityZone")) for m in own if m.props.get("availabilityZone")}
        if len(zones) < 2:
            yield (
                f"its {len(own)} instance(s) are in {len(zones)} named zone(s): {outage}; add a reader in "
                "another zone",
                cluster.urn,
            )


prod_database_multi_az = StackPolicy(
    name="prod-database-multi-az",
    summary="Production databases are Multi-AZ: an instance with a standby, a cluster with instances "
    "in two zones",
    controls=(
        "FSBP RDS.5",
        "FSBP RDS.15",
        "awsguard rds-instance-multi-az-enabled",
        "AwsSolutions-RDS3",
        "CKV_AWS_157",
    ),
    severity=Severity.HIGH,
    resource_types=(RDS_INSTANCE, RDS_CLUSTER, RDS_CLUSTER_INSTANCE),
    unset="multiAz unset: false; a cluster instance's availabilityZone unset: AWS picks, maybe the writer's",
    check=stack_only_in(PRODUCTION_SHAPED, _multi_az),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=MANDATORY,
)


# Force flags that let a destroy delete a resource with everything in it (images, objects).
_FORCE = {REPOSITORY: "forceDelete", BUCKET: "forceDestroy", BUCKET_V2: "forceDestroy"}


def _deletion_protection(args: ResourceValidationArgs) -> Iterator[str]:
    token = canonical(args.resource_type)
    if token in _FORCE:
        if is_true(args.props.get(_FORCE[token])):
            yield f"{_FORCE[token]} is true: one mistaken destroy deletes it with everything in it"
        return
    key = "enableDeletionProtection" if token == LOAD_BALANCER else "deletionProtection"
    if not is_true(args.props.get(key)):
        yield f"{key} is not true: one mistaken destroy deletes it"


prod_deletion_protection = ResourcePolicy(
    name="prod-deletion-protection",
    summary="Production databases and load balancers have deletion protection; its image repositories "
    "and buckets cannot be force-deleted with their contents",
    controls=("FSBP RDS.7", "FSBP RDS.8", "FSBP ELB.6", "AwsSolutions-RDS10", "CKV_AWS_293", "CKV_AWS_150"),
    severity=Severity.HIGH,
    resource_types=(RDS_INSTANCE, RDS_CLUSTER, LOAD_BALANCER, REPOSITORY, BUCKET, BUCKET_V2),
    unset="deletionProtection / enableDeletionProtection unset: false; "
    "forceDelete / forceDestroy unset: false",
    check=only_in(PRODUCTION_SHAPED, _deletion_protection),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=MANDATORY,
)


def _final_snapshot(args: ResourceValidationArgs) -> Iterator[str]:
    if is_true(args.props.get("skipFinalSnapshot")):
        yield "skipFinalSnapshot is true: deleting the database keeps no copy of it"
    elif not args.props.get("finalSnapshotIdentifier"):
        yield "finalSnapshotIdentifier is unset: AWS refuses the delete, or a later change skips the snapshot"


prod_final_snapshot = ResourcePolicy(
    name="prod-final-snapshot",
    summary="Deleting a production database leaves a final snapshot",
    controls=("AwsSolutions-RDS10 (companion)", "HOT design: nothing of production is lost by a destroy"),
    severity=Severity.HIGH,
    resource_types=(RDS_INSTANCE, RDS_CLUSTER),
    unset="skipFinalSnapshot unset: false; finalSnapshotIdentifier unset: none",
    check=only_in(PRODUCTION_SHAPED, _final_snapshot),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=MANDATORY,
)


def _keeps_automated_backups(args: ResourceValidationArgs) -> Iterator[str]:
    value = args.props.get("deleteAutomatedBackups")
    if value is None or is_true(value):  # unset is AWS's default: true
        shown = "unset (true)" if value is None else "true"
        yield f"deleteAutomatedBackups is {shown}: deleting the database deletes its point-in-time backups"


prod_keep_automated_backups = ResourcePolicy(
    name="prod-keep-automated-backups",
    summary="A production database's automated backups outlive it",
    controls=("HOT design: nothing of production is lost by a destroy",),
    severity=Severity.HIGH,
    resource_types=(RDS_INSTANCE, RDS_CLUSTER),
    unset="deleteAutomatedBackups unset: true (AWS deletes them)",
    check=only_in(PRODUCTION_SHAPED, _keeps_automated_backups),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=MANDATORY,
)

_BACKUP_DAYS = {
    **ENVIRONMENT,
    "minimumDays": {
        "type": "integer",
        "minimum": 1,
        "maximum": 35,
        "default": 14,
        "description": "Fewest days of point-in-time recovery, and of AWS Backup recovery points",
    },
}


def _backups(args: ResourceValidationArgs) -> Iterator[str]:
    minimum = int(config_value(args, "minimumDays", _BACKUP_DAYS))
    if canonical(args.resource_type) == BACKUP_PLAN:
        for rule in args.props.get("rules") or []:
            days = (rule.get("lifecycle") or {}).get("deleteAfter")
            if days is not None and float(days) < minimum:
                name, kept = rule.get("ruleName"), int(float(days))
                yield f"backup rule {name} keeps recovery points {kept} days; at least {minimum}"
        return
    days = args.props.get("backupRetentionPeriod")
    kept = 1 if days is None else int(float(days))
    if kept < minimum:
        yield f"backupRetentionPeriod is {kept} day(s); production keeps at least {minimum}"


prod_backup_retention = ResourcePolicy(
    name="prod-backup-retention",
    summary="Production keeps at least N days of database backups (automated and AWS Backup)",
    controls=("FSBP RDS.11", "CKV_AWS_133"),
    severity=Severity.HIGH,
    resource_types=(RDS_INSTANCE, RDS_CLUSTER, BACKUP_PLAN),
    unset="backupRetentionPeriod unset: 1 day; a backup rule's deleteAfter unset: kept forever",
    check=only_in(PRODUCTION_SHAPED, _backups),
    config=_BACKUP_DAYS,
    required=["environment"],
    enforcement=MANDATORY,
)

_API_TASKS = {
    **ENVIRONMENT,
    "minimumTasks": {"type": "integer", "minimum": 1, "default": 2, "description": "Fewest API tasks"},
    "apiServicePattern": {
        "type": "string",
        "default": "(^|-)api(-|$)",
        "description": "Regular expression found in the API service's logical or physical name",
    },
}


def _api_tasks(args: ResourceValidationArgs) -> Iterator[str]:
    minimum = int(config_value(args, "minimumTasks", _API_TASKS))
    pattern = re.compile(str(config_value(args, "apiServicePattern", _API_TASKS)))
    if canonical(args.resource_type) == ECS_SERVICE:
        if pattern.search(args.name) or pattern.search(str(args.props.get("name") or "")):
            count = int(float(args.props.get("desiredCount") or 0))
            if count < minimum:
                yield f"the API service runs {count} task(s); production runs at least {minimum}"
        return
    if args.props.get("serviceNamespace") != "ecs":
        return
    service = str(args.props.get("resourceId") or "").rsplit("/", 1)[-1]
    if pattern.search(service):
        low = int(float(args.props.get("minCapacity") or 0))
        if low < minimum:
            yield f"autoscaling may shrink the API service to {low} task(s); production keeps {minimum}"


prod_api_min_tasks = ResourcePolicy(
    name="prod-api-min-tasks",
    summary="The production API never runs fewer than two tasks (service and autoscaling minimum)",
    controls=("HOT design: production is highly available",),
    severity=Severity.HIGH,
    resource_types=(ECS_SERVICE, SCALING_TARGET),
    unset="desiredCount unset: 0",
    check=only_in(PRODUCTION_SHAPED, _api_tasks),
    config=_API_TASKS,
    required=["environment"],
    enforcement=MANDATORY,
)


# What a stack that sleeps (components/off_hours.py) calls on a schedule through EventBridge
# Scheduler's universal targets: stopping its database, muting its alarms.
_SLEEP_CALLS = ("rds:stopDBInstance", "rds:stopDBCluster", "cloudwatch:disableAlarmActions")


def _sleeps(args: ResourceValidationArgs) -> Iterator[str]:
    if canonical(args.resource_type) == SCHEDULED_ACTION:
        action = args.props.get("scalableTargetAction") or {}
        for bound in ("minCapacity", "maxCapacity"):
            if action.get(bound) is not None and float(action[bound]) == 0:
                yield f"a scheduled action sets {bound} to 0: it would leave production without tasks"
        return
    call = str((args.props.get("target") or {}).get("arn") or "").rpartition("aws-sdk:")[2]
    if call in _SLEEP_CALLS:
        yield f"a schedule calls {call}: production never sleeps"


prod_never_sleeps = ResourcePolicy(
    name="prod-never-sleeps",
    summary="Production never sleeps: no schedule scales its services to zero, stops its database or "
    "pauses its alarms",
    controls=("HOT design: off-hours schedules are for dev and review apps",),
    severity=Severity.HIGH,
    resource_types=(SCHEDULED_ACTION, SCHEDULE),
    unset="scalableTargetAction bounds unset: unchanged; a schedule without a target calls nothing",
    check=only_in(PRODUCTION_SHAPED, _sleeps),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=MANDATORY,
)


prod_ecs_exec_off = ResourcePolicy(
    name="prod-ecs-exec-off",
    summary="No shell into production's containers (ECS Exec off)",
    controls=("HOT design: production changes go through deploys",),
    severity=Severity.HIGH,
    resource_types=(ECS_SERVICE,),
    unset="enableExecuteCommand unset: false",
    check=only_in(
        PRODUCTION_SHAPED,
        must_not_be_true("enableExecuteCommand", "anyone with ecs:ExecuteCommand gets a shell in production"),
    ),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=MANDATORY,
)


def _waf(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    associations = list(of_type(args.resources, WEB_ACL_ASSOCIATION))
    for lb in of_type(args.resources, LOAD_BALANCER):
        application = (lb.props.get("loadBalancerType") or "application") == "application"
        if (
            application
            and not is_true(lb.props.get("internal"))
            and not covered(lb, associations, "resourceArn", "arn", "id")
        ):
            yield ("serves production without a WAFv2 web ACL", lb.urn)


prod_waf_attached = StackPolicy(
    name="prod-waf-attached",
    summary="Production's internet-facing load balancers are behind a WAFv2 web ACL",
    controls=("FSBP ELB.16 (NIST)", "CKV2_AWS_28"),
    severity=Severity.HIGH,
    resource_types=(LOAD_BALANCER, WEB_ACL_ASSOCIATION),
    unset="LoadBalancer.internal unset: internet-facing",
    check=stack_only_in(PRODUCTION_SHAPED, _waf),
    config=ENVIRONMENT,
    required=["environment"],
    enforcement=MANDATORY,
)

_LOG_DAYS = {
    **ENVIRONMENT,
    "minimumDays": {
        "type": "integer",
        "minimum": 1,
        "default": 365,
        "description": "Fewest days production log groups keep events",
    },
}


def _log_retention(args: ResourceValidationArgs) -> Iterator[str]:
    minimum = int(config_value(args, "minimumDays", _LOG_DAYS))
    days = args.props.get("retentionInDays")
    if days is not None and 0 < float(days) < minimum:
        yield f"retentionInDays is {int(float(days))}; production keeps logs at least {minimum} days"


prod_log_retention = ResourcePolicy(
    name="prod-log-retention",
    summary="Production log groups keep events at least a year (configurable)",
    controls=("FSBP CloudWatch.16 (NIST)", "CKV_AWS_338"),
    severity=Severity.MEDIUM,
    resource_types=(LOG_GROUP,),
    unset="retentionInDays unset: never expire, long enough (the security baseline asks for a value)",
    check=only_in(PRODUCTION_SHAPED, _log_retention),
    config=_LOG_DAYS,
    required=["environment"],
    enforcement=MANDATORY,
)

POLICIES = [
    prod_database_multi_az,
    prod_deletion_protection,
    prod_final_snapshot,
    prod_keep_automated_backups,
    prod_backup_retention,
    prod_api_min_tasks,
    prod_never_sleeps,
    prod_ecs_exec_off,
    prod_waf_attached,
    prod_log_retention,
]
