"""The load balancer in front of the API: HTTPS only, modern TLS, ACM certificates, logs, WAF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from .framework import (
    ResourcePolicy,
    StackPolicy,
    canonical,
    covered,
    is_false,
    is_true,
    must_be_true,
    of_type,
)

LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"  # aws:alb/... tokens are the same type
LISTENER = "aws:lb/listener:Listener"
LISTENER_CERTIFICATE = "aws:lb/listenerCertificate:ListenerCertificate"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
CERTIFICATE = "aws:acm/certificate:Certificate"

# Policies whose minimum is TLS 1.2: the TLS13-*, TLS-1-2-* and FS-1-2-* families (FSBP ELB.17).
MODERN_TLS = re.compile(r"^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)-")
ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:")


def _is_application(props: Any) -> bool:
    return (props.get("loadBalancerType") or "application") == "application"


def _protocol(args: ResourceValidationArgs) -> str:
    return str(args.props.get("protocol") or "HTTP").upper()


def _https_only(args: ResourceValidationArgs) -> Iterator[str]:
    protocol = _protocol(args)
    if protocol in ("HTTPS", "TLS"):
        return
    if protocol != "HTTP":
        yield f"the listener speaks {protocol}, unencrypted; use HTTPS (or TLS)"
        return
    actions = list(args.props.get("defaultActions") or [])
    redirect = (actions[0].get("redirect") or {}) if len(actions) == 1 else {}
    if not (
        actions and actions[0].get("type") == "redirect" and str(redirect.get("protocol")).upper() == "HTTPS"
    ):
        kinds = ", ".join(str(a.get("type")) for a in actions) or "nothing"
        yield f"the HTTP listener does {kinds}; its only action must be a redirect to HTTPS"


lb_listener_https_only = ResourcePolicy(
    name="lb-listener-https-only",
    summary="Listeners are HTTPS; an HTTP listener only redirects to HTTPS",
    controls=(
        "FSBP ELB.1",
        "FSBP ELB.18 [3P]",
        "awsguard alb-http-to-https-redirection",
        "CKV_AWS_2",
        "CKV2_AWS_20",
    ),
    severity=Severity.MEDIUM,
    resource_types=(LISTENER,),
    unset="protocol unset: HTTP (AWS's default for an application load balancer)",
    check=_https_only,
)


def _tls_policy(args: ResourceValidationArgs) -> Iterator[str]:
    if _protocol(args) not in ("HTTPS", "TLS"):
        return
    policy = args.props.get("sslPolicy")
    if not policy:
        yield "sslPolicy is unset, so AWS uses ELBSecurityPolicy-2016-08 (TLS 1.0); use a TLS13 policy"
    elif not MODERN_TLS.match(str(policy)):
        yield f"sslPolicy {policy} accepts TLS below 1.2; use ELBSecurityPolicy-TLS13-1-2-2021-06"


lb_listener_tls_policy = ResourcePolicy(
    name="lb-listener-tls-policy",
    summary="HTTPS and TLS listeners accept TLS 1.2 or newer only",
    controls=("FSBP ELB.17 [3P]", "CKV_AWS_103", "CKV2_AWS_74"),
    severity=Severity.MEDIUM,
    resource_types=(LISTENER,),
    unset="sslPolicy unset: ELBSecurityPolicy-2016-08, which accepts TLS 1.0",
    check=_tls_policy,
)


def _acm_certificate(args: ResourceValidationArgs) -> Iterator[str]:
    if canonical(args.resource_type) == LISTENER and _protocol(args) not in ("HTTPS", "TLS"):
        return
    arn = args.props.get("certificateArn")
    if not arn:
        yield "the listener names no certificate"
    elif not ACM_ARN.match(str(arn)):
        yield "the certificate is not from ACM (an IAM server certificate is neither renewed nor rotated)"


lb_listener_acm_certificate = ResourcePolicy(
    name="lb-listener-acm-certificate",
    summary="HTTPS listeners use certificates from ACM",
    controls=("NIST ELBv2ACMCertificateRequired",),
    severity=Severity.MEDIUM,
    resource_types=(LISTENER, LISTENER_CERTIFICATE),
    unset="certificateArn unset: AWS refuses an HTTPS listener without one",
    check=_acm_certificate,
)


def _drop_invalid_headers(args: ResourceValidationArgs) -> Iterator[str]:
    if _is_application(args.props) and not is_true(args.props.get("dropInvalidHeaderFields")):
        yield "dropInvalidHeaderFields is not true: malformed headers reach the API (request smuggling)"


alb_drop_invalid_headers = ResourcePolicy(
    name="alb-drop-invalid-headers",
    summary="Application load balancers drop invalid HTTP headers",
    controls=("FSBP ELB.4", "CKV_AWS_131", "NIST ALBHttpDropInvalidHeaderEnabled"),
    severity=Severity.MEDIUM,
    resource_types=(LOAD_BALANCER,),
    unset="dropInvalidHeaderFields unset: false",
    check=_drop_invalid_headers,
)


def _access_logs(args: ResourceValidationArgs) -> Iterator[str]:
    logs = args.props.get("accessLogs") or {}
    if not (is_true(logs.get("enabled")) and logs.get("bucket")):
        yield "access logs are off (accessLogs.enabled with a bucket): requests leave no trace"


lb_access_logs = ResourcePolicy(
    name="lb-access-logs",
    summary="Load balancers write access logs to S3",
    controls=("FSBP ELB.5", "awsguard elb-logging-enabled", "AwsSolutions-ELB2", "CKV_AWS_91"),
    severity=Severity.MEDIUM,
    resource_types=(LOAD_BALANCER,),
    unset="accessLogs unset, or enabled unset: off",
    check=_access_logs,
)


lb_deletion_protection = ResourcePolicy(
    name="lb-deletion-protection",
    summary="Load balancers have deletion protection",
    controls=("FSBP ELB.6", "CKV_AWS_150", "NIST ELBDeletionProtectionEnabled"),
    severity=Severity.MEDIUM,
    resource_types=(LOAD_BALANCER,),
    unset="enableDeletionProtection unset: false",
    check=must_be_true("enableDeletionProtection", "one mistaken destroy takes the API offline"),
)


def _desync(args: ResourceValidationArgs) -> Iterator[str]:
    mode = args.props.get("desyncMitigationMode") or "defensive"
    if _is_application(args.props) and mode not in ("defensive", "strictest"):
        yield f"desyncMitigationMode is {mode}: HTTP desync attacks are only monitored"


alb_desync_mitigation = ResourcePolicy(
    name="alb-desync-mitigation",
    summary="Application load balancers mitigate HTTP desync (defensive or strictest)",
    controls=("FSBP ELB.12", "CKV_AWS_328"),
    severity=Severity.MEDIUM,
    resource_types=(LOAD_BALANCER,),
    unset="desyncMitigationMode unset: defensive",
    check=_desync,
)


def _multi_az(args: ResourceValidationArgs) -> Iterator[str]:
    subnets = list(args.props.get("subnets") or []) or list(args.props.get("subnetMappings") or [])
    if len(subnets) < 2:
        yield f"the load balancer spans {len(subnets)} subnet(s); give it one in each of two or more zones"


lb_multi_az = ResourcePolicy(
    name="lb-multi-az",
    summary="Load balancers span at least two availability zones",
    controls=("FSBP ELB.13",),
    severity=Severity.MEDIUM,
    resource_types=(LOAD_BALANCER,),
    unset="subnets and subnetMappings unset: no zone at all",
    check=_multi_az,
)


def _internet_facing_albs(resources: list[PolicyResource]) -> list[PolicyResource]:
    return [
        lb
        for lb in of_type(resources, LOAD_BALANCER)
        if _is_application(lb.props) and not is_true(lb.props.get("internal"))
    ]


def _waf_attached(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    associations = list(of_type(args.resources, WEB_ACL_ASSOCIATION))
    for lb in _internet_facing_albs(args.resources):
        if not covered(lb, associations, "resourceArn", "arn", "id"):
            yield ("faces the internet without a WAFv2 web ACL (WebAclAssociation)", lb.urn)


alb_waf_attached = StackPolicy(
    name="alb-waf-attached",
    summary="Internet-facing application load balancers are protected by a WAFv2 web ACL",
    controls=("FSBP ELB.16 (NIST)", "NIST ALBWAFEnabled", "CKV2_AWS_28"),
    severity=Severity.MEDIUM,
    resource_types=(LOAD_BALANCER, WEB_ACL_ASSOCIATION),
    unset="LoadBalancer.internal unset: internet-facing",
    check=_waf_attached,
)


def _health_check(args: ResourceValidationArgs) -> Iterator[str]:
    if args.props.get("targetType") == "lambda":
        return
    check = args.props.get("healthCheck")
    if check is None:
        yield "no healthCheck: AWS probes '/' with defaults, which may not reflect the API's health"
    elif is_false(check.get("enabled")):
        yield "the health check is disabled: unhealthy tasks keep receiving traffic"


lb_target_group_health_check = ResourcePolicy(
    name="lb-target-group-health-check",
    summary="Target groups define an enabled health check",
    controls=("CKV_AWS_261",),
    severity=Severity.LOW,
    resource_types=(TARGET_GROUP,),
    unset="healthCheck unset: AWS's defaults (path /, enabled); enabled unset: true",
    check=_health_check,
)


def _key_algorithm(args: ResourceValidationArgs) -> Iterator[str]:
    if args.props.get("keyAlgorithm") == "RSA_1024":
        yield "the certificate's key is RSA 1024 bits; use RSA_2048 or an EC key"


acm_certificate_key_algorithm = ResourcePolicy(
    name="acm-certificate-key-algorithm",
    summary="ACM certificates use keys of at least 2048 bits (RSA) or EC keys",
    controls=("FSBP ACM.2",),
    severity=Severity.HIGH,
    resource_types=(CERTIFICATE,),
    unset="keyAlgorithm unset: RSA_2048",
    check=_key_algorithm,
)


def _transparency(args: ResourceValidationArgs) -> Iterator[str]:
    options = args.props.get("options") or {}
    if options.get("certificateTransparencyLoggingPreference") == "DISABLED":
        yield "certificate transparency logging is disabled: browsers may refuse the certificate"


acm_certificate_transparency_logging = ResourcePolicy(
    name="acm-certificate-transparency-logging",
    summary="ACM certificates are logged to certificate transparency",
    controls=("CKV_AWS_234",),
    severity=Severity.LOW,
    resource_types=(CERTIFICATE,),
    unset="options unset: ENABLED",
    check=_transparency,
)

POLICIES = [
    lb_listener_https_only,
    lb_listener_tls_policy,
    lb_listener_acm_certificate,
    alb_drop_invalid_headers,
    lb_access_logs,
    lb_deletion_protection,
    alb_desync_mitigation,
    lb_multi_az,
    alb_waf_attached,
    lb_target_group_health_check,
    acm_certificate_key_algorithm,
    acm_certificate_transparency_logging,
]
