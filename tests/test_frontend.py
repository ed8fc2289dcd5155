"""The front end on Amplify Hosting under mocks for dev and prod: the app and its token, the build,
SPA routing, security headers, a branch per environment, basic auth, the domain, review branches."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from typing import Any

import botocore.session
import pulumi
import pytest
import yaml
from botocore.validate import ParamValidator

from components.app_spec import SPA_ROUTE_PATTERN, app_spec
from components.frontend import BranchArgs, add_branch, app_variables, custom_rules
from components.settings import BaseSettings, secret_like
from offline.config import SECRET_PLACEHOLDER
from offline.engine import Plan
from offline.mocks import OfflineMocks, RecordingMonitor, Registration
from offline.report import is_secret
from tests.conftest import plan_for
from tests.test_settings import settings_of

APP = "aws:amplify/app:App"
BRANCH = "aws:amplify/branch:Branch"
DOMAIN = "aws:amplify/domainAssociation:DomainAssociation"
# What each committed stack's branch must be (profiles plus Pulumi.<stack>.yaml).
ENVIRONMENTS = {
    "prod": {
        "branch": "main",
        "stage": "PRODUCTION",
        "previews": False,
        "frontend": "https://tasks.hotosm.org",
        "api": "https://tasking-manager-production-api.hotosm.org",
    },
    "dev": {
        "branch": "develop",
        "stage": "DEVELOPMENT",
        "previews": True,
        "frontend": "https://tasks-dev.hotosm.org",
        "api": "https://tasking-manager-dev-api.hotosm.org",
    },
}
AMPLIFY = botocore.session.get_session().get_service_model("amplify")


def frontend_of(plan: Plan) -> Plan:
    return plan.component("tm:aws:Frontend")


def app_of(plan: Plan) -> Registration:
    return frontend_of(plan).one(APP)


def branch_of(plan: Plan) -> Registration:
    return frontend_of(plan).one(BRANCH)


def secret_value(value: Any) -> Any:
    assert is_secret(value), f"expected a Pulumi secret, got {value!r}"
    return value["value"]


def plain(inputs: dict[str, Any]) -> dict[str, Any]:
    """Inputs as the Amplify API would receive them: secrets unwrapped, provider-only keys gone."""
    unwrapped = {key: secret_value(v) if is_secret(v) else v for key, v in inputs.items()}
    unwrapped.pop("waitForVerification", None)
    if "subDomains" in unwrapped:
        unwrapped["subDomainSettings"] = unwrapped.pop("subDomains")
    return unwrapped


def assert_valid_request(operation: str, params: dict[str, Any]) -> None:
    """Types, required members, enums and lengths by botocore; top-level string patterns here."""
    shape = AMPLIFY.operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    assert not report.has_errors(), report.generate_report()
    for name, value in params.items():
        pattern = shape.members[name].metadata.get("pattern")
        if isinstance(value, str) and pattern:
            assert re.fullmatch(pattern, value), f"{operation}.{name} = {value!r} does not match {pattern}"


def effective_variables(plan: Plan) -> dict[str, Any]:
    """What the branch's build sees: the app's variables, overridden by the branch's."""
    return {**app_of(plan).inputs["environmentVariables"], **branch_of(plan).inputs["environmentVariables"]}


# -- the app and the repository token ---------------------------------------------------------


def test_app_builds_the_repository_with_a_secret_token(base_plan: Plan) -> None:
    app = app_of(base_plan).inputs
    assert app["repository"] == "https://github.com/hotosm/tasking-manager"
    assert app["platform"] == "WEB"
    assert app["name"] == f"tasking-manager-{base_plan.stack}"
    # A GitHub repository is authorised with accessToken (the Amplify GitHub App), never oauthToken.
    assert "oauthToken" not in app
    assert secret_value(app["accessToken"]) == SECRET_PLACEHOLDER
    # Branches are Pulumi's to create and delete.
    assert app["enableAutoBranchCreation"] is False
    assert app["enableBranchAutoDeletion"] is False


