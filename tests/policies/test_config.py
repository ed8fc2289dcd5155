"""The per-environment config files, and how they become Configure's request (as the CLI does it)."""

from __future__ import annotations

import filecmp

import pytest

from offline.policy_run import (
    PACKS,
    PACKS_DIR,
    PackInfo,
    PackProcess,
    PolicyRunError,
    load_config,
    reconcile_config,
)

ENVIRONMENTS = ("prod", "staging", "dev", "review")


def _info(packs: list[PackProcess], name: str) -> PackInfo:
    return next(p for p in packs if p.directory.name == name).info()


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("pack", PACKS)
def test_every_config_file_is_valid_for_its_pack(
    packs: list[PackProcess], pack: str, environment: str
) -> None:
    config = reconcile_config(_info(packs, pack), load_config(pack, environment))
    assert set(config) == {p.name for p in _info(packs, pack).policies}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_guardrail_is_told_the_environment_of_its_file(
    packs: list[PackProcess], environment: str
) -> None:
    config = reconcile_config(_info(packs, "operations"), load_config("operations", environment))
    told = {name: props.get("environment") for name, (_, props) in config.items() if "environment" in props}
    assert told, "no policy reads the environment"
    assert set(told.values()) == {environment}


def test_review_stacks_must_carry_the_expiry_and_pull_request_tags() -> None:
    assert {"PullRequest", "ExpiresAt"} <= set(load_config("operations", "review")["required-tags"]["tags"])


def test_schema_defaults_fill_what_a_file_leaves_out(packs: list[PackProcess]) -> None:
    level, properties = reconcile_config(_info(packs, "security-baseline"), {})["rds-backup-retention"]
    assert (level, properties) == ("advisory", {"minimumDays": 7})


def test_all_sets_every_level_and_an_entry_overrides_it(packs: list[PackProcess]) -> None:
    config = reconcile_config(
        _info(packs, "security-baseline"), {"all": "advisory", "rds-not-public": "mandatory"}
    )
    assert config["rds-not-public"][0] == "mandatory"
    assert config["kms-key-no-lockout-bypass"][0] == "advisory"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"rds-not-pubic": "mandatory"}, "rds-not-pubic: no such policy"),
        ({"rds-not-public": "blocking"}, "enforcement level 'blocking'"),
        (
            {"rds-backup-retention": {"minimumDays": "seven"}},
            'minimumDays = "seven": must be of type integer',
        ),
        ({"rds-backup-retention": {"minimumDays": 90}}, "minimumDays = 90: must be at most 35"),
        ({"rds-backup-retention": {"minimumDay": 7}}, "minimumDay is not a setting of this policy"),
        ({"lb-listener-tls-policy": {"threshold": 1}}, "threshold is not a setting"),
        (
            {"security-group-no-world-high-risk-ports": {"ports": [22, "ssh"]}},
            'ports = "ssh": must be of type integer',
        ),
    ],
)
def test_a_wrong_security_config_is_refused(
    packs: list[PackProcess], document: dict[str, object], problem: str
) -> None:
    with pytest.raises(PolicyRunError, match="invalid policy config for security-baseline") as error:
        reconcile_config(_info(packs, "security-baseline"), document)
    assert problem in str(error.value)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({}, "required-tags: environment is required"),
        (
            {"required-tags": {"environment": "qa"}},
            'environment = "qa": must be one of prod, staging, dev, review',
        ),
    ],
)
def test_a_wrong_operations_config_is_refused(
    packs: list[PackProcess], document: dict[str, object], problem: str
) -> None:
    with pytest.raises(PolicyRunError) as error:
        reconcile_config(_info(packs, "operations"), document)
    assert problem in str(error.value)


def test_a_missing_environment_file_is_an_error() -> None:
    with pytest.raises(PolicyRunError, match="no policy config for environment 'qa'"):
        load_config("operations", "qa")


def test_the_two_packs_share_one_framework_file() -> None:
    """Copied because a pack cannot import another; the copies must not drift apart."""
    assert filecmp.cmp(
        PACKS_DIR / "security-baseline" / "security_baseline" / "framework.py",
        PACKS_DIR / "operations" / "operations_guardrails" / "framework.py",
        shallow=False,
    )


# -- the thresholds each environment enforces --------------------------------------------------------


def _all(value: object) -> dict[str, object]:
    return dict.fromkeys(ENVIRONMENTS, value)


