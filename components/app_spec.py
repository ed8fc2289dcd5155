"""What the Tasking Manager needs to run, in no cloud's terms: the application spec.

`app_spec(settings)` builds it once from the validated settings and the application's contract
(components/app_contract.py). Each realisation takes its part of it: on AWS the back end's task
definitions and services, the database, the load balancer's health check and the Amplify front end;
on Kubernetes (`tm:platform: kubernetes`) the Deployments, the Job, the database cluster and the
static web server. Nothing here names an AWS service or a Kubernetes kind; a realisation that needs a
fact about the application reads it here rather than deriving it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from components.app_contract import CONTRACT
from components.backend_tasks import (
    CRON_COMMAND,
    MIGRATE_COMMAND,
    AppEndpoints,
    api_command,
    apm_environment,
    app_environment,
    role_apm,
    with_apm,
)
from components.database import DATABASE_NAME, PORT
from components.frontend import SPA_ROUTE_PATTERN, app_variables, build_spec, security_headers
from components.settings import (
    APP_SECRET_NAMES,
    ApiSettings,
    Apm,
    AppSettings,
    BaseSettings,
    connection_budget,
)

# The application's secrets come from three stores: the application secret (its JSON keys, one per
# variable), the application's own database login, and the administrative login only the migration
# uses to prepare the database (extensions, the application's role).
SecretStore = Literal["app", "login", "admin"]


@dataclass(frozen=True)
class SecretRef:
    """An environment variable whose value is key `key` of secret store `store`."""

    variable: str
    store: SecretStore
    key: str


@dataclass(frozen=True)
class Size:
    """A process's share of a machine: `cpu` in 1/1024 of a vCPU (ECS's units), memory in MiB."""

    cpu: int
    memory_mib: int

    @property
    def millicores(self) -> int:
        return self.cpu * 1000 // 1024


@dataclass(frozen=True)
class Process:
    """One process of the application's image: what it runs and what it needs."""

    name: Literal["api", "cron", "migrate"]
    command: tuple[str, ...]
    size: Size
    # The agent the process runs under (New Relic's wraps the API and cron; OpenTelemetry's the API).
    apm: Apm
    secrets: tuple[SecretRef, ...]
    port: int | None = None
    # The path that answers 200 once the process serves (it queries the database).
    health_path: str | None = None
    # The image's own non-root user; the root file system stays read-only, /tmp is scratch.
    user: int = CONTRACT.uid
    scratch_paths: tuple[str, ...] = ("/tmp",)


@dataclass(frozen=True)
class ApiSpec:
    process: Process
    min_replicas: int
    max_replicas: int
    cpu_target_percent: int
    memory_target_percent: int
    requests_per_replica: int
    # A rollout keeps every replica serving until its successor is healthy.
    min_available_during_rollout_percent: int = 100


@dataclass(frozen=True)
class SchedulerSpec:
    """backend/cron_jobs.py: exactly one replica, and a rollout stops the old one before it starts
    the new one, so two never run at once."""

    process: Process
    replicas: Literal[1] = 1
    overlap_during_rollout: Literal[False] = False


@dataclass(frozen=True)
class MigrationSpec:
    """The one-off process that prepares the database and runs Alembic; it must succeed before the
    API and the scheduler roll out on a new image."""

    process: Process
    before_rollout: Literal[True] = True


@dataclass(frozen=True)
class DatabaseSpec:
    engine_version: str
    extensions: tuple[str, ...]
    name: str
    port: int
    # What the stack's processes can open at their peak, and what is kept free beyond them.
    connections_needed: int
    reserved_connections: int
    backup_retention_days: int

    @property
    def major_version(self) -> int:
        return int(self.engine_version.split(".")[0])


@dataclass(frozen=True)
class FrontendSpec:
    """The React single-page app: built from `app_root` of the application's repository with these
    public build variables, served with these headers, every route that is not a file rewritten to
    /index.html."""

    repository: str
    branch: str
    app_root: str
    build_spec: str
    build_variables: Mapping[str, str]
    spa_route_pattern: str
    headers: Mapping[str, str]
    basic_auth: bool


@dataclass(frozen=True)
class HostsSpec:
    frontend: str
    api: str
    tls: Literal[True] = True

    @property
    def frontend_url(self) -> str:
        return f"https://{self.frontend}"

    @property
    def api_url(self) -> str:
        return f"https://{self.api}"


