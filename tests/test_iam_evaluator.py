"""The IAM evaluator (offline/iam_evaluator.py) decides as AWS documents it: "Policy evaluation
logic" and "IAM JSON policy elements: Condition operators" in the IAM User Guide."""

from __future__ import annotations

from typing import Any

import pytest

from offline.iam_evaluator import Request, allowed, evaluate

BUCKET = "arn:aws:s3:::example"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any = "*", resource: Any = "*", condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def test_nothing_is_allowed_without_an_allow() -> None:
    assert evaluate([doc()], Request("s3:GetObject", BUCKET)).decision == "implicit-deny"


def test_an_explicit_deny_in_any_policy_overrides_every_allow() -> None:
    documents = [
        doc(allow()),
        doc({"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}),
    ]
    result = evaluate(documents, Request("s3:DeleteObject", BUCKET))
    assert (result.decision, result.statements) == ("explicit-deny", ("NoDelete",))
    assert allowed(documents, "s3:GetObject", BUCKET)


def test_allows_add_up_across_policies() -> None:
    documents = [doc(allow("s3:GetObject")), doc(allow("s3:PutObject"))]
    assert allowed(documents, "s3:GetObject", BUCKET)
    assert allowed(documents, "s3:PutObject", BUCKET)


def test_actions_match_case_insensitively_and_resources_case_sensitively() -> None:
    documents = [doc(allow("S3:getobject", "arn:aws:s3:::example/a*"))]
    assert allowed(documents, "s3:GetObject", "arn:aws:s3:::example/abc")
    assert not allowed(documents, "s3:GetObject", "arn:aws:s3:::example/ABC")


def test_wildcards_are_star_and_question_mark_only() -> None:
    documents = [doc(allow("ec2:Describe?pcs", "arn:aws:x:::[a]*"))]
    assert allowed(documents, "ec2:DescribeVpcs", "arn:aws:x:::[a]b")
    assert not allowed(documents, "ec2:DescribeVpcs", "arn:aws:x:::ab")
    assert not allowed(documents, "ec2:DescribeVpcsX", "arn:aws:x:::[a]b")


def test_not_action_and_not_resource_match_everything_else() -> None:
    documents = [doc({"Effect": "Allow", "NotAction": "iam:*", "NotResource": BUCKET})]
    assert allowed(documents, "s3:GetObject", "arn:aws:s3:::other")
    assert not allowed(documents, "iam:GetRole", "arn:aws:s3:::other")
    assert not allowed(documents, "s3:GetObject", BUCKET)


def test_values_of_one_key_are_ored_keys_and_operators_are_anded() -> None:
    condition = {
        "StringEquals": {"aws:RequestTag/Environment": ["dev", "review"], "aws:PrincipalTag/team": "ops"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    documents = [doc(allow(condition=condition))]
    full = {
        "aws:RequestTag/Environment": "review",
        "aws:PrincipalTag/team": "ops",
        "aws:SecureTransport": "true",
    }
    assert allowed(documents, "x:Y", "*", full)
    assert not allowed(documents, "x:Y", "*", {**full, "aws:RequestTag/Environment": "prod"})
    assert not allowed(documents, "x:Y", "*", {**full, "aws:SecureTransport": "false"})


@pytest.mark.parametrize(
    ("operator", "present_match", "present_other", "missing"),
    [
        ("StringEquals", True, False, False),
        ("StringNotEquals", False, True, True),
        ("StringEqualsIfExists", True, False, True),
        ("StringLike", True, False, False),
        ("StringNotLike", False, True, True),
        ("ArnEquals", True, False, False),
        ("ArnLike", True, False, False),
        ("ArnNotEquals", False, True, True),
    ],
)
def test_a_missing_key_fails_positive_operators_and_satisfies_negated_ones(
    operator: str, present_match: bool, present_other: bool, missing: bool
) -> None:
    documents = [doc(allow(condition={operator: {"k": "arn:aws:x:::v*" if "Like" in operator else "v"}}))]
    matching = "arn:aws:x:::v1" if "Like" in operator else "v"
    assert allowed(documents, "x:Y", "*", {"k": matching}) is present_match
    assert allowed(documents, "x:Y", "*", {"k": "other"}) is present_other
    assert allowed(documents, "x:Y", "*", {}) is missing


def test_null_checks_whether_a_key_is_present() -> None:
    must_be_set = [doc(allow(condition={"Null": {"aws:RequestTag/Environment": "false"}}))]
    assert allowed(must_be_set, "x:Y", "*", {"aws:RequestTag/Environment": "dev"})
    assert not allowed(must_be_set, "x:Y", "*", {})
    must_be_absent = [doc(allow(condition={"Null": {"aws:RequestTag/Environment": "true"}}))]
    assert allowed(must_be_absent, "x:Y", "*", {})


def test_set_qualifiers_on_multivalued_keys() -> None:
    any_value = [doc(allow(condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["Environment"]}}))]
    assert allowed(any_value, "x:Y", "*", {"aws:TagKeys": ["Owner", "Environment"]})
    assert not allowed(any_value, "x:Y", "*", {"aws:TagKeys": ["Owner"]})
    assert not allowed(any_value, "x:Y", "*", {})
    all_values = [
        doc(allow(condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["Environment", "Owner"]}}))
    ]
    assert allowed(all_values, "x:Y", "*", {"aws:TagKeys": ["Owner"]})
    assert not allowed(all_values, "x:Y", "*", {"aws:TagKeys": ["Owner", "Secret"]})
    assert allowed(all_values, "x:Y", "*", {})  # AWS: an absent key satisfies ForAllValues


def test_an_unknown_operator_or_an_unqualified_multivalued_key_is_an_error() -> None:
    with pytest.raises(ValueError, match="NumericLessThan"):
        allowed([doc(allow(condition={"NumericLessThan": {"k": "1"}}))], "x:Y", "*", {"k": "0"})
    with pytest.raises(ValueError, match="ForAnyValue"):
        allowed([doc(allow(condition={"StringEquals": {"k": "a"}}))], "x:Y", "*", {"k": ["a", "b"]})


def test_a_single_statement_object_is_read_like_a_list() -> None:
    assert allowed([{"Version": "2012-10-17", "Statement": allow("s3:*")}], "s3:GetObject", BUCKET)