def test_no_secret_appears_outside_a_secret_anywhere_in_the_plan(base_plan: Plan) -> None:
    encoded = base64.b64encode(SECRET_PLACEHOLDER.encode()).decode()

    def walk(value: Any, where: str) -> None:
        if is_secret(value):
            return
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}[{index}]")
        else:
            assert SECRET_PLACEHOLDER not in str(value), f"a secret in plain text at {where}"
            assert encoded not in str(value), f"encoded basic-auth credentials in plain text at {where}"

    for resource in base_plan.resources:
        walk(resource.inputs, f"{resource.type} {resource.name}")
    walk(base_plan.outputs, "outputs")


def test_app_and_branch_inputs_are_valid_amplify_requests(base_plan: Plan) -> None:
    app = plain(app_of(base_plan).inputs)
    assert_valid_request("CreateApp", app)
    branch = plain(branch_of(base_plan).inputs)
    assert_valid_request("CreateBranch", branch)
    assert branch["appId"] == app_of(base_plan).outputs["id"]
    domain = plain(frontend_of(base_plan).one(DOMAIN).inputs)
    assert_valid_request("CreateDomainAssociation", domain)


# -- the build ----------------------------------------------------------------------------------


def test_build_spec_builds_the_frontend_app_root_with_node_22_and_the_lock_file(base_plan: Plan) -> None:
    app = app_of(base_plan).inputs
    spec = yaml.safe_load(app["buildSpec"])
    assert spec["version"] == 1
    [application] = spec["applications"]
    assert application["appRoot"] == "frontend"
    # Amplify wants the monorepo's app root in this variable too, with the same value.
    assert app["environmentVariables"]["AMPLIFY_MONOREPO_APP_ROOT"] == application["appRoot"]
    frontend = application["frontend"]
    install = frontend["phases"]["preBuild"]["commands"]
    assert any(re.fullmatch(r"nvm (install|use) 22", command) for command in install)
    assert install[-1] == "yarn install --frozen-lockfile"
    assert frontend["phases"]["build"]["commands"] == ["yarn build"]
    # Paths are relative to the app root: frontend/build is published, frontend/node_modules cached.
    assert frontend["artifacts"] == {"baseDirectory": "build", "files": ["**/*"]}
    assert frontend["cache"]["paths"] == ["node_modules/**/*"]


# -- single-page-app routing --------------------------------------------------------------------


def spa_rule(plan: Plan) -> dict[str, str]:
    [rule] = app_of(plan).inputs["customRules"]
    return rule  # type: ignore[no-any-return]


def rewrites(path: str) -> bool:
    source = spa_rule(plan_for("prod"))["source"]
    # Amplify takes a regular expression as </regex/>.
    assert source.startswith("</")
    assert source.endswith("/>")
    # Amplify matches the path like JavaScript's RegExp.test: a search, not a full match.
    return re.search(source[2:-2], path) is not None


# Routes of the app (an OSM user name may hold a dot) and files of the build.
ROUTES = ["/", "/projects/123/tasks", "/learn/map", "/users/jane.doe", "/projects/123/tasks/"]
STATIC_FILES = [
    "/static/js/main.3f2a.js",
    "/manifest.json",
    "/favicon.ico",
    "/locales/en.json",
    "/static/css/main.1b2c.css",
    "/static/id/img/cursor-draw.png",
    "/static/rapid/img/icons.svg",
    "/static/media/barlow.woff2",
    "/robots.txt",
]


@pytest.mark.parametrize("path", ROUTES)
def test_app_routes_are_rewritten_to_index_html(path: str) -> None:
    assert rewrites(path)


@pytest.mark.parametrize("path", STATIC_FILES)
def test_static_files_are_served_as_themselves(path: str) -> None:
    assert not rewrites(path)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node for JavaScript's RegExp")
