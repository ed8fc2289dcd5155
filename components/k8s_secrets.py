"""The application secret on Kubernetes: a plain Secret from the Pulumi secret config, or an
ExternalSecret that the External Secrets operator fills from a secret store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.k8s_pods import labels
from components.settings import KubernetesSecretsSettings

EXTERNAL_SECRETS_API = "external-secrets.io/v1"


@dataclass(frozen=True)
class AppSecretsArgs:
    settings: KubernetesSecretsSettings
    namespace: pulumi.Input[str]
    secret_name: str
    # The variables the processes read from it (its keys).
    keys: tuple[str, ...]
    # mode `secret`: each key's value, a Pulumi secret.
    values: pulumi.Input[Mapping[str, str]] | None = None


class AppSecrets(pulumi.ComponentResource):
    def __init__(self, name: str, args: AppSecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:k8s:AppSecrets", name, None, opts)
        metadata = {"name": args.secret_name, "namespace": args.namespace, "labels": labels("secrets")}
        child = pulumi.ResourceOptions(parent=self)
        settings = args.settings
        self.secret: k8s.core.v1.Secret | None = None
        self.external_secret: k8s.apiextensions.CustomResource | None = None
        if settings.mode == "secret":
            values = pulumi.Output.secret(args.values or {})
            self.secret = k8s.core.v1.Secret(
                name,
                metadata=metadata,
                type="Opaque",
                string_data=values.apply(lambda v: {key: str(v.get(key, "")) for key in args.keys}),
                opts=child,
            )
        else:
            self.external_secret = k8s.apiextensions.CustomResource(
                name,
                api_version=EXTERNAL_SECRETS_API,
                kind="ExternalSecret",
                metadata=metadata,
                spec={
                    "refreshInterval": settings.refresh_interval,
                    "secretStoreRef": {"name": settings.store, "kind": settings.store_kind},
                    "target": {"name": args.secret_name, "creationPolicy": "Owner"},
                    # One property of the store's entry per variable, under the variable's name.
                    "data": [
                        {"secretKey": key, "remoteRef": {"key": settings.remote_key, "property": key}}
                        for key in args.keys
                    ],
                },
                opts=child,
            )
        self.secret_name = args.secret_name
        self.register_outputs({"secretName": self.secret_name})
