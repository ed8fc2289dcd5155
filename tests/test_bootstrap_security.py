"""The account's security baseline in the bootstrap (bootstrap/tm_bootstrap: baseline.py and its
components): what each part records and protects, where its findings go, and that what it sends
AWS fits AWS's own API models (botocore) and event structure.

The bootstrap runs under Pulumi's mocks (offline/bootstrap.py), once per config.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any, get_args

import botocore.session
import parliament
import pytest
from botocore.validate import ParamValidator

from components.settings import LogRetentionDays as StackLogRetentionDays
from offline import __main__ as cli
from offline.bootstrap import estimate_bootstrap
from offline.costing import costs
from offline.iam_evaluator import allowed
from offline.mocks import Registration
from offline.security_doc import (
    BEGIN,
    END,
    SECURITY_DOC,
    fsbp_controls,
    fsbp_table,
    recorded_types,
    security_doc,
)
from tests.bootstrap_harness import ACCOUNT, CONFIG, Bootstrap, bootstrap_run
from tests.conftest import plan_for
from tests.event_patterns import matches, path_fields, unknown_fields
from tests.test_observability import put_metric_alarm_request
from tm_bootstrap.baseline import (
    CONFIG_RESOURCE_TYPES,
    GUARDDUTY_FEATURES,
    IAM_CHANGE_EVENTS,
    IAM_CHANGES_PATTERN,
    ROOT_USE_PATTERN,
    trail_role_policy,
    trail_role_trust,
)
from tm_bootstrap.settings import AccountUsage, BootstrapSettingsError, LogRetentionDays, parse_settings

SESSION = botocore.session.get_session()
MODELS = {
    name: SESSION.get_service_model(name) for name in ("cloudtrail", "logs", "cloudwatch", "events", "iam")
}
GUARDDUTY = SESSION.get_service_model("guardduty")
SECURITYHUB = SESSION.get_service_model("securityhub")
CONFIG_SERVICE = SESSION.get_service_model("config")
ACCESS_ANALYZER = SESSION.get_service_model("accessanalyzer")

REGION = "us-east-1"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/tasking-manager-security"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/tasking-manager-security/cloudtrail"
LOGS_BUCKET = f"tasking-manager-security-logs-{ACCOUNT}"
ALL_OFF = {
    "security.cloudTrail": False,
    "security.guardDuty": False,
    "security.securityHub": False,
    "security.config": False,
    "security.accessAnalyzer": False,
}


@pytest.fixture
def bootstrap() -> Callable[..., Bootstrap]:
    return bootstrap_run


def _inside(result: Bootstrap, component: str) -> Bootstrap:
    return result.component(f"tm:bootstrap:{component}")


def _validate(service: Any, operation: str, request: dict[str, Any]) -> None:
    report = ParamValidator().validate(request, service.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()


def _as_seen_by(policy: dict[str, Any], service: str) -> list[dict[str, Any]]:
    """A resource policy's statements that apply to the service principal `service` (the IAM
    evaluator reads actions, resources and conditions, not principals)."""
    statements = []
    for statement in policy["Statement"]:
        principal = statement["Principal"]
        services = [] if principal == "*" else principal.get("Service", [])
        if principal == "*" or service in ([services] if isinstance(services, str) else services):
            statements.append(statement)
    return [{"Statement": statements}]


# -- settings ----------------------------------------------------------------------------------
def test_every_part_is_on_by_default_and_findings_go_to_hot_s_operations_address() -> None:
    settings = parse_settings("hot", CONFIG)
    security = settings.security
    assert (security.cloud_trail, security.guard_duty, security.security_hub) == (True, True, True)
    assert (security.config_recorder, security.access_analyzer, security.paging) == (True, True, True)
    assert security.finding_emails == security.page_emails == ("sysadmin@hotosm.org",)
    assert (security.log_retention_days, security.trail_log_group_retention_days) == (365, 90)


def test_the_usage_settings_are_the_cost_model_s_account_usage() -> None:
    usage = parse_settings("hot", CONFIG).usage.to_mapping()
    assert list(usage) == list(costs.AccountUsage.KEYS)
    costs.AccountUsage.from_mapping(usage)


def test_a_security_mistake_names_the_key_the_value_and_what_is_allowed() -> None:
    config = {
        **CONFIG,
        "bootstrap:security": json.dumps(
            {
                "guardDuty": "sometimes",
                "logRetentionDays": 30,
                "trailLogGroupRetentionDays": 100,
                "findingEmails": ["ops"],
                "cloudtrail": True,
            }
        ),
        "bootstrap:usage": json.dumps({"runtimeMonitoredVcpus": -2}),
    }
    with pytest.raises(BootstrapSettingsError) as caught:
        parse_settings("hot", config)
    message = str(caught.value)
    assert "(6 problems)" in message
    assert "bootstrap:security.guardDuty = 'sometimes': Input should be a valid boolean" in message
    assert "bootstrap:security.logRetentionDays = 30: Input should be greater than or equal to 90" in message
    assert "bootstrap:security.trailLogGroupRetentionDays = 100: Input should be 1, 3, 5" in message
    assert "bootstrap:security.findingEmails[0] = 'ops': a list of e-mail addresses" in message
    assert (
        "bootstrap:security.cloudtrail is not a setting; allowed keys: accessAnalyzer, cloudTrail" in message
    )
    assert "bootstrap:usage.runtimeMonitoredVcpus = -2: Input should be greater than or equal to 0" in message
    assert "--path" in message


def test_findings_need_someone_to_read_them() -> None:
    def problems(security: dict[str, Any]) -> str:
        with pytest.raises(BootstrapSettingsError) as caught:
            parse_settings("hot", {**CONFIG, "bootstrap:security": json.dumps(security)})
        return str(caught.value)

    assert "bootstrap:security.findingEmails = []: at least one address" in problems({"findingEmails": []})
    assert "bootstrap:security.pageEmails = []: at least one address while paging is on" in problems(
        {"pageEmails": []}
    )
    # Without paging, or without any finding source, no address is needed.
    quiet = {**{key.split(".")[1]: False for key in ALL_OFF}, "paging": False, "findingEmails": []}
    assert parse_settings("hot", {**CONFIG, "bootstrap:security": json.dumps(quiet)}).security.paging is False


# -- the trail ---------------------------------------------------------------------------------
def test_the_trail_records_every_region_validated_and_encrypted_with_the_baseline_s_key(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    result = bootstrap()
    key = _inside(result, "SecurityKey").one("aws:kms/key:Key")
    trail = _inside(result, "AuditTrail").one("aws:cloudtrail/trail:Trail").inputs
    assert trail["name"] == "tasking-manager-security"
    assert trail["isMultiRegionTrail"] is True
    assert trail["includeGlobalServiceEvents"] is True
    assert trail["enableLogFileValidation"] is True
    assert trail["kmsKeyId"] == key.outputs["arn"]
    assert trail["s3BucketName"] == LOGS_BUCKET
    assert trail["eventSelectors"] == [{"includeManagementEvents": True, "readWriteType": "All"}]
    group = _inside(result, "AuditTrail").one("aws:cloudwatch/logGroup:LogGroup")
    assert trail["cloudWatchLogsGroupArn"] == f"{group.outputs['arn']}:*"
    assert group.inputs["retentionInDays"] == 90
    assert group.inputs["kmsKeyId"] == key.outputs["arn"]
    # The trail is made once CloudTrail may write to the bucket (CloudTrail checks the policy).
    bucket_policy = _inside(result, "SecurityLogs").one("aws:s3/bucketPolicy:BucketPolicy")
    assert bucket_policy.urn in _inside(result, "AuditTrail").one("aws:cloudtrail/trail:Trail").dependencies


def test_only_cloudtrail_for_this_trail_delivers_to_the_log_group() -> None:
    trust = trail_role_trust(ACCOUNT, REGION)
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": TRAIL_ARN}
    }
    policy = [trail_role_policy(ACCOUNT, REGION)]
    stream = f"{LOG_GROUP_ARN}:log-stream:{ACCOUNT}_CloudTrail_eu-west-1"
    assert allowed(policy, "logs:PutLogEvents", stream)
    assert not allowed(
        policy, "logs:PutLogEvents", f"{LOG_GROUP_ARN.replace('security', 'other')}:log-stream:x"
    )
    assert not allowed(policy, "logs:DeleteLogGroup", LOG_GROUP_ARN)
    findings = parliament.analyze_policy_string(json.dumps(policy[0])).findings
    assert [f.issue for f in findings if parliament.config.get(f.issue, {}).get("severity") != "LOW"] == []


def test_the_logs_bucket_is_private_versioned_expiring_and_protected(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    result = bootstrap()
    logs = _inside(result, "SecurityLogs")
    logs.private_bucket(LOGS_BUCKET)
    assert _inside(result, "SecurityKey").one("aws:kms/key:Key").urn in result.protected
    (rule,) = logs.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert rule["expiration"] == {"days": 365}
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 30}


def test_the_logs_bucket_takes_files_only_from_this_trail_and_this_account_s_config_over_tls(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    policy = json.loads(
        _inside(bootstrap(), "SecurityLogs").one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"]
    )
    bucket = f"arn:aws:s3:::{LOGS_BUCKET}"
    written = {"s3:x-amz-acl": "bucket-owner-full-control"}
    cloudtrail = _as_seen_by(policy, "cloudtrail.amazonaws.com")
    ours = {**written, "aws:SourceArn": TRAIL_ARN, "aws:SecureTransport": "true"}
    assert allowed(cloudtrail, "s3:PutObject", f"{bucket}/AWSLogs/{ACCOUNT}/CloudTrail/x.json.gz", ours)
    assert allowed(cloudtrail, "s3:GetBucketAcl", bucket, ours)
    other_trail = {**ours, "aws:SourceArn": TRAIL_ARN.replace("tasking-manager-security", "theirs")}
    assert not allowed(cloudtrail, "s3:PutObject", f"{bucket}/AWSLogs/{ACCOUNT}/CloudTrail/x", other_trail)
    assert not allowed(cloudtrail, "s3:PutObject", f"{bucket}/elsewhere/x", ours)
    assert not allowed(
        cloudtrail, "s3:PutObject", f"{bucket}/AWSLogs/{ACCOUNT}/x", {**ours, "aws:SecureTransport": "false"}
    )
    config = _as_seen_by(policy, "config.amazonaws.com")
    this_account = {**written, "aws:SourceAccount": ACCOUNT, "aws:SecureTransport": "true"}
    assert allowed(config, "s3:PutObject", f"{bucket}/AWSLogs/{ACCOUNT}/Config/{REGION}/x", this_account)
    assert allowed(config, "s3:ListBucket", bucket, this_account)
    assert not allowed(
        config,
        "s3:PutObject",
        f"{bucket}/AWSLogs/{ACCOUNT}/Config/x",
        {**this_account, "aws:SourceAccount": "111122223333"},
    )
    assert not allowed(config, "s3:PutObject", f"{bucket}/AWSLogs/{ACCOUNT}/CloudTrail/x", this_account)


def test_the_baseline_key_lets_each_service_encrypt_only_its_own_resource(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    key = _inside(bootstrap(), "SecurityKey").one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    policy = json.loads(key.inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["AccountAdministersKeyThroughIam"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert all(s["Principal"] != "*" and s["Principal"] != {"AWS": "*"} for s in policy["Statement"])
    cloudtrail = _as_seen_by(policy, "cloudtrail.amazonaws.com")
    context = {"aws:SourceArn": TRAIL_ARN, "kms:EncryptionContext:aws:cloudtrail:arn": TRAIL_ARN}
    assert allowed(cloudtrail, "kms:GenerateDataKey", "*", context)
    assert not allowed(
        cloudtrail,
        "kms:GenerateDataKey",
        "*",
        {**context, "aws:SourceArn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/x"},
    )
    assert not allowed(cloudtrail, "kms:Decrypt", "*", context)
    logs = _as_seen_by(policy, f"logs.{REGION}.amazonaws.com")
    assert allowed(logs, "kms:GenerateDataKey", "*", {"kms:EncryptionContext:aws:logs:arn": LOG_GROUP_ARN})
    other_group = LOG_GROUP_ARN.replace("cloudtrail", "other")
    assert not allowed(logs, "kms:GenerateDataKey", "*", {"kms:EncryptionContext:aws:logs:arn": other_group})
    for service in ("events.amazonaws.com", "cloudwatch.amazonaws.com", "config.amazonaws.com"):
        seen = _as_seen_by(policy, service)
        assert allowed(seen, "kms:GenerateDataKey", "*", {"aws:SourceAccount": ACCOUNT}), service
        assert not allowed(seen, "kms:GenerateDataKey", "*", {"aws:SourceAccount": "111122223333"}), service


# -- the watches on the trail --------------------------------------------------------------------
def _tokens(pattern: str) -> list[str]:
    return re.findall(r'\(|\)|&&|\|\||NOT EXISTS|!=|=|"[^"]*"|[$][A-Za-z0-9_.]+|[A-Za-z0-9_*-]+', pattern)


def filter_matches(pattern: str, event: dict[str, Any]) -> bool:
    """CloudWatch Logs' JSON filter syntax, for what the watches use: selectors compared with = or
    != (strings may hold * wildcards), NOT EXISTS, && binding tighter than ||, parentheses."""
    assert pattern.startswith("{"), pattern
    assert pattern.endswith("}"), pattern
    tokens = _tokens(pattern[1:-1])

    def value_of(selector: str) -> Any:
        value: Any = event
        for part in selector[2:].split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value

    def term(i: int) -> tuple[bool, int]:
        if tokens[i] == "(":
            result, i = disjunction(i + 1)
            assert tokens[i] == ")", tokens[i:]
            return result, i + 1
        selector = tokens[i]
        if tokens[i + 1] == "NOT EXISTS":
            return value_of(selector) is None, i + 2
        operator, raw = tokens[i + 1], tokens[i + 2].strip('"')
        value = value_of(selector)
        equal = (
            value is not None and re.fullmatch(re.escape(raw).replace(r"\*", ".*"), str(value)) is not None
        )
        return (equal if operator == "=" else value is not None and not equal), i + 3

    def conjunction(i: int) -> tuple[bool, int]:
        result, i = term(i)
        while i < len(tokens) and tokens[i] == "&&":
            right, i = term(i + 1)
            result = result and right
        return result, i

    def disjunction(i: int) -> tuple[bool, int]:
        result, i = conjunction(i)
        while i < len(tokens) and tokens[i] == "||":
            right, i = conjunction(i + 1)
            result = result or right
        return result, i

    result, end = disjunction(0)
    assert end == len(tokens), tokens[end:]
    return result


def cloudtrail_record(
    event_name: str, identity: dict[str, Any], event_type: str = "AwsApiCall"
) -> dict[str, Any]:
    """A CloudTrail record, shaped as in the CloudTrail user guide's record contents."""
    return {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": "2026-11-30T06:00:00Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": event_name,
        "awsRegion": REGION,
        "sourceIPAddress": "198.51.100.7",
        "eventType": event_type,
        "recipientAccountId": ACCOUNT,
    }


