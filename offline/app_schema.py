"""Record the Tasking Manager's database as its own migrations leave it.

    python -m offline.app_schema <checkout> [--python VERSION] [--check]      (make app-schema APP=...)

The checkout must be the application at the contract's commit (components/app_contract.json): a
git checkout at that commit, or an export whose uv.lock and enumerations are the contract's.
This script runs, never copies, the application's code:

1. builds the application's own Python environment from its `uv.lock` (`uv sync --frozen --no-dev
   --no-install-project`, what its image installs) for the image's Python (the contract's);
2. starts a throwaway PostgreSQL 15 + PostGIS (offline/postgres.py), creates PostGIS as the master
   login and a database owned by an ordinary login, as the migrate task does;
3. runs `alembic -c migrations/alembic.ini upgrade head` with the application's `migrations/` as
   that login, with every setting the contract says the application cannot start without;
4. writes `components/app_schema.sql`: `pg_dump --schema-only --no-owner --no-privileges` without
   PostGIS itself (the migrate task creates it before any migration), then the rows the migrations
   insert (`pg_dump --data-only --column-inserts` of the tables they fill, alembic_version among
   them), under a header naming the source and the command that regenerates the file.

The seed of review apps' databases (scripts/review-seed.sql) is tested against this file.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from components.app_contract import CONTRACT, AppContract
from components.database import MASTER_USERNAME
from offline import postgres
from offline.app_contract import ContractSourceError, enums, python_packages

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "components" / "app_schema.sql"
LOGIN, PASSWORD = "tm_schema", "schema-Pw1"
# backend/__init__.py builds fastapi-mail's ConnectionConfig when imported (migrations/env.py imports
# it), which wants these two as strings although the settings declare them optional.
IMPORT_NEEDS = ("TM_SMTP_USER", "TM_SMTP_PASSWORD")
# Files the migrations read that a checkout may lack (a partial clone that left out large blobs):
# migration 0eee8c1abd3a loads the continents to place each existing project in its country; on the
# empty database of this run there is no project, so nothing is looked up in them.
STAND_INS = {"scripts/world/continents.json": '{"type": "FeatureCollection", "features": []}\n'}
# What pg_dump writes that would make two runs differ: the versions of the local PostgreSQL and, from
# 15.14 on, a random key guarding psql against a malicious server (psql older than that refuses it).
_VOLATILE = re.compile(
    r"^(\\(un)?restrict .*|-- Dumped (from database|by pg_dump) version .*)\n", re.MULTILINE
)
# Where each of pg_dump's sections (one object: its header comment, then its statements) starts.
_SECTION = re.compile(r"(?m)^(?=--\n-- (?:Data for )?Name: )")
_EXTENSION = re.compile(r"--\n-- Name: (?:[^;\n]*; Type: EXTENSION|EXTENSION [^;\n]*; Type: COMMENT);")


class SchemaSourceError(Exception):
    """The checkout is not the contract's application, or its migrations failed."""


