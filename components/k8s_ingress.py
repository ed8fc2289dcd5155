"""The Ingress of one host on Kubernetes: the cluster's ingress class, a certificate from the
cert-manager ClusterIssuer, every path to one Service's `http` port."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.k8s_pods import labels


@dataclass(frozen=True)
class IngressArgs:
    """What both hosts' Ingresses share (tm:kubernetes ingressClass, tlsIssuer, ingressAnnotations)."""

    ingress_class: str
    tls_issuer: str
    annotations: Mapping[str, str]


def host_ingress(
    resource_name: str,
    args: IngressArgs,
    *,
    namespace: pulumi.Input[str],
    component: str,
    service: str,
    host: str,
    opts: pulumi.ResourceOptions,
) -> k8s.networking.v1.Ingress:
    """An Ingress named after `service`, with the TLS Secret `<service>-tls` cert-manager fills."""
    return k8s.networking.v1.Ingress(
        resource_name,
        metadata={
            "name": service,
            "namespace": namespace,
            "labels": labels(component),
            "annotations": {**args.annotations, "cert-manager.io/cluster-issuer": args.tls_issuer},
        },
        spec={
            "ingressClassName": args.ingress_class,
            "tls": [{"hosts": [host], "secretName": f"{service}-tls"}],
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": service, "port": {"name": "http"}}},
                            }
                        ]
                    },
                }
            ],
        },
        opts=opts,
    )
