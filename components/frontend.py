"""The Tasking Manager's React front end on AWS Amplify Hosting.

One Amplify app per base stack builds `frontend/` of the repository; each environment is a branch of
it whose public build variables point at that environment's API. The base of review apps (dev) also
owns a second app without a repository, `ReviewFrontend`: its `slot-<k>` branches receive the front
ends that CI builds for review apps (Amplify's manual deployments), so a fork's branch, which the
application repository does not have, is served too.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
import yaml

from components.settings import FrontendSettings, secret_like

Stage = Literal["PRODUCTION", "BETA", "DEVELOPMENT", "EXPERIMENTAL"]

APP_ROOT = "frontend"
NODE_VERSION = "22"
API_VERSION = "v2"
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
# alternation, anchors and one negative lookahead; Amplify searches the path (unanchored, no flags).
SPA_ROUTE_PATTERN = r"^[^.]+$|\.(?!(" + "|".join(STATIC_EXTENSIONS) + r")$)([^.]+$)"

# Variables the component derives; tm:frontend.buildVariables may not set them.
APP_VARIABLES = ("AMPLIFY_MONOREPO_APP_ROOT", "TM_APP_API_VERSION", "OSM_SERVER_URL", "TM_CLIENT_ID")
BRANCH_VARIABLES = ("TM_APP_BASE_URL", "TM_APP_API_URL", "TM_REDIRECT_URI", "TM_ENVIRONMENT")
# The front end initialises Sentry whenever this is set (frontend/src/index.js), so it is a branch
# variable of the stacks that use Sentry, never an app variable that review branches would inherit.
SENTRY_VARIABLE = "TM_SENTRY_FRONTEND_DSN"

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
    """Response headers for every path of every branch."""
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


def custom_headers(monorepo: bool = True) -> str:
    """The app's custom headers in Amplify's YAML: per app root for the app that builds the
    monorepo, top-level for an app of manual deployments."""
    headers = [{"key": key, "value": value} for key, value in security_headers().items()]
    rules = [{"pattern": "**", "headers": headers}]
    document: dict[str, Any] = (
        {"applications": [{"appRoot": APP_ROOT, "customHeaders": rules}]}
        if monorepo
        else {"customHeaders": rules}
    )
    return yaml.safe_dump(document, sort_keys=False, width=1000)


def build_spec() -> str:
    """Amplify's build spec for the monorepo: install with the lock file, build into frontend/build."""
    document = {
        "version": 1,
        "applications": [
            {
                "appRoot": APP_ROOT,
                "frontend": {
                    "phases": {
                        "preBuild": {
                            "commands": [
                                f"nvm install {NODE_VERSION}",
                                f"nvm use {NODE_VERSION}",
                                # Node ships yarn through corepack; the image's global yarn may
                                # belong to another Node version.
                                "corepack enable",
                                "yarn install --frozen-lockfile",
                            ]
                        },
                        "build": {"commands": ["yarn build"]},
                    },
                    "artifacts": {"baseDirectory": "build", "files": ["**/*"]},
                    "cache": {"paths": ["node_modules/**/*"]},
                },
            }
        ],
    }
    return yaml.safe_dump(document, sort_keys=False)


def custom_rules() -> list[dict[str, str]]:
    """Rewrite and redirect rules in the shape of Amplify's CustomRule."""
    return [{"source": f"</{SPA_ROUTE_PATTERN}/>", "target": "/index.html", "status": "200"}]


def display_name(branch: str) -> str:
    """The branch's label in its Amplify URL (https://<label>.<default domain>): one DNS label."""
    label = re.sub(r"[^a-z0-9]+", "-", branch.lower()).strip("-")[:63].strip("-")
    if not label:
        raise ValueError(f"branch {branch!r} gives no usable DNS label")
    return label


def encoded_basic_auth(credentials: pulumi.Input[str]) -> pulumi.Output[str]:
    """Amplify takes basic-auth credentials as base64 of `user:password`; they stay a secret."""
    return pulumi.Output.secret(credentials).apply(lambda value: base64.b64encode(value.encode()).decode())


def _refuse_secrets(variables: Mapping[str, pulumi.Input[str]]) -> None:
    # Settings validation already refuses these; this also guards variables a review stack passes.
    for name, value in variables.items():
        reason = secret_like(name, value if isinstance(value, str) else "")
        if reason:
            raise ValueError(f"{reason}: Amplify build variables end up in the public React build")


