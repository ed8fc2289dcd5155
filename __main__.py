"""The Tasking Manager on AWS, composed like the architecture diagram.

Both build the application spec (components/app_spec.py) once and hand each component its part of it.
prod and dev: key -> network -> database -> back end (registry, secrets, load balancer, ECS, and
the telemetry collector where APM is OpenTelemetry) -> observability -> front end; dev also hosts
review apps. A review-pr-<N> stack reads dev through a StackReference and adds only its own small
layer. With tm:platform kubernetes the same application spec is realised on a Kubernetes cluster:
namespace -> secrets -> database -> back end (migration Job, API, scheduler) -> front end ->
network policies.
"""

import pulumi
import pulumi_kubernetes as k8s

from components.app_secrets import AppSecrets, AppSecretsArgs
from components.app_spec import REDIRECT_PATH, AppSpec, app_spec, review_spec
from components.backend import Backend, BackendArgs
from components.budget import CostBudget, CostBudgetArgs
from components.container_registry import ContainerRegistry, ContainerRegistryArgs
from components.database import Database, DatabaseArgs
from components.frontend import (
    Frontend,
    FrontendArgs,
    ReviewFrontend,
    ReviewFrontendArgs,
    review_build_variables,
)
from components.k8s_backend import Backend as KubernetesBackend
from components.k8s_backend import BackendArgs as KubernetesBackendArgs
from components.k8s_database import Database as KubernetesDatabase
from components.k8s_database import DatabaseArgs as KubernetesDatabaseArgs
from components.k8s_frontend import Frontend as KubernetesFrontend
from components.k8s_frontend import FrontendArgs as KubernetesFrontendArgs
from components.k8s_ingress import IngressArgs
from components.k8s_namespace import Namespace, NamespaceArgs
from components.k8s_network_policies import NetworkPolicies, NetworkPoliciesArgs
from components.k8s_pods import APP_NAME
from components.k8s_secrets import AppSecrets as KubernetesAppSecrets
from components.k8s_secrets import AppSecretsArgs as KubernetesAppSecretsArgs
from components.kms import StackKey, StackKeyArgs
from components.load_balancer import LoadBalancer, LoadBalancerArgs
from components.network import Network, NetworkArgs
from components.observability import Observability, ObservabilityArgs, deployment_alarm_names
from components.off_hours import OffHours, OffHoursArgs, SleepingService, wake_minutes
from components.provider import AwsScope, aws_provider, aws_scope
from components.review_app import ReviewApp, ReviewAppArgs, ReviewBaseOutputs
from components.review_base import ReviewBase, ReviewBaseArgs
from components.settings import BaseSettings, ReviewSettings, load_settings
from components.task_security_groups import TaskSecurityGroups, TaskSecurityGroupsArgs
from components.telemetry import TelemetryCollector, TelemetryCollectorArgs


def app_secret_values(settings: BaseSettings) -> pulumi.Output[dict[str, str]] | None:
    """The application secret's values from Pulumi secret config (tm:appSecrets), kept secret; None
    when the operator sets them in the secret store instead."""
    if not settings.app_secrets:
        return None
    return pulumi.Output.secret({k: v.get_secret_value() for k, v in settings.app_secrets.items()})