ROOT = {"type": "Root", "principalId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root", "accountId": ACCOUNT}
ADMIN = {"type": "IAMUser", "userName": "someone", "arn": f"arn:aws:iam::{ACCOUNT}:user/someone"}


def assumed(role: str) -> dict[str, Any]:
    return {
        "type": "AssumedRole",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/session",
        "sessionContext": {"sessionIssuer": {"type": "Role", "userName": role}},
    }


def test_the_root_user_s_own_use_is_caught_and_a_service_acting_for_it_is_not() -> None:
    assert filter_matches(ROOT_USE_PATTERN, cloudtrail_record("ConsoleLogin", ROOT))
    assert filter_matches(ROOT_USE_PATTERN, cloudtrail_record("CreateAccessKey", ROOT))
    on_its_behalf = {**ROOT, "invokedBy": "support.amazonaws.com"}
    assert not filter_matches(ROOT_USE_PATTERN, cloudtrail_record("DescribeCases", on_its_behalf))
    assert not filter_matches(ROOT_USE_PATTERN, cloudtrail_record("AssumeRole", ROOT, "AwsServiceEvent"))
    assert not filter_matches(ROOT_USE_PATTERN, cloudtrail_record("ConsoleLogin", ADMIN))


def test_iam_changes_are_caught_unless_a_ci_role_made_them() -> None:
    for event in (
        "PutRolePolicy",
        "AttachUserPolicy",
        "CreatePolicyVersion",
        "UpdateAssumeRolePolicy",
        "CreateRole",
    ):
        assert filter_matches(IAM_CHANGES_PATTERN, cloudtrail_record(event, ADMIN)), event
        assert filter_matches(
            IAM_CHANGES_PATTERN, cloudtrail_record(event, assumed("AWSReservedSSO_Admin"))
        ), event
        assert not filter_matches(
            IAM_CHANGES_PATTERN, cloudtrail_record(event, assumed("tasking-manager-ci-dev"))
        )
    assert filter_matches(IAM_CHANGES_PATTERN, cloudtrail_record("DeleteRolePolicy", ROOT))
    assert not filter_matches(IAM_CHANGES_PATTERN, cloudtrail_record("GetRole", ADMIN))
    assert not filter_matches(IAM_CHANGES_PATTERN, cloudtrail_record("ListPolicies", ADMIN))


