"""Image scan findings reach someone: ECR's scan of each pushed image ends in an `ECR Image Scan`
event, and one with HIGH or CRITICAL findings in the stack's repository opens a ticket."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from offline.engine import Plan
from tests.conftest import plan_for
from tests.event_patterns import matches

EVENTS_MODEL = botocore.session.get_session().get_service_model("events")


def ecr_scan_event(repository: str, counts: dict[str, int], status: str = "COMPLETE") -> dict[str, Any]:
    """The event ECR sends when a basic scan ends ("Amazon ECR events and EventBridge", sample)."""
    return {
        "version": "0",
        "id": "85fc3613-e913-7fc4-a80c-a3753e4aa9ae",
        "detail-type": "ECR Image Scan",
        "source": "aws.ecr",
        "account": "123456789012",
        "time": "2026-11-30T06:00:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:ecr:us-east-1:123456789012:repository/{repository}"],
        "detail": {
            "scan-status": status,
            "repository-name": repository,
            "finding-severity-counts": counts,
            "image-digest": "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234",
            "image-tags": ["0123456789ab"],
        },
    }


def rule_and_target(plan: Plan) -> tuple[dict[str, Any], dict[str, Any]]:
    (rule,) = plan.of_type("aws:cloudwatch/eventRule:EventRule")
    (target,) = plan.of_type("aws:cloudwatch/eventTarget:EventTarget")
    return rule.inputs, target.inputs


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_high_or_critical_findings_in_the_stacks_repository_open_a_ticket(stack: str) -> None:
    plan = plan_for(stack)
    rule, target = rule_and_target(plan)
    pattern = json.loads(rule["eventPattern"])
    repository = f"tasking-manager/{stack}/backend"
    assert target["arn"] == plan.outputs["alertTopicArns"]["ticket"]
    assert matches(pattern, ecr_scan_event(repository, {"CRITICAL": 1}))
    assert matches(pattern, ecr_scan_event(repository, {"HIGH": 3, "MEDIUM": 9}))
    assert not matches(pattern, ecr_scan_event(repository, {"MEDIUM": 9, "LOW": 2}))
    assert not matches(pattern, ecr_scan_event(repository, {}))
    assert not matches(pattern, ecr_scan_event(repository, {"CRITICAL": 1}, status="FAILED"))
    assert not matches(pattern, ecr_scan_event("someone-else/backend", {"CRITICAL": 1}))


def test_the_rule_and_target_validate_against_the_eventbridge_api_model() -> None:
    rule, target = rule_and_target(plan_for("prod"))
    put_rule = {
        "Name": rule["name"],
        "EventPattern": rule["eventPattern"],
        "Description": rule["description"],
    }
    report = ParamValidator().validate(put_rule, EVENTS_MODEL.operation_model("PutRule").input_shape)
    assert not report.has_errors(), report.generate_report()
    transformer = target["inputTransformer"]
    put_targets = {
        "Rule": rule["name"],
        "Targets": [
            {
                "Id": "ticket",
                "Arn": target["arn"],
                "InputTransformer": {
                    "InputPathsMap": transformer["inputPaths"],
                    "InputTemplate": transformer["inputTemplate"],
                },
            }
        ],
    }
    report = ParamValidator().validate(put_targets, EVENTS_MODEL.operation_model("PutTargets").input_shape)
    assert not report.has_errors(), report.generate_report()
    # Every placeholder of the template is one of the paths, and the message says what to do.
    for name in transformer["inputPaths"]:
        assert f"<{name}>" in transformer["inputTemplate"]
    assert "docs/operations/alerts.md#image-findings" in transformer["inputTemplate"]


def test_eventbridge_may_publish_to_the_encrypted_ticket_topic() -> None:
    plan = plan_for("prod")
    (policy,) = [p for p in plan.of_type("aws:sns/topicPolicy:TopicPolicy") if p.name.endswith("ticket")]
    statements = json.loads(policy.inputs["policy"])["Statement"]
    publishers = next(s for s in statements if s["Sid"] == "AwsServicesOfThisAccountPublish")
    assert "events.amazonaws.com" in publishers["Principal"]["Service"]
    assert publishers["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_the_pattern_matcher_is_not_fooled() -> None:
    assert not matches({"detail": {"$or": [{"a": [1]}, {"b": [2]}]}}, {"detail": {"a": 2, "b": 1}})
    assert matches({"detail": {"n": [{"numeric": [">", 0]}]}}, {"detail": {"n": 0.5}})
    assert not matches({"detail": {"n": [{"numeric": [">", 0]}]}}, {"detail": {"n": "1"}})
