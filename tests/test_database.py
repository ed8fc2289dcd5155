"""The database under mocks for dev and prod, and the settings that size it."""

from __future__ import annotations

import json
import re
from typing import Any

import botocore.session
import pytest
from pydantic import ValidationError

from components.database import LOG_EXPORTS
from components.rds_sizing import max_connections, memory_gib, serverless_max_connections
from components.settings import ServerlessSettings, SettingsError
from offline.create_time import create_time
from offline.engine import Plan
from tests.conftest import plan_for
from tests.test_settings import settings_of


def database_of(plan: Plan) -> Plan:
    return plan.component("tm:aws:Database")


def instance_of(plan: Plan) -> dict[str, Any]:
    return database_of(plan).one("aws:rds/instance:Instance").inputs


def assert_isolated(plan: Plan, database_inputs: dict[str, Any]) -> None:
    """The instance or cluster is in the isolated subnets, behind the database's security group."""
    database = database_of(plan)
    subnet_group = database.one("aws:rds/subnetGroup:SubnetGroup")
    assert subnet_group.inputs["subnetIds"] == plan.outputs["isolatedSubnetIds"]
    assert database_inputs["dbSubnetGroupName"] == subnet_group.outputs["name"]
    security_group = database.one("aws:ec2/securityGroup:SecurityGroup")
    assert database_inputs["vpcSecurityGroupIds"] == [security_group.outputs["id"]]


def test_instance_is_private_in_the_isolated_subnets(base_plan: Plan) -> None:
    instance = instance_of(base_plan)
    assert instance["publiclyAccessible"] is False
    assert_isolated(base_plan, instance)


def test_only_the_task_security_groups_reach_postgres(base_plan: Plan) -> None:
    database = database_of(base_plan)
    security_group = database.one("aws:ec2/securityGroup:SecurityGroup")
    assert security_group.inputs["vpcId"] == base_plan.outputs["vpcId"]
    assert not {"ingress", "egress"} & set(security_group.inputs)
    tasks = base_plan.component("tm:aws:TaskSecurityGroups")
    task_group_ids = {
        r.name.removeprefix("tasks-"): r.outputs["id"]
        for r in tasks.of_type("aws:ec2/securityGroup:SecurityGroup")
    }
    assert set(task_group_ids) == {"api", "cron", "migrate"}
    rules = database.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    sources = {}
    for rule in rules:
        assert rule.inputs["securityGroupId"] == security_group.outputs["id"]
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == (
            "tcp",
            5432,
            5432,
        )
        assert not {"cidrIpv4", "cidrIpv6", "prefixListId"} & set(rule.inputs)
        sources[rule.name.removeprefix("database-from-")] = rule.inputs["referencedSecurityGroupId"]
    assert sources == task_group_ids
    # Nothing else in the stack opens the database's group.
    other_rules = [
        r
        for r in base_plan.resources
        if "securityGroup" in r.type and r.inputs.get("securityGroupId") == security_group.outputs["id"]
    ]
    assert sorted(r.urn for r in other_rules) == sorted(r.urn for r in rules)


def test_everything_is_encrypted_with_the_stack_key(base_plan: Plan) -> None:
    key_arn = base_plan.outputs["kmsKeyArn"]
    instance = instance_of(base_plan)
    assert instance["storageEncrypted"] is True
    assert instance["kmsKeyId"] == key_arn
    assert instance["performanceInsightsKmsKeyId"] == key_arn
    assert instance["masterUserSecretKmsKeyId"] == key_arn
    assert database_of(base_plan).one("aws:backup/vault:Vault").inputs["kmsKeyArn"] == key_arn
    for group in database_of(base_plan).of_type("aws:cloudwatch/logGroup:LogGroup"):
        assert group.inputs["kmsKeyId"] == key_arn


def test_master_password_is_managed_by_rds_never_by_pulumi(base_plan: Plan) -> None:
    instance = instance_of(base_plan)
    assert instance["manageMasterUserPassword"] is True
    assert not {"password", "passwordWo"} & set(instance)
    assert instance["username"] == "tm_admin"
    assert base_plan.outputs["databaseMasterSecretArn"].startswith(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-"
    )


