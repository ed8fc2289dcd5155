#!/usr/bin/env python3
"""The decisions of the review-app workflow (.github/workflows/review-app.yml), kept out of inline
bash so that they can be tested against recorded GitHub payloads (tests/test_workflows.py).

  review_app.py identify
      Which pull request a run serves and what it builds: key=value lines for $GITHUB_OUTPUT
      (repository, pull-request, action, head-sha, app-sha, infra-sha, fork). Reads the event
      GitHub Actions hands the run (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY,
      GITHUB_SHA) and APP_REPOSITORY, APP_REVIEW_REF; asks `gh api` about a dispatched pull
      request. A request it refuses exits 1 after printing problem=<the reason, as a JSON string>;
      the target (repository, pull-request, action) is printed first whenever it is valid, so the
      refusal can be commented on the pull request.
  review_app.py urls --slot K --pull-request N < base-stack-outputs.json
      The review app's api-url and frontend-url and its front end's build environment
      (frontend-env, one line of JSON), from the base stack's outputs (`pulumi stack output --json`).
  review_app.py frontend-key --app-sha SHA --recipe FILE < frontend-env
      The key of a review front end's build: a digest of what it is built from, the application's
      frontend/ tree at that commit (and a root tasking-manager.env, which its build script reads
      when there is one; read with `gh api`), the build environment (stdin, as `urls` printed it)
      and FILE, the workflow that builds it. A slot whose deployed build has the same key serves
      a build of the same sources (amplify_deploy.py --serves-build); a build that read files
      outside them (the application's scripts do not) would not be told apart. Prints
      frontend-key=<64 hex digits>, or frontend-key= when GitHub cannot say or a source is not
      what a build reads (frontend/ not a directory, a symlink), with the reason on stderr: then
      nothing is reused.
  review_app.py comment --needs
      Write or update the pull request's one review-app comment from the run's jobs (the JSON of
      the `needs` context, in the environment variable NEEDS): ready, failed (naming the job and
      step, read with RUN_TOKEN), refused or removed. GH_TOKEN may write to the pull request.
  review_app.py comment --repository R --pull-request N --removed REASON
      Mark the comment as removed (the sweeper); leaves a pull request without one alone.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

LABEL = "ok-to-deploy"
MARKER = "<!-- tasking-manager: review app -->"
SHA = re.compile(r"[0-9a-f]{40}")
NUMBER = re.compile(r"[1-9][0-9]{0,8}")
# A build variable's name, and the names that are never a front end's: everything in a React build
# is public (docs/operations/frontend.md).
VARIABLE = re.compile(r"[A-Z][A-Z0-9_]*")
SECRET_LOOKING = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE")
# Set per review app from its slot and pull request; the base stack's shared environment must not.
PER_APP = ("TM_APP_API_URL", "TM_APP_BASE_URL", "TM_REDIRECT_URI")
BUILD_JOBS = ("build-backend", "build-frontend")
# The back end's deploy and the front end's, each ending when its part answers.
DEPLOY_JOBS = ("deploy", "deploy-frontend")
FRONT_END_JOBS = ("build-frontend", "deploy-frontend")
GONE = "Its stack, database and slot are gone."
# What a front end's build reads from the application's root: frontend/, and the environment file
# its `preparation` script merges in when it exists.
BUILD_SOURCES = ("frontend", "tasking-manager.env")


class RefusedError(Exception):
    """The request is not served; the text says why, for the log and the pull request."""


class GhError(Exception):
    """`gh api` failed."""


def gh(*args: str, token: str | None = None) -> Any:
    """The JSON answer of `gh api <args>`."""
    env = dict(os.environ)
    if token is not None:
        env["GH_TOKEN"] = token
    result = subprocess.run(["gh", "api", *args], capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise GhError(f"gh api {' '.join(args)}: {result.stderr.strip() or f'exit {result.returncode}'}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def emit(name: str, value: str) -> None:
    print(f"{name}={value}", flush=True)


# -- identify -----------------------------------------------------------------------------------


def head_repository(pull: Mapping[str, Any]) -> str | None:
    """owner/name of the pull request's head; None when the fork was deleted."""
    repo = pull["head"].get("repo")
    return str(repo["full_name"]) if repo else None


