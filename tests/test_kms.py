"""The stack key: rotation, deletion window, and a policy that lets exactly the right services in."""

from __future__ import annotations

import json

from components.kms import key_policy
from offline.engine import Plan


def statements(plan: Plan) -> dict[str, dict]:
    policy = json.loads(plan.one("aws:kms/key:Key").inputs["policy"])
    return {s["Sid"]: s for s in policy["Statement"]}


def test_one_rotating_customer_managed_key_per_stack(base_plan: Plan) -> None:
    key = base_plan.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    assert "bypassPolicyLockoutSafetyCheck" not in key.inputs
    alias = base_plan.one("aws:kms/alias:Alias")
    assert alias.inputs["name"] == f"alias/tasking-manager-{base_plan.stack}"
    assert alias.inputs["targetKeyId"] == key.outputs["keyId"]
    assert base_plan.outputs["kmsKeyArn"] == key.outputs["arn"]
    # An alias's ARN as AWS forms it (KMS's "alias ARN": the name, which starts with alias/).
    assert alias.outputs["arn"] == f"arn:aws:kms:us-east-1:123456789012:{alias.inputs['name']}"


def test_key_policy_keeps_the_account_in_control(base_plan: Plan) -> None:
    admin = statements(base_plan)["AccountAdministersKeyThroughIam"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert admin["Action"] == "kms:*"


def test_cloudwatch_logs_may_use_the_key_only_for_this_accounts_log_groups(base_plan: Plan) -> None:
    logs = statements(base_plan)["CloudWatchLogsEncryptsThisAccountsLogGroups"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:log-group:*"}
    }


def test_topic_publishers_are_limited_to_this_account(base_plan: Plan) -> None:
    publishers = statements(base_plan)["ServicesPublishToEncryptedTopics"]
    assert set(publishers["Principal"]["Service"]) == {
        "cloudwatch.amazonaws.com",
        "budgets.amazonaws.com",
        "backup.amazonaws.com",
        "events.amazonaws.com",  # EventBridge rules: image scan findings
    }
    assert publishers["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert publishers["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_no_statement_grants_a_wildcard_principal() -> None:
    for statement in key_policy("111122223333", "eu-west-1", "aws")["Statement"]:
        principal = statement["Principal"]
        assert principal != "*"
        assert "*" not in json.dumps(principal)


def test_key_policy_follows_region_and_partition() -> None:
    policy = key_policy("111122223333", "us-gov-west-1", "aws-us-gov")
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert (
        by_sid["AccountAdministersKeyThroughIam"]["Principal"]["AWS"]
        == "arn:aws-us-gov:iam::111122223333:root"
    )
    assert by_sid["CloudWatchLogsEncryptsThisAccountsLogGroups"]["Principal"]["Service"] == (
        "logs.us-gov-west-1.amazonaws.com"
    )
