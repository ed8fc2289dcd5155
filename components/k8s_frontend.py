"""The React front end on Kubernetes: an unprivileged nginx serving the built bundle, with the
single-page app's rewrite and the spec's response headers, behind an Ingress.

The bundle comes in its own image (`tm:kubernetes.frontend.bundleImage`): the output of the
application's front-end build (frontend/build, built with the spec's build variables for this
stack's hosts) under /site of a small image that has `cp`. An init container copies it into an
emptyDir that nginx serves, so the server image stays nginx's own and pinned.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.app_spec import FrontendSpec, Size
from components.k8s_ingress import IngressArgs, host_ingress
from components.k8s_pods import (
    FRONTEND_COMPONENT,
    NGINX_PORT,
    NGINX_UID,
    container_security_context,
    digest,
    http_service_spec,
    labels,
    pod_security_context,
    resources,
    selector,
)
from components.settings import KubernetesFrontendSettings

SITE_ROOT = "/usr/share/nginx/html"
SERVER_SIZE = Size(cpu=128, memory_mib=128)


def nginx_config(frontend: FrontendSpec) -> str:
    """nginx.conf: files as they are, every route of the app (spec.spa_route_pattern) answered
    with /index.html and status 200, the spec's headers on every response; everything nginx
    writes goes to /tmp (the root file system is read-only)."""
    headers = "\n".join(
        f'        add_header {name} "{value.replace(chr(34), chr(92) + chr(34))}" always;'
        for name, value in sorted(frontend.headers.items())
    )
    return f"""worker_processes auto;
pid /tmp/nginx.pid;
error_log /dev/stderr warn;
events {{
    worker_connections 1024;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /dev/stdout;
    sendfile on;
    server_tokens off;
    client_body_temp_path /tmp/client_temp;
    proxy_temp_path /tmp/proxy_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;
    gzip on;
    gzip_types text/css application/javascript application/json image/svg+xml;
    server {{
        listen {NGINX_PORT};
        root {SITE_ROOT};
{headers}
        location = /healthz {{
            access_log off;
            default_type text/plain;
            return 200 "ok";
        }}
        location ~ "{frontend.spa_route_pattern}" {{
            try_files /index.html =404;
        }}
        location / {{
            try_files $uri =404;
        }}
    }}
}}
"""


@dataclass(frozen=True)
class FrontendArgs:
    spec: FrontendSpec
    settings: KubernetesFrontendSettings
    host: str
    namespace: pulumi.Input[str]
    prefix: str
    ingress: IngressArgs


class Frontend(pulumi.ComponentResource):
    def __init__(self, name: str, args: FrontendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:k8s:Frontend", name, None, opts)
        resource_name = f"{args.prefix}-frontend"
        config_text = nginx_config(args.spec)

        def metadata(object_name: str = resource_name) -> dict[str, object]:
            return {"name": object_name, "namespace": args.namespace, "labels": labels(FRONTEND_COMPONENT)}

        child = pulumi.ResourceOptions(parent=self)
        # Named after its content: a changed config rolls the pods.
        config_name = f"{resource_name}-nginx-{digest(config_text)}"
        self.config = k8s.core.v1.ConfigMap(
            name, metadata=metadata(config_name), data={"nginx.conf": config_text}, opts=child
        )
        security = container_security_context(NGINX_UID)
        scratch = [{"name": "tmp", "mountPath": "/tmp"}]
        site = {"name": "site", "mountPath": SITE_ROOT}
        self.deployment = k8s.apps.v1.Deployment(
            name,
            metadata=metadata(),
            spec={
                "replicas": 2,
                "selector": {"matchLabels": selector(FRONTEND_COMPONENT)},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
                "template": {
                    "metadata": {"labels": labels(FRONTEND_COMPONENT)},
                    "spec": {
                        "automountServiceAccountToken": False,
                        "enableServiceLinks": False,
                        "securityContext": pod_security_context(NGINX_UID),
                        "initContainers": [
                            {
                                "name": "bundle",
                                "image": args.settings.bundle_image,
                                "command": ["cp", "-R", "/site/.", SITE_ROOT],
                                "securityContext": security,
                                "resources": resources(SERVER_SIZE),
                                "volumeMounts": [site],
                            }
                        ],
                        "containers": [
                            {
                                "name": "nginx",
                                "image": args.settings.server_image,
                                "ports": [{"name": "http", "containerPort": NGINX_PORT, "protocol": "TCP"}],
                                "securityContext": security,
                                "resources": resources(SERVER_SIZE),
                                "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                                "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                                "volumeMounts": [
                                    {**site, "readOnly": True},
                                    *scratch,
                                    {
                                        "name": "config",
                                        "mountPath": "/etc/nginx/nginx.conf",
                                        "subPath": "nginx.conf",
                                        "readOnly": True,
                                    },
                                ],
                            }
                        ],
                        "volumes": [
                            {"name": "site", "emptyDir": {"sizeLimit": "1Gi"}},
                            {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
                            {"name": "config", "configMap": {"name": config_name}},
                        ],
                    },
                },
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.config]),
        )
        self.service = k8s.core.v1.Service(
            name,
            metadata=metadata(),
            spec=http_service_spec(FRONTEND_COMPONENT),
            opts=child,
        )
        self.ingress = host_ingress(
            name,
            args.ingress,
            namespace=args.namespace,
            component=FRONTEND_COMPONENT,
            service=resource_name,
            host=args.host,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service]),
        )
        self.register_outputs({"name": resource_name})