def _refuse_overrides(variables: Mapping[str, Any], derived: Sequence[str], where: str) -> None:
    clash = sorted(set(variables) & set(derived))
    if clash:
        raise ValueError(f"{where} sets {', '.join(clash)}, which the front-end component derives itself")


def app_variables(settings: FrontendSettings) -> dict[str, str]:
    """Build variables every branch of the app shares (Amplify's branch variables override them)."""
    _refuse_overrides(
        settings.build_variables,
        (*APP_VARIABLES, *BRANCH_VARIABLES, SENTRY_VARIABLE),
        "tm:frontend.buildVariables",
    )
    variables = {
        # Amplify needs the monorepo's app root here as well as in the build spec.
        "AMPLIFY_MONOREPO_APP_ROOT": APP_ROOT,
        "TM_APP_API_VERSION": API_VERSION,
        "OSM_SERVER_URL": settings.osm_server_url,
    }
    if settings.oauth_client_id:
        variables["TM_CLIENT_ID"] = settings.oauth_client_id
    variables.update(settings.build_variables)
    _refuse_secrets(variables)
    return variables


@dataclass(frozen=True)
class BranchArgs:
    """One Amplify branch: the git branch it builds and the environment its build talks to."""

    branch: str
    stage: Stage
    # TM_ENVIRONMENT: the stack name (prod, dev, review-pr-<N>).
    environment: str
    # The API this build calls, https://<api host>.
    api_url: pulumi.Input[str]
    # The public URL when a custom domain serves the branch; None: its Amplify URL.
    url: pulumi.Input[str] | None = None
    pull_request_previews: bool = False
    # `user:password`, a Pulumi secret; None: the app's basic-auth setting applies to the branch.
    basic_auth_credentials: pulumi.Input[str] | None = None
    # Further public build variables for this branch only.
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FrontendBranch:
    resource: aws.amplify.Branch
    # Where users reach the branch (the custom domain when it has one) and its Amplify URL.
    url: pulumi.Output[str]
    amplify_url: pulumi.Output[str]


def add_branch(
    name: str,
    app_id: pulumi.Input[str],
    default_domain: pulumi.Input[str],
    args: BranchArgs,
    opts: pulumi.ResourceOptions | None = None,
) -> FrontendBranch:
    """Connect a git branch to an Amplify app."""
    _refuse_overrides(args.variables, APP_VARIABLES + BRANCH_VARIABLES, f"branch {args.branch}")
    _refuse_secrets(args.variables)
    label = display_name(args.branch)
    amplify_url = pulumi.Output.concat("https://", label, ".", default_domain)
    url = pulumi.Output.from_input(args.url) if args.url is not None else amplify_url
    variables: dict[str, pulumi.Input[str]] = {
        "TM_APP_BASE_URL": url,
        "TM_APP_API_URL": args.api_url,
        # Must be registered in the OSM OAuth2 application (exact match).
        "TM_REDIRECT_URI": pulumi.Output.concat(url, "/authorized"),
        "TM_ENVIRONMENT": args.environment,
        **args.variables,
    }
    _refuse_secrets(variables)
    credentials = args.basic_auth_credentials
    resource = aws.amplify.Branch(
        name,
        app_id=app_id,
        branch_name=args.branch,
        display_name=label,
        description=f"Tasking Manager {args.environment}",
        stage=args.stage,
        framework="React",
        enable_auto_build=True,
        enable_pull_request_preview=args.pull_request_previews,
        environment_variables=variables,
        # Without credentials of its own the branch is left unset, so the app's basic auth applies.
        enable_basic_auth=True if credentials is not None else None,
        basic_auth_credentials=encoded_basic_auth(credentials) if credentials is not None else None,
        opts=opts,
    )
    return FrontendBranch(resource=resource, url=url, amplify_url=amplify_url)


@dataclass(frozen=True)
class FrontendArgs:
    settings: FrontendSettings
    stack: str
    frontend_host: str
    api_host: str
    # Lets Amplify install its GitHub App hooks on the repository; used at create/update, never stored.
    github_token: pulumi.Input[str]
    # `user:password` guarding the app's branches when settings.basic_auth is on.
    basic_auth_credentials: pulumi.Input[str] | None = None
    # The front-end Sentry DSN where Sentry is on (public: it ships in the bundle).
    sentry_dsn: str | None = None


