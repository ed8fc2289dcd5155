"""What the plan command prints: a `pulumi preview`-like tree, a JSON document, a Mermaid graph."""

from __future__ import annotations

import json
from typing import Any

from offline.costing import ARCHITECTURES, architecture_of, costs, estimate, on_architecture
from offline.create_time import CreateTime, create_time, unsourced
from offline.engine import Plan
from offline.mocks import Registration
from offline.policy_run import SEVERITIES, PolicyResult
from offline.review_time import TimeToUrl, is_review, review_rollout, time_to_url
from offline.rollout_time import Rollout, rollouts

# Pulumi's marker for a secret value inside serialized properties.
SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270"
MASK = "[secret]"

# The properties worth a glance per type; everything else is in the JSON form.
KEY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "pulumi:providers:aws": ("region", "allowedAccountIds"),
    "awsx:ec2:Vpc": ("cidrBlock", "numberOfAvailabilityZones", "natGateways.strategy"),
    "aws:kms/key:Key": ("enableKeyRotation", "deletionWindowInDays"),
    "aws:kms/alias:Alias": ("name",),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "retentionInDays", "kmsKeyId"),
    "aws:ec2/flowLog:FlowLog": ("trafficType", "logDestinationType"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("serviceName", "vpcEndpointType"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ("ingress", "egress"),
    "aws:ec2/securityGroup:SecurityGroup": ("description",),
    "aws:ec2/instance:Instance": (
        "instanceType",
        "associatePublicIpAddress",
        "sourceDestCheck",
        "metadataOptions.httpTokens",
        "rootBlockDevice.encrypted",
    ),
    "aws:ec2/route:Route": ("destinationCidrBlock", "networkInterfaceId"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("ipProtocol", "fromPort", "toPort"),
    "aws:rds/instance:Instance": (
        "instanceClass",
        "engineVersion",
        "multiAz",
        "publiclyAccessible",
        "storageEncrypted",
        "deletionProtection",
        "backupRetentionPeriod",
    ),
    "aws:rds/parameterGroup:ParameterGroup": ("family",),
    "aws:backup/vault:Vault": ("name",),
    "aws:backup/plan:Plan": ("name",),
    "aws:ecr/repository:Repository": ("name", "imageTagMutability", "imageScanningConfiguration.scanOnPush"),
    "aws:secretsmanager/secret:Secret": ("name",),
    "aws:lb/loadBalancer:LoadBalancer": ("internal", "dropInvalidHeaderFields", "enableDeletionProtection"),
    "aws:lb/listener:Listener": ("protocol", "port", "sslPolicy"),
    "aws:lb/targetGroup:TargetGroup": ("targetType", "port", "healthCheck.path", "deregistrationDelay"),
    "aws:acm/certificate:Certificate": ("domainName", "validationMethod"),
    "aws:wafv2/webAcl:WebAcl": ("scope",),
    "aws:ecs/cluster:Cluster": ("name",),
    "aws:ecs/taskDefinition:TaskDefinition": ("family", "cpu", "memory", "runtimePlatform.cpuArchitecture"),
    "aws:ecs/service:Service": ("desiredCount", "enableExecuteCommand"),
    "aws:appautoscaling/target:Target": ("minCapacity", "maxCapacity"),
    "aws:amplify/app:App": ("repository", "platform", "accessToken", "enableBasicAuth"),
    "aws:amplify/branch:Branch": ("branchName", "stage", "enablePullRequestPreview", "enableBasicAuth"),
    "aws:amplify/domainAssociation:DomainAssociation": ("domainName", "enableAutoSubDomain"),
    "aws:budgets/budget:Budget": ("limitAmount", "limitUnit", "timeUnit"),
}


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIGNATURE_KEY) == SECRET_SIGNATURE


def mask_secrets(value: Any) -> Any:
    """The same structure with every secret's value replaced, so nothing secret is printed."""
    if is_secret(value):
        return {SECRET_SIGNATURE_KEY: SECRET_SIGNATURE, "value": MASK}
    if isinstance(value, dict):
        return {k: mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value


def to_json(plan: Plan) -> dict[str, Any]:
    """The machine form. Inputs are engine (camelCase) names, as a policy sees them."""
    return {
        "stack": plan.stack,
        "environment": plan.environment,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "custom": r.custom,
                "parent": r.parent,
                "inputs": mask_secrets(r.inputs),
                "dependencies": r.dependencies,
                "provider": r.provider,
            }
            for r in plan.resources
        ],
        "outputs": mask_secrets(plan.outputs),
        "alarms": alarms_by_severity(plan),
        "cost": cost_json(estimate(plan)),
        "createTime": None if unsourced(plan) else create_time_json(create_time(plan)),
        **(
            {
                "timeToUrlSeconds": time_to_url(plan).seconds,
                "timeToUrlLaterPushSeconds": time_to_url(plan, review_rollout(plan)).seconds,
                "timeToUrlFrontEndKeptSeconds": time_to_url(
                    plan, review_rollout(plan), frontend_kept=True
                ).seconds,
            }
            if is_review(plan)
            else {}
        ),
        "rollouts": [
            {
                "service": r.service,
                "pulumiWaits": r.waits,
                "rolledBackBy": list(r.gates),
                "seconds": r.seconds,
                "steps": [
                    {"what": what, "seconds": seconds, "basis": basis} for what, seconds, basis in r.steps
                ],
            }
            for r in rollouts(plan)
        ],
    }


