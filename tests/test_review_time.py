"""The time from a push to a review app's URL, as the review plan reports it."""

from __future__ import annotations

import pytest

from offline.create_time import create_time
from offline.engine import Plan
from offline.report import render_text, to_json
from offline.review_time import STEPS, time_to_url
from tests.conftest import plan_for


@pytest.fixture(scope="module")
def review() -> Plan:
    return plan_for("review-pr-123")


def test_the_path_runs_from_the_claim_to_the_comment_through_health(review: Plan) -> None:
    found = time_to_url(create_time(review))
    names = [step.name for step in found.critical_path]
    assert names[0] == "claim a slot"
    assert names[-1] == "comment the URLs"
    assert "API healthy" in names
    # Each step starts when the one before it ends; the total is where the last one ends.
    for before, after in zip(found.critical_path, found.critical_path[1:], strict=False):
        assert after.start == before.start + before.seconds
    last = found.critical_path[-1]
    assert found.seconds == last.start + last.seconds


def test_pulumi_up_is_the_plans_create_time_without_the_wait_for_health(review: Plan) -> None:
    created = create_time(review)
    up = next(s for s in time_to_url(created).critical_path if s.name == "pulumi up")
    service_wait = sum(s.seconds for s in created.critical_path if s.type == "aws:ecs/service:Service")
    assert service_wait > 0
    assert up.seconds == created.seconds - service_wait


def test_a_slower_front_end_build_moves_the_critical_path(
    review: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    seconds, needs, basis = STEPS["build the front end"]
    monkeypatch.setitem(STEPS, "build the front end", (seconds * 10, needs, basis))
    names = [step.name for step in time_to_url(create_time(review)).critical_path]
    assert "build the front end" in names
    assert "deploy the front end" in names
    assert "API healthy" not in names


def test_the_review_plan_reports_it_and_base_plans_do_not(review: Plan) -> None:
    assert "Time to the review app's URL after a push" in render_text(review)
    assert to_json(review)["timeToUrlSeconds"] == time_to_url(create_time(review)).seconds
    assert "timeToUrlSeconds" not in to_json(plan_for("dev"))