def application_commit(app: str, ref: str) -> str:
    """The commit the application's `ref` (develop) points at now: front and back end build it."""
    try:
        sha = str(gh(f"repos/{app}/commits/{ref}")["sha"])
    except (GhError, KeyError, TypeError) as error:
        raise RefusedError(f"cannot read the application's {ref} ({app}): {error}") from None
    if not SHA.fullmatch(sha):
        raise RefusedError(f"{app}@{ref} answered {sha!r}, not a commit")
    return sha


def identify(env: Mapping[str, str]) -> None:
    this = env["GITHUB_REPOSITORY"]
    app = env.get("APP_REPOSITORY") or this
    ref = env.get("APP_REVIEW_REF") or "develop"
    event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text())
    name = env["GITHUB_EVENT_NAME"]

    if name == "pull_request":
        pull = event["pull_request"]
        emit("repository", this)
        emit("pull-request", str(pull["number"]))
        action = "destroy" if event["action"] == "closed" else "deploy"
        emit("action", action)
        if head_repository(pull) != this:
            raise RefusedError(
                "a fork's pull request gets no AWS role from its own events: a maintainer labels it "
                f"{LABEL} and dispatches this workflow for the head commit they read"
            )
        head = str(pull["head"]["sha"])
        emit("head-sha", head)
        emit("fork", "false")
        if action == "destroy":
            # The base branch's scripts remove it, not the closed pull request's.
            emit("infra-sha", str(pull["base"]["sha"]))
            return
        emit("infra-sha", head)
        emit("app-sha", head if app == this else application_commit(app, ref))
        return

    if name != "workflow_dispatch":
        raise RefusedError(f"the {name} event deploys nothing")
    inputs = event.get("inputs") or {}
    repository = str(inputs.get("repository") or "")
    if repository not in {app, this}:
        raise RefusedError(
            f"repository {repository!r} is neither the application's ({app}) nor this one ({this}), "
            "spelled as GitHub spells it"
        )
    number = str(inputs.get("pull-request") or "")
    if not NUMBER.fullmatch(number):
        raise RefusedError(f"pull-request {number!r} is not a pull request number")
    action = str(inputs.get("action") or "deploy")
    if action not in {"deploy", "destroy"}:
        raise RefusedError(f"action {action!r} is neither deploy nor destroy")
    emit("repository", repository)
    emit("pull-request", number)
    emit("action", action)

    try:
        pull = gh(f"repos/{repository}/pulls/{number}")
    except GhError as error:
        raise RefusedError(
            f"{repository} has no pull request #{number} that this run can read: {error}"
        ) from None
    base = pull["base"]["repo"]["full_name"]
    if base != repository:
        raise RefusedError(f"#{number} is a pull request of {base}, not of {repository}")
    head = str(pull["head"]["sha"])
    fork = head_repository(pull) != repository
    emit("fork", str(fork).lower())
    if action == "destroy":
        emit("head-sha", head)
        emit("infra-sha", env["GITHUB_SHA"])
        return

    wanted = str(inputs.get("head-sha") or "")
    if not SHA.fullmatch(wanted):
        raise RefusedError(f"head-sha {wanted!r} is not a full 40-character commit SHA (lower case)")
    if pull["state"] != "open":
        raise RefusedError(f"{repository}#{number} is {pull['state']}")
    if head != wanted:
        raise RefusedError(
            f"the head of {repository}#{number} is now {head}, not the reviewed {wanted}: "
            "review the new commits and ask again"
        )
    labels = {label["name"] for label in pull.get("labels", [])}
    if fork and LABEL not in labels:
        raise RefusedError(f"{repository}#{number} comes from a fork: a maintainer labels it {LABEL} first")
    emit("head-sha", head)
    # This repository's program: the pull request's own when it is one of ours, else the commit
    # this run was dispatched on (the default branch).
    emit("infra-sha", head if repository == this else env["GITHUB_SHA"])
    emit("app-sha", head if repository == app else application_commit(app, ref))


