"""The public entry to the API: an HTTPS-only Application Load Balancer, its logs, WAF and DNS."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.backend_tasks import target_group_health_check
from components.certificates import dns_validated_certificate
from components.provider import AwsScope
from components.settings import LoadBalancerSettings
from components.waf import web_acl_rules

# TLS 1.3 with TLS 1.2 fallback for older clients, forward secrecy only (FSBP ELB.17 list).
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# Regions opened before August 2022 deliver access logs as the region's ELB account, later ones as
# the log-delivery service principal (Elastic Load Balancing user guide, "Enable access logs").
ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "ca-central-1": "985666609251",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
    "sa-east-1": "507241528517",
}
_PORT_PURPOSE = {80: "HTTP (redirected to HTTPS)", 443: "HTTPS"}


@dataclass(frozen=True)
class LoadBalancerArgs:
    settings: LoadBalancerSettings
    scope: AwsScope
    vpc_id: pulumi.Input[str]
    public_subnet_ids: pulumi.Input[Sequence[str]]
    api_host: str
    zone_name: str | None
    # Replace an existing record of api_host instead of failing on it (a deliberate cut-over).
    take_over_dns_record: bool
    certificate_arn: str | None
    api_security_group_id: pulumi.Input[str]
    # The API process's port and health path (the application spec's api.process).
    api_port: int
    health_check_path: str
    kms_key_arn: pulumi.Input[str]
    log_retention_days: int


def access_log_bucket_policy(bucket_arn: str, region: str, account_id: str, partition: str) -> str:
    """Log delivery may write under AWSLogs/<account>/; nothing reaches the bucket without TLS."""
    elb_account = ELB_LOG_ACCOUNTS.get(region)
    writer = (
        {"AWS": f"arn:{partition}:iam::{elb_account}:root"}
        if elb_account
        else {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    )
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "LoadBalancerWritesAccessLogs",
                    "Effect": "Allow",
                    "Principal": writer,
                    "Action": "s3:PutObject",
                    "Resource": f"{bucket_arn}/AWSLogs/{account_id}/*",
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        }
    )


class LoadBalancer(pulumi.ComponentResource):
    """`tm:aws:LoadBalancer`: ALB in the public subnets, HTTP only to redirect, HTTPS with TLS 1.3,
    a fixed 404 for unknown hosts, the API host forwarded to the API target group."""

    security_group: aws.ec2.SecurityGroup
    log_bucket: aws.s3.Bucket
    load_balancer: aws.lb.LoadBalancer
    target_group: aws.lb.TargetGroup
    http_listener: aws.lb.Listener
    https_listener: aws.lb.Listener
    api_rule: aws.lb.ListenerRule
    certificate_arn: pulumi.Output[str]
    web_acl: aws.wafv2.WebAcl | None
    dns_record: aws.route53.Record | None
    dns_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:aws:LoadBalancer", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        zone = (
            aws.route53.get_zone_output(
                name=args.zone_name, private_zone=False, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            if args.zone_name
            else None
        )

        self._security_group(name, args)
        self._access_logs(name, args)
        self.load_balancer = aws.lb.LoadBalancer(
            name,
            load_balancer_type="application",
            internal=False,
            subnets=args.public_subnet_ids,
            security_groups=[self.security_group.id],
            drop_invalid_header_fields=True,
            desync_mitigation_mode=settings.desync_mitigation_mode,
            enable_deletion_protection=settings.deletion_protection,
            idle_timeout=settings.idle_timeout_seconds,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=self.log_bucket.bucket, enabled=True),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self._log_bucket_policy]),
        )
        self.target_group = aws.lb.TargetGroup(
            f"{name}-api",
            target_type="ip",
            protocol="HTTP",
            port=args.api_port,
            vpc_id=args.vpc_id,
            # Tasks drain in 30 s, not the default 300 s: a rollout takes minutes, not ten.
            deregistration_delay=30,
            health_check=target_group_health_check(args.health_check_path),
            opts=child,
        )
        self.certificate_arn = self._certificate(name, args, zone)
        self.http_listener = aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=self.load_balancer.arn,
            protocol="HTTP",
            port=80,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port="443", status_code="HTTP_301"
                    ),
                )
            ],
            opts=child,
        )
        self.https_listener = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=self.load_balancer.arn,
            protocol="HTTPS",
            port=443,
            ssl_policy=TLS_POLICY,
            certificate_arn=self.certificate_arn,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="fixed-response",
                    fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                        content_type="text/plain", message_body="Not found", status_code="404"
                    ),
                )
            ],
            opts=child,
        )
        self.api_rule = aws.lb.ListenerRule(
            f"{name}-api",
            listener_arn=self.https_listener.arn,
            # Review apps take priorities from 1000 up; the base's own hosts stay below.
            priority=10,
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=[args.api_host])
                )
            ],
            actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=self.target_group.arn)],
            opts=child,
        )
        self.web_acl = self._waf(name, args) if settings.waf else None
        self.dns_record = None
        if zone is not None:
            self.dns_record = aws.route53.Record(
                f"{name}-api",
                zone_id=zone.zone_id,
                name=args.api_host,
                type="A",
                allow_overwrite=args.take_over_dns_record,
                aliases=[
                    aws.route53.RecordAliasArgs(
                        name=self.load_balancer.dns_name,
                        zone_id=self.load_balancer.zone_id,
                        evaluate_target_health=True,
                    )
                ],
                opts=child,
            )
        self.dns_name = self.load_balancer.dns_name
        self.security_group_id = self.security_group.id
        self.register_outputs(
            {
                "dnsName": self.dns_name,
                "httpsListenerArn": self.https_listener.arn,
                "securityGroupId": self.security_group_id,
            }
        )

    def _security_group(self, name: str, args: LoadBalancerArgs) -> None:
        """Internet -> 80/443 only; the balancer -> the API tasks on the API process's port only."""
        child = pulumi.ResourceOptions(parent=self)
        self.security_group = aws.ec2.SecurityGroup(
            name,
            description="Tasking Manager load balancer: HTTP and HTTPS from anywhere",
            vpc_id=args.vpc_id,
            tags={"Name": f"tasking-manager-{args.scope.stack}-alb"},
            opts=child,
        )
        for port in (80, 443):
            for family, cidr in (("ipv4", "0.0.0.0/0"), ("ipv6", "::/0")):
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-{port}-{family}",
                    security_group_id=self.security_group.id,
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    description=f"{_PORT_PURPOSE[port]} from the internet",
                    **({"cidr_ipv4": cidr} if family == "ipv4" else {"cidr_ipv6": cidr}),
                    opts=child,
                )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-to-api",
            security_group_id=self.security_group.id,
            referenced_security_group_id=args.api_security_group_id,
            ip_protocol="tcp",
            from_port=args.api_port,
            to_port=args.api_port,
            description="To the API tasks",
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-into-api",
            security_group_id=args.api_security_group_id,
            referenced_security_group_id=self.security_group.id,
            ip_protocol="tcp",
            from_port=args.api_port,
            to_port=args.api_port,
            description="From the load balancer",
            opts=child,
        )

    def _access_logs(self, name: str, args: LoadBalancerArgs) -> None:
        """A private bucket for access logs: owner-enforced, SSE-S3 (the only encryption ALB log
        delivery supports), TLS-only, expiring."""
        child = pulumi.ResourceOptions(parent=self)
        scope = args.scope
        self.log_bucket = aws.s3.Bucket(
            f"{name}-access-logs", force_destroy=not args.settings.deletion_protection, opts=child
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-access-logs",
            bucket=self.log_bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-access-logs",
            bucket=self.log_bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-access-logs",
            bucket=self.log_bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-access-logs",
            bucket=self.log_bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=args.settings.access_log_retention_days
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=1
                    ),
                )
            ],
            opts=child,
        )
        self._log_bucket_policy = aws.s3.BucketPolicy(
            f"{name}-access-logs",
            bucket=self.log_bucket.id,
            policy=pulumi.Output.all(self.log_bucket.arn, scope.account_id, scope.partition).apply(
                lambda values: access_log_bucket_policy(values[0], scope.region, values[1], values[2])
            ),
            opts=child,
        )

    def _certificate(
        self, name: str, args: LoadBalancerArgs, zone: pulumi.Output[aws.route53.GetZoneResult] | None
    ) -> pulumi.Output[str]:
        """An existing certificate, or one DNS-validated in the stack's Route 53 zone."""
        if args.certificate_arn:
            return pulumi.Output.from_input(args.certificate_arn)
        assert zone is not None  # settings validation demands a zone or a certificate ARN
        return dns_validated_certificate(
            f"{name}-api", args.api_host, zone.zone_id, pulumi.ResourceOptions(parent=self)
        )

    def _waf(self, name: str, args: LoadBalancerArgs) -> aws.wafv2.WebAcl:
        """The web ACL (components/waf.py has its rules), on the load balancer, logged to CloudWatch."""
        child = pulumi.ResourceOptions(parent=self)
        metric_prefix = f"tasking-manager-{args.scope.stack}"

        def visibility(metric: str) -> aws.wafv2.WebAclVisibilityConfigArgs:
            return aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True,
                sampled_requests_enabled=True,
                metric_name=f"{metric_prefix}-{metric}",
            )

        rules = web_acl_rules(args.settings.waf_rate_limit, args.settings.waf_count_rules, visibility)
        web_acl = aws.wafv2.WebAcl(
            name,
            scope="REGIONAL",
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=rules,
            visibility_config=visibility("web-acl"),
            opts=child,
        )
        aws.wafv2.WebAclAssociation(
            name, resource_arn=self.load_balancer.arn, web_acl_arn=web_acl.arn, opts=child
        )
        # WAF only logs to groups whose name starts with aws-waf-logs-.
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-waf",
            name=f"aws-waf-logs-tasking-manager-{args.scope.stack}",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        aws.wafv2.WebAclLoggingConfiguration(
            name,
            resource_arn=web_acl.arn,
            log_destination_configs=[log_group.arn],
            # Session cookies and tokens stay out of the logs.
            redacted_fields=[
                aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                    single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(
                        name=header
                    )
                )
                for header in ("authorization", "cookie")
            ],
            opts=child,
        )
        return web_acl
