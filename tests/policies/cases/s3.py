"""Fixtures of the S3 policies (the access-log bucket and its settings resources)."""

from security_baseline import s3

from tests.policies.harness import DELETE, Case, StackCase

BUCKET = "aws:s3/bucket:Bucket"
NAME = "tm-access-logs"
_TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "LoadBalancerWrites",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::127311923021:root"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{NAME}/AWSLogs/*",
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{NAME}", f"arn:aws:s3:::{NAME}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ],
}
_BLOCK = {
    "bucket": NAME,
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}

CASES = [
    StackCase(
        s3.s3_bucket_public_access_block,
        {
            "logs": (BUCKET, {"id": NAME, "bucket": NAME}),
            "block": ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", dict(_BLOCK)),
        },
        [
            ({"block": DELETE}, "has no BucketPublicAccessBlock"),
            ({"block.bucket": "another-bucket"}, "has no BucketPublicAccessBlock"),
            ({"block.restrictPublicBuckets": False}, "leaves restrictPublicBuckets off"),
            ({"block.blockPublicPolicy": DELETE}, "leaves blockPublicPolicy off"),
        ],
    ),
    Case(
        s3.s3_no_public_acl_or_policy,
        BUCKET,
        {"bucket": NAME},
        [({"acl": "public-read"}, "the canned ACL public-read opens")],
    ),
    Case(
        s3.s3_no_public_acl_or_policy,
        "aws:s3/bucketAclV2:BucketAclV2",
        {
            "bucket": NAME,
            "accessControlPolicy": {
                "owner": {"id": "o"},
                "grants": [{"permission": "FULL_CONTROL", "grantee": {"type": "CanonicalUser", "id": "o"}}],
            },
        },
        [
            (
                {
                    "accessControlPolicy.grants.0.grantee.uri": "http://acs.amazonaws.com/groups/global/AllUsers"
                },
                "a grant gives FULL_CONTROL to all",
            ),
            ({"acl": "authenticated-read"}, "the canned ACL authenticated-read"),
        ],
    ),
    Case(
        s3.s3_no_public_acl_or_policy,
        "aws:s3/bucketPolicy:BucketPolicy",
        {"bucket": NAME, "policy": _TLS_ONLY},
        [
            (
                {"policy.Statement.0.Principal": "*"},
                "statement LoadBalancerWrites allows anyone, with no condition",
            )
        ],
        json_props=("policy",),
    ),
    StackCase(
        s3.s3_tls_only,
        {
            "logs": (BUCKET, {"id": NAME, "bucket": NAME}),
            "policy": ("aws:s3/bucketPolicy:BucketPolicy", {"bucket": NAME, "policy": _TLS_ONLY}),
        },
        [
            ({"policy": DELETE}, "has no policy statement denying requests without TLS"),
            ({"policy.policy.Statement.1.Effect": "Allow"}, "denying requests without TLS"),
            ({"policy.bucket": "other"}, "denying requests without TLS"),
        ],
        json_props=("policy",),
    ),
    Case(
        s3.s3_bucket_encryption,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        {
            "bucket": NAME,
            "rules": [
                {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "bucketKeyEnabled": True}
            ],
        },
        [
            (
                {"rules.0.applyServerSideEncryptionByDefault.sseAlgorithm": "aws:kms"},
                "SSE-KMS with the AWS-managed aws/s3 key",
            ),
            (
                {"rules.0.applyServerSideEncryptionByDefault.sseAlgorithm": DELETE},
                "default encryption (none) is not one of",
            ),
        ],
    ),
    Case(
        s3.s3_bucket_owner_enforced,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        {"bucket": NAME, "rule": {"objectOwnership": "BucketOwnerEnforced"}},
        [({"rule.objectOwnership": "ObjectWriter"}, "objectOwnership is ObjectWriter: ACLs stay in effect")],
    ),
    StackCase(
        s3.s3_bucket_lifecycle,
        {
            "logs": ("aws:s3/bucketV2:BucketV2", {"id": NAME, "bucket": NAME}),
            "lifecycle": (
                "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
                {
                    "bucket": NAME,
                    "rules": [{"id": "expire", "status": "Enabled", "expiration": {"days": 90.0}}],
                },
            ),
        },
        [
            ({"lifecycle.rules.0.status": "Disabled"}, "has no enabled lifecycle rule"),
            ({"lifecycle": DELETE}, "has no enabled lifecycle rule"),
        ],
    ),
]