@pytest.mark.parametrize(("stack", "slow_ms"), [("dev", "500"), ("prod", "1000")])
def test_parameter_group_requires_tls_and_logs_slow_queries(stack: str, slow_ms: str) -> None:
    plan = plan_for(stack)
    group = database_of(plan).one("aws:rds/parameterGroup:ParameterGroup")
    assert group.inputs["family"] == "postgres17"
    values = {p["name"]: (p["value"], p["applyMethod"]) for p in group.inputs["parameters"]}
    assert values["rds.force_ssl"] == ("1", "immediate")
    assert values["log_min_duration_statement"] == (slow_ms, "immediate")
    assert values["shared_preload_libraries"] == ("pg_stat_statements", "pending-reboot")
    assert instance_of(plan)["parameterGroupName"] == group.outputs["name"]


def test_operational_safeguards(base_plan: Plan) -> None:
    instance = instance_of(base_plan)
    assert instance["engine"] == "postgres"
    assert instance["engineVersion"] == "17"
    assert instance["iamDatabaseAuthenticationEnabled"] is True
    assert instance["autoMinorVersionUpgrade"] is True
    assert instance["caCertIdentifier"] == "rds-ca-rsa2048-g1"
    assert instance["copyTagsToSnapshot"] is True
    assert instance["backupWindow"] == "03:00-04:00"
    assert instance["maintenanceWindow"] == "sun:04:30-sun:05:30"
    assert instance["performanceInsightsEnabled"] is True
    assert instance["monitoringInterval"] == 60
    monitoring = next(
        r for r in database_of(base_plan).of_type("aws:iam/role:Role") if r.name.endswith("monitoring")
    )
    assert instance["monitoringRoleArn"] == monitoring.outputs["arn"]
    trust = json.loads(monitoring.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_logs_are_exported_to_groups_with_retention(base_plan: Plan) -> None:
    instance = instance_of(base_plan)
    assert instance["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    groups = {
        g.inputs["name"]: g.inputs for g in database_of(base_plan).of_type("aws:cloudwatch/logGroup:LogGroup")
    }
    days = {"prod": 365, "staging": 90, "dev": 30}[base_plan.stack]
    identifier = f"tasking-manager-{base_plan.stack}"
    assert {name: g["retentionInDays"] for name, g in groups.items()} == {
        f"/aws/rds/instance/{identifier}/postgresql": days,
        f"/aws/rds/instance/{identifier}/upgrade": days,
    }


def test_prod_is_highly_available_and_protected() -> None:
    instance = instance_of(plan_for("prod"))
    assert instance["instanceClass"] == "db.t4g.large"
    assert instance["multiAz"] is True
    assert instance["deletionProtection"] is True
    assert instance["skipFinalSnapshot"] is False
    assert instance["finalSnapshotIdentifier"] == "tasking-manager-prod-final"
    assert instance["deleteAutomatedBackups"] is False
    assert instance["backupRetentionPeriod"] == 30
    assert (instance["storageType"], instance["allocatedStorage"], instance["maxAllocatedStorage"]) == (
        "gp3",
        100,
        500,
    )


def test_dev_is_small_and_deletable() -> None:
    instance = instance_of(plan_for("dev"))
    assert instance["instanceClass"] == "db.t4g.micro"
    assert instance["multiAz"] is False
    assert instance["deletionProtection"] is False
    assert instance["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in instance
    assert instance["backupRetentionPeriod"] == 7
    assert (instance["storageType"], instance["allocatedStorage"], instance["maxAllocatedStorage"]) == (
        "gp3",
        20,
        100,
    )


def test_environment_defaults_can_be_overridden() -> None:
    plan = plan_for("dev", {"tm:database.multiAz": True, "tm:database.instanceClass": "db.t4g.small"})
    instance = instance_of(plan)
    assert (instance["multiAz"], instance["instanceClass"]) == (True, "db.t4g.small")


@pytest.mark.parametrize(("stack", "rules"), [("dev", {"daily": 7}), ("prod", {"daily": 35, "monthly": 365})])
def test_backup_plan_selects_the_instance(stack: str, rules: dict[str, int]) -> None:
    database = database_of(plan_for(stack))
    vault = database.one("aws:backup/vault:Vault")
    plan = database.one("aws:backup/plan:Plan")
    assert {r["ruleName"]: r["lifecycle"]["deleteAfter"] for r in plan.inputs["rules"]} == rules
    assert all(r["targetVaultName"] == vault.outputs["name"] for r in plan.inputs["rules"])
    assert all(r["schedule"].startswith("cron(0 5 ") for r in plan.inputs["rules"])
    selection = database.one("aws:backup/selection:Selection")
    instance = database.one("aws:rds/instance:Instance")
    assert selection.inputs["planId"] == plan.outputs["id"]
    assert selection.inputs["resources"] == [instance.outputs["arn"]]
    backup_role = next(r for r in database.of_type("aws:iam/role:Role") if r.name.endswith("backup"))
    assert selection.inputs["iamRoleArn"] == backup_role.outputs["arn"]
    trust = json.loads(backup_role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "backup.amazonaws.com"}
    attached = sorted(
        a.inputs["policyArn"]
        for a in database.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.name.startswith("database-backup")
    )
    assert attached == [
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    ]


def test_outputs_name_what_the_back_end_and_review_apps_need(base_plan: Plan) -> None:
    outputs = base_plan.outputs
    assert (
        outputs["databaseAddress"]
        == f"tasking-manager-{base_plan.stack}.c0ffee0example.us-east-1.rds.amazonaws.com"
    )
    assert outputs["databasePort"] == 5432
    assert outputs["databaseName"] == "tasking_manager"
    assert outputs["databaseIdentifier"] == f"tasking-manager-{base_plan.stack}"
    security_group = database_of(base_plan).one("aws:ec2/securityGroup:SecurityGroup")
    assert outputs["databaseSecurityGroupId"] == security_group.outputs["id"]


# -- settings ------------------------------------------------------------------------------------


def database_problems(overrides: dict[str, Any], stack: str = "prod") -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        settings_of(stack, overrides)
    return {p.key: str(p) for p in caught.value.problems}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("tm:database.instanceClass", "t4g.micro", "RDS instance class like db.t4g.micro"),
        ("tm:database.instanceClass", "db.x9.huge", "of the families db.t3.*, db.t4g.*"),
        ("tm:database.backupRetentionDays", 0, "greater than or equal to 1"),
        ("tm:database.backupRetentionDays", 36, "less than or equal to 35"),
        ("tm:database.engineVersion", "13", "PostgreSQL 15 or newer"),
        ("tm:database.backupWindow", "3am", "UTC window like 03:00-04:00"),
        ("tm:database.performanceInsightsRetentionDays", 30, "7, 31, 93"),
        ("tm:database.backupPlan.monthlyRetentionDays", 30, "greater than or equal to 90"),
    ],
)
def test_bad_database_settings_are_named(key: str, value: Any, message: str) -> None:
    problems = database_problems({key: value})
    assert message in problems[key]