# -- urls ---------------------------------------------------------------------------------------


def build_environment(shared: Any, api_url: str, frontend_url: str) -> dict[str, str]:
    """The base stack's shared front-end build variables and the three of this review app."""
    if isinstance(shared, str):  # a stack output may arrive as its JSON text
        with contextlib.suppress(ValueError):
            shared = json.loads(shared)
    if not isinstance(shared, dict):
        raise RefusedError(f"reviewFrontendBuildEnvironment is {shared!r}, not a JSON object")
    problems = []
    for name, value in shared.items():
        if not VARIABLE.fullmatch(name):
            problems.append(f"{name!r} is not an environment variable's name")
        elif SECRET_LOOKING.search(name):
            problems.append(f"{name} looks like a secret, and everything in a front-end build is public")
        elif name in PER_APP:
            problems.append(f"{name} is set per review app, not shared")
        if not isinstance(value, str) or "\n" in value or "\0" in value:
            problems.append(f"{name}: {value!r} is not a one-line string")
    if problems:
        raise RefusedError("reviewFrontendBuildEnvironment: " + "; ".join(problems))
    return {
        **shared,
        "TM_APP_API_URL": api_url,
        "TM_APP_BASE_URL": frontend_url,
        "TM_REDIRECT_URI": f"{frontend_url}/authorized",
    }


def urls(outputs: Mapping[str, Any], slot: int, pull_request: int) -> None:
    missing = [
        name
        for name in ("reviewHost", "reviewFrontendDomain", "reviewSlots", "reviewFrontendBuildEnvironment")
        if name not in outputs
    ]
    if missing:
        raise RefusedError(f"the base stack exports no {', '.join(missing)}")
    if not 1 <= slot <= int(outputs["reviewSlots"]):
        raise RefusedError(f"slot {slot} is not one of the base stack's {outputs['reviewSlots']} slots")
    api_url = f"https://pr-{pull_request}.{outputs['reviewHost']}"
    frontend_url = f"https://slot-{slot}.{outputs['reviewFrontendDomain']}"
    environment = build_environment(outputs["reviewFrontendBuildEnvironment"], api_url, frontend_url)
    emit("api-url", api_url)
    emit("frontend-url", frontend_url)
    emit("frontend-env", json.dumps(environment, sort_keys=True, separators=(",", ":")))


# -- frontend-key -------------------------------------------------------------------------------


def frontend_key(app: str, app_sha: str, environment: Mapping[str, Any], recipe: bytes) -> str:
    """The digest of what a review front end is built from."""
    tree = gh(f"repos/{app}/git/trees/{app_sha}")
    entries = {e["path"]: e for e in tree["tree"] if e["path"] in BUILD_SOURCES}
    # A symlink's sha is its target's name, not what the build reads through it.
    if entries.get("frontend", {}).get("type") != "tree":
        raise RefusedError(f"{app}@{app_sha} has no frontend/ directory")
    if any(e.get("mode") == "120000" for e in entries.values()):
        raise RefusedError(f"{app}@{app_sha}: a build source is a symlink")
    sources = {path: e["sha"] for path, e in entries.items()}
    built_from = {
        "sources": sources,
        "environment": environment,
        "recipe": hashlib.sha256(recipe).hexdigest(),
    }
    return hashlib.sha256(json.dumps(built_from, sort_keys=True).encode()).hexdigest()


def print_frontend_key(app: str, app_sha: str, environment: Mapping[str, Any], recipe: Path) -> None:
    try:
        key = frontend_key(app, app_sha, environment, recipe.read_bytes())
    except (GhError, RefusedError, KeyError, TypeError) as error:
        # Only an optimisation: without a key the front end is built and deployed again.
        print(f"::warning::no key for the front end's build, so it is built again: {error}", file=sys.stderr)
        key = ""
    emit("frontend-key", key)


# -- comment ------------------------------------------------------------------------------------


def run_url(env: Mapping[str, str]) -> str:
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"


