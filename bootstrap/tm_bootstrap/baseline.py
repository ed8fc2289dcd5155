"""The account's security baseline as plain values: the names its resources take, the policies
that let AWS services write to them, what Config records, which GuardDuty protections run, and
the event patterns that route findings. Plain functions of plain values, so the tests read them
as AWS will (docs/operations/security.md says what each part is for)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .settings import PROJECT, ROLE_PREFIX

Document = dict[str, Any]

PREFIX = f"{PROJECT}-security"
KEY_ALIAS = f"alias/{PREFIX}"
TRAIL_NAME = PREFIX
TRAIL_LOG_GROUP = f"/{PREFIX}/cloudtrail"
TRAIL_ROLE = f"{PREFIX}-cloudtrail-logs"
RECORDER_NAME = PREFIX
ANALYZER_NAME = PREFIX
METRIC_NAMESPACE = "TaskingManager/Security"
RUNBOOK = "docs/operations/security.md"
FSBP = "aws-foundational-security-best-practices/v/1.0.0"


def logs_bucket_name(account_id: str) -> str:
    return f"{PREFIX}-logs-{account_id}"


def trail_arn(account_id: str, region: str, partition: str = "aws") -> str:
    return f"arn:{partition}:cloudtrail:{region}:{account_id}:trail/{TRAIL_NAME}"


def trail_log_group_arn(account_id: str, region: str, partition: str = "aws") -> str:
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:{TRAIL_LOG_GROUP}"


def fsbp_standard_arn(region: str, partition: str = "aws") -> str:
    return f"arn:{partition}:securityhub:{region}::standards/{FSBP}"


def baseline_arns(account_id: str, region: str, partition: str = "aws") -> list[str]:
    """Everything of the baseline that a CI role's service-wide actions could otherwise reach:
    the logs bucket and its files, the trail's log group, the topics, rules and alarms that carry
    findings, and the trail's delivery role. (CloudTrail, GuardDuty, Security Hub, Config and
    Access Analyzer are services no CI role is granted at all.)"""
    regional = f"{region}:{account_id}"
    bucket = f"arn:{partition}:s3:::{logs_bucket_name(account_id)}"
    return [
        bucket,
        f"{bucket}/*",
        f"arn:{partition}:logs:{regional}:log-group:/{PREFIX}/*",
        f"arn:{partition}:sns:{regional}:{PREFIX}-*",
        f"arn:{partition}:events:{regional}:rule/{PREFIX}-*",
        f"arn:{partition}:cloudwatch:{regional}:alarm:{PREFIX}-*",
        f"arn:{partition}:iam::{account_id}:role/{PREFIX}-*",
    ]


def _document(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# -- the key -----------------------------------------------------------------------------------
def security_key_policy(
    account_id: str, region: str, *, trail: bool, config: bool, topics: bool, partition: str = "aws"
) -> Document:
    """The baseline's own key, not a bootstrap key: CI roles may use those through S3, and the
    audit trail must stay out of their reach. The account administers it through IAM; each AWS
    service that encrypts on its own behalf is named, bound to this account and, where it
    can be, to the one resource it writes."""
    source_account = {"StringEquals": {"aws:SourceAccount": account_id}}
    statements: list[Document] = [
        {
            "Sid": "AccountAdministersKeyThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if trail:
        this_trail = {"StringEquals": {"aws:SourceArn": trail_arn(account_id, region, partition)}}
        statements += [
            {
                # CloudTrail's documented key policy, bound to our trail (aws:SourceArn).
                "Sid": "CloudTrailEncryptsTheTrailsLogFiles",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {
                    **this_trail,
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": (
                            f"arn:{partition}:cloudtrail:*:{account_id}:trail/*"
                        )
                    },
                },
            },
            {
                "Sid": "CloudTrailDescribesTheKey",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:DescribeKey",
                "Resource": "*",
                "Condition": this_trail,
            },
            {
                "Sid": "CloudWatchLogsEncryptsTheTrailsGroup",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                "Resource": "*",
                "Condition": {
                    "ArnEquals": {
                        "kms:EncryptionContext:aws:logs:arn": trail_log_group_arn(
                            account_id, region, partition
                        )
                    }
                },
            },
        ]
    if config:
        statements.append(
            {
                "Sid": "ConfigEncryptsItsDeliveries",
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "*",
                "Condition": source_account,
            }
        )
    if topics:
        statements.append(
            {
                # Encrypted topics: the publishing service needs the key (EventBridge rules, alarms).
                "Sid": "RulesAndAlarmsPublishToTheEncryptedTopics",
                "Effect": "Allow",
                "Principal": {"Service": list(TOPIC_PUBLISHERS)},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": source_account,
            }
        )
    return _document(*statements)


# -- the logs bucket ---------------------------------------------------------------------------
def logs_bucket_policy(
    account_id: str, region: str, *, trail: bool, config: bool, partition: str = "aws"
) -> Document:
    """TLS only; CloudTrail and Config write their files under AWSLogs/<account>/, each bound to
    this account (Config) or to our trail (CloudTrail), as their user guides document."""
    bucket = f"arn:{partition}:s3:::{logs_bucket_name(account_id)}"
    owner_full_control = {"s3:x-amz-acl": "bucket-owner-full-control"}
    statements: list[Document] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket, f"{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    if trail:
        this_trail = {"aws:SourceArn": trail_arn(account_id, region, partition)}
        cloudtrail = {"Service": "cloudtrail.amazonaws.com"}
        statements += [
            {
                "Sid": "CloudTrailChecksTheBucketAcl",
                "Effect": "Allow",
                "Principal": cloudtrail,
                "Action": "s3:GetBucketAcl",
                "Resource": bucket,
                "Condition": {"StringEquals": this_trail},
            },
            {
                "Sid": "CloudTrailWritesItsLogFiles",
                "Effect": "Allow",
                "Principal": cloudtrail,
                "Action": "s3:PutObject",
                "Resource": f"{bucket}/AWSLogs/{account_id}/*",
                "Condition": {"StringEquals": {**owner_full_control, **this_trail}},
            },
        ]
    if config:
        this_account = {"aws:SourceAccount": account_id}
        aws_config = {"Service": "config.amazonaws.com"}
        statements += [
            {
                "Sid": "ConfigChecksTheBucket",
                "Effect": "Allow",
                "Principal": aws_config,
                "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                "Resource": bucket,
                "Condition": {"StringEquals": this_account},
            },
            {
                "Sid": "ConfigWritesItsFiles",
                "Effect": "Allow",
                "Principal": aws_config,
                "Action": "s3:PutObject",
                "Resource": f"{bucket}/AWSLogs/{account_id}/Config/*",
                "Condition": {"StringEquals": {**owner_full_control, **this_account}},
            },
        ]
    return _document(*statements)


# -- the trail's delivery to CloudWatch Logs ---------------------------------------------------
def trail_role_trust(account_id: str, region: str, partition: str = "aws") -> Document:
    """Only CloudTrail, for our trail (confused deputy)."""
    return _document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": account_id,
                    "aws:SourceArn": trail_arn(account_id, region, partition),
                }
            },
        }
    )


def trail_role_policy(account_id: str, region: str, partition: str = "aws") -> Document:
    """Write the trail's streams (one per region: `<account>_CloudTrail_<region>`) and no more."""
    group = trail_log_group_arn(account_id, region, partition)
    return _document(
        {
            "Sid": "WriteTheTrailsStreams",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{group}:log-stream:{account_id}_CloudTrail_*",
        }
    )


