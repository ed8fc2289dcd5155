"""What the dev stack owns so that review apps own almost nothing: a wildcard host and certificate,
and a trusted task that creates and drops each review app's database."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.app_contract import CONTRACT
from components.backend_tasks import ecs_tasks_trust, runtime_platform
from components.certificates import dns_validated_certificate
from components.provider import AwsScope
from components.settings import REVIEW_CONNECTION_LIMIT, CpuArchitecture, ReviewHostSettings

SEED_PATH = Path(__file__).resolve().parent.parent / "scripts" / "review-seed.sql"
# `:TaskStatus_MAPPED` in the seed: a value of one of the application's enumerations.
_ENUM_VARIABLE = re.compile(r"(?<![:\w]):([A-Z][A-Za-z]*)_([A-Z][A-Z0-9_]*)\b")


def review_seed(path: Path = SEED_PATH, enums: dict[str, dict[str, int | str]] = CONTRACT.enums) -> str:
    """The review data set (scripts/review-seed.sql), preceded by a psql `\\set` of each enumeration
    value it names, taken from the application contract: the seed cannot write a state, role or
    priority the deployed version does not define."""
    seed = path.read_text(encoding="utf-8")
    lines = []
    for enum, member in sorted(set(_ENUM_VARIABLE.findall(seed))):
        if member not in enums.get(enum, {}):
            raise ValueError(
                f"{path.name} uses {enum}.{member}, which the application ({CONTRACT.ref}) lacks"
            )
        lines.append(f"\\set {enum}_{member} {enums[enum][member]}")
    if "SQL" in seed.splitlines():
        raise ValueError(f"{path.name} has a line SQL, which would end the admin script's here-document")
    return "\n".join(lines) + "\n" + seed


# One database and one login role per pull request, both named tm_pr_<N>. Their password is the
# HMAC of that name under the review database key: this task computes it in PostgreSQL
# (pgcrypto), the review stack in Python; it never travels. The master login stays in this task.
# `seed` loads the review data set into a migrated database, as the review app's own role.
ADMIN_SCRIPT = r"""set -eu
case "$PR_NUMBER" in ''|*[!0-9]*) echo "PR_NUMBER must be a number" >&2; exit 2;; esac
name="tm_pr_$PR_NUMBER"
export PGDATABASE=postgres PGSSLMODE=require
psql="psql -v ON_ERROR_STOP=1 -v name=$name -v base=$BASE_DATABASE"
case "$ACTION" in
create)
  $psql -v key="$REVIEW_DATABASE_KEY" <<'SQL'
CREATE EXTENSION IF NOT EXISTS pgcrypto;
SELECT encode(hmac(:'name', :'key', 'sha256'), 'hex') AS password \gset
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'name') AS new_role \gset
\if :new_role
CREATE ROLE :"name" LOGIN PASSWORD :'password' CONNECTION LIMIT @CONNECTION_LIMIT@;
\else
ALTER ROLE :"name" PASSWORD :'password';
\endif
GRANT :"name" TO CURRENT_USER;
SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'name') AS new_database \gset
\if :new_database
CREATE DATABASE :"name" OWNER :"name";
\endif
REVOKE CONNECT ON DATABASE :"name" FROM PUBLIC;
REVOKE CONNECT ON DATABASE :"base" FROM PUBLIC;
\c :"name"
CREATE EXTENSION IF NOT EXISTS postgis;
SQL
  ;;
seed)
  $psql -d "$name" <<'SQL'
SET ROLE :"name";
@SEED@
SQL
  ;;
drop)
  $psql <<'SQL'
DROP DATABASE IF EXISTS :"name" WITH (FORCE);
DROP ROLE IF EXISTS :"name";
SQL
  ;;