def test_the_watched_iam_changes_are_iam_s_own_calls() -> None:
    # A CloudTrail record's eventName is the API operation's name: a misspelt one matches nothing.
    operations = set(MODELS["iam"].operation_names)
    assert [event for event in IAM_CHANGE_EVENTS if event not in operations] == []
    assert len(set(IAM_CHANGE_EVENTS)) == len(IAM_CHANGE_EVENTS)


@pytest.mark.parametrize("retentions", [LogRetentionDays, StackLogRetentionDays], ids=["bootstrap", "stacks"])
def test_log_retentions_are_those_cloudwatch_logs_accepts(retentions: Any) -> None:
    # botocore types Days as an integer; its documentation lists the values PutRetentionPolicy takes.
    documented = re.search(
        r"Possible values are: ([0-9, and]+)\.", MODELS["logs"].shape_for("Days").documentation
    )
    assert documented is not None
    assert list(get_args(retentions)) == [int(days) for days in re.findall(r"[0-9]+", documented[1])]


def test_the_filter_parser_is_not_fooled() -> None:
    assert not filter_matches("{ ($.a = 1) && ($.b = 2) }", {"a": 1, "b": 3})
    assert filter_matches("{ ($.a = 1) || ($.b = 2) && ($.c = 3) }", {"a": 1})
    assert not filter_matches('{ $.a != "x*" }', {})
    assert filter_matches('{ $.a != "x*" }', {"a": "yx"})