def cost_json(cost: costs.StackCost) -> dict[str, Any]:
    return {
        "currency": "USD",
        "monthlyUsd": round(cost.total_usd, 2),
        "usage": (cost.account_usage or cost.usage).to_mapping(),
        "components": [{"component": c, "monthlyUsd": round(usd, 2)} for c, usd in cost.by_component()],
        "notPriced": cost.types_with_status(costs.NOT_PRICED),
        "free": cost.types_with_status(costs.FREE),
        "negligible": cost.types_with_status(costs.NEGLIGIBLE),
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "component": r.component,
                "status": r.status,
                "monthlyUsd": round(r.usd, 2),
                "charges": [{"what": c.what, "monthlyUsd": round(c.usd, 2)} for c in r.charges],
                "note": r.note,
            }
            for r in cost.resources
        ],
    }


def create_time_json(created: CreateTime) -> dict[str, Any]:
    return {
        "seconds": created.seconds,
        "minutes": round(created.minutes, 1),
        "criticalPath": [
            {"urn": s.urn, "type": s.type, "startSeconds": s.start, "seconds": s.seconds, "basis": s.basis}
            for s in created.critical_path
        ],
    }


ALARM_TYPES = ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm")


def alarms_by_severity(plan: Plan) -> dict[str, list[str]]:
    """Alarm names by the topic they notify (`page`, `ticket`), and `composite-input` for the alarms
    that notify nobody themselves but feed a composite alarm: the alert volume before deploy."""
    severity_of_topic = {
        str(topic.outputs.get("arn")): str(topic.inputs.get("name", "")).rsplit("-", 1)[-1]
        for topic in plan.of_type("aws:sns/topic:Topic")
    }
    grouped: dict[str, list[str]] = {}
    for alarm in (a for token in ALARM_TYPES for a in plan.of_type(token)):
        name = str(alarm.inputs.get("name") or alarm.inputs.get("alarmName"))
        actions = alarm.inputs.get("alarmActions") or []
        severities = {severity_of_topic.get(str(arn), "other") for arn in actions} or {"composite-input"}
        for severity in severities:
            grouped.setdefault(severity, []).append(name)
    return {severity: sorted(names) for severity, names in sorted(grouped.items())}


def render_text(plan: Plan) -> str:
    lines = [
        f"Offline plan of stack '{plan.stack}' (environment {plan.environment}): "
        f"{len(plan.resources)} resources, computed under mocks with no cloud access",
        "",
        *render_tree(plan.resources),
    ]
    if plan.placeholder_secrets:
        lines += [
            "",
            "Operator values not set in the stack file, supplied as offline placeholders: "
            + ", ".join(plan.placeholder_secrets),
        ]
    alarms = alarms_by_severity(plan)
    if alarms:
        lines += ["", "Alarms by severity:"]
        for severity, names in alarms.items():
            lines.append(f"    {severity} ({len(names)}): {', '.join(names)}")
    # The tm:usage assumptions price AWS resources only (a Kubernetes stack's pods by their requests).
    on_aws = any(r.type.startswith("aws:") for r in plan.resources)
    lines += ["", *render_cost(estimate(plan), priced_by_use=on_aws), *render_architecture(plan)]
    reason = unsourced(plan)
    if reason:
        lines += ["", f"Create time of a fresh `pulumi up`: not estimated: {reason}"]
    else:
        lines += ["", *render_create_time(create_time(plan))]
    if is_review(plan):
        rollout = review_rollout(plan)
        lines += [
            "",
            *render_time_to_url(
                time_to_url(plan),
                time_to_url(plan, rollout),
                time_to_url(plan, rollout, frontend_kept=True),
            ),
        ]
    found_rollouts = rollouts(plan)  # ECS services' (a Kubernetes plan has none)
    if found_rollouts:
        lines += ["", *render_rollouts(found_rollouts)]
    lines += ["", *render_outputs(plan.outputs)]
    return "\n".join(lines) + "\n"


