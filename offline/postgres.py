"""A throwaway PostgreSQL 15 + PostGIS cluster for the integration tests and the schema recorder.

Debian's `postgresql-15-postgis-3` (installed by `make test` when missing), started as the
unprivileged `postgres` user when the tests run as root, on loopback only, TLS on and password
(SCRAM) logins only: `pg_hba.conf` has no line for unencrypted or password-less connections, like
RDS with `rds.force_ssl`. Its superuser plays the RDS master login.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from components.app_spec import DATABASE_NAME
from components.database import MASTER_USERNAME

BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
MASTER_PASSWORD = "offline-master-Pw1"


def missing() -> str | None:
    """Why the cluster cannot start here, or None."""
    if not (BIN / "initdb").exists():
        return f"PostgreSQL 15 is not installed ({BIN})"
    if not POSTGIS_CONTROL.exists():
        return "PostGIS for PostgreSQL 15 is not installed (apt-get install postgresql-15-postgis-3)"
    if not shutil.which("openssl"):
        return "openssl is not installed"
    return None


@dataclass(frozen=True)
class Cluster:
    host: str
    port: int

    def env(self, user: str, password: str, database: str = DATABASE_NAME) -> dict[str, str]:
        """libpq's environment for a TLS login, as the tasks' psql gets it."""
        return {
            "PATH": f"{BIN}:{os.environ['PATH']}",
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": user,
            "PGPASSWORD": password,
            "PGDATABASE": database,
            "PGSSLMODE": "require",
        }

    def psql(
        self,
        sql: str,
        user: str = MASTER_USERNAME,
        password: str = MASTER_PASSWORD,
        database: str = DATABASE_NAME,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
            env=self.env(user, password, database),
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )

    def query(self, sql: str, **login: str) -> str:
        result = self.psql(sql, **login)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], user: str | None, env: Mapping[str, str] | None = None) -> None:
    prefix = ["runuser", "-u", user, "--"] if user else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, env=env, timeout=120)


def start() -> Iterator[Cluster]:
    """Start a cluster, yield it, and stop and remove it."""
    owner = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="tm-postgres-"))
    data = root / "data"
    try:
        if owner:
            record = pwd.getpwnam(owner)
            os.chown(root, record.pw_uid, record.pw_gid)
        password_file = root / "password"
        password_file.write_text(MASTER_PASSWORD)
        if owner:
            os.chown(password_file, pwd.getpwnam(owner).pw_uid, -1)
        _run(
            [str(BIN / "initdb"), "-D", str(data), "-U", MASTER_USERNAME, "-A", "scram-sha-256",
             f"--pwfile={password_file}", "--no-sync"],
            owner,
        )  # fmt: skip
        _run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-keyout", str(data / "server.key"), "-out", str(data / "server.crt")],
            owner,
        )  # fmt: skip
        port = _free_port()
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{root}'\n"
                "ssl = on\nfsync = off\nfull_page_writes = off\nmax_connections = 40\n"
            )
        (data / "pg_hba.conf").write_text("hostssl all all 127.0.0.1/32 scram-sha-256\n")
        _run([str(BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "start"], owner)
        cluster = Cluster("127.0.0.1", port)
        cluster.query(f"CREATE DATABASE {DATABASE_NAME}", database="postgres")
        yield cluster
    finally:
        if (data / "postmaster.pid").exists():
            _run([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], owner)
        shutil.rmtree(root, ignore_errors=True)
