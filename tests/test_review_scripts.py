"""The review apps' Python scripts in .github/scripts: review_slots.py (the slot pool, claimed with S3
conditional writes) and amplify_deploy.py (a slot's front end, by Amplify's manual deployment API).

Every AWS call goes through botocore's Stubber, so its parameters are validated against AWS's own
service models and answered in the order queued; no network, no real sleeping.
"""

from __future__ import annotations

import ast
import contextlib
import datetime
import email.message
import importlib.util
import io
import json
import sys
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import botocore.session
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from offline.ci_permissions import known_action

SCRIPTS_DIR = Path(__file__).resolve().parent.parent / ".github" / "scripts"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SCRIPTS_DIR / f"{name}.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


review_slots = load("review_slots")
amplify_deploy = load("amplify_deploy")  # after review_slots, whose argument helpers it imports

SESSION = botocore.session.get_session()
BUCKET = "tm-pulumi-state"
PREFIX = "review-slots/dev"
REPOSITORY = "hotosm/tasking-manager"
SHA = "0123456789abcdef0123456789abcdef01234567"
OLD_SHA = "fedcba9876543210fedcba9876543210fedcba98"
NOW = datetime.datetime(2025, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
CLAIMED_AT = "2025-03-04T05:06:07Z"


def client(service: str) -> Any:
    return SESSION.create_client(
        service, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


@contextlib.contextmanager
def stubbed(service: str) -> Iterator[tuple[Any, Stubber]]:
    stubbed_client = client(service)
    with Stubber(stubbed_client) as stubber:
        yield stubbed_client, stubber
        # Every queued answer was asked for, and no call was made beyond them (an unqueued call
        # fails the test when it is made).
        stubber.assert_no_pending_responses()


@pytest.fixture
def s3() -> Iterator[tuple[Any, Stubber]]:
    with stubbed("s3") as pair:
        yield pair


# -- S3 answers ---------------------------------------------------------------------------------


def key(slot: int) -> str:
    return f"{PREFIX}/slot-{slot}.json"


def body(
    pull_request: int,
    repository: str = REPOSITORY,
    sha: str = SHA,
    expires: str = "2025-03-11",
    claimed_at: str = CLAIMED_AT,
) -> bytes:
    return bytes(review_slots.claim_body(repository, pull_request, sha, expires, claimed_at))


def held(stubber: Stubber, slots: dict[int, bytes]) -> None:
    """The listing and the reads that find `slots` (slot -> object body) taken."""
    stubber.add_response(
        "list_objects_v2",
        {"Contents": [{"Key": key(slot)} for slot in sorted(slots)], "IsTruncated": False},
        {"Bucket": BUCKET, "Prefix": f"{PREFIX}/slot-"},
    )
    for slot in sorted(slots):
        data = slots[slot]
        stubber.add_response(
            "get_object",
            {"Body": StreamingBody(io.BytesIO(data), len(data)), "ETag": f'"etag-{slot}"'},
            {"Bucket": BUCKET, "Key": key(slot)},
        )


def answer(stubber: Stubber, operation: str, expected: dict[str, Any], error: str) -> None:
    """A conditional write's answer: done, or its condition failed with `error`."""
    if not error:
        stubber.add_response(operation, {"ETag": '"new"'} if operation == "put_object" else {}, expected)
    else:
        status = {"PreconditionFailed": 412, "ConditionalRequestConflict": 409}[error]
        stubber.add_client_error(
            operation, service_error_code=error, http_status_code=status, expected_params=expected
        )


def put(stubber: Stubber, slot: int, data: bytes, error: str = "", **condition: str) -> None:
    expected = {"Bucket": BUCKET, "Key": key(slot), "Body": data, "ContentType": "application/json"}
    answer(stubber, "put_object", expected | (condition or {"IfNoneMatch": "*"}), error)


def delete(stubber: Stubber, slot: int, error: str = "") -> None:
    answer(stubber, "delete_object", {"Bucket": BUCKET, "Key": key(slot), "IfMatch": f'"etag-{slot}"'}, error)


def run_slots(s3_client: Any, *argv: str) -> int:
    return int(review_slots.main(list(argv), s3=s3_client, now=lambda: NOW))


def claim(s3_client: Any, pull_request: int = 42, slots: int = 3, *extra: str) -> int:
    return run_slots(
        s3_client,
        "claim",
        *("--bucket", BUCKET, "--prefix", PREFIX, "--slots", str(slots)),
        *("--repository", REPOSITORY, "--pull-request", str(pull_request)),
        *("--sha", SHA, "--expires", "2025-03-11"),
        *extra,
    )


# -- claim ----------------------------------------------------------------------------------------


def test_claim_takes_the_first_free_slot(s3: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]) -> None:
    s3_client, stubber = s3
    held(stubber, {})
    put(stubber, 1, body(42))
    assert claim(s3_client) == 0
    assert capsys.readouterr().out == "slot=1\n"


def test_claim_goes_on_past_slots_taken_since_the_listing(
    s3: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    """Slot 1 is listed as taken and not tried; slots 2 and 3 are taken by other runs between the
    listing and the write (412, 409): the claim goes on to slot 4."""
    s3_client, stubber = s3
    held(stubber, {1: body(7)})
    put(stubber, 2, body(42), error="PreconditionFailed")
    put(stubber, 3, body(42), error="ConditionalRequestConflict")
    put(stubber, 4, body(42))
    assert claim(s3_client, 42, 4) == 0
    assert capsys.readouterr().out == "slot=4\n"


def test_a_pull_request_keeps_its_slot_and_updates_its_claim_only_if_unchanged(
    s3: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    s3_client, stubber = s3
    first = "2025-03-01T00:00:00Z"
    held(stubber, {1: body(7), 2: body(42, sha=OLD_SHA, expires="2025-03-08", claimed_at=first)})
    put(stubber, 2, body(42, claimed_at=first), IfMatch='"etag-2"')
    assert claim(s3_client) == 0
    assert capsys.readouterr().out == "slot=2\n"


def test_a_claim_changed_under_the_update_is_read_again(
    s3: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    """The pull request's claim was released between the read and the update: read again, and
    claim a free slot."""
    s3_client, stubber = s3
    held(stubber, {1: body(42, sha=OLD_SHA)})
    put(stubber, 1, body(42), error="PreconditionFailed", IfMatch='"etag-1"')
    held(stubber, {})
    put(stubber, 1, body(42))
    assert claim(s3_client) == 0
    assert capsys.readouterr().out == "slot=1\n"


def test_the_same_number_from_another_repository_is_refused(
    s3: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    s3_client, stubber = s3
    held(stubber, {3: body(42, repository="someone/tasking-manager-fork")})
    refusal = tmp_path / "refusal.md"
    assert claim(s3_client, 42, 3, "--refusal-file", str(refusal)) == review_slots.REFUSED == 3
    out, err = capsys.readouterr()
    assert out == ""
    text = refusal.read_text()
    assert err == text
    assert (
        "[someone/tasking-manager-fork#42](https://github.com/someone/tasking-manager-fork/pull/42)" in text
    )
    assert "`review-pr-42`" in text


def test_all_slots_taken_is_refused_with_each_holder_and_no_write(
    s3: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    s3_client, stubber = s3
    held(
        stubber,
        {
            1: body(7, expires="2025-03-05"),
            2: body(8, repository="hotosm/tm-infra", sha=OLD_SHA, expires="2025-03-09"),
            3: b"not a claim",  # an object this script did not write keeps its slot taken
        },
    )
    refusal = tmp_path / "refusal.md"
    assert claim(s3_client, 42, 3, "--refusal-file", str(refusal)) == 3
    out, err = capsys.readouterr()
    assert out == ""
    text = refusal.read_text()
    assert err == text
    lines = text.splitlines()
    assert lines[0].startswith("All 3 review slots are taken")
    assert (
        "- slot-1: [hotosm/tasking-manager#7](https://github.com/hotosm/tasking-manager/pull/7)"
        " at `0123456`, expires 2025-03-05"
    ) in lines
    assert (
        "- slot-2: [hotosm/tm-infra#8](https://github.com/hotosm/tm-infra/pull/8)"
        " at `fedcba9`, expires 2025-03-09"
    ) in lines
    assert f"- slot-3: taken by `{key(3)}`, which is not a claim this script reads" in lines
    assert "close one of those pull requests" in text
    assert "nightly sweeper" in text


def test_slots_all_taken_by_other_runs_meanwhile_are_read_again_for_the_refusal(
    s3: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    s3_client, stubber = s3
    held(stubber, {})
    put(stubber, 1, body(42), error="PreconditionFailed")
    put(stubber, 2, body(42), error="PreconditionFailed")
    held(stubber, {1: body(7), 2: body(8)})
    assert claim(s3_client, 42, 2) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert "hotosm/tasking-manager#7" in err
    assert "hotosm/tasking-manager#8" in err


# -- release and list -----------------------------------------------------------------------------


def release(s3_client: Any, pull_request: int = 42) -> int:
    return run_slots(
        s3_client,
        "release",
        *("--bucket", BUCKET, "--prefix", PREFIX, "--slots", "3"),
        *("--repository", REPOSITORY, "--pull-request", str(pull_request)),
    )


def test_release_deletes_the_claim_only_if_unchanged_and_is_idempotent(
    s3: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    s3_client, stubber = s3
    held(stubber, {1: body(7), 2: body(42)})
    delete(stubber, 2)
    assert release(s3_client) == 0
    assert capsys.readouterr().out == "released=2\n"
    held(stubber, {1: body(7)})
    assert release(s3_client) == 0
    assert capsys.readouterr().out == "released=\n"


def test_release_reads_again_when_the_claim_changed(
    s3: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    s3_client, stubber = s3
    held(stubber, {3: body(42, sha=OLD_SHA)})
    delete(stubber, 3, error="PreconditionFailed")
    held(stubber, {3: body(42)})
    delete(stubber, 3)
    assert release(s3_client) == 0
    assert capsys.readouterr().out == "released=3\n"


def test_list_prints_the_claims_with_their_slot(
    s3: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    s3_client, stubber = s3
    held(stubber, {2: body(42)})
    assert run_slots(s3_client, "list", "--bucket", BUCKET, "--prefix", PREFIX, "--slots", "3") == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "slot": 2,
            "repository": REPOSITORY,
            "pullRequest": 42,
            "sha": SHA,
            "expiresAt": "2025-03-11",
            "claimedAt": CLAIMED_AT,
        }
    ]


@pytest.mark.parametrize(
    ("url", "join", "expected"),
    [
        (
            "s3://tm-state/some/prefix?region=us-east-1&awssdk=v2",
            "review-slots/dev",
            "bucket=tm-state\nprefix=some/prefix/review-slots/dev\nregion=us-east-1\n",
        ),
        (
            "s3://tm-state?region=eu-west-1",
            "review-slots/dev",
            "bucket=tm-state\nprefix=review-slots/dev\nregion=eu-west-1\n",
        ),
        ("s3://tm-state/state/", "", "bucket=tm-state\nprefix=state\n"),
    ],
)
def test_location_from_backend(
    url: str, join: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["location-from-backend", url, *(["--join", join] if join else [])]
    assert review_slots.main(argv) == 0
    assert capsys.readouterr().out == expected


def test_location_from_a_backend_that_is_not_s3_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert review_slots.main(["location-from-backend", "file://~/.pulumi"]) == 1
    assert "PULUMI_BACKEND_URL = 'file://~/.pulumi': expected s3://bucket" in capsys.readouterr().err


CLAIM_ARGUMENTS = {
    "--bucket": BUCKET,
    "--prefix": PREFIX,
    "--slots": "3",
    "--repository": REPOSITORY,
    "--pull-request": "42",
    "--sha": SHA,
    "--expires": "2025-03-11",
}


@pytest.mark.parametrize(
    ("argument", "value", "allowed"),
    [
        ("--sha", "0123abc", "the full commit sha, 40 hexadecimal characters"),
        ("--sha", "g" * 40, "the full commit sha, 40 hexadecimal characters"),
        ("--pull-request", "0", "a pull request number, a positive integer"),
        ("--pull-request", "-3", "a pull request number, a positive integer"),
        ("--pull-request", "12a", "a pull request number, a positive integer"),
        ("--repository", "tasking-manager", "a GitHub repository as owner/name"),
        ("--repository", "hotosm/tm/extra", "a GitHub repository as owner/name"),
        ("--slots", "0", "the number of slots, 1 to 50"),
        ("--slots", "51", "the number of slots, 1 to 50"),
        ("--expires", "2025-02-30", "an ISO date, YYYY-MM-DD"),
        ("--expires", "20250311", "an ISO date, YYYY-MM-DD"),
        ("--bucket", "Not_A_Bucket", "an S3 bucket name"),
        (
            "--prefix",
            "review-slots/dev/",
            "a key prefix such as review-slots/dev, with no leading or trailing slash",
        ),
        (
            "--prefix",
            "/review-slots",
            "a key prefix such as review-slots/dev, with no leading or trailing slash",
        ),
    ],
)
def test_a_bad_argument_is_named_with_its_value_and_what_is_allowed(
    argument: str, value: str, allowed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = CLAIM_ARGUMENTS | {argument: value}
    argv = ["claim", *(item for pair in arguments.items() for item in pair)]
    with pytest.raises(SystemExit) as exit_:
        review_slots.main(argv, s3=object())
    assert exit_.value.code == 2
    assert f"argument {argument}: got {value!r}; expected {allowed}" in capsys.readouterr().err


# -- amplify_deploy.py ----------------------------------------------------------------------------

APP_ID = "d1a2b3c4d5e6f7"
UPLOAD_URL = "https://aws-amplify-prod-us-east-1-artifacts.s3.amazonaws.com/d1a2b3c4d5e6f7/slot-2/7/upload.zip?X-Amz-Signature=abc"
WHEN = datetime.datetime(2025, 3, 4, tzinfo=datetime.UTC)


@pytest.fixture
def amplify() -> Iterator[tuple[Any, Stubber]]:
    with stubbed("amplify") as pair:
        yield pair


def job_summary(status: str) -> dict[str, Any]:
    return {
        "jobArn": f"arn:aws:amplify:us-east-1:123456789012:apps/{APP_ID}/branches/slot-2/jobs/0000000007",
        "jobId": "7",
        "commitId": "manual",
        "commitMessage": "manual deployment",
        "commitTime": WHEN,
        "startTime": WHEN,
        "status": status,
        "jobType": "MANUAL",
    }


def app_answer(**settings: Any) -> dict[str, Any]:
    """GetApp's app: the slots' manual-deployment app, with `settings` over its defaults."""
    return {
        "appId": APP_ID,
        "appArn": f"arn:aws:amplify:us-east-1:123456789012:apps/{APP_ID}",
        "name": "tasking-manager-review-slots",
        "description": "",
        "repository": "",
        "platform": "WEB",
        "createTime": WHEN,
        "updateTime": WHEN,
        "environmentVariables": {},
        "defaultDomain": f"{APP_ID}.amplifyapp.com",
        "enableBranchAutoBuild": False,
        "enableBasicAuth": False,
        **settings,
    }


def started(stubber: Stubber, **app_settings: Any) -> None:
    """The answers before the job is polled: the app, the deployment, its start."""
    stubber.add_response("get_app", {"app": app_answer(**app_settings)}, {"appId": APP_ID})
    stubber.add_response(
        "create_deployment",
        {"jobId": "7", "fileUploadUrls": {}, "zipUploadUrl": UPLOAD_URL},
        {"appId": APP_ID, "branchName": "slot-2"},
    )
    stubber.add_response(
        "start_deployment",
        {"jobSummary": job_summary("PENDING")},
        {"appId": APP_ID, "branchName": "slot-2", "jobId": "7"},
    )


def polled(stubber: Stubber, status: str, steps: list[dict[str, Any]] | None = None) -> None:
    stubber.add_response(
        "get_job",
        {"job": {"summary": job_summary(status), "steps": steps or []}},
        {"appId": APP_ID, "branchName": "slot-2", "jobId": "7"},
    )


class Response(io.BytesIO):
    status = 200


class Opener:
    """urlopen's stand-in: records the requests, answers 200."""

    def __init__(self) -> None:
        self.requests: list[urllib.request.Request] = []

    def __call__(self, request: urllib.request.Request, timeout: float) -> Response:
        self.requests.append(request)
        return Response()


class Clock:
    """A clock that only sleeping moves."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def run_deploy(amplify_client: Any, opener: Opener, clock: Clock, *argv: str) -> int:
    return int(
        amplify_deploy.main(
            ["--app-id", APP_ID, "--branch", "slot-2", *argv],
            amplify=amplify_client,
            opener=opener,
            clock=clock,
            sleep=clock.sleep,
        )
    )


def test_deploy_uploads_a_zip_with_index_html_at_its_root_and_waits_for_the_job(
    amplify: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    amplify_client, stubber = amplify
    build = tmp_path / "build"
    (build / "static" / "js").mkdir(parents=True)
    (build / "index.html").write_text("<!doctype html>")
    (build / "static" / "js" / "main.js").write_text("console.log(1)")
    started(stubber)
    polled(stubber, "RUNNING")
    polled(stubber, "SUCCEED")
    opener, clock = Opener(), Clock()
    assert run_deploy(amplify_client, opener, clock, "--directory", str(build)) == 0
    assert capsys.readouterr().out == f"url=https://slot-2.{APP_ID}.amplifyapp.com\n"
    [request] = opener.requests
    assert request.full_url == UPLOAD_URL
    assert request.get_method() == "PUT"
    assert request.get_header("Content-type") == "application/zip"
    assert isinstance(request.data, bytes)
    with zipfile.ZipFile(io.BytesIO(request.data)) as archive:
        assert sorted(archive.namelist()) == ["index.html", "static/js/main.js"]
        assert archive.read("index.html") == b"<!doctype html>"
    assert clock.sleeps == [10]


def test_a_failed_job_exits_1_with_its_status_and_steps(
    amplify: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    amplify_client, stubber = amplify
    started(stubber)
    step = {"stepName": "DEPLOY", "startTime": WHEN, "endTime": WHEN, "status": "FAILED"}
    polled(stubber, "FAILED", [step | {"statusReason": "The zip has no index.html"}])
    assert run_deploy(amplify_client, Opener(), Clock(), "--placeholder", "free") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"deployment to {APP_ID}/slot-2 FAILED" in err
    assert "step DEPLOY FAILED: The zip has no index.html" in err


def test_a_job_that_does_not_finish_in_time_exits_1(
    amplify: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    amplify_client, stubber = amplify
    started(stubber)
    for _ in range(4):
        polled(stubber, "RUNNING")
    clock = Clock()
    assert run_deploy(amplify_client, Opener(), clock, "--placeholder", "free", "--timeout", "25") == 1
    assert clock.sleeps == [10, 10, 5]
    assert "did not finish within 25s" in capsys.readouterr().err


def test_the_placeholder_is_one_page_saying_the_slot_is_free(
    amplify: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    amplify_client, stubber = amplify
    started(stubber)
    polled(stubber, "SUCCEED")
    opener = Opener()
    text = "The review app of <hotosm/tasking-manager#42> was removed."
    assert run_deploy(amplify_client, opener, Clock(), "--placeholder", text) == 0
    data = opener.requests[0].data
    assert isinstance(data, bytes)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["index.html"]
        page = archive.read("index.html").decode()
    assert "This review slot is free" in page
    assert "&lt;hotosm/tasking-manager#42&gt;" in page


SLOT_URL = f"https://slot-2.{APP_ID}.amplifyapp.com"
ROOT = b'<!doctype html><html><body><div id="root"></div></body></html>'


class Slot(Opener):
    """urlopen's stand-in for the upload and the slot: the slot answers 401 without the right basic
    auth (when it has one), then `pages` in turn (the last one again)."""

    def __init__(self, pages: list[bytes], credentials: str | None = None) -> None:
        super().__init__()
        self.pages, self.credentials = pages, credentials

    def __call__(self, request: urllib.request.Request, timeout: float) -> Response:
        self.requests.append(request)
        if request.full_url == UPLOAD_URL:
            return Response()
        assert request.full_url == SLOT_URL
        if self.credentials and request.get_header("Authorization") != f"Basic {self.credentials}":
            raise urllib.error.HTTPError(SLOT_URL, 401, "Unauthorized", email.message.Message(), None)
        return Response(self.pages.pop(0) if len(self.pages) > 1 else self.pages[0])


def built(tmp_path: Path) -> Path:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "index.html").write_bytes(ROOT)
    return tmp_path / "build"


def test_ready_waits_until_the_slot_serves_the_page_through_the_apps_basic_auth(
    amplify: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Dev's review front ends sit behind its preview basic auth: a plain request only gets 401.
    amplify_client, stubber = amplify
    started(stubber, enableBasicAuth=True, basicAuthCredentials="cmV2aWV3OnNlY3JldA==")
    polled(stubber, "SUCCEED")
    slot, clock = Slot([b"<html>This review slot is free</html>", ROOT], "cmV2aWV3OnNlY3JldA=="), Clock()
    argv = ("--directory", str(built(tmp_path)), "--ready", '<div id="root">')
    assert run_deploy(amplify_client, slot, clock, *argv) == 0
    out, err = capsys.readouterr()
    assert out == f"url={SLOT_URL}\n"
    assert "cmV2aWV3OnNlY3JldA==" not in out + err
    pages = [r for r in slot.requests if r.full_url == SLOT_URL]
    assert len(pages) == 2
    assert clock.sleeps == [10]


def test_ready_sends_no_credentials_to_an_open_slot_and_gives_up_at_the_timeout(
    amplify: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    amplify_client, stubber = amplify
    started(stubber)
    polled(stubber, "SUCCEED")
    slot, clock = Slot([b"<html>This review slot is free</html>"]), Clock()
    argv = ("--directory", str(built(tmp_path)), "--ready", '<div id="root">', "--timeout", "25")
    assert run_deploy(amplify_client, slot, clock, *argv) == 1
    pages = [r for r in slot.requests if r.full_url == SLOT_URL]
    assert pages
    assert all(r.get_header("Authorization") is None for r in pages)
    assert clock.now == 25
    assert f'{SLOT_URL} did not serve a page with <div id="root"> within 25s' in capsys.readouterr().err


KEY = "4c" * 32
STAMP_URL = f"{SLOT_URL}/review-build.json"


class Stamped(Opener):
    """urlopen's stand-in for a slot's review-build.json: 401 without the right basic auth (when it
    has one), else `answer` (a body, or an HTTP status to fail with)."""

    def __init__(self, answer: bytes | int, credentials: str | None = None) -> None:
        super().__init__()
        self.answer, self.credentials = answer, credentials

    def __call__(self, request: urllib.request.Request, timeout: float) -> Response:
        self.requests.append(request)
        assert request.full_url == STAMP_URL
        authorized = request.get_header("Authorization") == f"Basic {self.credentials}"
        status = 401 if self.credentials and not authorized else self.answer
        if isinstance(status, int):
            raise urllib.error.HTTPError(STAMP_URL, status, "no", email.message.Message(), None)
        return Response(status)


def test_a_deployed_build_carries_its_key_in_place_of_any_the_build_made(
    amplify: tuple[Any, Stubber], tmp_path: Path
) -> None:
    amplify_client, stubber = amplify
    build = built(tmp_path)
    (build / "review-build.json").write_text('{"key": "made up by the pull request"}')
    started(stubber)
    polled(stubber, "SUCCEED")
    opener = Opener()
    assert run_deploy(amplify_client, opener, Clock(), "--directory", str(build), "--build-key", KEY) == 0
    data = opener.requests[0].data
    assert isinstance(data, bytes)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["index.html", "review-build.json"]
        assert json.loads(archive.read("review-build.json")) == {"key": KEY}


def test_a_build_deployed_without_a_key_carries_no_stamp_of_its_own(
    amplify: tuple[Any, Stubber], tmp_path: Path
) -> None:
    # The build runs the pull request's code: its own review-build.json would let it name the key
    # of a later push's build, so only the deploy writes one.
    amplify_client, stubber = amplify
    build = built(tmp_path)
    (build / "review-build.json").write_text(json.dumps({"key": KEY}))
    started(stubber)
    polled(stubber, "SUCCEED")
    opener = Opener()
    assert run_deploy(amplify_client, opener, Clock(), "--directory", str(build)) == 0
    data = opener.requests[0].data
    assert isinstance(data, bytes)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["index.html"]


@pytest.mark.parametrize(("status", "warned"), [(404, False), (403, True), (500, True)])
def test_serves_build_is_quiet_only_about_a_slot_without_a_stamp(
    amplify: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str], status: int, warned: bool
) -> None:
    amplify_client, stubber = amplify
    stubber.add_response("get_app", {"app": app_answer()}, {"appId": APP_ID})
    assert run_deploy(amplify_client, Stamped(status), Clock(), "--serves-build", KEY) == 0
    out, err = capsys.readouterr()
    assert out == "frontend-reused=false\n"
    assert (f"HTTP Error {status}" in err) is warned


@pytest.mark.parametrize(
    ("answer", "reused"),
    [
        (json.dumps({"key": KEY}).encode(), "true"),
        (json.dumps({"key": "5d" * 32}).encode(), "false"),  # another build: another push or pull request
        (404, "false"),  # a placeholder, or a build deployed before keys were stamped
        (b"<html>not JSON</html>", "false"),
    ],
    ids=["same", "other", "none", "garbled"],
)
def test_serves_build_asks_the_slot_through_its_basic_auth(
    amplify: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str], answer: bytes | int, reused: str
) -> None:
    amplify_client, stubber = amplify
    app = {"enableBasicAuth": True, "basicAuthCredentials": "cmV2aWV3OnNlY3JldA=="}
    stubber.add_response("get_app", {"app": app_answer(**app)}, {"appId": APP_ID})
    opener = Stamped(answer, "cmV2aWV3OnNlY3JldA==")
    assert run_deploy(amplify_client, opener, Clock(), "--serves-build", KEY) == 0
    assert capsys.readouterr().out == f"frontend-reused={reused}\n"
    assert len(opener.requests) == 1
    stubber.assert_no_pending_responses()


def test_serves_build_says_false_when_amplify_cannot_be_asked(
    amplify: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    amplify_client, stubber = amplify
    stubber.add_client_error("get_app", "UnauthorizedException", "not allowed", 401)
    assert run_deploy(amplify_client, Stamped(404), Clock(), "--serves-build", KEY) == 0
    out, err = capsys.readouterr()
    assert out == "frontend-reused=false\n"
    assert "not allowed" in err


class Rollover(Opener):
    """urlopen's stand-in for a slot that serves the previous build (its page has the marker too)
    for `old` requests of its stamp, then the new one."""

    def __init__(self, old: int) -> None:
        super().__init__()
        self.old = old

    def __call__(self, request: urllib.request.Request, timeout: float) -> Response:
        self.requests.append(request)
        if request.full_url == UPLOAD_URL:
            return Response()
        if request.full_url == STAMP_URL:
            stamps = len([r for r in self.requests if r.full_url == STAMP_URL])
            return Response(json.dumps({"key": "5d" * 32 if stamps <= self.old else KEY}).encode())
        assert request.full_url == SLOT_URL
        return Response(ROOT)


def test_ready_with_a_build_key_waits_for_that_build_not_the_previous_ones_page(
    amplify: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    amplify_client, stubber = amplify
    started(stubber)
    polled(stubber, "SUCCEED")
    slot, clock = Rollover(old=2), Clock()
    argv = ("--directory", str(built(tmp_path)), "--build-key", KEY, "--ready", '<div id="root">')
    assert run_deploy(amplify_client, slot, clock, *argv) == 0
    assert len([r for r in slot.requests if r.full_url == STAMP_URL]) == 3
    assert clock.sleeps == [10, 10]
    # One that never rolls over fails at the timeout, naming the build.
    started(stubber)
    polled(stubber, "SUCCEED")
    assert run_deploy(amplify_client, Rollover(old=99), Clock(), *argv, "--timeout", "30") == 1
    assert (
        f'did not serve a page of the build {KEY} with <div id="root"> within 30s' in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--branch", "slot-2", "--directory", "."], "argument --app-id: got 'not-an-app'"),
        (
            ["--branch", "main", "--placeholder", "x"],
            "argument --branch: got 'main'; expected a review slot's branch",
        ),
        (["--branch", "slot-2", "--placeholder", "x", "--timeout", "0"], "argument --timeout: got '0'"),
        (["--branch", "slot-2", "--placeholder", "x", "--timeout", "ten"], "argument --timeout: got 'ten'"),
        (["--branch", "slot-2", "--placeholder", " "], "argument --placeholder: got ' '; expected the text"),
        (
            ["--branch", "slot-2", "--placeholder", "x", "--ready", "root"],
            "argument --ready: only with --directory",
        ),
        (
            ["--branch", "slot-2", "--placeholder", "x", "--build-key", "4c" * 32],
            "argument --build-key: only with --directory",
        ),
        (["--branch", "slot-2", "--serves-build", "main"], "argument --serves-build: got 'main'"),
    ],
)
def test_a_bad_deploy_argument_is_named(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = APP_ID if "--app-id" not in message else "not-an-app"
    with pytest.raises(SystemExit) as exit_:
        amplify_deploy.main(["--app-id", app, *argv], amplify=object())
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_a_directory_without_index_html_fails_before_any_call(
    amplify: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "dist").mkdir()
    (tmp_path / "dist" / "dist" / "index.html").write_text("nested one level too deep")
    with pytest.raises(SystemExit) as exit_:
        run_deploy(amplify[0], Opener(), Clock(), "--directory", str(tmp_path / "dist"))
    assert exit_.value.code == 2
    assert "expected a directory with index.html at its root" in capsys.readouterr().err


# -- the calls exist, and the permissions they need are real actions ------------------------------

# The API operations authorized under another action's name.
AUTHORIZED_AS = {"ListObjectsV2": "ListBucket"}


def called(module: ModuleType, receiver: str) -> set[str]:
    """The methods the script calls on its `receiver` client (`s3.x(...)`, `self.s3.x(...)`)."""
    tree = ast.parse(Path(module.__file__ or "").read_text())
    methods = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
            if name == receiver:
                methods.add(node.func.attr)
    return methods


@pytest.mark.parametrize(
    ("module", "service"), [(review_slots, "s3"), (amplify_deploy, "amplify")], ids=["s3", "amplify"]
)
def test_every_call_is_an_operation_of_the_service_and_its_permission_is_listed(
    module: ModuleType, service: str
) -> None:
    methods = called(module, service)
    assert methods, f"no call on the {service} client found in {module.__file__}"
    operations = client(service).meta.method_to_api_mapping
    assert sorted(methods - operations.keys()) == []
    model = SESSION.get_service_model(service)
    actions = {f"{service}:{AUTHORIZED_AS.get(operations[m], operations[m])}" for m in methods}
    assert all(operations[m] in model.operation_names for m in methods)
    assert actions == module.IAM_ACTIONS


def test_the_iam_actions_exist_in_the_service_authorization_reference() -> None:
    actions = review_slots.IAM_ACTIONS | amplify_deploy.IAM_ACTIONS
    assert sorted(a for a in actions if not known_action(a)) == []
