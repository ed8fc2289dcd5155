"""The contract generator reads a Tasking Manager checkout the way the application reads itself.

A small checkout written here holds each construct the real `backend/config.py`, Dockerfile and
uv.lock use; the generator must classify each one (the committed contract comes from the real one).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from offline import app_contract
from offline.app_contract import ContractSourceError, build_contract, changes

CONFIG = """
import json, logging, os
from typing import Optional
from pydantic import PostgresDsn
from pydantic_settings import BaseSettings

class Settings(BaseSettings):
    EXTRA_CORS_ORIGINS: list = (
        os.getenv("EXTRA_CORS_ORIGINS", "").split(",") if os.getenv("EXTRA_CORS_ORIGINS") else ["*"]
    )
    SECRET_KEY: str = os.getenv("TM_SECRET", None)
    LOG_LEVEL: int = os.getenv("TM_LOG_LEVEL", logging.DEBUG)
    MAIL_USE_TLS: bool = bool(int(os.getenv("TM_SMTP_USE_TLS", True)))
    USE_SENTRY: bool = os.getenv("USE_SENTRY", "false").lower() == "true"
    SENTRY_DSN: Optional[str] = os.getenv("TM_SENTRY_BACKEND_DSN", None)
    OAUTH_SCOPE: str = os.getenv("TM_SCOPE", "read_prefs write_api")
    if os.getenv("SMTP_CREDENTIALS", False):
        _params: dict = json.loads(os.getenv("SMTP_CREDENTIALS", None))

class TestEnvironmentConfig(Settings):
    POSTGRES_TEST_DB: str = os.getenv("POSTGRES_TEST_DB", None)
    URI: PostgresDsn = PostgresDsn.build(scheme="postgresql+asyncpg", password="x", host="h")
"""
DOCKERFILE = """ARG PYTHON_IMG_TAG=3.10
ARG DEBIAN_IMG_TAG=slim-bookworm
FROM python:${PYTHON_IMG_TAG}-${DEBIAN_IMG_TAG} AS base
RUN useradd --uid 9000 --create-home appuser
ENV UV_LINK_MODE=copy \\
    UV_PROJECT_ENVIRONMENT=/opt/python
FROM base AS runtime
WORKDIR /usr/src/app
RUN apt-get update && apt-get -q install --no-install-recommends -y \\
    postgresql-client \\
    curl \\
    && apt-get clean
FROM runtime AS prod
EXPOSE 5000
USER appuser:appuser
CMD ["uvicorn", "backend.main:api", "--port", "5000"]
"""
LOCK = """
[[package]]
name = "taskingmanager"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "uvicorn" }, { name = "asyncpg" }]
[package.dev-dependencies]
test = [{ name = "pytest" }]

[[package]]
name = "uvicorn"
version = "0.19.0"
dependencies = [{ name = "click" }]

[[package]]
name = "click"
version = "8.1.8"

[[package]]
name = "asyncpg"
version = "0.29.0"

[[package]]
name = "pytest"
version = "8.3.5"
"""

STATUSES = """from enum import Enum

class TaskStatus(Enum):
    \"\"\"What a task is waiting for\"\"\"

    READY = 0
    MAPPED = (
        2  # a comment
    )

class UserRole(Enum):
    READ_ONLY = -1
    ADMIN = 1

class NotAnEnum:
    READY = "x"
