"""The cost and create-time models: small fixtures priced by hand, the critical path of a small
graph, what the plan shows, the budgets, and the issue's targets as numbers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from components.profiles import PROFILES
from offline.bootstrap import estimate_bootstrap
from offline.cost_doc import BEGIN, COSTS_DOC, END, KUBERNETES_STACKS, STACKS, cost_tables, hot_setups
from offline.costing import TASK_DEFINITION, costs, estimate, on_architecture
from offline.create_time import create_time, critical_path, duration
from offline.engine import Plan
from offline.mocks import Registration
from offline.policy_run import load_config
from offline.report import render_text, to_json
from tests.bootstrap_harness import bootstrap_run
from tests.conftest import plan_for

NO_USAGE = costs.Usage.from_mapping(
    {
        "apiRequestsPerMonth": 0,
        "logGbPerDay": 0,
        "natGbPerMonth": 0,
        "loadBalancerCapacityUnits": 0,
        "amplifyBuildsPerMonth": 0,
        "amplifyBuildMinutes": 10,
        "frontendGbServedPerMonth": 0,
        "databaseAverageAcu": 0,
        "databasePausedHoursPerMonth": 0,
        "databaseStorageGb": 0,
        "databaseIoMillionsPerMonth": 0,
    }
)


def resource(token: str, name: str, props: dict[str, Any], **extra: Any) -> costs.Resource:
    return costs.Resource(f"urn:pulumi:t::p::{token}::{name}", token, name, props, **extra)


def priced(*resources: costs.Resource, usage: costs.Usage = NO_USAGE) -> costs.StackCost:
    return costs.estimate(list(resources), usage)


def fargate(
    cpu: str, memory: str, count: float, provider: str, architecture: str = "X86_64"
) -> costs.StackCost:
    platform = {"operatingSystemFamily": "LINUX", "cpuArchitecture": architecture}
    task = resource(
        "aws:ecs/taskDefinition:TaskDefinition",
        "api",
        {"cpu": cpu, "memory": memory, "runtimePlatform": platform},
    )
    service = resource(
        "aws:ecs/service:Service",
        "api",
        {"desiredCount": count, "capacityProviderStrategies": [{"capacityProvider": provider, "weight": 1}]},
        property_dependencies={"taskDefinition": (task.urn,)},
    )
    return priced(task, service)


# -- prices of small fixtures, worked out by hand from the reference's table (section 5.2) ---------


def test_a_fargate_task_of_one_vcpu_and_two_gb_costs_36_04_a_month_on_demand() -> None:
    # (1 x 0.04048 + 2 x 0.004445) x 730 = 36.04 per task
    assert fargate("1024", "2048", 2, "FARGATE").total_usd == pytest.approx(2 * 36.04, abs=0.01)


def test_a_quarter_vcpu_task_on_spot_costs_2_71_a_month() -> None:
    # (0.25 x 0.01218784 + 0.5 x 0.00133831) x 730 = 2.71
    assert fargate("256", "512", 1, "FARGATE_SPOT").total_usd == pytest.approx(2.71, abs=0.01)


def test_a_graviton_task_of_one_vcpu_and_two_gb_costs_28_84_a_month_on_demand() -> None:
    # (1 x 0.03238 + 2 x 0.00356) x 730 = 28.84 per task
    assert fargate("1024", "2048", 1, "FARGATE", "ARM64").total_usd == pytest.approx(28.84, abs=0.01)


def test_a_graviton_task_on_spot_is_priced_on_demand_and_says_so() -> None:
    # No sourced Fargate Spot price for ARM: (0.25 x 0.03238 + 0.5 x 0.00356) x 730 = 7.21, an upper bound.
    cost = fargate("256", "512", 1, "FARGATE_SPOT", "ARM64")
    assert cost.total_usd == pytest.approx(7.21, abs=0.01)
    (charge,) = next(r for r in cost.resources if r.type == "aws:ecs/service:Service").charges
    assert (
        charge.what
        == "1 Spot task(s) of 0.25 vCPU / 0.5 GB ARM64, priced on demand: no sourced Spot price for ARM"
    )


def test_a_plan_moved_to_the_other_architecture_prices_as_that_architectures_plan() -> None:
    x86 = plan_for("dev", {"tm:ecs.cpuArchitecture": "X86_64"})
    # The setting moves every task definition, the review database-admin task's too.
    assert {t.inputs["runtimePlatform"]["cpuArchitecture"] for t in x86.of_type(TASK_DEFINITION)} == {
        "X86_64"
    }
    moved = estimate(on_architecture(plan_for("dev"), "X86_64"))
    planned = estimate(x86)
    assert moved.total_usd == pytest.approx(planned.total_usd)
    assert moved.total_usd > estimate(plan_for("dev")).total_usd  # dev runs on ARM64, a fifth cheaper


def test_the_plan_shows_the_architecture_and_what_the_other_would_cost() -> None:
    prod = plan_for("prod")
    x86 = estimate(on_architecture(prod, "X86_64")).total_usd
    difference = x86 - estimate(prod).total_usd
    assert f"Fargate tasks on ARM64; on X86_64 the estimate would be ${x86:,.2f} (+${difference:,.2f})" in (
        render_text(prod)
    )


def test_mostly_spot_keeps_the_base_task_on_demand_and_splits_the_rest_one_to_three() -> None:
    strategies = [
        {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
        {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 3},
    ]
    assert costs.split_by_capacity(1, strategies) == (1, 0)
    assert costs.split_by_capacity(5, strategies) == (2, 3)
    assert costs.split_by_capacity(3, []) == (3, 0)


def test_autoscaling_minimum_sets_the_task_count() -> None:
    task = resource("aws:ecs/taskDefinition:TaskDefinition", "api", {"cpu": "1024", "memory": "2048"})
    service = resource(
        "aws:ecs/service:Service",
        "api",
        {"desiredCount": 1, "launchType": "FARGATE"},
        property_dependencies={"taskDefinition": (task.urn,)},
    )
    target = resource(
        "aws:appautoscaling/target:Target",
        "api",
        {"minCapacity": 3, "resourceId": "service/c/api"},
        property_dependencies={"resourceId": (service.urn,)},
    )
    assert priced(task, service, target).total_usd == pytest.approx(3 * 36.04, abs=0.01)


def test_a_multi_az_micro_database_with_20_gb_costs_27_96_a_month() -> None:
    # Both instances' hours and storage: 0.032 x 730 = 23.36, 2 x 20 x 0.115 = 4.60
    database = resource(
        "aws:rds/instance:Instance",
        "db",
        {"engine": "postgres", "instanceClass": "db.t4g.micro", "multiAz": True, "allocatedStorage": 20},
    )
    assert priced(database).total_usd == pytest.approx(27.96, abs=0.01)


def test_aurora_serverless_bills_acu_hours_awake_storage_and_io() -> None:
    # Two instances at 1.5 ACU for the 730 - 230 paused hours: 2 x 1.5 x 500 x 0.12 = 180.00;
    # 50 GB x 0.10 = 5.00; 30 million I/O x 0.20 = 6.00.
    cluster = resource("aws:rds/cluster:Cluster", "db", {"engine": "aurora-postgresql"})
    members = [
        resource("aws:rds/clusterInstance:ClusterInstance", f"db-{n}", {"instanceClass": "db.serverless"})
        for n in (1, 2)
    ]
    usage = costs.Usage.from_mapping(
        {
            **NO_USAGE.to_mapping(),
            "databaseAverageAcu": 1.5,
            "databasePausedHoursPerMonth": 230,
            "databaseStorageGb": 50,
            "databaseIoMillionsPerMonth": 30,
        }
    )
    cost = priced(cluster, *members, usage=usage)
    assert [r.usd for r in cost.resources] == pytest.approx([11.00, 90.00, 90.00])
    assert (
        cost.resources[1].charges[0].what
        == "Aurora Serverless v2, 1.5 ACU on average for 500 h (230 h paused)"
    )


def test_a_single_nat_gateway_of_an_awsx_vpc_costs_36_50_and_its_traffic() -> None:
    # 0.045 x 730 = 32.85, its Elastic IP 0.005 x 730 = 3.65; 10 GB x 0.045 = 0.45
    vpc = resource(
        "awsx:ec2:Vpc", "net", {"natGateways": {"strategy": "Single"}, "numberOfAvailabilityZones": 2}
    )
    usage = costs.Usage(**{**NO_USAGE.__dict__, "nat_gb_per_month": 10})
    assert priced(vpc, usage=usage).total_usd == pytest.approx(36.95, abs=0.01)
    three = resource(
        "awsx:ec2:Vpc", "net", {"natGateways": {"strategy": "OnePerAz"}, "numberOfAvailabilityZones": 3}
    )
    assert priced(three).total_usd == pytest.approx(3 * 36.50, abs=0.01)
    assert priced(resource("awsx:ec2:Vpc", "net", {"natGateways": {"strategy": "None"}})).total_usd == 0


def test_nat_gateways_the_engine_shows_are_priced_once() -> None:
    """Under the real engine the VPC's children are visible: they are priced, the VPC is not."""
    vpc = resource("awsx:ec2:Vpc", "net", {"natGateways": {"strategy": "Single"}})
    nat = resource("aws:ec2/natGateway:NatGateway", "nat", {"subnetId": "subnet-1"})
    eip = resource("aws:ec2/eip:Eip", "nat", {"domain": "vpc"})
    cost = priced(vpc, nat, eip)
    assert cost.total_usd == pytest.approx(36.50, abs=0.01)
    assert [r.status for r in cost.resources] == [costs.FREE, costs.PRICED, costs.PRICED]


