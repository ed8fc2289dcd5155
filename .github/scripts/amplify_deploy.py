#!/usr/bin/env python3
"""Deploy a built front end to a review slot's branch (slot-<k>) of a manual-deployment Amplify
app, through Amplify's manual deployment API: zip the directory, create a deployment, upload the zip
to the URL Amplify returns, start the deployment and wait for its job.

  amplify_deploy.py --app-id ID --branch slot-<k> --directory DIR [--build-key KEY] [--ready MARKER]
                    [--timeout SECONDS] [--region R]
  amplify_deploy.py --app-id ID --branch slot-<k> --placeholder TEXT [--timeout SECONDS] [--region R]
  amplify_deploy.py --app-id ID --branch slot-<k> --serves-build KEY [--region R]
      --directory: the build output; index.html must be at its root
      --build-key: the key of what the build was made from (review_app.py frontend-key), deployed
      with it as /review-build.json in place of any file of that name the build made
      --ready: once the job succeeded, wait until the branch's URL answers 2xx with a page that
      contains MARKER and, with --build-key, until it serves that build's stamp (the previous
      build's page has the marker too), presenting the app's basic-auth credentials when it has
      them (a plain request to a slot behind basic auth only ever gets 401)
      --placeholder: a one-page site saying the slot is free, with TEXT, deployed when a review app
      is removed so that a slot never serves a removed pull request's front end
      --serves-build: whether the branch already serves the build of KEY, asked for its
      /review-build.json with the app's basic auth; prints frontend-reused=true or
      frontend-reused=false (also when it cannot tell: the reason goes to stderr), and exits 0

Prints url=https://<branch>.<the app's default domain> when the job succeeds (and the page is
served, with --ready): exit 0; exit 1 when the job fails, is cancelled, or the job and the page are
not done within --timeout (default 600 s), with the job's status and its steps' on stderr; exit 2 on
a bad argument. Its argument checks come from review_slots.py, beside it.
"""

from __future__ import annotations

import argparse
import html
import http.client
import io
import json
import re
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
from review_slots import invalid, matching

# What the role running this script must be allowed (tests/test_review_scripts.py derives it from the
# calls below); the upload goes to a presigned URL and needs no permission of its own.
IAM_ACTIONS = frozenset(
    {"amplify:GetApp", "amplify:CreateDeployment", "amplify:StartDeployment", "amplify:GetJob"}
)

POLL_SECONDS = 10
UPLOAD_TIMEOUT_SECONDS = 300
PAGE_TIMEOUT_SECONDS = 10
DONE = {"SUCCEED": 0, "FAILED": 1, "CANCELLED": 1}
APP_ID = re.compile(r"d[a-z0-9]{1,19}")
BRANCH = re.compile(r"slot-[1-9][0-9]*")
BUILD_KEY = re.compile(r"[0-9a-f]{64}")
# Where a deployed review front end says what it was built from (a .json path: the SPA rewrite
# leaves it alone, so a slot without one answers 404, not index.html).
BUILD_STAMP = "review-build.json"

Opener = Callable[..., Any]


class DeployError(Exception):
    """A failure to report on stderr with exit code 1."""


# -- arguments (worded as review_slots.py words them) ---------------------------------------------

app_id_argument = matching(APP_ID, "an Amplify app id, d and 1 to 19 lowercase letters and digits")
branch_argument = matching(BRANCH, "a review slot's branch, slot-<k>")
placeholder_argument = matching(re.compile(r"(?s).*\S.*"), "the text of the page")
ready_argument = matching(re.compile(r"\S.*"), "the text the served page must contain")
build_key_argument = matching(BUILD_KEY, "a build key, 64 lowercase hexadecimal digits")


def timeout_argument(value: str) -> int:
    if not re.fullmatch(r"[0-9]{1,4}", value) or not 1 <= int(value) <= 3600:
        raise invalid(value, "1 to 3600 seconds")
    return int(value)


# -- the archive --------------------------------------------------------------------------------


