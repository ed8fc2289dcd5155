"""Fixtures of the RDS policies: the instance, its parameter group, snapshots and backup selection."""

from typing import Any

from pulumi_policy import Policy
from security_baseline import rds

from tests.policies.harness import DELETE, Case, StackCase

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1111-2222"
ARN = "arn:aws:rds:us-east-1:123456789012:db:tasking-manager-prod"

_INSTANCE = {
    "arn": ARN,
    "identifier": "tasking-manager-prod",
    "engine": "postgres",
    "engineVersion": "14",
    "instanceClass": "db.t4g.large",
    "username": "tm_admin",
    "manageMasterUserPassword": True,
    "masterUserSecretKmsKeyId": KEY,
    "storageEncrypted": True,
    "kmsKeyId": KEY,
    "publiclyAccessible": False,
    "dbSubnetGroupName": "tasking-manager-prod",
    "parameterGroupName": "tasking-manager-prod-pg",
    "backupRetentionPeriod": 14.0,
    "enabledCloudwatchLogsExports": ["postgresql", "upgrade"],
    "iamDatabaseAuthenticationEnabled": True,
    "autoMinorVersionUpgrade": True,
    "monitoringInterval": 60.0,
    "monitoringRoleArn": "arn:aws:iam::123456789012:role/rds-monitoring",
    "performanceInsightsEnabled": True,
    "performanceInsightsKmsKeyId": KEY,
    "copyTagsToSnapshot": True,
    "caCertIdentifier": "rds-ca-rsa2048-g1",
}
_CLUSTER = {
    "arn": "arn:aws:rds:us-east-1:123456789012:cluster:tm",
    "engine": "aurora-postgresql",
    "engineVersion": "16.4",
    "masterUsername": "tm_admin",
    "manageMasterUserPassword": True,
    "masterUserSecretKmsKeyId": KEY,
    "storageEncrypted": True,
    "kmsKeyId": KEY,
    "dbSubnetGroupName": "tm",
    "backupRetentionPeriod": 7.0,
    "enabledCloudwatchLogsExports": ["postgresql"],
    "iamDatabaseAuthenticationEnabled": True,
    "copyTagsToSnapshot": True,
}


def _instance(policy: Policy, failures: list[tuple[dict[str, Any], str]], **extra: object) -> Case:
    return Case(policy, INSTANCE, {**_INSTANCE, **extra}, failures)


