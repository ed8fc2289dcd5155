"""The Kubernetes realisation (tm:platform kubernetes) of the application spec, planned offline:
the example stack (Pulumi.k8s-example.yaml) and variants of it."""

from __future__ import annotations

import dataclasses
import ipaddress
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from components.app_spec import AppSpec, Process, app_spec
from components.k8s_frontend import nginx_config
from components.settings import BaseSettings, SettingsError, parse_settings
from offline.config import SECRET_PLACEHOLDER
from offline.engine import Plan, stack_config, stack_settings
from offline.k8s_manifests import manifests as manifests_of
from offline.mocks import Registration
from offline.report import render_text, to_json
from tests.conftest import plan_for
from tests.k8s_fixtures import EXTERNAL_SECRETS

STACK = "k8s-example"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
JOB = "kubernetes:batch/v1:Job"
CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster"
POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


def spec_of(overrides: dict[str, Any] | None = None) -> AppSpec:
    settings = stack_settings(STACK, overrides)
    assert isinstance(settings, BaseSettings)
    return app_spec(settings)


def plan(overrides: dict[str, Any] | None = None) -> Plan:
    return plan_for(STACK, overrides)


def deployment(p: Plan, component: str) -> Registration:
    (found,) = [
        r
        for r in p.of_type(DEPLOYMENT)
        if r.inputs["metadata"]["labels"]["app.kubernetes.io/component"] == component
    ]
    return found


def pod_templates(p: Plan) -> dict[str, dict[str, Any]]:
    """The pod template of each Deployment and Job, by the workload's component."""
    return {
        r.inputs["metadata"]["labels"]["app.kubernetes.io/component"]: r.inputs["spec"]["template"]
        for r in [*p.of_type(DEPLOYMENT), *p.of_type(JOB)]
    }


def processes(spec: AppSpec) -> dict[str, Process]:
    return {"api": spec.api.process, "scheduler": spec.scheduler.process, "migration": spec.migration.process}


# -- the back end's processes -------------------------------------------------------------------------


def test_the_scheduler_is_one_replica_replaced_by_recreation() -> None:
    scheduler = deployment(plan(), "scheduler").inputs["spec"]
    assert scheduler["replicas"] == 1
    assert scheduler["strategy"] == {"type": "Recreate"}


def test_the_migration_job_precedes_the_api_and_the_scheduler() -> None:
    p = plan()
    (job,) = p.of_type(JOB)
    for component in ("api", "scheduler"):
        assert job.urn in deployment(p, component).dependencies, component