def test_javascript_reads_the_rewrite_regex_like_python() -> None:
    pattern = spa_rule(plan_for("prod"))["source"][2:-2]
    paths = ROUTES + STATIC_FILES
    script = (
        "const [pattern, paths] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(paths.map((path) => new RegExp(pattern).test(path))));"
    )
    result = subprocess.run(
        ["node", "-e", script],
        input=json.dumps([pattern, paths]),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == [path in ROUTES for path in paths]


def test_spa_rule_rewrites_with_status_200_and_uses_only_portable_regex(base_plan: Plan) -> None:
    rule = spa_rule(base_plan)
    assert rule["target"] == "/index.html"
    assert rule["status"] == "200"  # a rewrite: the browser keeps the route's URL
    pattern = rule["source"][2:-2]
    # Nothing that JavaScript and Python read differently: no named groups, lookbehind, inline flags,
    # possessive or atomic groups, \A \Z anchors.
    assert not re.search(r"\(\?(P|<|[aiLmsux]|>)|\\[AZz]|[+*?}]\+", pattern)


def test_custom_rules_are_a_valid_create_app_input() -> None:
    assert_valid_request(
        "CreateApp", {"name": "tasking-manager-test", "customRules": custom_rules(SPA_ROUTE_PATTERN)}
    )


# -- security headers ---------------------------------------------------------------------------


def headers_of(plan: Plan) -> dict[str, str]:
    document = yaml.safe_load(app_of(plan).inputs["customHeaders"])
    [application] = document["applications"]
    assert application["appRoot"] == "frontend"
    [rule] = application["customHeaders"]
    assert rule["pattern"] == "**"  # every path
    return {header["key"]: header["value"] for header in rule["headers"]}


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def test_security_headers_on_every_path(base_plan: Plan) -> None:
    headers = headers_of(base_plan)
    hsts = dict(re.findall(r"(max-age)=(\d+)", headers["Strict-Transport-Security"]))
    assert int(hsts["max-age"]) >= 31536000
    assert headers["X-Content-Type-Options"] == "nosniff"
    # The origin still reaches tile servers whose usage policy requires a referrer.
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] in ("DENY", "SAMEORIGIN")


def test_enforced_csp_stops_framing_and_plugins(base_plan: Plan) -> None:
    enforced = directives(headers_of(base_plan)["Content-Security-Policy"])
    assert enforced["frame-ancestors"] in (["'none'"], ["'self'"])
    assert enforced["object-src"] == ["'none'"]
    assert enforced["base-uri"] in (["'none'"], ["'self'"])


def test_report_only_csp_fits_the_editors_and_map_tiles(base_plan: Plan) -> None:
    policy = directives(headers_of(base_plan)["Content-Security-Policy-Report-Only"])
    assert policy["default-src"] == ["'self'"]
    assert "https:" in policy["img-src"]  # tiles and imagery from any HTTPS source
    assert "blob:" in policy["worker-src"]  # mapbox-gl's and the editors' workers
    assert "https:" in policy["connect-src"]  # the API on its own host, the OSM API
    assert policy["object-src"] == ["'none'"]
    # Nothing may run from plain http or from anywhere at all.
    for sources in (policy["script-src"], policy["default-src"]):
        assert not {"*", "http:", "https:", "'unsafe-eval'"} & set(sources)


# -- a branch per environment -------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_branch_per_environment(stack: str) -> None:
    plan, expected = plan_for(stack), ENVIRONMENTS[stack]
    branch = branch_of(plan).inputs
    assert branch["branchName"] == expected["branch"]
    assert branch["stage"] == expected["stage"]
    assert branch["enablePullRequestPreview"] is expected["previews"]
    assert branch["enableAutoBuild"] is True
    assert branch["appId"] == app_of(plan).outputs["id"]
    variables = effective_variables(plan)
    assert variables["TM_APP_API_URL"] == expected["api"]
    assert variables["TM_APP_BASE_URL"] == expected["frontend"]
    assert variables["TM_REDIRECT_URI"] == f"{expected['frontend']}/authorized"
    assert variables["TM_APP_API_VERSION"] == "v2"
    assert variables["OSM_SERVER_URL"] == "https://www.openstreetmap.org"
    assert variables["TM_ENVIRONMENT"] == stack
    assert variables["TM_ORG_CODE"] == "HOT"  # tm:frontend.buildVariables
    assert "TM_CLIENT_ID" not in variables  # not configured in the committed stacks


