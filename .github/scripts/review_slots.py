#!/usr/bin/env python3
"""The review apps' slots: a fixed pool slot-1..slot-K of front-end hosts registered with OSM's
OAuth2 application, so K is the cap on concurrent review apps. A pull request holds a slot while its
review app exists. Claims are objects `<prefix>/slot-<k>.json` in the Pulumi state bucket, written
with S3 conditional writes, so two workflow runs never get the same slot.

  review_slots.py claim --bucket B --prefix P --slots K --repository OWNER/NAME --pull-request N \\
      --sha SHA --expires YYYY-MM-DD [--refusal-file PATH] [--region R]
      prints slot=<k>; exit 3 when refused (every slot taken, or the number held by another
      repository's pull request), with a Markdown text for a pull-request comment on stderr and in
      --refusal-file
  review_slots.py release --bucket B --prefix P --slots K --repository OWNER/NAME --pull-request N
      prints released=<k> (released= when it held none)
  review_slots.py list --bucket B --prefix P --slots K        prints the claims as a JSON array
  review_slots.py location-from-backend URL [--join PATH]
      prints bucket=, prefix= (joined with PATH) and region= of a PULUMI_BACKEND_URL
      (s3://bucket/prefix?region=...), for $GITHUB_OUTPUT

Exit codes: 0 done, 1 an AWS error or slots that kept changing under us, 2 a bad argument, 3 refused.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

# What the role running this script must be allowed (tests/test_review_scripts.py derives it from the
# calls below): ListObjectsV2 is authorized as s3:ListBucket, and a delete conditional on an ETag
# needs s3:GetObject as well as s3:DeleteObject.
IAM_ACTIONS = frozenset({"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"})

MAX_SLOTS = 50
REFUSED = 3
# Rounds of read-then-write before giving up when other runs keep changing the slots in between.
ROUNDS = 3
# S3's answers to a conditional write or delete whose condition no longer holds.
CONDITION_FAILED = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey"})

SHA = re.compile(r"[0-9a-f]{40}")
REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
SEGMENT = r"[A-Za-z0-9!_.*'()-]+"
PREFIX = re.compile(rf"{SEGMENT}(?:/{SEGMENT})*")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SLOT_KEY = re.compile(r"slot-([1-9][0-9]*)\.json")


class SlotError(Exception):
    """A failure to report on stderr with exit code 1."""


# -- arguments ----------------------------------------------------------------------------------


def invalid(value: str, allowed: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"got {value!r}; expected {allowed}")


def sha_argument(value: str) -> str:
    if not SHA.fullmatch(value.lower()):
        raise invalid(value, "the full commit sha, 40 hexadecimal characters")
    return value.lower()


def pull_request_argument(value: str) -> int:
    if not re.fullmatch(r"[1-9][0-9]{0,8}", value):
        raise invalid(value, "a pull request number, a positive integer")
    return int(value)


def repository_argument(value: str) -> str:
    if not REPOSITORY.fullmatch(value) or value.split("/")[1] in {".", ".."}:
        raise invalid(value, "a GitHub repository as owner/name")
    return value


def slots_argument(value: str) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", value) or not 1 <= int(value) <= MAX_SLOTS:
        raise invalid(value, f"the number of slots, 1 to {MAX_SLOTS}")
    return int(value)


def expires_argument(value: str) -> str:
    try:
        if DATE.fullmatch(value):
            return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise invalid(value, "an ISO date, YYYY-MM-DD")


def matching(pattern: re.Pattern[str], allowed: str) -> Callable[[str], str]:
    """An argument type that accepts the values `pattern` matches whole."""

    def argument(value: str) -> str:
        if not pattern.fullmatch(value):
            raise invalid(value, allowed)
        return value

    return argument


bucket_argument = matching(BUCKET, "an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)")
prefix_argument = matching(PREFIX, "a key prefix such as review-slots/dev, with no leading or trailing slash")


# -- claims -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """The claim object of one slot, as read (etag: its ETag, for a conditional write)."""

    slot: int
    etag: str
    repository: str
    pull_request: int
    sha: str
    expires_at: str
    claimed_at: str

    def held_by(self, repository: str, pull_request: int) -> bool:
        return self.pull_request == pull_request and self.repository.lower() == repository.lower()

    def to_json(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "repository": self.repository,
            "pullRequest": self.pull_request,
            "sha": self.sha,
            "expiresAt": self.expires_at,
            "claimedAt": self.claimed_at,
        }


@dataclass(frozen=True)
class Unreadable:
    """A slot object that is not a claim this script wrote: the slot counts as taken."""

    slot: int
    etag: str
    key: str

    def to_json(self) -> dict[str, Any]:
        return {"slot": self.slot, "unreadable": self.key}


Holder = Claim | Unreadable


def claim_body(repository: str, pull_request: int, sha: str, expires_at: str, claimed_at: str) -> bytes:
    record = {
        "repository": repository,
        "pullRequest": pull_request,
        "sha": sha,
        "expiresAt": expires_at,
        "claimedAt": claimed_at,
    }
    return json.dumps(record, indent=2).encode() + b"\n"


def parse_claim(slot: int, etag: str, key: str, body: bytes) -> Holder:
    try:
        record = json.loads(body)
    except ValueError:
        return Unreadable(slot, etag, key)
    if not (
        isinstance(record, dict)
        and isinstance(record.get("repository"), str)
        and type(record.get("pullRequest")) is int
        and isinstance(record.get("sha"), str)
        and isinstance(record.get("expiresAt"), str)
    ):
        return Unreadable(slot, etag, key)
    return Claim(
        slot=slot,
        etag=etag,
        repository=record["repository"],
        pull_request=record["pullRequest"],
        sha=record["sha"],
        expires_at=record["expiresAt"],
        claimed_at=str(record.get("claimedAt", "")),
    )


def _condition_failed(error: Any) -> bool:
    return error.response.get("Error", {}).get("Code") in CONDITION_FAILED


class Slots:
    """The K slot objects under one prefix of a bucket."""

    def __init__(self, s3: Any, bucket: str, prefix: str, count: int) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.prefix = prefix
        self.count = count

    def key(self, slot: int) -> str:
        return f"{self.prefix}/slot-{slot}.json"

    def read(self) -> dict[int, Holder]:
        """The holder of each taken slot (1..K): one listing, then one read per slot object."""
        slots: list[int] = []
        request = {"Bucket": self.bucket, "Prefix": f"{self.prefix}/slot-"}
        while True:
            page = self.s3.list_objects_v2(**request)
            for item in page.get("Contents", []):
                match = SLOT_KEY.fullmatch(item["Key"][len(self.prefix) + 1 :])
                if match and int(match[1]) <= self.count:
                    slots.append(int(match[1]))
            if not page.get("IsTruncated"):
                break
            request["ContinuationToken"] = page["NextContinuationToken"]
        held: dict[int, Holder] = {}
        for slot in sorted(slots):
            try:
                found = self.s3.get_object(Bucket=self.bucket, Key=self.key(slot))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "NoSuchKey":
                    continue  # released since the listing
                raise
            held[slot] = parse_claim(slot, found["ETag"], self.key(slot), found["Body"].read())
        return held

    def create(self, slot: int, body: bytes) -> bool:
        """Write the claim only if the slot is free; False when another run holds it."""
        return self._put(slot, body, IfNoneMatch="*")

    def replace(self, slot: int, body: bytes, etag: str) -> bool:
        """Rewrite a claim only if it is still the version read; False when it changed."""
        return self._put(slot, body, IfMatch=etag)

    def _put(self, slot: int, body: bytes, **condition: str) -> bool:
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=self.key(slot),
                Body=body,
                ContentType="application/json",
                **condition,
            )
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def delete(self, slot: int, etag: str) -> bool:
        """Delete a claim only if it is still the version read; False when it changed."""
        try:
            self.s3.delete_object(Bucket=self.bucket, Key=self.key(slot), IfMatch=etag)
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True


# -- what a refusal says ------------------------------------------------------------------------


def pull_request_link(repository: str, pull_request: int) -> str:
    return f"[{repository}#{pull_request}](https://github.com/{repository}/pull/{pull_request})"


def describe(holder: Holder) -> str:
    if isinstance(holder, Unreadable):
        return f"- slot-{holder.slot}: taken by `{holder.key}`, which is not a claim this script reads"
    link = pull_request_link(holder.repository, holder.pull_request)
    return f"- slot-{holder.slot}: {link} at `{holder.sha[:7]}`, expires {holder.expires_at}"


def all_taken(held: dict[int, Holder], count: int) -> str:
    lines = [
        f"All {count} review slots are taken, so this pull request gets no review app for now:",
        "",
        *(describe(held[slot]) for slot in sorted(held)),
        "",
        "To get one, close one of those pull requests (closing removes its review app and frees its "
        "slot), or wait: the nightly sweeper frees the slots of expired review apps. Then push again "
        "or re-run this workflow.",
    ]
    return "\n".join(lines) + "\n"


def number_clash(other: Claim, repository: str, pull_request: int) -> str:
    return (
        f"No review app for {repository}#{pull_request}: review stacks are named by pull-request "
        f"number (`review-pr-{pull_request}`), and {pull_request_link(other.repository, other.pull_request)} "
        f"holds that number (slot-{other.slot}, expires {other.expires_at}). This one can have a review "
        "app once that pull request is closed and its review app removed.\n"
    )


# -- commands -----------------------------------------------------------------------------------


class RefusedError(Exception):
    """No slot for this pull request; the text says why, for a pull-request comment."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def claim(
    slots: Slots,
    repository: str,
    pull_request: int,
    sha: str,
    expires_at: str,
    now: Callable[[], datetime.datetime],
) -> int:
    """The slot claimed for the pull request: the one it holds already (its claim updated), or
    the first free one. Raises RefusedError when none is free or its number is another repository's."""
    claimed_at = now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for _ in range(ROUNDS):
        held = slots.read()
        own = [h for h in held.values() if isinstance(h, Claim) and h.held_by(repository, pull_request)]
        if own:
            mine = own[0]
            body = claim_body(repository, pull_request, sha, expires_at, mine.claimed_at or claimed_at)
            if slots.replace(mine.slot, body, mine.etag):
                return mine.slot
            continue  # changed since read: read again
        for holder in held.values():
            if isinstance(holder, Claim) and holder.pull_request == pull_request:
                raise RefusedError(number_clash(holder, repository, pull_request))
        free = [slot for slot in range(1, slots.count + 1) if slot not in held]
        if not free:
            raise RefusedError(all_taken(held, slots.count))
        body = claim_body(repository, pull_request, sha, expires_at, claimed_at)
        for slot in free:
            if slots.create(slot, body):
                return slot
        # Every free slot was taken by another run since the listing: read again.
    raise SlotError(f"the slots under s3://{slots.bucket}/{slots.prefix}/ kept changing; try again")


