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

ENVIRONMENTS = ("prod", "dev", "review")


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
            {"required-tags": {"environment": "staging"}},
            'environment = "staging": must be one of prod, dev, review',
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
    with pytest.raises(PolicyRunError, match="no policy config for environment 'staging'"):
        load_config("operations", "staging")


def test_the_two_packs_share_one_framework_file() -> None:
    """Copied because a pack cannot import another; the copies must not drift apart."""
    assert filecmp.cmp(
        PACKS_DIR / "security-baseline" / "security_baseline" / "framework.py",
        PACKS_DIR / "operations" / "operations_guardrails" / "framework.py",
        shallow=False,
    )