def test_each_watch_alarms_once_a_line_matches_and_notifies_its_route(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    result = bootstrap()
    trail = _inside(result, "AuditTrail")
    topics = {
        t.inputs["name"]: t.outputs["arn"]
        for t in _inside(result, "FindingRouting").of_type("aws:sns/topic:Topic")
    }
    filters = {
        f.inputs["name"]: f.inputs for f in trail.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    }
    alarms = {a.inputs["name"]: a.inputs for a in trail.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert (
        set(filters)
        == set(alarms)
        == {
            "tasking-manager-security-root-account-use",
            "tasking-manager-security-iam-changes",
        }
    )
    for name, alarm in alarms.items():
        transformation = filters[name]["metricTransformation"]
        assert "defaultValue" not in transformation  # published, and billed, only when a line matches
        assert (alarm["namespace"], alarm["metricName"]) == (
            transformation["namespace"],
            transformation["name"],
        )
        assert (alarm["statistic"], alarm["threshold"], alarm["comparisonOperator"]) == (
            "Sum",
            1,
            "GreaterThanOrEqualToThreshold",
        )
        assert alarm["treatMissingData"] == "notBreaching"
        assert alarm["alarmDescription"].endswith(
            f"docs/operations/security.md#{name.removeprefix('tasking-manager-security-')}"
        )
    assert alarms["tasking-manager-security-root-account-use"]["alarmActions"] == [
        topics["tasking-manager-security-page"]
    ]
    assert alarms["tasking-manager-security-iam-changes"]["alarmActions"] == [
        topics["tasking-manager-security-findings"]
    ]


# -- detection -----------------------------------------------------------------------------------
def test_guardduty_monitors_fargate_at_runtime_with_the_agent_it_manages(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    guardduty = _inside(bootstrap(), "GuardDuty")
    detector = guardduty.one("aws:guardduty/detector:Detector")
    assert detector.inputs["enable"] is True
    assert detector.inputs["findingPublishingFrequency"] == "FIFTEEN_MINUTES"
    features = {
        f.inputs["name"]: f for f in guardduty.of_type("aws:guardduty/detectorFeature:DetectorFeature")
    }
    assert set(features) == set(GUARDDUTY_FEATURES)
    runtime = features["RUNTIME_MONITORING"].inputs
    assert runtime["status"] == "ENABLED"
    assert {"name": "ECS_FARGATE_AGENT_MANAGEMENT", "status": "ENABLED"} in runtime[
        "additionalConfigurations"
    ]
    assert {"name": "EC2_AGENT_MANAGEMENT", "status": "DISABLED"} in runtime["additionalConfigurations"]
    assert {
        f: features[f].inputs["status"] for f in ("S3_DATA_EVENTS", "RDS_LOGIN_EVENTS", "EKS_AUDIT_LOGS")
    } == {
        "S3_DATA_EVENTS": "ENABLED",
        "RDS_LOGIN_EVENTS": "ENABLED",
        "EKS_AUDIT_LOGS": "DISABLED",
    }
    assert all(f.inputs["detectorId"] == detector.outputs["id"] for f in features.values())
    # One update of the detector at a time, in a chain.
    ordered = list(features.values())
    for before, after in itertools.pairwise(ordered):
        assert before.urn in after.dependencies


def test_guardduty_s_features_fit_its_api_model(bootstrap: Callable[..., Bootstrap]) -> None:
    guardduty = _inside(bootstrap(), "GuardDuty")
    features = [
        {
            "Name": f.inputs["name"],
            "Status": f.inputs["status"],
            "AdditionalConfiguration": [
                {"Name": c["name"], "Status": c["status"]}
                for c in f.inputs.get("additionalConfigurations", [])
            ],
        }
        for f in guardduty.of_type("aws:guardduty/detectorFeature:DetectorFeature")
    ]
    detector = guardduty.one("aws:guardduty/detector:Detector").inputs
    request = {
        "Enable": detector["enable"],
        "FindingPublishingFrequency": detector["findingPublishingFrequency"],
        "Features": features,
    }
    _validate(GUARDDUTY, "CreateDetector", request)
    shape = GUARDDUTY.operation_model("CreateDetector").input_shape
    feature = shape.members["Features"].member
    # botocore validates types, not enums: check the names against the model's own lists.
    assert unknown_fields({"FindingPublishingFrequency": request["FindingPublishingFrequency"]}, shape) == []
    assert [p for f in features for p in unknown_fields(f, feature)] == []


def test_config_records_what_the_fsbp_controls_read_through_its_service_linked_role(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    result = bootstrap()
    config = _inside(result, "ConfigRecorder")
    role = config.one("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert role.inputs["awsServiceName"] == "config.amazonaws.com"
    recorder = config.one("aws:cfg/recorder:Recorder").inputs
    assert (
        recorder["roleArn"]
        == f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    )
    group = recorder["recordingGroup"]
    assert group["allSupported"] is False
    assert group["recordingStrategies"] == [{"useOnly": "INCLUSION_BY_RESOURCE_TYPES"}]
    assert group["resourceTypes"] == list(CONFIG_RESOURCE_TYPES)
    assert (
        "AWS::EC2::NetworkInterface" not in group["resourceTypes"]
    )  # a Fargate task's churn, read by no control
    channel = config.one("aws:cfg/deliveryChannel:DeliveryChannel").inputs
    assert channel["s3BucketName"] == LOGS_BUCKET
    assert channel["s3KmsKeyArn"] == _inside(result, "SecurityKey").one("aws:kms/key:Key").outputs["arn"]
    assert config.one("aws:cfg/recorderStatus:RecorderStatus").inputs["isEnabled"] is True
    put_recorder = {
        "ConfigurationRecorder": {
            "name": recorder["name"],
            "roleARN": recorder["roleArn"],
            "recordingGroup": {
                "allSupported": group["allSupported"],
                "includeGlobalResourceTypes": group["includeGlobalResourceTypes"],
                "resourceTypes": group["resourceTypes"],
                "recordingStrategy": {"useOnly": group["recordingStrategies"][0]["useOnly"]},
            },
            "recordingMode": {"recordingFrequency": recorder["recordingMode"]["recordingFrequency"]},
        }
    }
    _validate(CONFIG_SERVICE, "PutConfigurationRecorder", put_recorder)
    # Every type is one AWS Config knows (botocore validates no enum itself).
    types = CONFIG_SERVICE.shape_for("ResourceType").enum
    assert [t for t in group["resourceTypes"] if t not in types] == []
    strategy = CONFIG_SERVICE.shape_for("RecordingStrategy").members["useOnly"]
    assert group["recordingStrategies"][0]["useOnly"] in strategy.enum
    put_channel = {
        "DeliveryChannel": {
            "name": channel["name"],
            "s3BucketName": channel["s3BucketName"],
            "s3KmsKeyArn": channel["s3KmsKeyArn"],
            "configSnapshotDeliveryProperties": {
                "deliveryFrequency": channel["snapshotDeliveryProperties"]["deliveryFrequency"]
            },
        }
    }
    _validate(CONFIG_SERVICE, "PutDeliveryChannel", put_channel)
    frequency = CONFIG_SERVICE.shape_for("MaximumExecutionFrequency").enum
    assert channel["snapshotDeliveryProperties"]["deliveryFrequency"] in frequency


def test_security_hub_runs_the_fsbp_standard_alone(bootstrap: Callable[..., Bootstrap]) -> None:
    result = bootstrap()
    hub = _inside(result, "SecurityHub")
    account = hub.one("aws:securityhub/account:Account")
    assert account.inputs["enableDefaultStandards"] is False
    assert account.inputs["controlFindingGenerator"] == "SECURITY_CONTROL"
    assert account.inputs["autoEnableControls"] is True
    standard = hub.one("aws:securityhub/standardsSubscription:StandardsSubscription").inputs["standardsArn"]
    assert (
        standard
        == f"arn:aws:securityhub:{REGION}::standards/aws-foundational-security-best-practices/v/1.0.0"
    )
    _validate(
        SECURITYHUB,
        "EnableSecurityHub",
        {
            "EnableDefaultStandards": account.inputs["enableDefaultStandards"],
            "ControlFindingGenerator": account.inputs["controlFindingGenerator"],
        },
    )
    assert account.inputs["controlFindingGenerator"] in SECURITYHUB.shape_for("ControlFindingGenerator").enum
    _validate(
        SECURITYHUB, "BatchEnableStandards", {"StandardsSubscriptionRequests": [{"StandardsArn": standard}]}
    )
    # Its checks read what Config records: Security Hub comes after the recorder runs.
    status = _inside(result, "ConfigRecorder").one("aws:cfg/recorderStatus:RecorderStatus")
    assert status.urn in account.dependencies


def test_access_analyzer_watches_the_account(bootstrap: Callable[..., Bootstrap]) -> None:
    analyzer = _inside(bootstrap(), "AccessAnalyzer").one("aws:accessanalyzer/analyzer:Analyzer").inputs
    assert analyzer["type"] == "ACCOUNT"
    _validate(
        ACCESS_ANALYZER,
        "CreateAnalyzer",
        {"analyzerName": analyzer["analyzerName"], "type": analyzer["type"]},
    )
    assert analyzer["type"] in ACCESS_ANALYZER.shape_for("Type").enum


def test_the_trail_and_its_watches_fit_their_api_models(bootstrap: Callable[..., Bootstrap]) -> None:
    trail_part = _inside(bootstrap(), "AuditTrail")
    trail = trail_part.one("aws:cloudtrail/trail:Trail").inputs
    _validate(
        MODELS["cloudtrail"],
        "CreateTrail",
        {
            "Name": trail["name"],
            "S3BucketName": trail["s3BucketName"],
            "IncludeGlobalServiceEvents": trail["includeGlobalServiceEvents"],
            "IsMultiRegionTrail": trail["isMultiRegionTrail"],
            "EnableLogFileValidation": trail["enableLogFileValidation"],
            "CloudWatchLogsLogGroupArn": trail["cloudWatchLogsGroupArn"],
            "CloudWatchLogsRoleArn": trail["cloudWatchLogsRoleArn"],
            "KmsKeyId": trail["kmsKeyId"],
        },
    )
    (selector,) = trail["eventSelectors"]
    _validate(
        MODELS["cloudtrail"],
        "PutEventSelectors",
        {
            "TrailName": trail["name"],
            "EventSelectors": [
                {
                    "ReadWriteType": selector["readWriteType"],
                    "IncludeManagementEvents": selector["includeManagementEvents"],
                }
            ],
        },
    )
    filter_shape = MODELS["logs"].operation_model("PutMetricFilter").input_shape
    for metric_filter in trail_part.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter"):
        inputs = metric_filter.inputs
        transformation = inputs["metricTransformation"]
        request = {
            "logGroupName": inputs["logGroupName"],
            "filterName": inputs["name"],
            "filterPattern": inputs["pattern"],
            "metricTransformations": [
                {
                    "metricName": transformation["name"],
                    "metricNamespace": transformation["namespace"],
                    "metricValue": transformation["value"],
                }
            ],
        }
        _validate(MODELS["logs"], "PutMetricFilter", request)
        # botocore checks minimum lengths only; the pattern must fit the maximum too.
        assert len(inputs["pattern"]) <= filter_shape.members["filterPattern"].metadata["max"]
    for alarm in trail_part.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        _validate(MODELS["cloudwatch"], "PutMetricAlarm", put_metric_alarm_request(alarm.inputs))


# -- routing findings ------------------------------------------------------------------------------
def guardduty_event(severity: float, finding_type: str = "Execution:Runtime/ReverseShell") -> dict[str, Any]:
    """A GuardDuty finding as EventBridge delivers it ("EventBridge event format for GuardDuty"):
    the finding, as GetFindings returns it, in `detail`."""
    return {
        "version": "0",
        "id": "c8c4daa7-a20c-2f03-0070-b7393dd542ad",
        "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty",
        "account": ACCOUNT,
        "time": "2026-11-30T06:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {
            "schemaVersion": "2.0",
            "accountId": ACCOUNT,
            "region": REGION,
            "partition": "aws",
            "id": "16afba5c5c43e07c9e3e5e2e544e95df",
            "arn": f"arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/12abc34d/finding/16afba5c",
            "type": finding_type,
            "resource": {"resourceType": "ECSCluster"},
            "service": {"serviceName": "guardduty", "count": 1, "archived": False},
            "severity": severity,
            "createdAt": "2026-11-30T05:55:00.000Z",
            "updatedAt": "2026-11-30T05:55:00.000Z",
            "title": "A reverse shell was started in a container.",
            "description": "A process in a task of the API service opened a reverse shell.",
        },
    }


def security_hub_finding(
    label: str, *, product: str = "Security Hub", workflow: str = "NEW", record: str = "ACTIVE"
) -> dict[str, Any]:
    """A finding in AWS's finding format, as a Security Hub control failure is written."""
    return {
        "SchemaVersion": "2018-10-08",
        "Id": f"arn:aws:securityhub:{REGION}:{ACCOUNT}:security-control/S3.8/finding/0a1b2c3d",
        "ProductArn": f"arn:aws:securityhub:{REGION}::product/aws/securityhub",
        "ProductName": product,
        "CompanyName": "AWS",
        "Region": REGION,
        "GeneratorId": "security-control/S3.8",
        "AwsAccountId": ACCOUNT,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": "2026-11-30T05:55:00.000Z",
        "UpdatedAt": "2026-11-30T05:55:00.000Z",
        "Severity": {"Label": label},
        "Title": "S3 general purpose buckets should block public access",
        "Description": "This control checks whether a bucket blocks public access.",
        "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::some-bucket", "Region": REGION}],
        "Compliance": {"Status": "FAILED", "SecurityControlId": "S3.8"},
        "Workflow": {"Status": workflow},
        "RecordState": record,
    }


def security_hub_event(finding: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "8e5622f9-d81c-4d81-612a-9319e7ee2506",
        "detail-type": "Security Hub Findings - Imported",
        "source": "aws.securityhub",
        "account": ACCOUNT,
        "time": "2026-11-30T06:00:00Z",
        "region": REGION,
        "resources": [finding["Id"]],
        "detail": {"findings": [finding]},
    }


def access_analyzer_event(status: str = "ACTIVE") -> dict[str, Any]:
    return {
        "version": "0",
        "id": "22222222-dcba-4444-dcba-333333333333",
        "detail-type": "Access Analyzer Finding",
        "source": "aws.access-analyzer",
        "account": ACCOUNT,
        "time": "2026-11-30T06:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:access-analyzer:{REGION}:{ACCOUNT}:analyzer/tasking-manager-security"],
        "detail": {
            "id": "a5019b59-a43e-434f-9f68-2a5e5b2b5a4a",
            "status": status,
            "resourceType": "AWS::S3::Bucket",
            "resource": "arn:aws:s3:::some-bucket",
            "createdAt": "2026-11-30T05:55:00.000Z",
            "analyzedAt": "2026-11-30T05:55:00.000Z",
            "updatedAt": "2026-11-30T05:55:00.000Z",
            "principal": {"AWS": "111122223333"},
            "action": ["s3:GetObject"],
            "condition": {},
            "isPublic": False,
        },
    }


# The botocore shape each source's event carries, and where it sits in the event.
SHAPES = {
    "guardduty": (GUARDDUTY.shape_for("Finding"), "$.detail"),
    "securityhub": (SECURITYHUB.shape_for("AwsSecurityFinding"), "$.detail.findings[0]"),
    "access-analyzer": (ACCESS_ANALYZER.shape_for("FindingSummary"), "$.detail"),
}


def _source(rule_name: str) -> str:
    return next(
        source for source in SHAPES if rule_name.removeprefix("tasking-manager-security-").startswith(source)
    )


def _detail_pattern(pattern: dict[str, Any], source: str) -> dict[str, Any]:
    detail = pattern["detail"]
    return dict(detail["findings"]) if source == "securityhub" else dict(detail)


def rules_of(result: Bootstrap) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Each rule's name -> (its inputs, its target's inputs)."""
    routing = _inside(result, "FindingRouting")
    targets = {t.name: t.inputs for t in routing.of_type("aws:cloudwatch/eventTarget:EventTarget")}
    return {
        r.inputs["name"]: (r.inputs, targets[r.name])
        for r in routing.of_type("aws:cloudwatch/eventRule:EventRule")
    }


def test_the_sample_events_are_what_aws_s_models_describe() -> None:
    """Anchor the samples the routing is tested with in the services' own models."""
    shape, _ = SHAPES["guardduty"]
    assert unknown_fields(guardduty_event(8)["detail"], shape) == []
    report = ParamValidator().validate(
        {"Findings": [security_hub_finding("HIGH")]},
        SECURITYHUB.operation_model("BatchImportFindings").input_shape,
    )
    assert not report.has_errors(), report.generate_report()
    assert unknown_fields(security_hub_finding("HIGH"), SHAPES["securityhub"][0]) == []
    assert unknown_fields(access_analyzer_event()["detail"], SHAPES["access-analyzer"][0]) == []


