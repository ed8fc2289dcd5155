"""What the Tasking Manager needs to run, in no cloud's terms: the application spec.

`app_spec(settings)` builds it once from the validated settings and the application's contract
(components/app_contract.py); `review_spec(settings)` builds the smaller one of a review app. Each
realisation takes its part of it: on AWS the back end's task definitions and services, the
database, the load balancer's health check and the Amplify front end (docs/architecture.md says
which component takes which part). The definitions the spec is made of (the processes' commands,
their environment and secrets, the front end's build, routes and headers) live here too, so a
realisation that needs a fact about the application reads it here rather than deriving it again.
The facts hold on any cloud; where a value is written in one service's terms the code says so (a
size's CPU in ECS's units, the front end's build spec in the YAML of build phases that Amplify
Hosting reads, whose facts are also in `FrontendSpec.build` for builders that take commands).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import yaml

from components.app_contract import CONTRACT
from components.settings import (
    APP_SECRET_NAMES,
    ApiSettings,
    Apm,
    AppSettings,
    BaseSettings,
    FrontendSettings,
    ReviewAppSettings,
    ReviewSettings,
    connection_budget,
    secret_like,
)

# -- the back end's processes ------------------------------------------------------------------

# Facts read from the application's source at the tag we deploy (see components/app_contract.py).
API_PORT = CONTRACT.port
# Queries the database, so it fails while the database is down (a load balancer's check too).
HEALTH_CHECK_PATH = CONTRACT.heartbeat_path
# The API version the back end serves and the front end calls.
API_VERSION = CONTRACT.api_version
# The application reads its log level as an int (Python's logging levels).
LOG_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40}
# The settings module also builds its test settings at import, and cannot without this name; no
# process ever connects to it.
TEST_DATABASE_NAME = "tasking_manager_test"
DATABASE_NAME = "tasking_manager"
DATABASE_PORT = 5432

# Prepares the database with psql (the image has no synchronous PostgreSQL driver), then runs
# Alembic as the application's own login; any failure stops the script with a non-zero status.
MIGRATE_SCRIPT = (Path(__file__).resolve().parent.parent / "scripts" / "container-migrate.sh").read_text()
MIGRATE_COMMAND = ["sh", "-c", MIGRATE_SCRIPT]
CRON_COMMAND = ["python", CONTRACT.cron_script]


def api_command(workers: int, *, access_log: bool) -> list[str]:
    command = [
        "uvicorn",
        CONTRACT.api_module,
        "--host",
        "0.0.0.0",  # all of the process's interfaces; the network in front decides who reaches them
        "--port",
        str(API_PORT),
        "--workers",
        str(workers),
        # Trust X-Forwarded-Proto/For so redirects say https and logs show the client. Only the
        # load balancer reaches the process; uvicorn 0.19 takes addresses or `*`, not networks,
        # and the load balancer's addresses change.
        "--proxy-headers",
        "--forwarded-allow-ips",
        "*",
    ]
    return command if access_log else [*command, "--no-access-log"]


def role_apm(apm: Apm, role: str) -> Apm:
    """The agent a process runs under: New Relic's wraps the API and cron (it reports by itself);
    OpenTelemetry's only the API, beside which the collector runs; the migration always runs bare."""
    if role == "api" or (role == "cron" and apm == "newRelic"):
        return apm
    return "none"


def with_apm(command: Sequence[str], apm: Apm) -> list[str]:
    """The command under the chosen agent, which starts the application itself."""
    agent = {"newRelic": ["newrelic-admin", "run-program"], "openTelemetry": ["opentelemetry-instrument"]}
    return [*agent.get(apm, []), *command]