# CIS CloudWatch.1: the root user signed in or called an API itself (not a service on its behalf).
ROOT_USE_PATTERN = (
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
    '&& $.eventType != "AwsServiceEvent" }'
)
# CIS CloudWatch.4's IAM policy changes, and changes to roles, made by anyone but the CI roles:
# their IAM changes are the reviewed program's (each deploy and review app makes some), fenced
# by their own policies; anyone else's is worth a look.
IAM_CHANGE_EVENTS = (
    "DeleteGroupPolicy",
    "DeleteRolePolicy",
    "DeleteUserPolicy",
    "PutGroupPolicy",
    "PutRolePolicy",
    "PutUserPolicy",
    "CreatePolicy",
    "DeletePolicy",
    "CreatePolicyVersion",
    "DeletePolicyVersion",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "AttachGroupPolicy",
    "DetachGroupPolicy",
    "CreateRole",
    "DeleteRole",
    "UpdateAssumeRolePolicy",
    "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
)
_ISSUER = "$.userIdentity.sessionContext.sessionIssuer.userName"
IAM_CHANGES_PATTERN = (
    "{ ("
    + " || ".join(f"($.eventName = {event})" for event in IAM_CHANGE_EVENTS)
    + f') && ({_ISSUER} NOT EXISTS || {_ISSUER} != "{ROLE_PREFIX}-*") }}'
)


