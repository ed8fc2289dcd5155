"""Our SQL and database scripts, run for real against PostgreSQL 15 + PostGIS over TLS.

The migrate task's script (scripts/container-migrate.sh) and dev's review database-admin script
(components/review_base.py) run here exactly as their containers run them, with `sh` and `psql`.
Alembic is replaced by a stand-in that connects the way the application does (its URL, built from
POSTGRES_* without escaping) and creates a table with a PostGIS column as a migration would.
In CI these tests must run: a missing PostgreSQL or PostGIS fails them instead of skipping.
"""

from __future__ import annotations

import secrets
import string
import subprocess
from pathlib import Path

import psycopg
import pytest

from components.app_spec import DATABASE_NAME, MIGRATE_SCRIPT, review_database_name
from components.database import APP_USERNAME, MASTER_USERNAME
from components.review_app import database_password
from components.review_base import ADMIN_SCRIPT
from components.settings import REVIEW_CONNECTION_LIMIT
from offline import postgres
from offline.postgres import MASTER_PASSWORD, Cluster

# What the application does with POSTGRES_*: a URL with the password as is (PostgresDsn.build).
FAKE_ALEMBIC = r"""#!/bin/sh
echo "$*" >> "$ALEMBIC_CALLS"
[ -z "${ALEMBIC_FAILS:-}" ] || { echo "alembic: migration failed" >&2; exit 1; }
url="postgresql://$POSTGRES_USER:$POSTGRES_PASSWORD@$POSTGRES_ENDPOINT:$POSTGRES_PORT/$POSTGRES_DB"
exec psql -X -v ON_ERROR_STOP=1 "$url?sslmode=require" \
  -c "CREATE TABLE IF NOT EXISTS projects (id serial PRIMARY KEY, area geometry(MultiPolygon, 4326))"
"""
ROOT = Path(__file__).resolve().parent.parent
URL_SAFE = string.ascii_letters + string.digits
# Characters RDS-generated master passwords may contain that mean something in a URL.
RDS_URL_DELIMITERS = "#?:%/@"


def url_safe_password() -> str:
    return "".join(secrets.choice(URL_SAFE) for _ in range(40))