def render_outputs(outputs: dict[str, Any]) -> list[str]:
    lines = ["Outputs:"]
    width = max((len(k) for k in outputs), default=0) + 1
    for key in sorted(outputs):
        lines.append(f"    {key + ':':<{width}} {_show(outputs[key], limit=200)}")
    return lines


def render_tree(resources: list[Registration]) -> list[str]:
    """The resources as a tree of components, with each one's key properties."""
    rows: list[tuple[str, str, str]] = []
    children: dict[str, list[Registration]] = {}
    for r in resources:
        children.setdefault(r.parent, []).append(r)

    def walk(resource: Registration, prefix: str, last: bool, depth: int) -> None:
        branch = "" if depth == 0 else prefix + ("└─ " if last else "├─ ")
        rows.append((branch + resource.type, resource.name, _key_properties(resource)))
        kids = children.get(resource.urn, [])
        inner = "" if depth == 0 else prefix + ("   " if last else "│  ")
        for i, kid in enumerate(kids):
            walk(kid, inner, i == len(kids) - 1, depth + 1)

    for root in children.get("", []):
        walk(root, "", True, 0)

    type_width = max(len(t) for t, _, _ in rows) + 2
    name_width = max(len(n) for _, n, _ in rows) + 2
    lines = [f" +  {'Type':<{type_width}}{'Name':<{name_width}}Key properties"]
    return lines + [f" +  {t:<{type_width}}{n:<{name_width}}{p}".rstrip() for t, n, p in rows]


def render_cost(cost: costs.StackCost, *, priced_by_use: bool = True) -> list[str]:
    """The monthly estimate by component, what is not priced, and the usage it assumes."""
    source = "bootstrap:usage" if cost.account_usage is not None else "tm:usage"
    basis = f"on-demand list prices, usage from {source}" if priced_by_use else "on-demand list prices"
    lines = [f"Estimated monthly cost: ${cost.total_usd:,.2f} ({basis})"]
    width = max((len(c) for c, _ in cost.by_component()), default=0) + 2
    lines += [f"    {c:<{width}}${usd:>9,.2f}" for c, usd in cost.by_component()]
    for status, what in (
        (costs.NOT_PRICED, "Not priced"),
        (costs.UNKNOWN, "Unknown until deployed"),
        (costs.NEGLIGIBLE, "Negligible"),
    ):
        for token, why in cost.types_with_status(status).items():
            lines.append(f"    {what}: {token}: {why}")
    free = cost.types_with_status(costs.FREE)
    lines.append(f"    Free: {len(free)} types, {len(cost.with_status(costs.FREE))} resources (see --json)")
    if not priced_by_use:
        lines.append("    Usage assumed: none: no resource of this stack is priced by use")
        return lines
    usage = cost.account_usage or cost.usage
    assumed = "  ".join(f"{k}={v:g}" for k, v in usage.to_mapping().items())
    lines.append(f"    Usage assumed: {assumed}")
    return lines


def render_architecture(plan: Plan) -> list[str]:
    """The Fargate tasks' CPU architecture, and what the stack would cost on the other one."""
    architecture = architecture_of(plan)
    if architecture is None:
        return []
    (other,) = (a for a in ARCHITECTURES if a != architecture)
    there = estimate(on_architecture(plan, other)).total_usd
    difference = there - estimate(plan).total_usd
    return [
        f"    Fargate tasks on {architecture}; on {other} the estimate would be ${there:,.2f} "
        f"({'+' if difference >= 0 else '-'}${abs(difference):,.2f})"
    ]


def render_create_time(created: CreateTime) -> list[str]:
    """The critical path of a fresh `pulumi up`, step by step."""
    lines = [f"Create time of a fresh `pulumi up`: {created.minutes:.1f} min on the critical path"]
    for step in created.critical_path:
        lines.append(
            f"    {_clock(step.start)} +{_clock(step.seconds)}  {step.type} {step.name}  ({step.basis})"
        )
    return lines


def render_time_to_url(first: TimeToUrl, later: TimeToUrl, kept: TimeToUrl) -> list[str]:
    """The review-app workflow's critical path, from a push to the comment with the URLs: a pull
    request's first push, which creates its stack; a later one, which rolls out a new image; and a
    later one that leaves the front end's sources as they were, whose build the slot keeps."""
    lines = [
        f"Time to the review app's URL after a push: {first.minutes:.1f} min on the critical path "
        f"(a later push: {later.minutes:.1f} min; {kept.minutes:.1f} min when the front end's "
        "sources are unchanged)"
    ]
    for title, found in (
        ("first push", first),
        ("later push", later),
        ("later push, front end unchanged", kept),
    ):
        lines.append(f"  {title}:")
        for step in found.critical_path:
            lines.append(f"    {_clock(step.start)} +{_clock(step.seconds)}  {step.name}  ({step.basis})")
    return lines


