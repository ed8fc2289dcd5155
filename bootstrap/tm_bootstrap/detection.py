"""The account's detectors: GuardDuty (threats), AWS Config and Security Hub (posture against AWS's
Foundational Security Best Practices) and IAM Access Analyzer (access from outside the account).
One small component each, so that the cost estimate shows each part."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .baseline import (
    ANALYZER_NAME,
    CONFIG_RESOURCE_TYPES,
    GUARDDUTY_FEATURES,
    RECORDER_NAME,
    fsbp_standard_arn,
)


def _status(enabled: bool) -> str:
    return "ENABLED" if enabled else "DISABLED"


class GuardDuty(pulumi.ComponentResource):
    """`tm:bootstrap:GuardDuty`: the region's detector and each of its protections, stated
    (GUARDDUTY_FEATURES); runtime monitoring of Fargate tasks with the agent GuardDuty manages."""

    detector: aws.guardduty.Detector
    features: dict[str, aws.guardduty.DetectorFeature]

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:bootstrap:GuardDuty", name, None, opts)
        self.detector = aws.guardduty.Detector(
            name,
            enable=True,
            # Updates of an existing finding reach EventBridge within 15 minutes, not 6 hours.
            finding_publishing_frequency="FIFTEEN_MINUTES",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.features = {}
        previous: pulumi.Resource = self.detector
        for feature, (enabled, agents) in GUARDDUTY_FEATURES.items():
            # One at a time: GuardDuty refuses concurrent updates of one detector.
            previous = self.features[feature] = aws.guardduty.DetectorFeature(
                f"{name}-{feature.lower().replace('_', '-')}",
                detector_id=self.detector.id,
                name=feature,
                status=_status(enabled),
                additional_configurations=[
                    aws.guardduty.DetectorFeatureAdditionalConfigurationArgs(name=agent, status=_status(on))
                    for agent, on in agents.items()
                ],
                opts=pulumi.ResourceOptions(parent=self, depends_on=[previous]),
            )
        self.register_outputs({"detectorId": self.detector.id})


@dataclass(frozen=True)
class ConfigRecorderArgs:
    bucket_name: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    # Config checks the bucket policy when the delivery channel is made.
    depends_on: pulumi.Input[pulumi.Resource]


class ConfigRecorder(pulumi.ComponentResource):
    """`tm:bootstrap:ConfigRecorder`: AWS Config recording the resource types Security Hub's
    controls read (CONFIG_RESOURCE_TYPES), continuously, through Config's service-linked role
    (Security Hub's Config.1 fails a recorder with any other role), delivering to the
    security-logs bucket encrypted with the baseline's key."""

    recorder: aws.cfg.Recorder
    status: aws.cfg.RecorderStatus

    def __init__(
        self, name: str, args: ConfigRecorderArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tm:bootstrap:ConfigRecorder", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.ServiceLinkedRole(name, aws_service_name="config.amazonaws.com", opts=child)
        self.recorder = aws.cfg.Recorder(
            name,
            name=RECORDER_NAME,
            role_arn=role.arn,
            recording_group=aws.cfg.RecorderRecordingGroupArgs(
                all_supported=False,
                include_global_resource_types=False,
                recording_strategies=[
                    aws.cfg.RecorderRecordingGroupRecordingStrategyArgs(
                        use_only="INCLUSION_BY_RESOURCE_TYPES"
                    )
                ],
                resource_types=list(CONFIG_RESOURCE_TYPES),
            ),
            recording_mode=aws.cfg.RecorderRecordingModeArgs(recording_frequency="CONTINUOUS"),
            opts=child,
        )
        channel = aws.cfg.DeliveryChannel(
            name,
            name=RECORDER_NAME,
            s3_bucket_name=args.bucket_name,
            s3_kms_key_arn=args.key_arn,
            snapshot_delivery_properties=aws.cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs(
                delivery_frequency="TwentyFour_Hours"
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.recorder, args.depends_on]),
        )
        self.status = aws.cfg.RecorderStatus(
            name,
            name=self.recorder.name,
            is_enabled=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[channel]),
        )
        self.register_outputs({"recorderName": self.recorder.name})


@dataclass(frozen=True)
class SecurityHubArgs:
    region: str
    # Control findings need Config recording; subscribe once it records.
    depends_on: list[pulumi.Resource]


class SecurityHub(pulumi.ComponentResource):
    """`tm:bootstrap:SecurityHub`: Security Hub (CSPM) with the FSBP standard only (not its default
    pair of standards), one finding per control across standards, new controls enabled as AWS
    adds them."""

    account: aws.securityhub.Account
    standard: aws.securityhub.StandardsSubscription

    def __init__(self, name: str, args: SecurityHubArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:bootstrap:SecurityHub", name, None, opts)
        self.account = aws.securityhub.Account(
            name,
            enable_default_standards=False,
            control_finding_generator="SECURITY_CONTROL",
            auto_enable_controls=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=args.depends_on),
        )
        self.standard = aws.securityhub.StandardsSubscription(
            f"{name}-fsbp",
            standards_arn=fsbp_standard_arn(args.region),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.account]),
        )
        self.register_outputs({"standardArn": self.standard.standards_arn})


class AccessAnalyzer(pulumi.ComponentResource):
    """`tm:bootstrap:AccessAnalyzer`: the account's external-access analyzer (free): a finding for
    each resource policy that lets a principal outside the account in."""

    analyzer: aws.accessanalyzer.Analyzer

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:bootstrap:AccessAnalyzer", name, None, opts)
        self.analyzer = aws.accessanalyzer.Analyzer(
            name, analyzer_name=ANALYZER_NAME, type="ACCOUNT", opts=pulumi.ResourceOptions(parent=self)
        )
        self.register_outputs({"analyzerArn": self.analyzer.arn})
