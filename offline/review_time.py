"""How long a pull request waits for its review app's URL: the review-app workflow's steps as a
dependency graph, and the critical path through it.

`pulumi up` is the plan's own create time without the wait for the service's first healthy task:
that task starts while the migrations and the sample data are loaded, and the workflow waits for
what is left of its start at the end. The other steps' durations are stated with their basis;
those marked *assumed* have no measurement behind them and are the first to check against a real
run's step timings.
"""

from __future__ import annotations

from dataclasses import dataclass

from offline.create_time import DURATIONS, CreateTime, critical_path
from offline.engine import Plan

SERVICE = "aws:ecs/service:Service"
# Seconds, what the step waits for, and where the number comes from.
FARGATE_TASK_RUN = 60.0
STEPS: dict[str, tuple[float, tuple[str, ...], str]] = {
    "claim a slot": (10.0, (), "a few S3 requests and the base stack's outputs"),
    "create the database": (
        FARGATE_TASK_RUN,
        ("claim a slot",),
        "assumed: a Fargate task's start (~1 min) and a few SQL statements",
    ),
    "build the back-end image": (
        180.0,
        ("claim a slot",),
        "the app's locked packages install in 31 s without a cache (measured on 2 cores); its apt "
        "installs, the OpenTelemetry layer, saving and uploading the image assumed 2.5 min",
    ),
    "build the front end": (
        360.0,
        ("claim a slot",),
        "assumed 6 min: reference says `yarn install && yarn build` takes several minutes (iD, Rapid)",
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
        "assumed: a Fargate task's start and the app's migrations on an empty database",
    ),
    "load the review data": (
        FARGATE_TASK_RUN,
        ("run the migrations",),
        "assumed: a Fargate task's start; the data itself loads in about a second",
    ),
    # Set by time_to_url: what is left of the service's first healthy task once the migrations
    # and the data, which run beside its start, are done.
    "API healthy": (0.0, ("load the review data",), ""),
    "comment the URLs": (5.0, ("API healthy", "deploy the front end"), "one GitHub API call"),
}


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


def time_to_url(created: CreateTime) -> TimeToUrl:
    """The critical path from a push to the review app's comment, given the review plan's create
    time (whose last step, the service's wait for health, runs beside the migrations and data)."""
    up = created.seconds - sum(step.seconds for step in created.critical_path if step.type == SERVICE)
    beside = STEPS["run the migrations"][0] + STEPS["load the review data"][0]
    steps = {
        **STEPS,
        "pulumi up": (up, ("push the image",), "the plan's create time without the health wait"),
        "API healthy": (
            max(DURATIONS[SERVICE][0] - beside, 0.0),
            STEPS["API healthy"][1],
            f"what is left of {DURATIONS[SERVICE][1]}, counted from pulumi up, once the migrations "
            "and the data beside it are done",
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