def render_rollouts(found: list[Rollout]) -> list[str]:
    """Each service's rollout of a new image: how long, and what gates it."""
    lines = ["Rollout of a new image, per service:"]
    for rollout in found:
        waits = "`pulumi up` waits for its steady state" if rollout.waits else "`pulumi up` does not wait"
        steps = ", ".join(f"{what} {_clock(seconds)}" for what, seconds, _ in rollout.steps)
        lines.append(f"    {rollout.service}: {_clock(rollout.seconds)} ({steps}); {waits}")
        gates = "; ".join(rollout.gates) if rollout.gates else "nothing (the workflow checks it)"
        lines.append(f"        rolled back by: {gates}")
    return lines


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def _key_properties(resource: Registration) -> str:
    shown = []
    for path in KEY_PROPERTIES.get(resource.type, ()):
        value: Any = resource.inputs
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            shown.append(f"{path}={_show(value)}")
    return "  ".join(shown)


def _show(value: Any, limit: int = 48) -> str:
    if is_secret(value):
        return MASK
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else json.dumps(mask_secrets(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def component_graph(plan: Plan) -> str:
    """Mermaid flowchart of the top-level components and which one feeds which."""
    stack_urn = next(r.urn for r in plan.resources if r.type == "pulumi:pulumi:Stack")
    components = [
        r
        for r in plan.resources
        if r.parent == stack_urn and not r.custom and r.type != "pulumi:pulumi:Stack"
    ]
    by_urn = {r.urn: r for r in plan.resources}

    def top(urn: str) -> str | None:
        while urn in by_urn and by_urn[urn].parent != stack_urn:
            urn = by_urn[urn].parent
        return urn if urn in by_urn and by_urn[urn] in components else None

    counts: dict[str, int] = {c.urn: 0 for c in components}
    edges: set[tuple[str, str]] = set()
    for r in plan.resources:
        owner = top(r.urn)
        if owner is None:
            continue
        if r.custom:
            counts[owner] += 1
        for dep in r.dependencies:
            source = top(dep)
            if source is not None and source != owner:
                edges.add((source, owner))

    ids = {c.urn: c.name.replace("-", "_") for c in components}
    lines = ["flowchart LR"]
    for c in components:
        lines.append(f'    {ids[c.urn]}["{c.name}<br/>{c.type}<br/>{counts[c.urn]} resources"]')
    for source, target in sorted(edges, key=lambda e: (ids[e[0]], ids[e[1]])):
        lines.append(f"    {ids[source]} --> {ids[target]}")
    return "\n".join(lines) + "\n"


# -- policy violations (offline/policy_run.py) --------------------------------------------------


def resource_label(urn: str) -> str:
    """`type name` from a URN (`urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`)."""
    if not urn:
        return "(the stack)"
    _, _, qualified, name = urn.split("::", 3)
    return f"{qualified.rsplit('$', 1)[-1]} {name}"


def render_policies(result: PolicyResult) -> str:
    """Violations grouped by severity, mandatory first; what blocks a deployment is counted last."""
    packs = ", ".join(f"{p.name} {p.version} ({len(p.policies)} policies)" for p in result.packs)
    lines = ["", f"Policies: {packs}; config for {result.environment}"]
    if not result.violations:
        return "\n".join([*lines, "    no violations"]) + "\n"
    for severity in SEVERITIES:
        group = [v for v in result.violations if v.severity == severity]
        if group:
            lines.append(f"  {severity}:")
        for v in group:
            level = f"{v.enforcement}, cannot evaluate" if v.cannot_evaluate else v.enforcement
            lines.append(f"    [{level}] {v.pack}/{v.policy}: {resource_label(v.urn)}")
            lines += [f"        {text}" for text in v.message.splitlines()]
    blocking = len(result.mandatory)
    advisory = len(result.violations) - blocking
    if blocking:
        lines.append(f"{blocking} mandatory violation(s) block this deployment; {advisory} advisory")
    else:
        lines.append(f"No mandatory violation; {advisory} advisory")
    return "\n".join(lines) + "\n"


def policies_json(result: PolicyResult) -> dict[str, Any]:
    return {
        "environment": result.environment,
        "packs": [{"name": p.name, "version": p.version, "policies": len(p.policies)} for p in result.packs],
        "violations": [
            {
                "pack": v.pack,
                "policy": v.policy,
                "severity": v.severity,
                "enforcement": v.enforcement,
                "urn": v.urn,
                "message": v.message,
                "cannotEvaluate": v.cannot_evaluate,
            }
            for v in result.violations
        ],
        "mandatoryViolations": len(result.mandatory),
    }