def test_a_nat_instance_pays_its_hours_address_and_volume_and_nothing_per_gb() -> None:
    # t4g.nano 0.0042 x 730 = 3.07, its public IPv4 0.005 x 730 = 3.65, 8 GB gp3 x 0.08 = 0.64
    nat = resource(
        "aws:ec2/instance:Instance",
        "nat",
        {
            "instanceType": "t4g.nano",
            "associatePublicIpAddress": True,
            "sourceDestCheck": False,
            "rootBlockDevice": {"volumeType": "gp3", "volumeSize": 8},
        },
    )
    usage = costs.Usage(**{**NO_USAGE.__dict__, "nat_gb_per_month": 1000})
    cost = priced(nat, usage=usage)
    assert cost.total_usd == pytest.approx(3.066 + 3.65 + 0.64, abs=0.01)
    assert "1000 GB" in cost.resources[0].note
    unknown_size = resource("aws:ec2/instance:Instance", "x", {"instanceType": "m5.large"})
    assert priced(unknown_size).resources[0].status == costs.NOT_PRICED


def test_dev_with_a_nat_instance_instead_of_its_gateway_saves_the_gateway_and_its_traffic_fee() -> None:
    gateway = estimate(plan_for("dev"))
    instance = estimate(plan_for("dev", {"tm:network.natGateways": "instance"}))
    # gone: 36.50 of gateway and address, 20 GB x 0.045 = 0.90; added: 7.36 of instance
    assert gateway.total_usd - instance.total_usd == pytest.approx(36.50 + 0.90 - 7.36, abs=0.01)
    not_priced = [estimate.types_with_status(costs.NOT_PRICED).keys() for estimate in (instance, gateway)]
    assert not_priced[0] == not_priced[1]