def test_no_secret_in_any_build_variable(base_plan: Plan) -> None:
    for resource in frontend_of(base_plan).resources:
        for name, value in resource.inputs.get("environmentVariables", {}).items():
            assert not is_secret(value), f"{name} is a secret in a public build"
            assert isinstance(value, str)
            assert secret_like(name, value) is None
            assert SECRET_PLACEHOLDER not in value


def test_the_oauth_client_id_is_a_public_build_variable_when_set() -> None:
    settings = settings_of("prod", {"tm:frontend.oauthClientId": "tmClient_0123456789"})
    assert isinstance(settings, BaseSettings)
    assert app_variables(app_spec(settings).frontend)["TM_CLIENT_ID"] == "tmClient_0123456789"


@pytest.mark.parametrize("name", ["TM_APP_API_URL", "TM_REDIRECT_URI", "AMPLIFY_MONOREPO_APP_ROOT"])
def test_build_variables_cannot_override_what_the_component_derives(name: str) -> None:
    settings = settings_of("dev", {f"tm:frontend.buildVariables.{name}": "https://elsewhere.example.org"})
    assert isinstance(settings, BaseSettings)
    with pytest.raises(ValueError, match=f"tm:frontend.buildVariables sets {name}"):
        app_variables(app_spec(settings).frontend)


# -- basic auth ---------------------------------------------------------------------------------


def test_dev_and_its_previews_are_behind_basic_auth_from_the_secret() -> None:
    plan = plan_for("dev")
    expected = base64.b64encode(SECRET_PLACEHOLDER.encode()).decode()
    branch, app = branch_of(plan).inputs, app_of(plan).inputs
    assert branch["enableBasicAuth"] is True
    assert secret_value(branch["basicAuthCredentials"]) == expected
    # App-level basic auth is what covers pull-request previews and review branches.
    assert app["enableBasicAuth"] is True
    assert secret_value(app["basicAuthCredentials"]) == expected


def test_production_is_public() -> None:
    plan = plan_for("prod")
    branch, app = branch_of(plan).inputs, app_of(plan).inputs
    assert app["enableBasicAuth"] is False
    # Unset on the branch: the app's setting applies.
    assert "enableBasicAuth" not in branch
    for inputs in (branch, app):
        assert "basicAuthCredentials" not in inputs


# -- the custom domain --------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_front_end_host_is_associated_with_the_branch(stack: str) -> None:
    plan = plan_for(stack)
    host = ENVIRONMENTS[stack]["frontend"].removeprefix("https://")
    domain = frontend_of(plan).one(DOMAIN).inputs
    assert domain["appId"] == app_of(plan).outputs["id"]
    # The whole host is the domain (not hotosm.org plus a prefix), so prod's and dev's apps never
    # claim the same domain.
    assert domain["domainName"] == host
    assert domain["subDomains"] == [{"branchName": ENVIRONMENTS[stack]["branch"], "prefix": ""}]
    assert domain["enableAutoSubDomain"] is False
    assert domain["certificateSettings"] == {"type": "AMPLIFY_MANAGED"}
    # The records the operator creates when the zone is not in Route 53.
    records = plan.outputs["frontendDnsRecords"]
    assert re.fullmatch(rf"_\w+\.{re.escape(host)}\. CNAME \S+\.acm-validations\.aws\.", records[0])
    assert re.fullmatch(rf"{re.escape(host)} CNAME d\w+\.cloudfront\.net", records[1])


def test_without_a_custom_domain_the_branch_uses_its_amplify_url() -> None:
    plan = plan_for("dev", {"tm:frontend.customDomain": False})
    assert not frontend_of(plan).of_type(DOMAIN)
    url = f"https://develop.{app_of(plan).outputs['defaultDomain']}"
    assert plan.outputs["frontendUrl"] == url
    variables = branch_of(plan).inputs["environmentVariables"]
    assert variables["TM_APP_BASE_URL"] == url
    assert variables["TM_REDIRECT_URI"] == f"{url}/authorized"
    assert "frontendDnsRecords" not in plan.outputs


