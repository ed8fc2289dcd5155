"""The back end under mocks: load balancer, security-group graph, tasks, services, IAM, registry."""

from __future__ import annotations

import json
import logging
from typing import Any

import botocore.session
import parliament
import pytest
from botocore.validate import ParamValidator

from components.app_contract import CONTRACT
from components.app_spec import LOG_LEVELS
from components.backend_tasks import guardduty_agent_repository_arn
from components.settings import APP_SECRET_NAMES, SettingsError, secret_like
from components.waf import mapathon_rate_limit
from offline.engine import PROJECT_DIR, Plan
from offline.iam_evaluator import allowed
from offline.mocks import OFFLINE_ACCOUNT_ID, Registration, hosted_zone_id
from offline.report import is_secret
from tests.conftest import plan_for
from tests.test_settings import settings_of

ECS_MODEL = botocore.session.get_session().get_service_model("ecs")


def backend_of(plan: Plan) -> Plan:
    return plan.component("tm:aws:Backend")


def balancer_of(plan: Plan) -> Plan:
    return plan.component("tm:aws:LoadBalancer")


def group_id(plan: Plan, component: str, name: str) -> str:
    group = next(
        r for r in plan.component(component).of_type("aws:ec2/securityGroup:SecurityGroup") if r.name == name
    )
    return str(group.outputs["id"])


def rules_on(plan: Plan, security_group_id: str, kind: str) -> list[dict[str, Any]]:
    token = f"aws:vpc/securityGroup{kind}Rule:SecurityGroup{kind}Rule"
    return [r.inputs for r in plan.of_type(token) if r.inputs["securityGroupId"] == security_group_id]


def containers(plan: Plan, role: str) -> list[dict[str, Any]]:
    definition = next(
        r
        for r in backend_of(plan).of_type("aws:ecs/taskDefinition:TaskDefinition")
        if r.name == f"backend-{role}"
    )
    return list(json.loads(definition.inputs["containerDefinitions"]))


def app_container_of(plan: Plan, role: str) -> dict[str, Any]:
    """The application's own container in a role's task."""
    return next(c for c in containers(plan, role) if c["name"] == role)


def task_definition(plan: Plan, role: str) -> Registration:
    return next(
        r
        for r in backend_of(plan).of_type("aws:ecs/taskDefinition:TaskDefinition")
        if r.name == f"backend-{role}"
    )


# -- the security-group graph ----------------------------------------------------------------------


def test_internet_reaches_only_the_load_balancer_on_80_and_443(base_plan: Plan) -> None:
    alb = group_id(base_plan, "tm:aws:LoadBalancer", "load-balancer")
    world = [
        rule
        for rule in base_plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if rule.inputs.get("cidrIpv4") == "0.0.0.0/0" or rule.inputs.get("cidrIpv6") == "::/0"
    ]
    assert sorted(
        (
            r.inputs["securityGroupId"],
            r.inputs["fromPort"],
            r.inputs["toPort"],
            r.inputs.get("cidrIpv4", "v6"),
        )
        for r in world
    ) == sorted((alb, port, port, family) for port in (80, 443) for family in ("0.0.0.0/0", "v6"))


def test_load_balancer_talks_only_to_the_api_on_5000(base_plan: Plan) -> None:
    alb = group_id(base_plan, "tm:aws:LoadBalancer", "load-balancer")
    api = group_id(base_plan, "tm:aws:TaskSecurityGroups", "tasks-api")
    assert [
        (r["referencedSecurityGroupId"], r["fromPort"], r["toPort"])
        for r in rules_on(base_plan, alb, "Egress")
    ] == [(api, 5000, 5000)]
    assert [
        (r.get("referencedSecurityGroupId"), r["fromPort"]) for r in rules_on(base_plan, api, "Ingress")
    ] == [(alb, 5000)]
    for role in ("cron", "migrate"):
        assert (
            rules_on(base_plan, group_id(base_plan, "tm:aws:TaskSecurityGroups", f"tasks-{role}"), "Ingress")
            == []
        )


def test_tasks_reach_the_database_on_5432_and_the_internet_only_on_https_and_smtp(base_plan: Plan) -> None:
    database = base_plan.outputs["databaseSecurityGroupId"]
    for role in ("api", "cron", "migrate"):
        egress = rules_on(
            base_plan, group_id(base_plan, "tm:aws:TaskSecurityGroups", f"tasks-{role}"), "Egress"
        )
        to_database = [r for r in egress if r.get("referencedSecurityGroupId") == database]
        assert [(r["fromPort"], r["toPort"]) for r in to_database] == [(5432, 5432)]
        to_world = sorted(r["fromPort"] for r in egress if r.get("cidrIpv4") == "0.0.0.0/0")
        assert to_world == ([443] if role == "migrate" else [443, 587])
    sources = sorted(r["referencedSecurityGroupId"] for r in rules_on(base_plan, database, "Ingress"))
    assert sources == sorted(
        group_id(base_plan, "tm:aws:TaskSecurityGroups", f"tasks-{role}")
        for role in ("api", "cron", "migrate")
    )