def release(slots: Slots, repository: str, pull_request: int) -> list[int]:
    """Delete the claims the pull request holds; the slots released (none when it held none)."""
    released: list[int] = []
    for _ in range(ROUNDS):
        held = slots.read()
        own = [h for h in held.values() if isinstance(h, Claim) and h.held_by(repository, pull_request)]
        changed = False
        for mine in own:
            if slots.delete(mine.slot, mine.etag):
                released.append(mine.slot)
            else:
                changed = True
        if not changed:
            return sorted(released)
    raise SlotError(f"the slots under s3://{slots.bucket}/{slots.prefix}/ kept changing; try again")


def backend_location(url: str, join: str = "") -> dict[str, str]:
    """bucket, prefix (with `join` appended) and region of an S3 PULUMI_BACKEND_URL, read as
    .github/scripts/stale-review-stacks.sh reads it."""
    if not url.startswith("s3://"):
        raise SlotError(f"PULUMI_BACKEND_URL = {url!r}: expected s3://bucket[/prefix][?query]")
    location, _, query = url.removeprefix("s3://").partition("?")
    bucket, _, prefix = location.partition("/")
    try:
        bucket_argument(bucket)
    except argparse.ArgumentTypeError as error:
        raise SlotError(f"PULUMI_BACKEND_URL = {url!r}: bucket {error}") from None
    parts = [part for part in (prefix.strip("/"), join.strip("/")) if part]
    found = {"bucket": bucket, "prefix": "/".join(parts)}
    region = urllib.parse.parse_qs(query).get("region")
    if region:
        found["region"] = region[0]
    return found