def _serving(credentials: pulumi.Input[str] | None) -> dict[str, Any]:
    """How every Amplify app of the program serves the single-page app: the rewrite rule, basic
    auth when credentials are given, the cache, and branches only as stacks declare them."""
    return {
        "platform": "WEB",
        "custom_rules": [aws.amplify.AppCustomRuleArgs(**rule) for rule in custom_rules()],
        # Branches are declared by stacks, never created or deleted behind Pulumi's back.
        "enable_auto_branch_creation": False,
        "enable_branch_auto_deletion": False,
        "enable_basic_auth": credentials is not None,
        "basic_auth_credentials": encoded_basic_auth(credentials) if credentials is not None else None,
        # The SPA keeps its session in local storage, so cookies need not split the cache.
        "cache_config": aws.amplify.AppCacheConfigArgs(type="AMPLIFY_MANAGED_NO_COOKIES"),
    }


def _dns_records(
    host: str, verification: str | None, sub_domains: Sequence[Mapping[str, Any]] | None
) -> list[str]:
    """`<name> CNAME <target>` lines to create at the DNS provider."""
    records = [verification] if verification else []
    # Pulumi's output types are dicts keyed by the Python names.
    for sub_domain in sub_domains or ():
        target = str(sub_domain.get("dns_record") or "").split()[-2:]  # "<prefix> CNAME <target>"
        prefix = sub_domain.get("prefix")
        records.append(" ".join([f"{prefix}.{host}" if prefix else host, *target]))
    return records