def run_script(
    cluster: Cluster, script: str, env: dict[str, str], tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run a container script with `sh -c`, a stand-in alembic first on PATH; returns the result
    and the alembic calls it made."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "alembic").write_text(FAKE_ALEMBIC)
    (bin_dir / "alembic").chmod(0o755)
    calls = tmp_path / "alembic-calls"
    calls.write_text("")
    base = cluster.env(MASTER_USERNAME, MASTER_PASSWORD)
    full_env = {"PATH": f"{bin_dir}:{base['PATH']}", "ALEMBIC_CALLS": str(calls), **env}
    result = subprocess.run(
        ["sh", "-c", script], env=full_env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    return result, calls.read_text().splitlines()


def migrate_env(cluster: Cluster, app_password: str, admin_password: str = MASTER_PASSWORD) -> dict[str, str]:
    return {
        "PGUSER": MASTER_USERNAME,
        "PGPASSWORD": admin_password,
        "POSTGRES_ENDPOINT": cluster.host,
        "POSTGRES_PORT": str(cluster.port),
        "POSTGRES_DB": DATABASE_NAME,
        "POSTGRES_USER": APP_USERNAME,
        "POSTGRES_PASSWORD": app_password,
    }


# -- the migrate task ------------------------------------------------------------------------------


def test_migrate_prepares_the_database_then_migrates_as_the_app_login(
    cluster: Cluster, tmp_path: Path
) -> None:
    password = url_safe_password()
    for _ in range(2):  # idempotent: every deploy runs it
        result, calls = run_script(cluster, MIGRATE_SCRIPT, migrate_env(cluster, password), tmp_path)
        assert result.returncode == 0, result.stderr
        assert calls == ["-c migrations/alembic.ini upgrade head"]
    assert cluster.query("SELECT extname FROM pg_extension WHERE extname = 'postgis'") == "postgis"
    role = cluster.query(
        "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
        f"WHERE rolname = '{APP_USERNAME}'"
    )
    assert role == "t|f|f|f"  # a login, nothing more
    # The application owns what it migrated, and logs in over TLS with its own password.
    assert cluster.query("SELECT tableowner FROM pg_tables WHERE tablename = 'projects'") == APP_USERNAME
    assert (
        cluster.query(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", user=APP_USERNAME, password=password
        )
        == "t"
    )


def test_migrate_keeps_the_app_password_in_step_with_its_secret(cluster: Cluster, tmp_path: Path) -> None:
    old, new = url_safe_password(), url_safe_password()
    for password in (old, new):
        result, _ = run_script(cluster, MIGRATE_SCRIPT, migrate_env(cluster, password), tmp_path)
        assert result.returncode == 0, result.stderr
    assert cluster.query("SELECT current_user", user=APP_USERNAME, password=new) == APP_USERNAME
    refused = cluster.psql("SELECT 1", user=APP_USERNAME, password=old)
    assert refused.returncode != 0
    assert "password authentication failed" in refused.stderr


def test_migrate_stops_before_alembic_when_the_preparation_fails(cluster: Cluster, tmp_path: Path) -> None:
    env = migrate_env(cluster, url_safe_password(), admin_password="not-the-master-password")
    result, calls = run_script(cluster, MIGRATE_SCRIPT, env, tmp_path)
    assert result.returncode != 0
    assert "password authentication failed" in result.stderr
    assert calls == []


def test_a_failed_migration_fails_the_task(cluster: Cluster, tmp_path: Path) -> None:
    env = {**migrate_env(cluster, url_safe_password()), "ALEMBIC_FAILS": "1"}
    result, calls = run_script(cluster, MIGRATE_SCRIPT, env, tmp_path)
    assert result.returncode != 0
    assert calls == ["-c migrations/alembic.ini upgrade head"]


def test_the_app_url_takes_our_passwords_but_not_rds_generated_ones(cluster: Cluster) -> None:
    """The application's URL carries the password unescaped: an RDS-style password with URL
    delimiters cannot log in through it, although libpq's own variables (what psql in the migrate
    task uses) take it fine."""
    ours = url_safe_password()
    rds_like = "Ab3" + RDS_URL_DELIMITERS + "xyz9"
    for role, password in (("url_ours", ours), ("url_rds", rds_like)):
        cluster.query(f"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        assert cluster.query("SELECT 1", user=role, password=password) == "1"

    def through_the_app_url(role: str, password: str) -> subprocess.CompletedProcess[str]:
        url = f"postgresql://{role}:{password}@{cluster.host}:{cluster.port}/{DATABASE_NAME}?sslmode=require"
        env = {"PATH": cluster.env(role, "")["PATH"]}
        return subprocess.run(
            ["psql", "-X", "-At", url, "-c", "SELECT 1"], env=env, capture_output=True, text=True, check=False
        )

    assert through_the_app_url("url_ours", ours).stdout.strip() == "1"
    assert through_the_app_url("url_rds", rds_like).returncode != 0


# -- review apps -----------------------------------------------------------------------------------

REVIEW_KEY = "0f" * 32


def admin_env(cluster: Cluster, action: str, pull_request: int) -> dict[str, str]:
    env = cluster.env(MASTER_USERNAME, MASTER_PASSWORD, database="postgres")
    env.pop("PGDATABASE")
    return {
        **env,
        "BASE_DATABASE": DATABASE_NAME,
        "ACTION": action,
        "PR_NUMBER": str(pull_request),
        "REVIEW_DATABASE_KEY": REVIEW_KEY,
    }


def test_review_database_lifecycle(cluster: Cluster, tmp_path: Path) -> None:
    pull_request = 77
    name = review_database_name(pull_request)
    password = database_password(REVIEW_KEY, name)
    for _ in range(2):  # a re-run of the workflow changes nothing
        result, _ = run_script(cluster, ADMIN_SCRIPT, admin_env(cluster, "create", pull_request), tmp_path)
        assert result.returncode == 0, result.stderr
    login = {"user": name, "password": password}
    # The password the review stack derives in Python is the one PostgreSQL set with pgcrypto.
    assert cluster.query("SELECT current_user", database=name, **login) == name
    assert (
        cluster.query("SELECT extname FROM pg_extension WHERE extname = 'postgis'", database=name)
        == "postgis"
    )
    # The review app may not reach dev's own database.
    refused = cluster.psql("SELECT 1", database=DATABASE_NAME, **login)
    assert refused.returncode != 0
    assert "permission denied" in refused.stderr

    # The review app's migrate task: its own login prepares and migrates its own database.
    env = {
        "PGUSER": name,
        "PGPASSWORD": password,
        "POSTGRES_ENDPOINT": cluster.host,
        "POSTGRES_PORT": str(cluster.port),
        "POSTGRES_DB": name,
        "POSTGRES_USER": name,
        "POSTGRES_PASSWORD": password,
    }
    result, calls = run_script(cluster, MIGRATE_SCRIPT, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert calls == ["-c migrations/alembic.ini upgrade head"]

    # Its connection limit holds (the one the slots' cap counts with): the next connection is refused.
    dsn = (
        f"host={cluster.host} port={cluster.port} dbname={name} user={name} password={password} "
        "sslmode=require"
    )
    connections = [psycopg.connect(dsn) for _ in range(REVIEW_CONNECTION_LIMIT)]
    try:
        with pytest.raises(psycopg.OperationalError, match="too many connections for role"):
            psycopg.connect(dsn)
        # Dropping works while the app is still connected.
        result, _ = run_script(cluster, ADMIN_SCRIPT, admin_env(cluster, "drop", pull_request), tmp_path)
        assert result.returncode == 0, result.stderr
    finally:
        for connection in connections:
            connection.close()
    assert (
        cluster.query(f"SELECT count(*) FROM pg_database WHERE datname = '{name}'", database="postgres")
        == "0"
    )
    assert (
        cluster.query(f"SELECT count(*) FROM pg_roles WHERE rolname = '{name}'", database="postgres") == "0"
    )


def test_review_admin_refuses_a_bad_pull_request_number(cluster: Cluster, tmp_path: Path) -> None:
    env = admin_env(cluster, "create", 1) | {"PR_NUMBER": "1; DROP DATABASE tasking_manager"}
    result, _ = run_script(cluster, ADMIN_SCRIPT, env, tmp_path)
    assert result.returncode == 2
    assert cluster.query(f"SELECT count(*) FROM pg_database WHERE datname = '{DATABASE_NAME}'") == "1"


# -- the cut-over's copy ------------------------------------------------------------------------------
OLD_DATABASE, OLD_LOGIN, OLD_PASSWORD = "tm_production", "tm_production", "old-deployment-Pw1"
OLD_SCHEMA = """
CREATE EXTENSION postgis;
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('0a6b82b55983');
CREATE TABLE users (id bigint PRIMARY KEY, username text UNIQUE);
CREATE TABLE projects (id serial PRIMARY KEY, author_id bigint REFERENCES users,
                       geometry geometry(MultiPolygon, 4326));
CREATE TABLE tasks (id integer, project_id integer REFERENCES projects, geometry geometry(MultiPolygon, 4326),
                    PRIMARY KEY (id, project_id));
INSERT INTO users VALUES (1, 'mapper'), (2, 'validator');
INSERT INTO projects (author_id, geometry)
  VALUES (1, ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)))', 4326));
INSERT INTO tasks SELECT g, 1, ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)))', 4326)
  FROM generate_series(1, 50) g;
"""


def test_the_cutover_copy_moves_the_old_database_under_the_app_login(
    cluster: Cluster, tmp_path: Path
) -> None:
    """The old deployment's database (its own login, PostGIS, data) is copied into a stack whose
    first deploy prepared and migrated an empty schema; the copy belongs to tm_app afterwards."""
    cluster.query(f"CREATE ROLE {OLD_LOGIN} LOGIN PASSWORD '{OLD_PASSWORD}'", database="postgres")
    cluster.query(f"CREATE DATABASE {OLD_DATABASE} OWNER {OLD_LOGIN}", database="postgres")
    result = subprocess.run(
        [str(postgres.BIN / "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-c", OLD_SCHEMA],
        env=cluster.env(MASTER_USERNAME, MASTER_PASSWORD, OLD_DATABASE),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for table in ("alembic_version", "users", "projects", "tasks"):
        cluster.query(f"ALTER TABLE {table} OWNER TO {OLD_LOGIN}", database=OLD_DATABASE)
    # The new stack after its first deploy: tm_app, PostGIS and the tables its migrations made.
    password = url_safe_password()
    prepared, _ = run_script(cluster, MIGRATE_SCRIPT, migrate_env(cluster, password), tmp_path)
    assert prepared.returncode == 0, prepared.stderr
    cluster.query("CREATE TABLE leftover_from_migrations (id int)", user=APP_USERNAME, password=password)

    env = {
        **cluster.env(APP_USERNAME, password),
        "SOURCE_URL": f"postgresql://{OLD_LOGIN}@{cluster.host}:{cluster.port}/{OLD_DATABASE}?sslmode=require",
        "SOURCE_PASSWORD": OLD_PASSWORD,
        "DUMP_DIR": str(tmp_path),
    }
    for _ in range(2):  # a second try starts again from the dump, over the first one's copy
        copied = subprocess.run(
            [str(ROOT / "scripts" / "cutover-copy.sh")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert copied.returncode == 0, copied.stdout + copied.stderr
    assert "source: alembic_version=1 projects=1 tasks=50 users=2" in copied.stdout
    assert "target: alembic_version=1 projects=1 tasks=50 users=2" in copied.stdout
    owners = cluster.query(
        "SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables "
        "WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'"
    )
    assert owners == APP_USERNAME
    assert cluster.query("SELECT to_regclass('leftover_from_migrations') IS NULL") == "t"
    assert cluster.query("SELECT version_num FROM alembic_version") == "0a6b82b55983"
    assert cluster.query("SELECT ST_Area(geometry) FROM projects") == "1"
    assert cluster.query("SELECT extname FROM pg_extension WHERE extname = 'postgis'") == "postgis"
    # The application's login can write what it now owns (sequences included).
    cluster.query("INSERT INTO projects (author_id) VALUES (2)", user=APP_USERNAME, password=password)