"""


# As the application's frontend/src/routes.js declares its views.
ROUTES_JS = """import { Authorized } from './views/authorized';
export const router = createBrowserRouter(createRoutesFromElements(
  <Route path="/" element={<Root />}>
    <Route path="explore" element={<Explore />} />
    <Route path="authorized" element={<Authorized />} />
  </Route>
));
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    files = {
        "backend/config.py": CONFIG,
        "backend/routes.py": 'from fastapi import APIRouter\nv2 = APIRouter(prefix="/api/v2")\n',
        "backend/api/system/general.py": (
            'router = APIRouter(prefix="/system")\n'
            '@router.get("/heartbeat/")\nasync def heartbeat(db):\n'
            '    query = """\n        SELECT v.tag FROM release_version v\n'
            '        JOIN other_table o ON o.id = v.id\n    """\n'
            "    return await db.fetch_one(query)\n"
        ),
        "backend/api/projects/resources.py": (
            'router = APIRouter(prefix="/projects")\n'
            '@router.post("/")\nasync def create():\n    pass\n'
            '@router.patch("/{project_id}/")\ndef update():\n    pass\n'
            '@router.get("/{project_id}/")\ndef read():\n    pass\n'
        ),
        "backend/models/project.py": 'import os\nREFERER = os.environ.get("TM_APP_BASE_URL", "x")\n',
        "backend/models/statuses.py": STATUSES,
        "backend/cron_jobs.py": "",
        "migrations/alembic.ini": "[alembic]\nscript_location = /usr/src/app/migrations\n",
        "scripts/docker/Dockerfile": DOCKERFILE,
        "uv.lock": LOCK,
        "frontend/src/api/notifications.js": "useQuery({ queryFn, refetchInterval: 1000 * 30, x });\n",
        "frontend/src/api/projects.js": (
            "const INTERVAL = 1000 * 60;\nuseQuery({ refetchInterval: INTERVAL });\n"
            "useQuery({ refetchInterval: shouldRefetch ? 120000 : false });\n"
        ),
        "frontend/src/api/projects.test.js": "useQuery({ refetchInterval: 5 });\n",
        "frontend/src/routes.js": ROUTES_JS,
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    return tmp_path


def reads(contract: dict, name: str) -> list[tuple[str, bool]]:
    return [(r["conversion"], r["required"]) for r in contract["settings"]["variables"][name]["reads"]]


def test_each_way_of_reading_a_variable_is_classified(checkout: Path) -> None:
    contract = build_contract(checkout, "v0.0.1", "0" * 40)
    # Field-name reads: pydantic-settings JSON-decodes a list; the getenv reads only test or split.
    assert reads(contract, "EXTRA_CORS_ORIGINS") == [("json", False), ("text", False)]
    assert reads(contract, "TM_SECRET") == [("pydantic", True)]  # a None default of a str field
    assert reads(contract, "TM_LOG_LEVEL") == [("pydantic", False)]  # validated as int
    assert reads(contract, "TM_SMTP_USE_TLS") == [("int", False)]  # int() sees it first
    assert reads(contract, "USE_SENTRY")[-1] == ("text", False)  # .lower() == "true"
    assert reads(contract, "TM_SENTRY_BACKEND_DSN") == [("pydantic", False)]  # Optional
    assert ("json", False) in reads(contract, "SMTP_CREDENTIALS")
    assert reads(contract, "POSTGRES_TEST_DB")[-1] == ("pydantic", True)
    assert contract["settings"]["databaseUrlEscapesPassword"] is False
    assert contract["directReads"] == {"TM_APP_BASE_URL": "backend/models/project.py"}


def test_the_image_facts_come_from_the_prod_stage_and_the_lock(checkout: Path) -> None:
    contract = build_contract(checkout, "v0.0.1", "0" * 40)
    image = contract["image"]
    assert (image["uid"], image["workdir"], image["python"]) == (9000, "/usr/src/app", "3.10")
    assert image["virtualenv"] == "/opt/python"
    assert image["aptPackages"] == ["postgresql-client", "curl"]
    # The project's dependencies and theirs; dev groups (pytest) are not installed.
    assert image["pythonPackages"] == {"asyncpg": "0.29.0", "click": "8.1.8", "uvicorn": "0.19.0"}
    assert {"psql", "curl", "uvicorn", "python", "sh"} <= set(image["executables"])
    assert "alembic" not in image["executables"]
    assert contract["api"] == {
        "port": 5000,
        "heartbeatPath": "/api/v2/system/heartbeat/",
        "heartbeatTables": ["other_table", "release_version"],
        "writeRoutes": ["PATCH /api/v2/projects/{project_id}/", "POST /api/v2/projects/"],
        "module": "backend.main:api",
    }


def test_a_checkout_that_is_not_the_application_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContractSourceError, match="is missing"):
        build_contract(tmp_path, "v0.0.1", "0" * 40)


def test_changes_are_listed_for_review(checkout: Path) -> None:
    old = build_contract(checkout, "v0.0.1", "0" * 40)
    new = json.loads(json.dumps(old))
    new["application"]["ref"] = "v0.0.2"
    del new["settings"]["variables"]["TM_SECRET"]
    assert changes(old, new) == [
        '~ application.ref: "v0.0.1" -> "v0.0.2"',
        '- settings.variables.TM_SECRET: {"reads": [{"class": "Settings", "field": "SECRET_KEY", '
        '"type": "str", "conversion": "pydantic", "required": true}]}',
    ]