@pytest.mark.parametrize("choice", ["single", "instance"])
def test_the_egress_table_in_the_docs_is_what_the_plans_say(choice: str) -> None:
    row = re.search(
        rf"^\| `{choice}`[^|]*\|[^|]*\| \$([0-9.]+) \| ([+-]?)\$([0-9.]+) \| ([0-9.]+) min \|$",
        COSTS_DOC.read_text(),
        re.MULTILINE,
    )
    assert row is not None, choice
    # single is dev's own: its plan is the committed stack's, planned once.
    plan = plan_for("dev", {} if choice == "single" else {"tm:network.natGateways": choice})
    network = dict(estimate(plan).by_component())["network (tm:aws:Network)"]
    assert float(row[1]) == pytest.approx(network, abs=0.005)
    moved = estimate(plan).total_usd - estimate(plan_for("dev")).total_usd
    assert float(f"{row[2]}{row[3]}") == pytest.approx(moved, abs=0.005)
    assert float(row[4]) == pytest.approx(create_time(plan).minutes, abs=0.05)


def test_a_nat_instance_takes_a_minute_to_forward_and_stays_off_dev_s_critical_path() -> None:
    plan = plan_for("dev", {"tm:network.natGateways": "instance"})
    (instance,) = plan.of_type("aws:ec2/instance:Instance")
    assert duration(instance)[0] == 60
    # Without NAT gateways awsx's VPC is seconds: the database still sets dev's time.
    assert create_time(plan).minutes < create_time(plan_for("dev")).minutes


def test_an_internet_facing_load_balancer_pays_for_an_address_per_zone() -> None:
    # 0.0225 x 730 = 16.43, two addresses 2 x 3.65
    balancer = resource("aws:alb/loadBalancer:LoadBalancer", "lb", {"subnets": ["a", "b"]})
    assert priced(balancer).total_usd == pytest.approx(16.43 + 7.30, abs=0.01)
    internal = resource("aws:lb/loadBalancer:LoadBalancer", "lb", {"subnets": ["a", "b"], "internal": True})
    assert priced(internal).total_usd == pytest.approx(16.43, abs=0.01)


def test_interface_endpoints_cost_per_zone_and_gateway_endpoints_nothing() -> None:
    interface = resource(
        "aws:ec2/vpcEndpoint:VpcEndpoint", "logs", {"vpcEndpointType": "Interface", "subnetIds": ["a", "b"]}
    )
    gateway = resource("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", {"vpcEndpointType": "Gateway"})
    assert priced(interface).total_usd == pytest.approx(2 * 7.30, abs=0.01)
    assert priced(gateway).resources[0].status == costs.FREE


