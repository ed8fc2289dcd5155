"""Environment profiles: the defaults each kind of stack starts from, before its `tm:` config.

Keys are the config keys (camelCase). A stack's Pulumi.<stack>.yaml overrides any of them; the
merged result is validated by components.settings.
"""

from typing import Any

PROFILES: dict[str, dict[str, Any]] = {
    # Production: three zones, a NAT gateway per zone so one zone's outage cannot cut egress, and
    # flow logs kept for a year (FSBP CloudWatch.16).
    "prod": {
        "region": "us-east-1",
        "network": {
            "cidr": "10.10.0.0/16",
            "availabilityZones": 3,
            "natGateways": "onePerAz",
            "interfaceEndpoints": [],
            "flowLogRetentionDays": 365,
        },
    },
    # Development and the base of review apps: two zones, one shared NAT gateway (saves ~$33 a
    # month per zone), flow logs for a month.
    "dev": {
        "region": "us-east-1",
        "network": {
            "cidr": "10.20.0.0/16",
            "availabilityZones": 2,
            "natGateways": "single",
            "interfaceEndpoints": [],
            "flowLogRetentionDays": 30,
        },
    },
    # A review app builds no network of its own: it uses its base stack's (dev by default).
    "review": {
        "region": "us-east-1",
        "baseStack": "dev",
    },
}
