"""Rollouts are gated on health: `pulumi up` waits for the services' steady state, a rollout whose
tasks never become healthy or whose healthy tasks serve errors is rolled back by ECS, and so the
deployment fails instead of reporting success."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, ClassVar

import botocore.session
import pytest
from botocore.validate import ParamValidator

from components.app_contract import CONTRACT
from offline.engine import Plan
from offline.mocks import Registration
from offline.report import to_json
from offline.rollout_time import TASK_START, rollouts
from tests.conftest import plan_for
from tests.test_workflows import index_of, jobs, run_script, stub

ECS_MODEL = botocore.session.get_session().get_service_model("ecs")


def service(plan: Plan, name: str) -> Registration:
    (found,) = [s for s in plan.of_type("aws:ecs/service:Service") if s.name == name]
    return found


@pytest.mark.parametrize("role", ["api", "cron"])
def test_pulumi_up_waits_for_each_base_service_and_a_failed_rollout_rolls_back(
    base_plan: Plan, role: str
) -> None:
    inputs = service(base_plan, f"backend-{role}").inputs
    assert inputs["waitForSteadyState"] is True
    assert inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_the_api_rollout_is_watched_by_the_fast_burn_and_unhealthy_target_alarms(base_plan: Plan) -> None:
    api = service(base_plan, "backend-api")
    alarms = api.inputs["alarms"]
    assert (alarms["enable"], alarms["rollback"]) == (True, True)
    by_name = {a.inputs["name"]: a for a in base_plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    prefix = f"tasking-manager-{base_plan.stack}"
    assert alarms["alarmNames"] == [f"{prefix}-fast-burn-5m", f"{prefix}-rollout-unhealthy-targets"]
    # Metric alarms of this stack (ECS reads no composite alarms), on the service's own target group.
    (target_group,) = [lb["targetGroupArn"] for lb in api.inputs["loadBalancers"]]
    suffix = next(
        t.outputs["arnSuffix"]
        for t in base_plan.of_type("aws:lb/targetGroup:TargetGroup")
        if t.outputs["arn"] == target_group
    )
    for name in alarms["alarmNames"]:
        assert name in by_name, name
        assert suffix in str(by_name[name].inputs), name


def test_the_cron_rollout_has_no_alarm_gate_its_stop_then_start_would_trip() -> None:
    assert "alarms" not in service(plan_for("prod"), "backend-cron").inputs


def _create_service_request(inputs: dict[str, Any]) -> dict[str, Any]:
    configuration = {
        "maximumPercent": int(inputs["deploymentMaximumPercent"]),
        "minimumHealthyPercent": int(inputs["deploymentMinimumHealthyPercent"]),
        "deploymentCircuitBreaker": inputs["deploymentCircuitBreaker"],
    }
    if "alarms" in inputs:
        configuration["alarms"] = inputs["alarms"]
    return {"serviceName": "api", "cluster": inputs["cluster"], "deploymentConfiguration": configuration}


@pytest.mark.parametrize("role", ["api", "cron"])
def test_the_deployment_configuration_validates_against_the_ecs_api_model(base_plan: Plan, role: str) -> None:
    request = _create_service_request(service(base_plan, f"backend-{role}").inputs)
    report = ParamValidator().validate(request, ECS_MODEL.operation_model("CreateService").input_shape)
    assert not report.has_errors(), report.generate_report()


def test_the_plan_records_each_rollouts_time_and_gate_from_the_plans_own_numbers() -> None:
    plan = plan_for("prod")
    by_service = {r.service: r for r in rollouts(plan)}
    api = by_service["backend-api"]
    steps = {what: seconds for what, seconds, _ in api.steps}
    target_group = plan.of_type("aws:lb/targetGroup:TargetGroup")[0].inputs
    check = target_group["healthCheck"]
    grace = service(plan, "backend-api").inputs["healthCheckGracePeriodSeconds"]
    assert steps == {
        "start a new task": TASK_START[0],
        "become healthy": max(grace, check["interval"] * check["healthyThreshold"]),
        "drain the old task": target_group["deregistrationDelay"],
        "watch the alarms": 300,  # the fast burn's 5-minute window is the longest gate
    }
    assert api.waits
    assert any("tasking-manager-prod-fast-burn-5m" in gate for gate in api.gates)
    assert by_service["backend-cron"].waits
    document = {r["service"]: r for r in to_json(plan)["rollouts"]}
    assert document["backend-api"]["seconds"] == api.seconds == sum(steps.values())
    assert document["backend-api"]["pulumiWaits"] is True


# -- the workflows ---------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["prod", "dev", "review-pr-123"])
def test_each_stack_exports_the_heartbeat_its_workflow_waits_for(stack: str) -> None:
    outputs = plan_for(stack).outputs
    assert outputs["heartbeatUrl"] == outputs["apiUrl"] + CONTRACT.heartbeat_path


def test_a_failed_deploy_rollout_says_which_service_and_why() -> None:
    deploy = jobs("deploy.yml")["deploy"]
    up = index_of(deploy, "pulumi up --yes --non-interactive \\\n")
    up_script = str(deploy["steps"][up]["run"])
    assert up_script.index("pulumi up") < up_script.index(
        'wait-healthy.sh "$(pulumi stack output heartbeatUrl)"'
    )
    report = index_of(deploy, 'rollout-report.sh "$STACK"')
    assert report > up
    assert deploy["steps"][report]["if"] == "failure() && steps.up.outcome == 'failure'"


def test_wait_healthy_returns_once_the_url_answers(tmp_path: Path) -> None:
    counter = tmp_path / "calls"
    stub(tmp_path / "bin", "curl", f'echo x >> "{counter}"; [ "$(wc -l < "{counter}")" -ge 3 ]')
    result = run_script(
        "wait-healthy.sh",
        ["https://api.example/heartbeat/", "60"],
        {"WAIT_INTERVAL_SECONDS": "0"},
        tmp_path / "bin",
    )
    assert result.returncode == 0, result.stderr
    assert len(counter.read_text().splitlines()) == 3


def test_wait_healthy_fails_with_the_url_after_its_timeout(tmp_path: Path) -> None:
    stub(tmp_path / "bin", "curl", "exit 22")
    result = run_script(
        "wait-healthy.sh",
        ["https://api.example/heartbeat/", "0"],
        {"WAIT_INTERVAL_SECONDS": "0"},
        tmp_path / "bin",
    )
    assert result.returncode == 1
    assert "::error::https://api.example/heartbeat/ did not answer within 0s" in result.stdout


class Sequence(http.server.BaseHTTPRequestHandler):
    """Answers each GET with the next of `answers` (status, body), the last one forever."""

    answers: ClassVar[list[tuple[int, str]]] = []
    served: ClassVar[int] = 0

    def do_GET(self) -> None:
        status, body = type(self).answers[min(type(self).served, len(type(self).answers) - 1)]
        type(self).served += 1
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        pass


def serve(answers: list[tuple[int, str]]) -> tuple[http.server.ThreadingHTTPServer, type[Sequence]]:
    handler = type("Answers", (Sequence,), {"answers": answers, "served": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


def test_wait_healthy_waits_for_a_success(tmp_path: Path) -> None:
    server, handler = serve([(503, "starting"), (404, "Not Found"), (200, '{"status": "Fine"}')])
    url = f"http://127.0.0.1:{server.server_address[1]}/api/v2/system/heartbeat/"
    try:
        result = run_script("wait-healthy.sh", [url, "60"], {"WAIT_INTERVAL_SECONDS": "0"}, tmp_path / "bin")
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stdout + result.stderr
    assert handler.served == 3
    assert result.stdout.strip() == f"{url} answers"


def test_wait_healthy_fails_at_its_timeout(tmp_path: Path) -> None:
    server, handler = serve([(503, "starting")])
    url = f"http://127.0.0.1:{server.server_address[1]}/api/v2/system/heartbeat/"
    try:
        result = run_script("wait-healthy.sh", [url, "0"], {"WAIT_INTERVAL_SECONDS": "0"}, tmp_path / "bin")
    finally:
        server.shutdown()
    assert result.returncode == 1
    assert handler.served == 1
    assert f"::error::{url} did not answer within 0s" in result.stdout


OLD_TASK = "arn:aws:ecs:us-east-1:123456789012:task-definition/tasking-manager-review-pr-5-api:7"
NEW_TASK = OLD_TASK.replace(":7", ":8")


DEPLOYMENT = botocore.session.get_session().get_service_model("ecs").shape_for("Deployment")


def deployment(status: str, task: str, state: str) -> dict[str, Any]:
    """A deployment as DescribeServices returns it, in fields of botocore's ecs Deployment shape."""
    found = {
        "id": f"ecs-svc/{status.lower()}-{task.rsplit(':', 1)[-1]}",
        "status": status,
        "taskDefinition": task,
        "desiredCount": 1,
        "runningCount": 1,
        "rolloutState": state,
    }
    assert set(found) <= set(DEPLOYMENT.members)
    assert state in DEPLOYMENT.members["rolloutState"].enum
    return found