def compose_base(settings: BaseSettings, scope: AwsScope, in_account: pulumi.ResourceOptions) -> None:
    spec = app_spec(settings)
    key = StackKey("stack-key", StackKeyArgs(scope=scope), in_account)
    network = Network(
        "network",
        NetworkArgs(
            settings=settings.network,
            scope=scope,
            kms_key_arn=key.arn,
            egress_ports=(443, settings.app.smtp.port),
        ),
        in_account,
    )
    task_groups = TaskSecurityGroups(
        "tasks", TaskSecurityGroupsArgs(stack=settings.stack, vpc_id=network.vpc_id), in_account
    )
    database = Database(
        "database",
        DatabaseArgs(
            spec=spec.database,
            settings=settings.database,
            scope=scope,
            vpc_id=network.vpc_id,
            isolated_subnet_ids=network.isolated_subnet_ids,
            availability_zones=network.availability_zones,
            kms_key_arn=key.arn,
            client_security_group_ids=task_groups.ids,
        ),
        in_account,
    )
    registry = ContainerRegistry(
        "registry",
        ContainerRegistryArgs(
            stack=settings.stack,
            kms_key_arn=key.arn,
            force_delete=not settings.load_balancer.deletion_protection,
            review_images=settings.review is not None,
        ),
        in_account,
    )
    from_ecr = spec.image_repository == "ecr"
    image = (
        pulumi.Output.concat(registry.repository_url, ":", spec.image_tag)
        if from_ecr
        else f"{spec.image_repository}:{spec.image_tag}"
    )
    app_secrets = AppSecrets(
        "app-secrets",
        AppSecretsArgs(
            stack=settings.stack,
            kms_key_arn=key.arn,
            values=app_secret_values(settings),
        ),
        in_account,
    )
    load_balancer = LoadBalancer(
        "load-balancer",
        LoadBalancerArgs(
            settings=settings.load_balancer,
            scope=scope,
            vpc_id=network.vpc_id,
            public_subnet_ids=network.public_subnet_ids,
            api_host=spec.hosts.api,
            zone_name=settings.dns.zone_name,
            take_over_dns_record=settings.dns.take_over_existing_records,
            certificate_arn=settings.dns.certificate_arn,
            api_security_group_id=task_groups.ids["api"],
            api_port=spec.api.port,
            health_check_path=spec.api.health_path,
            kms_key_arn=key.arn,
            log_retention_days=settings.ecs.log_retention_days,
        ),
        in_account,
    )
    telemetry = (
        TelemetryCollector(
            "telemetry",
            TelemetryCollectorArgs(
                stack=settings.stack,
                region=settings.region,
                kms_key_arn=key.arn,
                log_retention_days=settings.ecs.log_retention_days,
            ),
            in_account,
        )
        if settings.observability.apm == "openTelemetry"
        else None
    )
    backend = Backend(
        "backend",
        BackendArgs(
            scope=scope,
            spec=spec,
            ecs=settings.ecs,
            image=image,
            repository_arn=registry.repository_arn if from_ecr else None,
            private_subnet_ids=network.private_subnet_ids,
            task_security_group_ids=task_groups.ids,
            database_security_group_id=database.security_group_id,
            database_address=database.address,
            database_login_secret_arn=database.app_login_secret_arn,
            database_admin_secret_arn=database.master_secret_arn,
            app_secret_arn=app_secrets.arn,
            kms_key_arn=key.arn,
            target_group_arn=load_balancer.target_group.arn,
            request_count_label=pulumi.Output.concat(
                load_balancer.load_balancer.arn_suffix, "/", load_balancer.target_group.arn_suffix
            ),
            collector=telemetry.container if telemetry else None,
            metrics_log_group_arn=telemetry.metrics_log_group.arn if telemetry else None,
            deployment_alarm_names=deployment_alarm_names(settings.stack),
            sleeps=settings.off_hours.enabled,
        ),
        in_account,
    )
    observability = Observability(
        "observability",
        ObservabilityArgs(
            settings=settings.observability,
            scope=scope,
            kms_key_arn=key.arn,
            load_balancer_arn_suffix=load_balancer.load_balancer.arn_suffix,
            target_group_arn_suffix=load_balancer.target_group.arn_suffix,
            cluster_name=backend.cluster.name,
            api_service_name=backend.api_service.name,
            cron_service_name=backend.cron_service.name,
            database_dimensions=database.metric_dimensions,
            database_memory_bytes=settings.database.memory_bytes,
            # Aurora's storage grows by itself: there is no ceiling to watch.
            database_max_storage_bytes=(
                settings.database.max_allocated_storage_gb * 1024**3
                if settings.database.engine == "rds"
                else None
            ),
            database_max_connections=settings.database.max_connections,
            image_repositories=[registry.repository.name],
        ),
        in_account,
    )

    if backend.cron_scaling_target is not None:  # made whenever the stack sleeps
        stopped = database.rds_instance
        OffHours(
            "off-hours",
            OffHoursArgs(
                settings=settings.off_hours,
                scope=scope,
                services=[
                    SleepingService(
                        "api", backend.scaling_target, spec.api.min_replicas, spec.api.max_replicas
                    ),
                    SleepingService(
                        "cron", backend.cron_scaling_target, spec.scheduler.replicas, spec.scheduler.replicas
                    ),
                ],
                database=stopped,
                alarm_names=observability.alerting_alarm_names,
                recheck_alarm_names=observability.health_alarm_names,
            ),
            in_account,
        )
        # What the wake workflow needs (.github/workflows/wake.yml).
        pulumi.export(
            "offHours",
            {
                "cronScalableTarget": backend.cron_scaling_target.resource_id,
                "apiScalableTarget": backend.scaling_target.resource_id,
                "apiTasks": [spec.api.min_replicas, spec.api.max_replicas],
                "alarmNames": observability.alerting_alarm_names,
                "recheckAlarmNames": observability.health_alarm_names,
                # The instance the schedules stop, which whatever needs it at night starts first.
                "stoppedDatabase": database.identifier if stopped else None,
                "wakeMinutes": wake_minutes(),
            },
        )

    pulumi.export("kmsKeyArn", key.arn)
    pulumi.export("vpcId", network.vpc_id)
    pulumi.export("vpcCidr", network.cidr)
    pulumi.export("availabilityZones", network.availability_zones)
    pulumi.export("publicSubnetIds", network.public_subnet_ids)
    pulumi.export("privateSubnetIds", network.private_subnet_ids)
    pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
    pulumi.export("databaseAddress", database.address)
    pulumi.export("databasePort", database.port)
    pulumi.export("databaseName", database.database_name)
    pulumi.export("databaseIdentifier", database.identifier)
    pulumi.export("databaseMasterSecretArn", database.master_secret_arn)
    pulumi.export("databaseAppLoginSecretArn", database.app_login_secret_arn)
    pulumi.export("databaseSecurityGroupId", database.security_group_id)
    pulumi.export("apiUrl", spec.hosts.api_url)
    # What the workflows wait for after a rollout: the app's own health route (its contract).
    pulumi.export("heartbeatUrl", f"{spec.hosts.api_url}{spec.api.health_path}")
    pulumi.export("loadBalancerDnsName", load_balancer.dns_name)
    pulumi.export("loadBalancerSecurityGroupId", load_balancer.security_group_id)
    pulumi.export("httpsListenerArn", load_balancer.https_listener.arn)
    pulumi.export("ecrRepositoryUrl", registry.repository_url)
    pulumi.export("appSecretArn", app_secrets.arn)
    pulumi.export("clusterName", backend.cluster.name)
    pulumi.export("clusterArn", backend.cluster.arn)
    pulumi.export("backendLogGroup", backend.log_group.name)
    pulumi.export("apiServiceName", backend.api_service.name)
    pulumi.export("cronServiceName", backend.cron_service.name)
    pulumi.export("migrateTaskDefinitionArn", backend.task_definitions["migrate"].arn)
    pulumi.export("migrateSecurityGroupId", task_groups.ids["migrate"])
    pulumi.export("alertTopicArns", {severity: topic.arn for severity, topic in observability.topics.items()})
    pulumi.export("dashboardName", observability.dashboard.dashboard_name)
    CostBudget(
        "budget",
        CostBudgetArgs(
            settings=settings.monthly_budget,
            stack=settings.stack,
            topic_arn=observability.topics["ticket"].arn,
        ),
        in_account,
    )

    # The front end: an Amplify app building frontend/ of the repository, this stack's branch of it.
    github_token, preview_auth = settings.github_token, settings.preview_basic_auth  # required by validation
    frontend = Frontend(
        "frontend",
        FrontendArgs(
            spec=spec.frontend,
            settings=settings.frontend,
            stack=settings.stack,
            hosts=spec.hosts,
            github_token=pulumi.Output.secret(github_token.get_secret_value() if github_token else ""),
            basic_auth_credentials=(
                pulumi.Output.secret(preview_auth.get_secret_value()) if preview_auth else None
            ),
            sentry_dsn=settings.sentry_frontend_dsn if settings.app.use_sentry else None,
        ),
        in_account,
    )
    pulumi.export("frontendAppId", frontend.app_id)
    pulumi.export("frontendDefaultDomain", frontend.default_domain)
    pulumi.export("frontendUrl", frontend.url)
    pulumi.export("frontendBranchUrl", frontend.branch_url)
    if frontend.dns_records is not None:
        pulumi.export("frontendDnsRecords", frontend.dns_records)
    pulumi.export("apiSecurityGroupId", task_groups.ids["api"])
    pulumi.export("ecrRepositoryArn", registry.repository_arn)
    pulumi.export("osmServerUrl", spec.osm_server_url)

    if settings.review is not None and settings.review_database_key is not None:
        review_base = ReviewBase(
            "review",
            ReviewBaseArgs(
                settings=settings.review,
                scope=scope,
                zone_name=str(settings.dns.zone_name),
                https_listener_arn=load_balancer.https_listener.arn,
                load_balancer_dns_name=load_balancer.load_balancer.dns_name,
                load_balancer_zone_id=load_balancer.load_balancer.zone_id,
                kms_key_arn=key.arn,
                database_address=database.address,
                database_port=database.port,
                database_name=database.database_name,
                database_secret_arn=database.master_secret_arn,
                review_database_key=pulumi.Output.secret(settings.review_database_key.get_secret_value()),
                log_group_name=backend.log_group.name,
                log_group_arn=backend.log_group.arn,
                cpu_architecture=settings.ecs.cpu_architecture,
            ),
            in_account,
        )
        assert registry.review_repository is not None  # made whenever tm:review is set
        pulumi.export("reviewEcrRepositoryUrl", registry.review_repository.repository_url)
        pulumi.export("reviewEcrRepositoryArn", registry.review_repository.arn)
        pulumi.export("reviewHost", settings.review.host)
        pulumi.export("reviewDatabaseKeySecretArn", review_base.key_secret.arn)
        pulumi.export("reviewDatabaseAdminTaskDefinitionArn", review_base.admin_task_definition.arn)
        review_frontend = ReviewFrontend(
            "review-frontend",
            ReviewFrontendArgs(
                spec=spec.frontend,
                stack=settings.stack,
                slots=settings.review.slots,
                basic_auth_credentials=(
                    pulumi.Output.secret(preview_auth.get_secret_value()) if preview_auth else None
                ),
            ),
            in_account,
        )
        pulumi.export("reviewSlots", settings.review.slots)
        pulumi.export("reviewFrontendAppId", review_frontend.app_id)
        pulumi.export("reviewFrontendDomain", review_frontend.default_domain)
        # Register these with the OSM OAuth2 application whose client id dev's front end uses.
        pulumi.export(
            "reviewRedirectUris",
            [pulumi.Output.concat(url, REDIRECT_PATH) for url in review_frontend.slot_urls],
        )
        pulumi.export("reviewFrontendBuildEnvironment", review_build_variables(spec.frontend))