BASE_TAGS = ["Project", "Environment", "Stack", "ManagedBy", "Owner", "CostCenter"]
# FSBP EC2.19's high-risk ports (the pack's default list).
HIGH_RISK_PORTS = [20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000]
HIGH_RISK_PORTS += [5432, 5500, 5601, 6379, 8080, 8088, 8888, 9200, 9300, 11211, 27017]
# Pack -> policy -> setting -> environment -> value, after the schema defaults; every setting of
# every policy has a row (`environment` aside, and the budget's `usage`, held to the profiles by
# tests/test_costs.py).
THRESHOLDS: dict[str, dict[str, dict[str, dict[str, object]]]] = {
    "operations": {
        # Review stacks also carry their pull request and expiry (the sweeper reads ExpiresAt).
        "required-tags": {
            "tags": {
                "prod": BASE_TAGS,
                "staging": BASE_TAGS,
                "dev": BASE_TAGS,
                "review": [*BASE_TAGS, "PullRequest", "ExpiresAt"],
            }
        },
        "allowed-regions": {"regions": _all(["us-east-1"])},
        "allowed-instance-classes": {
            # prod db.t4g.large (8 GiB) and up, staging up to prod's, dev small burstable ones,
            # review none of its own; Aurora Serverless v2 instances (db.serverless) in prod,
            # staging and dev, sized by their ACU range.
            "rdsInstanceClasses": {
                "prod": [
                    "db.t4g.large",
                    "db.t4g.xlarge",
                    "db.t4g.2xlarge",
                    "db.m7g.*",
                    "db.r7g.*",
                    "db.serverless",
                ],
                "staging": ["db.t4g.small", "db.t4g.medium", "db.t4g.large", "db.serverless"],
                "dev": ["db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.serverless"],
                "review": [],
            },
            # Fargate only, but dev's optional NAT instance (tm:network.natGateways: instance).
            "ec2InstanceTypes": {
                "prod": [],
                "staging": [],
                "dev": ["t4g.nano", "t4g.micro", "t4g.small"],
                "review": [],
            },
        },
        # Two weeks of point-in-time recovery and recovery points at least (prod keeps 30 and 35);
        # staging, which holds no one's work, a week (FSBP RDS.11's).
        "prod-backup-retention": {"minimumDays": {**_all(14), "staging": 7}},
        # Production never serves from a single API task (service and autoscaling minimum).
        "prod-api-min-tasks": {"minimumTasks": _all(2), "apiServicePattern": _all("(^|-)api(-|$)")},
        # A year of production logs; staging's a quarter.
        "prod-log-retention": {"minimumDays": {**_all(365), "staging": 90}},
        # USD a month: prod, staging and dev as their AWS budgets, a review app 10.
        "stack-monthly-budget": {"monthlyBudgetUsd": {"prod": 650, "staging": 220, "dev": 150, "review": 10}},
    },
    "security-baseline": {
        "security-group-internet-ingress-authorized-ports": {"authorizedPorts": _all([80, 443])},
        "security-group-no-world-high-risk-ports": {"ports": _all(HIGH_RISK_PORTS)},
        "ecs-task-no-secrets-in-environment": {"allowedNames": _all([])},
        # Amplify's Sentry DSN is public (browsers send it) although named like a secret.
        "amplify-no-secrets-in-build-variables": {"allowedNames": _all(["TM_SENTRY_FRONTEND_DSN"])},
        "waf-web-acl-managed-rules": {
            "requiredRuleGroups": _all(
                ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]
            )
        },
        # FSBP RDS.11's week of automated backups, everywhere; prod's guardrail asks two.
        "rds-backup-retention": {"minimumDays": _all(7)},
        "rds-logs-exported": {"requiredLogs": _all(["postgresql", "upgrade"])},
        "secret-rotation-period": {"maximumDays": _all(90)},
        "kms-key-deletion-window": {"minimumDays": _all(30)},
        # A review app's roles also use its base's (dev's) secrets and key.
        "iam-own-stack-secrets-and-keys": {
            "sharedFromStacks": {"prod": [], "staging": [], "dev": [], "review": ["dev"]}
        },
        # Any retention at all (never "forever"); prod's guardrail asks a year.
        "log-group-retention": {"minimumDays": _all(1)},
        "iam-aws-managed-policies-allowlisted": {
            "allowedPolicies": _all(
                [
                    "service-role/AmazonECSTaskExecutionRolePolicy",
                    "service-role/AmazonRDSEnhancedMonitoringRole",
                    "service-role/AWSBackupServiceRolePolicyForBackup",
                    "service-role/AWSBackupServiceRolePolicyForRestores",
                ]
            )
        },
        "s3-bucket-encryption": {"allowedAlgorithms": _all(["aws:kms", "aws:kms:dsse", "AES256"])},
        # Only dev may run a NAT instance, whose public address is its way out (FSBP EC2.9).
        "ec2-no-public-ip": {
            "natInstancePublicIp": {"prod": False, "staging": False, "dev": True, "review": False}
        },
    },
}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("pack", PACKS)
def test_each_environment_enforces_the_intended_thresholds(
    packs: list[PackProcess], pack: str, environment: str
) -> None:
    config = reconcile_config(_info(packs, pack), load_config(pack, environment))
    found = {
        policy: settings
        for policy, (_, properties) in config.items()
        if (settings := {k: v for k, v in properties.items() if k not in ("environment", "usage")})
    }
    expected = {
        policy: {setting: values[environment] for setting, values in settings.items()}
        for policy, settings in THRESHOLDS[pack].items()
    }
    assert found == expected


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_thresholds_are_enforced_where_they_apply(packs: list[PackProcess], environment: str) -> None:
    """A threshold of an advisory or disabled policy blocks nothing: those of the guardrails and
    the security baseline's above are mandatory everywhere, but the advisory rotation,
    managed-policy and bucket-encryption checks."""
    advisory = {
        "secret-rotation-period",
        "iam-aws-managed-policies-allowlisted",
        "s3-bucket-encryption",
    }
    for pack, policies in THRESHOLDS.items():
        config = reconcile_config(_info(packs, pack), load_config(pack, environment))
        for policy in policies:
            assert config[policy][0] == ("advisory" if policy in advisory else "mandatory"), (pack, policy)
