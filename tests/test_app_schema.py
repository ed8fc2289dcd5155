"""The schema recorder (offline/app_schema.py): what it keeps of pg_dump's output, the checkouts it
refuses, and the settings it hands the application's migrations. The committed schema itself is
loaded and seeded for real in tests/test_review_seed.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from components.app_contract import CONTRACT
from offline.app_schema import (
    _VOLATILE,
    IMPORT_NEEDS,
    STAND_INS,
    SchemaSourceError,
    app_root,
    check_checkout,
    migration_env,
    without_extensions,
)
from offline.postgres import Cluster

DUMP = """--
-- PostgreSQL database dump
--

\\restrict AbCdEf0123
-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;

--
-- Name: postgis; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public;


--
-- Name: EXTENSION postgis; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION postgis IS 'PostGIS geometry and geography spatial types and functions';


--
-- Name: tasks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tasks (
    id integer NOT NULL
);


--
-- PostgreSQL database dump complete
--

\\unrestrict AbCdEf0123
"""


def test_postgis_itself_and_what_varies_between_runs_are_left_out() -> None:
    kept = without_extensions(_VOLATILE.sub("", DUMP))
    assert "EXTENSION" not in kept
    assert "restrict" not in kept
    assert "Dumped" not in kept
    assert "SET statement_timeout = 0;" in kept
    assert "-- Name: tasks; Type: TABLE; Schema: public; Owner: -\n--\n\nCREATE TABLE public.tasks (" in kept
    assert kept.endswith("-- PostgreSQL database dump complete\n--\n\n")


def test_a_checkout_of_another_version_is_refused(tmp_path: Path) -> None:
    # An export (no git) whose packages are not the contract's.
    (tmp_path / "backend").mkdir()
    (tmp_path / "backend" / "statuses.py").write_text(
        "from enum import Enum\nclass TaskStatus(Enum):\n    READY = 0\n"
    )
    (tmp_path / "uv.lock").write_text(
        '[[package]]\nname = "tm"\nversion = "0"\nsource = { virtual = "." }\ndependencies = []\n'
    )
    with pytest.raises(SchemaSourceError, match="differ from the contract's"):
        check_checkout(tmp_path, CONTRACT)
    # A git checkout at another commit.
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    with pytest.raises(SchemaSourceError, match=f"the contract at {CONTRACT.commit}"):
        check_checkout(tmp_path, CONTRACT)
    with pytest.raises(SchemaSourceError, match="not a Tasking Manager checkout"):
        check_checkout(tmp_path / "nowhere", CONTRACT)


def test_the_migrations_get_every_setting_the_application_cannot_start_without(tmp_path: Path) -> None:
    env = migration_env(Cluster("127.0.0.1", 5433), "tm_schema", CONTRACT, tmp_path / "app", tmp_path)
    assert CONTRACT.required() | set(IMPORT_NEEDS) <= set(env)
    assert (env["POSTGRES_ENDPOINT"], env["POSTGRES_PORT"], env["POSTGRES_DB"]) == (
        "127.0.0.1",
        "5433",
        "tm_schema",
    )
    assert env["PYTHONPATH"] == str(tmp_path / "app")


def test_the_app_root_stands_in_only_for_what_the_checkout_lacks(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    for name in ("backend", "migrations", "scripts/world"):
        (checkout / name).mkdir(parents=True)
    (checkout / "scripts/world/Africa.json").write_text("{}")
    assert app_root(checkout, tmp_path / "a") == list(STAND_INS)
    assert (tmp_path / "a/scripts/world/Africa.json").resolve() == checkout / "scripts/world/Africa.json"
    assert (tmp_path / "a/migrations").resolve() == checkout / "migrations"
    for relative in STAND_INS:
        (checkout / relative).write_text("{}")
    assert app_root(checkout, tmp_path / "b") == []