def test_every_pattern_names_only_fields_and_values_aws_sends(bootstrap: Callable[..., Bootstrap]) -> None:
    rules = rules_of(bootstrap())
    assert len(rules) == 4
    for name, (rule, target) in rules.items():
        source = _source(name)
        shape, root = SHAPES[source]
        pattern = json.loads(rule["eventPattern"])
        assert pattern["source"] == [f"aws.{source}"], name
        assert unknown_fields(_detail_pattern(pattern, source), shape) == [], name
        for path in target["inputTransformer"]["inputPaths"].values():
            assert path_fields(path, shape, root) == [], (name, path)


def test_guardduty_findings_of_high_severity_and_up_page(bootstrap: Callable[..., Bootstrap]) -> None:
    rule, target = rules_of(bootstrap())["tasking-manager-security-guardduty"]
    pattern = json.loads(rule["eventPattern"])
    assert matches(pattern, guardduty_event(7.0))
    assert matches(
        pattern, guardduty_event(8.9, "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS")
    )
    assert matches(pattern, guardduty_event(9.5, "AttackSequence:ECS/CompromisedCluster"))
    assert not matches(pattern, guardduty_event(6.9))
    assert not matches(pattern, guardduty_event(2.0))
    assert not matches(pattern, security_hub_event(security_hub_finding("CRITICAL")))
    assert target["inputTransformer"]["inputTemplate"].startswith('"PAGE: GuardDuty finding <type>')