def zip_entries(entries: Iterable[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_directory(directory: Path, build_key: str | None) -> bytes:
    """The directory's files, named relative to it (index.html at the root of the archive), and
    with a build key, the stamp saying so instead of any the build made."""
    files = sorted(path for path in directory.rglob("*") if path.is_file())
    entries = [(path.relative_to(directory).as_posix(), path.read_bytes()) for path in files]
    # Only the deploy writes the stamp: a build's own would be the pull request's word.
    entries = [entry for entry in entries if entry[0] != BUILD_STAMP]
    if build_key is not None:
        entries.append((BUILD_STAMP, json.dumps({"key": build_key}).encode()))
    return zip_entries(entries)


def placeholder_page(branch: str, text: str) -> bytes:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Review slot {html.escape(branch)} is free</title>
</head>
<body>
<main>
<h1>This review slot is free</h1>
<p>{html.escape(text)}</p>
</main>
</body>
</html>
""".encode()


# -- the deployment -----------------------------------------------------------------------------


def upload(url: str, archive: bytes, opener: Opener = urllib.request.urlopen) -> None:
    """PUT the zip to the presigned URL Amplify returned."""
    if not url.startswith("https://"):
        raise DeployError(f"Amplify returned an upload URL that is not https: {url[:60]!r}")
    request = urllib.request.Request(
        url, data=archive, method="PUT", headers={"Content-Type": "application/zip"}
    )
    with opener(request, timeout=UPLOAD_TIMEOUT_SECONDS) as response:
        if not 200 <= response.status < 300:
            raise DeployError(f"uploading the zip answered HTTP {response.status}")


def job_report(job: dict[str, Any]) -> str:
    summary = job["summary"]
    lines = [f"job {summary['jobId']} {summary['status']}"]
    for step in job.get("steps", []):
        reason = f": {step['statusReason']}" if step.get("statusReason") else ""
        log = f" (log: {step['logUrl']})" if step.get("logUrl") else ""
        lines.append(f"  step {step['stepName']} {step['status']}{reason}{log}")
    return "\n".join(lines)


def basic_authorization(app: dict[str, Any]) -> str | None:
    """The Authorization header for the app's branches. The slots' branches set no credentials of
    their own (ReviewFrontend), so the app's apply; Amplify keeps them as base64 of user:password."""
    if app.get("enableBasicAuth") and app.get("basicAuthCredentials"):
        return f"Basic {app['basicAuthCredentials']}"
    return None


def fetch(url: str, authorization: str | None, opener: Opener) -> bytes:
    """The body a slot answers to a GET, asked with the app's basic auth; urllib raises HTTPError
    for an answer of 400 or more."""
    request = urllib.request.Request(url, headers={"Authorization": authorization} if authorization else {})
    with opener(request, timeout=PAGE_TIMEOUT_SECONDS) as response:
        return bytes(response.read())


def stamp_of(url: str, authorization: str | None, opener: Opener) -> str | None:
    """The build key the deployment at `url` carries; None when it carries none (a placeholder, or
    nothing deployed yet) or an unreadable one. Other failures raise."""
    try:
        stamp = json.loads(fetch(f"{url}/{BUILD_STAMP}", authorization, opener))
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
        return None
    except ValueError:
        return None
    key = stamp.get("key") if isinstance(stamp, dict) else None
    return key if isinstance(key, str) else None


def serves(url: str, marker: str, key: str | None, authorization: str | None, opener: Opener) -> bool:
    """Whether the URL serves a page containing the marker and, with a key, the build of that key
    (the previous build's page has the marker too)."""
    try:
        if key is not None and stamp_of(url, authorization, opener) != key:
            return False
        return marker.encode() in fetch(url, authorization, opener)
    except (OSError, http.client.HTTPException):  # urllib's HTTPError and URLError among them
        return False


def serves_build(amplify: Any, app_id: str, branch: str, key: str, opener: Opener) -> bool:
    """Whether the branch serves the build of `key`: its stamp, read with the app's basic auth."""
    app = amplify.get_app(appId=app_id)["app"]
    return stamp_of(f"https://{branch}.{app['defaultDomain']}", basic_authorization(app), opener) == key


def deploy(
    amplify: Any,
    app_id: str,
    branch: str,
    archive: bytes,
    ready: str | None,
    build_key: str | None,
    timeout: float,
    opener: Opener,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> str:
    """Deploy the archive to the branch; its URL once the job succeeded and, with `ready`, the
    branch serves a page containing it (and the stamp of `build_key`, when the build has one)."""
    deadline = clock() + timeout
    app = amplify.get_app(appId=app_id)["app"]
    url = f"https://{branch}.{app['defaultDomain']}"
    created = amplify.create_deployment(appId=app_id, branchName=branch)
    job_id = created.get("jobId")
    if not job_id:
        raise DeployError(f"Amplify created no deployment job for {app_id}/{branch}")
    upload(created["zipUploadUrl"], archive, opener)
    amplify.start_deployment(appId=app_id, branchName=branch, jobId=job_id)
    print(f"deploying {len(archive)} bytes to {app_id}/{branch}, job {job_id}", file=sys.stderr)
    while True:
        job = amplify.get_job(appId=app_id, branchName=branch, jobId=job_id)["job"]
        status = job["summary"]["status"]
        if status in DONE:
            if DONE[status]:
                raise DeployError(f"deployment to {app_id}/{branch} {status}\n{job_report(job)}")
            break
        remaining = deadline - clock()
        if remaining <= 0:
            raise DeployError(
                f"deployment to {app_id}/{branch} did not finish within {timeout:g}s\n{job_report(job)}"
            )
        sleep(min(POLL_SECONDS, remaining))
    authorization = basic_authorization(app)
    while ready is not None and not serves(url, ready, build_key, authorization, opener):
        remaining = deadline - clock()
        if remaining <= 0:
            of_build = f" of the build {build_key}" if build_key else ""
            raise DeployError(f"{url} did not serve a page{of_build} with {ready} within {timeout:g}s")
        sleep(min(POLL_SECONDS, remaining))
    return url


# -- command line -------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="amplify_deploy.py", description="Deploy a front end to a review slot's Amplify branch."
    )
    top.add_argument(
        "--app-id", required=True, type=app_id_argument, help="the manual-deployment Amplify app (d...)"
    )
    top.add_argument("--branch", required=True, type=branch_argument, help="slot-<k>")
    what = top.add_mutually_exclusive_group(required=True)
    what.add_argument("--directory", type=Path, help="the built front end, index.html at its root")
    top.add_argument(
        "--build-key",
        type=build_key_argument,
        help="stamp the build with the key of what it was made from (with --directory)",
    )
    what.add_argument(
        "--serves-build",
        metavar="KEY",
        type=build_key_argument,
        help="say whether the branch already serves the build of KEY",
    )
    top.add_argument(
        "--ready",
        metavar="MARKER",
        type=ready_argument,
        help="wait until the branch serves a page containing MARKER (with --directory)",
    )
    what.add_argument(
        "--placeholder",
        metavar="TEXT",
        type=placeholder_argument,
        help="deploy a page saying the slot is free",
    )
    top.add_argument(
        "--timeout",
        type=timeout_argument,
        default=600,
        help="seconds to wait for the job and, with --ready, the page (600)",
    )
    top.add_argument("--region", help="the app's region (default: the environment's)")
    return top


def main(
    argv: Sequence[str] | None = None,
    *,
    amplify: Any = None,
    opener: Opener = urllib.request.urlopen,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    top = parser()
    args = top.parse_args(argv)
    if args.directory is None:
        for name in ("ready", "build_key"):
            if getattr(args, name) is not None:
                option = "--" + name.replace("_", "-")
                top.error(f"argument {option}: only with --directory (nothing else is a front-end build)")
    if args.serves_build is not None:
        try:
            if amplify is None:
                amplify = boto3.client("amplify", region_name=args.region)
            reused = serves_build(amplify, args.app_id, args.branch, args.serves_build, opener)
        except (BotoCoreError, ClientError, OSError, http.client.HTTPException, KeyError) as error:
            # Only an optimisation: when it cannot tell, the front end is built again.
            print(f"amplify_deploy.py: cannot tell what {args.branch} serves: {error}", file=sys.stderr)
            reused = False
        print(f"frontend-reused={str(reused).lower()}")
        return 0
    if args.directory is not None:
        if not (args.directory / "index.html").is_file():
            top.error(
                f"argument --directory: got {str(args.directory)!r}; expected a directory with "
                "index.html at its root (the front end's build output)"
            )
        archive = zip_directory(args.directory, args.build_key)
    else:
        archive = zip_entries([("index.html", placeholder_page(args.branch, args.placeholder))])
    try:
        if amplify is None:
            amplify = boto3.client("amplify", region_name=args.region)
        url = deploy(
            amplify,
            args.app_id,
            args.branch,
            archive,
            args.ready,
            args.build_key,
            args.timeout,
            opener,
            clock,
            sleep,
        )
    except (DeployError, BotoCoreError, ClientError, OSError) as error:
        print(f"amplify_deploy.py: {error}", file=sys.stderr)
        return 1
    print(f"url={url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