class Frontend(pulumi.ComponentResource):
    """`tm:aws:Frontend`: the Amplify app, this environment's branch and its custom domain."""

    app: aws.amplify.App
    branch: aws.amplify.Branch
    domain_association: aws.amplify.DomainAssociation | None
    app_id: pulumi.Output[str]
    default_domain: pulumi.Output[str]
    url: pulumi.Output[str]
    branch_url: pulumi.Output[str]
    branch_urls: dict[str, pulumi.Output[str]]
    dns_records: pulumi.Output[list[str]] | None

    def __init__(self, name: str, args: FrontendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:aws:Frontend", name, None, opts)
        settings = args.settings
        self._name = name
        self.branch_urls = {}
        if settings.basic_auth and args.basic_auth_credentials is None:
            raise ValueError("tm:frontend.basicAuth is on but no basic-auth credentials were given")
        if len(args.frontend_host) > 64:
            raise ValueError(f"Amplify accepts domains of up to 64 characters, not {args.frontend_host}")
        credentials = args.basic_auth_credentials if settings.basic_auth else None

        self.app = aws.amplify.App(
            name,
            name=f"tasking-manager-{args.stack}",
            description=f"Tasking Manager front end ({args.stack})",
            repository=settings.repository,
            access_token=pulumi.Output.secret(args.github_token),
            build_spec=build_spec(),
            custom_headers=custom_headers(),
            environment_variables=app_variables(settings),
            enable_branch_auto_build=True,
            # App-level basic auth also covers pull-request previews.
            **_serving(credentials),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.app_id = self.app.id
        self.default_domain = self.app.default_domain

        environment = self.add_branch(
            BranchArgs(
                branch=settings.branch,
                stage=settings.stage,
                environment=args.stack,
                api_url=f"https://{args.api_host}",
                url=f"https://{args.frontend_host}" if settings.custom_domain else None,
                pull_request_previews=settings.pull_request_previews,
                basic_auth_credentials=credentials,
                variables={SENTRY_VARIABLE: args.sentry_dsn} if args.sentry_dsn else {},
            )
        )
        self.branch = environment.resource
        self.url = environment.url
        self.branch_url = environment.amplify_url

        self.domain_association = None
        self.dns_records = None
        if settings.custom_domain:
            # The whole host is the Amplify domain (prefix ""), not hotosm.org with a prefix: a
            # domain belongs to one app, so prod's and dev's apps could not both claim hotosm.org.
            self.domain_association = aws.amplify.DomainAssociation(
                name,
                app_id=self.app.id,
                domain_name=args.frontend_host,
                sub_domains=[
                    aws.amplify.DomainAssociationSubDomainArgs(branch_name=self.branch.branch_name, prefix="")
                ],
                enable_auto_sub_domain=False,
                certificate_settings=aws.amplify.DomainAssociationCertificateSettingsArgs(
                    type="AMPLIFY_MANAGED"
                ),
                # The records may live at a DNS provider outside AWS: `up` finishes and prints them.
                wait_for_verification=False,
                opts=pulumi.ResourceOptions(parent=self),
            )
            host = args.frontend_host
            self.dns_records = pulumi.Output.all(
                self.domain_association.certificate_verification_dns_record,
                self.domain_association.sub_domains,
            ).apply(lambda values: _dns_records(host, values[0], values[1]))

        self.register_outputs(
            {
                "appId": self.app_id,
                "defaultDomain": self.default_domain,
                "url": self.url,
                "branchUrl": self.branch_url,
                "dnsRecords": self.dns_records,
            }
        )

    def add_branch(self, args: BranchArgs, opts: pulumi.ResourceOptions | None = None) -> FrontendBranch:
        """Another branch of this app (e.g. a staging branch), as a child of the component."""
        branch = add_branch(
            f"{self._name}-{display_name(args.branch)}",
            self.app.id,
            self.app.default_domain,
            args,
            pulumi.ResourceOptions.merge(pulumi.ResourceOptions(parent=self), opts),
        )
        self.branch_urls[args.branch] = branch.amplify_url
        return branch


def review_slot_branch(slot: int) -> str:
    """The branch of the review front-end app that serves slot `slot` (also its host label)."""
    if slot < 1:
        raise ValueError(f"review slots are numbered from 1, not {slot}")
    return f"slot-{slot}"


def review_build_variables(settings: FrontendSettings) -> dict[str, str]:
    """The public build variables every review front end shares. CI adds each build's own
    TM_APP_API_URL (the review API), TM_APP_BASE_URL (its slot's URL) and TM_REDIRECT_URI
    (`<slot URL>/authorized`); nothing here is a secret (the bundle is public)."""
    variables = {
        name: value for name, value in app_variables(settings).items() if name != "AMPLIFY_MONOREPO_APP_ROOT"
    }
    variables["TM_ENVIRONMENT"] = "review"
    return variables


@dataclass(frozen=True)
class ReviewFrontendArgs:
    stack: str
    slots: int
    # `user:password` guarding every slot (the base's preview credentials); None: open.
    basic_auth_credentials: pulumi.Input[str] | None


class ReviewFrontend(pulumi.ComponentResource):
    """`tm:aws:ReviewFrontend`: an Amplify app of manual deployments with one branch per review
    slot. Review stacks create nothing here; CI deploys each review app's built front end to the
    branch of the slot it claimed, and a placeholder when the review app is removed."""

    app: aws.amplify.App
    branches: list[aws.amplify.Branch]
    app_id: pulumi.Output[str]
    default_domain: pulumi.Output[str]
    slot_urls: list[pulumi.Output[str]]

    def __init__(
        self, name: str, args: ReviewFrontendArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tm:aws:ReviewFrontend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        credentials = args.basic_auth_credentials
        self.app = aws.amplify.App(
            name,
            name=f"tasking-manager-{args.stack}-review",
            description=f"Review apps' front ends on {args.stack}: one branch per review slot",
            custom_headers=custom_headers(monorepo=False),
            # No repository: nothing builds here.
            enable_branch_auto_build=False,
            **_serving(credentials),
            opts=child,
        )
        self.app_id = self.app.id
        self.default_domain = self.app.default_domain
        self.branches = []
        self.slot_urls = []
        for slot in range(1, args.slots + 1):
            branch = review_slot_branch(slot)
            self.branches.append(
                aws.amplify.Branch(
                    f"{name}-{branch}",
                    app_id=self.app.id,
                    branch_name=branch,
                    display_name=branch,
                    description=f"Review slot {slot}: the front end of the review app holding it",
                    stage="DEVELOPMENT",
                    framework="React",
                    enable_auto_build=False,
                    opts=child,
                )
            )
            self.slot_urls.append(pulumi.Output.concat("https://", branch, ".", self.app.default_domain))
        self.register_outputs({"appId": self.app_id, "slotUrls": self.slot_urls})
