"""Environment profiles: the defaults each kind of stack starts from, before its `tm:` config.

Keys are the config keys (camelCase). A stack's Pulumi.<stack>.yaml overrides any of them; the
merged result is validated by components.settings.
"""

from typing import Any

from components.pinned_images import pinned_image
from components.waf import mapathon_rate_limit

POSTGRES_CLIENT_IMAGE = pinned_image("postgres-client")

_FRONTEND: dict[str, Any] = {
    "repository": "https://github.com/hotosm/tasking-manager",
    "pullRequestPreviews": False,
    "basicAuth": False,
    "customDomain": True,
    "osmServerUrl": "https://www.openstreetmap.org",
    "buildVariables": {
        "TM_ORG_NAME": "Humanitarian OpenStreetMap Team",
        "TM_ORG_CODE": "HOT",
        "TM_ORG_URL": "https://www.hotosm.org",
    },
}

# HOT's production mail goes through SES SMTP on 587 with STARTTLS.
_APP: dict[str, Any] = {
    "smtp": {"host": "email-smtp.us-east-1.amazonaws.com", "port": 587, "useTls": True, "useSsl": False},
    "emailFromAddress": "noreply@hotosm.org",
    "emailContactAddress": "sysadmin@hotosm.org",
    "defaultChangesetComment": "#hotosm-project",
    "useSentry": False,
    "accessLog": True,
    "ohsomeStatsTopics": "changeset,highway,waterway,building",
}

# Working hours of HOT's team, which spans UTC+5:45 (Kathmandu) to UTC-5 (the US east coast):
# 06:00-20:00 UTC on weekdays is late morning in Kathmandu to mid-afternoon in New York. Outside
# them dev and review apps sleep (components/off_hours.py); the database starts 15 minutes early.
_OFF_HOURS: dict[str, Any] = {
    "enabled": True,
    "timeZone": "UTC",
    "workdays": ["MON", "TUE", "WED", "THU", "FRI"],
    "start": "06:00",
    "end": "20:00",
}