def where_it_failed(env: Mapping[str, str]) -> str:
    """The first failed (or cancelled) job of this run and its failed step, from the Actions API."""
    path = (
        f"repos/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
        f"/attempts/{env.get('GITHUB_RUN_ATTEMPT', '1')}/jobs?per_page=100"
    )
    try:
        jobs = gh(path, token=env.get("RUN_TOKEN"))["jobs"]
    except (GhError, KeyError, TypeError):
        return ""
    for conclusion in ("failure", "cancelled", "timed_out"):
        for job in jobs:
            if job.get("conclusion") != conclusion:
                continue
            steps = [s["name"] for s in job.get("steps", []) if s.get("conclusion") == conclusion]
            said = {"failure": "failed", "cancelled": "was cancelled", "timed_out": "timed out"}[conclusion]
            if steps:
                return f"The job **{job['name']}** {said} at the step **{steps[0]}**."
            return f"The job **{job['name']}** {said}."
    return ""


def short(sha: str) -> str:
    return f"`{sha[:12]}`" if sha else "?"


def state_of(needs: Mapping[str, Any]) -> str:
    """ready, failed, refused or removed, from the results of the run's jobs."""
    prepare = needs["prepare"]
    outputs = prepare.get("outputs", {})
    if prepare["result"] == "success" and outputs.get("refusal"):
        return "refused"
    if outputs.get("action") == "destroy":
        return "removed" if needs["destroy"]["result"] == "success" else "failed"
    # The front end's jobs are skipped when the slot already serves its build (prepare says so).
    skippable = FRONT_END_JOBS if outputs.get("frontend-reused") == "true" else ()
    if all(
        needs[job]["result"] == "success" or (job in skippable and needs[job]["result"] == "skipped")
        for job in ("prepare", "database", *BUILD_JOBS, *DEPLOY_JOBS)
    ):
        return "ready"
    return "failed"


def text_from_needs(needs: Mapping[str, Any], env: Mapping[str, str]) -> tuple[str, bool]:
    """The comment's text, and whether to write it when the pull request has none yet."""
    outputs = needs["prepare"].get("outputs", {})
    state = state_of(needs)
    repository = outputs["repository"]
    app = env.get("APP_REPOSITORY") or env["GITHUB_REPOSITORY"]
    if state == "refused":
        return "### Review app: no slot\n\n" + json.loads(outputs["refusal"]), True
    if state == "removed":
        return f"### Review app removed\n\n{GONE}", False
    if state == "failed":
        what = "removing" if outputs.get("action") == "destroy" else "deploying"
        lines = [f"### Review app: {what} it failed", ""]
        if outputs.get("problem"):
            lines += [json.loads(outputs["problem"]), ""]
        if where := where_it_failed(env):
            lines += [where, ""]
        lines.append(f"See [the run]({run_url(env)}).")
        return "\n".join(lines), True
    head, app_sha = outputs.get("head-sha", ""), outputs.get("app-sha", "")
    if repository == app:
        built = f"this pull request at {short(head)}"
    else:
        built = (
            f"`{app}` at {short(app_sha)} ({env.get('APP_REVIEW_REF') or 'develop'}), "
            f"deployed by this pull request's program at {short(head)}"
        )
    lines = [
        "### Review app: ready",
        "",
        f"- Tasking Manager: {outputs['frontend-url']}",
        f"- API: {outputs['api-url']}",
        f"- Built from {built}",
        *(
            ["- Front end: the slot's build of an earlier push, made from the same sources"]
            if outputs.get("frontend-reused") == "true"
            else []
        ),
        f"- Slot: `slot-{outputs['slot']}`",
        *(
            [f"- Sample data: not loaded, the seed failed (see [the run]({run_url(env)}))"]
            if needs["deploy"].get("outputs", {}).get("seeded") == "failure"
            else []
        ),
        f"- Removed when this pull request closes, or on {outputs['expires']} unless a new "
        "deployment renews it.",
        "",
        f"Deployed by [this run]({run_url(env)}).",
    ]
    return "\n".join(lines), True