def telemetry_service(pipeline: dict[str, Any], sampler_arg: str, load_balanced: bool) -> costs.StackCost:
    api = {
        "name": "api",
        "environment": [
            {"name": "OTEL_TRACES_EXPORTER", "value": "otlp"},
            {"name": "OTEL_TRACES_SAMPLER_ARG", "value": sampler_arg},
        ],
    }
    collector = {
        "name": "otel-collector",
        "environment": [{"name": "AOT_CONFIG_CONTENT", "value": json.dumps(pipeline)}],
    }
    task = resource(
        "aws:ecs/taskDefinition:TaskDefinition",
        "api",
        {"cpu": "256", "memory": "512", "containerDefinitions": json.dumps([api, collector])},
    )
    service = resource(
        "aws:ecs/service:Service",
        "api",
        {"desiredCount": 0, **({"loadBalancers": [{"containerName": "api"}]} if load_balanced else {})},
        property_dependencies={"taskDefinition": (task.urn,)},
    )
    usage = costs.Usage.from_mapping({**NO_USAGE.to_mapping(), "apiRequestsPerMonth": 4_000_000})
    return priced(task, service, usage=usage)


def test_a_collector_pays_for_its_traces_and_each_metric_it_writes() -> None:
    pipeline = {
        "exporters": {
            "awsxray": {},
            "awsemf": {
                "metric_declarations": [
                    {"dimensions": [["a"], ["a", "b"]], "metric_name_selectors": ["x", "y"]}
                ]
            },
        },
        "service": {
            "pipelines": {"traces": {"exporters": ["awsxray"]}, "metrics": {"exporters": ["awsemf"]}}
        },
    }
    # 4 million requests, one in ten traced: 400,000 traces at $5 a million = $2; 2 metrics x 2
    # dimension sets = 4 custom metrics at $0.30 = $1.20.
    assert telemetry_service(pipeline, "0.1", load_balanced=True).total_usd == pytest.approx(2 + 1.2)
    # A service no load balancer sends requests to records no request traces.
    assert telemetry_service(pipeline, "0.1", load_balanced=False).total_usd == pytest.approx(1.2)


def test_the_plan_prices_the_open_telemetry_mode() -> None:
    prices = costs.Prices.load()
    bare, otel = (
        estimate(plan_for("prod", {"tm:observability.apm": apm})) for apm in ("none", "openTelemetry")
    )
    requests = PROFILES["prod"]["usage"]["apiRequestsPerMonth"]
    expected = (
        requests * 0.1 / 1e6 * prices["xray.millionTracesRecorded"]
        + 3 * prices["cloudwatch.customMetricMonth"]
    )
    assert otel.total_usd - bare.total_usd == pytest.approx(expected)


def test_an_unpriced_type_is_reported_never_silently_zero() -> None:
    cost = priced(
        resource("aws:sagemaker/endpoint:Endpoint", "model", {}),
        resource("aws:iam/role:Role", "role", {}),
        resource("tm:aws:Backend", "backend", {}, custom=False),
        resource("aws:backup/plan:Plan", "backups", {}),
    )
    statuses = {r.type: r.status for r in cost.resources}
    assert statuses == {
        "aws:sagemaker/endpoint:Endpoint": costs.NOT_PRICED,
        "aws:iam/role:Role": costs.FREE,
        "tm:aws:Backend": costs.NOT_BILLABLE,
        "aws:backup/plan:Plan": costs.NOT_PRICED,
    }
    assert (
        "no price for this type"
        in cost.types_with_status(costs.NOT_PRICED)["aws:sagemaker/endpoint:Endpoint"]
    )


def test_every_price_names_its_source_and_date() -> None:
    prices = costs.Prices.load()
    for key, price in [*prices.units.items(), *prices.rds_postgres_hour.items()]:
        assert price.usd > 0, key
        assert price.source, key
        assert price.as_of, key


# -- account-level services: the bootstrap's security baseline, priced by hand -----------------------

ACCOUNT = costs.AccountUsage.from_mapping(
    {
        "managementEventsPerMonth": 1_000_000,
        "managementEventKb": 2,
        "flowAndDnsLogGbPerMonth": 3,
        "s3DataEventsPerMonth": 500_000,
        "runtimeMonitoredVcpus": 2,
        "databaseVcpus": 2,
        "securityHubChecksPerMonth": 20_000,
        "findingEventsPerMonth": 12_000,
        "configurationItemsPerMonth": 1_000,
    }
)
FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"


@pytest.mark.parametrize(
    ("kind", "what"),
    [(costs.Usage, "usage"), (costs.AccountUsage, "account usage")],
    ids=["stack", "account"],
)
def test_a_usage_with_a_key_missing_or_unknown_is_refused(kind: Any, what: str) -> None:
    values = dict.fromkeys(kind.KEYS, 1)
    first = next(iter(kind.KEYS))
    del values[first]
    values["typo"] = 1
    expected = f"{what}: missing ['{first}'], unknown ['typo']; keys are {', '.join(kind.KEYS)}"
    with pytest.raises(ValueError, match=re.escape(expected)) as error:
        kind.from_mapping(values)
    assert str(error.value) == expected
    assert kind.from_mapping(dict.fromkeys(kind.KEYS, "2")).to_mapping() == dict.fromkeys(kind.KEYS, 2.0)