# -- what Config records -----------------------------------------------------------------------
# The resource types the FSBP controls of the services the stacks use evaluate ("Required AWS
# Config resources for control findings" in the Security Hub user guide), with those controls
# (docs/operations/security.md lists them against the policy packs). Not recorded: CloudWatch
# Logs (FSBP has no control on log groups), network interfaces (every Fargate task makes and drops
# one: the noisiest, costliest type, and no FSBP control reads it).
CONFIG_RESOURCE_TYPES: dict[str, tuple[str, ...]] = {
    "AWS::ACM::Certificate": ("ACM.1", "ACM.2"),
    "AWS::Backup::RecoveryPoint": ("Backup.1",),
    "AWS::CloudTrail::Trail": ("CloudTrail.2", "CloudTrail.4", "CloudTrail.5"),
    # Only dev's optional NAT instance and its root volume: Fargate tasks make no instances.
    "AWS::EC2::Instance": ("EC2.8", "EC2.9"),
    "AWS::EC2::NetworkAcl": ("EC2.21",),
    "AWS::EC2::SecurityGroup": ("EC2.2", "EC2.13", "EC2.14", "EC2.18", "EC2.19"),
    "AWS::EC2::Subnet": ("EC2.15",),
    "AWS::EC2::Volume": ("EC2.3",),
    "AWS::EC2::VPC": ("EC2.6",),
    "AWS::ECR::Repository": ("ECR.1", "ECR.2", "ECR.3"),
    "AWS::ECS::Cluster": ("ECS.12",),
    "AWS::ECS::Service": ("ECS.2", "ECS.10"),
    "AWS::ECS::TaskDefinition": ("ECS.1", "ECS.3", "ECS.4", "ECS.5", "ECS.8", "ECS.9"),
    "AWS::ElasticLoadBalancingV2::Listener": ("ELB.17", "ELB.18"),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": (
        "ELB.1",
        "ELB.4",
        "ELB.5",
        "ELB.6",
        "ELB.12",
        "ELB.13",
        "ELB.16",
    ),
    "AWS::IAM::Group": ("KMS.2",),
    "AWS::IAM::Policy": ("IAM.1", "IAM.21", "KMS.1"),
    "AWS::IAM::Role": ("KMS.2",),
    "AWS::IAM::User": ("IAM.2", "IAM.3", "IAM.5", "IAM.8", "KMS.2"),
    "AWS::KMS::Key": ("KMS.3", "KMS.4", "KMS.5"),
    # Aurora clusters (tm:database.engine auroraServerless); nothing is recorded while there is none.
    "AWS::RDS::DBCluster": ("RDS.7", "RDS.12", "RDS.15", "RDS.16", "RDS.24", "RDS.27", "RDS.35", "RDS.37"),
    "AWS::RDS::DBInstance": (
        "RDS.2",
        "RDS.3",
        "RDS.5",
        "RDS.6",
        "RDS.8",
        "RDS.9",
        "RDS.10",
        "RDS.11",
        "RDS.13",
        "RDS.17",
        "RDS.18",
        "RDS.25",
        "RDS.26",
        "RDS.36",
        "RDS.38",
    ),
    "AWS::RDS::DBSnapshot": ("RDS.1", "RDS.4"),
    "AWS::S3::AccountPublicAccessBlock": ("S3.1",),
    "AWS::S3::Bucket": ("S3.2", "S3.3", "S3.5", "S3.8", "S3.12", "S3.13", "S3.17"),
    "AWS::SecretsManager::Secret": (
        "SecretsManager.1",
        "SecretsManager.2",
        "SecretsManager.3",
        "SecretsManager.4",
    ),
    "AWS::WAFv2::WebACL": ("WAF.10", "WAF.11", "WAF.12"),
}


