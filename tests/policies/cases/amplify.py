"""Fixtures of the Amplify policies: public build variables, basic auth off production."""

from security_baseline import amplify

from tests.policies.harness import DELETE, Case, StackCase

APP = "aws:amplify/app:App"
BRANCH = "aws:amplify/branch:Branch"
_VARIABLES = {
    "TM_APP_API_URL": "https://api.example.org",
    "TM_CLIENT_ID": "public-client-id",
    "TM_SENTRY_FRONTEND_DSN": "https://k@sentry.example/1",
}

CASES = [
    Case(
        amplify.amplify_no_secrets_in_build_variables,
        BRANCH,
        {
            "appId": "d123",
            "branchName": "main",
            "stage": "PRODUCTION",
            "environmentVariables": dict(_VARIABLES),
        },
        [
            ({"environmentVariables.TM_CLIENT_SECRET": "x"}, "TM_CLIENT_SECRET is named like a secret"),
            (
                {"environmentVariables.TM_APP_API_URL": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"},
                "the value of TM_APP_API_URL looks like a credential",
            ),
        ],
        config={"allowedNames": ["TM_SENTRY_FRONTEND_DSN"]},
    ),
    Case(
        amplify.amplify_no_secrets_in_build_variables,
        APP,
        {
            "name": "tm",
            "environmentVariables": {"TM_ORG_NAME": "HOT"},
            "autoBranchCreationConfig": {"environmentVariables": {"TM_ENVIRONMENT": "preview"}},
        },
        [
            (
                {"environmentVariables.OHSOME_STATS_TOKEN": "x"},
                "environmentVariables: OHSOME_STATS_TOKEN is named like a secret",
            ),
            (
                {"autoBranchCreationConfig.environmentVariables.SMTP_PASSWORD": "x"},
                "autoBranchCreationConfig.environmentVariables: SMTP_PASSWORD",
            ),
        ],
    ),
    StackCase(
        amplify.amplify_basic_auth_off_production,
        {
            "app": (APP, {"id": "d123", "name": "tm", "enableBasicAuth": False}),
            "main": (BRANCH, {"appId": "d123", "branchName": "main", "stage": "PRODUCTION"}),
            "develop": (
                BRANCH,
                {"appId": "d123", "branchName": "develop", "stage": "DEVELOPMENT", "enableBasicAuth": True},
            ),
        },
        [
            ({"develop.enableBasicAuth": False}, "(stage DEVELOPMENT) is open to anyone"),
            ({"main.stage": DELETE}, "(stage NONE) is open to anyone"),
            ({"app.enableAutoBranchCreation": True}, "creates branches automatically without basic auth"),
        ],
    ),
    StackCase(
        amplify.amplify_basic_auth_off_production,
        {
            "app": (APP, {"id": "d123", "name": "tm", "enableBasicAuth": True}),
            "develop": (BRANCH, {"appId": "d123", "branchName": "develop", "stage": "DEVELOPMENT"}),
        },
        [({"app.enableBasicAuth": False}, "(stage DEVELOPMENT) is open to anyone")],
    ),
    # A branch of an app the stack does not hold: no stack of the program makes one, so only the
    # branch's own basic auth can protect it (fail closed).
    StackCase(
        amplify.amplify_basic_auth_off_production,
        {
            "pr-1": (
                BRANCH,
                {"appId": "d123", "branchName": "pr-1", "stage": "DEVELOPMENT", "enableBasicAuth": True},
            )
        },
        [
            ({"pr-1.enableBasicAuth": False}, "(stage DEVELOPMENT) is open to anyone"),
            ({"pr-1.enableBasicAuth": DELETE}, "(stage DEVELOPMENT) is open to anyone"),
        ],
    ),
]
