"""ACM certificates validated through DNS records in a Route 53 zone of this account."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def dns_validated_certificate(
    name: str, domain: str, zone_id: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> pulumi.Output[str]:
    """Request a certificate for `domain`, answer ACM's DNS challenge in the zone, and return the
    ARN once ACM has issued it (what a listener may use)."""
    certificate = aws.acm.Certificate(
        name, domain_name=domain, validation_method="DNS", key_algorithm="RSA_2048", opts=opts
    )
    challenge = certificate.domain_validation_options[0]
    record = aws.route53.Record(
        f"{name}-validation",
        zone_id=zone_id,
        name=challenge.resource_record_name,
        type=challenge.resource_record_type,
        records=[challenge.resource_record_value],
        ttl=300,
        allow_overwrite=True,
        opts=opts,
    )
    validation = aws.acm.CertificateValidation(
        name, certificate_arn=certificate.arn, validation_record_fqdns=[record.fqdn], opts=opts
    )
    issued: pulumi.Output[str] = validation.certificate_arn
    return issued