# aws answering describe-services with `services.json` through the script's own --query, as the
# AWS CLI does (JMESPath, then --output text: a list's items tab-separated).
AWS_QUERYING = f"""#!{sys.executable}
import json, sys
from pathlib import Path
import jmespath
args = sys.argv[1:]
assert args[:2] == ["ecs", "describe-services"], args
answer = json.loads((Path(sys.argv[0]).parent / "services.json").read_text())
found = jmespath.search(args[args.index("--query") + 1], answer)
print("\\t".join(map(str, found)) if isinstance(found, list) else found)
"""


@pytest.mark.parametrize(
    ("deployments", "rolled_out"),
    [
        ([deployment("PRIMARY", NEW_TASK, "COMPLETED")], True),
        # The circuit breaker rolled this push's image back: the previous task definition is
        # PRIMARY again, healthy, and `aws ecs wait services-stable` accepts it.
        (
            [deployment("PRIMARY", OLD_TASK, "COMPLETED"), deployment("ACTIVE", NEW_TASK, "FAILED")],
            False,
        ),
        ([deployment("PRIMARY", NEW_TASK, "FAILED")], False),
        (
            [deployment("PRIMARY", NEW_TASK, "IN_PROGRESS"), deployment("ACTIVE", OLD_TASK, "COMPLETED")],
            False,
        ),
    ],
    ids=["completed", "rolled-back", "failed", "in-progress"],
)
def test_a_rollout_counts_only_when_this_task_definition_completed(
    tmp_path: Path, deployments: list[dict[str, Any]], rolled_out: bool
) -> None:
    bin_dir = tmp_path / "bin"
    stub(bin_dir, "aws", "")
    (bin_dir / "aws").write_text(AWS_QUERYING)
    (bin_dir / "services.json").write_text(json.dumps({"services": [{"deployments": deployments}]}))
    result = run_script("rolled-out.sh", ["tasking-manager-dev", "pr-5-api", NEW_TASK], {}, bin_dir)
    assert (result.returncode == 0) is rolled_out, result.stdout + result.stderr
    if not rolled_out:
        assert "::error title=pr-5-api was not rolled out::" in result.stderr
        assert "tasking-manager-review-pr-5-api:8" in result.stderr