def test_maximum_storage_below_allocated_is_refused() -> None:
    problems = database_problems({"tm:database.maxAllocatedStorageGb": 50})
    assert problems["tm:database.maxAllocatedStorageGb"] == (
        "tm:database.maxAllocatedStorageGb = 50: must be at least allocatedStorageGb (100)"
    )


def test_a_pool_that_busts_the_connection_budget_is_refused_with_the_numbers() -> None:
    problems = database_problems({"tm:api.dbMaxConnections": 20}, stack="dev")
    message = problems["tm:api.dbMaxConnections"]
    # dev: 2 workers x 20 x 2 tasks = 80, cron 20, migration 20, reserved 60 = 180 > 112 on a micro.
    assert (
        "could open 180 connections (2 workers x 20 x 2 API tasks = 80, cron 20, migration 20, reserved 60)"
        in (message)
    )
    assert "db.t4g.micro allows about 112" in message


def test_the_same_pool_fits_a_bigger_instance() -> None:
    overrides = {"tm:api.dbMaxConnections": 20, "tm:database.instanceClass": "db.t4g.small"}
    assert settings_of("dev", overrides).environment == "dev"


@pytest.mark.parametrize(
    ("instance_class", "memory", "connections"),
    [
        ("db.t4g.micro", 1, 112),
        ("db.t4g.medium", 4, 450),
        ("db.m7g.large", 8, 901),
        ("db.r7g.2xlarge", 64, 5000),
    ],
)
def test_max_connections_follows_the_rds_formula(instance_class: str, memory: int, connections: int) -> None:
    # LEAST(DBInstanceClassMemory / 9531392, 5000), computed by hand from the nominal memory.
    assert memory_gib(instance_class) == memory
    assert max_connections(instance_class) == connections