def own_login() -> str | None:
    """The login the comment token writes as; None for an installation token (the job's own
    token, a GitHub App's), whose comments are a bot's."""
    try:
        return str(gh("user")["login"])
    except (GhError, KeyError, TypeError):
        return None


def upsert(repository: str, pull_request: str, text: str, create: bool) -> str:
    """Edit this token's newest review-app comment on the pull request, or write one."""
    body = f"{MARKER}\n{text}\n"
    login = own_login()
    pages = gh("--paginate", "--slurp", f"repos/{repository}/issues/{pull_request}/comments?per_page=100")
    ours = [
        comment
        for page in pages
        for comment in page
        if str(comment.get("body", "")).startswith(MARKER)
        and (comment["user"]["login"] == login if login else comment["user"].get("type") == "Bot")
    ]
    if ours:
        newest = max(ours, key=lambda comment: int(comment["id"]))
        gh("--method", "PATCH", f"repos/{repository}/issues/comments/{newest['id']}", "-f", f"body={body}")
        return f"updated comment {newest['id']}"
    if not create:
        return "no review-app comment to update"
    gh("--method", "POST", f"repos/{repository}/issues/{pull_request}/comments", "-f", f"body={body}")
    return "wrote a new comment"


def comment(args: argparse.Namespace, env: Mapping[str, str]) -> None:
    if not env.get("GH_TOKEN"):
        raise RefusedError(
            "no token to comment with: the application repository's pull requests need the secret "
            "APP_REPOSITORY_TOKEN (docs/operations/ci.md)"
        )
    if args.needs:
        needs = json.loads(env["NEEDS"])
        outputs = needs["prepare"]["outputs"]
        text, create = text_from_needs(needs, env)
        repository, pull_request = outputs["repository"], outputs["pull-request"]
    else:
        if not (args.repository and args.pull_request and args.removed):
            raise RefusedError("comment needs --needs, or --repository, --pull-request and --removed")
        repository, pull_request = args.repository, args.pull_request
        text = f"### Review app removed\n\nRemoved because {args.removed}. {GONE}"
        create = False
    print(f"{repository}#{pull_request}: {upsert(repository, pull_request, text, create)}")


# -- command line -------------------------------------------------------------------------------


def commit_argument(value: str) -> str:
    if not SHA.fullmatch(value):
        raise argparse.ArgumentTypeError(f"got {value!r}; expected a full 40-character commit SHA")
    return value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="review_app.py", description="The review-app workflow's decisions.")
    commands = top.add_subparsers(dest="command", required=True)
    commands.add_parser("identify", help="which pull request this run serves, for $GITHUB_OUTPUT")
    url = commands.add_parser("urls", help="the review app's URLs and build environment")
    url.add_argument("--slot", type=int, required=True)
    url.add_argument("--pull-request", type=int, required=True)
    key = commands.add_parser("frontend-key", help="the key of the front end's build")
    key.add_argument("--app-sha", required=True, type=commit_argument, help="the application's commit")
    key.add_argument("--recipe", type=Path, required=True, help="the workflow that builds it")
    note = commands.add_parser("comment", help="write or update the review-app comment")
    note.add_argument("--needs", action="store_true", help="from the run's jobs (NEEDS)")
    note.add_argument("--repository")
    note.add_argument("--pull-request")
    note.add_argument("--removed", metavar="REASON")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    env = os.environ
    try:
        if args.command == "identify":
            identify(env)
        elif args.command == "urls":
            urls(json.load(sys.stdin), args.slot, args.pull_request)
        elif args.command == "frontend-key":
            app = env.get("APP_REPOSITORY") or env["GITHUB_REPOSITORY"]
            print_frontend_key(app, args.app_sha, json.load(sys.stdin), args.recipe)
        else:
            comment(args, env)
    except RefusedError as refused:
        if args.command == "identify":
            emit("problem", json.dumps(str(refused)))
        print(f"::error::{refused}", file=sys.stderr)
        return 1
    except GhError as error:
        print(f"::error::{error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
