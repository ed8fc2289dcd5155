"""RDS PostgreSQL: private, encrypted with the stack's key, TLS only, backed up, observable."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from .framework import (
    ResourcePolicy,
    StackPolicy,
    canonical,
    config_value,
    covered,
    is_true,
    known_strings,
    must_be_set,
    must_be_true,
    must_not_be_false,
    must_not_be_true,
    of_type,
    provider_default_tags,
)

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
SNAPSHOT = "aws:rds/snapshot:Snapshot"
CLUSTER_SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"
BACKUP_SELECTION = "aws:backup/selection:Selection"
DATABASES = (INSTANCE, CLUSTER)

AWS_MANAGED_KEYS = ("alias/aws/rds", "alias/aws/secretsmanager")
MODERN_CAS = ("rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1")
DEFAULT_ADMIN_NAMES = ("postgres", "admin", "root", "sa")


def _postgres(props: Any) -> bool:
    return "postgres" in str(props.get("engine") or "")


def _major(version: Any) -> int | None:
    match = re.search(r"\d+", str(version or ""))
    return int(match.group()) if match else None


rds_not_public = ResourcePolicy(
    name="rds-not-public",
    summary="Databases are not publicly accessible",
    controls=(
        "FSBP RDS.2",
        "awsguard rds-instance-public-access",
        "CKV_AWS_17",
        "NIST RDSInstancePublicAccess",
    ),
    severity=Severity.CRITICAL,
    resource_types=(INSTANCE, CLUSTER_INSTANCE),
    unset="publiclyAccessible unset: the provider sends false",
    check=must_not_be_true("publiclyAccessible", "the database gets a public address"),
)


def _encrypted(args: ResourceValidationArgs) -> Iterator[str]:
    if not is_true(args.props.get("storageEncrypted")):
        yield "storageEncrypted is not true: data, backups and snapshots are stored unencrypted"
        return
    key = args.props.get("kmsKeyId")
    if not key or str(key) in AWS_MANAGED_KEYS:
        yield "storage is encrypted with the AWS-managed aws/rds key; name the stack's key in kmsKeyId"


rds_storage_encrypted = ResourcePolicy(
    name="rds-storage-encrypted",
    summary="Database storage is encrypted with a customer-managed KMS key",
    controls=(
        "FSBP RDS.3",
        "FSBP RDS.27",
        "awsguard rds-storage-encrypted",
        "AwsSolutions-RDS2",
        "CKV_AWS_16",
    ),
    severity=Severity.MEDIUM,
    resource_types=DATABASES,
    unset="storageEncrypted unset: false (unencrypted); kmsKeyId unset: the AWS-managed aws/rds key",
    check=_encrypted,
)


def _force_ssl(parameters: Any, family: str) -> str | None:
    """Why a parameter group lets clients connect without TLS, or None."""
    for parameter in parameters or []:
        if parameter.get("name") == "rds.force_ssl":
            return None if str(parameter.get("value")) == "1" else "sets rds.force_ssl to 0"
    if family.startswith("aurora"):
        return "leaves rds.force_ssl at Aurora PostgreSQL's default 0"
    family_major = _major(family)
    if family_major is not None and family_major >= 15:
        return None  # RDS for PostgreSQL 15 and later default to rds.force_ssl=1
    return "leaves rds.force_ssl at its default 0 (PostgreSQL before 15)"


def _tls(args: ResourceValidationArgs) -> Iterator[str]:
    token = canonical(args.resource_type)
    if token in (PARAMETER_GROUP, CLUSTER_PARAMETER_GROUP):
        family = str(args.props.get("family") or "")
        if "postgres" in family:
            reason = _force_ssl(args.props.get("parameters"), family)
            if reason:
                yield f"the {family} parameter group {reason}: clients may connect in plaintext"
        return
    if not _postgres(args.props):
        return
    cluster = token == CLUSTER
    group = str(args.props.get("dbClusterParameterGroupName" if cluster else "parameterGroupName") or "")
    if group and not group.startswith("default."):
        return  # a group of the program's own is checked as a (cluster) parameter group
    major = _major(args.props.get("engineVersion"))
    if cluster:
        yield "Aurora PostgreSQL on the default cluster parameter group accepts plaintext: set rds.force_ssl"
    elif major is not None and major < 15:
        yield f"PostgreSQL {major} on the default parameter group accepts plaintext; set rds.force_ssl=1"


rds_tls_enforced = ResourcePolicy(
    name="rds-tls-enforced",
    summary="PostgreSQL databases refuse unencrypted connections (rds.force_ssl=1)",
    controls=("FSBP RDS.38 [3P]", "CKV2_AWS_69"),
    severity=Severity.MEDIUM,
    resource_types=(INSTANCE, CLUSTER, PARAMETER_GROUP, CLUSTER_PARAMETER_GROUP),
    unset=(
        "rds.force_ssl not in the group: 1 for RDS for PostgreSQL 15+, 0 before and 0 on Aurora "
        "PostgreSQL; engineVersion unset: the latest (15+); parameterGroupName or "
        "dbClusterParameterGroupName unset: the default group"
    ),
    check=_tls,
)

_BACKUP_DAYS = {
    "minimumDays": {
        "type": "integer",
        "minimum": 1,
        "maximum": 35,
        "default": 7,
        "description": "Fewest days of automated backups (point-in-time recovery)",
    }
}


def _backups(args: ResourceValidationArgs) -> Iterator[str]:
    minimum = int(config_value(args, "minimumDays", _BACKUP_DAYS))
    days = args.props.get("backupRetentionPeriod")
    kept = 1 if days is None else int(float(days))
    if kept < minimum:
        shown = "unset (1 day)" if days is None else f"{kept} day(s)"
        yield f"backupRetentionPeriod is {shown}; keep at least {minimum} days of automated backups"


rds_backup_retention = ResourcePolicy(
    name="rds-backup-retention",
    summary="Databases keep automated backups for at least the configured days (7 by default)",
    controls=("FSBP RDS.11", "awsguard rds-instance-backup-enabled", "AwsSolutions-RDS13", "CKV_AWS_133"),
    severity=Severity.MEDIUM,
    resource_types=DATABASES,
    unset="backupRetentionPeriod unset: 1 day (AWS's default)",
    check=_backups,
    config=_BACKUP_DAYS,
)

_LOGS = {
    "requiredLogs": {
        "type": "array",
        "items": {"type": "string"},
        "default": ["postgresql", "upgrade"],
        "description": "Log types a PostgreSQL instance exports to CloudWatch Logs (Aurora: postgresql only)",
    }
}


def _logs(args: ResourceValidationArgs) -> Iterator[str]:
    if not _postgres(args.props):
        return
    required = list(config_value(args, "requiredLogs", _LOGS))
    if canonical(args.resource_type) == CLUSTER:
        required = ["postgresql"]
    exported = {str(log) for log in args.props.get("enabledCloudwatchLogsExports") or []}
    missing = [log for log in required if log not in exported]
    if missing:
        yield f"enabledCloudwatchLogsExports lacks {', '.join(missing)}: those logs stay inside RDS"


rds_logs_exported = ResourcePolicy(
    name="rds-logs-exported",
    summary="PostgreSQL databases export their logs to CloudWatch Logs",
    controls=("FSBP RDS.9", "FSBP RDS.36 [3P]", "FSBP RDS.37 [3P]", "CKV_AWS_129", "NIST RDSLoggingEnabled"),
    severity=Severity.MEDIUM,
    resource_types=DATABASES,
    unset="enabledCloudwatchLogsExports unset: nothing exported",
    check=_logs,
    config=_LOGS,
)


rds_iam_authentication = ResourcePolicy(
    name="rds-iam-authentication",
    summary="Databases accept IAM authentication",
    controls=("FSBP RDS.10", "FSBP RDS.12", "CKV_AWS_161"),
    severity=Severity.MEDIUM,
    resource_types=DATABASES,
    unset="iamDatabaseAuthenticationEnabled unset: false",
    check=must_be_true("iamDatabaseAuthenticationEnabled", "only static passwords can log in"),
)


rds_auto_minor_version_upgrade = ResourcePolicy(
    name="rds-auto-minor-version-upgrade",
    summary="Databases take minor (security) version upgrades automatically",
    controls=("FSBP RDS.13", "FSBP RDS.35", "CKV_AWS_226", "NIST RDSAutomaticMinorVersionUpgradeEnabled"),
    severity=Severity.HIGH,
    resource_types=(INSTANCE, CLUSTER, CLUSTER_INSTANCE),
    unset="autoMinorVersionUpgrade unset: true",
    check=must_not_be_false("autoMinorVersionUpgrade", "security patches wait for someone to apply them"),
)


def _monitoring(args: ResourceValidationArgs) -> Iterator[str]:
    interval = float(args.props.get("monitoringInterval") or 0)
    if interval <= 0 or not args.props.get("monitoringRoleArn"):
        yield "enhanced monitoring is off (monitoringInterval > 0 with a monitoringRoleArn)"


rds_enhanced_monitoring = ResourcePolicy(
    name="rds-enhanced-monitoring",
    summary="Databases have enhanced monitoring",
    controls=("FSBP RDS.6", "CKV_AWS_118", "NIST RDSEnhancedMonitoringEnabled"),
    severity=Severity.LOW,
    resource_types=(INSTANCE, CLUSTER_INSTANCE),
    unset="monitoringInterval unset: 0 (off)",
    check=_monitoring,
)


def _performance_insights(args: ResourceValidationArgs) -> Iterator[str]:
    if not is_true(args.props.get("performanceInsightsEnabled")):
        yield "Performance Insights is off"
    elif not args.props.get("performanceInsightsKmsKeyId"):
        yield "Performance Insights data (query texts) uses the AWS-managed key; name the stack's key"


rds_performance_insights = ResourcePolicy(
    name="rds-performance-insights",
    summary="Databases have Performance Insights, encrypted with a customer-managed key",
    controls=("CKV_AWS_353", "CKV_AWS_354"),
    severity=Severity.LOW,
    resource_types=(INSTANCE, CLUSTER_INSTANCE),
    unset="performanceInsightsEnabled unset: false; performanceInsightsKmsKeyId unset: the aws/rds key",
    check=_performance_insights,
)


rds_in_subnet_group = ResourcePolicy(
    name="rds-in-subnet-group",
    summary="Databases live in the program's own (isolated) subnet group, not the default VPC",
    controls=("FSBP RDS.18",),
    severity=Severity.HIGH,
    resource_types=DATABASES,
    unset="dbSubnetGroupName unset: the default VPC",
    check=must_be_set("dbSubnetGroupName", "the database lands in the default VPC's subnets"),
)


def _managed_password(args: ResourceValidationArgs) -> Iterator[str]:
    password_key = "password" if canonical(args.resource_type) == INSTANCE else "masterPassword"
    if args.props.get(password_key):
        yield (
            f"{password_key} is set by the program, so it lives in Pulumi's state; set "
            "manageMasterUserPassword and let RDS keep it in Secrets Manager"
        )
    elif is_true(args.props.get("manageMasterUserPassword")):
        key = args.props.get("masterUserSecretKmsKeyId")
        if not key or str(key) in AWS_MANAGED_KEYS:
            yield "the managed master secret uses the AWS-managed key; set masterUserSecretKmsKeyId"


rds_managed_master_password = ResourcePolicy(
    name="rds-managed-master-password",
    summary="RDS generates and keeps the master password in Secrets Manager, under a customer-managed key",
    controls=("ref #60 (suggested)",),
    severity=Severity.HIGH,
    resource_types=DATABASES,
    unset=(
        "password and manageMasterUserPassword unset: a replica or a restore (no password); "
        "masterUserSecretKmsKeyId unset: aws/secretsmanager"
    ),
    check=_managed_password,
)


rds_copy_tags_to_snapshot = ResourcePolicy(
    name="rds-copy-tags-to-snapshot",
    summary="Databases copy their tags to snapshots",
    controls=("FSBP RDS.16", "FSBP RDS.17", "CKV2_AWS_60"),
    severity=Severity.LOW,
    resource_types=DATABASES,
    unset="copyTagsToSnapshot unset: false",
    check=must_be_true("copyTagsToSnapshot", "snapshots lose the owner and cost tags"),
)


def _ca(args: ResourceValidationArgs) -> Iterator[str]:
    ca = args.props.get("caCertIdentifier")
    if ca is not None and str(ca) not in MODERN_CAS:
        yield f"caCertIdentifier {ca} is not one of {', '.join(MODERN_CAS)}"


rds_ca_certificate = ResourcePolicy(
    name="rds-ca-certificate",
    summary="Databases present a current RDS certificate authority",
    controls=("CKV_AWS_211",),
    severity=Severity.LOW,
    resource_types=(INSTANCE, CLUSTER_INSTANCE),
    unset="caCertIdentifier unset: rds-ca-rsa2048-g1, AWS's default for new databases since 2024",
    check=_ca,
)


def _admin_name(args: ResourceValidationArgs) -> Iterator[str]:
    name = args.props.get("username" if canonical(args.resource_type) == INSTANCE else "masterUsername")
    if name is not None and str(name).lower() in DEFAULT_ADMIN_NAMES:
        yield f"the master user is the well-known '{name}'; pick a name attackers must guess"


rds_non_default_admin_username = ResourcePolicy(
    name="rds-non-default-admin-username",
    summary="Databases do not use the engine's default admin user name",
    controls=("FSBP RDS.24", "FSBP RDS.25"),
    severity=Severity.MEDIUM,
    resource_types=DATABASES,
    unset="username unset: a replica or a restore keeps its source's",
    check=_admin_name,
)


def _snapshot_private(args: ResourceValidationArgs) -> Iterator[str]:
    if "all" in [str(a) for a in args.props.get("sharedAccounts") or []]:
        yield "the snapshot is shared with all AWS accounts"


rds_snapshot_not_public = ResourcePolicy(
    name="rds-snapshot-not-public",
    summary="Database snapshots are not public",
    controls=("FSBP RDS.1", "CKV_AWS_302"),
    severity=Severity.CRITICAL,
    resource_types=(SNAPSHOT, CLUSTER_SNAPSHOT),
    unset="sharedAccounts unset: private",
    check=_snapshot_private,
)


def _tags(resource: PolicyResource) -> dict[str, str]:
    """The database's tags, the provider's default tags included; unknown ones left out."""
    found = provider_default_tags(resource.provider.props if resource.provider else None)
    for key in ("tagsAll", "tags"):
        try:
            tags = resource.props.get(key) or {}
            found.update({str(k): str(tags[k]) for k in tags})
        except UnknownValueError:
            continue
    return found


def _selects(selection: PolicyResource, database: PolicyResource) -> bool:
    """By ARN (or a property dependency on the database), by ARN pattern, or by tag."""
    if covered(database, [selection], "resources", "arn"):
        return True
    patterns = [r for r in known_strings(selection.props, "resources") if "*" in r]
    if any(fnmatch.fnmatchcase(arn, p) for arn in known_strings(database.props, "arn") for p in patterns):
        return True
    tags = _tags(database)
    for condition in selection.props.get("selectionTags") or []:
        key, value = str(condition.get("key")), str(condition.get("value"))
        if str(condition.get("type")) == "STRINGEQUALS" and tags.get(key) == value:
            return True
    return False


def _in_backup_plan(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    selections = list(of_type(args.resources, BACKUP_SELECTION))
    for database in of_type(args.resources, *DATABASES):
        if not any(_selects(selection, database) for selection in selections):
            yield ("is in no AWS Backup selection: it has no backups beyond its own", database.urn)


rds_in_backup_plan = StackPolicy(
    name="rds-in-backup-plan",
    summary="Every database is selected by an AWS Backup plan",
    controls=("FSBP RDS.26 (NIST)", "NIST RDSInBackupPlan"),
    severity=Severity.MEDIUM,
    resource_types=(*DATABASES, BACKUP_SELECTION),
    unset="Selection.resources and selectionTags unset: selects nothing",
    check=_in_backup_plan,
)

BACKUP_VAULT = "aws:backup/vault:Vault"


backup_vault_encrypted_with_cmk = ResourcePolicy(
    name="backup-vault-encrypted-with-cmk",
    summary="Backup vaults encrypt recovery points with a customer-managed KMS key",
    controls=("FSBP Backup.1", "CKV_AWS_166"),
    severity=Severity.MEDIUM,
    resource_types=(BACKUP_VAULT,),
    unset="kmsKeyArn unset: the AWS-managed aws/backup key",
    check=must_be_set("kmsKeyArn", "recovery points are encrypted with the AWS-managed aws/backup key"),
)

POLICIES = [
    rds_not_public,
    rds_storage_encrypted,
    rds_tls_enforced,
    rds_backup_retention,
    rds_logs_exported,
    rds_iam_authentication,
    rds_auto_minor_version_upgrade,
    rds_enhanced_monitoring,
    rds_performance_insights,
    rds_in_subnet_group,
    rds_managed_master_password,
    rds_copy_tags_to_snapshot,
    rds_ca_certificate,
    rds_non_default_admin_username,
    rds_snapshot_not_public,
    rds_in_backup_plan,
    backup_vault_encrypted_with_cmk,
]
