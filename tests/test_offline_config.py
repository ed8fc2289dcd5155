"""Stack config flattened the way the Pulumi CLI hands it to a program."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from offline.config import SECRET_PLACEHOLDER, StackConfigError, load_stack_config, parse_override


def write_stack(tmp_path: Path, text: str) -> Path:
    (tmp_path / "Pulumi.test.yaml").write_text(text)
    return tmp_path


def test_scalars_become_strings_and_structures_json(tmp_path: Path) -> None:
    project = write_stack(
        tmp_path,
        "config:\n  tm:environment: dev\n  tm:flag: true\n  tm:count: 3\n"
        "  tm:network:\n    cidr: 10.0.0.0/16\n",
    )
    config = load_stack_config(project, "test")
    assert config.values["tm:environment"] == "dev"
    assert config.values["tm:flag"] == "true"
    assert config.values["tm:count"] == "3"
    assert json.loads(config.values["tm:network"]) == {"cidr": "10.0.0.0/16"}
    assert config.secret_keys == []


def test_secure_values_become_secret_placeholders(tmp_path: Path) -> None:
    project = write_stack(
        tmp_path,
        "config:\n  tm:githubToken:\n    secure: AAABAKx0\n  tm:smtp:\n    host: smtp.example.org\n"
        "    password:\n      secure: AAABAQ==\n",
    )
    config = load_stack_config(project, "test")
    assert config.values["tm:githubToken"] == SECRET_PLACEHOLDER
    assert json.loads(config.values["tm:smtp"]) == {
        "host": "smtp.example.org",
        "password": SECRET_PLACEHOLDER,
    }
    assert sorted(config.secret_keys) == ["tm:githubToken", "tm:smtp"]


def test_overrides_follow_config_set_path(tmp_path: Path) -> None:
    project = write_stack(tmp_path, "config:\n  tm:network:\n    cidr: 10.0.0.0/16\n")
    config = load_stack_config(
        project, "test", {"tm:network.natGateways": "single", "tm:region": "eu-west-1"}
    )
    assert json.loads(config.values["tm:network"]) == {"cidr": "10.0.0.0/16", "natGateways": "single"}
    assert config.values["tm:region"] == "eu-west-1"


def test_override_text_is_parsed_as_yaml() -> None:
    assert parse_override("tm:network.availabilityZones=3") == ("tm:network.availabilityZones", 3)
    assert parse_override("tm:network.interfaceEndpoints=[logs, sts]") == (
        "tm:network.interfaceEndpoints",
        ["logs", "sts"],
    )
    with pytest.raises(StackConfigError, match=r"namespace:key\.path=value"):
        parse_override("availabilityZones=3")


def test_missing_stack_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StackConfigError, match=r"no Pulumi\.nope\.yaml"):
        load_stack_config(tmp_path, "nope")