def app_environment(
    stack: str,
    hosts: HostsSpec,
    osm_server_url: str,
    database: tuple[str, int, str],
    app: AppSettings,
    api: ApiSettings | ReviewAppSettings,
    organisation: Mapping[str, str],
) -> dict[str, str]:
    """The plain (non-secret) environment of every back-end process of stack `stack`, whose
    database is at `database` (address, port, name)."""
    database_address, database_port, database_name = database
    frontend_url = hosts.frontend_url
    flag = {True: "1", False: "0"}
    environment = {
        "POSTGRES_ENDPOINT": database_address,
        "POSTGRES_PORT": str(database_port),
        "POSTGRES_DB": database_name,
        "POSTGRES_TEST_DB": TEST_DATABASE_NAME,
        "DB_MIN_CONNECTIONS": str(api.db_min_connections),
        "DB_MAX_CONNECTIONS": str(api.db_max_connections),
        "TM_APP_BASE_URL": frontend_url,
        "TM_APP_API_URL": hosts.api_url,
        "TM_APP_API_VERSION": API_VERSION,
        "TM_REDIRECT_URI": f"{frontend_url}{REDIRECT_PATH}",
        "TM_SCOPE": CONTRACT.oauth_default_scope,
        # pydantic-settings JSON-decodes list fields: a comma-separated list fails at import.
        "EXTRA_CORS_ORIGINS": json.dumps([frontend_url, *app.extra_cors_origins]),
        "TM_ENVIRONMENT": stack,
        "OSM_SERVER_URL": osm_server_url,
        "TM_SMTP_HOST": app.smtp.host,
        "TM_SMTP_PORT": str(app.smtp.port),
        # Read with int(): "1"/"0", never "true".
        "TM_SMTP_USE_TLS": flag[app.smtp.use_tls],
        "TM_SMTP_USE_SSL": flag[app.smtp.use_ssl],
        "TM_EMAIL_FROM_ADDRESS": app.email_from_address,
        "TM_EMAIL_CONTACT_ADDRESS": app.email_contact_address,
        "TM_DEFAULT_CHANGESET_COMMENT": app.default_changeset_comment,
        "TM_LOG_LEVEL": str(LOG_LEVELS[app.log_level]),
        "USE_SENTRY": "true" if app.use_sentry else "false",
        "OHSOME_STATS_TOPICS": app.ohsome_stats_topics,
    }
    # The front end's branding variables, where the back end reads the same name (e-mails).
    environment.update({k: v for k, v in organisation.items() if CONTRACT.read_by_app(k)})
    environment.update(app.extra_environment)
    return environment


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


LOGIN_SECRETS = (
    SecretRef("POSTGRES_USER", "login", "username"),
    SecretRef("POSTGRES_PASSWORD", "login", "password"),
)
# As psql reads them.
ADMIN_SECRETS = (SecretRef("PGUSER", "admin", "username"), SecretRef("PGPASSWORD", "admin", "password"))


def app_secrets(apm: Apm) -> tuple[SecretRef, ...]:
    """The application's own login, and the application secret's keys for the rest. The New Relic
    key is for the agent only, and only where the agent runs; the application never reads it."""
    app = tuple(
        SecretRef(name, "app", name)
        for name in APP_SECRET_NAMES
        if name != "NEW_RELIC_LICENSE_KEY" or apm == "newRelic"
    )
    return LOGIN_SECRETS + app


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

    def serving(self) -> tuple[int, str]:
        """The port and health path of a process that serves (the API)."""
        assert self.port is not None, f"{self.name} listens on no port"
        assert self.health_path is not None, f"{self.name} has no health path"
        return self.port, self.health_path


def api_process(workers: int, *, access_log: bool, size: Size, apm: Apm) -> Process:
    """The API: uvicorn's workers on the contract's port, healthy while its heartbeat answers."""
    api_apm = role_apm(apm, "api")
    return Process(
        name="api",
        command=tuple(with_apm(api_command(workers, access_log=access_log), api_apm)),
        size=size,
        apm=api_apm,
        secrets=app_secrets(api_apm),
        port=API_PORT,
        health_path=HEALTH_CHECK_PATH,
    )