def test_the_review_deploy_is_healthy_only_once_its_own_image_rolled_out() -> None:
    deploy = jobs("review-app.yml")["deploy"]
    wait = str(deploy["steps"][index_of(deploy, "aws ecs wait services-stable")]["run"])
    assert (
        wait.index("aws ecs wait services-stable")
        < wait.index('rolled-out.sh "$cluster" "$service" "$(pulumi stack output apiTaskDefinitionArn)"')
        < wait.index('wait-healthy.sh "$heartbeat" 300')
    )


def test_the_rollout_report_names_the_failed_service_its_reason_and_the_firing_alarms(tmp_path: Path) -> None:
    services = {
        "services": [
            {
                "deployments": [
                    {
                        "status": "PRIMARY",
                        "taskDefinition": "arn:aws:ecs:r:1:task-definition/tm-prod-api:8",
                        "rolloutState": "FAILED",
                        "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start.",
                    },
                    {
                        "status": "ACTIVE",
                        "taskDefinition": "arn:aws:ecs:r:1:task-definition/tm-prod-api:7",
                        "rolloutState": "COMPLETED",
                    },
                ]
            }
        ]
    }
    tasks = {
        "tasks": [
            {
                "taskArn": "arn:aws:ecs:r:1:task/c/abc",
                "stoppedReason": "Essential container in task exited",
                "containers": [{"name": "api", "exitCode": 1, "reason": ""}, {"name": "otel", "exitCode": 0}],
            }
        ]
    }
    alarms = {
        "MetricAlarms": [
            {"AlarmName": "tasking-manager-prod-fast-burn-5m", "StateReason": "Threshold Crossed"}
        ],
        "CompositeAlarms": [],
    }
    for name, document in (("services", services), ("tasks", tasks), ("alarms", alarms)):
        (tmp_path / f"{name}.json").write_text(json.dumps(document))
    stub(
        tmp_path / "bin",
        "pulumi",
        'case "$5" in clusterName) echo tm-prod ;; apiServiceName) echo backend-api-1 ;; *) exit 1 ;; esac',
    )
    stub(
        tmp_path / "bin",
        "aws",
        f'case "$2" in describe-services) cat "{tmp_path}/services.json" ;; '
        f'list-tasks) echo \'{{"taskArns": ["arn:aws:ecs:r:1:task/c/abc"]}}\' ;; '
        f'describe-tasks) cat "{tmp_path}/tasks.json" ;; '
        f'describe-alarms) cat "{tmp_path}/alarms.json" ;; esac',
    )
    result = run_script("rollout-report.sh", ["prod"], {}, tmp_path / "bin")
    assert result.returncode == 0, result.stderr
    assert "#### backend-api-1" in result.stdout
    assert (
        "- PRIMARY tm-prod-api:8: FAILED ECS deployment circuit breaker: tasks failed to start."
        in result.stdout
    )
    assert "- stopped task abc: Essential container in task exited; api exited 1" in result.stdout
    assert "otel exited" not in result.stdout
    assert "- tasking-manager-prod-fast-burn-5m: Threshold Crossed" in result.stdout
    assert "::error title=rollout of backend-api-1 failed::ECS deployment circuit breaker" in result.stderr