# -- load balancer -------------------------------------------------------------------------------


def test_http_listener_only_redirects_to_https(base_plan: Plan) -> None:
    listener = next(
        r for r in balancer_of(base_plan).of_type("aws:lb/listener:Listener") if r.inputs["port"] == 80
    )
    assert listener.inputs["protocol"] == "HTTP"
    assert listener.inputs["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]


def test_https_listener_uses_tls13_an_acm_certificate_and_a_404_default(base_plan: Plan) -> None:
    balancer = balancer_of(base_plan)
    listener = next(r for r in balancer.of_type("aws:lb/listener:Listener") if r.inputs["port"] == 443)
    assert listener.inputs["protocol"] == "HTTPS"
    assert listener.inputs["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    certificate = balancer.one("aws:acm/certificate:Certificate")
    assert listener.inputs["certificateArn"] == certificate.outputs["arn"]
    assert certificate.inputs["domainName"] == base_plan.outputs["apiUrl"].removeprefix("https://")
    assert certificate.inputs["validationMethod"] == "DNS"
    (action,) = listener.inputs["defaultActions"]
    assert (action["type"], action["fixedResponse"]["statusCode"]) == ("fixed-response", "404")
    rule = balancer.one("aws:lb/listenerRule:ListenerRule")
    assert rule.inputs["listenerArn"] == listener.outputs["arn"]
    assert rule.inputs["conditions"] == [{"hostHeader": {"values": [base_plan.outputs["apiUrl"][8:]]}}]
    target_group = balancer.one("aws:lb/targetGroup:TargetGroup")
    assert rule.inputs["actions"] == [{"type": "forward", "targetGroupArn": target_group.outputs["arn"]}]


def test_an_existing_certificate_can_be_used_instead() -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
    plan = plan_for("dev", {"tm:dns.certificateArn": arn, "tm:dns.zoneName": None, "tm:review": None})
    balancer = balancer_of(plan)
    assert balancer.of_type("aws:acm/certificate:Certificate") == []
    assert balancer.of_type("aws:route53/record:Record") == []
    https = next(r for r in balancer.of_type("aws:lb/listener:Listener") if r.inputs["port"] == 443)
    assert https.inputs["certificateArn"] == arn


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("prod", True)])
def test_load_balancer_is_hardened(stack: str, protected: bool) -> None:
    plan = plan_for(stack)
    balancer = balancer_of(plan)
    alb = balancer.one("aws:lb/loadBalancer:LoadBalancer").inputs
    assert alb["loadBalancerType"] == "application"
    assert alb["internal"] is False
    assert alb["subnets"] == plan.outputs["publicSubnetIds"]
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["desyncMitigationMode"] == "defensive"
    assert alb["enableDeletionProtection"] is protected
    bucket = balancer.one("aws:s3/bucket:Bucket")
    assert alb["accessLogs"] == {"bucket": bucket.outputs["bucket"], "enabled": True}


def test_target_group_checks_the_heartbeat_and_drains_fast(base_plan: Plan) -> None:
    target_group = balancer_of(base_plan).one("aws:lb/targetGroup:TargetGroup").inputs
    assert (target_group["targetType"], target_group["port"], target_group["protocol"]) == (
        "ip",
        5000,
        "HTTP",
    )
    assert target_group["deregistrationDelay"] == 30
    assert target_group["healthCheck"]["path"] == "/api/v2/system/heartbeat/"
    assert target_group["healthCheck"]["matcher"] == "200"


