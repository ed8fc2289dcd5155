"""The time from a push to a review app's URL, as the review plan reports it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.app_contract import CONTRACT
from offline.create_time import DURATIONS, create_time
from offline.engine import Plan
from offline.report import render_text, to_json
from offline.review_time import FRONT_END_STEPS, STEPS, review_rollout, time_to_url
from tests.conftest import plan_for

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def review() -> Plan:
    return plan_for("review-pr-123")


def test_the_path_runs_from_the_claim_to_the_comment_through_health(review: Plan) -> None:
    found = time_to_url(review)
    names = [step.name for step in found.critical_path]
    assert names[0] == "claim a slot"
    assert names[-1] == "comment the URLs"
    # Each step starts when the one before it ends; the total is where the last one ends.
    for before, after in zip(found.critical_path, found.critical_path[1:], strict=False):
        assert after.start == before.start + before.seconds
    last = found.critical_path[-1]
    assert found.seconds == last.start + last.seconds


def test_pulumi_up_waits_for_every_resource_but_not_for_the_services_tasks(
    review: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    _back_end_only(monkeypatch)
    up = next(s for s in time_to_url(review).critical_path if s.name == "pulumi up")
    # It ends before the service's tasks are healthy: the stack's create time counts their wait.
    assert 0 < up.seconds < create_time(review).seconds
    # A resource beside the service (its secret's version, say) that is slower than everything
    # after the service but quicker than the service's tasks still holds pulumi up that long.
    service_wait = DURATIONS["aws:ecs/service:Service"][0]
    monkeypatch.setitem(DURATIONS, "aws:secretsmanager/secretVersion:SecretVersion", (100.0, "test"))
    assert service_wait > 100
    up = next(s for s in time_to_url(review).critical_path if s.name == "pulumi up")
    assert up.seconds >= 100


@pytest.mark.parametrize(
    ("slower", "on_the_path", "off_the_path"),
    [
        ("build the front end", "deploy the front end", "API healthy"),
        ("build the back-end image", "API healthy", "deploy the front end"),
    ],
)
def test_the_slower_build_decides_the_critical_path(
    review: Plan, monkeypatch: pytest.MonkeyPatch, slower: str, on_the_path: str, off_the_path: str
) -> None:
    seconds, needs, basis = STEPS[slower]
    monkeypatch.setitem(STEPS, slower, (seconds + 3600, needs, basis))
    names = [step.name for step in time_to_url(review).critical_path]
    assert slower in names
    assert on_the_path in names
    assert off_the_path not in names


def _back_end_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take the front end's chain off the critical path, to look at the back end's."""
    for name in FRONT_END_STEPS:
        _, needs, basis = STEPS[name]
        monkeypatch.setitem(STEPS, name, (0.0, needs, basis))