# -- outputs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_outputs_name_the_app_its_domain_and_the_branch_urls(stack: str) -> None:
    plan = plan_for(stack)
    app = app_of(plan).outputs
    assert re.fullmatch(r"d[a-z0-9]+", plan.outputs["frontendAppId"])
    assert plan.outputs["frontendAppId"] == app["id"]
    assert plan.outputs["frontendDefaultDomain"] == app["defaultDomain"]
    assert plan.outputs["frontendUrl"] == ENVIRONMENTS[stack]["frontend"]
    expected_branch = ENVIRONMENTS[stack]["branch"]
    assert plan.outputs["frontendBranchUrl"] == f"https://{expected_branch}.{app['defaultDomain']}"


# -- review branches ----------------------------------------------------------------------------


def test_a_review_stack_adds_its_branch_in_one_call() -> None:
    mocks = OfflineMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, preview=False, monitor=monitor)
    app_id, domain = "d1a2b3c4e5f6a7", "d1a2b3c4e5f6a7.amplifyapp.com"
    expected_url = f"https://feature-better-maps-2.{domain}"

    @pulumi.runtime.test
    def declare() -> pulumi.Output[None]:
        branch = add_branch(
            "frontend",
            app_id,
            domain,
            BranchArgs(
                branch="feature/Better-Maps_2",
                stage="DEVELOPMENT",
                environment="review-pr-42",
                api_url="https://pr-42.tasking-manager-dev-api.hotosm.org",
                basic_auth_credentials=pulumi.Output.secret("reviewer:correct-horse-battery"),
            ),
        )

        # A branch without credentials of its own: the app's basic auth covers it.
        add_branch(
            "frontend-open",
            app_id,
            domain,
            BranchArgs(
                branch="fix/typo", stage="DEVELOPMENT", environment="review-pr-43", api_url="https://x.org"
            ),
        )

        def check(urls: list[str]) -> None:
            assert urls == [expected_url, expected_url]

        return pulumi.Output.all(branch.url, branch.amplify_url).apply(check)

    declare()
    branches = {r.name: r for r in monitor.registrations if r.type == BRANCH}
    assert "enableBasicAuth" not in branches["frontend-open"].inputs
    inputs = branches["frontend"].inputs
    assert (inputs["appId"], inputs["branchName"]) == (app_id, "feature/Better-Maps_2")
    assert inputs["displayName"] == "feature-better-maps-2"
    assert inputs["enablePullRequestPreview"] is False
    assert inputs["environmentVariables"] == {
        "TM_APP_BASE_URL": expected_url,
        "TM_APP_API_URL": "https://pr-42.tasking-manager-dev-api.hotosm.org",
        "TM_REDIRECT_URI": f"{expected_url}/authorized",
        "TM_ENVIRONMENT": "review-pr-42",
    }
    assert inputs["enableBasicAuth"] is True
    assert (
        secret_value(inputs["basicAuthCredentials"])
        == base64.b64encode(b"reviewer:correct-horse-battery").decode()
    )
    assert_valid_request("CreateBranch", plain(inputs))


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"TM_CLIENT_SECRET": "abc"}, "TM_CLIENT_SECRET looks like a secret"),
        (
            {"TM_MATOMO_ID": "ghp_0123456789abcdef0123456789abcdef0123"},
            "TM_MATOMO_ID looks like a credential",
        ),
        ({"TM_APP_API_URL": "https://elsewhere.example.org"}, "derives itself"),
    ],
)
def test_a_branch_refuses_secret_or_clashing_variables(variables: dict[str, str], message: str) -> None:
    args = BranchArgs(
        branch="feature/x",
        stage="DEVELOPMENT",
        environment="review-pr-7",
        api_url="https://api.example.org",
        variables=variables,
    )
    with pytest.raises(ValueError, match=message):
        add_branch("frontend", "d1a2b3c4e5f6a7", "d1a2b3c4e5f6a7.amplifyapp.com", args)