def compose_review(settings: ReviewSettings, scope: AwsScope, in_account: pulumi.ResourceOptions) -> None:
    # Everything shared comes from the base stack; an output it does not export fails here.
    spec = review_spec(settings)
    base = pulumi.StackReference(settings.base_stack_name)

    def output(name: str) -> pulumi.Output:  # type: ignore[type-arg]
        return base.require_output(name)

    review = ReviewApp(
        f"pr-{settings.pull_request}",
        ReviewAppArgs(
            spec=spec,
            settings=settings.review_app,
            scope=scope,
            slot=settings.slot,
            base=ReviewBaseOutputs(
                vpc_id=output("vpcId"),
                private_subnet_ids=output("privateSubnetIds"),
                cluster_arn=output("clusterArn"),
                cluster_name=output("clusterName"),
                https_listener_arn=output("httpsListenerArn"),
                api_security_group_id=output("apiSecurityGroupId"),
                migrate_security_group_id=output("migrateSecurityGroupId"),
                ecr_repository_url=output("reviewEcrRepositoryUrl"),
                ecr_repository_arn=output("reviewEcrRepositoryArn"),
                app_secret_arn=output("appSecretArn"),
                kms_key_arn=output("kmsKeyArn"),
                database_address=output("databaseAddress"),
                database_port=output("databasePort"),
                review_host=output("reviewHost"),
                review_database_key_secret_arn=output("reviewDatabaseKeySecretArn"),
                review_frontend_app_id=output("reviewFrontendAppId"),
                review_frontend_domain=output("reviewFrontendDomain"),
                osm_server_url=output("osmServerUrl"),
            ),
            sleeps=settings.off_hours.enabled,
        ),
        in_account,
    )
    if review.scaling_target is not None:  # made whenever it sleeps, on its base's hours by default
        OffHours(
            "off-hours",
            OffHoursArgs(
                settings=settings.off_hours,
                scope=scope,
                services=[SleepingService("api", review.scaling_target, spec.replicas, spec.replicas)],
            ),
            in_account,
        )
    pulumi.export("apiUrl", review.api_url)
    pulumi.export("heartbeatUrl", pulumi.Output.concat(review.api_url, spec.api.serving()[1]))
    pulumi.export("frontendUrl", review.frontend_url)
    pulumi.export("frontendAppId", output("reviewFrontendAppId"))
    pulumi.export("frontendBranch", review.frontend_branch)
    pulumi.export("slot", settings.slot)
    pulumi.export("apiServiceName", review.service.name)
    # The workflow checks the service rolled this out (.github/scripts/rolled-out.sh).
    pulumi.export("apiTaskDefinitionArn", review.task_definitions["api"].arn)
    pulumi.export("clusterName", output("clusterName"))
    pulumi.export("migrateTaskDefinitionArn", review.task_definitions["migrate"].arn)
    pulumi.export("privateSubnetIds", output("privateSubnetIds"))
    pulumi.export("migrateSecurityGroupId", output("migrateSecurityGroupId"))
    pulumi.export("backendLogGroup", review.log_group.name)