PROFILES: dict[str, dict[str, Any]] = {
    # Production: three zones, a NAT gateway per zone so one zone's outage cannot cut egress, and
    # flow logs kept for a year (FSBP CloudWatch.16).
    "prod": {
        "region": "us-east-1",
        "image": {"repository": "ecr"},
        "network": {
            "cidr": "10.10.0.0/16",
            "availabilityZones": 3,
            "natGateways": "onePerAz",
            "interfaceEndpoints": [],
            "flowLogRetentionDays": 365,
        },
        # HOT runs 2 vCPU / 4 GB tasks with 8 workers; 4 workers with pools of 4 per 1 vCPU task
        # scale out more cheaply and keep the connection budget inside the instance's limit.
        "api": {
            "cpu": 1024,
            "memory": 2048,
            "workers": 4,
            "dbMinConnections": 2,
            "dbMaxConnections": 4,
            "minTasks": 2,
            "maxTasks": 8,
            "cpuTargetPercent": 60,
            "memoryTargetPercent": 70,
            "requestsPerTarget": 100,
        },
        "worker": {"cpu": 512, "memory": 1024},
        # On-demand capacity, no shell into production tasks, a year of logs.
        "ecs": {
            "capacity": "onDemand",
            "executeCommand": False,
            "containerInsights": "enabled",
            "logRetentionDays": 365,
            # Graviton: a fifth cheaper per vCPU and GB than x86 (docs/costs.md); the same
            # architecture as dev, so prod runs the image variant dev ran.
            "cpuArchitecture": "ARM64",
        },
        "loadBalancer": {
            "deletionProtection": True,
            "desyncMitigationMode": "defensive",
            "accessLogRetentionDays": 90,
            "idleTimeoutSeconds": 60,
            "waf": True,
            "wafRateLimit": mapathon_rate_limit(),
        },
        # HOT's production today: no uvicorn access log (the load balancer keeps one), and the
        # partner tools that call the API from their own sites.
        "app": {
            **_APP,
            "logLevel": "INFO",
            "accessLog": False,
            # Errors of the API, cron and browsers reach HOT's Sentry (both DSNs, see README).
            "useSentry": True,
            "extraCorsOrigins": [
                "https://hotosm.github.io",
                "https://mapathon.cartong.org",
                "https://jarmokivekas.github.io",
                "https://dev-managers.mapswipe.org",
                "https://managers.mapswipe.org",
            ],
        },
        # 99.5 % over 30 days leaves 3.6 hours of errors a month; p95 under 1 s.
        "observability": {
            "availability": {"targetPercent": 99.5, "windowDays": 30},
            "latency": {"p95Ms": 1000},
            "paging": True,
            "pageEmails": ["sysadmin@hotosm.org"],
            "ticketEmails": ["sysadmin@hotosm.org"],
            # HOT's production runs under New Relic today; its licence key is in the app secret.
            "apm": "newRelic",
        },
        # Multi-AZ, protected, a final snapshot, 30 days of point-in-time recovery, and monthly
        # recovery points kept a year. 8 GiB of memory: HOT's Aurora runs at 4-16 ACU (8-32 GiB).
        "database": {
            "engineVersion": "17",
            "instanceClass": "db.t4g.large",
            "allocatedStorageGb": 100,
            "maxAllocatedStorageGb": 500,
            "multiAz": True,
            "deletionProtection": True,
            "finalSnapshot": True,
            "backupRetentionDays": 30,
            "backupWindow": "03:00-04:00",
            "maintenanceWindow": "sun:04:30-sun:05:30",
            "logRetentionDays": 365,
            "slowQueryMs": 1000,
            "performanceInsightsRetentionDays": 7,
            "monitoringIntervalSeconds": 60,
            "reservedConnections": 20,
            "backupPlan": {"dailyRetentionDays": 35, "monthlyRetentionDays": 365},
            "engine": "rds",
            # With engine auroraServerless: HOT's Aurora range today, never paused, a reader in a
            # second zone (multiAz).
            "serverless": {"minCapacity": 4, "maxCapacity": 16},
        },
        "frontend": {**_FRONTEND, "branch": "main", "stage": "PRODUCTION"},
        # A month of production for the cost estimate (docs/costs.md): about 2 API requests a
        # second, 2 GB of logs a day (flow logs, WAF, API, database), image pulls and OSM calls
        # through NAT, a release or two a week.
        "usage": {
            "apiRequestsPerMonth": 5_000_000,
            "logGbPerDay": 2.0,
            "natGbPerMonth": 100.0,
            "loadBalancerCapacityUnits": 1.0,
            "amplifyBuildsPerMonth": 10,
            "amplifyBuildMinutes": 10.0,
            "frontendGbServedPerMonth": 100.0,
            # With Aurora: both instances at 5 ACU on average (floor 4), never paused.
            "databaseAverageAcu": 5.0,
            "databasePausedHoursPerMonth": 0.0,
            "databaseStorageGb": 100.0,
            "databaseIoMillionsPerMonth": 100.0,
        },
        # The estimate (about $540 on x86, $522 on ARM64) plus a fifth for traffic the assumptions
        # miss; HOT sets its own.
        "monthlyBudget": {"usd": 650.0},
        # Production never sleeps (settings refuse it).
        "offHours": {**_OFF_HOURS, "enabled": False},
    },
    # Staging, where a release is tried before prod: prod's shape (WAF, a Multi-AZ, protected
    # database with a final snapshot, two API tasks on on-demand capacity, no shell into tasks, the
    # same objectives), smaller: two zones sharing one NAT gateway, half-size tasks, a small
    # instance, shorter retention, and nothing pages.
    "staging": {
        "region": "us-east-1",
        "image": {"repository": "ecr"},
        "network": {
            "cidr": "10.30.0.0/16",
            "availabilityZones": 2,
            "natGateways": "single",
            "interfaceEndpoints": [],
            "flowLogRetentionDays": 90,
        },
        "api": {
            "cpu": 512,
            "memory": 1024,
            "workers": 2,
            "dbMinConnections": 1,
            "dbMaxConnections": 4,
            "minTasks": 2,
            "maxTasks": 3,
            "cpuTargetPercent": 60,
            "memoryTargetPercent": 70,
            "requestsPerTarget": 100,
        },
        "worker": {"cpu": 256, "memory": 512},
        "ecs": {
            "capacity": "onDemand",
            "executeCommand": False,
            "containerInsights": "enabled",
            "logRetentionDays": 90,
            # prod's architecture, so a release is tried on the image variant prod will run.
            "cpuArchitecture": "ARM64",
        },
        "loadBalancer": {
            "deletionProtection": True,
            "desyncMitigationMode": "defensive",
            "accessLogRetentionDays": 30,
            "idleTimeoutSeconds": 60,
            "waf": True,
            "wafRateLimit": mapathon_rate_limit(),
        },
        "app": {**_APP, "logLevel": "INFO", "accessLog": False},
        "observability": {
            "availability": {"targetPercent": 99.5, "windowDays": 30},
            "latency": {"p95Ms": 1000},
            "paging": False,
            "ticketEmails": ["sysadmin@hotosm.org"],
            "apm": "none",
        },
        "database": {
            "engineVersion": "17",
            "instanceClass": "db.t4g.small",
            "allocatedStorageGb": 20,
            "maxAllocatedStorageGb": 100,
            "multiAz": True,
            "deletionProtection": True,
            "finalSnapshot": True,
            "backupRetentionDays": 7,
            "backupWindow": "03:00-04:00",
            "maintenanceWindow": "sun:04:30-sun:05:30",
            "logRetentionDays": 90,
            "slowQueryMs": 1000,
            "performanceInsightsRetentionDays": 7,
            "monitoringIntervalSeconds": 60,
            "reservedConnections": 20,
            "backupPlan": {"dailyRetentionDays": 14},
            "engine": "rds",
            # With engine auroraServerless: never paused, as prod; a reader in a second zone.
            "serverless": {"minCapacity": 0.5, "maxCapacity": 4},
        },
        # The application's own staging branch, behind basic auth like every non-production branch.
        "frontend": {**_FRONTEND, "branch": "staging", "stage": "BETA", "basicAuth": True},
        # Release candidates tried by the team and a few testers; a build per release branch push.
        "usage": {
            "apiRequestsPerMonth": 500_000,
            "logGbPerDay": 0.5,
            "natGbPerMonth": 20.0,
            "loadBalancerCapacityUnits": 0.2,
            "amplifyBuildsPerMonth": 20,
            "amplifyBuildMinutes": 10.0,
            "frontendGbServedPerMonth": 5.0,
            "databaseAverageAcu": 0.5,
            "databasePausedHoursPerMonth": 0.0,
            "databaseStorageGb": 20.0,
            "databaseIoMillionsPerMonth": 5.0,
        },
        # Awake around the clock, as prod: its alarms and task ranges behave as prod's.
        "offHours": {**_OFF_HOURS, "enabled": False},
        # The estimate (about $182) plus a fifth, as for prod.
        "monthlyBudget": {"usd": 220.0},
    },
    # Development and the base of review apps: two zones, one shared NAT gateway (saves ~$33 a
    # month per zone), flow logs for a month.
    "dev": {
        "region": "us-east-1",
        "image": {"repository": "ecr"},
        "network": {
            "cidr": "10.20.0.0/16",
            "availabilityZones": 2,
            "natGateways": "single",
            "interfaceEndpoints": [],
            "flowLogRetentionDays": 30,
        },
        "api": {
            "cpu": 512,
            "memory": 1024,
            "workers": 2,
            "dbMinConnections": 1,
            "dbMaxConnections": 4,
            "minTasks": 1,
            "maxTasks": 2,
            "cpuTargetPercent": 60,
            "memoryTargetPercent": 70,
            "requestsPerTarget": 100,
        },
        "worker": {"cpu": 256, "memory": 512},
        # Mostly Spot (one on-demand task keeps the API up through interruptions), ECS Exec for
        # debugging, a month of logs, no WAF (a ~$10/month fixed cost).
        "ecs": {
            "capacity": "mostlySpot",
            "executeCommand": True,
            "containerInsights": "enabled",
            "logRetentionDays": 30,
            # prod's architecture: dev is where each image runs before prod runs it.
            "cpuArchitecture": "ARM64",
        },
        "loadBalancer": {
            "deletionProtection": False,
            "desyncMitigationMode": "defensive",
            "accessLogRetentionDays": 30,
            "idleTimeoutSeconds": 60,
            "waf": False,
            "wafRateLimit": mapathon_rate_limit(),
        },
        "app": {**_APP, "logLevel": "DEBUG"},
        # The same objectives, looser; nothing in dev wakes anyone.
        "observability": {
            "availability": {"targetPercent": 99.0, "windowDays": 30},
            "latency": {"p95Ms": 2000},
            "paging": False,
            "ticketEmails": ["sysadmin@hotosm.org"],
            "apm": "none",
        },
        # Single-AZ and small; deletable without a final snapshot (AWS Backup keeps a week of daily
        # recovery points). The reserve leaves room for review apps' databases in this instance.
        "database": {
            "engineVersion": "17",
            "instanceClass": "db.t4g.micro",
            "allocatedStorageGb": 20,
            "maxAllocatedStorageGb": 100,
            "multiAz": False,
            "deletionProtection": False,
            "finalSnapshot": False,
            "backupRetentionDays": 7,
            "backupWindow": "03:00-04:00",
            "maintenanceWindow": "sun:04:30-sun:05:30",
            "logRetentionDays": 30,
            "slowQueryMs": 500,
            "performanceInsightsRetentionDays": 7,
            "monitoringIntervalSeconds": 60,
            "reservedConnections": 60,
            "backupPlan": {"dailyRetentionDays": 7},
            "engine": "rds",
            # With engine auroraServerless: paused after 10 minutes without a connection.
            "serverless": {"minCapacity": 0, "maxCapacity": 4, "secondsUntilAutoPause": 600},
        },
        "review": {
            "host": "review.tasks-dev.hotosm.org",
            "adminImage": POSTGRES_CLIENT_IMAGE,
            # (60 reserved - 12 for maintenance) / 12 connections per review app.
            "slots": 4,
        },
        # Pull-request previews on; every non-production branch behind basic auth.
        "frontend": {
            **_FRONTEND,
            "branch": "develop",
            "stage": "DEVELOPMENT",
            "pullRequestPreviews": True,
            "basicAuth": True,
        },
        # Merges to develop and pull-request previews build the front end; little traffic.
        "usage": {
            "apiRequestsPerMonth": 300_000,
            "logGbPerDay": 0.5,
            "natGbPerMonth": 20.0,
            "loadBalancerCapacityUnits": 0.2,
            "amplifyBuildsPerMonth": 60,
            "amplifyBuildMinutes": 10.0,
            "frontendGbServedPerMonth": 5.0,
            # With Aurora: at its 0.5 ACU floor while awake, paused while off-hours has stopped the
            # services that hold connections (98 of 168 hours a week, less the 10 minutes each
            # evening before the pause).
            "databaseAverageAcu": 0.5,
            "databasePausedHoursPerMonth": 420.0,
            "databaseStorageGb": 20.0,
            "databaseIoMillionsPerMonth": 5.0,
        },
        # Review apps have their own budget: a handful open at a time at about $5 a month each.
        "monthlyBudget": {"usd": 150.0, "reviewAppsUsd": 50.0},
        "offHours": _OFF_HOURS,
    },
    # A review app builds no network, load balancer or database of its own: it adds one Spot task,
    # a listener rule and a database inside its base stack's (dev by default).
    "review": {
        "region": "us-east-1",
        "baseStack": "dev",
        "image": {"repository": "ecr"},
        "reviewApp": {
            "cpu": 256,
            "memory": 512,
            "workers": 1,
            "dbMinConnections": 1,
            "dbMaxConnections": 4,
            "logRetentionDays": 3,
            # x86: its one Spot task has a sourced Spot price; Spot on ARM is priced on demand
            # (docs/costs.md), which would double the estimate of the cheapest stack.
            "cpuArchitecture": "X86_64",
            "permissionsBoundary": "tasking-manager-ci-review-boundary",
        },
        "app": {**_APP, "logLevel": "DEBUG"},
        # One reviewer clicking around, a build per push; its egress uses dev's NAT gateway.
        "usage": {
            "apiRequestsPerMonth": 20_000,
            "logGbPerDay": 0.05,
            "natGbPerMonth": 0.0,
            "loadBalancerCapacityUnits": 0.0,
            # Its front end is built in GitHub Actions and served by dev's review slots.
            "amplifyBuildsPerMonth": 0,
            "amplifyBuildMinutes": 10.0,
            "frontendGbServedPerMonth": 0.5,
            # Its database lives in the base's.
            "databaseAverageAcu": 0.0,
            "databasePausedHoursPerMonth": 0.0,
            "databaseStorageGb": 0.0,
            "databaseIoMillionsPerMonth": 0.0,
        },
        # A review app's database is in its base's instance: it sleeps when its base does.
        "offHours": _OFF_HOURS,
    },
}

# On top of the environment's profile when tm:platform is kubernetes: what the Kubernetes
# realisation does not realise is off (off-hours schedules, the front end's basic auth and pull
# request previews, review apps), and the images it runs besides the application are pinned.
KUBERNETES_PROFILE: dict[str, Any] = {
    "offHours": {"enabled": False},
    "review": None,
    "frontend": {"basicAuth": False, "pullRequestPreviews": False},
    "kubernetes": {
        "namespace": "tasking-manager",
        "database": {
            "mode": "cloudNativePg",
            # CloudNativePG's PostGIS operand image: PostgreSQL 17 (tm:database.engineVersion)
            # with PostGIS 3.5 and barman-cloud for the backups.
            "image": "ghcr.io/cloudnative-pg/postgis:17-3.5",
        },
        "frontend": {
            # nginx's own unprivileged image (uid 101, listens on 8080).
            "serverImage": "docker.io/nginxinc/nginx-unprivileged:1.28.0-alpine",
        },
    },
}