def migration_process(size: Size) -> Process:
    """The migration: bare, with the administrative login besides the application's."""
    return Process(
        name="migrate",
        command=tuple(MIGRATE_COMMAND),
        size=size,
        apm="none",
        secrets=app_secrets("none") + ADMIN_SECRETS,
    )


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

    @property
    def port(self) -> int:
        return self.process.serving()[0]

    @property
    def health_path(self) -> str:
        return self.process.serving()[1]


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
    API and the scheduler roll out on a new image (the deploy workflow runs it first on AWS; on
    Kubernetes both Deployments depend on its Job)."""

    process: Process


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


# -- the front end -----------------------------------------------------------------------------

APP_ROOT = "frontend"
# What the build leaves in frontend/build: the bundles, the copied iD and Rapid editors (their
# images, data and fonts), locales, manifest and icons. A path ending in one of these extensions is
# served as the file; anything else is a route of the single-page app.
STATIC_EXTENSIONS = (
    "css",
    "eot",
    "gif",
    "html",
    "ico",
    "jpeg",
    "jpg",
    "js",
    "json",
    "map",
    "mjs",
    "mp3",
    "mp4",
    "otf",
    "pbf",
    "png",
    "svg",
    "ttf",
    "txt",
    "wasm",
    "webm",
    "webmanifest",
    "webp",
    "woff",
    "woff2",
    "xml",
)
# A path without a dot, or whose last dot is not followed by a static extension (an OSM user name
# such as /users/jane.doe), is rewritten. Only regex features JavaScript and Python share: classes,
# alternation, anchors and one negative lookahead; it is searched in the path (unanchored, no flags).
SPA_ROUTE_PATTERN = r"^[^.]+$|\.(?!(" + "|".join(STATIC_EXTENSIONS) + r")$)([^.]+$)"

# Enforced: only what cannot break the editors (no framing by other sites, no plugins, no <base>).
CONTENT_SECURITY_POLICY: dict[str, tuple[str, ...]] = {
    "frame-ancestors": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
}
# Report-only until browsers' reports show what iD, Rapid, mapbox-gl, Matomo and Sentry really load:
# enforcing a guess would break mapping for volunteers. Tighten, then move it to the enforced policy.
CONTENT_SECURITY_POLICY_REPORT_ONLY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    # Create React App inlines its webpack runtime chunk in index.html.
    "script-src": ("'self'", "'unsafe-inline'"),
    # React, iD and Rapid set inline styles.
    "style-src": ("'self'", "'unsafe-inline'"),
    # Map tiles and imagery come from any HTTPS source of the imagery index; sprites from data:/blob:.
    "img-src": ("'self'", "data:", "blob:", "https:"),
    # The API, the OSM API, vector tiles, Mapillary, Nominatim...; JOSM's remote control on localhost.
    "connect-src": ("'self'", "https:", "http://127.0.0.1:8111", "https://127.0.0.1:8112"),
    "font-src": ("'self'", "data:", "https:"),
    # mapbox-gl and the editors start web workers from blob: URLs (child-src for older Safari).
    "worker-src": ("'self'", "blob:"),
    "child-src": ("'self'", "blob:"),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "frame-ancestors": ("'self'",),
    "form-action": ("'self'",),
}


def _policy(directives: Mapping[str, Sequence[str]]) -> str:
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def security_headers() -> dict[str, str]:
    """Response headers for every path of the front end."""
    return {
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        # Not no-referrer: tile servers (openstreetmap.org's usage policy, keyed imagery) need the origin.
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "SAMEORIGIN",
        "Content-Security-Policy": _policy(CONTENT_SECURITY_POLICY),
        "Content-Security-Policy-Report-Only": _policy(CONTENT_SECURITY_POLICY_REPORT_ONLY),
        # Geolocation stays allowed: the editors can centre the map on the mapper.
        "Permissions-Policy": "camera=(), microphone=(), payment=(), usb=()",
    }


@dataclass(frozen=True)
class FrontendBuild:
    """How `frontend/` builds, in any builder: the Node version, the commands from the app root,
    what they publish (relative to the app root) and what is worth caching between builds."""

    node_version: str
    install_commands: tuple[str, ...]
    build_commands: tuple[str, ...]
    output_directory: str
    cache_paths: tuple[str, ...]


FRONTEND_BUILD = FrontendBuild(
    node_version="22",
    # Node ships yarn through corepack; a build image's global yarn may belong to another Node.
    install_commands=("corepack enable", "yarn install --frozen-lockfile"),
    build_commands=("yarn build",),
    output_directory="build",
    cache_paths=("node_modules/**/*",),
)


def render_build_spec(app_root: str, build: FrontendBuild) -> str:
    """The build as a YAML document of phases (Amplify Hosting's build spec of a monorepo app):
    install with the lock file under the Node version nvm selects, build into the output directory."""
    document = {
        "version": 1,
        "applications": [
            {
                "appRoot": app_root,
                "frontend": {
                    "phases": {
                        "preBuild": {
                            "commands": [
                                f"nvm install {build.node_version}",
                                f"nvm use {build.node_version}",
                                *build.install_commands,
                            ]
                        },
                        "build": {"commands": list(build.build_commands)},
                    },
                    "artifacts": {"baseDirectory": build.output_directory, "files": ["**/*"]},
                    "cache": {"paths": list(build.cache_paths)},
                },
            }
        ],
    }
    return yaml.safe_dump(document, sort_keys=False)


# Build variables the spec derives for every build, those each deployment of the front end sets
# from its hosts, and the front end's Sentry DSN, which only stacks that use Sentry set (the front
# end initialises Sentry whenever it is set, frontend/src/index.js).
BUILD_VARIABLES = ("TM_APP_API_VERSION", "OSM_SERVER_URL", "TM_CLIENT_ID")
DEPLOYMENT_VARIABLES = ("TM_APP_BASE_URL", "TM_APP_API_URL", "TM_REDIRECT_URI", "TM_ENVIRONMENT")
SENTRY_VARIABLE = "TM_SENTRY_FRONTEND_DSN"
# Where OSM's login returns to the front end (its Authorized route, `/authorized`): each
# `<front-end URL>` + this path must be registered in the OSM OAuth2 application (exact match).
REDIRECT_PATH = CONTRACT.oauth_callback_path

Url = TypeVar("Url")


def deployment_variables(
    base_url: Url, api_url: Url, redirect_uri: Url, environment: str
) -> dict[str, Url | str]:
    """The DEPLOYMENT_VARIABLES of one deployment of the front end: where it is served
    (`redirect_uri` is `base_url` + REDIRECT_PATH), the API it calls, and its environment's name.
    The URLs are strings, or values a realisation resolves later."""
    return {
        "TM_APP_BASE_URL": base_url,
        "TM_APP_API_URL": api_url,
        "TM_REDIRECT_URI": redirect_uri,
        "TM_ENVIRONMENT": environment,
    }


def refuse_secrets(variables: Mapping[str, object]) -> None:
    """Build variables end up in the public bundle: none may look like a secret. Settings
    validation already refuses these; this also guards variables a realisation adds."""
    for name, value in variables.items():
        reason = secret_like(name, value if isinstance(value, str) else "")
        if reason:
            raise ValueError(f"{reason}: build variables end up in the public React build")


def refuse_overrides(variables: Mapping[str, object], derived: Sequence[str], where: str) -> None:
    clash = sorted(set(variables) & set(derived))
    if clash:
        raise ValueError(f"{where} sets {', '.join(clash)}, which the front-end component derives itself")


def frontend_build_variables(settings: FrontendSettings) -> dict[str, str]:
    """The public build variables every build of the front end shares (a deployment adds its own)."""
    refuse_overrides(
        settings.build_variables,
        (*BUILD_VARIABLES, *DEPLOYMENT_VARIABLES, SENTRY_VARIABLE),
        "tm:frontend.buildVariables",
    )
    variables = {"TM_APP_API_VERSION": API_VERSION, "OSM_SERVER_URL": settings.osm_server_url}
    if settings.oauth_client_id:
        variables["TM_CLIENT_ID"] = settings.oauth_client_id
    variables.update(settings.build_variables)
    refuse_secrets(variables)
    return variables


@dataclass(frozen=True)
class FrontendSpec:
    """The React single-page app: built from `app_root` of the application's repository with these
    public build variables, served with these headers, every route that is not a file rewritten to
    /index.html."""

    repository: str
    branch: str
    app_root: str
    build_variables: Mapping[str, str]
    spa_route_pattern: str
    headers: Mapping[str, str]
    basic_auth: bool
    build: FrontendBuild

    @property
    def build_spec(self) -> str:
        """The build in the YAML of build phases Amplify Hosting reads (`render_build_spec`)."""
        return render_build_spec(self.app_root, self.build)


# -- the whole application -----------------------------------------------------------------------


@dataclass(frozen=True)
class HostsSpec:
    """The front end's and the API's host names; both are served over HTTPS only."""

    frontend: str
    api: str

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
        database = (database_address, self.database.port, self.database.name)
        return app_environment(
            self.stack, self.hosts, self.osm_server_url, database, self.app, self.pool, self.organisation
        )

    def frontend_build_environment(self) -> dict[str, str]:
        """What a build of the front end for this stack is given: the spec's public build variables
        and where this stack's front end and API are (on AWS, Amplify sets the latter per branch)."""
        frontend_url = self.hosts.frontend_url
        return {
            **self.frontend.build_variables,
            **deployment_variables(
                frontend_url, self.hosts.api_url, f"{frontend_url}{REDIRECT_PATH}", self.stack
            ),
        }

    def process_environment(self, process: Process, database_address: str) -> dict[str, str]:
        """The plain environment of one process: everyone's, and what New Relic's agent reads besides
        its key where it runs. OpenTelemetry's collector is the realisation's to place and name."""
        return {
            **self.environment_variables(database_address),
            **new_relic_environment(process.apm, self.environment),
        }


# The sections of the image's newrelic.ini that each environment selects, as HOT names them.
NEW_RELIC_SECTIONS = {
    "prod": "tasking-manager-production",
    "staging": "tasking-manager-staging",
    "dev": "tasking-manager-develop",
}


def new_relic_environment(apm: Apm, environment: str) -> dict[str, str]:
    """New Relic's config file and the section of it the environment selects, where its agent runs."""
    if apm != "newRelic":
        return {}
    assert CONTRACT.new_relic_config_file, "the image ships no New Relic agent"
    return {
        "NEW_RELIC_CONFIG_FILE": CONTRACT.new_relic_config_file,
        "NEW_RELIC_ENVIRONMENT": NEW_RELIC_SECTIONS[environment],
    }


def app_spec(settings: BaseSettings) -> AppSpec:
    """The application spec of a base stack (prod, staging, dev)."""
    apm = settings.observability.apm
    cron_apm = role_apm(apm, "cron")
    worker_size = Size(settings.worker.cpu, settings.worker.memory)
    api = settings.api
    budget = connection_budget(settings)
    frontend = settings.frontend
    return AppSpec(
        stack=settings.stack,
        environment=settings.environment,
        image_repository=settings.image.repository,
        image_tag=settings.image.tag,
        api=ApiSpec(
            process=api_process(
                api.workers, access_log=settings.app.access_log, size=Size(api.cpu, api.memory), apm=apm
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
                secrets=app_secrets(cron_apm),
            )
        ),
        migration=MigrationSpec(migration_process(worker_size)),
        database=DatabaseSpec(
            engine_version=settings.database.engine_version,
            extensions=("postgis",),
            name=DATABASE_NAME,
            port=DATABASE_PORT,
            connections_needed=budget["total"] - budget["reserved"],
            reserved_connections=budget["reserved"],
            backup_retention_days=settings.database.backup_retention_days,
        ),
        frontend=FrontendSpec(
            repository=frontend.repository,
            branch=frontend.branch,
            app_root=APP_ROOT,
            build_variables=frontend_build_variables(frontend),
            spa_route_pattern=SPA_ROUTE_PATTERN,
            headers=security_headers(),
            basic_auth=frontend.basic_auth,
            build=FRONTEND_BUILD,
        ),
        hosts=HostsSpec(frontend=settings.dns.frontend_host, api=settings.dns.api_host),
        osm_server_url=frontend.osm_server_url,
        app=settings.app,
        pool=settings.api,
        organisation=frontend.build_variables,
    )


# -- a review app ------------------------------------------------------------------------------


def review_database_name(pull_request: int) -> str:
    """A review app's database on its base's server, and its login role (the same name)."""
    return f"tm_pr_{pull_request}"


@dataclass(frozen=True)
class ReviewSpec:
    """One pull request's Tasking Manager on its base stack: the API (one replica, no autoscaling)
    and the migration of the pull request's image, on a database of its own on the base's server.
    It runs no scheduler (backend/cron_jobs.py runs only in base stacks). Its own login serves as
    the administrative login too: the base has created the database with its extensions.

    Its hosts, the base's OSM server and the database's address and port are the base stack's, known
    only once the realisation reads them, so they are arguments of `environment_variables`."""

    stack: str
    pull_request: int
    image_tag: str
    api: Process
    migration: MigrationSpec
    database_name: str
    app: AppSettings
    pool: ReviewAppSettings
    replicas: Literal[1] = 1
    # One replica: a rollout replaces it rather than run two.
    min_available_during_rollout_percent: int = 0

    def environment_variables(
        self, hosts: HostsSpec, *, osm_server_url: str, database_address: str, database_port: int
    ) -> dict[str, str]:
        """The plain environment of both processes, without the base's branding variables."""
        database = (database_address, database_port, self.database_name)
        return app_environment(self.stack, hosts, osm_server_url, database, self.app, self.pool, {})


def review_spec(settings: ReviewSettings) -> ReviewSpec:
    """The spec of a review app (review-pr-<N>)."""
    review = settings.review_app
    size = Size(review.cpu, review.memory)
    return ReviewSpec(
        stack=settings.stack,
        pull_request=settings.pull_request,
        image_tag=settings.image.tag,
        api=api_process(review.workers, access_log=settings.app.access_log, size=size, apm="none"),
        migration=MigrationSpec(migration_process(size)),
        database_name=review_database_name(settings.pull_request),
        app=settings.app,
        pool=review,
    )