def account_priced(*resources: costs.Resource, account: costs.AccountUsage = ACCOUNT) -> costs.StackCost:
    return costs.estimate(list(resources), NO_USAGE, account=account)


def feature(name: str, status: str = "ENABLED", **agents: str) -> costs.Resource:
    configurations = [{"name": agent, "status": state} for agent, state in agents.items()]
    return resource(
        FEATURE, name.lower(), {"name": name, "status": status, "additionalConfigurations": configurations}
    )


def test_guardduty_prices_the_events_and_logs_it_analyses_and_each_protection() -> None:
    detector = resource("aws:guardduty/detector:Detector", "detector", {"enable": True})
    runtime = feature(
        "RUNTIME_MONITORING", ECS_FARGATE_AGENT_MANAGEMENT="ENABLED", EC2_AGENT_MANAGEMENT="DISABLED"
    )
    cost = account_priced(
        detector,
        runtime,
        feature("S3_DATA_EVENTS"),
        feature("RDS_LOGIN_EVENTS"),
        feature("EKS_AUDIT_LOGS", "DISABLED"),
    )
    by_name = {r.name: r.usd for r in cost.resources}
    # 1 million events x $4 a million + 3 GB x $1; 2 vCPUs x $1.50; 0.5 million x $0.80; 2 x $1.00
    assert by_name == pytest.approx(
        {
            "detector": 4 + 3,
            "runtime_monitoring": 3,
            "s3_data_events": 0.4,
            "rds_login_events": 2,
            "eks_audit_logs": 0,
        }
    )
    assert {r.name: r.status for r in cost.resources}["eks_audit_logs"] == costs.FREE
    suspended = resource("aws:guardduty/detector:Detector", "detector", {"enable": False})
    assert account_priced(suspended).total_usd == 0
    ec2 = feature("RUNTIME_MONITORING", EC2_AGENT_MANAGEMENT="ENABLED")
    assert account_priced(ec2).resources[0].status == costs.NOT_PRICED


def test_security_hub_prices_checks_and_findings_beyond_the_free_ten_thousand() -> None:
    hub = resource("aws:securityhub/account:Account", "hub", {})
    standard = resource("aws:securityhub/standardsSubscription:StandardsSubscription", "fsbp", {})
    cost = account_priced(hub, standard)
    # 20,000 checks x $0.001; (12,000 - 10,000) finding events x $0.00003
    assert {r.name: r.usd for r in cost.resources} == pytest.approx({"hub": 0.06, "fsbp": 20})
    few = costs.AccountUsage(**{**ACCOUNT.__dict__, "finding_events_per_month": 8_000})
    assert account_priced(hub, account=few).resources[0].status == costs.FREE


def test_config_prices_each_configuration_item_recorded() -> None:
    recorder = resource(
        "aws:cfg/recorder:Recorder", "config", {"recordingMode": {"recordingFrequency": "CONTINUOUS"}}
    )
    assert account_priced(recorder).total_usd == pytest.approx(1_000 * 0.003)
    daily = resource(
        "aws:cfg/recorder:Recorder", "config", {"recordingMode": {"recordingFrequency": "DAILY"}}
    )
    assert account_priced(daily).resources[0].status == costs.NOT_PRICED
    channel = resource("aws:cfg/deliveryChannel:DeliveryChannel", "config", {})
    assert account_priced(channel).resources[0].status == costs.FREE


def test_an_external_access_analyzer_is_free_and_an_unused_access_one_is_not_priced() -> None:
    external = resource("aws:accessanalyzer/analyzer:Analyzer", "a", {"type": "ACCOUNT"})
    unused = resource("aws:accessanalyzer/analyzer:Analyzer", "a", {"type": "ACCOUNT_UNUSED_ACCESS"})
    assert account_priced(external).resources[0].status == costs.FREE
    assert account_priced(unused).resources[0].status == costs.NOT_PRICED