# -- Aurora Serverless v2 ------------------------------------------------------------------------

# The profiles' major version, as for RDS: AWS creates its default minor and upgrades it in the
# maintenance window without a pinned minor for the next `pulumi up` to try to go back to.
AURORA = {"tm:database.engine": "auroraServerless"}


@pytest.fixture(scope="module")
def aurora_dev() -> Plan:
    return plan_for("dev", AURORA)


def test_aurora_keeps_the_instances_promises(aurora_dev: Plan) -> None:
    database = database_of(aurora_dev)
    key = aurora_dev.outputs["kmsKeyArn"]
    assert not database.of_type("aws:rds/instance:Instance")
    cluster = database.one("aws:rds/cluster:Cluster").inputs
    assert (cluster["engine"], cluster["engineVersion"]) == ("aurora-postgresql", "17")
    assert (cluster["storageEncrypted"], cluster["kmsKeyId"], cluster["masterUserSecretKmsKeyId"]) == (
        True,
        key,
        key,
    )
    assert cluster["manageMasterUserPassword"] is True
    assert not {"masterPassword", "masterPasswordWo"} & set(cluster)
    assert cluster["masterUsername"] == "tm_admin"
    assert cluster["iamDatabaseAuthenticationEnabled"] is True
    assert_isolated(aurora_dev, cluster)
    group = database.one("aws:rds/clusterParameterGroup:ClusterParameterGroup")
    assert group.inputs["family"] == "aurora-postgresql17"
    assert {"name": "rds.force_ssl", "value": "1", "applyMethod": "immediate"} in group.inputs["parameters"]
    assert cluster["dbClusterParameterGroupName"] == group.outputs["name"]
    assert (cluster["backupRetentionPeriod"], cluster["copyTagsToSnapshot"]) == (7, True)
    assert (cluster["deletionProtection"], cluster["skipFinalSnapshot"]) == (False, True)
    assert cluster["enabledCloudwatchLogsExports"] == ["postgresql"]
    logs = database.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert (logs["name"], logs["kmsKeyId"]) == ("/aws/rds/cluster/tasking-manager-dev/postgresql", key)
    # dev: one writer, paused after ten idle minutes.
    assert cluster["serverlessv2ScalingConfiguration"] == {
        "minCapacity": 0,
        "maxCapacity": 4,
        "secondsUntilAutoPause": 600,
    }
    (writer,) = database.of_type("aws:rds/clusterInstance:ClusterInstance")
    assert writer.inputs["instanceClass"] == "db.serverless"
    assert writer.inputs["publiclyAccessible"] is False
    assert writer.inputs["caCertIdentifier"] == "rds-ca-rsa2048-g1"
    assert writer.inputs["performanceInsightsKmsKeyId"] == key
    assert writer.inputs["monitoringInterval"] == 60


