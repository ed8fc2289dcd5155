"""PostgreSQL + PostGIS on Kubernetes: a CloudNativePG cluster with its backups and a PgBouncer
pooler, or an external database whose URL is a Pulumi secret.

CloudNativePG makes the logins: `<cluster>-app` (the application's, owner of its database) and,
with superuser access on, `<cluster>-superuser` (the migration's administrative login, which
prepares PostGIS and the application's role). Both hold `username` and `password`, the keys the
application spec's `login` and `admin` stores name.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pulumi
import pulumi_kubernetes as k8s

from components.app_spec import DatabaseSpec, SecretStore
from components.k8s_pods import labels, requests_and_limits
from components.settings import KubernetesDatabaseSettings, parse_database_url

CNPG_API = "postgresql.cnpg.io/v1"


@dataclass(frozen=True)
class DatabaseArgs:
    settings: KubernetesDatabaseSettings
    spec: DatabaseSpec
    namespace: pulumi.Input[str]
    namespace_name: str
    prefix: str
    # mode external: the URL (a Pulumi secret at run time, its parts validated up front).
    database_url: str | None = None


class Database(pulumi.ComponentResource):
    """`app_address` is where the API and the scheduler connect (the pooler, or the external
    host); `migration_address` where the migration does (the primary itself: DDL and a superuser
    login do not go through PgBouncer); `secret_names` the Secret of each login store;
    `object_storage_port` the port of the backups' endpoint (None with an external database)."""

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:k8s:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings, spec = args.settings, args.spec
        self.cluster: k8s.apiextensions.CustomResource | None = None
        self.pooler: k8s.apiextensions.CustomResource | None = None
        self.scheduled_backup: k8s.apiextensions.CustomResource | None = None
        self.login_secret: k8s.core.v1.Secret | None = None
        if settings.mode == "external":
            parts = parse_database_url(args.database_url or "")
            if parts is None:  # settings validation refuses this before any resource
                raise ValueError("tm:databaseUrl is not a postgresql:// URL")
            login_name = f"{args.prefix}-db-login"
            self.login_secret = k8s.core.v1.Secret(
                f"{name}-login",
                metadata={"name": login_name, "namespace": args.namespace, "labels": labels("database")},
                type="kubernetes.io/basic-auth",
                string_data=pulumi.Output.secret(
                    {"username": parts["username"], "password": parts["password"]}
                ),
                opts=child,
            )
            self.app_address = self.migration_address = parts["host"]
            # One login: the external database's owner prepares and migrates it too.
            self.secret_names: dict[SecretStore, str] = {"login": login_name, "admin": login_name}
            self.instance_selector: dict[str, str] | None = None
            self.pooler_selector: dict[str, str] | None = None
            self.object_storage_port: int | None = None
            self.register_outputs({"appAddress": self.app_address})
            return

        cluster_name = f"{args.prefix}-db"
        pooler_name = f"{cluster_name}-pooler-rw"
        backup = settings.backup
        assert backup is not None  # required with cloudNativePg by settings validation
        storage = {"size": settings.storage_size}
        if settings.storage_class:
            storage["storageClass"] = settings.storage_class
        self.cluster = k8s.apiextensions.CustomResource(
            name,
            api_version=CNPG_API,
            kind="Cluster",
            metadata={"name": cluster_name, "namespace": args.namespace, "labels": labels("database")},
            spec={
                "instances": settings.instances,
                "imageName": settings.image,
                "enableSuperuserAccess": True,
                "primaryUpdateStrategy": "unsupervised",
                "postgresql": {
                    "parameters": {
                        # The stack's peak plus what is kept free (the application spec's budget).
                        "max_connections": str(spec.connections_needed + spec.reserved_connections),
                    }
                },
                "bootstrap": {
                    "initdb": {
                        "database": spec.name,
                        "owner": spec.name,
                        "postInitApplicationSQL": [
                            f"CREATE EXTENSION IF NOT EXISTS {extension}" for extension in spec.extensions
                        ],
                    }
                },
                "storage": storage,
                "resources": requests_and_limits(settings.cpu_millicores, settings.memory_mib),
                "backup": {
                    "retentionPolicy": f"{backup.retention_days}d",
                    "barmanObjectStore": {
                        "destinationPath": backup.destination_path,
                        "endpointURL": backup.endpoint_url,
                        "s3Credentials": {
                            "accessKeyId": {"name": backup.credentials_secret, "key": "ACCESS_KEY_ID"},
                            "secretAccessKey": {
                                "name": backup.credentials_secret,
                                "key": "ACCESS_SECRET_KEY",
                            },
                        },
                        "wal": {"compression": "gzip"},
                        "data": {"compression": "gzip"},
                    },
                },
            },
            opts=child,
        )
        self.scheduled_backup = k8s.apiextensions.CustomResource(
            f"{name}-backup",
            api_version=CNPG_API,
            kind="ScheduledBackup",
            metadata={
                "name": f"{cluster_name}-daily",
                "namespace": args.namespace,
                "labels": labels("database"),
            },
            spec={
                "schedule": backup.schedule,
                "backupOwnerReference": "self",
                "immediate": True,
                "cluster": {"name": cluster_name},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.cluster]),
        )
        self.pooler = k8s.apiextensions.CustomResource(
            f"{name}-pooler",
            api_version=CNPG_API,
            kind="Pooler",
            metadata={"name": pooler_name, "namespace": args.namespace, "labels": labels("database")},
            spec={
                "cluster": {"name": cluster_name},
                "instances": settings.pooler_instances,
                "type": "rw",
                "pgbouncer": {
                    # asyncpg prepares statements per connection: session pooling keeps them valid.
                    "poolMode": "session",
                    "parameters": {
                        "max_client_conn": str(spec.connections_needed),
                        "default_pool_size": str(spec.connections_needed),
                    },
                },
                # The operator sets the pods' security contexts (its own restricted ones, as the
                # image's uid 998) and app.kubernetes.io labels over any the template gives: the
                # template adds only the requests and limits.
                "template": {
                    "spec": {
                        "containers": [{"name": "pgbouncer", "resources": requests_and_limits(100, 128)}]
                    },
                },
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.cluster]),
        )
        service_domain = f"{args.namespace_name}.svc"
        self.app_address = f"{pooler_name}.{service_domain}"
        self.migration_address = f"{cluster_name}-rw.{service_domain}"
        self.secret_names = {"login": f"{cluster_name}-app", "admin": f"{cluster_name}-superuser"}
        self.instance_selector = {"cnpg.io/cluster": cluster_name, "cnpg.io/podRole": "instance"}
        self.pooler_selector = {"cnpg.io/poolerName": pooler_name}
        self.object_storage_port = urlsplit(backup.endpoint_url).port or 443
        self.register_outputs({"appAddress": self.app_address, "migrationAddress": self.migration_address})
