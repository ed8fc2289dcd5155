"""The stack's namespace on Kubernetes, held to the Pod Security Standard `restricted`."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.k8s_pods import APP_NAME

POD_SECURITY_LEVEL = "restricted"


@dataclass(frozen=True)
class NamespaceArgs:
    name: str
    stack: str
    environment: str


class Namespace(pulumi.ComponentResource):
    """A namespace whose pods the API server admits only under `restricted` (enforce), and warns
    and audits at the same level."""

    def __init__(self, name: str, args: NamespaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:k8s:Namespace", name, None, opts)
        pod_security = {
            f"pod-security.kubernetes.io/{mode}": POD_SECURITY_LEVEL for mode in ("enforce", "warn", "audit")
        }
        self.namespace = k8s.core.v1.Namespace(
            name,
            metadata={
                "name": args.name,
                "labels": {
                    **pod_security,
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    "app.kubernetes.io/part-of": APP_NAME,
                    "tasking-manager/stack": args.stack,
                    "tasking-manager/environment": args.environment,
                },
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.name: pulumi.Output[str] = self.namespace.metadata.apply(lambda m: str(m["name"]))
        self.register_outputs({"name": self.name})