def test_aurora_is_backed_up_and_serves_the_back_end_and_review_apps(aurora_dev: Plan) -> None:
    database = database_of(aurora_dev)
    cluster = database.one("aws:rds/cluster:Cluster")
    assert database.one("aws:backup/selection:Selection").inputs["resources"] == [cluster.outputs["arn"]]
    endpoint = aurora_dev.outputs["databaseAddress"]
    assert endpoint == cluster.outputs["endpoint"]
    master = aurora_dev.outputs["databaseMasterSecretArn"]
    assert master == cluster.outputs["masterUserSecrets"][0]["secretArn"]
    tasks = {t.name: t for t in aurora_dev.of_type("aws:ecs/taskDefinition:TaskDefinition")}
    api = json.loads(tasks["backend-api"].inputs["containerDefinitions"])[0]
    assert {"name": "POSTGRES_ENDPOINT", "value": endpoint} in api["environment"]
    admin = json.loads(tasks["review-database-admin"].inputs["containerDefinitions"])[0]
    assert {"name": "PGHOST", "value": endpoint} in admin["environment"]
    assert {"name": "PGUSER", "valueFrom": f"{master}:username::"} in admin["secrets"]


def test_prod_aurora_has_a_reader_in_another_zone_and_is_protected() -> None:
    database = database_of(plan_for("prod", AURORA))
    cluster = database.one("aws:rds/cluster:Cluster").inputs
    assert (cluster["deletionProtection"], cluster["skipFinalSnapshot"]) == (True, False)
    assert (cluster["finalSnapshotIdentifier"], cluster["deleteAutomatedBackups"]) == (
        "tasking-manager-prod-final",
        False,
    )
    assert cluster["serverlessv2ScalingConfiguration"] == {"minCapacity": 4, "maxCapacity": 16}
    instances = database.of_type("aws:rds/clusterInstance:ClusterInstance")
    assert [(i.inputs["identifier"], i.inputs["availabilityZone"]) for i in instances] == [
        ("tasking-manager-prod-1", "us-east-1a"),
        ("tasking-manager-prod-2", "us-east-1b"),
    ]


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        (
            {"tm:database.engineVersion": "16"},
            "tm:database.engineVersion",
            "with a minimum of 0 ACUs Aurora PostgreSQL 16 needs its minor version, 16.3 or later",
        ),
        (
            {"tm:database.engineVersion": "16.2"},
            "tm:database.serverless.minCapacity",
            "0 ACUs (auto-pause) needs Aurora PostgreSQL 16.3 or later; engineVersion is 16.2",
        ),
        (
            {"tm:database.serverless.maxCapacity": 2.25},
            "tm:database.serverless.maxCapacity",
            "multiple of 0.5",
        ),
        (
            {"tm:database.serverless.minCapacity": 4, "tm:database.serverless.maxCapacity": 2},
            "tm:database.serverless.maxCapacity",
            "must be at least minCapacity (4)",
        ),
        (
            {"tm:database.serverless.minCapacity": 0.5},
            "tm:database.serverless.secondsUntilAutoPause",
            "applies only with minCapacity 0 (it is 0.5)",
        ),
        (
            {"tm:database.serverless.secondsUntilAutoPause": 60},
            "tm:database.serverless.secondsUntilAutoPause",
            "greater than or equal to 300",
        ),
    ],
)
def test_aurora_settings_aws_would_refuse_are_named(
    overrides: dict[str, Any], key: str, message: str
) -> None:
    assert message in database_problems({**AURORA, **overrides}, stack="dev")[key]


def test_prod_aurora_never_pauses() -> None:
    problems = database_problems({**AURORA, "tm:database.serverless.minCapacity": 0})
    assert "production never pauses" in problems["tm:database.serverless.minCapacity"]


@pytest.mark.parametrize(
    ("minimum", "maximum", "connections"),
    [(0, 1, 189), (0, 2, 189), (0.5, 4, 823), (1, 16, 3360), (0.5, 16, 2000), (2, 64, 5000)],
)
def test_serverless_connections_follow_the_maximum_acu(
    minimum: float, maximum: float, connections: int
) -> None:
    # AWS's table by maximum ACUs (the lower row between two), capped at 2,000 for a 0 or 0.5 minimum.
    assert serverless_max_connections(minimum, maximum) == connections


