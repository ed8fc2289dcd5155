"""The account's security baseline, composed from its parts as the settings ask
(`bootstrap:security`): the key and logs bucket the parts share, where findings go, the trail,
GuardDuty, Config, Security Hub and Access Analyzer (docs/operations/security.md)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from .audit_trail import AuditTrail, AuditTrailArgs
from .detection import (
    AccessAnalyzer,
    ConfigRecorder,
    ConfigRecorderArgs,
    GuardDuty,
    SecurityHub,
    SecurityHubArgs,
)
from .findings import FindingRouting, FindingRoutingArgs, finding_rules
from .security_logs import SecurityKey, SecurityKeyArgs, SecurityLogs, SecurityLogsArgs
from .settings import BootstrapSettings


@dataclass(frozen=True)
class SecurityBaseline:
    """What the rest of the bootstrap needs of the baseline: its key (the CI roles' guard rails
    name it), its bucket and its topics (outputs). None where the settings leave a part off."""

    key: SecurityKey | None
    logs: SecurityLogs | None
    routing: FindingRouting | None


def security_baseline(settings: BootstrapSettings, opts: pulumi.ResourceOptions) -> SecurityBaseline:
    security = settings.security
    account_id, region = settings.account_id, settings.region
    if not (security.routes_findings or security.needs_logs):
        return SecurityBaseline(None, None, None)
    key = SecurityKey(
        "security-key",
        SecurityKeyArgs(
            account_id=account_id,
            region=region,
            trail=security.cloud_trail,
            config=security.config_recorder,
            topics=security.routes_findings,
        ),
        opts,
    )
    logs = (
        SecurityLogs(
            "security-logs",
            SecurityLogsArgs(
                account_id=account_id,
                region=region,
                retention_days=security.log_retention_days,
                trail=security.cloud_trail,
                config=security.config_recorder,
            ),
            opts,
        )
        if security.needs_logs
        else None
    )
    routing = (
        FindingRouting(
            "findings",
            FindingRoutingArgs(
                account_id=account_id,
                key_arn=key.key.arn,
                paging=security.paging,
                page_emails=security.page_emails,
                finding_emails=security.finding_emails,
                rules=finding_rules(
                    guard_duty=security.guard_duty,
                    security_hub=security.security_hub,
                    access_analyzer=security.access_analyzer,
                ),
            ),
            opts,
        )
        if security.routes_findings
        else None
    )
    if security.cloud_trail and logs is not None and routing is not None:
        AuditTrail(
            "audit-trail",
            AuditTrailArgs(
                account_id=account_id,
                region=region,
                bucket_name=logs.bucket.id,
                key_arn=key.key.arn,
                log_group_retention_days=security.trail_log_group_retention_days,
                topics={route: routing.route(route).arn for route in ("page", "findings")},
                paging=security.paging,
                depends_on=logs.policy,
            ),
            opts,
        )
    if security.guard_duty:
        GuardDuty("guardduty", opts)
    recording: list[pulumi.Resource] = []
    if security.config_recorder and logs is not None:
        recorder = ConfigRecorder(
            "config",
            ConfigRecorderArgs(bucket_name=logs.bucket.id, key_arn=key.key.arn, depends_on=logs.policy),
            opts,
        )
        recording.append(recorder.status)
    if security.security_hub:
        # Its control checks read what Config records: subscribe once Config records.
        SecurityHub("security-hub", SecurityHubArgs(region=region, depends_on=recording), opts)
    if security.access_analyzer:
        AccessAnalyzer("access-analyzer", opts)
    return SecurityBaseline(key, logs, routing)
