"""Pins are kept current: .github/dependabot.yml validates against Dependabot's own schema (the
copy check-jsonschema vendors), and every file that pins something is covered by an entry."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from components.profiles import POSTGRES_CLIENT_IMAGE, PROFILES
from tests.test_workflows import WORKFLOWS, tool

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".github" / "dependabot.yml"


def updates(ecosystem: str) -> list[dict[str, object]]:
    return [u for u in yaml.safe_load(CONFIG.read_text())["updates"] if u["package-ecosystem"] == ecosystem]


def directories(ecosystem: str) -> set[str]:
    found: set[str] = set()
    for update in updates(ecosystem):
        found |= set(update.get("directories") or [update["directory"]])  # type: ignore[arg-type]
    return found


def test_the_config_validates_against_dependabots_schema() -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(CONFIG)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_does_catch_a_broken_config(tmp_path: Path) -> None:
    broken = tmp_path / "dependabot.yml"
    broken.write_text("version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n")  # no schedule
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0


def test_every_requirements_file_is_covered() -> None:
    pinned = {
        "/" + path.parent.relative_to(ROOT).as_posix().removeprefix(".")
        for path in ROOT.glob("**/requirements*.txt")
        if ".venv" not in path.parts
    }
    assert (
        pinned
        == directories("pip")
        == {"/", "/bootstrap", "/policies/operations", "/policies/security-baseline", "/images/api"}
    )


def test_the_opentelemetry_layer_is_updated_without_touching_the_applications_pins() -> None:
    """The layer's lock also pins packages the application's image has, at the image's versions
    (tests/test_apm.py holds it to that); Dependabot proposes only OpenTelemetry's own."""
    (layer,) = [u for u in updates("pip") if u.get("directory") == "/images/api"]
    assert layer["allow"] == [{"dependency-name": "opentelemetry-*"}]


def test_the_actions_the_workflows_pin_are_covered() -> None:
    assert any("uses: " in path.read_text() for path in WORKFLOWS)
    assert directories("github-actions") == {"/"}


def test_the_postgres_client_image_is_pinned_where_dependabot_sees_it() -> None:
    assert directories("docker") == {"/images/postgres-client", "/images/otel-collector", "/images/api"}
    assert PROFILES["dev"]["review"]["adminImage"] == POSTGRES_CLIENT_IMAGE
    assert POSTGRES_CLIENT_IMAGE.startswith("public.ecr.aws/docker/library/postgres:")
