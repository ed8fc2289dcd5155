"""What the per-policy fixtures do not show: joins during a preview, token aliases, environments."""

from __future__ import annotations

import pytest
from operations_guardrails import production, review, tags
from operations_guardrails.environments import MISSING
from security_baseline import load_balancing, network, s3
from security_baseline.framework import canonical

from tests.policies.harness import (
    CANNOT_EVALUATE,
    NOT_APPLICABLE,
    UNKNOWN,
    provider_props,
    run_resource_policy,
    run_stack_policy,
)

VPC = ("awsx:ec2:Vpc", {"vpcId": UNKNOWN})
FLOW_LOG = ("aws:ec2/flowLog:FlowLog", {"vpcId": UNKNOWN, "trafficType": "ALL"})


def test_a_join_holds_during_preview_through_the_property_dependency() -> None:
    """Before anything exists ids are unknown; the engine still knows vpcId came from the VPC."""
    found = run_stack_policy(
        network.vpc_flow_logs, {"vpc": VPC, "log": FLOW_LOG}, dependencies={"log": {"vpcId": ["vpc"]}}
    )
    assert found == []


def test_a_join_on_unknown_values_fails_closed() -> None:
    found = run_stack_policy(network.vpc_flow_logs, {"vpc": VPC, "log": FLOW_LOG})
    assert found == [("has no flow log capturing ALL or REJECTed traffic", "vpc")]


def test_a_dependency_on_another_resource_is_no_match() -> None:
    other = ("aws:ec2/vpc:Vpc", {"id": UNKNOWN})
    found = run_stack_policy(
        network.vpc_flow_logs,
        {"vpc": VPC, "other": other, "log": FLOW_LOG},
        dependencies={"log": {"vpcId": ["other"]}},
    )
    assert found == [("has no flow log capturing ALL or REJECTed traffic", "vpc")]


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("aws:alb/listener:Listener", "aws:lb/listener:Listener"),
        ("aws:lb/listener:Listener", "aws:lb/listener:Listener"),
        ("aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"),
        (
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        ),
        (
            "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        ),
    ],
)
def test_alias_tokens_name_one_type(token: str, expected: str) -> None:
    assert canonical(token) == expected


@pytest.mark.parametrize("token", ["aws:alb/listener:Listener", "aws:lb/listener:Listener"])
def test_alb_and_lb_listeners_are_checked_alike(token: str) -> None:
    forwarding = {
        "protocol": "HTTP",
        "port": 80.0,
        "defaultActions": [{"type": "forward", "targetGroupArn": "arn:tg"}],
    }
    assert run_resource_policy(load_balancing.lb_listener_https_only, token, forwarding) == [
        "the HTTP listener does forward; its only action must be a redirect to HTTPS"
    ]


def test_a_bucket_block_joined_by_dependency_on_a_v2_bucket() -> None:
    found = run_stack_policy(
        s3.s3_bucket_public_access_block,
        {
            "logs": ("aws:s3/bucketV2:BucketV2", {"id": UNKNOWN, "bucket": UNKNOWN}),
            "block": (
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                {
                    "bucket": UNKNOWN,
                    **dict.fromkeys(
                        ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"),
                        True,
                    ),
                },
            ),
        },
        dependencies={"block": {"bucket": ["logs"]}},
    )
    assert found == []


def test_a_policy_reading_an_unknown_property_cannot_evaluate() -> None:
    listener = {"protocol": UNKNOWN, "port": 80.0}
    assert (
        run_resource_policy(load_balancing.lb_listener_https_only, "aws:lb/listener:Listener", listener)
        == CANNOT_EVALUATE
    )


# -- operations: the environment comes from the config ------------------------------------------


@pytest.mark.parametrize("environment", ["dev", "review"])
def test_production_rules_do_not_apply_elsewhere(environment: str) -> None:
    outcome = run_resource_policy(
        production.prod_deletion_protection,
        "aws:rds/instance:Instance",
        {"deletionProtection": False},
        {"environment": environment},
    )
    assert outcome == NOT_APPLICABLE


@pytest.mark.parametrize("environment", ["prod", "dev"])
def test_review_rules_do_not_apply_elsewhere(environment: str) -> None:
    outcome = run_resource_policy(
        review.review_no_final_snapshot, "aws:rds/instance:Instance", {}, {"environment": environment}
    )
    assert outcome == NOT_APPLICABLE


def test_without_an_environment_a_guardrail_says_so_instead_of_passing() -> None:
    assert run_resource_policy(
        production.prod_deletion_protection, "aws:rds/instance:Instance", {"deletionProtection": True}
    ) == [MISSING]
    assert run_resource_policy(tags.required_tags, "pulumi:providers:aws", provider_props()) == [MISSING]


def test_the_environment_is_read_from_config_not_from_the_tags() -> None:
    """A prod-tagged stack checked with the dev config gets dev's rules (and a tag mismatch)."""
    outcome = run_resource_policy(
        tags.required_tags, "pulumi:providers:aws", provider_props(), {"environment": "dev"}
    )
    assert outcome == ["the Environment tag is prod on a dev stack"]


def test_a_protected_resource_blocks_a_review_app_destroy() -> None:
    outcome = run_resource_policy(
        review.review_no_deletion_protection,
        "aws:ecs/service:Service",
        {"name": "api"},
        {"environment": "review"},
        protect=True,
    )
    assert outcome == ["the resource is protected (protect=True): `pulumi destroy` refuses to delete it"]