# -- command line -------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="review_slots.py", description="Claim, release and list the review apps' slots."
    )
    commands = top.add_subparsers(dest="command", required=True)

    def slot_command(name: str, summary: str) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=summary)
        command.add_argument("--bucket", required=True, type=bucket_argument)
        command.add_argument(
            "--prefix", required=True, type=prefix_argument, help="e.g. review-slots/dev, no trailing slash"
        )
        command.add_argument("--slots", required=True, type=slots_argument, help="K, the pool's size")
        command.add_argument("--region", help="the bucket's region (default: the environment's)")
        return command

    def holder_arguments(command: argparse.ArgumentParser) -> None:
        command.add_argument("--repository", required=True, type=repository_argument, help="owner/name")
        command.add_argument("--pull-request", required=True, type=pull_request_argument)

    claim_command = slot_command("claim", "claim a slot for a pull request: prints slot=<k>")
    holder_arguments(claim_command)
    claim_command.add_argument("--sha", required=True, type=sha_argument)
    claim_command.add_argument("--expires", required=True, type=expires_argument, help="YYYY-MM-DD")
    claim_command.add_argument(
        "--refusal-file", type=Path, help="where to write the Markdown refusal for a PR comment"
    )
    holder_arguments(slot_command("release", "release a pull request's slot: prints released=<k>"))
    slot_command("list", "print the claims as a JSON array")
    location = commands.add_parser(
        "location-from-backend", help="print bucket=, prefix= and region= of a PULUMI_BACKEND_URL"
    )
    location.add_argument("url")
    location.add_argument("--join", default="", help="a path appended to the prefix (review-slots/dev)")
    return top


def main(
    argv: Sequence[str] | None = None,
    *,
    s3: Any = None,
    now: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "location-from-backend":
            for name, value in backend_location(args.url, args.join).items():
                print(f"{name}={value}")
            return 0
        if s3 is None:
            s3 = boto3.client("s3", region_name=args.region)
        slots = Slots(s3, args.bucket, args.prefix, args.slots)
        if args.command == "claim":
            try:
                slot = claim(slots, args.repository, args.pull_request, args.sha, args.expires, now)
            except RefusedError as refused:
                sys.stderr.write(refused.text)
                if args.refusal_file:
                    args.refusal_file.write_text(refused.text, encoding="utf-8")
                return REFUSED
            print(f"slot={slot}")
        elif args.command == "release":
            released = release(slots, args.repository, args.pull_request)
            print(f"released={','.join(map(str, released))}")
        else:
            held = slots.read()
            print(json.dumps([held[slot].to_json() for slot in sorted(held)], indent=2))
    except SlotError as error:
        print(f"review_slots.py: {error}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as error:
        print(f"review_slots.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
