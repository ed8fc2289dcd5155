"""Fixtures of the EC2 instance policies: dev's NAT instance as the program makes it."""

from security_baseline import ec2

from tests.policies.harness import DELETE, Case

INSTANCE = "aws:ec2/instance:Instance"
_NAT_INSTANCE = {
    "instanceType": "t4g.nano",
    "subnetId": "subnet-public-1",
    "associatePublicIpAddress": True,
    "sourceDestCheck": False,
    "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1.0},
    "rootBlockDevice": {
        "encrypted": True,
        "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k",
        "volumeSize": 8.0,
    },
}

CASES = [
    Case(
        ec2.ec2_imdsv2_required,
        INSTANCE,
        _NAT_INSTANCE,
        [
            ({"metadataOptions.httpTokens": "optional"}, "httpTokens is optional"),
            ({"metadataOptions.httpTokens": DELETE}, "httpTokens is unset (optional)"),
        ],
    ),
    # dev allows a NAT instance its address; a router that checks source and destination is no NAT.
    Case(
        ec2.ec2_no_public_ip,
        INSTANCE,
        _NAT_INSTANCE,
        [
            ({"sourceDestCheck": True}, "associatePublicIpAddress is true"),
            ({"sourceDestCheck": DELETE}, "associatePublicIpAddress is true"),
        ],
        config={"natInstancePublicIp": True},
        name="a NAT instance where allowed",
    ),
    # Elsewhere (prod, review: the default) not even a NAT instance may have one.
    Case(
        ec2.ec2_no_public_ip,
        INSTANCE,
        {**_NAT_INSTANCE, "associatePublicIpAddress": False},
        [({"associatePublicIpAddress": True}, "only a NAT instance may have one")],
        name="a NAT instance where not allowed",
    ),
    Case(
        ec2.ec2_volumes_encrypted,
        INSTANCE,
        {**_NAT_INSTANCE, "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True}]},
        [
            ({"rootBlockDevice.encrypted": False}, "rootBlockDevice.encrypted is not true"),
            ({"rootBlockDevice.kmsKeyId": DELETE}, "AWS-managed aws/ebs key"),
            ({"rootBlockDevice.kmsKeyId": "alias/aws/ebs"}, "AWS-managed aws/ebs key"),
            ({"ebsBlockDevices.0.encrypted": DELETE}, "ebsBlockDevices[0].encrypted is not true"),
        ],
    ),
]