def test_a_trail_pays_for_its_files_and_its_log_group_for_the_trail_s_volume() -> None:
    bucket = resource("aws:s3/bucket:Bucket", "logs", {"bucket": "logs"})
    lifecycle = resource(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "logs",
        {"bucket": "logs", "rules": [{"status": "Enabled", "expiration": {"days": 90}}]},
    )
    group = resource("aws:cloudwatch/logGroup:LogGroup", "trail", {"name": "/trail", "retentionInDays": 30})
    trail = resource(
        "aws:cloudtrail/trail:Trail",
        "trail",
        {"s3BucketName": "logs", "cloudWatchLogsGroupArn": "arn:aws:logs:us-east-1:1:log-group:/trail:*"},
    )
    other = resource("aws:cloudwatch/logGroup:LogGroup", "app", {"name": "/app", "retentionInDays": 30})
    usage = costs.Usage.from_mapping({**NO_USAGE.to_mapping(), "logGbPerDay": 1})
    cost = costs.estimate([bucket, lifecycle, group, trail, other], usage, account=ACCOUNT)
    by_name = {(r.type, r.name): r for r in cost.resources}
    days = 730 / 24
    # 1 million events of 2 KB = 2 GB a month; 90 days of it in S3 at $0.023; the first copy is free.
    assert by_name[(trail.type, "trail")].usd == pytest.approx(2 / days * 90 * 0.023)
    # The trail's group: 2 GB ingested at $0.50 and 30 days of it kept at $0.03.
    assert by_name[(group.type, "trail")].usd == pytest.approx(2 * 0.5 + 2 / days * 30 * 0.03)
    # The stack's own log volume is the other group's alone.
    assert by_name[(other.type, "app")].usd == pytest.approx(days * 0.5 + 30 * 0.03)
    # A second trail of the same events pays for its copy: 10 x 100,000 events at $2.
    second = resource("aws:cloudtrail/trail:Trail", "copy", {"s3BucketName": "logs"})
    copied = costs.estimate([bucket, lifecycle, trail, second], NO_USAGE, account=ACCOUNT)
    assert {r.name: r.usd for r in copied.resources}["copy"] == pytest.approx(20 + 2 / days * 90 * 0.023)


def test_account_services_are_not_priced_without_the_account_s_usage() -> None:
    detector = resource("aws:guardduty/detector:Detector", "detector", {"enable": True})
    (result,) = priced(detector).resources
    assert result.status == costs.NOT_PRICED
    assert "bootstrap:usage" in result.note


def test_the_bootstrap_s_estimate_by_part_with_its_default_usage() -> None:
    cost = estimate_bootstrap(bootstrap_run().plan)
    parts = {component.split(" (")[0]: usd for component, usd in cost.by_component()}
    days = 730 / 24
    trail_gb = 500_000 * 1.5 / 1e6
    assert parts == pytest.approx(
        {
            # 0.5 million events x $4/M, 10 GB x $1, 4 vCPUs x $1.50, 0.2 million S3 events x $0.80/M, 4 x $1
            "guardduty": 2 + 10 + 6 + 0.16 + 4,
            "security-hub": 15_000 * 0.001,  # its 1,000 finding events are within the free 10,000
            "config": 3_000 * 0.003,
            # the trail's files for a year in S3, its log group (ingested, 90 days kept), two alarms
            "audit-trail": trail_gb / days * 365 * 0.023 + trail_gb * 0.5 + trail_gb / days * 90 * 0.03 + 0.2,
            "security-key": 1,
            "state": 5,  # the state key and one secrets key per environment (prod, staging, dev, review)
            "access-analyzer": 0,
            "findings": 0,
            "security-logs": 0,
            "github": 0,
        }
    )
    assert cost.with_status(costs.NOT_PRICED) == []


# -- create time -----------------------------------------------------------------------------------


def test_the_critical_path_of_a_small_graph() -> None:
    #   vpc(140) -> database(300) -> service(150);  vpc -> balancer(150) -> service;  key(5) alone
    seconds = {"vpc": 140.0, "database": 300.0, "balancer": 150.0, "service": 150.0, "key": 5.0}
    dependencies = {"database": ["vpc"], "balancer": ["vpc"], "service": ["database", "balancer", "gone"]}
    assert critical_path(seconds, dependencies) == (590.0, ["vpc", "database", "service"])
    with pytest.raises(ValueError, match="cycle"):
        critical_path({"a": 1.0, "b": 1.0}, {"a": ["b"], "b": ["a"]})


def _registration(
    kind: str, name: str, parent: str = "", deps: tuple[str, ...] = (), **inputs: Any
) -> Registration:
    urn = f"urn:pulumi:s::p::{kind}::{name}"
    return Registration(urn, kind, name, not kind.startswith("tm:"), parent, dict(inputs), list(deps), "")


def test_depending_on_a_component_waits_for_its_children() -> None:
    group = _registration("tm:aws:Database", "database")
    instance = _registration("aws:rds/instance:Instance", "db", parent=group.urn, multiAz=True)
    service = _registration("aws:ecs/service:Service", "api", deps=(group.urn,))
    created = create_time(Plan("s", "prod", [group, instance, service], {}))
    assert created.seconds == 1050 + 150  # Multi-AZ RDS ~17.5 min, then the service ~2.5 min
    assert [step.name for step in created.critical_path] == ["db", "api"]


# -- what the plan shows ---------------------------------------------------------------------------