def _run(command: list[str], env: dict[str, str], cwd: Path | None = None) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env, cwd=cwd)
    if result.returncode != 0:
        raise SchemaSourceError(f"{' '.join(command[:4])} ... failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def check_checkout(checkout: Path, contract: AppContract) -> None:
    """The checkout is the commit the contract was read from."""
    head = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    if head.returncode == 0 and (checkout / ".git").exists():
        if head.stdout.strip() != contract.commit:
            raise SchemaSourceError(
                f"{checkout} is at {head.stdout.strip()}, the contract at {contract.commit} "
                f"({contract.ref}): regenerate the contract first (make app-contract)"
            )
        return
    try:
        lock = (checkout / "uv.lock").read_text(encoding="utf-8")
        same = (
            python_packages(lock) == contract.python_packages
            and {name: enum["members"] for name, enum in enums(checkout).items()} == contract.enums
        )
    except (OSError, ContractSourceError) as error:
        raise SchemaSourceError(f"{checkout} is not a Tasking Manager checkout: {error}") from error
    if not same:
        raise SchemaSourceError(
            f"{checkout}'s packages or enumerations differ from the contract's ({contract.ref}): "
            "regenerate the contract first (make app-contract)"
        )


def app_python(uv: str, version: str) -> str:
    """The interpreter uv builds the environment with: one uv finds, else pyenv's install of that
    version, else the version itself (uv then downloads it)."""
    found = subprocess.run([uv, "python", "find", version], capture_output=True, text=True, check=False)
    if found.returncode == 0:
        return found.stdout.strip()
    pyenv = shutil.which("pyenv")
    if pyenv:
        prefix = subprocess.run([pyenv, "prefix", version], capture_output=True, text=True, check=False)
        candidate = Path(prefix.stdout.strip()) / "bin" / f"python{version}"
        if prefix.returncode == 0 and candidate.exists():
            return str(candidate)
    return version


def app_root(checkout: Path, into: Path) -> list[str]:
    """A directory laid out like the image's /usr/src/app (the migrations open files relative to
    it); returns the stand-ins it had to use."""
    into.mkdir()
    for name in ("backend", "migrations"):
        (into / name).symlink_to(checkout / name)
    world = into / "scripts" / "world"
    world.mkdir(parents=True)
    for path in sorted((checkout / "scripts" / "world").glob("*")):
        (world / path.name).symlink_to(path)
    used = []
    for relative, text in STAND_INS.items():
        if not (into / relative).exists():
            (into / relative).write_text(text)
            used.append(relative)
    return used


def migration_env(
    cluster: postgres.Cluster, database: str, contract: AppContract, root: Path, logs: Path
) -> dict[str, str]:
    placeholders = dict.fromkeys(sorted(contract.required() | set(IMPORT_NEEDS)), "placeholder")
    return {
        **placeholders,
        "PATH": os.environ["PATH"],
        "HOME": str(logs),
        "PYTHONPATH": str(root),  # as the image's PYTHONPATH holds /usr/src/app
        "PYTHONDONTWRITEBYTECODE": "1",
        "TM_LOG_DIR": str(logs),
        "POSTGRES_ENDPOINT": cluster.host,
        "POSTGRES_PORT": str(cluster.port),
        "POSTGRES_DB": database,
        "POSTGRES_USER": LOGIN,
        "POSTGRES_PASSWORD": PASSWORD,
    }


def without_extensions(dump: str) -> str:
    """The dump without its CREATE EXTENSION sections and their comments."""
    return "".join(part for part in _SECTION.split(dump) if not _EXTENSION.match(part))


def _dump(cluster: postgres.Cluster, database: str, *options: str) -> str:
    env = cluster.env(MASTER_USERNAME, postgres.MASTER_PASSWORD, database)
    return _VOLATILE.sub(
        "", _run([str(postgres.BIN / "pg_dump"), "--no-owner", "--no-privileges", *options], env)
    )


def generate(checkout: Path, python: str, contract: AppContract = CONTRACT) -> str:
    """The text of components/app_schema.sql for this checkout."""
    check_checkout(checkout, contract)
    uv = str(Path(sys.executable).parent / "uv")
    reason = postgres.missing()
    if reason:
        raise SchemaSourceError(f"{reason} (make postgis installs it)")
    with tempfile.TemporaryDirectory(prefix="tm-schema-") as scratch:
        root, venv, logs = Path(scratch) / "app", Path(scratch) / "venv", Path(scratch) / "logs"
        logs.mkdir()
        stand_ins = app_root(checkout.resolve(), root)
        _run(
            [uv, "sync", "--frozen", "--no-dev", "--no-install-project", "--no-editable", "--quiet",
             "--python", app_python(uv, python), "--project", str(checkout)],
            env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)},
        )  # fmt: skip
        ini = (checkout / contract.migrations_config).read_text(encoding="utf-8")
        local_ini = root / "alembic.ini"
        local_ini.write_text(
            re.sub(r"(?m)^script_location\s*=.*$", f"script_location = {root / 'migrations'}", ini)
        )
        version = _run(
            [str(venv / "bin" / "python"), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], {}
        )
        database = LOGIN
        with contextmanager(postgres.start)() as cluster:
            cluster.query(f"CREATE ROLE {LOGIN} LOGIN PASSWORD '{PASSWORD}'")
            cluster.query(f"CREATE DATABASE {database} OWNER {LOGIN}")
            cluster.query("CREATE EXTENSION postgis", database=database)
            _run(
                [str(venv / "bin" / "alembic"), "-c", str(local_ini), "upgrade", "head"],
                cwd=root,
                env=migration_env(cluster, database, contract, root, logs),
            )
            revision = cluster.query("SELECT version_num FROM alembic_version", database=database)
            tables = cluster.query(
                # The public schema's tables, PostGIS's own (spatial_ref_sys) left out.
                "SELECT string_agg(format('%I', c.relname), ' ' ORDER BY c.relname) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' "
                "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')",
                database=database,
            ).split()
            filled = [
                t for t in tables if cluster.query(f"SELECT count(*) > 0 FROM {t}", database=database) == "t"
            ]
            schema = without_extensions(_dump(cluster, database, "--schema-only"))
            data = _dump(
                cluster, database, "--data-only", "--column-inserts", *[f"--table=public.{t}" for t in filled]
            )
    header = [
        "-- The Tasking Manager's database as its own migrations leave it. Generated: do not edit.",
        f"-- application: {contract.ref}, commit {contract.commit} (components/app_contract.json)",
        f"-- alembic revision: {revision}",
        "-- regenerate: make app-schema APP=<checkout of that commit> "
        "(python -m offline.app_schema <checkout>)",
        f"-- how: alembic -c {contract.migrations_config} upgrade head, with the application's uv.lock on "
        f"Python {version.strip()}, as an ordinary login",
        "--   on PostgreSQL 15 + PostGIS; then pg_dump --schema-only --no-owner --no-privileges, "
        "without PostGIS",
        "--   (created before the migrations), and pg_dump --data-only --column-inserts of the tables the",
        f"--   migrations fill: {', '.join(filled)}",
    ]
    header += [f"-- stand-in (absent from the checkout): {path}" for path in stand_ins]
    return "\n".join(header) + "\n" + schema + data


def recorded_header(path: Path = SCHEMA_PATH) -> dict[str, str]:
    """`application`, `alembic revision`, ... of the committed file's header."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("-- "):
            break
        key, _, value = line[3:].partition(": ")
        fields.setdefault(key, value)
    return fields


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.app_schema", description=__doc__.split("\n")[0])
    parser.add_argument("checkout", type=Path, help="hotosm/tasking-manager at the contract's commit")
    parser.add_argument("--python", default=CONTRACT.python, help="the application's Python (the image's)")
    parser.add_argument(
        "--check", action="store_true", help="only compare with the committed file; exit 1 if it differs"
    )
    options = parser.parse_args(argv)
    try:
        text = generate(options.checkout, options.python)
    except SchemaSourceError as error:
        print(f"cannot record the application's schema: {error}", file=sys.stderr)
        return 2
    old = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
    diff = list(
        difflib.unified_diff(old.splitlines(), text.splitlines(), "committed", "generated", lineterm="", n=1)
    )
    print("\n".join(diff) if diff else f"{SCHEMA_PATH.name} is unchanged")
    if options.check:
        return 1 if diff else 0
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}: review the changes above, then run make test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
