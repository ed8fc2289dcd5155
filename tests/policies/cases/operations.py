"""Fixtures of the operations guardrails. Each names its environment in config, as the files do."""

import json

from operations_guardrails import deployments, placement, production, review, tags

from tests.policies.harness import DELETE, PROVIDER_TAGS, Case, StackCase, provider_props

PROVIDER = "pulumi:providers:aws"
INSTANCE = "aws:rds/instance:Instance"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
LB = "aws:lb/loadBalancer:LoadBalancer"
SERVICE = "aws:ecs/service:Service"
PROD = {"environment": "prod"}
REVIEW = {"environment": "review"}
REVIEW_TAGS = {
    **PROVIDER_TAGS,
    "Environment": "review",
    "Stack": "review-pr-7",
    "PullRequest": "7",
    "ExpiresAt": "2030-01-31",
}
LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/tm/1"


def _tags(**changes: str) -> str:
    """A provider's defaultTags with some tags changed ("" removes one)."""
    merged = {**REVIEW_TAGS, **changes}
    return json.dumps({"tags": {k: v for k, v in merged.items() if v}})


CASES = [
    Case(
        tags.required_tags,
        PROVIDER,
        provider_props(),
        [
            (
                {
                    "defaultTags": json.dumps(
                        {"tags": {k: v for k, v in PROVIDER_TAGS.items() if k != "CostCenter"}}
                    )
                },
                "missing tag(s) CostCenter",
            ),
            (
                {"defaultTags": DELETE},
                "missing tag(s) Project, Environment, Stack, ManagedBy, Owner, CostCenter",
            ),
        ],
        config=PROD,
    ),
    Case(
        tags.required_tags,
        INSTANCE,
        {"instanceClass": "db.t4g.large", "tags": {"Name": "tasking-manager"}},
        [
            ({"tags.Owner": " "}, "missing tag(s) Owner"),
            ({"tags.Environment": "dev"}, "the Environment tag is dev on a prod stack"),
        ],
        config=PROD,
        provider=provider_props(),
    ),
    Case(
        tags.review_expiry_tag,
        PROVIDER,
        {"region": "us-east-1", "defaultTags": _tags()},
        [
            ({"defaultTags": _tags(ExpiresAt="")}, "no ExpiresAt tag: the nightly sweep cannot tell"),
            ({"defaultTags": _tags(ExpiresAt="next week")}, "ExpiresAt is 'next week', not a date"),
        ],
        config=REVIEW,
    ),
    Case(
        tags.review_expiry_tag,
        "aws:ecs/service:Service",
        {"name": "api", "tags": {}},
        [
            ({"tags.ExpiresAt": "never"}, "ExpiresAt is 'never', not a date"),
        ],
        config=REVIEW,
        provider={"region": "us-east-1", "defaultTags": _tags()},
    ),
    Case(
        placement.allowed_regions,
        PROVIDER,
        provider_props(),
        [
            ({"region": "eu-west-1"}, "the AWS provider deploys to eu-west-1; allowed: us-east-1"),
            ({"region": DELETE}, "the AWS provider sets no region"),
        ],
        config={"regions": ["us-east-1"]},
    ),
    Case(
        placement.allowed_regions,
        "aws:s3/bucket:Bucket",
        {"bucket": "tm-logs"},
        [
            ({"region": "ap-south-1"}, "the resource is placed in ap-south-1"),
        ],
    ),
    Case(
        placement.allowed_instance_classes,
        INSTANCE,
        {"instanceClass": "db.t4g.large"},
        [
            (
                {"instanceClass": "db.r6i.8xlarge"},
                "RDS class db.r6i.8xlarge is not allowed here; allowed: db.t4g.large, db.m7g.*",
            ),
        ],
        config={"rdsInstanceClasses": ["db.t4g.large", "db.m7g.*"]},
    ),
    Case(
        placement.allowed_instance_classes,
        "aws:ec2/instance:Instance",
        {"instanceType": "t4g.small", "ami": "ami-1"},
        [
            ({"instanceType": "m5.large"}, "EC2 type m5.large is not allowed here; allowed: t4g.*"),
        ],
        config={"ec2InstanceTypes": ["t4g.*"]},
    ),
    StackCase(
        production.prod_database_multi_az,
        {"db": (INSTANCE, {"multiAz": True})},
        [
            ({"db.multiAz": False}, "multiAz is not true"),
            ({"db.multiAz": DELETE}, "one zone's outage takes the database down"),
        ],
        config=PROD,
    ),
    StackCase(
        production.prod_database_multi_az,
        {
            "cluster": ("aws:rds/cluster:Cluster", {"id": "tm", "clusterIdentifier": "tm"}),
            "writer": (CLUSTER_INSTANCE, {"clusterIdentifier": "tm", "availabilityZone": "us-east-1a"}),
            "reader": (CLUSTER_INSTANCE, {"clusterIdentifier": "tm", "availabilityZone": "us-east-1b"}),
        },
        [
            ({"reader": DELETE}, "its 1 instance(s) are in 1 named zone(s): one zone's outage"),
            ({"reader.availabilityZone": "us-east-1a"}, "its 2 instance(s) are in 1 named zone(s)"),
            ({"reader.clusterIdentifier": "other"}, "add a reader in another zone"),
        ],
        config=PROD,
    ),
    Case(
        production.prod_deletion_protection,
        INSTANCE,
        {"deletionProtection": True},
        [
            ({"deletionProtection": DELETE}, "deletionProtection is not true"),
        ],
        config=PROD,
    ),
    Case(
        production.prod_deletion_protection,
        "aws:alb/loadBalancer:LoadBalancer",
        {"enableDeletionProtection": True},
        [
            ({"enableDeletionProtection": False}, "enableDeletionProtection is not true"),
        ],
        config=PROD,
    ),
    Case(
        production.prod_deletion_protection,
        "aws:ecr/repository:Repository",
        {"name": "tasking-manager/prod/backend", "forceDelete": False},
        [({"forceDelete": True}, "forceDelete is true: one mistaken destroy deletes it with everything")],
        config=PROD,
    ),
    Case(
        production.prod_deletion_protection,
        "aws:s3/bucket:Bucket",
        {"bucket": "tm-prod-access-logs"},
        [({"forceDestroy": True}, "forceDestroy is true")],
        config=PROD,
    ),
    Case(
        production.prod_final_snapshot,
        INSTANCE,
        {"skipFinalSnapshot": False, "finalSnapshotIdentifier": "tasking-manager-prod-final"},
        [
            ({"skipFinalSnapshot": True}, "skipFinalSnapshot is true: deleting the database keeps no copy"),
            ({"finalSnapshotIdentifier": DELETE}, "finalSnapshotIdentifier is unset"),
        ],
        config=PROD,
    ),
    Case(
        production.prod_keep_automated_backups,
        INSTANCE,
        {"deleteAutomatedBackups": False},
        [
            ({"deleteAutomatedBackups": True}, "deleteAutomatedBackups is true"),
            (
                {"deleteAutomatedBackups": DELETE},
                "deleteAutomatedBackups is unset (true): deleting the database",
            ),
        ],
        config=PROD,
    ),
    Case(
        production.prod_keep_automated_backups,
        "aws:rds/cluster:Cluster",
        {"deleteAutomatedBackups": False},
        [({"deleteAutomatedBackups": True}, "deleting the database deletes its point-in-time backups")],
        config=PROD,
    ),
    Case(
        production.prod_never_sleeps,
        "aws:appautoscaling/scheduledAction:ScheduledAction",
        {"schedule": "cron(0 6 ? * MON *)", "scalableTargetAction": {"minCapacity": 2, "maxCapacity": 8}},
        [
            ({"scalableTargetAction.minCapacity": 0}, "sets minCapacity to 0: it would leave production"),
            ({"scalableTargetAction.maxCapacity": 0}, "sets maxCapacity to 0: it would leave production"),
        ],
        config=PROD,
    ),
    Case(
        production.prod_never_sleeps,
        "aws:scheduler/schedule:Schedule",
        {
            "scheduleExpression": "cron(0 4 ? * SUN *)",
            "target": {"arn": "arn:aws:scheduler:::aws-sdk:rds:createDBSnapshot"},
        },
        [
            (
                {"target.arn": "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance"},
                "a schedule calls rds:stopDBInstance: production never sleeps",
            ),
            (
                {"target.arn": "arn:aws:scheduler:::aws-sdk:cloudwatch:disableAlarmActions"},
                "calls cloudwatch:disableAlarmActions",
            ),
        ],
        config=PROD,
    ),
    Case(
        production.prod_ecs_exec_off,
        "aws:ecs/service:Service",
        {"name": "tasking-manager-prod-api", "enableExecuteCommand": False},
        [({"enableExecuteCommand": True}, "enableExecuteCommand is true: anyone with ecs:ExecuteCommand")],
        config=PROD,
    ),
    Case(
        deployments.ecs_service_circuit_breaker,
        "aws:ecs/service:Service",
        {"name": "tasking-manager-dev-api", "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        [
            ({"deploymentCircuitBreaker.enable": False}, "the deployment circuit breaker is off"),
            ({"deploymentCircuitBreaker": DELETE}, "the deployment circuit breaker is off"),
            ({"deploymentCircuitBreaker.rollback": False}, "without rolling back to the tasks that worked"),
        ],
    ),
    Case(
        production.prod_backup_retention,
        INSTANCE,
        {"backupRetentionPeriod": 30.0},
        [
            (
                {"backupRetentionPeriod": 7.0},
                "backupRetentionPeriod is 7 day(s); production keeps at least 14",
            ),
            ({"backupRetentionPeriod": DELETE}, "backupRetentionPeriod is 1 day(s)"),
        ],
        config={**PROD, "minimumDays": 14},
    ),
    Case(
        production.prod_backup_retention,
        "aws:backup/plan:Plan",
        {
            "name": "tm",
            "rules": [{"ruleName": "daily", "lifecycle": {"deleteAfter": 35.0}}, {"ruleName": "forever"}],
        },
        [
            (
                {"rules.0.lifecycle.deleteAfter": 7.0},
                "backup rule daily keeps recovery points 7 days; at least 14",
            ),
        ],
        config=PROD,
    ),
    Case(
        production.prod_api_min_tasks,
        SERVICE,
        {"desiredCount": 2.0},
        [
            ({"desiredCount": 1.0}, "the API service runs 1 task(s); production runs at least 2"),
            ({"desiredCount": DELETE}, "the API service runs 0 task(s)"),
        ],
        config=PROD,
        name="backend-api",
    ),
    Case(production.prod_api_min_tasks, SERVICE, {"desiredCount": 1.0}, [], config=PROD, name="backend-cron"),
    Case(
        production.prod_api_min_tasks,
        "aws:appautoscaling/target:Target",
        {
            "serviceNamespace": "ecs",
            "resourceId": "service/tasking-manager-prod/backend-api-d753230",
            "minCapacity": 2.0,
            "maxCapacity": 8.0,
        },
        [
            ({"minCapacity": 1.0}, "autoscaling may shrink the API service to 1 task(s); production keeps 2"),
        ],
        config=PROD,
    ),
    StackCase(
        production.prod_waf_attached,
        {
            "lb": (LB, {"arn": LB_ARN, "internal": False, "loadBalancerType": "application"}),
            "association": (
                "aws:wafv2/webAclAssociation:WebAclAssociation",
                {"resourceArn": LB_ARN, "webAclArn": "arn:acl"},
            ),
        },
        [
            ({"association": DELETE}, "serves production without a WAFv2 web ACL"),
            (
                {
                    "association.resourceArn": LB_ARN.replace("/tm/1", "/other/2"),
                },
                "without a WAFv2",
            ),
        ],
        config=PROD,
    ),
    Case(
        production.prod_log_retention,
        "aws:cloudwatch/logGroup:LogGroup",
        {"name": "/tm/api", "retentionInDays": 400.0},
        [
            ({"retentionInDays": 30.0}, "retentionInDays is 30; production keeps logs at least 365 days"),
        ],
        config=PROD,
    ),
    StackCase(
        review.review_shares_base_infrastructure,
        {
            "service": (SERVICE, {"name": "api"}),
            "target-group": ("aws:lb/targetGroup:TargetGroup", {"port": 5000.0}),
        },
        [
            (
                {"nat": ("aws:ec2/natGateway:NatGateway", {"subnetId": "subnet-1"})},
                "the review app creates a NAT gateway",
            ),
            ({"alb": ("aws:alb/loadBalancer:LoadBalancer", {"internal": False})}, "creates a load balancer"),
            ({"db": (INSTANCE, {"instanceClass": "db.t4g.micro"})}, "creates an RDS instance"),
            ({"vpc": ("awsx:ec2:Vpc", {"vpcId": "vpc-1"})}, "creates a VPC (awsx)"),
        ],
        config=REVIEW,
    ),
    Case(
        review.review_no_deletion_protection,
        INSTANCE,
        {"deletionProtection": False},
        [
            ({"deletionProtection": True}, "deletionProtection is true: the review app cannot be destroyed"),
        ],
        config=REVIEW,
    ),
    Case(
        review.review_no_deletion_protection,
        LB,
        {"enableDeletionProtection": False},
        [
            ({"enableDeletionProtection": True}, "enableDeletionProtection is true"),
        ],
        config=REVIEW,
    ),
    Case(
        review.review_no_retained_resources,
        "aws:cloudwatch/logGroup:LogGroup",
        {"name": "/tm/review-pr-7", "skipDestroy": False},
        [
            ({"skipDestroy": True}, "skipDestroy is true: destroying the stack leaves it behind"),
        ],
        config=REVIEW,
    ),
    Case(
        review.review_no_retained_resources,
        "aws:s3/bucketV2:BucketV2",
        {"bucket": "tm-pr-7", "forceDestroy": True},
        [
            (
                {"forceDestroy": DELETE},
                "forceDestroy is not true: a bucket with objects in it blocks the destroy",
            ),
        ],
        config=REVIEW,
    ),
    Case(
        review.review_no_retained_resources,
        "aws:ecr/repository:Repository",
        {"name": "tm/pr-7", "forceDelete": True},
        [
            ({"forceDelete": False}, "forceDelete is not true"),
        ],
        config=REVIEW,
    ),
    Case(
        review.review_no_retained_resources,
        "aws:secretsmanager/secret:Secret",
        {"name": "tm/pr-7", "recoveryWindowInDays": 0.0},
        [
            ({"recoveryWindowInDays": DELETE}, "recoveryWindowInDays is not 0"),
            ({"recoveryWindowInDays": 7.0}, "a reopened PR cannot recreate it"),
        ],
        config=REVIEW,
    ),
    Case(
        review.review_no_final_snapshot,
        INSTANCE,
        {"skipFinalSnapshot": True},
        [
            ({"skipFinalSnapshot": False}, "skipFinalSnapshot is not true"),
            ({"skipFinalSnapshot": DELETE}, "destroy waits for, and keeps, a final snapshot"),
        ],
        config=REVIEW,
    ),
    Case(
        review.review_spot_capacity,
        SERVICE,
        {
            "capacityProviderStrategies": [
                {"capacityProvider": "FARGATE_SPOT", "weight": 1.0, "base": 0.0},
                {"capacityProvider": "FARGATE", "weight": 0.0, "base": 0.0},
            ],
        },
        [
            ({"launchType": "FARGATE"}, "launchType FARGATE runs on-demand"),
            ({"capacityProviderStrategies": DELETE}, "no capacity provider strategy"),
            ({"capacityProviderStrategies.1.base": 1.0}, "tasks may run on FARGATE (weight or base above 0)"),
        ],
        config=REVIEW,
    ),
]