# -- GuardDuty's protections -------------------------------------------------------------------
# Each feature stated, so the bill does not depend on what a new detector happens to turn on:
# runtime monitoring of the Fargate tasks (GuardDuty manages the agent), S3 and RDS login
# protection for the buckets and database the stacks have; no EKS, EC2 or Lambda here.
GUARDDUTY_FEATURES: dict[str, tuple[bool, dict[str, bool]]] = {
    "RUNTIME_MONITORING": (
        True,
        {"ECS_FARGATE_AGENT_MANAGEMENT": True, "EC2_AGENT_MANAGEMENT": False, "EKS_ADDON_MANAGEMENT": False},
    ),
    "S3_DATA_EVENTS": (True, {}),
    "RDS_LOGIN_EVENTS": (True, {}),
    "EKS_AUDIT_LOGS": (False, {}),
    "EBS_MALWARE_PROTECTION": (False, {}),
    "LAMBDA_NETWORK_LOGS": (False, {}),
}


# -- routing findings --------------------------------------------------------------------------
TOPIC_PUBLISHERS = ("events.amazonaws.com", "cloudwatch.amazonaws.com")
# GuardDuty's "High" starts at 7.0 (its user guide: "take immediate remediation steps").
GUARDDUTY_PAGE_SEVERITY = 7
# Findings that arrive through Security Hub but have their own rule: one e-mail per finding.
ROUTED_ELSEWHERE = ("GuardDuty", "IAM Access Analyzer")


def guardduty_pattern(minimum_severity: float = GUARDDUTY_PAGE_SEVERITY) -> Document:
    """GuardDuty findings of at least this severity (the event is the finding, in `detail`)."""
    return {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [{"numeric": [">=", minimum_severity]}]},
    }


def security_hub_pattern(labels: Sequence[str]) -> Document:
    """Security Hub findings of these severity labels that nobody has looked at yet (workflow
    NEW) and that still hold (record ACTIVE); a check that keeps failing is re-sent until its
    workflow status changes. GuardDuty's and Access Analyzer's own findings are left to their
    rules."""
    return {
        "source": ["aws.securityhub"],
        "detail-type": ["Security Hub Findings - Imported"],
        "detail": {
            "findings": {
                "Severity": {"Label": list(labels)},
                "Workflow": {"Status": ["NEW"]},
                "RecordState": ["ACTIVE"],
                "ProductName": [{"anything-but": list(ROUTED_ELSEWHERE)}],
            }
        },
    }


def access_analyzer_pattern() -> Document:
    """Active external-access findings of the account's analyzer."""
    return {
        "source": ["aws.access-analyzer"],
        "detail-type": ["Access Analyzer Finding"],
        "detail": {"status": ["ACTIVE"]},
    }


def topic_policy(topic_arn: str, account_id: str) -> Document:
    """The account manages the topic; EventBridge rules and CloudWatch alarms of this account
    publish to it."""
    return _document(
        {
            "Sid": "AccountManagesTopic",
            "Effect": "Allow",
            "Principal": {"AWS": account_id},
            "Action": [
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:ListSubscriptionsByTopic",
                "sns:Publish",
            ],
            "Resource": topic_arn,
        },
        {
            "Sid": "RulesAndAlarmsOfThisAccountPublish",
            "Effect": "Allow",
            "Principal": {"Service": list(TOPIC_PUBLISHERS)},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        },
    )