def test_a_new_image_makes_a_new_migration_job_and_the_same_image_the_same_one() -> None:
    def job_name(p: Plan) -> str:
        (job,) = p.of_type(JOB)
        return str(job.inputs["metadata"]["name"])

    first, again = job_name(plan()), job_name(plan({"tm:image.tag": "v5.5.2"}))
    newer = job_name(plan({"tm:image.tag": "v5.5.3"}))
    assert first == again
    assert newer != first
    (job,) = plan({"tm:image.tag": "v5.5.3"}).of_type(JOB)
    assert job.inputs["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":v5.5.3")


@pytest.mark.parametrize("component", ["api", "scheduler", "migration"])
def test_each_container_runs_its_process_of_the_spec(component: str) -> None:
    spec, p = spec_of(), plan()
    process = processes(spec)[component]
    template = pod_templates(p)[component]
    (container,) = template["spec"]["containers"]
    assert container["image"] == f"{spec.image_repository}:{spec.image_tag}"
    assert container["command"] == list(process.command)
    assert [int(port["containerPort"]) for port in container.get("ports", [])] == (
        [process.port] if process.port else []
    )
    assert container["securityContext"]["runAsUser"] == process.user
    assert template["spec"]["securityContext"]["runAsUser"] == process.user
    plain = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    address = plain["POSTGRES_ENDPOINT"]
    assert plain == spec.process_environment(process, address)
    secrets = {
        e["name"]: (e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
        for e in container["env"]
        if "valueFrom" in e
    }
    stores = {
        "app": "tasking-manager-app",
        "login": "tasking-manager-db-app",
        "admin": "tasking-manager-db-superuser",
    }
    assert secrets == {ref.variable: (stores[ref.store], ref.key) for ref in process.secrets}


def test_the_api_and_scheduler_connect_through_the_pooler_and_the_migration_to_the_primary() -> None:
    templates = pod_templates(plan())

    def endpoint(component: str) -> str:
        (container,) = templates[component]["spec"]["containers"]
        return next(e["value"] for e in container["env"] if e["name"] == "POSTGRES_ENDPOINT")

    (pooler,) = plan().of_type(POOLER)
    pooler_service = f"{pooler.inputs['metadata']['name']}.tasking-manager.svc"
    assert endpoint("api") == endpoint("scheduler") == pooler_service
    assert endpoint("migration") == "tasking-manager-db-rw.tasking-manager.svc"


@pytest.mark.parametrize("component", ["api", "scheduler", "migration"])
def test_requests_and_limits_are_the_spec_sizes(component: str) -> None:
    size = processes(spec_of())[component].size
    (container,) = pod_templates(plan())[component]["spec"]["containers"]
    wanted = {"cpu": f"{size.millicores}m", "memory": f"{size.memory_mib}Mi"}
    assert container["resources"] == {"requests": wanted, "limits": wanted}


def test_the_api_is_probed_on_the_spec_health_path() -> None:
    spec = spec_of()
    (container,) = pod_templates(plan())["api"]["spec"]["containers"]
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"] == {"path": spec.api.process.health_path, "port": "http"}


def test_the_api_scales_on_the_spec_range_and_targets_and_keeps_serving_through_rollouts() -> None:
    spec, p = spec_of(), plan()
    (autoscaler,) = p.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    hpa = autoscaler.inputs["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (spec.api.min_replicas, spec.api.max_replicas)
    targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["metrics"]}
    assert targets == {"cpu": spec.api.cpu_target_percent, "memory": spec.api.memory_target_percent}
    api = deployment(p, "api")
    assert hpa["scaleTargetRef"]["name"] == api.inputs["metadata"]["name"]
    assert api.inputs["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == "0%"
    (budget,) = p.of_type("kubernetes:policy/v1:PodDisruptionBudget")
    assert budget.inputs["spec"]["selector"] == api.inputs["spec"]["selector"]


@pytest.mark.parametrize(("service", "host"), [("api", "api"), ("frontend", "frontend")])
def test_each_host_has_an_ingress_of_the_class_with_a_certificate_from_the_issuer(
    service: str, host: str
) -> None:
    spec, settings = spec_of(), stack_settings(STACK)
    assert isinstance(settings, BaseSettings)
    assert settings.kubernetes is not None
    wanted = getattr(spec.hosts, host)
    (ingress,) = [
        r
        for r in plan().of_type("kubernetes:networking.k8s.io/v1:Ingress")
        if r.inputs["spec"]["rules"][0]["host"] == wanted
    ]
    assert ingress.inputs["spec"]["ingressClassName"] == settings.kubernetes.ingress_class == "traefik"
    annotations = ingress.inputs["metadata"]["annotations"]
    assert annotations["cert-manager.io/cluster-issuer"] == settings.kubernetes.tls_issuer
    # The example's Traefik serves the hosts on its HTTPS entry point only.
    assert annotations["traefik.ingress.kubernetes.io/router.entrypoints"] == "websecure"
    assert [tls["hosts"] for tls in ingress.inputs["spec"]["tls"]] == [[wanted]]
    backend = ingress.inputs["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    assert backend == f"tasking-manager-{service}"


def test_every_kubernetes_object_goes_through_the_provider_of_the_stacks_context() -> None:
    """Not whatever context the operator's kubeconfig has current: the stack names its cluster."""
    p = plan()
    (provider,) = p.of_type("pulumi:providers:kubernetes")
    assert provider.inputs["context"] == "k3s-tasking-manager"
    objects = [r for r in p.resources if r.custom and r.type.startswith("kubernetes:")]
    assert len(objects) >= 20
    assert [r.urn for r in objects if not r.provider.startswith(f"{provider.urn}::")] == []


# -- Pod Security: restricted ---------------------------------------------------------------------------


@pytest.mark.parametrize("component", ["api", "scheduler", "migration"])
def test_each_scratch_path_of_the_spec_is_a_writable_empty_dir(component: str) -> None:
    process = processes(spec_of())[component]
    spec = pod_templates(plan())[component]["spec"]
    (container,) = spec["containers"]
    empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
    mounted = {m["mountPath"] for m in container["volumeMounts"] if m["name"] in empty_dirs}
    assert mounted == set(process.scratch_paths)


def test_the_namespace_enforces_the_restricted_standard() -> None:
    (namespace,) = plan().of_type("kubernetes:core/v1:Namespace")
    labels = namespace.inputs["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert namespace.inputs["metadata"]["name"] == "tasking-manager"


# -- network policies: exactly the listed flows -------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    namespace: str | None  # None: an address outside the cluster
    labels: dict[str, str] = field(default_factory=dict, hash=False)
    ip: str = "10.42.0.10"


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        if expression["operator"] != "In":
            raise NotImplementedError(expression["operator"])
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _peer_matches(peer: dict[str, Any], endpoint: Endpoint, namespace: str) -> bool:
    if "ipBlock" in peer:
        return endpoint.namespace is None and ipaddress.ip_address(endpoint.ip) in ipaddress.ip_network(
            peer["ipBlock"]["cidr"]
        )
    if endpoint.namespace is None:
        return False
    if "namespaceSelector" in peer:
        namespace_labels = {"kubernetes.io/metadata.name": endpoint.namespace}
        if not _selects(peer["namespaceSelector"], namespace_labels):
            return False
    elif endpoint.namespace != namespace:
        return False
    return _selects(peer.get("podSelector") or {}, endpoint.labels)


def _allows(
    rules: Iterable[dict[str, Any]], key: str, other: Endpoint, port: int, protocol: str, ns: str
) -> bool:
    for rule in rules:
        peers = rule.get(key)
        ports = rule.get("ports")
        peer_ok = peers is None or any(_peer_matches(p, other, ns) for p in peers)
        port_ok = ports is None or any(
            int(p["port"]) == port and p.get("protocol", "TCP") == protocol for p in ports
        )
        if peer_ok and port_ok:
            return True
    return False


def allowed_flows(
    p: Plan, endpoints: list[Endpoint], ports: list[tuple[int, str]]
) -> set[tuple[str, str, str]]:
    """(from, to, port/protocol) the namespace's policies allow, both ends considered: a pod of
    the namespace is isolated in a direction once a policy of that type selects it."""
    policies = [r.inputs for r in p.of_type(NETWORK_POLICY)]
    namespace = "tasking-manager"

    def side_allows(pod: Endpoint, kind: str, other: Endpoint, port: int, protocol: str) -> bool:
        if pod.namespace != namespace:
            return True  # outside the namespace: not ours to restrict
        selecting = [
            policy["spec"]
            for policy in policies
            if kind in policy["spec"]["policyTypes"] and _selects(policy["spec"]["podSelector"], pod.labels)
        ]
        if not selecting:
            return True
        key = "from" if kind == "Ingress" else "to"
        return any(
            _allows(spec.get(kind.lower(), []), key, other, port, protocol, namespace) for spec in selecting
        )

    flows = set()
    for source, target in itertools.product(endpoints, repeat=2):
        if source.namespace != namespace and target.namespace != namespace:
            continue
        for port, protocol in ports:
            if side_allows(source, "Egress", target, port, protocol) and side_allows(
                target, "Ingress", source, port, protocol
            ):
                flows.add((source.name, target.name, f"{port}/{protocol}"))
    return flows


def _app(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": "tasking-manager", "app.kubernetes.io/component": component}


ENDPOINTS = [
    Endpoint("api", "tasking-manager", _app("api")),
    Endpoint("scheduler", "tasking-manager", _app("scheduler")),
    Endpoint("migration", "tasking-manager", _app("migration")),
    Endpoint("frontend", "tasking-manager", _app("frontend")),
    Endpoint(
        "instance",
        "tasking-manager",
        {"cnpg.io/cluster": "tasking-manager-db", "cnpg.io/podRole": "instance"},
    ),
    Endpoint("pooler", "tasking-manager", {"cnpg.io/poolerName": "tasking-manager-db-pooler-rw"}),
    Endpoint("ingress", "kube-system", {"app.kubernetes.io/name": "traefik"}),
    Endpoint("dns", "kube-system", {"k8s-app": "kube-dns"}),
    Endpoint("operator", "cnpg-system", {"app.kubernetes.io/name": "cloudnative-pg"}),
    Endpoint("other-namespace", "default", {"app": "anything"}),
    Endpoint("internet", None, ip="203.0.113.7"),
]
PORTS = [(53, "UDP"), (53, "TCP"), (80, "TCP"), (443, "TCP"), (587, "TCP"), (5000, "TCP")]
PORTS += [(5432, "TCP"), (6443, "TCP"), (8000, "TCP"), (8080, "TCP"), (22, "TCP")]
IN_NAMESPACE = ("api", "scheduler", "migration", "frontend", "instance", "pooler")


def test_the_network_policies_allow_exactly_the_listed_flows() -> None:
    dns = {(pod, "dns", port) for pod in IN_NAMESPACE for port in ("53/UDP", "53/TCP")}
    wanted = dns | {
        ("ingress", "api", "5000/TCP"),
        ("ingress", "frontend", "8080/TCP"),
        ("api", "pooler", "5432/TCP"),
        ("scheduler", "pooler", "5432/TCP"),
        ("migration", "instance", "5432/TCP"),
        ("api", "internet", "443/TCP"),
        ("api", "internet", "587/TCP"),
        ("scheduler", "internet", "443/TCP"),
        ("scheduler", "internet", "587/TCP"),
        # What CloudNativePG needs to run: replication, the pooler, the operator's status calls,
        # backups to object storage and the API server.
        ("pooler", "instance", "5432/TCP"),
        ("instance", "instance", "5432/TCP"),
        ("operator", "instance", "8000/TCP"),
        ("instance", "internet", "443/TCP"),
        ("instance", "internet", "6443/TCP"),
        ("pooler", "internet", "6443/TCP"),
    }
    assert allowed_flows(plan(), ENDPOINTS, PORTS) == wanted


def test_with_an_external_database_the_processes_reach_its_port_anywhere() -> None:
    flows = allowed_flows(external_database_plan(), ENDPOINTS, PORTS)
    assert {f for f in flows if f[2] == "5432/TCP"} == {
        (process, "internet", "5432/TCP") for process in ("api", "scheduler", "migration")
    }


def test_the_instances_reach_object_storage_on_the_port_of_its_endpoint() -> None:
    """An S3-compatible store on another port than 443 (MinIO's 9000, say) gets its backups."""
    endpoint = {"tm:kubernetes.database.backup.endpointUrl": "https://minio.example.org:9000"}
    flows = allowed_flows(plan(endpoint), ENDPOINTS, [*PORTS, (9000, "TCP")])
    assert ("instance", "internet", "9000/TCP") in flows
    assert ("instance", "internet", "443/TCP") not in flows


def test_the_flow_check_sees_an_open_namespace() -> None:
    """Without the policies every pair is allowed: the check above would see a missing deny."""
    p = plan()
    open_plan = Plan(p.stack, p.environment, [r for r in p.resources if r.type != NETWORK_POLICY], {})
    assert ("internet", "api", "22/TCP") in allowed_flows(open_plan, ENDPOINTS, PORTS)


# -- the database -------------------------------------------------------------------------------------


def test_the_database_is_a_postgis_cluster_with_backups_and_a_pooler() -> None:
    spec, p = spec_of(), plan()
    (cluster,) = p.of_type(CLUSTER)
    database = cluster.inputs["spec"]
    assert cluster.inputs["apiVersion"] == "postgresql.cnpg.io/v1"
    assert database["instances"] == 1
    assert database["imageName"] == "ghcr.io/cloudnative-pg/postgis:17-3.5"
    assert database["imageName"].split(":")[1].startswith(f"{spec.database.major_version}-")
    initdb = database["bootstrap"]["initdb"]
    assert initdb["database"] == spec.database.name
    assert initdb["postInitApplicationSQL"] == ["CREATE EXTENSION IF NOT EXISTS postgis"]
    assert database["enableSuperuserAccess"] is True
    store = database["backup"]["barmanObjectStore"]
    assert store["destinationPath"].startswith("s3://")
    assert store["endpointURL"] == "https://fsn1.your-objectstorage.com"
    assert database["backup"]["retentionPolicy"] == "14d"
    assert database["storage"] == {"size": "20Gi", "storageClass": "local-path"}
    connections = int(database["postgresql"]["parameters"]["max_connections"])
    assert connections == spec.database.connections_needed + spec.database.reserved_connections
    (backup,) = p.of_type("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup")
    (pooler,) = p.of_type(POOLER)
    name = cluster.inputs["metadata"]["name"]
    assert backup.inputs["spec"]["cluster"] == pooler.inputs["spec"]["cluster"] == {"name": name}
    assert pooler.inputs["spec"]["type"] == "rw"


def test_the_pooler_template_sets_only_what_cloudnativepg_keeps() -> None:
    """CloudNativePG 1.30 overwrites the PgBouncer pods' security contexts (its own restricted ones,
    uid 998) and their app.kubernetes.io labels (pkg/specs/pgbouncer/deployments.go): the template
    gives the container's requests and limits, which it keeps."""
    (pooler,) = plan().of_type(POOLER)
    template = pooler.inputs["spec"]["template"]
    (container,) = template["spec"]["containers"]
    assert template == {"spec": {"containers": [container]}}
    wanted = {"cpu": "100m", "memory": "128Mi"}
    assert container == {"name": "pgbouncer", "resources": {"requests": wanted, "limits": wanted}}


def external_database_plan() -> Plan:
    """The URL is the offline engine's placeholder (offline/engine.py), a Pulumi secret."""
    return plan({"tm:kubernetes.database.mode": "external"})


def test_an_external_database_is_reached_at_the_url_host_with_its_login() -> None:
    p = external_database_plan()
    assert p.of_type(CLUSTER) == []
    assert p.of_type(POOLER) == []
    (login,) = [r for r in p.of_type("kubernetes:core/v1:Secret") if r.name == "database-login"]
    assert login.inputs["stringData"]["value"] == {"username": "offline", "password": "placeholder-secret"}
    (container,) = pod_templates(p)["api"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["POSTGRES_ENDPOINT"]["value"] == "database.invalid"
    assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "tasking-manager-db-login"


# -- secrets ------------------------------------------------------------------------------------------


def app_store_keys(spec: AppSpec) -> list[str]:
    return sorted(
        {ref.key for process in processes(spec).values() for ref in process.secrets if ref.store == "app"}
    )


def test_plain_secrets_hold_exactly_the_keys_the_processes_read_as_pulumi_secrets() -> None:
    (secret,) = [r for r in plan().of_type("kubernetes:core/v1:Secret")]
    data = secret.inputs["stringData"]
    assert set(data) == {"4dabf18193072939515e22adb298388d", "value"}  # a Pulumi secret
    assert sorted(data["value"]) == app_store_keys(spec_of())
    assert set(data["value"].values()) == {SECRET_PLACEHOLDER}


def test_external_secrets_fill_the_same_secret_from_the_store() -> None:
    p = plan(EXTERNAL_SECRETS)
    assert p.of_type("kubernetes:core/v1:Secret") == []
    (external,) = p.of_type("kubernetes:external-secrets.io/v1:ExternalSecret")
    spec = external.inputs["spec"]
    assert spec["secretStoreRef"] == {"name": "vault", "kind": "ClusterSecretStore"}
    assert spec["target"]["name"] == "tasking-manager-app"
    assert sorted(d["secretKey"] for d in spec["data"]) == app_store_keys(spec_of(EXTERNAL_SECRETS))
    assert {d["remoteRef"]["key"] for d in spec["data"]} == {"tasking-manager/k8s-example"}


# -- the front end ------------------------------------------------------------------------------------


def test_the_front_end_serves_the_spa_rewrite_and_every_header_of_the_spec() -> None:
    spec = spec_of()
    (config,) = plan().of_type("kubernetes:core/v1:ConfigMap")
    text = config.inputs["data"]["nginx.conf"]
    assert text == nginx_config(spec.frontend)
    assert (
        f'location ~ "{spec.frontend.spa_route_pattern}" {{\n            try_files /index.html =404;' in text
    )
    for name, value in spec.frontend.headers.items():
        assert f'add_header {name} "{value}" always;' in text
    assert "pid /tmp/nginx.pid;" in text


def test_the_spa_pattern_sends_routes_to_the_app_and_files_to_themselves() -> None:
    pattern = re.compile(spec_of().frontend.spa_route_pattern)
    assert pattern.search("/projects/1234")
    assert pattern.search("/users/jane.doe")
    assert not pattern.search("/static/js/main.4f2a.js")


def test_the_bundle_is_copied_into_the_volume_nginx_serves() -> None:
    template = pod_templates(plan())["frontend"]["spec"]
    (init,) = template["initContainers"]
    (server,) = template["containers"]
    assert init["image"] == "ghcr.io/hotosm/tasking-manager/frontend-bundle:v5.5.2"
    assert server["image"] == "docker.io/nginxinc/nginx-unprivileged:1.28.0-alpine"
    served = {m["mountPath"] for m in server["volumeMounts"] if m["name"] == "site"}
    assert {m["mountPath"] for m in init["volumeMounts"] if m["name"] == "site"} == served
    assert init["command"][-1] in served


# -- settings -----------------------------------------------------------------------------------------


def problems_of(
    overrides: dict[str, Any], drop: Iterable[str] = (), secrets: dict[str, str] | None = None
) -> dict[str, str]:
    """Problems of the example's config with `overrides`, without the keys `drop`, and with
    `secrets` set as Pulumi secrets."""
    config = stack_config(STACK, overrides)
    values = {k: v for k, v in config.values.items() if k not in drop} | (secrets or {})
    try:
        parse_settings(STACK, values, [*config.secret_keys, *(secrets or {})])
    except SettingsError as error:
        return {p.key: str(p) for p in error.problems}
    return {}


def test_the_example_needs_none_of_the_aws_only_settings() -> None:
    config = stack_config(STACK)
    assert not {"tm:githubToken", "tm:previewBasicAuth", "tm:reviewDatabaseKey"} & set(config.values)
    assert problems_of({}) == {}


@pytest.mark.parametrize(
    ("overrides", "key", "says"),
    [
        (
            {"tm:kubernetes.ingressClass": "Traefik"},
            "tm:kubernetes.ingressClass",
            '"Traefik": must be a Kubernetes name',
        ),
        (
            {"tm:kubernetes.frontend.serverImage": "nginxinc/nginx-unprivileged:latest"},
            "tm:kubernetes.frontend.serverImage",
            "pinned to a version tag other than latest",
        ),
        (
            {"tm:kubernetes.database.mode": "rds"},
            "tm:kubernetes.database.mode",
            "'cloudNativePg' or 'external'",
        ),
        (
            {"tm:kubernetes.database.image": "ghcr.io/cloudnative-pg/postgis:16-3.5"},
            "tm:kubernetes.database.image",
            "PostGIS image of PostgreSQL 17",
        ),
        (
            {"tm:kubernetes.database.backup": None},
            "tm:kubernetes.database.backup",
            "is required with mode cloudNativePg",
        ),
        ({"tm:kubernetes.secrets": {"mode": "externalSecret"}}, "tm:kubernetes.secrets.store", "(not set)"),
        ({"tm:offHours.enabled": True}, "tm:offHours.enabled", "set it to false on Kubernetes"),
        ({"tm:image.repository": "ecr"}, "tm:image.repository", '"ecr": ecr is the AWS stack'),
        (
            {
                "tm:review": {
                    "host": "r.example.org",
                    "slots": 1,
                    "adminImage": "docker.io/library/postgres:17.6",
                }
            },
            "tm:review",
            "review apps build on an AWS dev stack",
        ),
        (
            {"tm:kubernetes.colour": "blue"},
            "tm:kubernetes.colour",
            "allowed keys: apiServerPort, context, database",
        ),
        (
            {"tm:kubernetes.context": "my cluster"},
            "tm:kubernetes.context",
            '"my cluster": must be a kubeconfig context name',
        ),
        ({"tm:platform": "gcp"}, "tm:platform", "'aws' or 'kubernetes'"),
    ],
)
def test_a_bad_kubernetes_setting_is_named_with_what_is_allowed(
    overrides: dict[str, Any], key: str, says: str
) -> None:
    problems = problems_of(overrides)
    assert key in problems, problems
    assert says in problems[key]


def test_a_kubernetes_stack_must_name_its_clusters_context() -> None:
    config = stack_config(STACK)
    kubernetes = json.loads(config.values["tm:kubernetes"])
    del kubernetes["context"]
    values = {**config.values, "tm:kubernetes": json.dumps(kubernetes)}
    with pytest.raises(SettingsError) as error:
        parse_settings(STACK, values, config.secret_keys)
    problems = {p.key: str(p) for p in error.value.problems}
    assert "is required" in problems["tm:kubernetes.context"]


def test_plain_secrets_need_the_app_secret_values() -> None:
    problems = problems_of({}, drop=["tm:appSecrets"])
    assert "with tm:kubernetes.secrets.mode secret" in problems["tm:appSecrets"]


def test_an_external_database_needs_its_url() -> None:
    problems = problems_of({"tm:kubernetes.database.mode": "external"}, drop=["tm:databaseUrl"])
    assert "is required with tm:kubernetes.database.mode external" in problems["tm:databaseUrl"]


def test_an_external_database_url_must_name_the_spec_port_and_database() -> None:
    wrong = "postgresql://u:p@db.example.net:6432/other"
    external = {"tm:kubernetes.database.mode": "external"}
    problems = problems_of(external, secrets={"tm:databaseUrl": wrong})
    assert "must name port 5432 and database tasking_manager" in problems["tm:databaseUrl"]
    assert wrong not in problems["tm:databaseUrl"]  # a secret is never shown


def test_an_external_database_url_in_plain_text_is_refused_unshown() -> None:
    url = "postgresql://u:p@db.example.net:5432/tasking_manager"
    problems = problems_of({"tm:kubernetes.database.mode": "external", "tm:databaseUrl": url})
    assert "pulumi config set --secret tm:databaseUrl" in problems["tm:databaseUrl"]
    assert url not in problems["tm:databaseUrl"]


def test_an_aws_stack_may_not_carry_a_kubernetes_slice() -> None:
    example = stack_settings(STACK)
    assert isinstance(example, BaseSettings)
    assert example.kubernetes is not None
    whole_slice = example.kubernetes.model_dump(by_alias=True, exclude_none=True)
    config = stack_config("dev", {"tm:kubernetes": whole_slice})
    with pytest.raises(SettingsError) as error:
        parse_settings("dev", config.values, config.secret_keys)
    assert "tm:kubernetes" in str(error.value)
    assert "applies only with tm:platform kubernetes" in str(error.value)


def test_the_front_end_build_variables_point_at_this_stacks_hosts() -> None:
    variables = plan().outputs["frontendBuildVariables"]
    assert variables["TM_APP_BASE_URL"] == "https://tasks-k8s.example.org"
    assert variables["TM_APP_API_URL"] == "https://api.tasks-k8s.example.org"
    assert variables["TM_REDIRECT_URI"] == "https://tasks-k8s.example.org/authorized"
    assert variables["TM_ENVIRONMENT"] == STACK
    assert variables["TM_ORG_CODE"] == "HOT"  # the profile's organisation branding


def test_a_kubernetes_stack_declares_nothing_on_aws() -> None:
    types = {r.type for r in plan().resources}
    assert not {t for t in types if t.startswith(("aws:", "awsx:", "pulumi:providers:aws"))}
    assert {t.split(":")[0] for t in types} == {"pulumi", "tm", "kubernetes"}


def test_every_namespaced_object_is_in_the_stacks_namespace() -> None:
    outside = [
        f"{r.type} {r.name}"
        for r in plan().resources
        if r.type.startswith("kubernetes:")
        and r.type != "kubernetes:core/v1:Namespace"
        and r.outputs["metadata"].get("namespace") != "tasking-manager"
    ]
    assert outside == []


# -- what the plan claims ---------------------------------------------------------------------------


def test_the_plan_gives_no_create_time_it_has_no_source_for() -> None:
    # Durations are sourced for AWS resources only; a cluster's database initdb, migration Job and
    # rollouts are not "seconds", so the plan says it does not know rather than print a figure.
    plan = plan_for(STACK)
    text = render_text(plan)
    assert "Create time of a fresh `pulumi up`: not estimated" in text
    assert "on the critical path" not in text
    assert to_json(plan)["createTime"] is None


def test_the_plan_command_validates_the_objects_and_exits_4_on_one_the_api_server_refuses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from offline.__main__ import OBJECTS_REFUSED, POLICY_VIOLATION, main
    from offline.policy_run import PolicyResult, Violation

    good = plan_for(STACK)
    monkeypatch.setattr("offline.__main__.run_stack", lambda stack, overrides: good)
    monkeypatch.setattr("offline.__main__.check_plan", lambda plan: PolicyResult(plan.environment, []))
    assert main(["plan", STACK]) == 0
    assert (
        f"Kubernetes objects: {len(manifests_of(good))} validated against Kubernetes 1.35"
        in capsys.readouterr().out
    )

    broken = [dataclasses.replace(r) for r in good.resources]
    api = next(i for i, r in enumerate(broken) if r.type == "kubernetes:apps/v1:Deployment")
    broken[api] = dataclasses.replace(broken[api], inputs={**broken[api].inputs, "specification": {}})
    refused = dataclasses.replace(good, resources=broken)
    monkeypatch.setattr("offline.__main__.run_stack", lambda stack, overrides: refused)
    assert main(["plan", STACK, "--json"]) == OBJECTS_REFUSED == 4
    document = json.loads(capsys.readouterr().out)
    (problem,) = document["kubernetesObjects"]["problems"]
    assert "specification" in problem

    # A violated mandatory policy is the exit status the command reports first.
    deployment = broken[api].urn
    violation = Violation("security-baseline", "k8s-pod-non-root", "high", "mandatory", "root", deployment)
    blocked = PolicyResult(refused.environment, [], [violation])
    monkeypatch.setattr("offline.__main__.check_plan", lambda plan: blocked)
    assert main(["plan", STACK]) == POLICY_VIOLATION == 3
    assert "specification: unknown field" in capsys.readouterr().out


def test_the_cost_assumes_no_aws_usage() -> None:
    # Pods are priced by their requests; the tm:usage keys (NAT GB, Amplify builds...) are AWS's.
    text = render_text(plan_for(STACK))
    assert "Usage assumed: none: no resource of this stack is priced by use" in text
    assert "natGbPerMonth" not in text
    assert "usage from tm:usage" not in text