def test_access_log_bucket_is_private_encrypted_tls_only_and_expiring(base_plan: Plan) -> None:
    balancer = balancer_of(base_plan)
    bucket = balancer.one("aws:s3/bucket:Bucket").outputs["bucket"]
    block = balancer.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert block["bucket"] == bucket
    assert all(
        block[k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    ownership = balancer.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    encryption = balancer.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).inputs
    assert encryption["rules"][0]["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    lifecycle = balancer.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs
    (rule,) = lifecycle["rules"]
    assert rule["status"] == "Enabled"
    assert rule["expiration"]["days"] == (90 if base_plan.stack == "prod" else 30)
    policy = json.loads(balancer.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["LoadBalancerWritesAccessLogs"]["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    assert (
        by_sid["LoadBalancerWritesAccessLogs"]["Resource"] == f"arn:aws:s3:::{bucket}/AWSLogs/123456789012/*"
    )
    assert by_sid["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_prod_has_a_web_acl_with_managed_rules_rate_limit_and_logging() -> None:
    balancer = balancer_of(plan_for("prod"))
    web_acl = balancer.one("aws:wafv2/webAcl:WebAcl")
    assert web_acl.inputs["scope"] == "REGIONAL"
    names = [rule["name"] for rule in web_acl.inputs["rules"]]
    assert names == [
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
        "oversized-body-outside-large-uploads",
        "rate-limit-per-ip",
    ]
    rate = web_acl.inputs["rules"][-1]["statement"]["rateBasedStatement"]
    assert (rate["limit"], rate["aggregateKeyType"]) == (mapathon_rate_limit(), "IP")
    association = balancer.one("aws:wafv2/webAclAssociation:WebAclAssociation")
    assert (
        association.inputs["resourceArn"] == balancer.one("aws:lb/loadBalancer:LoadBalancer").outputs["arn"]
    )
    assert association.inputs["webAclArn"] == web_acl.outputs["arn"]
    logging = balancer.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    group = next(g for g in balancer.of_type("aws:cloudwatch/logGroup:LogGroup"))
    assert group.inputs["name"].startswith("aws-waf-logs-")
    assert logging.inputs["logDestinationConfigs"] == [group.outputs["arn"]]


def test_every_dns_record_is_in_the_stacks_public_zone(base_plan: Plan) -> None:
    """The API's record and its certificate's validation (and on dev the review apps' wildcard and
    its validation) go in tm:dns.zoneName's public zone: looked up by that name, not a host's, and
    not a private zone of the same name, which the internet never asks."""
    records = base_plan.of_type("aws:route53/record:Record")
    assert len(records) == (4 if base_plan.stack == "dev" else 2)
    for record in records:
        assert record.inputs["zoneId"] == hosted_zone_id("hotosm.org", private=False), record.name


def test_dev_has_no_web_acl_unless_asked() -> None:
    assert balancer_of(plan_for("dev")).of_type("aws:wafv2/webAcl:WebAcl") == []
    assert (
        len(balancer_of(plan_for("dev", {"tm:loadBalancer.waf": True})).of_type("aws:wafv2/webAcl:WebAcl"))
        == 1
    )


def test_api_host_points_at_the_load_balancer(base_plan: Plan) -> None:
    balancer = balancer_of(base_plan)
    record = next(r for r in balancer.of_type("aws:route53/record:Record") if r.inputs["type"] == "A")
    alb = balancer.one("aws:lb/loadBalancer:LoadBalancer").outputs
    assert record.inputs["name"] == base_plan.outputs["apiUrl"][8:]
    assert record.inputs["aliases"] == [
        {"name": alb["dnsName"], "zoneId": alb["zoneId"], "evaluateTargetHealth": True}
    ]


# -- tasks -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["api", "cron", "migrate"])
def test_task_definitions_validate_against_the_ecs_api_model(base_plan: Plan, role: str) -> None:
    definition = task_definition(base_plan, role).inputs
    request = {
        "family": definition["family"],
        "containerDefinitions": json.loads(definition["containerDefinitions"]),
        "cpu": definition["cpu"],
        "memory": definition["memory"],
        "networkMode": definition["networkMode"],
        "requiresCompatibilities": definition["requiresCompatibilities"],
        "executionRoleArn": definition["executionRoleArn"],
        "taskRoleArn": definition["taskRoleArn"],
        "volumes": definition["volumes"],
        "runtimePlatform": definition["runtimePlatform"],
    }
    shape = ECS_MODEL.operation_model("RegisterTaskDefinition").input_shape
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()


def test_every_fargate_task_runs_on_the_stacks_cpu_architecture(base_plan: Plan) -> None:
    """ARM64 in both profiles; X86_64 is held by tests/test_costs.py's plan of dev on it."""
    stack, architecture = base_plan.stack, settings_of(base_plan.stack).ecs.cpu_architecture
    assert architecture == "ARM64"
    tasks = base_plan.of_type("aws:ecs/taskDefinition:TaskDefinition")
    names = {"backend-api", "backend-cron", "backend-migrate"} | (
        {"review-database-admin"} if stack == "dev" else set()
    )
    assert {t.name for t in tasks} == names
    for task in tasks:
        assert task.inputs["runtimePlatform"] == {
            "operatingSystemFamily": "LINUX",
            "cpuArchitecture": architecture,
        }


def test_spot_runs_either_architecture_on_the_services_platform_version(base_plan: Plan) -> None:
    """ECS's API reference: FARGATE_SPOT runs ARM64 tasks on platform version 1.4.0 or later, which
    is what LATEST is for Linux; so every capacity setting goes with either architecture."""
    documentation = ECS_MODEL.shape_for("CapacityProviderStrategyItem").documentation
    assert (
        "<code>FARGATE_SPOT</code> supports Linux tasks with the ARM64 architecture on platform version "
        "1.4.0 or later." in documentation
    )
    for service in base_plan.of_type("aws:ecs/service:Service"):
        assert service.inputs["platformVersion"] == "LATEST"


@pytest.mark.parametrize("role", ["api", "cron", "migrate"])
def test_containers_are_hardened(base_plan: Plan, role: str) -> None:
    definition = task_definition(base_plan, role).inputs
    assert definition["networkMode"] == "awsvpc"
    assert definition["executionRoleArn"] != definition["taskRoleArn"]
    (container,) = [c for c in containers(base_plan, role) if c["name"] == role]
    assert container["readonlyRootFilesystem"] is True
    assert container["privileged"] is False
    assert container["user"] == "9000"
    writable = {m["containerPath"]: m["sourceVolume"] for m in container["mountPoints"] if not m["readOnly"]}
    # ECS Exec's agent needs its state and log paths writable beside a read-only root (dev only).
    exec_paths = {"/var/lib/amazon": "ssm-state", "/var/log/amazon": "ssm-logs"}
    expected = {"/tmp": "tmp", **(exec_paths if base_plan.stack == "dev" else {})}
    assert writable == expected
    assert definition["volumes"] == [{"name": volume} for volume in expected.values()]
    options = container["logConfiguration"]["options"]
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert options["awslogs-group"] == base_plan.outputs["backendLogGroup"]
    assert options["awslogs-stream-prefix"] == role


@pytest.mark.parametrize("role", ["api", "cron", "migrate"])
def test_no_secret_in_any_container_environment(base_plan: Plan, role: str) -> None:
    for container in containers(base_plan, role):
        for variable in container.get("environment", []):
            assert secret_like(variable["name"], variable["value"]) is None, variable["name"]
        secret_names = {s["name"] for s in container.get("secrets", [])}
        assert not secret_names & {v["name"] for v in container.get("environment", [])}


def test_secrets_come_from_secrets_manager(base_plan: Plan) -> None:
    api = app_container_of(base_plan, "api")
    secrets = {s["name"]: s["valueFrom"] for s in api["secrets"]}
    login_secret = base_plan.outputs["databaseAppLoginSecretArn"]
    app_secret = base_plan.outputs["appSecretArn"]
    assert secrets["POSTGRES_USER"] == f"{login_secret}:username::"
    assert secrets["POSTGRES_PASSWORD"] == f"{login_secret}:password::"
    assert "PGPASSWORD" not in secrets
    for name in APP_SECRET_NAMES:
        if name != "NEW_RELIC_LICENSE_KEY":  # the APM agent's, not the application's
            assert secrets[name] == f"{app_secret}:{name}::"
    # The agent's key, only where the API runs under New Relic (prod's default, tests/test_apm.py).
    assert ("NEW_RELIC_LICENSE_KEY" in secrets) is (base_plan.stack == "prod")
    migrate = {s["name"]: s["valueFrom"] for s in app_container_of(base_plan, "migrate")["secrets"]}
    master = base_plan.outputs["databaseMasterSecretArn"]
    assert (migrate["PGUSER"], migrate["PGPASSWORD"]) == (f"{master}:username::", f"{master}:password::")
    assert migrate["POSTGRES_PASSWORD"] == f"{login_secret}:password::"


def test_api_environment_points_at_its_hosts_and_database(base_plan: Plan) -> None:
    api = app_container_of(base_plan, "api")
    environment = {v["name"]: v["value"] for v in api["environment"]}
    settings = settings_of(base_plan.stack)
    frontend = f"https://{settings.dns.frontend_host}"  # type: ignore[union-attr]
    assert environment["TM_APP_BASE_URL"] == frontend
    assert environment["TM_APP_API_URL"] == base_plan.outputs["apiUrl"]
    assert environment["TM_REDIRECT_URI"] == f"{frontend}/authorized"
    # The partner tools that call the API from their own sites call prod's.
    partners = (
        []
        if base_plan.stack != "prod"
        else [
            "https://hotosm.github.io",
            "https://mapathon.cartong.org",
            "https://jarmokivekas.github.io",
            "https://dev-managers.mapswipe.org",
            "https://managers.mapswipe.org",
        ]
    )
    assert json.loads(environment["EXTRA_CORS_ORIGINS"]) == [frontend, *partners]
    assert environment["TM_LOG_LEVEL"] == ("10" if base_plan.stack == "dev" else "20")
    assert environment["OHSOME_STATS_TOPICS"] == "changeset,highway,waterway,building"
    assert environment["POSTGRES_ENDPOINT"] == base_plan.outputs["databaseAddress"]
    assert (environment["POSTGRES_PORT"], environment["POSTGRES_DB"]) == ("5432", "tasking_manager")
    assert environment["TM_ORG_CODE"] == "HOT"
    assert environment["DB_MAX_CONNECTIONS"] == "4"


@pytest.mark.parametrize(
    ("stack", "workers", "cpu", "memory"), [("dev", "2", "512", "1024"), ("prod", "4", "1024", "2048")]
)
def test_api_runs_uvicorn_with_the_configured_size(stack: str, workers: str, cpu: str, memory: str) -> None:
    plan = plan_for(stack)
    api = app_container_of(plan, "api")
    # prod runs under the New Relic agent (tests/test_apm.py), dev bare.
    agent = ["newrelic-admin", "run-program"] if stack == "prod" else []
    assert api["command"] == [
        *agent,
        "uvicorn",
        "backend.main:api",
        "--host",
        "0.0.0.0",
        "--port",
        "5000",
        "--workers",
        workers,
        "--proxy-headers",
        "--forwarded-allow-ips",
        "*",
        # HOT's production runs without uvicorn's access log; the load balancer keeps one.
        *(["--no-access-log"] if stack == "prod" else []),
    ]
    assert api["portMappings"] == [{"containerPort": 5000, "protocol": "tcp", "name": "api"}]
    assert "/api/v2/system/heartbeat/" in api["healthCheck"]["command"][1]
    definition = task_definition(plan, "api").inputs
    assert (definition["cpu"], definition["memory"]) == (cpu, memory)


def test_cron_and_migrate_commands(base_plan: Plan) -> None:
    (cron,) = containers(base_plan, "cron")
    agent = ["newrelic-admin", "run-program"] if base_plan.stack == "prod" else []
    assert cron["command"] == [*agent, "python", "backend/cron_jobs.py"]
    (migrate,) = containers(base_plan, "migrate")
    assert migrate["command"][:2] == ["sh", "-c"]
    script = migrate["command"][2]
    assert script == (PROJECT_DIR / "scripts" / "container-migrate.sh").read_text()
    # Alembic with the config file the application ships (the contract, from its source), after
    # the preparation; what a failing step does is run for real in test_database_sql.py.
    assert script.index("CREATE EXTENSION IF NOT EXISTS postgis") < script.index(
        f"exec alembic -c {CONTRACT.migrations_config} upgrade head"
    )
    assert "set -eu" in script.splitlines()


def test_log_levels_are_pythons() -> None:
    """The application reads TM_LOG_LEVEL as an int and hands it to Python's logging."""
    assert {name: logging.getLevelName(name) for name in LOG_LEVELS} == LOG_LEVELS


# -- services --------------------------------------------------------------------------------------


def test_api_service_is_private_behind_the_load_balancer_with_safe_rollouts(base_plan: Plan) -> None:
    backend = backend_of(base_plan)
    service = next(s for s in backend.of_type("aws:ecs/service:Service") if s.name == "backend-api").inputs
    network = service["networkConfiguration"]
    assert network["assignPublicIp"] is False
    assert network["subnets"] == base_plan.outputs["privateSubnetIds"]
    assert network["securityGroups"] == [group_id(base_plan, "tm:aws:TaskSecurityGroups", "tasks-api")]
    target_group = balancer_of(base_plan).one("aws:lb/targetGroup:TargetGroup").outputs["arn"]
    assert service["loadBalancers"] == [
        {"targetGroupArn": target_group, "containerName": "api", "containerPort": 5000}
    ]
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (service["deploymentMinimumHealthyPercent"], service["deploymentMaximumPercent"]) == (100, 200)
    assert service["platformVersion"] == "LATEST"
    assert service["enableExecuteCommand"] is (base_plan.stack == "dev")


def test_cron_runs_exactly_once_and_never_overlaps(base_plan: Plan) -> None:
    backend = backend_of(base_plan)
    cron = next(s for s in backend.of_type("aws:ecs/service:Service") if s.name == "backend-cron").inputs
    assert cron["desiredCount"] == 1
    assert (cron["deploymentMinimumHealthyPercent"], cron["deploymentMaximumPercent"]) == (0, 100)
    assert "loadBalancers" not in cron
    assert cron["networkConfiguration"]["assignPublicIp"] is False
    # Only the API scales on load; a stack that sleeps scales the cron worker between 0 and 1.
    ranges = {
        target.inputs["resourceId"].rsplit("/", 1)[1].rsplit("-", 1)[0]: (
            target.inputs["minCapacity"],
            target.inputs["maxCapacity"],
        )
        for target in backend.of_type("aws:appautoscaling/target:Target")
    }
    assert ranges.pop("backend-api")
    assert ranges == ({"backend-cron": (1, 1)} if base_plan.stack == "dev" else {})


@pytest.mark.parametrize(
    ("stack", "providers"),
    [("prod", [("FARGATE", 1, 0)]), ("dev", [("FARGATE", 1, 1), ("FARGATE_SPOT", 3, 0)])],
)
def test_capacity_per_environment(stack: str, providers: list[tuple[str, int, int]]) -> None:
    backend = backend_of(plan_for(stack))
    for service in backend.of_type("aws:ecs/service:Service"):
        strategies = service.inputs["capacityProviderStrategies"]
        assert [(s["capacityProvider"], s["weight"], s["base"]) for s in strategies] == providers
    cluster = backend.one("aws:ecs/cluster:Cluster").inputs
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    # A service naming a provider its cluster does not have yet fails: they are made first.
    association = backend.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    assert association.inputs["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    for service in backend.of_type("aws:ecs/service:Service"):
        assert association.urn in service.dependencies


def test_api_autoscaling_tracks_cpu_memory_and_requests() -> None:
    plan = plan_for("prod")
    backend = backend_of(plan)
    (target,) = backend.of_type("aws:appautoscaling/target:Target")
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (2, 8)
    policies = {
        p.inputs["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"][
            "predefinedMetricType"
        ]: p
        for p in backend.of_type("aws:appautoscaling/policy:Policy")
    }
    values = {
        k: p.inputs["targetTrackingScalingPolicyConfiguration"]["targetValue"] for k, p in policies.items()
    }
    assert values == {
        "ECSServiceAverageCPUUtilization": 60,
        "ECSServiceAverageMemoryUtilization": 70,
        "ALBRequestCountPerTarget": 100,
    }
    label = policies["ALBRequestCountPerTarget"].inputs["targetTrackingScalingPolicyConfiguration"][
        "predefinedMetricSpecification"
    ]["resourceLabel"]
    balancer = balancer_of(plan)
    assert label == (
        f"{balancer.one('aws:lb/loadBalancer:LoadBalancer').outputs['arnSuffix']}/"
        f"{balancer.one('aws:lb/targetGroup:TargetGroup').outputs['arnSuffix']}"
    )


def test_ecs_exec_is_audited_where_enabled() -> None:
    dev = backend_of(plan_for("dev")).one("aws:ecs/cluster:Cluster").inputs
    exec_config = dev["configuration"]["executeCommandConfiguration"]
    assert exec_config["logging"] == "OVERRIDE"
    assert exec_config["logConfiguration"]["cloudWatchEncryptionEnabled"] is True
    prod = backend_of(plan_for("prod")).one("aws:ecs/cluster:Cluster").inputs
    assert "configuration" not in prod


# -- IAM ------------------------------------------------------------------------------------------


def policy_documents(plan: Plan) -> list[tuple[str, dict[str, Any]]]:
    documents = [
        (r.name, json.loads(r.inputs["policy"])) for r in plan.of_type("aws:iam/rolePolicy:RolePolicy")
    ]
    documents += [
        (r.name, json.loads(r.inputs["assumeRolePolicy"])) for r in plan.of_type("aws:iam/role:Role")
    ]
    return documents


def test_iam_documents_have_no_parliament_finding_of_medium_or_higher(base_plan: Plan) -> None:
    # Identity policies only: parliament reads a trust policy's missing Resource as malformed.
    documents = [(n, d) for n, d in policy_documents(base_plan) if "Principal" not in d["Statement"][0]]
    assert len(documents) >= 3
    for name, document in documents:
        findings = parliament.analyze_policy_string(json.dumps(document)).findings
        serious = [
            (f.issue, f.detail)
            for f in findings
            if parliament.config.get(f.issue, {}).get("severity") in ("MEDIUM", "HIGH", "CRITICAL")
        ]
        assert serious == [], name


def test_every_role_is_assumable_only_by_one_service_of_this_account(base_plan: Plan) -> None:
    for role in base_plan.of_type("aws:iam/role:Role"):
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert list(statement["Principal"]) == ["Service"], role.name
        assert isinstance(statement["Principal"]["Service"], str)
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}, role.name


def test_no_iam_statement_allows_everything(base_plan: Plan) -> None:
    for name, document in policy_documents(base_plan):
        for statement in document["Statement"]:
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if statement.get("Principal", {}) != {}:  # trust policies name who assumes, not what they do
                continue
            assert "*" not in actions, name
            assert not any(a.endswith(":*") for a in actions), name


def test_execution_role_reads_exactly_its_secrets_and_image(base_plan: Plan) -> None:
    def policy_of(name: str) -> dict[str, Any]:
        policies = backend_of(base_plan).of_type("aws:iam/rolePolicy:RolePolicy")
        return {
            s["Sid"]: s
            for s in json.loads(next(r for r in policies if r.name == name).inputs["policy"])["Statement"]
        }

    services = [base_plan.outputs["appSecretArn"], base_plan.outputs["databaseAppLoginSecretArn"]]
    # Only the migrate task starts with the master login; the services' role cannot read it.
    assert policy_of("backend-execution")["ReadTheTaskSecrets"]["Resource"] == services
    migrate = policy_of("backend-migrate-execution")["ReadTheTaskSecrets"]["Resource"]
    assert migrate == [*services, base_plan.outputs["databaseMasterSecretArn"]]
    by_sid = policy_of("backend-execution")
    repository = next(
        r
        for r in base_plan.component("tm:aws:ContainerRegistry").of_type("aws:ecr/repository:Repository")
        if r.name == "registry"
    )
    assert by_sid["PullTheBackendImage"]["Resource"] == repository.outputs["arn"]
    assert by_sid["WriteContainerLogs"]["Resource"].endswith(
        ":log-group:/tasking-manager/" + base_plan.stack + "/backend:*"
    )
    assert by_sid["DecryptTheTaskSecrets"]["Resource"] == base_plan.outputs["kmsKeyArn"]


def test_exec_permissions_only_where_exec_is_enabled() -> None:
    def sids(stack: str) -> set[str]:
        found = set()
        for policy in backend_of(plan_for(stack)).of_type("aws:iam/rolePolicy:RolePolicy"):
            found |= {s["Sid"] for s in json.loads(policy.inputs["policy"])["Statement"]}
        return found

    assert "EcsExecSessions" in sids("dev")
    assert "EcsExecSessions" not in sids("prod")
    # Without Exec the task roles hold no policy at all: the application calls no AWS API.
    task_roles = {
        r.outputs["id"]
        for r in backend_of(plan_for("prod")).of_type("aws:iam/role:Role")
        if r.name.endswith("-task")
    }
    prod_policies = backend_of(plan_for("prod")).of_type("aws:iam/rolePolicy:RolePolicy")
    assert task_roles
    assert not [p for p in prod_policies if p.inputs["role"] in task_roles]


# -- registry and secrets --------------------------------------------------------------------------


def test_image_comes_from_the_stacks_repository_with_the_configured_tag(base_plan: Plan) -> None:
    registry = base_plan.component("tm:aws:ContainerRegistry")
    repositories = {r.name: r for r in registry.of_type("aws:ecr/repository:Repository")}
    repository = repositories["registry"]
    assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository.inputs["encryptionConfigurations"] == [
        {"encryptionType": "KMS", "kmsKey": base_plan.outputs["kmsKeyArn"]}
    ]
    policies = {
        p.name: json.loads(p.inputs["policy"])
        for p in registry.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    }
    assert [r["selection"]["tagStatus"] for r in policies["registry"]["rules"]] == ["untagged", "any"]
    assert policies["registry"]["rules"][1]["selection"]["countNumber"] == 50
    # Review images live apart (dev only), so pull requests never push releases out of the count.
    if base_plan.stack == "dev":
        review = repositories["registry-review"]
        assert review.inputs["name"] == "tasking-manager/dev/review"
        assert review.inputs["imageTagMutability"] == "IMMUTABLE"
        (rule,) = policies["registry-review"]["rules"]
        assert (rule["selection"]["countType"], rule["selection"]["countNumber"]) == ("sinceImagePushed", 14)
    else:
        assert set(repositories) == {"registry"}
    for role in ("api", "cron", "migrate"):
        assert app_container_of(base_plan, role)["image"] == f"{repository.outputs['repositoryUrl']}:v5.5.2"


def test_an_external_image_needs_no_permission_on_the_stacks_repositories() -> None:
    plan = plan_for(
        "dev", {"tm:image.repository": "ghcr.io/hotosm/tasking-manager/backend", "tm:image.tag": "v5.1.0"}
    )
    api = app_container_of(plan, "api")
    assert api["image"] == "ghcr.io/hotosm/tasking-manager/backend:v5.1.0"
    execution = next(
        r for r in backend_of(plan).of_type("aws:iam/rolePolicy:RolePolicy") if r.name == "backend-execution"
    )
    ecr = [s for s in json.loads(execution.inputs["policy"])["Statement"] if "ecr:" in json.dumps(s)]
    # Only GuardDuty's agent, from AWS's account: nothing of this account's registry.
    assert [s["Sid"] for s in ecr] == ["EcrLogin", "PullTheGuardDutyAgent"]
    assert OFFLINE_ACCOUNT_ID not in json.dumps(ecr)


@pytest.mark.parametrize("stack", ["prod", "review-pr-123"])
def test_every_execution_role_may_pull_guardduty_s_runtime_agent(stack: str) -> None:
    """GuardDuty adds its agent to each new Fargate task; the task's execution role pulls it from
    AWS's repository of the region, or the task runs unmonitored."""
    agent = "arn:aws:ecr:us-east-1:593207742271:repository/aws-guardduty-agent-fargate"
    plan = plan_for(stack)
    policies = [
        json.loads(r.inputs["policy"])
        for r in plan.of_type("aws:iam/rolePolicy:RolePolicy")
        if "execution" in r.name
    ]
    assert policies
    for policy in policies:
        assert allowed([policy], "ecr:BatchGetImage", agent)
        assert allowed([policy], "ecr:GetDownloadUrlForLayer", agent)
        assert allowed([policy], "ecr:GetAuthorizationToken", "*")
        assert not allowed([policy], "ecr:BatchGetImage", agent.replace("593207742271", "111122223333"))
    assert guardduty_agent_repository_arn("us-east-1", "aws") == agent
    assert guardduty_agent_repository_arn("xx-nowhere-1", "aws") is None


def test_app_secret_is_encrypted_and_empty_unless_the_operator_passes_values(base_plan: Plan) -> None:
    secrets = base_plan.component("tm:aws:AppSecrets")
    secret = secrets.one("aws:secretsmanager/secret:Secret")
    assert secret.inputs["kmsKeyId"] == base_plan.outputs["kmsKeyArn"]
    assert secrets.of_type("aws:secretsmanager/secretVersion:SecretVersion") == []


def test_app_secret_values_from_pulumi_secret_config_stay_secret() -> None:
    encrypted = {name: {"secure": "v1:ciphertext"} for name in APP_SECRET_NAMES}
    secrets = plan_for("dev", {"tm:appSecrets": encrypted}).component("tm:aws:AppSecrets")
    version = secrets.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretId"] == secrets.one("aws:secretsmanager/secret:Secret").outputs["id"]
    secret_string = version.inputs["secretString"]
    assert is_secret(secret_string)
    assert set(json.loads(secret_string["value"])) == set(APP_SECRET_NAMES)


def test_app_secret_values_in_plain_text_or_incomplete_are_refused() -> None:
    with pytest.raises(SettingsError) as caught:
        settings_of("dev", {"tm:appSecrets": dict.fromkeys(APP_SECRET_NAMES, "x")})
    assert "stored in plain text" in str(caught.value)
    with pytest.raises(SettingsError) as caught:
        settings_of("dev", {"tm:appSecrets": {"TM_SECRET": {"secure": "v1:x"}}})
    (problem,) = caught.value.problems
    assert problem.key == "tm:appSecrets"
    assert "missing TM_CLIENT_ID" in problem.message


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("tm:image.tag", "latest", "an image tag other than latest"),
        ("tm:image.repository", "not a repo", "ecr (this stack's repository) or an image repository"),
        ("tm:worker.memory", 3000, "with cpu 256 Fargate allows 512, 1024, 2048"),
        ("tm:ecs.capacity", "cheap", "'onDemand', 'mostlySpot' or 'spot'"),
        ("tm:loadBalancer.desyncMitigationMode", "monitor", "'defensive' or 'strictest'"),
        ("tm:app.extraEnvironment", {"TM_SMTP_PASSWORD": "x"}, "looks like a secret"),
        ("tm:dns.certificateArn", "arn:aws:iam::1:role/x", "an ACM certificate ARN"),
    ],
)
def test_bad_back_end_settings_are_named(key: str, value: Any, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_of("dev", {key: value})
    problems = {p.key: str(p) for p in caught.value.problems}
    assert message in problems[key]


def test_a_certificate_source_is_required() -> None:
    with pytest.raises(SettingsError) as caught:
        settings_of("dev", {"tm:dns.zoneName": None})
    problems = {p.key: str(p) for p in caught.value.problems}
    assert "set tm:dns.zoneName" in problems["tm:dns.zoneName"]
