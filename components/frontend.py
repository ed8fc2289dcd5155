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

from components.app_spec import (
    BUILD_VARIABLES,
    DEPLOYMENT_VARIABLES,
    REDIRECT_PATH,
    SENTRY_VARIABLE,
    FrontendSpec,
    HostsSpec,
    deployment_variables,
    refuse_overrides,
    refuse_secrets,
)
from components.settings import FrontendSettings

Stage = Literal["PRODUCTION", "BETA", "DEVELOPMENT", "EXPERIMENTAL"]

# Amplify needs the monorepo's app root in this variable as well as in the build spec.
APP_ROOT_VARIABLE = "AMPLIFY_MONOREPO_APP_ROOT"


def custom_headers(headers: Mapping[str, str], app_root: str | None) -> str:
    """The spec's headers for every path, in Amplify's YAML: per app root for the app that builds
    the monorepo, top-level for an app of manual deployments (`app_root` None)."""
    rules = [{"pattern": "**", "headers": [{"key": key, "value": value} for key, value in headers.items()]}]
    document: dict[str, Any] = (
        {"applications": [{"appRoot": app_root, "customHeaders": rules}]}
        if app_root is not None
        else {"customHeaders": rules}
    )
    return yaml.safe_dump(document, sort_keys=False, width=1000)


def custom_rules(spa_route_pattern: str) -> list[dict[str, str]]:
    """The spec's single-page-app rewrite in the shape of Amplify's CustomRule: a path the pattern
    finds is served /index.html (Amplify searches the path, unanchored, no flags)."""
    return [{"source": f"</{spa_route_pattern}/>", "target": "/index.html", "status": "200"}]


def display_name(branch: str) -> str:
    """The branch's label in its Amplify URL (https://<label>.<default domain>): one DNS label."""
    label = re.sub(r"[^a-z0-9]+", "-", branch.lower()).strip("-")[:63].strip("-")
    if not label:
        raise ValueError(f"branch {branch!r} gives no usable DNS label")
    return label


def encoded_basic_auth(credentials: pulumi.Input[str]) -> pulumi.Output[str]:
    """Amplify takes basic-auth credentials as base64 of `user:password`; they stay a secret."""
    return pulumi.Output.secret(credentials).apply(lambda value: base64.b64encode(value.encode()).decode())


def app_variables(spec: FrontendSpec) -> dict[str, str]:
    """Build variables every branch of the app shares (Amplify's branch variables override them):
    the spec's, and the app root Amplify reads."""
    refuse_overrides(spec.build_variables, (APP_ROOT_VARIABLE,), "tm:frontend.buildVariables")
    return {APP_ROOT_VARIABLE: spec.app_root, **spec.build_variables}


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
    refuse_overrides(
        args.variables, (APP_ROOT_VARIABLE, *BUILD_VARIABLES, *DEPLOYMENT_VARIABLES), f"branch {args.branch}"
    )
    label = display_name(args.branch)
    amplify_url = pulumi.Output.concat("https://", label, ".", default_domain)
    url = pulumi.Output.from_input(args.url) if args.url is not None else amplify_url
    variables: dict[str, pulumi.Input[str]] = {
        **deployment_variables(url, args.api_url, pulumi.Output.concat(url, REDIRECT_PATH), args.environment),
        **args.variables,
    }
    refuse_secrets(variables)
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
    # The front end of the application spec: repository, branch, build, build variables, SPA
    # rewrite, headers and whether basic auth guards it; Amplify's own facts (stage, custom domain,
    # pull-request previews) in settings.
    spec: FrontendSpec
    settings: FrontendSettings
    stack: str
    # This stack's front-end and API hosts (the application spec's hosts).
    hosts: HostsSpec
    # Lets Amplify install its GitHub App hooks on the repository; used at create/update, never stored.
    github_token: pulumi.Input[str]
    # `user:password` guarding the app's branches when settings.basic_auth is on.
    basic_auth_credentials: pulumi.Input[str] | None = None
    # The front-end Sentry DSN where Sentry is on (public: it ships in the bundle).
    sentry_dsn: str | None = None


def _serving(spec: FrontendSpec, credentials: pulumi.Input[str] | None) -> dict[str, Any]:
    """How every Amplify app of the program serves the single-page app: the rewrite rule, basic
    auth when credentials are given, the cache, and branches only as stacks declare them."""
    return {
        "platform": "WEB",
        "custom_rules": [
            aws.amplify.AppCustomRuleArgs(**rule) for rule in custom_rules(spec.spa_route_pattern)
        ],
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
        settings, spec = args.settings, args.spec
        self._name = name
        self.branch_urls = {}
        if spec.basic_auth and args.basic_auth_credentials is None:
            raise ValueError("tm:frontend.basicAuth is on but no basic-auth credentials were given")
        if len(args.hosts.frontend) > 64:
            raise ValueError(f"Amplify accepts domains of up to 64 characters, not {args.hosts.frontend}")
        credentials = args.basic_auth_credentials if spec.basic_auth else None

        self.app = aws.amplify.App(
            name,
            name=f"tasking-manager-{args.stack}",
            description=f"Tasking Manager front end ({args.stack})",
            repository=spec.repository,
            access_token=pulumi.Output.secret(args.github_token),
            build_spec=spec.build_spec,
            custom_headers=custom_headers(spec.headers, spec.app_root),
            environment_variables=app_variables(spec),
            enable_branch_auto_build=True,
            # App-level basic auth also covers pull-request previews.
            **_serving(spec, credentials),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.app_id = self.app.id
        self.default_domain = self.app.default_domain

        environment = self.add_branch(
            BranchArgs(
                branch=spec.branch,
                stage=settings.stage,
                environment=args.stack,
                api_url=args.hosts.api_url,
                url=args.hosts.frontend_url if settings.custom_domain else None,
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
                domain_name=args.hosts.frontend,
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
            host = args.hosts.frontend
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


def review_build_variables(spec: FrontendSpec) -> dict[str, str]:
    """The public build variables every review front end shares. CI adds each build's own
    TM_APP_API_URL (the review API), TM_APP_BASE_URL (its slot's URL) and TM_REDIRECT_URI
    (`<slot URL>` + REDIRECT_PATH); nothing here is a secret (the bundle is public)."""
    return {**spec.build_variables, "TM_ENVIRONMENT": "review"}


@dataclass(frozen=True)
class ReviewFrontendArgs:
    # The base's front end of the application spec: its SPA rewrite and headers serve every slot.
    spec: FrontendSpec
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
            custom_headers=custom_headers(args.spec.headers, app_root=None),
            # No repository: nothing builds here.
            enable_branch_auto_build=False,
            **_serving(args.spec, credentials),
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