@pytest.mark.parametrize(
    ("rule", "label"), [("securityhub-critical", "CRITICAL"), ("securityhub-high", "HIGH")]
)
def test_new_active_security_hub_findings_of_their_severity_reach_their_topic(
    bootstrap: Callable[..., Bootstrap], rule: str, label: str
) -> None:
    inputs, _ = rules_of(bootstrap())[f"tasking-manager-security-{rule}"]
    pattern = json.loads(inputs["eventPattern"])
    assert matches(pattern, security_hub_event(security_hub_finding(label)))
    other = "HIGH" if label == "CRITICAL" else "CRITICAL"
    assert not matches(pattern, security_hub_event(security_hub_finding(other)))
    assert not matches(pattern, security_hub_event(security_hub_finding("MEDIUM")))
    # Handled (notified, suppressed, resolved) or archived findings are not sent again.
    for workflow in ("NOTIFIED", "SUPPRESSED", "RESOLVED"):
        assert not matches(pattern, security_hub_event(security_hub_finding(label, workflow=workflow)))
    assert not matches(pattern, security_hub_event(security_hub_finding(label, record="ARCHIVED")))
    # GuardDuty's and Access Analyzer's findings reach Security Hub too; their own rules send them.
    for product in ("GuardDuty", "IAM Access Analyzer"):
        assert not matches(pattern, security_hub_event(security_hub_finding(label, product=product)))
    assert matches(pattern, security_hub_event(security_hub_finding(label, product="Inspector")))