def compose_kubernetes(settings: BaseSettings, spec: AppSpec) -> None:
    """The application spec on a Kubernetes cluster (tm:kubernetes), with the cluster's own
    ingress controller, cert-manager and, per the modes chosen, CloudNativePG and External Secrets."""
    kube = settings.kubernetes
    assert kube is not None  # required with tm:platform kubernetes by validation
    # The stack's own cluster, by its kubeconfig context: never whichever context is current.
    provider = k8s.Provider("kubernetes", context=kube.context)
    namespace = Namespace(
        "namespace",
        NamespaceArgs(name=kube.namespace, stack=spec.stack, environment=spec.environment),
        pulumi.ResourceOptions(providers=[provider]),
    )
    in_namespace = pulumi.ResourceOptions(providers=[provider], depends_on=[namespace])
    secret_keys = tuple(
        dict.fromkeys(
            ref.key
            for process in (spec.api.process, spec.scheduler.process, spec.migration.process)
            for ref in process.secrets
            if ref.store == "app"
        )
    )
    app_secrets = KubernetesAppSecrets(
        "app-secrets",
        KubernetesAppSecretsArgs(
            settings=kube.secrets,
            namespace=namespace.name,
            secret_name=f"{APP_NAME}-app",
            keys=secret_keys,
            values=app_secret_values(settings),
        ),
        in_namespace,
    )
    database = KubernetesDatabase(
        "database",
        KubernetesDatabaseArgs(
            settings=kube.database,
            spec=spec.database,
            namespace=namespace.name,
            namespace_name=kube.namespace,
            prefix=APP_NAME,
            database_url=settings.database_url.get_secret_value() if settings.database_url else None,
        ),
        in_namespace,
    )
    ingress = IngressArgs(
        ingress_class=kube.ingress_class, tls_issuer=kube.tls_issuer, annotations=kube.ingress_annotations
    )
    backend = KubernetesBackend(
        "backend",
        KubernetesBackendArgs(
            spec=spec,
            namespace=namespace.name,
            prefix=APP_NAME,
            ingress=ingress,
            app_database_address=database.app_address,
            migration_database_address=database.migration_address,
            secret_names={"app": app_secrets.secret_name, **database.secret_names},
        ),
        pulumi.ResourceOptions(providers=[provider], depends_on=[namespace, app_secrets, database]),
    )
    KubernetesFrontend(
        "frontend",
        KubernetesFrontendArgs(
            spec=spec.frontend,
            settings=kube.frontend,
            host=spec.hosts.frontend,
            namespace=namespace.name,
            prefix=APP_NAME,
            ingress=ingress,
        ),
        in_namespace,
    )
    NetworkPolicies(
        "network-policies",
        NetworkPoliciesArgs(
            namespace=namespace.name,
            prefix=APP_NAME,
            ingress_namespace=kube.ingress_namespace,
            ingress_pod_labels=kube.ingress_pod_labels,
            dns_namespace=kube.dns_namespace,
            api_port=spec.api.port,
            database_port=spec.database.port,
            smtp_port=settings.app.smtp.port,
            api_server_port=kube.api_server_port,
            instance_selector=database.instance_selector,
            pooler_selector=database.pooler_selector,
            object_storage_port=database.object_storage_port,
            operator_namespace=kube.database.operator_namespace,
        ),
        in_namespace,
    )
    pulumi.export("namespace", namespace.name)
    pulumi.export("apiUrl", spec.hosts.api_url)
    pulumi.export("heartbeatUrl", f"{spec.hosts.api_url}{spec.api.process.health_path}")
    pulumi.export("frontendUrl", spec.hosts.frontend_url)
    pulumi.export("migrationJobName", backend.job_name)
    pulumi.export("databaseAddress", database.app_address)
    pulumi.export("imageTag", spec.image_tag)
    # What the front-end bundle image (tm:kubernetes.frontend.bundleImage) is built with.
    pulumi.export("frontendBuildVariables", spec.frontend_build_environment())


settings = load_settings()  # fails here, before any resource, on a config mistake
if isinstance(settings, BaseSettings) and settings.platform == "kubernetes":
    pulumi.export("environment", settings.environment)
    pulumi.export("platform", settings.platform)
    compose_kubernetes(settings, app_spec(settings))
else:
    provider = aws_provider(settings)
    pulumi.export("environment", settings.environment)
    pulumi.export("region", settings.region)
    if isinstance(settings, BaseSettings):
        compose_base(settings, aws_scope(settings, provider), pulumi.ResourceOptions(providers=[provider]))
    else:
        compose_review(settings, aws_scope(settings, provider), pulumi.ResourceOptions(providers=[provider]))
