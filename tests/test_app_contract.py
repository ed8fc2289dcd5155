"""Every Tasking Manager container of every stack's plan, held to the application's own contract.

The contract (components/app_contract.json) is generated from the application's source at the tag we
deploy (`python -m offline.app_contract`): which variables its settings read, the type each field
declares, how the raw string is converted, which ones it cannot start without, and what its image
ships. These tests check the planned task definitions against it, the way the application would
read them at import, with the validation library the application uses (pydantic).
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import string
from collections.abc import Iterator
from typing import Any, Optional

import pytest
import yaml
from pydantic import PostgresDsn, TypeAdapter, ValidationError

from components.app_contract import CONTRACT, Read
from components.database import MASTER_USERNAME
from offline import otel_layer
from offline.engine import PROJECT_DIR, Plan, written_secrets
from tests.conftest import plan_for

STACKS = ["prod", "dev", "review-pr-123"]
# Each stack as committed, and prod with the APM mode no profile chooses by default.
VARIANTS: list[tuple[str, dict[str, str] | None]] = [
    *((stack, None) for stack in STACKS),
    ("prod", {"tm:observability.apm": "openTelemetry"}),
]
LAYER = otel_layer.recorded()
APP_CONTAINERS = ("api", "cron", "migrate")
# Variables read by a program a command runs rather than by the application's settings, with the
# documentation that says so. A variable outside these and the contract is a typo or dead weight.
PROGRAM_VARIABLES: dict[str, tuple[str, ...]] = {
    # libpq's environment (PostgreSQL docs, "Environment Variables" of libpq).
    "psql": ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE"),
    # The New Relic agent: every NEW_RELIC_* name its own source reads (the app contract).
    "newrelic-admin": tuple(sorted(CONTRACT.new_relic_variables)),
    # OpenTelemetry's instrumentation our image step adds: every OTEL_* name its packages read.
    "opentelemetry-instrument": tuple(LAYER["variables"]),
}
# What the image ECS runs has on its PATH: the application's image, and our layer's programs.
EXECUTABLES = CONTRACT.executables | set(LAYER["programs"])
# Shell words that are not programs looked up on PATH.
SHELL_WORDS = {
    "set", "export", "exec", "echo", "case", "esac", "if", "then", "else", "fi", "exit", "test", "[",
    "true", "false", "cd", ":", "for", "do", "done", "while", "in", "unset", "printf", "read", "shift",
}  # fmt: skip
# RFC 3986's unreserved characters: the only ones that survive an unescaped URL unchanged.
URL_SAFE = set(string.ascii_letters + string.digits + "-._~")
TYPES: dict[str, Any] = {
    "int": int,
    "str": str,
    "bool": bool,
    "list": list,
    "dict": dict,
    "Optional[str]": Optional[str],  # noqa: UP045
    "PostgresDsn": PostgresDsn,
    "Optional[PostgresDsn]": Optional[PostgresDsn],  # noqa: UP045
}


def app_containers(plan: Plan) -> Iterator[tuple[str, dict[str, Any]]]:
    for definition in plan.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        for container in json.loads(definition.inputs["containerDefinitions"]):
            if container["name"] in APP_CONTAINERS:
                yield f"{plan.stack}/{definition.name}/{container['name']}", container


# The application containers each variant's plan has: the test ids are known without planning,
# so collecting the tests plans nothing (test_every_stack_has_application_containers checks them).
CONTAINERS = {"prod": APP_CONTAINERS, "dev": APP_CONTAINERS, "review-pr-123": ("api", "migrate")}


def cases() -> list[Any]:
    return [
        pytest.param(
            stack,
            overrides,
            name,
            id=f"{stack}/{name}" + "".join(f"+{v}" for v in (overrides or {}).values()),
        )
        for stack, overrides in VARIANTS
        for name in CONTAINERS[stack]
    ]


@pytest.fixture
def where_and_container(
    stack: str, overrides: dict[str, str] | None, name: str
) -> tuple[str, dict[str, Any]]:
    (found,) = [(w, c) for w, c in app_containers(plan_for(stack, overrides)) if c["name"] == name]
    return found


@pytest.fixture
def where(where_and_container: tuple[str, dict[str, Any]]) -> str:
    return where_and_container[0]


@pytest.fixture
def container(where_and_container: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return where_and_container[1]


def environment(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("environment", [])}


def secret_names(container: dict[str, Any]) -> dict[str, str]:
    return {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}


def parse_problem(value: str, read: Read) -> str | None:
    """Why the application would fail to read `value` the way `read` says, or None."""
    try:
        if read.conversion == "int":
            int(value)
        elif read.conversion == "json":
            decoded = json.loads(value)
            if read.field is not None:
                TypeAdapter(TYPES[read.type]).validate_python(decoded)
        elif read.conversion == "pydantic":
            TypeAdapter(TYPES[read.type]).validate_python(value)
    except (ValueError, ValidationError) as error:
        first = str(error).splitlines()[0]
        return f"{read.field or 'settings'} ({read.type}, {read.conversion}): {first}"
    return None


def commands_of(container: dict[str, Any]) -> list[list[str]]:
    """The simple commands a container runs: its command, and each command of an `sh -c` script."""
    command = list(container.get("command") or [])
    if command[:2] != ["sh", "-c"]:
        return [command]
    script = re.sub(r"<<-?'?(\w+)'?\n.*?\n\1\n", "\n", command[2], flags=re.DOTALL)  # heredoc bodies
    found: list[list[str]] = [command[:1]]
    for line in script.splitlines():
        words = shlex.split(line, comments=True)
        current: list[str] = []
        for word in [*words, ";"]:
            if word in (";", "&&", "||", "|", "then", "do", "else") or word.endswith(";"):
                if word.endswith(";") and word != ";":
                    current.append(word[:-1])
                if current:
                    found.append(current)
                current = []
            elif current or not re.fullmatch(r"\w+=.*", word):  # skip leading assignments
                current.append(word)
    found = [c[1:] if c[:1] == ["exec"] else c for c in found]
    return [c for c in found if c and c[0] not in SHELL_WORDS and not c[0].startswith(("$", ")"))]


def python_problems(code: str) -> list[str]:
    """Modules a `python -c` program imports that the image lacks, and database drivers it needs."""
    problems = []
    tree = ast.parse(code)
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top not in STDLIB and top.replace("_", "-") not in CONTRACT.python_packages:
                problems.append(f"imports {top}, which the image does not install")
        # SQLAlchemy's plain `postgresql` dialect loads psycopg2 (its default driver).
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.fullmatch(r"postgresql(://.*)?", node.value)
            and "psycopg2" not in CONTRACT.python_packages
        ):
            problems.append("opens a plain postgresql:// SQLAlchemy engine, which needs psycopg2")
    return problems


STDLIB = {"os", "sys", "json", "urllib", "time", "socket", "ssl"}


def test_the_container_checks_find_what_the_application_and_image_would_refuse() -> None:
    """No planned container breaks these checks, so each is shown a value that does."""
    (max_connections,) = CONTRACT.reads["DB_MAX_CONNECTIONS"]
    assert parse_problem("20", max_connections) is None
    assert parse_problem("twenty", max_connections)
    (cors,) = [r for r in CONTRACT.reads["EXTRA_CORS_ORIGINS"] if r.conversion == "json"]
    assert parse_problem('["https://a.example"]', cors) is None
    assert parse_problem("https://a.example", cors)
    # `word;` ends a command as `;` does, after leading assignments and `exec`.
    assert commands_of({"command": ["sh", "-c", "A=1 psql -c x; exec uvicorn app && echo done"]}) == [
        ["sh"],
        ["psql", "-c", "x"],
        ["uvicorn", "app"],
    ]
    assert python_problems("import os, json") == []
    assert python_problems("import psycopg2") == ["imports psycopg2, which the image does not install"]
    assert python_problems("from sqlalchemy import create_engine\ncreate_engine('postgresql://h/db')") == [
        "opens a plain postgresql:// SQLAlchemy engine, which needs psycopg2"
    ]


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_contract_is_the_version_the_stack_deploys(stack: str) -> None:
    """The contract was generated from the application tag the committed stack runs."""
    config = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    assert config["tm:image"]["tag"] == CONTRACT.ref
    assert re.fullmatch(r"[0-9a-f]{40}", CONTRACT.commit)


def test_every_stack_has_application_containers() -> None:
    for stack, overrides in VARIANTS:
        found = [where.split("/")[-1] for where, _ in app_containers(plan_for(stack, overrides))]
        assert sorted(found) == sorted(CONTAINERS[stack]), stack
    # prod and dev: api, cron, migrate; review: api, migrate; prod under OpenTelemetry again.
    assert len(cases()) == 3 + 3 + 2 + 3


@pytest.mark.parametrize(("stack", "overrides", "name"), cases())
class TestContainer:
    def test_every_required_variable_is_set(self, stack: str, where: str, container: dict[str, Any]) -> None:
        given = set(environment(container)) | set(secret_names(container))
        missing = sorted(CONTRACT.required() - given)
        assert not missing, f"{where}: the application cannot import its settings without {missing}"

    def test_every_value_parses_as_the_application_declares_it(
        self, stack: str, where: str, container: dict[str, Any]
    ) -> None:
        problems = [
            f"{name}={value!r}: {problem}"
            for name, value in environment(container).items()
            for read in CONTRACT.reads.get(name, ())
            if (problem := parse_problem(value, read))
        ]
        assert not problems, f"{where}: " + "; ".join(problems)

    def test_no_variable_is_sent_that_nothing_reads(
        self, stack: str, where: str, container: dict[str, Any]
    ) -> None:
        programs = {command[0] for command in commands_of(container)}
        by_programs = {name for program in programs for name in PROGRAM_VARIABLES.get(program, ())}
        unread = sorted(
            name
            for name in {*environment(container), *secret_names(container)}
            if not CONTRACT.read_by_app(name) and name not in by_programs
        )
        assert not unread, f"{where}: neither the application nor its command reads {unread}"

    def test_commands_use_only_what_the_image_ships(
        self, stack: str, where: str, container: dict[str, Any]
    ) -> None:
        commands = commands_of(container)
        health = container.get("healthCheck", {}).get("command", [])
        if health[:1] == ["CMD-SHELL"]:
            commands += commands_of({"command": ["sh", "-c", health[1]]})
        missing = sorted({c[0] for c in commands} - EXECUTABLES)
        assert not missing, f"{where}: the image has no {missing}"
        problems = [
            problem
            for command in commands
            if command[0] in ("python", "python3") and "-c" in command
            for problem in python_problems(command[command.index("-c") + 1])
        ]
        assert not problems, f"{where}: " + "; ".join(problems)

    def test_runs_as_the_image_user(self, stack: str, where: str, container: dict[str, Any]) -> None:
        assert container["user"] == str(CONTRACT.uid)

    def test_the_database_login_survives_the_application_url(
        self, stack: str, overrides: dict[str, str] | None, where: str, container: dict[str, Any]
    ) -> None:
        """The application puts POSTGRES_PASSWORD into a URL without escaping it, so the password
        must come from a secret this program writes, from URL-safe characters, not the RDS-managed
        master secret (whose generated passwords may hold # ? : / @ %)."""
        assert not CONTRACT.database_url_escapes_password  # otherwise this test can be relaxed
        reference = secret_names(container)["POSTGRES_PASSWORD"]
        arn, key = reference.rsplit(":", 3)[0], reference.split(":")[-3]
        written = written_secrets(plan_for(stack, overrides))  # the plan the container is of
        assert arn in written, (
            f"{where}: POSTGRES_PASSWORD comes from {arn}, a secret this program does not write "
            "(the RDS-managed master secret?): its password may break the application's URL"
        )
        password = json.loads(written[arn])[key]
        assert len(password) >= 32
        assert set(password) <= URL_SAFE, f"{where}: the password has URL delimiters"
        assert secret_names(container)["POSTGRES_USER"].startswith(f"{arn}:username")


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_services_never_use_the_master_login(stack: str) -> None:
    """RDS rotates the master password every 7 days; a running task would keep the old one. Only
    the migration task, which starts afresh each run, reads the master secret."""
    plan = plan_for(stack)
    master = next(iter(plan.of_type("aws:rds/instance:Instance"))).outputs["masterUserSecrets"][0][
        "secretArn"
    ]
    for where, container in app_containers(plan):
        references = secret_names(container).values()
        uses_master = any(r.startswith(master) for r in references)
        assert uses_master == where.endswith("/migrate"), where
        written = written_secrets(plan)
        login = json.loads(written[secret_names(container)["POSTGRES_USER"].rsplit(":", 3)[0]])
        assert login["username"] != MASTER_USERNAME