# -- one build, promoted -----------------------------------------------------------------------------
DEV = "123456789012.dkr.ecr.us-east-1.amazonaws.com/tasking-manager/dev/backend"
PROD = "123456789012.dkr.ecr.us-east-1.amazonaws.com/tasking-manager/prod/backend"


# The index push-image.sh pushes: one image per platform, each scanned on its own by ECR.
IMAGE_INDEX = {"manifests": [{"digest": "sha256:amd64"}, {"digest": "sha256:arm64"}]}


def promote(
    tmp_path: Path,
    digests: dict[str, str],
    critical: str = "None",
    env: dict[str, str] | None = None,
    manifest: dict[str, Any] = IMAGE_INDEX,
    critical_of: dict[str, str] | None = None,
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run promote-image.sh with `aws` answering describe-images from `digests` (repository ->
    digest; a copy gives the target the source's), batch-get-image with `manifest`, each image's
    scan with `critical_of` or else `critical`, and `skopeo` recording its calls."""
    tmp_path.mkdir(exist_ok=True)
    calls = tmp_path / "calls"
    calls.touch()
    if critical:
        (tmp_path / "critical").write_text(critical)
    for digest, count in (critical_of or {}).items():
        (tmp_path / f"critical-{digest}").write_text(count)
    (tmp_path / "manifest").write_text(json.dumps(manifest))
    for repository, digest in digests.items():
        (tmp_path / repository.replace("/", "_")).write_text(digest)
    stub(
        tmp_path / "bin",
        "aws",
        f'if [ "$2" = get-login-password ]; then echo token; exit 0; fi\n'
        f'if [ "$2" = batch-get-image ]; then cat "{tmp_path}/manifest"; exit 0; fi\n'
        f'if [ "$2" = describe-image-scan-findings ]; then\n'
        f'  image="${{6#imageDigest=}}"\n'
        f'  cat "{tmp_path}/critical-$image" 2>/dev/null || cat "{tmp_path}/critical" 2>/dev/null \\\n'
        "    || exit 254\n"
        "  exit 0\nfi\n"
        f'file="{tmp_path}/$(echo "$4" | tr / _)"; [ -f "$file" ] && cat "$file" || echo None',
    )
    stub(
        tmp_path / "bin",
        "skopeo",
        f'echo "$*" >> "{calls}"\n'
        '[ "$1" != login ] || cat > /dev/null\n'
        f'if [ "$1" = copy ]; then\n'
        f'  cp "{tmp_path}/tasking-manager_dev_backend" "{tmp_path}/tasking-manager_prod_backend"\nfi',
    )
    result = run_script("promote-image.sh", [DEV, PROD, "0123456789ab"], env or {}, tmp_path / "bin")
    return result, calls.read_text().splitlines()


def test_prod_gets_devs_image_by_digest(tmp_path: Path) -> None:
    result, calls = promote(tmp_path, {"tasking-manager/dev/backend": "sha256:aaa"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        calls[-1] == f"copy --all --preserve-digests docker://{DEV}@sha256:aaa docker://{PROD}:0123456789ab"
    )
    assert f"promoted {DEV}@sha256:aaa" in result.stdout


def test_an_image_dev_never_built_is_not_promoted(tmp_path: Path) -> None:
    result, calls = promote(tmp_path, {})
    assert result.returncode == 1
    assert "has no image 0123456789ab: deploy that application commit to dev first" in result.stdout
    assert calls == []


def test_a_promoted_tag_is_left_alone_and_a_different_one_refused(tmp_path: Path) -> None:
    same, calls = promote(
        tmp_path, {"tasking-manager/dev/backend": "sha256:a", "tasking-manager/prod/backend": "sha256:a"}
    )
    assert same.returncode == 0
    assert calls == []
    other, _ = promote(
        tmp_path, {"tasking-manager/dev/backend": "sha256:a", "tasking-manager/prod/backend": "sha256:b"}
    )
    assert other.returncode == 1
    assert "is sha256:b, not the promoted sha256:a" in other.stdout


def test_an_image_with_critical_findings_is_not_promoted_unless_that_digest_is_allowed(
    tmp_path: Path,
) -> None:
    dev = {"tasking-manager/dev/backend": "sha256:aaa"}
    refused, calls = promote(tmp_path / "refused", dev, critical="2")
    assert refused.returncode == 1
    assert "has critical findings (sha256:amd64: 2, sha256:arm64: 2): not promoted" in refused.stdout
    assert "allow-critical-findings=sha256:aaa" in refused.stdout
    assert calls == []
    other, _ = promote(tmp_path / "other", dev, critical="2", env={"ALLOW_CRITICAL_FINDINGS": "sha256:bbb"})
    assert other.returncode == 1
    allowed, calls = promote(
        tmp_path / "allowed", dev, critical="2", env={"ALLOW_CRITICAL_FINDINGS": "sha256:aaa"}
    )
    assert allowed.returncode == 0, allowed.stdout
    assert calls[-1].startswith("copy --all --preserve-digests")


def test_an_image_without_a_scan_result_is_not_promoted(tmp_path: Path) -> None:
    result, calls = promote(tmp_path, {"tasking-manager/dev/backend": "sha256:aaa"}, critical="")
    assert result.returncode == 1
    assert (
        "has critical findings (sha256:amd64: no scan result, sha256:arm64: no scan result)" in result.stdout
    )
    assert calls == []


def test_each_platforms_image_is_held_to_its_own_scan(tmp_path: Path) -> None:
    """ECR scans the images under an index, not the index: findings in one platform's image stop
    the promotion; a tag of one image (built before images had two platforms) is its own scan."""
    dev = {"tasking-manager/dev/backend": "sha256:aaa"}
    arm, calls = promote(tmp_path / "arm", dev, critical="0", critical_of={"sha256:arm64": "1"})
    assert arm.returncode == 1
    assert "has critical findings (sha256:arm64: 1): not promoted" in arm.stdout
    assert calls == []
    single, calls = promote(
        tmp_path / "single", dev, critical="0", manifest={"config": {}}, critical_of={"sha256:aaa": "3"}
    )
    assert "has critical findings (sha256:aaa: 3)" in single.stdout
    clean, calls = promote(tmp_path / "clean", dev, critical="0")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert calls[-1].startswith("copy --all --preserve-digests")