def test_active_access_analyzer_findings_open_a_ticket(bootstrap: Callable[..., Bootstrap]) -> None:
    inputs, target = rules_of(bootstrap())["tasking-manager-security-access-analyzer"]
    pattern = json.loads(inputs["eventPattern"])
    assert matches(pattern, access_analyzer_event("ACTIVE"))
    assert not matches(pattern, access_analyzer_event("ARCHIVED"))
    assert not matches(pattern, access_analyzer_event("RESOLVED"))
    assert target["inputTransformer"]["inputTemplate"].startswith('"TICKET: IAM Access Analyzer')


def test_critical_findings_page_and_the_rest_are_tickets(bootstrap: Callable[..., Bootstrap]) -> None:
    result = bootstrap()
    topics = {
        t.outputs["arn"]: t.inputs["name"]
        for t in _inside(result, "FindingRouting").of_type("aws:sns/topic:Topic")
    }
    routes = {
        name.removeprefix("tasking-manager-security-"): topics[target["arn"]]
        for name, (_, target) in rules_of(result).items()
    }
    assert routes == {
        "guardduty": "tasking-manager-security-page",
        "securityhub-critical": "tasking-manager-security-page",
        "securityhub-high": "tasking-manager-security-findings",
        "access-analyzer": "tasking-manager-security-findings",
    }
    # Without paging everything is a ticket on the findings topic, and says so.
    quiet = bootstrap_run(**{"security.paging": False})
    assert [t.inputs["name"] for t in _inside(quiet, "FindingRouting").of_type("aws:sns/topic:Topic")] == [
        "tasking-manager-security-findings"
    ]
    for _, target in rules_of(quiet).values():
        assert target["inputTransformer"]["inputTemplate"].startswith('"TICKET: ')
    (root_use,) = [
        a
        for a in _inside(quiet, "AuditTrail").of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if "root" in a.name
    ]
    assert root_use.inputs["alarmDescription"].startswith("TICKET: ")


def test_the_rules_and_targets_fit_eventbridge_s_api_model(bootstrap: Callable[..., Bootstrap]) -> None:
    for name, (rule, target) in rules_of(bootstrap()).items():
        _validate(
            MODELS["events"],
            "PutRule",
            {"Name": rule["name"], "EventPattern": rule["eventPattern"], "Description": rule["description"]},
        )
        transformer = target["inputTransformer"]
        _validate(
            MODELS["events"],
            "PutTargets",
            {
                "Rule": rule["name"],
                "Targets": [
                    {
                        "Id": "findings",
                        "Arn": target["arn"],
                        "InputTransformer": {
                            "InputPathsMap": transformer["inputPaths"],
                            "InputTemplate": transformer["inputTemplate"],
                        },
                    }
                ],
            },
        )
        template = json.loads(transformer["inputTemplate"])
        assert set(re.findall(r"<([a-z]+)>", template)) == set(transformer["inputPaths"]), name
        assert "docs/operations/security.md#" in template, name


