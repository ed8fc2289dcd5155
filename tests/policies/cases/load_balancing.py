"""Fixtures of the load balancer, listener, target group, certificate and WAF-attachment policies."""

from security_baseline import load_balancing as lb

from tests.policies.harness import DELETE, Case, StackCase

LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
OTHER_LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/other/2"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f2e8c2e-1111-2222-3333-444455556666"

_ALB = {
    "arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/tm/1",
    "loadBalancerType": "application",
    "internal": False,
    "subnets": ["subnet-a", "subnet-b", "subnet-c"],
    "securityGroups": ["sg-lb"],
    "dropInvalidHeaderFields": True,
    "desyncMitigationMode": "defensive",
    "enableDeletionProtection": True,
    "accessLogs": {"enabled": True, "bucket": "tm-access-logs"},
}
_HTTPS = {
    "protocol": "HTTPS",
    "port": 443.0,
    "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "certificateArn": CERT,
    "defaultActions": [
        {"type": "fixed-response", "fixedResponse": {"statusCode": "404", "contentType": "text/plain"}}
    ],
}
_HTTP = {
    "protocol": "HTTP",
    "port": 80.0,
    "defaultActions": [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ],
}

CASES = [
    Case(
        lb.lb_listener_https_only,
        LISTENER,
        _HTTP,
        [
            (
                {"defaultActions.0.type": "forward"},
                "the HTTP listener does forward; its only action must be a redirect",
            ),
            ({"defaultActions.0.redirect.protocol": "HTTP"}, "its only action must be a redirect to HTTPS"),
            ({"defaultActions": []}, "the HTTP listener does nothing"),
        ],
    ),
    Case(
        lb.lb_listener_https_only,
        LISTENER,
        _HTTPS,
        [
            ({"protocol": DELETE}, "the HTTP listener does fixed-response"),
            ({"protocol": "TCP"}, "the listener speaks TCP, unencrypted"),
        ],
    ),
    Case(
        lb.lb_listener_tls_policy,
        LISTENER,
        _HTTPS,
        [
            ({"sslPolicy": DELETE}, "ELBSecurityPolicy-2016-08 (TLS 1.0)"),
            ({"sslPolicy": "ELBSecurityPolicy-TLS-1-1-2017-01"}, "accepts TLS below 1.2"),
            ({"sslPolicy": "ELBSecurityPolicy-FS-2018-06"}, "accepts TLS below 1.2"),
        ],
    ),
    Case(
        lb.lb_listener_acm_certificate,
        LISTENER,
        _HTTPS,
        [
            ({"certificateArn": DELETE}, "the listener names no certificate"),
            (
                {"certificateArn": "arn:aws:iam::123456789012:server-certificate/tm"},
                "the certificate is not from ACM",
            ),
        ],
    ),
    Case(
        lb.lb_listener_acm_certificate,
        "aws:lb/listenerCertificate:ListenerCertificate",
        {"listenerArn": "arn:listener", "certificateArn": CERT},
        [({"certificateArn": "arn:aws:iam::123456789012:server-certificate/old"}, "is not from ACM")],
    ),
    Case(
        lb.alb_drop_invalid_headers,
        LB,
        _ALB,
        [
            ({"dropInvalidHeaderFields": False}, "dropInvalidHeaderFields is not true"),
            ({"dropInvalidHeaderFields": DELETE}, "dropInvalidHeaderFields is not true"),
        ],
    ),
    Case(
        lb.lb_access_logs,
        LB,
        _ALB,
        [
            ({"accessLogs.enabled": False}, "access logs are off"),
            ({"accessLogs": DELETE}, "access logs are off"),
            ({"accessLogs.bucket": ""}, "access logs are off"),
        ],
    ),
    Case(
        lb.lb_deletion_protection,
        LB,
        _ALB,
        [({"enableDeletionProtection": DELETE}, "enableDeletionProtection is not true")],
    ),
    Case(
        lb.alb_desync_mitigation,
        LB,
        _ALB,
        [({"desyncMitigationMode": "monitor"}, "desyncMitigationMode is monitor")],
    ),
    Case(
        lb.lb_multi_az,
        LB,
        _ALB,
        [
            ({"subnets": ["subnet-a"]}, "the load balancer spans 1 subnet(s)"),
            ({"subnets": DELETE}, "the load balancer spans 0 subnet(s)"),
        ],
    ),
    StackCase(
        lb.alb_waf_attached,
        {
            "lb": (LB, dict(_ALB)),
            "waf": (
                "aws:wafv2/webAclAssociation:WebAclAssociation",
                {
                    "resourceArn": _ALB["arn"],
                    "webAclArn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/tm/1",
                },
            ),
        },
        [
            ({"waf": DELETE}, "faces the internet without a WAFv2 web ACL"),
            (
                {
                    "waf.resourceArn": OTHER_LB_ARN,
                },
                "without a WAFv2",
            ),
        ],
    ),
    Case(
        lb.lb_target_group_health_check,
        "aws:lb/targetGroup:TargetGroup",
        {
            "port": 5000.0,
            "protocol": "HTTP",
            "targetType": "ip",
            "healthCheck": {"enabled": True, "path": "/api/v2/system/heartbeat/"},
        },
        [
            ({"healthCheck": DELETE}, "no healthCheck: AWS probes '/'"),
            ({"healthCheck.enabled": False}, "the health check is disabled"),
        ],
    ),
    Case(
        lb.acm_certificate_key_algorithm,
        "aws:acm/certificate:Certificate",
        {"domainName": "api.example.org", "validationMethod": "DNS", "keyAlgorithm": "EC_prime256v1"},
        [({"keyAlgorithm": "RSA_1024"}, "the certificate's key is RSA 1024 bits")],
    ),
    Case(
        lb.acm_certificate_transparency_logging,
        "aws:acm/certificate:Certificate",
        {"domainName": "api.example.org", "options": {"certificateTransparencyLoggingPreference": "ENABLED"}},
        [
            (
                {"options.certificateTransparencyLoggingPreference": "DISABLED"},
                "transparency logging is disabled",
            )
        ],
    ),
]
