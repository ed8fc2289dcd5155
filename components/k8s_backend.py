"""The back end on Kubernetes: the migration Job, the API (Deployment, Service, Ingress,
HorizontalPodAutoscaler, PodDisruptionBudget) and the single scheduler.

The Job is named after a digest of its pod template, so a new image (or any change to what it
runs) makes a new Job; the API and scheduler Deployments depend on it, and Pulumi waits for a Job
to complete before it creates or updates what depends on it: a rollout waits for the migration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.app_spec import AppSpec, SecretStore
from components.k8s_ingress import IngressArgs, host_ingress
from components.k8s_pods import COMPONENTS, digest, http_service_spec, labels, process_pod, selector


@dataclass(frozen=True)
class BackendArgs:
    spec: AppSpec
    namespace: pulumi.Input[str]
    prefix: str
    ingress: IngressArgs
    # Where the API and the scheduler connect, and where the migration does.
    app_database_address: str
    migration_database_address: str
    secret_names: Mapping[SecretStore, str]


class Backend(pulumi.ComponentResource):
    def __init__(self, name: str, args: BackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:k8s:Backend", name, None, opts)
        spec, prefix = args.spec, args.prefix

        def metadata(component: str, resource_name: str) -> dict[str, object]:
            return {"name": resource_name, "namespace": args.namespace, "labels": labels(component)}

        def child(*depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))

        # -- the migration -------------------------------------------------------------------------
        migration = spec.migration.process
        migration_pod = process_pod(
            spec, migration, args.migration_database_address, args.secret_names, restart_policy="Never"
        )
        self.job_name = f"{prefix}-migrate-{digest(migration_pod)}"
        self.job = k8s.batch.v1.Job(
            f"{name}-migrate",
            metadata=metadata(COMPONENTS["migrate"], self.job_name),
            spec={
                # A failed run is retried once; a stuck one is stopped after half an hour.
                "backoffLimit": 1,
                "activeDeadlineSeconds": 1800,
                "template": migration_pod,
            },
            # Pulumi waits for a Job to complete (10 minutes by default): as long as it may run.
            opts=pulumi.ResourceOptions(
                parent=self, custom_timeouts=pulumi.CustomTimeouts(create="30m", update="30m")
            ),
        )

        # -- the API ---------------------------------------------------------------------------------
        api = spec.api
        api_component = COMPONENTS["api"]
        api_name = f"{prefix}-api"
        api_pod = process_pod(spec, api.process, args.app_database_address, args.secret_names)
        max_unavailable = 100 - api.min_available_during_rollout_percent
        self.api_deployment = k8s.apps.v1.Deployment(
            f"{name}-api",
            metadata=metadata(api_component, api_name),
            spec={
                "replicas": api.min_replicas,
                "selector": {"matchLabels": selector(api_component)},
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxUnavailable": f"{max_unavailable}%", "maxSurge": 1},
                },
                "template": api_pod,
            },
            # The autoscaler owns the replica count after the first rollout.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.job], ignore_changes=["spec.replicas"]),
        )
        self.api_service = k8s.core.v1.Service(
            f"{name}-api",
            metadata=metadata(api_component, api_name),
            spec=http_service_spec(api_component),
            opts=child(),
        )
        self.api_ingress = host_ingress(
            f"{name}-api",
            args.ingress,
            namespace=args.namespace,
            component=api_component,
            service=api_name,
            host=spec.hosts.api,
            opts=child(self.api_service),
        )
        self.api_autoscaler = k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-api",
            metadata=metadata(api_component, api_name),
            spec={
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": api_name},
                "minReplicas": api.min_replicas,
                "maxReplicas": api.max_replicas,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": resource,
                            "target": {"type": "Utilization", "averageUtilization": target},
                        },
                    }
                    for resource, target in (
                        ("cpu", api.cpu_target_percent),
                        ("memory", api.memory_target_percent),
                    )
                ],
            },
            opts=child(self.api_deployment),
        )
        self.api_disruption_budget = k8s.policy.v1.PodDisruptionBudget(
            f"{name}-api",
            metadata=metadata(api_component, api_name),
            spec={"maxUnavailable": 1, "selector": {"matchLabels": selector(api_component)}},
            opts=child(),
        )

        # -- the scheduler ----------------------------------------------------------------------------
        scheduler = spec.scheduler
        scheduler_component = COMPONENTS["cron"]
        self.scheduler_deployment = k8s.apps.v1.Deployment(
            f"{name}-scheduler",
            metadata=metadata(scheduler_component, f"{prefix}-scheduler"),
            spec={
                "replicas": scheduler.replicas,
                "selector": {"matchLabels": selector(scheduler_component)},
                # The old pod stops before the new one starts: never two schedulers at once.
                "strategy": {"type": "Recreate"},
                "template": process_pod(
                    spec, scheduler.process, args.app_database_address, args.secret_names
                ),
            },
            opts=child(self.job),
        )
        self.register_outputs({"jobName": self.job_name, "apiName": api_name})