def test_the_plan_json_gains_cost_and_create_time_and_keeps_its_keys() -> None:
    document = to_json(plan_for("dev"))
    assert list(document)[:6] == ["stack", "environment", "resources", "outputs", "alarms", "cost"]
    assert document["createTime"]["minutes"] > 0
    cost = document["cost"]
    assert cost["monthlyUsd"] == pytest.approx(sum(c["monthlyUsd"] for c in cost["components"]), abs=0.05)
    assert "aws:backup/plan:Plan" in cost["notPriced"]
    assert "aws:iam/role:Role" in cost["free"]
    json.dumps(document)


def test_the_plan_text_shows_cost_by_component_and_the_critical_path() -> None:
    text = render_text(plan_for("prod"))
    assert "Estimated monthly cost: $" in text
    assert "    database (tm:aws:Database)" in text
    assert "Not priced: aws:backup/plan:Plan" in text
    assert "Create time of a fresh `pulumi up`: " in text
    assert "aws:rds/instance:Instance database  (reference 5.1: RDS Multi-AZ 15-20 min)" in text


def test_a_usage_override_changes_the_estimate() -> None:
    base = estimate(plan_for("dev")).total_usd
    more_logs = estimate(plan_for("dev", {"tm:usage.logGbPerDay": 1.5})).total_usd
    # one GB a day more: 30.4 GB ingested at $0.50, and 30 days of it stored at $0.03
    assert more_logs - base == pytest.approx(730 / 24 * 0.5 + 30 * 0.03, abs=0.01)


# -- the targets, as numbers -----------------------------------------------------------------


def test_a_review_app_costs_at_most_10_usd_a_month_and_creates_within_5_minutes() -> None:
    review = plan_for("review-pr-123")
    assert estimate(review).total_usd <= 10
    assert create_time(review).minutes <= 5


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_dev_costs_at_most_150_usd_and_the_others_stay_within_their_budgets(stack: str) -> None:
    assert estimate(plan_for("dev")).total_usd <= 150
    budget = load_config("operations", stack)["stack-monthly-budget"]["monthlyBudgetUsd"]
    assert estimate(plan_for(stack)).total_usd <= budget


# -- budgets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ["prod", "staging", "dev", "review"])
def test_the_policy_prices_with_the_environments_usage_settings(environment: str) -> None:
    """A pack sees resources, not settings: its config restates the profiles' usage."""
    config = load_config("operations", environment)["stack-monthly-budget"]
    assert config["usage"] == PROFILES[environment]["usage"]
    if environment != "review":
        assert config["monthlyBudgetUsd"] == PROFILES[environment]["monthlyBudget"]["usd"]


# -- docs/costs.md ---------------------------------------------------------------------------------


def test_hot_setups_are_priced_with_the_same_table() -> None:
    prices, usage = costs.Prices.load(), estimate(plan_for("prod")).usage
    cloudformation, terragrunt = hot_setups(prices, usage)
    lines = {line.item: line.usd for setup in (cloudformation, terragrunt) for line in setup.lines}
    assert lines["3 x c6a.large (the group's minimum)"] == pytest.approx(3 * 0.0765 * 730)
    assert lines["db.t4g.2xlarge PostgreSQL, single-AZ"] == pytest.approx(0.516 * 730)
    assert lines["Aurora Serverless v2 at its 4 ACU floor"] == pytest.approx(4 * 0.12 * 730)
    assert lines["2 API tasks of 2 vCPU / 4 GB (the minimum)"] == pytest.approx(2 * 72.08, abs=0.01)


def test_the_cost_tables_in_the_docs_are_current() -> None:
    text = COSTS_DOC.read_text()
    generated = text.split(BEGIN, 1)[1].split(END, 1)[0]
    plans = {stack: plan_for(stack) for stack in (*STACKS, *KUBERNETES_STACKS)}
    assert generated == "\n" + cost_tables(plans, bootstrap_run().plan), (
        "docs/costs.md is stale: run `make docs`"
    )


def test_builds_are_charged_to_the_branches_amplify_builds_and_slot_traffic_to_no_stack() -> None:
    """Dev's app builds its develop branch; the review slots' app has no repository and receives
    manual deployments: its branches build nothing, and what it serves is the review apps'."""
    usage = costs.Usage.from_mapping(
        {k: getattr(NO_USAGE, v) for k, v in costs.Usage.KEYS.items()}
        | {"amplifyBuildsPerMonth": 60, "frontendGbServedPerMonth": 10}
    )
    prices = costs.Prices.load()
    app = resource(
        "aws:amplify/app:App", "frontend", {"repository": "https://github.com/hotosm/tasking-manager"}
    )
    develop = resource("aws:amplify/branch:Branch", "develop", {"appId": "d1", "enableAutoBuild": True})
    slots = resource("aws:amplify/app:App", "review-frontend", {})
    slot_branches = [
        resource("aws:amplify/branch:Branch", f"slot-{k}", {"appId": "d2", "enableAutoBuild": False})
        for k in (1, 2, 3, 4)
    ]
    estimate = priced(app, develop, slots, *slot_branches, usage=usage)
    by_name = {r.name: r for r in estimate.resources}
    # 60 builds of 10 minutes, all develop's; 10 GB served by dev's own app only.
    assert by_name["develop"].usd == pytest.approx(60 * 10 * prices["amplify.buildMinute"])
    assert by_name["frontend"].usd == pytest.approx(10 * prices["amplify.servedGb"])
    for name in ("review-frontend", "slot-1", "slot-2", "slot-3", "slot-4"):
        assert by_name[name].usd == 0, name