@dataclass(frozen=True)
class AppSpec:
    stack: str
    environment: str
    image_repository: str
    image_tag: str
    api: ApiSpec
    scheduler: SchedulerSpec
    migration: MigrationSpec
    database: DatabaseSpec
    frontend: FrontendSpec
    hosts: HostsSpec
    osm_server_url: str
    # What the plain environment of every back-end process is made of, besides the hosts and the
    # database: the application's settings, the API's connection pool, the organisation's branding.
    app: AppSettings
    pool: ApiSettings
    organisation: Mapping[str, str]

    def environment_variables(self, database_address: str) -> dict[str, str]:
        """The plain (non-secret) environment of every back-end process, once the realisation knows
        the database's address."""
        endpoints = AppEndpoints(
            environment=self.stack,
            frontend_url=self.hosts.frontend_url,
            api_url=self.hosts.api_url,
            osm_server_url=self.osm_server_url,
            database_address=database_address,
            database_port=self.database.port,
            database_name=self.database.name,
        )
        return app_environment(endpoints, self.app, self.pool, self.organisation)

    def frontend_build_environment(self) -> dict[str, str]:
        """What a build of the front end for this stack is given: the spec's public build variables
        and where this stack's front end and API are (on AWS, Amplify sets the latter per branch)."""
        return {
            **self.frontend.build_variables,
            "TM_APP_BASE_URL": self.hosts.frontend_url,
            "TM_APP_API_URL": self.hosts.api_url,
            "TM_REDIRECT_URI": f"{self.hosts.frontend_url}/authorized",
            "TM_ENVIRONMENT": self.stack,
        }

    def process_environment(self, process: Process, database_address: str) -> dict[str, str]:
        """The plain environment of one process: everyone's, and what its agent reads besides its
        key (New Relic's config file and section)."""
        return {
            **self.environment_variables(database_address),
            **apm_environment(process.apm, self.environment, self.stack),
        }


def _app_secrets(apm: Apm) -> tuple[SecretRef, ...]:
    login = (
        SecretRef("POSTGRES_USER", "login", "username"),
        SecretRef("POSTGRES_PASSWORD", "login", "password"),
    )
    # The New Relic key is for the agent only, and only where the agent runs.
    app = tuple(
        SecretRef(name, "app", name)
        for name in APP_SECRET_NAMES
        if name != "NEW_RELIC_LICENSE_KEY" or apm == "newRelic"
    )
    return login + app


def app_spec(settings: BaseSettings) -> AppSpec:
    """The application spec of a base stack (prod, staging, dev)."""
    apm = settings.observability.apm
    api_apm, cron_apm = role_apm(apm, "api"), role_apm(apm, "cron")
    worker_size = Size(settings.worker.cpu, settings.worker.memory)
    api = settings.api
    admin = (SecretRef("PGUSER", "admin", "username"), SecretRef("PGPASSWORD", "admin", "password"))
    budget = connection_budget(settings)
    return AppSpec(
        stack=settings.stack,
        environment=settings.environment,
        image_repository=settings.image.repository,
        image_tag=settings.image.tag,
        api=ApiSpec(
            process=Process(
                name="api",
                command=tuple(
                    with_apm(api_command(api.workers, access_log=settings.app.access_log), api_apm)
                ),
                size=Size(api.cpu, api.memory),
                apm=api_apm,
                secrets=_app_secrets(api_apm),
                port=CONTRACT.port,
                health_path=CONTRACT.heartbeat_path,
            ),
            min_replicas=api.min_tasks,
            max_replicas=api.max_tasks,
            cpu_target_percent=api.cpu_target_percent,
            memory_target_percent=api.memory_target_percent,
            requests_per_replica=api.requests_per_target,
        ),
        scheduler=SchedulerSpec(
            Process(
                name="cron",
                command=tuple(with_apm(CRON_COMMAND, cron_apm)),
                size=worker_size,
                apm=cron_apm,
                secrets=_app_secrets(cron_apm),
            )
        ),
        migration=MigrationSpec(
            Process(
                name="migrate",
                command=tuple(MIGRATE_COMMAND),
                size=worker_size,
                apm="none",
                secrets=_app_secrets("none") + admin,
            )
        ),
        database=DatabaseSpec(
            engine_version=settings.database.engine_version,
            extensions=("postgis",),
            name=DATABASE_NAME,
            port=PORT,
            connections_needed=budget["total"] - budget["reserved"],
            reserved_connections=budget["reserved"],
            backup_retention_days=settings.database.backup_retention_days,
        ),
        frontend=FrontendSpec(
            repository=settings.frontend.repository,
            branch=settings.frontend.branch,
            app_root="frontend",
            build_spec=build_spec(),
            build_variables=app_variables(settings.frontend),
            spa_route_pattern=SPA_ROUTE_PATTERN,
            headers=security_headers(),
            basic_auth=settings.frontend.basic_auth,
        ),
        hosts=HostsSpec(frontend=settings.dns.frontend_host, api=settings.dns.api_host),
        osm_server_url=settings.frontend.osm_server_url,
        app=settings.app,
        pool=settings.api,
        organisation=settings.frontend.build_variables,
    )
