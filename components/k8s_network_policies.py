"""The namespace's network policies: deny everything, then allow exactly

- DNS from every pod to the cluster's DNS;
- the ingress controller's pods to the API (its port) and to the front end (nginx's port);
- the API and the scheduler to the database's pooler, the migration to the database's instances
  (or, with an external database, all three to its port anywhere);
- the API and the scheduler out to HTTPS (443) and the SMTP port;
- what the database itself needs to run (CloudNativePG only): the pooler to the instances, the
  instances to each other (replication) and to object storage (backups, on its endpoint's port),
  the operator to the instances' status port, and the instances and the pooler to the API server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.k8s_pods import APP_NAME, COMPONENTS, FRONTEND_COMPONENT, NGINX_PORT, labels, selector

ANYWHERE = {"ipBlock": {"cidr": "0.0.0.0/0"}}
# The port each CloudNativePG instance's manager answers the operator on.
CNPG_STATUS_PORT = 8000


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _ports(*ports: int, protocol: str = "TCP") -> list[dict[str, Any]]:
    return [{"port": port, "protocol": protocol} for port in ports]


def _components(*names: str) -> dict[str, Any]:
    return {
        "matchLabels": {"app.kubernetes.io/name": APP_NAME},
        "matchExpressions": [{"key": "app.kubernetes.io/component", "operator": "In", "values": list(names)}],
    }


@dataclass(frozen=True)
class NetworkPoliciesArgs:
    namespace: pulumi.Input[str]
    prefix: str
    ingress_namespace: str
    ingress_pod_labels: dict[str, str]
    dns_namespace: str
    api_port: int
    database_port: int
    smtp_port: int
    api_server_port: int
    # CloudNativePG: its instance and pooler pods, and the port of the object storage its backups
    # go to (None with an external database).
    instance_selector: dict[str, str] | None
    pooler_selector: dict[str, str] | None
    object_storage_port: int | None
    operator_namespace: str


class NetworkPolicies(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: NetworkPoliciesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tm:k8s:NetworkPolicies", name, None, opts)
        self.policies: dict[str, k8s.networking.v1.NetworkPolicy] = {}
        api, scheduler, migration = COMPONENTS["api"], COMPONENTS["cron"], COMPONENTS["migrate"]
        db_port = _ports(args.database_port)

        def policy(key: str, pod_selector: dict[str, Any], **rules: list[dict[str, Any]]) -> None:
            types = [kind for kind in ("Ingress", "Egress") if kind.lower() in rules]
            self.policies[key] = k8s.networking.v1.NetworkPolicy(
                f"{name}-{key}",
                metadata={
                    "name": f"{args.prefix}-{key}",
                    "namespace": args.namespace,
                    "labels": labels("network-policy"),
                },
                spec={"podSelector": pod_selector, "policyTypes": types, **rules},
                opts=pulumi.ResourceOptions(parent=self),
            )

        policy("default-deny", {}, ingress=[], egress=[])
        policy(
            "allow-dns",
            {},
            egress=[
                {
                    "to": [
                        {
                            **_namespace(args.dns_namespace),
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": _ports(53, protocol="UDP") + _ports(53),
                }
            ],
        )
        ingress_controller = [
            {**_namespace(args.ingress_namespace), "podSelector": {"matchLabels": args.ingress_pod_labels}}
        ]
        policy(
            "ingress-to-api",
            {"matchLabels": selector(api)},
            ingress=[{"from": ingress_controller, "ports": _ports(args.api_port)}],
        )
        policy(
            "ingress-to-frontend",
            {"matchLabels": selector(FRONTEND_COMPONENT)},
            ingress=[{"from": ingress_controller, "ports": _ports(NGINX_PORT)}],
        )
        policy(
            "app-to-internet",
            _components(api, scheduler),
            egress=[{"to": [ANYWHERE], "ports": _ports(443, args.smtp_port)}],
        )
        if args.instance_selector is None or args.pooler_selector is None or args.object_storage_port is None:
            policy(
                "app-to-database",
                _components(api, scheduler, migration),
                egress=[{"to": [ANYWHERE], "ports": db_port}],
            )
            self.register_outputs({})
            return

        instances = {"podSelector": {"matchLabels": args.instance_selector}}
        pooler = {"podSelector": {"matchLabels": args.pooler_selector}}
        policy(
            "app-to-pooler",
            _components(api, scheduler),
            egress=[{"to": [pooler], "ports": db_port}],
        )
        policy(
            "migration-to-database",
            {"matchLabels": selector(migration)},
            egress=[{"to": [instances], "ports": db_port}],
        )
        policy(
            "pooler",
            {"matchLabels": args.pooler_selector},
            ingress=[{"from": [{"podSelector": _components(api, scheduler)}], "ports": db_port}],
            egress=[
                {"to": [instances], "ports": db_port},
                {"to": [ANYWHERE], "ports": _ports(args.api_server_port)},
            ],
        )
        policy(
            "database",
            {"matchLabels": args.instance_selector},
            ingress=[
                {
                    "from": [pooler, instances, {"podSelector": {"matchLabels": selector(migration)}}],
                    "ports": db_port,
                },
                {"from": [_namespace(args.operator_namespace)], "ports": _ports(CNPG_STATUS_PORT)},
            ],
            egress=[
                {"to": [instances], "ports": db_port},
                {"to": [ANYWHERE], "ports": _ports(args.object_storage_port, args.api_server_port)},
            ],
        )
        self.register_outputs({})