def test_the_front_ends_polling_is_read_from_its_queries(checkout: Path) -> None:
    contract = build_contract(checkout, "v0", "0" * 40)
    assert contract["frontend"]["polling"] == [
        {"file": "frontend/src/api/notifications.js", "seconds": 30},
        {"file": "frontend/src/api/projects.js", "seconds": 60},
        {"file": "frontend/src/api/projects.js", "seconds": 120},
    ]


def test_the_oauth_callback_path_and_default_scope_are_read_from_the_app(checkout: Path) -> None:
    contract = build_contract(checkout, "v0", "0" * 40)
    assert contract["oauth"] == {"callbackPath": "/authorized", "defaultScope": "read_prefs write_api"}
    # A front end whose Authorized view moved, or that has none, is refused, not guessed.
    routes = checkout / "frontend/src/routes.js"
    routes.write_text(ROUTES_JS.replace('path="authorized"', 'path="oauth/callback"'))
    assert build_contract(checkout, "v0", "0" * 40)["oauth"]["callbackPath"] == "/oauth/callback"
    routes.write_text(ROUTES_JS.replace("<Authorized />", "<Other />"))
    with pytest.raises(ContractSourceError, match="0 routes of the Authorized view"):
        build_contract(checkout, "v0", "0" * 40)


def test_an_interval_the_generator_cannot_read_is_refused(checkout: Path) -> None:
    (checkout / "frontend/src/api/odd.js").write_text("useQuery({ refetchInterval: compute() });\n")
    with pytest.raises(ContractSourceError, match="compute"):
        build_contract(checkout, "v0", "0" * 40)


def test_the_new_relic_agent_is_described_from_its_ini_and_its_own_source(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (checkout / "newrelic.ini").write_text(
        "[newrelic]\napp_name = TM\n[newrelic:tasking-manager-production]\nmonitor_mode = true\n"
        "[newrelic:tasking-manager-develop]\nmonitor_mode = true\n"
    )
    agent = tmp_path / "newrelic-8.8.0"
    (agent / "newrelic" / "admin").mkdir(parents=True)
    (agent / "newrelic" / "config.py").write_text(
        'import os\nos.environ.get("NEW_RELIC_CONFIG_FILE")\nos.environ.get("NEW_RELIC_LICENSE_KEY")\n'
    )
    (agent / "newrelic" / "admin" / "run.py").write_text(
        "env = {'NEW_RELIC_ENVIRONMENT': 1, 'NOT_NEW_RELIC': 2}\n"
    )
    fetched: list[tuple[str, str]] = []

    def fake_sdist(name: str, version: str, into: Path) -> Path:
        fetched.append((name, version))
        return agent

    monkeypatch.setattr(app_contract, "pypi_sdist", fake_sdist)
    contract = app_contract.new_relic_contract(checkout, {"newrelic": "8.8.0"})
    assert fetched == [("newrelic", "8.8.0")]
    assert contract == {
        "version": "8.8.0",
        "configFile": "newrelic.ini",
        "environments": ["tasking-manager-develop", "tasking-manager-production"],
        "variables": ["NEW_RELIC_CONFIG_FILE", "NEW_RELIC_ENVIRONMENT", "NEW_RELIC_LICENSE_KEY"],
    }
    # An image without the agent has no New Relic contract (and nothing is downloaded).
    assert app_contract.new_relic_contract(checkout, {}) is None


def test_the_enumerations_are_read_with_the_values_the_database_stores(checkout: Path) -> None:
    contract = build_contract(checkout, "v0", "0" * 40)
    assert contract["enums"] == {
        "TaskStatus": {"file": "backend/models/statuses.py", "members": {"READY": 0, "MAPPED": 2}},
        "UserRole": {"file": "backend/models/statuses.py", "members": {"READ_ONLY": -1, "ADMIN": 1}},
    }
    # Two enumerations of one name would make a seed's `TaskStatus_READY` ambiguous.
    (checkout / "backend/models/other.py").write_text("import enum\nclass UserRole(enum.Enum):\n    X = 1\n")
    with pytest.raises(ContractSourceError, match="two enumerations named UserRole"):
        build_contract(checkout, "v0", "0" * 40)
    (checkout / "backend/models/other.py").write_text("class Odd(Enum):\n    X = compute()\n")
    with pytest.raises(ContractSourceError, match="Odd has a member that is not a constant"):
        build_contract(checkout, "v0", "0" * 40)