def test_a_later_push_waits_for_the_services_rollout_not_its_creation(
    review: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    _back_end_only(monkeypatch)
    rollout = review_rollout(review)
    assert rollout.service == "pr-123-api"
    later = {s.name: s for s in time_to_url(review, rollout).critical_path}
    first = {s.name: s for s in time_to_url(review).critical_path}
    # pulumi up no longer creates the stack: it replaces two task definitions and updates the service.
    assert 0 < later["pulumi up"].seconds < first["pulumi up"].seconds
    assert not rollout.waits
    # Were pulumi up to wait for the rollout, the migrations and the data would follow it.
    waited = time_to_url(review, dataclasses.replace(rollout, waits=True))
    beside = STEPS["run the migrations"][0] + STEPS["load the review data"][0]
    assert waited.seconds == time_to_url(review, rollout).seconds + beside
    # A slower rollout (a longer health-check grace, say) delays a later push by as much, once it
    # outlasts the migrations and the data beside it, and leaves the first push alone.
    slower = dataclasses.replace(rollout, steps=(*rollout.steps, ("watch", 600.0, "test")))
    assert time_to_url(review, slower).seconds == time_to_url(review, rollout).seconds + 600
    assert "API healthy" in later


def test_a_later_push_that_keeps_the_front_end_waits_for_the_back_end_alone(
    review: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    rollout = review_rollout(review)
    kept = time_to_url(review, rollout, frontend_kept=True)
    assert [s.name for s in kept.critical_path if s.name in FRONT_END_STEPS and s.seconds] == []
    # However long the front end's build, a push that keeps it does not wait for it; one that
    # rebuilds it does.
    for name in FRONT_END_STEPS:
        seconds, needs, basis = STEPS[name]
        monkeypatch.setitem(STEPS, name, (seconds + 3600, needs, basis))
    assert time_to_url(review, rollout, frontend_kept=True).seconds == kept.seconds
    assert time_to_url(review, rollout).seconds > kept.seconds + 3600


def test_the_review_plan_reports_every_kind_of_push_and_base_plans_do_not(review: Plan) -> None:
    rollout = review_rollout(review)
    first, later = time_to_url(review), time_to_url(review, rollout)
    kept = time_to_url(review, rollout, frontend_kept=True)
    text = render_text(review)
    assert (
        f"Time to the review app's URL after a push: {first.minutes:.1f} min on the critical path "
        f"(a later push: {later.minutes:.1f} min; {kept.minutes:.1f} min when the front end's "
        "sources are unchanged)"
    ) in text
    for title in ("first push", "later push", "later push, front end unchanged"):
        assert f"  {title}:" in text
    found = to_json(review)
    assert found["timeToUrlSeconds"] == first.seconds
    assert found["timeToUrlLaterPushSeconds"] == later.seconds
    assert found["timeToUrlFrontEndKeptSeconds"] == kept.seconds
    assert "timeToUrlSeconds" not in to_json(plan_for("dev"))


def _stated_seconds(basis: str) -> float:
    """The durations a basis states ("31 s", "2.5 min"), added up."""
    units = {"s": 1, "min": 60}
    return sum(float(n) * units[unit] for n, unit in re.findall(r"(\d+(?:\.\d+)?) (s|min)\b", basis))


@pytest.mark.parametrize("name", [name for name, (_, _, basis) in STEPS.items() if basis])
def test_each_step_says_where_its_time_comes_from_and_adds_up_to_it(name: str) -> None:
    """A step is measured or marked *assumed*, in part or whole, and the durations its basis
    states are the step's time."""
    seconds, _, basis = STEPS[name]
    assert "measured" in basis or basis.startswith("assumed"), basis
    stated = _stated_seconds(basis)
    assert stated in (0, seconds), f"{name}: {seconds:g} s, its basis states {stated:g} s: {basis}"


# Where the review-app workflow runs each step of the estimate: its job, and what its step runs.
WORKFLOW_STEPS = {
    "claim a slot": ("prepare", ".github/scripts/slots.sh claim"),
    "ask what the slot serves": ("prepare", "review_app.py frontend-key"),
    "create the database": ("database", 'scripts/review-database.sh create "$PR"'),
    "build the back-end image": ("build-backend", "push-image.sh --build-only"),
    "install the front end's packages": ("build-frontend", "yarn install --frozen-lockfile"),
    "build the front end": ("build-frontend", "yarn build"),
    "push the image": ("deploy", "push-image.sh --push-only"),
    "pulumi up": ("deploy", "pulumi up --yes"),
    "run the migrations": ("deploy", "scripts/run-migrations.sh"),
    "load the review data": ("deploy", 'scripts/review-database.sh seed "$PR"'),
    "API healthy": ("deploy", "aws ecs wait services-stable"),
    "deploy the front end": ("deploy-frontend", "amplify_deploy.py"),
    "comment the URLs": ("comment", "review_app.py comment"),
}


def _review_workflow() -> dict[str, Any]:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "review-app.yml").read_text())
    return dict(workflow["jobs"])


def _position(jobs: dict[str, Any], job: str, runs: str) -> int:
    (index,) = [i for i, step in enumerate(jobs[job]["steps"]) if runs in str(step.get("run", ""))]
    return index


def _needs(jobs: dict[str, Any], job: str) -> set[str]:
    """Every job `job` waits for, directly or not."""
    direct = jobs[job].get("needs", [])
    found = set([direct] if isinstance(direct, str) else direct)
    for other in list(found):
        found |= _needs(jobs, other)
    return found


def test_the_estimate_follows_the_workflow(review: Plan) -> None:
    """Each step of the estimate is a step of the workflow, and the estimate waits exactly where
    the workflow does: a step waits for the steps before it in its job and for the last step of
    every job its job needs, and for nothing else. So the estimate's parallelism is the workflow's."""
    jobs = _review_workflow()
    steps = {**STEPS, "pulumi up": (0.0, ("push the image",), "")}
    assert set(steps) == set(WORKFLOW_STEPS)

    def waits_for(name: str) -> set[str]:
        found: set[str] = set()
        for before in steps[name][1]:
            found |= {before, *waits_for(before)}
        return found

    def workflow_waits_for(name: str) -> set[str]:
        job, runs = WORKFLOW_STEPS[name]
        position = _position(jobs, job, runs)
        return {
            other
            for other, (other_job, other_runs) in WORKFLOW_STEPS.items()
            if (other_job == job and _position(jobs, other_job, other_runs) < position)
            or other_job in _needs(jobs, job)
        }

    for name in steps:
        assert waits_for(name) == workflow_waits_for(name), name


def test_the_heartbeat_answers_only_once_the_migrations_have_run() -> None:
    """Why the review service's first task can start beside the migrations and the workflow only
    replaces one that gave up: the heartbeat reads tables that only the migrations create (the
    recorded schema of the application's migrations has them; an empty database has none)."""
    assert CONTRACT.heartbeat_tables
    schema = (ROOT / "components" / "app_schema.sql").read_text()
    for table in CONTRACT.heartbeat_tables:
        assert f"CREATE TABLE public.{table} (" in schema, table