def test_the_connection_budget_of_a_serverless_range_is_named() -> None:
    overrides = {**AURORA, "tm:database.serverless.maxCapacity": 1, "tm:api.dbMaxConnections": 30}
    message = database_problems(overrides, stack="dev")["tm:api.dbMaxConnections"]
    assert "could open 240 connections" in message
    assert "Aurora Serverless v2 at 0-1 ACU allows about 189" in message
    assert message.endswith("choose a larger database.serverless.maxCapacity")


def test_aurora_is_watched_through_its_writer(aurora_dev: Plan) -> None:
    alarms = {
        a.inputs["name"].removeprefix("tasking-manager-dev-"): a.inputs
        for a in aurora_dev.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.inputs.get("namespace") == "AWS/RDS"
    }
    # No storage alarm: Aurora's storage grows by itself. The limits are the ACU range's: 80 % of
    # 823 connections, a tenth of 4 ACUs' 8 GiB (Serverless v2 reports memory against its maximum).
    assert sorted(alarms) == ["database-connections-near-limit", "database-cpu-high", "database-memory-low"]
    writer = {"DBClusterIdentifier": "tasking-manager-dev", "Role": "WRITER"}
    assert all(a["dimensions"] == writer for a in alarms.values())
    assert alarms["database-connections-near-limit"]["threshold"] == int(823 * 0.8)
    assert alarms["database-memory-low"]["threshold"] == 8 * 1024**3 // 10
    body = aurora_dev.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"]
    assert (
        '"ServerlessDatabaseCapacity", "DBClusterIdentifier", "tasking-manager-dev", "Role", "WRITER"' in body
    )


RDS_API = botocore.session.get_session().get_service_model("rds")


def _accepts(**capacity: float) -> bool:
    try:
        ServerlessSettings.model_validate({"minCapacity": 0, "maxCapacity": 4, **capacity})
    except ValidationError:
        return False
    return True


def test_the_serverless_bounds_and_log_types_are_those_the_rds_api_documents() -> None:
    """botocore's RDS model: 0 to 256 ACUs in half steps, a pause after 300 to 86,400 idle seconds,
    and the log types each engine exports."""
    scaling = RDS_API.shape_for("ServerlessV2ScalingConfiguration").members
    assert (
        "auto-pause feature, the smallest value that you can use is 0."
        in scaling["MinCapacity"].documentation
    )
    assert "The largest value that you can use is 256" in scaling["MaxCapacity"].documentation
    assert "half-step increments" in scaling["MaxCapacity"].documentation
    assert (
        "between 300 seconds (five minutes) and 86,400 seconds"
        in scaling["SecondsUntilAutoPause"].documentation
    )
    # What components/database.py says AWS waits when it leaves the setting out.
    assert "The default is 300 seconds" in scaling["SecondsUntilAutoPause"].documentation
    accepted = [
        {"minCapacity": 0},
        {"maxCapacity": 256},
        {"maxCapacity": 40.5},
        {"secondsUntilAutoPause": 300},
        {"secondsUntilAutoPause": 86_400},
    ]
    refused = [
        {"minCapacity": -0.5},
        {"maxCapacity": 256.5},
        {"maxCapacity": 40.25},
        {"secondsUntilAutoPause": 299},
        {"secondsUntilAutoPause": 86_401},
    ]
    assert [_accepts(**c) for c in accepted + refused] == [True] * len(accepted) + [False] * len(refused)
    exports = RDS_API.operation_model("CreateDBCluster").input_shape.members["EnableCloudwatchLogsExports"]
    for engine, documented in (("auroraServerless", "Aurora PostgreSQL"), ("rds", "RDS for PostgreSQL")):
        allowed = re.search(rf"{documented} - <code>([^<]+)</code>", exports.documentation)
        assert allowed is not None
        assert set(LOG_EXPORTS[engine]) <= {t.strip() for t in allowed[1].split("|")}


def test_aurora_s_create_time_is_its_cluster_then_its_instances(aurora_dev: Plan) -> None:
    path = [step.type for step in create_time(aurora_dev).critical_path]
    # reference 5.1: the cluster alone 5-6 min, then its writer (cluster and writer 10-15 min).
    assert path[-2:] == ["aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"]
    assert create_time(aurora_dev).minutes > create_time(plan_for("dev")).minutes