def test_the_topics_are_encrypted_and_only_this_account_s_rules_and_alarms_publish(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    result = bootstrap()
    routing = _inside(result, "FindingRouting")
    key = _inside(result, "SecurityKey").one("aws:kms/key:Key").outputs["arn"]
    topics = routing.of_type("aws:sns/topic:Topic")
    assert {t.inputs["kmsMasterKeyId"] for t in topics} == {key}
    for policy in routing.of_type("aws:sns/topicPolicy:TopicPolicy"):
        document = json.loads(policy.inputs["policy"])
        publishers = next(
            s for s in document["Statement"] if s["Sid"] == "RulesAndAlarmsOfThisAccountPublish"
        )
        assert publishers["Principal"] == {"Service": ["events.amazonaws.com", "cloudwatch.amazonaws.com"]}
        assert publishers["Action"] == "sns:Publish"
        assert publishers["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    subscriptions = {
        (s.inputs["protocol"], s.inputs["endpoint"])
        for s in routing.of_type("aws:sns/topicSubscription:TopicSubscription")
    }
    assert subscriptions == {("email", "sysadmin@hotosm.org")}


# -- turning parts off ---------------------------------------------------------------------------
def test_a_part_turned_off_is_not_declared_and_nothing_is_when_all_are() -> None:
    result = bootstrap_run(**ALL_OFF)
    baseline = [
        r
        for r in result.resources
        if r.type.startswith("tm:bootstrap:")
        and r.type
        not in (
            "tm:bootstrap:StateBackend",
            "tm:bootstrap:GitHubRoles",
        )
    ]
    assert baseline == []
    for token in ("aws:cloudtrail/trail:Trail", "aws:guardduty/detector:Detector", "aws:sns/topic:Topic"):
        assert result.of_type(token) == []
    assert "findingTopicArns" not in result.outputs


# -- the CI roles cannot reach it --------------------------------------------------------------------
@pytest.mark.parametrize("role", ["prod", "staging", "dev", "review", "preview", "drift"])
def test_no_ci_role_can_blind_the_trail_or_silence_the_findings(
    bootstrap: Callable[..., Bootstrap], role: str
) -> None:
    result = bootstrap()
    policies = result.role_policies(role)
    key = _inside(result, "SecurityKey").one("aws:kms/key:Key").outputs["arn"]
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:tasking-manager-security-page"
    # Whatever the tags say: a role may re-tag what it cannot otherwise touch.
    tagged = {"aws:ResourceTag/Environment": role}
    refused = [
        ("s3:DeleteObject", f"arn:aws:s3:::{LOGS_BUCKET}/AWSLogs/{ACCOUNT}/CloudTrail/x"),
        ("s3:PutBucketPolicy", f"arn:aws:s3:::{LOGS_BUCKET}"),
        ("s3:PutLifecycleConfiguration", f"arn:aws:s3:::{LOGS_BUCKET}"),
        ("logs:DeleteLogGroup", f"{LOG_GROUP_ARN}:*"),
        ("logs:DeleteMetricFilter", LOG_GROUP_ARN),
        ("sns:SetTopicAttributes", topic),
        ("sns:Subscribe", topic),
        ("events:DisableRule", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/tasking-manager-security-guardduty"),
        (
            "events:RemoveTargets",
            f"arn:aws:events:{REGION}:{ACCOUNT}:rule/tasking-manager-security-guardduty",
        ),
        (
            "cloudwatch:DisableAlarmActions",
            f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:tasking-manager-security-root-account-use",
        ),
        ("kms:ScheduleKeyDeletion", key),
        ("kms:PutKeyPolicy", key),
        ("kms:Decrypt", key),
        ("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/tasking-manager-security-cloudtrail-logs"),
        ("iam:TagRole", f"arn:aws:iam::{ACCOUNT}:role/tasking-manager-security-cloudtrail-logs"),
        ("cloudtrail:StopLogging", TRAIL_ARN),
        ("guardduty:DeleteDetector", f"arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/abc"),
        ("securityhub:DisableSecurityHub", f"arn:aws:securityhub:{REGION}:{ACCOUNT}:hub/default"),
        ("config:StopConfigurationRecorder", "*"),
        (
            "access-analyzer:DeleteAnalyzer",
            f"arn:aws:access-analyzer:{REGION}:{ACCOUNT}:analyzer/tasking-manager-security",
        ),
    ]
    assert [(action, arn) for action, arn in refused if allowed(policies, action, arn, tagged)] == []
    cluster = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/tasking-manager-{role}"
    opt_out = {**tagged, "aws:RequestTag/GuardDutyManaged": "false", "aws:TagKeys": ["GuardDutyManaged"]}
    assert not allowed(policies, "ecs:TagResource", cluster, opt_out)


def test_review_apps_tasks_may_pull_guardduty_s_agent_within_their_boundary(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    boundary = [bootstrap().boundary()]
    agent = f"arn:aws:ecr:{REGION}:593207742271:repository/aws-guardduty-agent-fargate"
    assert allowed(boundary, "ecr:BatchGetImage", agent)
    assert not allowed(boundary, "ecr:BatchGetImage", f"arn:aws:ecr:{REGION}:593207742271:repository/other")


# -- the usage it is priced with -------------------------------------------------------------------
def _running_vcpus(stack: str) -> float:
    """The vCPUs a stack's services run at their minimum task count (task size x count)."""
    plan = plan_for(stack)
    total = 0.0
    for service in plan.of_type("aws:ecs/service:Service"):
        (task_urn,) = service.property_dependencies["taskDefinition"]
        task: Registration = plan.by_urn(task_urn)
        minimum = [
            t.inputs["minCapacity"]
            for t in plan.of_type("aws:appautoscaling/target:Target")
            if service.urn in t.property_dependencies.get("resourceId", [])
        ]
        total += float(task.inputs["cpu"]) / 1024 * max([service.inputs.get("desiredCount", 0), *minimum])
    return total


def test_the_runtime_monitoring_assumption_covers_what_the_stacks_run() -> None:
    """prod and dev at their minimum, with room for a few review apps of the review profile."""
    assumed = AccountUsage().runtime_monitored_vcpus
    stacks = _running_vcpus("prod") + _running_vcpus("dev")
    review_app = _running_vcpus("review-pr-123")
    assert stacks + review_app <= assumed <= stacks + 6 * review_app, (stacks, review_app)


# -- docs/operations/security.md -----------------------------------------------------------------
def test_the_table_of_security_hub_controls_is_current() -> None:
    text = SECURITY_DOC.read_text()
    generated = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert generated == "\n" + fsbp_table(), "docs/operations/security.md is stale: run `make docs`"
    assert security_doc(text) == text


def test_every_fsbp_control_the_packs_check_is_recorded_for_security_hub() -> None:
    """What the packs check before deployment, Security Hub checks after: from what Config records
    (NIST-only controls are not in the FSBP subscription)."""
    controls = fsbp_controls()
    assert len(controls) > 50
    unrecorded = [c.id for c in controls if "(NIST)" not in c.qualifiers and not recorded_types(c.id)]
    assert unrecorded == []


def test_the_table_reads_the_packs_way_of_citing_controls() -> None:
    controls = fsbp_controls(
        [
            ("pack", "b-policy", "FSBP S3.8"),
            ("pack", "a-policy", "FSBP S3.8"),
            ("pack", "c-policy", "FSBP ELB.17 [3P]"),
            ("pack", "c-policy", "CKV_AWS_103"),
            ("pack", "d-policy", "FSBP S3.12"),
        ]
    )
    assert [c.id for c in controls] == ["ELB.17", "S3.8", "S3.12"]
    table = fsbp_table(controls)
    assert "| S3.8 | `a-policy` (pack)<br>`b-policy` (pack) | `AWS::S3::Bucket` |  |" in table
    assert (
        "| ELB.17 | `c-policy` (pack) | `AWS::ElasticLoadBalancingV2::Listener` | id from third-party"
        in table
    )
    with pytest.raises(ValueError, match="unknown qualifier"):
        fsbp_controls([("pack", "p", "FSBP S3.8 (maybe)")])


def test_the_monthly_cost_of_each_part_in_the_runbook_is_the_model_s(
    bootstrap: Callable[..., Bootstrap],
) -> None:
    cost = estimate_bootstrap(bootstrap().plan)
    by_component = {c.split(" (")[0]: round(usd, 2) for c, usd in cost.by_component()}
    stated = dict(re.findall(r"`([a-z-]+)` \$([0-9.]+)", SECURITY_DOC.read_text()))
    assert stated  # the table of parts names each component and its monthly cost
    assert {name: float(usd) for name, usd in stated.items()} == {name: by_component[name] for name in stated}
    baseline = sum(usd for name, usd in by_component.items() if name not in ("state", "github"))
    assert f"**${baseline:,.2f} a month**" in SECURITY_DOC.read_text()
    assert f"add ${by_component['state']:,.2f}" in SECURITY_DOC.read_text()


def test_make_plan_stack_bootstrap_prints_the_baseline_and_its_cost(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["plan", "bootstrap", "--json", "--set", "bootstrap:security.guardDuty=false"]) == 0
    document = json.loads(capsys.readouterr().out)
    types = {r["type"] for r in document["resources"]}
    assert "aws:cloudtrail/trail:Trail" in types
    assert "aws:guardduty/detector:Detector" not in types
    assert "guardduty (tm:bootstrap:GuardDuty)" not in {
        c["component"] for c in document["cost"]["components"]
    }
    assert cli.main(["plan", "bootstrap"]) == 0
    text = capsys.readouterr().out
    assert "Offline plan of the bootstrap" in text
    assert "(on-demand list prices, usage from bootstrap:usage)" in text
    assert "guardduty (tm:bootstrap:GuardDuty)" in text
    assert "Usage assumed: managementEventsPerMonth=500000" in text
    assert cli.main(["plan", "bootstrap", "--set", "bootstrap:security.paging=sometimes"]) == 2
    assert "bootstrap:security.paging = 'sometimes'" in capsys.readouterr().err