*) echo "ACTION must be create, seed or drop" >&2; exit 2;;
esac
echo "$ACTION $name: done"
""".replace("@SEED@", review_seed().rstrip("\n")).replace("@CONNECTION_LIMIT@", str(REVIEW_CONNECTION_LIMIT))


@dataclass(frozen=True)
class ReviewBaseArgs:
    settings: ReviewHostSettings
    scope: AwsScope
    zone_name: str
    https_listener_arn: pulumi.Input[str]
    load_balancer_dns_name: pulumi.Input[str]
    load_balancer_zone_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    database_address: pulumi.Input[str]
    database_port: int
    database_name: str
    database_secret_arn: pulumi.Input[str]
    review_database_key: pulumi.Input[str]
    log_group_name: pulumi.Input[str]
    log_group_arn: pulumi.Input[str]
    # The base stack's tm:ecs.cpuArchitecture: the PostgreSQL client image is multi-architecture.
    cpu_architecture: CpuArchitecture


class ReviewBase(pulumi.ComponentResource):
    """`tm:aws:ReviewBase`: `*.<review host>` in DNS and on the HTTPS listener, the review database
    key in Secrets Manager, and the database-admin task definition review workflows run."""

    key_secret: aws.secretsmanager.Secret
    admin_task_definition: aws.ecs.TaskDefinition

    def __init__(self, name: str, args: ReviewBaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:aws:ReviewBase", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        wildcard = f"*.{args.settings.host}"
        zone = aws.route53.get_zone_output(
            name=args.zone_name, private_zone=False, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        certificate_arn = dns_validated_certificate(f"{name}-wildcard", wildcard, zone.zone_id, child)
        aws.lb.ListenerCertificate(
            f"{name}-wildcard",
            listener_arn=args.https_listener_arn,
            certificate_arn=certificate_arn,
            opts=child,
        )
        aws.route53.Record(
            f"{name}-wildcard",
            zone_id=zone.zone_id,
            name=wildcard,
            type="A",
            aliases=[
                aws.route53.RecordAliasArgs(
                    name=args.load_balancer_dns_name,
                    zone_id=args.load_balancer_zone_id,
                    evaluate_target_health=False,
                )
            ],
            opts=child,
        )
        self.key_secret = aws.secretsmanager.Secret(
            f"{name}-database-key",
            name=f"tasking-manager/{args.scope.stack}/review-database-key",
            description="Derives each review app's database password; read only by the database-admin task",
            kms_key_id=args.kms_key_arn,
            recovery_window_in_days=7,
            opts=child,
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-database-key",
            secret_id=self.key_secret.id,
            secret_string=pulumi.Output.secret(args.review_database_key),
            opts=child,
        )
        self._admin_task(name, args)
        self.register_outputs({"adminTaskDefinitionArn": self.admin_task_definition.arn})

    def _admin_task(self, name: str, args: ReviewBaseArgs) -> None:
        """The only place the master login is used for review apps: a pinned PostgreSQL client, not
        the pull request's image, running one fixed script."""
        child = pulumi.ResourceOptions(parent=self)
        scope = args.scope
        trust = pulumi.Output.all(scope.account_id, scope.partition).apply(
            lambda ids: json.dumps(ecs_tasks_trust(ids[0], scope.region, ids[1]))
        )
        execution_role = aws.iam.Role(
            f"{name}-admin-execution",
            description="Starts the review database-admin task: its image, logs, master login and key",
            # CI's review role may pass only roles named so to ECS.
            name_prefix=f"tasking-manager-{scope.stack}-review-db-admin-",
            assume_role_policy=trust,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-admin-execution",
            role=execution_role.id,
            policy=pulumi.Output.all(
                args.log_group_arn, args.database_secret_arn, self.key_secret.arn, args.kms_key_arn
            ).apply(lambda v: json.dumps(_admin_execution_policy(*v))),
            opts=child,
        )
        # The script calls no AWS API: its task role may do nothing.
        task_role = aws.iam.Role(
            f"{name}-admin-task",
            description="The review database-admin task: no AWS permissions",
            name_prefix=f"tasking-manager-{scope.stack}-review-db-admin-",
            assume_role_policy=trust,
            opts=child,
        )

        def containers(values: list[Any]) -> str:
            address, database_secret_arn, key_secret_arn, log_group = values
            return json.dumps(
                [
                    {
                        "name": "db-admin",
                        "image": args.settings.admin_image,
                        "essential": True,
                        "command": ["sh", "-c", ADMIN_SCRIPT],
                        "user": "70",  # postgres in the Alpine image
                        "readonlyRootFilesystem": True,
                        "privileged": False,
                        "environment": [
                            {"name": "PGHOST", "value": address},
                            {"name": "PGPORT", "value": str(args.database_port)},
                            # The base's own database: review roles lose the right to connect to it.
                            {"name": "BASE_DATABASE", "value": args.database_name},
                            # Set per run with --overrides: the action and the pull request.
                            {"name": "ACTION", "value": "create"},
                            {"name": "PR_NUMBER", "value": "0"},
                        ],
                        "secrets": [
                            {"name": "PGUSER", "valueFrom": f"{database_secret_arn}:username::"},
                            {"name": "PGPASSWORD", "valueFrom": f"{database_secret_arn}:password::"},
                            {"name": "REVIEW_DATABASE_KEY", "valueFrom": key_secret_arn},
                        ],
                        "logConfiguration": {
                            "logDriver": "awslogs",
                            "options": {
                                "awslogs-group": log_group,
                                "awslogs-region": scope.region,
                                "awslogs-stream-prefix": "review-db-admin",
                            },
                        },
                    }
                ]
            )

        self.admin_task_definition = aws.ecs.TaskDefinition(
            f"{name}-database-admin",
            family=f"tasking-manager-{scope.stack}-review-db-admin",
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu="256",
            memory="512",
            runtime_platform=runtime_platform(args.cpu_architecture),
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            container_definitions=pulumi.Output.all(
                args.database_address, args.database_secret_arn, self.key_secret.arn, args.log_group_name
            ).apply(containers),
            opts=child,
        )


def _admin_execution_policy(
    log_group_arn: str, database_secret_arn: str, key_secret_arn: str, kms_key_arn: str
) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
            },
            {
                "Sid": "ReadMasterLoginAndReviewKey",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": [database_secret_arn, key_secret_arn],
            },
            {
                "Sid": "DecryptThem",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": kms_key_arn,
                "Condition": {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}},
            },
        ],
    }