# -- Kubernetes: the pods' share of the node ------------------------------------------------------------


def _pods(token: str, spec: dict[str, Any]) -> costs.StackCost:
    usage = costs.Usage.from_mapping(PROFILES["dev"]["usage"])
    return costs.estimate([costs.Resource("urn:w", token, "w", {"spec": spec})], usage)


def test_a_deployment_pays_its_replicas_share_of_the_node_half_for_cpu_half_for_memory() -> None:
    node = json.loads(costs.PRICES_FILE.read_text())["unitPrices"]["kubernetesNode.month"]["usd"]
    container = {"name": "c", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}
    # The init container asks for more memory than the server: the pod reserves the larger.
    init = {"name": "i", "resources": {"requests": {"cpu": "100m", "memory": "2048Mi"}}}
    template = {"spec": {"containers": [container], "initContainers": [init]}}
    cost = _pods("kubernetes:apps/v1:Deployment", {"replicas": 3, "template": template})
    assert cost.total_usd == pytest.approx(3 * (0.5 / 4 + 2 / 8) * node / 2)
    assert cost.resources[0].charges[0].what == "3 Deployment pod(s) requesting 0.5 vCPU and 2 GiB each"


def test_init_containers_run_one_at_a_time_so_the_pod_reserves_the_largest_of_them() -> None:
    """Kubernetes' effective init request is the highest request of any init container, resource
    by resource (kubernetes.io/docs/concepts/workloads/pods/init-containers/, "Resource sharing
    within containers"), not their sum: they run one after another."""
    node = costs.Prices.load()["kubernetesNode.month"]
    container = {"name": "c", "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}}}
    inits = [
        {"name": "a", "resources": {"requests": {"cpu": "1", "memory": "512Mi"}}},
        {"name": "b", "resources": {"requests": {"cpu": "250m", "memory": "1Gi"}}},
    ]
    template = {"spec": {"containers": [container], "initContainers": inits}}
    cost = _pods("kubernetes:apps/v1:Deployment", {"replicas": 1, "template": template})
    assert cost.total_usd == pytest.approx((1 / 4 + 1 / 8) * node / 2)


def test_a_cloudnativepg_cluster_pays_per_instance_and_its_backups_are_not_priced() -> None:
    node = costs.Prices.load()["kubernetesNode.month"]
    spec = {"instances": 2, "resources": {"requests": {"cpu": "1", "memory": "4Gi"}}}
    assert _pods("kubernetes:postgresql.cnpg.io/v1:Cluster", spec).total_usd == pytest.approx(
        2 * (1 / 4 + 4 / 8) * node / 2
    )
    backup = _pods("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", {})
    assert [r.status for r in backup.resources] == [costs.NOT_PRICED]


def test_the_kubernetes_example_pays_for_what_its_pods_request_and_nothing_else() -> None:
    plan = plan_for(KUBERNETES_STACKS[0])
    cost = estimate(plan)
    node = costs.Prices.load()["kubernetesNode.month"]
    cpu = memory = 0.0
    for r in plan.resources:
        spec = r.inputs.get("spec") or {}
        if r.type == "kubernetes:apps/v1:Deployment":
            pods, pod = spec["replicas"], spec["template"]["spec"]
            requests = [c["resources"]["requests"] for c in pod["containers"]]
        elif r.type == "kubernetes:postgresql.cnpg.io/v1:Cluster":
            pods, requests = spec["instances"], [spec["resources"]["requests"]]
        elif r.type == "kubernetes:postgresql.cnpg.io/v1:Pooler":
            pods, pod = spec["instances"], spec["template"]["spec"]
            requests = [c["resources"]["requests"] for c in pod["containers"]]
        else:
            continue
        cpu += pods * sum(costs.cpu_quantity(q["cpu"]) for q in requests)
        memory += pods * sum(costs.memory_gib(q["memory"]) for q in requests)
    assert cpu > 0
    assert cost.total_usd == pytest.approx((cpu / 4 + memory / 8) * node / 2)
    assert {r.status for r in cost.resources if r.type.startswith("kubernetes:")} <= {
        costs.PRICED,
        costs.FREE,
        costs.NEGLIGIBLE,
        costs.NOT_PRICED,
    }
    assert [r.type for r in cost.with_status(costs.NOT_PRICED)] == [
        "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup"
    ]
