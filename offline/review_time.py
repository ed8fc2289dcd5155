"""How long a pull request waits for its review app's URL: the review-app workflow's steps as a
dependency graph, and the critical path through it, for a pull request's first push and for a
later one.

On the first push, `pulumi up` is the plan's own create time without the wait for the service's
first healthy task: that task starts while the migrations and the sample data are loaded, and the
workflow waits for what is left of its start at the end. On a later push the stack exists:
`pulumi up` only replaces the task definitions and updates the service, and the service rolls out
the new image (offline/rollout_time.py) beside the migrations and the data; when the front end's
sources are as they were, the slot keeps its build and the front-end jobs are skipped. The other steps'
durations are stated with their basis; those marked *assumed* have no measurement behind them and
are the first to check against a real run's step timings.
"""

from __future__ import annotations

from dataclasses import dataclass

from offline.create_time import DURATIONS, SMALL, create_time, critical_path
from offline.engine import Plan
from offline.rollout_time import Rollout, rollouts

SERVICE = "aws:ecs/service:Service"
# Seconds, what the step waits for, and where the number comes from.
FARGATE_TASK_RUN = 60.0
# `push-image.sh --build-only`: the app's locked packages, measured; the rest of the image assumed.
BACKEND_PACKAGES = 31.0
BACKEND_REST = 150.0
FRONTEND_INSTALL = 154.0
WEBPACK_BUILD = 219.0
# `build-sandbox-id`: `npm install && npm run all` in the sandbox iD fork, which could not be
# fetched here. iD's own repository (2.31.0-dev) stood in: its locked `npm install` took 33 s on
# 2 cores; its `npm run all` fetches data from a CDN this workplace cannot reach, so is assumed.
SANDBOX_EDITOR_INSTALL = 33.0
SANDBOX_EDITOR_BUILD = 60.0
STEPS: dict[str, tuple[float, tuple[str, ...], str]] = {
    "claim a slot": (10.0, (), "assumed: a few S3 requests and the base stack's outputs"),
    "ask what the slot serves": (
        5.0,
        ("claim a slot",),
        "assumed: one GitHub API call, Amplify's GetApp and one request to the slot",
    ),
    "create the database": (
        FARGATE_TASK_RUN,
        ("ask what the slot serves",),
        "assumed: a Fargate task's start (~1 min) and a few SQL statements",
    ),
    "build the back-end image": (
        BACKEND_PACKAGES + BACKEND_REST,
        ("ask what the slot serves",),
        f"the app's locked packages install in {BACKEND_PACKAGES:g} s without a cache (measured on 2 "
        "cores); its apt installs, the OpenTelemetry layer, saving and uploading the image assumed "
        f"{BACKEND_REST / 60:g} min",
    ),
    # Measured on 2026-12-01 on 2 cores, at the application's commit 5a4da866 (docs/review-apps.md,
    # "Cost and time"): the packages resolved afresh, as this workplace's registry lacks some of the
    # locked versions, and without the Git dependencies it cannot fetch.
    "install the front end's packages": (
        FRONTEND_INSTALL,
        ("ask what the slot serves",),
        "measured: `yarn install` of about 2,000 packages, 154 s on 2 cores without a cache",
    ),
    "build the front end": (
        SANDBOX_EDITOR_INSTALL + SANDBOX_EDITOR_BUILD + WEBPACK_BUILD,
        ("install the front end's packages",),
        f"`yarn build`: its webpack build measured at {WEBPACK_BUILD:g} s on 2 cores without a cache, "
        f"the sandbox editor's install measured at {SANDBOX_EDITOR_INSTALL:g} s on iD's own repository "
        f"and its build assumed {SANDBOX_EDITOR_BUILD / 60:g} min",
    ),
    "push the image": (
        45.0,
        ("build the back-end image", "create the database"),
        "assumed: push the ~1 GB artefact",
    ),
    "deploy the front end": (
        60.0,
        ("build the front end",),
        "assumed: upload the zip, Amplify's deployment job",
    ),
    "run the migrations": (
        FARGATE_TASK_RUN + 30.0,
        ("pulumi up", "create the database"),
        "assumed: a Fargate task's start and the app's migrations (all of them on a first push)",
    ),
    "load the review data": (
        FARGATE_TASK_RUN,
        ("run the migrations",),
        "assumed: a Fargate task's start; the data itself loads in about a second",
    ),
    # Set by time_to_url: what is left of the service's first healthy task once the migrations
    # and the data, which run beside its start, are done.
    "API healthy": (0.0, ("load the review data",), ""),
    "comment the URLs": (5.0, ("API healthy", "deploy the front end"), "assumed: one GitHub API call"),
}


# The front-end jobs' steps, skipped when the slot already serves the build of the same sources.
FRONT_END_STEPS = ("install the front end's packages", "build the front end", "deploy the front end")


@dataclass(frozen=True)
class ReviewStep:
    name: str
    start: float
    seconds: float
    basis: str


@dataclass(frozen=True)
class TimeToUrl:
    seconds: float
    critical_path: tuple[ReviewStep, ...]

    @property
    def minutes(self) -> float:
        return self.seconds / 60


def time_to_url(plan: Plan, rollout: Rollout | None = None, frontend_kept: bool = False) -> TimeToUrl:
    """The critical path from a push to the review app's comment. Without `rollout`, the first
    push: `pulumi up` creates the review plan's stack and returns once the service is created
    (it does not wait for its tasks), whose first healthy task is then awaited beside the
    migrations and data; with the review service's `rollout`, a later push, which keeps the slot's
    front end when its sources are as they were (`frontend_kept`)."""
    beside = STEPS["run the migrations"][0] + STEPS["load the review data"][0]
    if rollout is None:
        up = create_time(plan, {**DURATIONS, SERVICE: SMALL}).seconds
        up_basis = "the plan's create time, the service counted as created once ECS accepts it"
        start, start_basis = DURATIONS[SERVICE]
    elif rollout.waits:
        up = 2 * SMALL[0] + rollout.seconds
        up_basis = (
            f"new task definitions and the service's rollout, {rollout.seconds:g} s, which it waits for"
        )
        start, start_basis = 0.0, "the rollout, done within pulumi up"
    else:
        up = 2 * SMALL[0]
        up_basis = "new task definitions and the service's update (it does not wait for the rollout)"
        start, start_basis = rollout.seconds, f"the service's rollout, {rollout.seconds:g} s"
    kept = {
        name: (0.0, STEPS[name][1], "skipped: the slot serves the build of the same sources")
        for name in FRONT_END_STEPS
        if frontend_kept
    }
    steps = {
        **STEPS,
        **kept,
        "pulumi up": (up, ("push the image",), up_basis),
        "API healthy": (
            max(start - beside, 0.0),
            STEPS["API healthy"][1],
            f"what is left of {start_basis}, counted from pulumi up, once the migrations and the "
            "data beside it are done",
        ),
    }
    seconds = {name: value[0] for name, value in steps.items()}
    total, path = critical_path(seconds, {name: value[1] for name, value in steps.items()})
    clock, found = 0.0, []
    for name in path:
        found.append(ReviewStep(name, clock, seconds[name], steps[name][2]))
        clock += seconds[name]
    return TimeToUrl(total, tuple(found))


def is_review(plan: Plan) -> bool:
    return any(r.type == "tm:aws:ReviewApp" for r in plan.resources)


def review_rollout(plan: Plan) -> Rollout:
    """The rollout of the review app's one service (its API)."""
    (rollout,) = rollouts(plan)
    return rollout