CASES = [
    _instance(rds.rds_not_public, [({"publiclyAccessible": True}, "publiclyAccessible is true")]),
    Case(
        rds.rds_not_public,
        "aws:rds/clusterInstance:ClusterInstance",
        {"clusterIdentifier": "tm", "instanceClass": "db.r7g.large", "engine": "aurora-postgresql"},
        [({"publiclyAccessible": True}, "the database gets a public address")],
    ),
    _instance(
        rds.rds_storage_encrypted,
        [
            ({"storageEncrypted": False}, "storageEncrypted is not true"),
            ({"storageEncrypted": DELETE}, "stored unencrypted"),
            ({"kmsKeyId": DELETE}, "encrypted with the AWS-managed aws/rds key"),
            ({"kmsKeyId": "alias/aws/rds"}, "aws/rds key"),
        ],
    ),
    Case(
        rds.rds_storage_encrypted,
        CLUSTER,
        _CLUSTER,
        [({"storageEncrypted": DELETE}, "storageEncrypted is not true")],
    ),
    _instance(
        rds.rds_tls_enforced,
        [
            (
                {"parameterGroupName": DELETE},
                "PostgreSQL 14 on the default parameter group accepts plaintext",
            ),
            ({"parameterGroupName": "default.postgres14"}, "on the default parameter group"),
        ],
    ),
    Case(
        rds.rds_tls_enforced,
        "aws:rds/parameterGroup:ParameterGroup",
        {
            "family": "postgres14",
            "parameters": [
                {"name": "rds.force_ssl", "value": "1"},
                {"name": "log_connections", "value": "1"},
            ],
        },
        [
            ({"parameters.0.value": "0"}, "the postgres14 parameter group sets rds.force_ssl to 0"),
            ({"parameters.0.name": "log_lock_waits"}, "leaves rds.force_ssl at its default 0"),
        ],
    ),
    Case(
        rds.rds_tls_enforced,
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        {"family": "aurora-postgresql16", "parameters": [{"name": "rds.force_ssl", "value": "1"}]},
        [
            ({"parameters.0.value": "0"}, "sets rds.force_ssl to 0"),
            # Aurora PostgreSQL's default is 0 whatever the version (Aurora User Guide).
            ({"parameters": []}, "leaves rds.force_ssl at Aurora PostgreSQL's default 0"),
        ],
    ),
    Case(
        rds.rds_tls_enforced,
        CLUSTER,
        {**_CLUSTER, "dbClusterParameterGroupName": "tm-cluster"},
        [
            (
                {"dbClusterParameterGroupName": DELETE},
                "on the default cluster parameter group accepts plaintext",
            ),
            ({"dbClusterParameterGroupName": "default.aurora-postgresql16"}, "accepts plaintext"),
        ],
    ),
    _instance(
        rds.rds_backup_retention,
        [
            ({"backupRetentionPeriod": 3.0}, "backupRetentionPeriod is 3 day(s); keep at least 7 days"),
            ({"backupRetentionPeriod": DELETE}, "backupRetentionPeriod is unset (1 day)"),
        ],
    ),
    Case(
        rds.rds_backup_retention,
        CLUSTER,
        {**_CLUSTER, "backupRetentionPeriod": 14.0},
        [({"backupRetentionPeriod": 9.0}, "backupRetentionPeriod is 9 day(s); keep at least 10 days")],
        config={"minimumDays": 10},
    ),
    _instance(
        rds.rds_logs_exported,
        [
            ({"enabledCloudwatchLogsExports": ["postgresql"]}, "enabledCloudwatchLogsExports lacks upgrade"),
            ({"enabledCloudwatchLogsExports": DELETE}, "lacks postgresql, upgrade"),
        ],
    ),
    Case(
        rds.rds_logs_exported, CLUSTER, _CLUSTER, [({"enabledCloudwatchLogsExports": []}, "lacks postgresql")]
    ),
    _instance(
        rds.rds_iam_authentication,
        [
            ({"iamDatabaseAuthenticationEnabled": False}, "iamDatabaseAuthenticationEnabled is not true"),
            ({"iamDatabaseAuthenticationEnabled": DELETE}, "only static passwords"),
        ],
    ),
    _instance(
        rds.rds_auto_minor_version_upgrade,
        [({"autoMinorVersionUpgrade": False}, "autoMinorVersionUpgrade is false")],
    ),
    Case(
        rds.rds_auto_minor_version_upgrade,
        CLUSTER,
        {**_CLUSTER, "autoMinorVersionUpgrade": True},
        [({"autoMinorVersionUpgrade": False}, "security patches wait for someone to apply them")],
    ),
    _instance(
        rds.rds_enhanced_monitoring,
        [
            ({"monitoringInterval": 0.0}, "enhanced monitoring is off"),
            ({"monitoringRoleArn": DELETE}, "enhanced monitoring is off"),
        ],
    ),
    _instance(
        rds.rds_performance_insights,
        [
            ({"performanceInsightsEnabled": DELETE}, "Performance Insights is off"),
            ({"performanceInsightsKmsKeyId": DELETE}, "uses the AWS-managed key"),
        ],
    ),
    _instance(rds.rds_in_subnet_group, [({"dbSubnetGroupName": DELETE}, "lands in the default VPC")]),
    _instance(
        rds.rds_managed_master_password,
        [
            (
                {"password": "hunter2-but-longer"},
                "password is set by the program, so it lives in Pulumi's state",
            ),
            ({"masterUserSecretKmsKeyId": DELETE}, "the managed master secret uses the AWS-managed key"),
        ],
    ),
    Case(
        rds.rds_managed_master_password,
        CLUSTER,
        _CLUSTER,
        [({"masterPassword": "hunter2-but-longer"}, "masterPassword is set")],
    ),
    _instance(
        rds.rds_copy_tags_to_snapshot, [({"copyTagsToSnapshot": DELETE}, "copyTagsToSnapshot is not true")]
    ),
    _instance(
        rds.rds_ca_certificate,
        [({"caCertIdentifier": "rds-ca-2019"}, "caCertIdentifier rds-ca-2019 is not one of")],
    ),
    _instance(
        rds.rds_non_default_admin_username,
        [({"username": "postgres"}, "the master user is the well-known 'postgres'")],
    ),
    Case(
        rds.rds_non_default_admin_username,
        CLUSTER,
        _CLUSTER,
        [({"masterUsername": "Admin"}, "well-known 'Admin'")],
    ),
    Case(
        rds.rds_snapshot_not_public,
        "aws:rds/snapshot:Snapshot",
        {
            "dbInstanceIdentifier": "tm",
            "dbSnapshotIdentifier": "tm-before-upgrade",
            "sharedAccounts": ["123456789012"],
        },
        [({"sharedAccounts": ["all"]}, "shared with all AWS accounts")],
    ),
    StackCase(
        rds.rds_in_backup_plan,
        {
            "db": (INSTANCE, dict(_INSTANCE)),
            "selection": (
                "aws:backup/selection:Selection",
                {"planId": "plan-1", "iamRoleArn": "arn:role", "resources": [ARN]},
            ),
        },
        [
            ({"selection": DELETE}, "is in no AWS Backup selection"),
            (
                {"selection.resources": ["arn:aws:rds:us-east-1:123456789012:db:other"]},
                "is in no AWS Backup selection",
            ),
        ],
    ),
    StackCase(
        rds.rds_in_backup_plan,
        {
            "db": (INSTANCE, {**_INSTANCE, "tags": {"Backup": "daily"}}),
            "by-tag": (
                "aws:backup/selection:Selection",
                {
                    "planId": "p",
                    "iamRoleArn": "arn:role",
                    "selectionTags": [{"type": "STRINGEQUALS", "key": "Backup", "value": "daily"}],
                },
            ),
        },
        [
            ({"db.tags.Backup": "never"}, "is in no AWS Backup selection"),
            ({"by-tag.selectionTags.0.value": "weekly"}, "is in no AWS Backup selection"),
        ],
    ),
    StackCase(
        rds.rds_in_backup_plan,
        {
            "db": (INSTANCE, dict(_INSTANCE)),
            "by-provider-tag": (
                "aws:backup/selection:Selection",
                {
                    "planId": "p",
                    "iamRoleArn": "arn:role",
                    "selectionTags": [{"type": "STRINGEQUALS", "key": "Project", "value": "tasking-manager"}],
                },
            ),
        },
        [({"by-provider-tag.selectionTags.0.key": "Team"}, "is in no AWS Backup selection")],
    ),
    StackCase(
        rds.rds_in_backup_plan,
        {
            "db": (INSTANCE, dict(_INSTANCE)),
            "by-pattern": (
                "aws:backup/selection:Selection",
                {
                    "planId": "p",
                    "iamRoleArn": "arn:role",
                    "resources": ["arn:aws:rds:*:*:db:tasking-manager-*"],
                },
            ),
        },
        [
            ({"db.arn": "arn:aws:rds:us-east-1:123456789012:db:other"}, "is in no AWS Backup selection"),
            ({"by-pattern.resources": ["arn:aws:rds:*:*:cluster:*"]}, "is in no AWS Backup selection"),
        ],
    ),
    Case(
        rds.backup_vault_encrypted_with_cmk,
        "aws:backup/vault:Vault",
        {"name": "tasking-manager-prod", "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k"},
        [({"kmsKeyArn": DELETE}, "kmsKeyArn is unset")],
    ),
]
