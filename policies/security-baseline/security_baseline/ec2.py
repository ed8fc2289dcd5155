"""EC2 instances (dev's optional NAT instance): IMDSv2 only, no public address, encrypted volumes."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs, Severity

from .framework import ResourcePolicy, config_value, is_false, is_true

INSTANCE = "aws:ec2/instance:Instance"
AWS_MANAGED_EBS_KEY = "alias/aws/ebs"


def _imdsv2(args: ResourceValidationArgs) -> Iterator[str]:
    options = args.props.get("metadataOptions") or {}
    if options.get("httpEndpoint") == "disabled":
        return  # no metadata service at all
    tokens = options.get("httpTokens")
    if tokens != "required":
        yield (
            f"metadataOptions.httpTokens is {tokens or 'unset (optional)'}: IMDSv1 hands the instance's "
            "credentials to any request from it, a forged one included; set it to required"
        )


ec2_imdsv2_required = ResourcePolicy(
    name="ec2-imdsv2-required",
    summary="Instances answer metadata requests only with IMDSv2 session tokens",
    controls=("FSBP EC2.8", "CKV_AWS_79"),
    severity=Severity.HIGH,
    resource_types=(INSTANCE,),
    unset="metadataOptions.httpTokens unset: optional (IMDSv1 allowed) unless the image requires v2",
    check=_imdsv2,
)

_NAT_INSTANCE = {
    "natInstancePublicIp": {
        "type": "boolean",
        "default": False,
        "description": "Whether a NAT instance (source/destination check off) may have the public address "
        "its traffic leaves by (tm:network.natGateways: instance, dev only)",
    }
}


def _public_ip(args: ResourceValidationArgs) -> Iterator[str]:
    if not is_true(args.props.get("associatePublicIpAddress")):
        return
    # The one documented exception: a NAT instance's address is its way out, where allowed.
    if is_false(args.props.get("sourceDestCheck")) and config_value(
        args, "natInstancePublicIp", _NAT_INSTANCE
    ):
        return
    yield (
        "associatePublicIpAddress is true: the instance can be reached from the internet by address; "
        "only a NAT instance may have one, in an environment whose config sets natInstancePublicIp"
    )


ec2_no_public_ip = ResourcePolicy(
    name="ec2-no-public-ip",
    summary="Instances have no public IPv4 address, except a NAT instance where the environment allows it",
    controls=("FSBP EC2.9", "CKV_AWS_88"),
    severity=Severity.HIGH,
    resource_types=(INSTANCE,),
    unset="associatePublicIpAddress unset: the subnet's mapPublicIpOnLaunch (off, subnet-no-auto-public-ip)",
    check=_public_ip,
    config=_NAT_INSTANCE,
)


def _volumes_encrypted(args: ResourceValidationArgs) -> Iterator[str]:
    root = args.props.get("rootBlockDevice") or {}
    if not is_true(root.get("encrypted")):
        yield "rootBlockDevice.encrypted is not true: the root volume and its snapshots are unencrypted"
    elif not root.get("kmsKeyId") or str(root.get("kmsKeyId")) == AWS_MANAGED_EBS_KEY:
        yield "the root volume is encrypted with the AWS-managed aws/ebs key; name the stack's key (kmsKeyId)"
    for index, device in enumerate(args.props.get("ebsBlockDevices") or []):
        if not is_true(device.get("encrypted")):
            yield f"ebsBlockDevices[{index}].encrypted is not true: that volume is unencrypted"


ec2_volumes_encrypted = ResourcePolicy(
    name="ec2-volumes-encrypted",
    summary="An instance's volumes are encrypted, its root volume with a customer-managed KMS key",
    controls=("FSBP EC2.3", "CKV_AWS_8"),
    severity=Severity.MEDIUM,
    resource_types=(INSTANCE,),
    unset="encrypted unset: false, unless the account encrypts new volumes by default (FSBP EC2.7)",
    check=_volumes_encrypted,
)

POLICIES = [ec2_imdsv2_required, ec2_no_public_ip, ec2_volumes_encrypted]
