"""Pulumi mocks that answer like AWS (and a Kubernetes API server) would, and a monitor that
records every registration.

Outputs are the inputs plus what AWS computes (ids, ARNs, names), deterministic per resource name so
plans are stable. Invokes are answered only for the data sources the program is known to call; an
unknown one is an error, so a new data source gets a deliberate, realistic answer here. Each answer
depends on the arguments as AWS's would: a lookup filtered by a subnet, a tag or a state returns only
what matches (from what the mocks made: the awsx VPC's subnets and route tables), and a filter the
mocks do not model is an error rather than ignored, so that a wiring mistake changes the plan.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks, _resolve_callbacks

OFFLINE_ACCOUNT_ID = "123456789012"
# Pulumi's marker of a secret value in serialized properties.
_SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"

# Type token -> prefix of the id AWS gives such a resource.
_ID_PREFIXES = {
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:ec2/instance:Instance": "i",
}


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


# awsx's subnet types (its SubnetType tag) and the VPC output listing each type's subnets.
_SUBNET_OUTPUTS = {
    "Public": "publicSubnetIds",
    "Private": "privateSubnetIds",
    "Isolated": "isolatedSubnetIds",
}
# awsx's subnets when a VPC names no specs: a public and a private one per zone.
_DEFAULT_SUBNET_SPECS = ({"type": "Public"}, {"type": "Private"})


def route_table_id(subnet_id: str) -> str:
    """The route table awsx makes for one subnet of its VPC, and associates with it."""
    return f"rtb-{_digest(subnet_id)}"


def hosted_zone_id(name: str, private: bool = False) -> str:
    """The id of the Route 53 zone `name` (public, or the private one of the same name)."""
    zone = name.rstrip(".").lower()
    return f"Z{_digest(zone, *(['private'] if private else []), length=13).upper()}"


def _matches(attributes: dict[str, list[str]], name: str, values: list[str], kind: str) -> bool:
    """EC2's Describe* filter semantics: any value (`*` and `?` are wildcards) matches any of the
    attribute's values. A filter name the mocks do not model is an error, never ignored."""
    if name not in attributes and not name.startswith("tag:"):
        raise NotImplementedError(
            f"the offline engine cannot filter {kind} on {name!r}; add it in offline/mocks.py"
        )
    found = attributes.get(name, [])
    return any(_wildcard(pattern).fullmatch(value) for value in found for pattern in values)


def _wildcard(pattern: str) -> re.Pattern[str]:
    """An EC2 filter value: `*` any characters, `?` one, everything else literal."""
    return re.compile(".*".join(".".join(map(re.escape, part.split("?"))) for part in pattern.split("*")))


def _filters(args: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(str(f["name"]), [str(v) for v in f["values"]]) for f in args.get("filters") or []]


@dataclass(frozen=True)
class RouteTable:
    """A route table of a VPC the mocks made: awsx's own, one per subnet, or the VPC's main one
    (AWS makes it, untagged, with the VPC; no subnet is associated with it)."""

    id: str
    vpc_id: str
    subnet_id: str | None
    tags: dict[str, str]

    def filterable(self) -> dict[str, list[str]]:
        """What DescribeRouteTables filters on, by filter name."""
        return {
            "route-table-id": [self.id],
            "vpc-id": [self.vpc_id],
            "association.subnet-id": [self.subnet_id] if self.subnet_id else [],
            "association.main": ["true" if self.subnet_id is None else "false"],
            "tag-key": list(self.tags),
            **{f"tag:{key}": [value] for key, value in self.tags.items()},
        }


def _amplify(mocks: OfflineMocks, args: MockResourceArgs, name: str) -> dict[str, Any]:
    """Amplify Hosting: app ids like d1a2b3c4e5f6a7 and the app's amplifyapp.com domain, ARNs under
    the app, and the DNS records a domain association asks for."""
    if args.typ == "aws:amplify/app:App":
        app_id = f"d{_digest(args.name, length=13)}"
        return {
            "id": app_id,
            "defaultDomain": f"{app_id}.amplifyapp.com",
            "arn": mocks._regional("amplify", f"apps/{app_id}"),
        }
    app_id = str(args.inputs.get("appId"))
    if args.typ == "aws:amplify/branch:Branch":
        branch = str(args.inputs.get("branchName"))
        return {
            "id": f"{app_id}/{branch}",
            "arn": mocks._regional("amplify", f"apps/{app_id}/branches/{branch}"),
        }
    domain = str(args.inputs.get("domainName"))
    return {
        "id": f"{app_id}/{domain}",
        "arn": mocks._regional("amplify", f"apps/{app_id}/domains/{domain}"),
        "certificateVerificationDnsRecord": f"_{_digest(domain, length=32)}.{domain}. CNAME "
        f"_{_digest(domain, 'acm', length=32)}.{_digest(domain, length=10)}.acm-validations.aws.",
        "subDomains": [
            {
                **sub,
                "dnsRecord": f"{sub.get('prefix', '')} CNAME d{_digest(app_id, length=13)}.cloudfront.net",
            }
            for sub in args.inputs.get("subDomains") or []
        ],
    }


@dataclass
class Registration:
    """One resource as the engine saw it: what a plan prints and a policy analyses."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: dict[str, Any]
    dependencies: list[str]
    provider: str
    outputs: dict[str, Any] = field(default_factory=dict)
    transforms: list[str] = field(default_factory=list)
    # Input property -> URNs of the resources its value came from.
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    # Resource options that keep a resource from being deleted with its stack.
    protect: bool = False
    retain_on_delete: bool = False
    # Input properties `pulumi up` and a refresh leave to whatever changes them in the cloud.
    ignore_changes: list[str] = field(default_factory=list)


class OfflineMocks(Mocks):
    def __init__(self, account_id: str = OFFLINE_ACCOUNT_ID) -> None:
        self.account_id = account_id
        self.region = "us-east-1"  # replaced by the explicit provider's region when it registers
        # The explicit provider's default tags: AWS puts them on every resource it creates.
        self.default_tags: dict[str, str] = {}
        # Every route table of the VPCs made so far (awsx's and each VPC's main one).
        self.route_tables: list[RouteTable] = []
        # Route 53 zones looked up so far, by id.
        self.hosted_zones: dict[str, dict[str, Any]] = {}
        # Stack name -> exported outputs, for StackReferences (filled by the engine).
        self.stack_references: dict[str, dict[str, Any]] = {}
        # Secret ARN -> value, for reading another stack's Secrets Manager secrets.
        self.secret_values: dict[str, str] = {}

    # -- resources -----------------------------------------------------------------------------
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "pulumi:providers:aws":
            self.region = str(args.inputs.get("region") or self.region)
            default_tags = args.inputs.get("defaultTags") or {}
            if isinstance(default_tags, str):  # a provider's inputs are strings: JSON
                default_tags = json.loads(default_tags)
            self.default_tags = {str(k): str(v) for k, v in (default_tags.get("tags") or {}).items()}
            return f"{args.name}-provider-id", dict(args.inputs)
        if args.typ == "pulumi:providers:kubernetes":  # a provider holds its inputs, nothing more
            return f"{args.name}-provider-id", dict(args.inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            return self._stack_reference(str(args.inputs.get("name")))
        if args.typ == "awsx:ec2:Vpc":
            return None, self._awsx_vpc(args)
        if args.typ == "random:index/randomPassword:RandomPassword":
            return f"{args.name}-id", {**args.inputs, "result": _random_password(args.name, args.inputs)}
        if not args.custom:
            return None, {}
        if args.typ.startswith("kubernetes:"):
            return self._kubernetes_resource(args)
        return self._aws_resource(args)

    def _kubernetes_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """What the API server returns: the manifest with its metadata completed (a name with a
        random suffix when none is given, as Pulumi auto-names; a uid; the namespace `default`
        for namespaced kinds without one) and the status fields the program or a reader uses.
        The id is `<namespace>/<name>`, or the name of a cluster-scoped object."""
        kind = str(args.inputs.get("kind") or args.typ.rsplit(":", 1)[-1])
        metadata = dict(args.inputs.get("metadata") or {})
        metadata.setdefault("name", f"{args.name}-{_digest(args.name, length=8)}")
        if kind not in _CLUSTER_SCOPED_KINDS:
            metadata.setdefault("namespace", "default")
        metadata.update(
            {
                "uid": _uuid(f"{args.typ}/{args.name}"),
                "resourceVersion": "1",
                "generation": 1,
                "creationTimestamp": "2026-01-01T00:00:00Z",
            }
        )
        outputs: dict[str, Any] = {**args.inputs, "metadata": metadata}
        status = self._kubernetes_status(kind, args.inputs, args.name)
        if status is not None:
            outputs["status"] = status
        namespace = metadata.get("namespace")
        resource_id = f"{namespace}/{metadata['name']}" if namespace else str(metadata["name"])
        return resource_id, outputs

    @staticmethod
    def _kubernetes_status(kind: str, inputs: dict[str, Any], name: str) -> dict[str, Any] | None:
        spec = inputs.get("spec") or {}
        if kind == "Service":
            return {"loadBalancer": {}} | ({} if "clusterIP" in spec else {"clusterIP": _cluster_ip(name)})
        if kind == "Ingress":
            return {"loadBalancer": {"ingress": [{"ip": "198.51.100.20"}]}}
        if kind == "Deployment":
            replicas = int(spec.get("replicas") or 1)
            return {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}
        if kind == "Job":
            return {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}
        if kind == "Namespace":
            return {"phase": "Active"}
        return None

    def _stack_reference(self, name: str) -> tuple[str, dict[str, Any]]:
        """Another stack's outputs, from its own offline plan: an output it does not export is
        missing here as it would be for real."""
        if name not in self.stack_references:
            raise KeyError(f"the offline engine has not planned stack {name}")
        outputs, secret_names = {}, []
        for key, value in self.stack_references[name].items():
            if isinstance(value, dict) and value.get(_SECRET_SIG_KEY) == _SECRET_SIG:
                secret_names.append(key)
                value = value.get("value")
            outputs[key] = value
        return name, {"name": name, "outputs": outputs, "secretOutputNames": secret_names}

    def _awsx_vpc(self, args: MockResourceArgs) -> dict[str, Any]:
        """awsx's VPC: per subnet spec and zone a subnet, and a route table associated with it
        tagged as awsx tags it (Name `<vpc>-<spec>-<n>`, SubnetType); the VPC's main route table.
        Only the scalar outputs the program reads: echoing the inputs back breaks deserialisation."""
        zones = int(args.inputs.get("numberOfAvailabilityZones") or 3)
        vpc_id = f"vpc-{_digest(args.name)}"
        tags = {**self.default_tags, **(args.inputs.get("tags") or {})}
        outputs: dict[str, Any] = {"vpcId": vpc_id, **{key: [] for key in _SUBNET_OUTPUTS.values()}}
        self.route_tables.append(RouteTable(f"rtb-{_digest(vpc_id, 'main')}", vpc_id, None, {}))
        for spec in args.inputs.get("subnetSpecs") or _DEFAULT_SUBNET_SPECS:
            kind = str(spec["type"])
            if kind not in _SUBNET_OUTPUTS:  # "Unused": address space only
                continue
            spec_name = str(spec.get("name") or kind.lower())
            for index in range(zones):
                subnet = f"subnet-{_digest(args.name, spec_name, str(index))}"
                outputs[_SUBNET_OUTPUTS[kind]].append(subnet)
                table_tags = {**tags, "Name": f"{args.name}-{spec_name}-{index + 1}", "SubnetType": kind}
                self.route_tables.append(RouteTable(route_table_id(subnet), vpc_id, subnet, table_tags))
        return outputs

    def _aws_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        token = args.typ
        module = token.split(":")[1].split("/")[0]
        given_name = args.inputs.get("name") or args.inputs.get("identifier")
        physical_name = str(given_name or f"{args.name}-{_digest(args.name, length=7)}")
        prefix = _ID_PREFIXES.get(token)
        resource_id = f"{prefix}-{_digest(args.name)}" if prefix else physical_name
        outputs = dict(args.inputs)
        outputs.setdefault("name", physical_name)
        outputs["arn"] = self._arn(token, module, physical_name, resource_id)
        outputs["id"] = resource_id
        computed = self._COMPUTED.get(token)
        if computed is not None:
            outputs.update(computed(self, args, physical_name))
        return str(outputs["id"]), outputs

    # -- what AWS computes for particular types ----------------------------------------------------
    def _kms_key(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        key_id = _uuid(args.name)
        return {"id": key_id, "keyId": key_id, "arn": self._regional("kms", f"key/{key_id}")}

    def _kms_alias(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        # The alias's name already starts with `alias/`, and is its id.
        return {"id": name, "arn": self._regional("kms", name)}

    def _ecr_repository(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        return {
            "repositoryUrl": f"{self.account_id}.dkr.ecr.{self.region}.amazonaws.com/{name}",
            "arn": self._regional("ecr", f"repository/{name}"),
        }

    def _load_balancer(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        suffix = f"app/{name[:32]}/{_digest(args.name, length=16)}"
        return {
            "arn": self._regional("elasticloadbalancing", f"loadbalancer/{suffix}"),
            "arnSuffix": suffix,
            "dnsName": f"{name[:32]}-{_digest(args.name, length=10)}.{self.region}.elb.amazonaws.com",
            "zoneId": "Z35SXDOTRQ7X7K",
        }

    def _target_group(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        suffix = f"targetgroup/{name[:32]}/{_digest(args.name, length=16)}"
        return {"arn": self._regional("elasticloadbalancing", suffix), "arnSuffix": suffix}

    def _listener(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        return {
            "arn": self._regional("elasticloadbalancing", f"listener/app/{_digest(args.name, length=16)}")
        }

    def _certificate(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        # One record per name; a wildcard's is its base domain's (ACM drops the `*.`).
        names = [
            str(args.inputs.get("domainName")),
            *map(str, args.inputs.get("subjectAlternativeNames") or []),
        ]
        return {
            "arn": self._regional("acm", f"certificate/{_uuid(args.name)}"),
            "domainValidationOptions": [
                {
                    "domainName": domain,
                    "resourceRecordName": f"_{_digest(domain, length=12)}.{domain.removeprefix('*.')}.",
                    "resourceRecordType": "CNAME",
                    "resourceRecordValue": f"_{_digest(domain, 'v', length=12)}.acm-validations.aws.",
                }
                for domain in names
            ],
        }

    def _route53_record(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        return {"fqdn": str(args.inputs.get("name")).rstrip(".")}

    def _secret(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        arn = self._regional("secretsmanager", f"secret:{name}-{_digest(name, length=6)}")
        return {"arn": arn, "id": arn}

    def _task_definition(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        family = str(args.inputs.get("family"))
        return {
            "arn": self._regional("ecs", f"task-definition/{family}:1"),
            "arnWithoutRevision": self._regional("ecs", f"task-definition/{family}"),
            "revision": 1,
        }

    def _s3_bucket(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        bucket = str(args.inputs.get("bucket") or name).lower()
        return {"id": bucket, "bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}

    def _sns_topic(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        arn = self._regional("sns", name)
        return {"arn": arn, "id": arn}

    def _ec2_instance(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        """An instance's network interface (the one routes name) and its addresses."""
        return {
            "primaryNetworkInterfaceId": f"eni-{_digest(args.name)}",
            "privateIp": "10.0.0.10",
            **({"publicIp": "198.51.100.10"} if args.inputs.get("associatePublicIpAddress") else {}),
        }

    def _web_acl(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        return {"arn": self._regional("wafv2", f"regional/webacl/{name}/{_uuid(args.name)}")}

    _COMPUTED: ClassVar[dict[str, Callable[..., dict[str, Any]]]] = {
        "aws:kms/key:Key": _kms_key,
        "aws:kms/alias:Alias": _kms_alias,
        "aws:rds/instance:Instance": lambda self, args, name: self._rds_instance(args, name),
        "aws:rds/cluster:Cluster": lambda self, args, name: self._rds_cluster(args),
        "aws:ecr/repository:Repository": _ecr_repository,
        "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
        "aws:lb/targetGroup:TargetGroup": _target_group,
        "aws:lb/listener:Listener": _listener,
        "aws:acm/certificate:Certificate": _certificate,
        "aws:acm/certificateValidation:CertificateValidation": lambda self, args, name: {
            "certificateArn": args.inputs.get("certificateArn")
        },
        "aws:route53/record:Record": _route53_record,
        "aws:secretsmanager/secret:Secret": _secret,
        "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
        "aws:s3/bucket:Bucket": _s3_bucket,
        "aws:wafv2/webAcl:WebAcl": _web_acl,
        "aws:ec2/instance:Instance": _ec2_instance,
        "aws:sns/topic:Topic": _sns_topic,
        "aws:amplify/app:App": _amplify,
        "aws:amplify/branch:Branch": _amplify,
        "aws:amplify/domainAssociation:DomainAssociation": _amplify,
    }

    def _rds_instance(self, args: MockResourceArgs, identifier: str) -> dict[str, Any]:
        address = f"{identifier}.c0ffee0example.{self.region}.rds.amazonaws.com"
        port = int(args.inputs.get("port") or 5432)
        outputs: dict[str, Any] = {
            "id": identifier,
            "identifier": identifier,
            "address": address,
            "port": port,
            "endpoint": f"{address}:{port}",
            "arn": self._regional("rds", f"db:{identifier}"),
        }
        return outputs | self._master_user_secrets(args, f"db-{_uuid(identifier)}")

    def _rds_cluster(self, args: MockResourceArgs) -> dict[str, Any]:
        identifier = str(args.inputs.get("clusterIdentifier"))
        host = f"{identifier}.cluster-c0ffee0example.{self.region}.rds.amazonaws.com"
        outputs: dict[str, Any] = {
            "id": identifier,
            "clusterIdentifier": identifier,
            "endpoint": host,
            "readerEndpoint": host.replace(".cluster-", ".cluster-ro-"),
            "port": int(args.inputs.get("port") or 5432),
            "arn": self._regional("rds", f"cluster:{identifier}"),
        }
        return outputs | self._master_user_secrets(args, f"cluster-{_uuid(identifier)}")

    def _master_user_secrets(self, args: MockResourceArgs, secret: str) -> dict[str, Any]:
        """The secret RDS makes for a managed master password (named `rds!db-...`, `rds!cluster-...`)."""
        if not args.inputs.get("manageMasterUserPassword"):
            return {}
        arn = self._regional("secretsmanager", f"secret:rds!{secret}-Ab12Cd")
        kms_key_id = args.inputs.get("masterUserSecretKmsKeyId")
        return {"masterUserSecrets": [{"secretArn": arn, "secretStatus": "active", "kmsKeyId": kms_key_id}]}

    def _arn(self, token: str, module: str, name: str, resource_id: str) -> str:
        if module == "iam":
            kind = token.split(":")[-1][0].lower() + token.split(":")[-1][1:]
            return f"arn:aws:iam::{self.account_id}:{kind}/{name}"
        if token == "aws:cloudwatch/logGroup:LogGroup":
            return self._regional("logs", f"log-group:{name}")
        kind = token.split(":")[-1].lower()
        return self._regional(module, f"{kind}/{resource_id}")

    def _regional(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"

    # -- data sources --------------------------------------------------------------------------
    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        answer = self._DATA_SOURCES.get(args.token)
        if answer is None:
            raise NotImplementedError(
                f"the offline engine has no answer for data source {args.token}; add one in offline/mocks.py"
            )
        return answer(self, dict(args.args)), []

    def _caller_identity(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "accountId": self.account_id,
            "arn": f"arn:aws:iam::{self.account_id}:role/offline-deployer",
            "userId": "AROAOFFLINE",
            "id": self.account_id,
        }

    def _partition(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "partition": "aws",
            "dnsSuffix": "amazonaws.com",
            "reverseDnsPrefix": "com.amazonaws",
            "id": "aws",
        }

    def _availability_zones(self, args: dict[str, Any]) -> dict[str, Any]:
        """The region's zones, all `available`, filtered by state, exclusions and EC2 filters."""
        if args.get("allAvailabilityZones"):
            raise NotImplementedError("the offline engine models no Local or Wavelength Zones")
        parts = self.region.split("-")
        zone_id_prefix = parts[0] + "".join(part[0] for part in parts[1:-1]) + parts[-1]  # us-east-1: use1
        zones = [
            {
                "zone-name": [f"{self.region}{letter}"],
                "zone-id": [f"{zone_id_prefix}-az{number}"],
                "state": ["available"],
                "zone-type": ["availability-zone"],
                "opt-in-status": ["opt-in-not-required"],
                "region-name": [self.region],
                "group-name": [self.region],
            }
            for number, letter in enumerate("abcdef", start=1)
        ]
        filters = _filters(args)
        if args.get("state"):
            filters.append(("state", [str(args["state"])]))
        excluded = {*(args.get("excludeNames") or []), *(args.get("excludeZoneIds") or [])}
        chosen = [
            zone
            for zone in zones
            if not excluded & {*zone["zone-name"], *zone["zone-id"]}
            and all(_matches(zone, name, values, "availability zones") for name, values in filters)
        ]
        return {
            "names": [zone["zone-name"][0] for zone in chosen],
            "zoneIds": [zone["zone-id"][0] for zone in chosen],
            "groupNames": sorted({zone["group-name"][0] for zone in chosen}),
            "id": self.region,
        }

    def _route_tables_lookup(self, args: dict[str, Any]) -> dict[str, Any]:
        """The route tables of the VPCs made so far that match the VPC, the tags and every filter."""
        filters = _filters(args)
        if args.get("vpcId"):
            filters.append(("vpc-id", [str(args["vpcId"])]))
        filters += [(f"tag:{key}", [str(value)]) for key, value in (args.get("tags") or {}).items()]
        ids = [
            table.id
            for table in self.route_tables
            if all(_matches(table.filterable(), name, values, "route tables") for name, values in filters)
        ]
        return {"ids": ids, "id": self.region}

    def _secret_version(self, args: dict[str, Any]) -> dict[str, Any]:
        """The current value a planned stack wrote; no earlier version exists offline."""
        arn = str(args.get("secretId"))
        if arn not in self.secret_values:
            raise KeyError(f"no secret {arn} was written by a stack the engine has planned")
        stage = args.get("versionStage") or "AWSCURRENT"
        if stage != "AWSCURRENT" or args.get("versionId") not in (None, "offline"):
            raise KeyError(f"secret {arn} has only its current version offline (AWSCURRENT)")
        value = self.secret_values[arn]
        return {"arn": arn, "id": arn, "secretId": arn, "secretString": value, "versionId": "offline"}

    def _hosted_zone(self, args: dict[str, Any]) -> dict[str, Any]:
        """A Route 53 zone by name (the public one unless a private one is asked for, by
        `privateZone` or a VPC) or by id (of a zone looked up by name before)."""
        if args.get("zoneId"):
            zone_id = str(args["zoneId"])
            if zone_id not in self.hosted_zones:
                raise KeyError(f"no hosted zone {zone_id} offline: look zones up by name")
            return self.hosted_zones[zone_id]
        private = bool(args.get("privateZone")) or bool(args.get("vpcId"))
        name = str(args.get("name")).rstrip(".").lower()
        zone_id = hosted_zone_id(name, private)
        self.hosted_zones[zone_id] = {"zoneId": zone_id, "name": name, "privateZone": private, "id": zone_id}
        return self.hosted_zones[zone_id]

    def _ssm_parameter(self, args: dict[str, Any]) -> dict[str, Any]:
        """AWS's public parameters of the current Amazon Linux images: an image id per name."""
        name = str(args.get("name"))
        if not name.startswith("/aws/service/ami-amazon-linux-latest/"):
            raise KeyError(f"no SSM parameter {name} offline: only AWS's Amazon Linux image parameters")
        image = f"ami-{_digest(name)}"
        arn = f"arn:aws:ssm:{self.region}::parameter{name}"
        return {
            "name": name,
            "type": "String",
            "value": image,
            "insecureValue": image,
            "arn": arn,
            "version": 1,
            "id": name,
        }

    _DATA_SOURCES: ClassVar[dict[str, Callable[..., dict[str, Any]]]] = {
        "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
        "aws:index/getPartition:getPartition": _partition,
        "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
        "aws:ec2/getRouteTables:getRouteTables": _route_tables_lookup,
        "aws:secretsmanager/getSecretVersion:getSecretVersion": _secret_version,
        "aws:route53/getZone:getZone": _hosted_zone,
        "aws:ssm/getParameter:getParameter": _ssm_parameter,
    }


# pulumi-random's RandomPassword: the special characters it draws from unless overrideSpecial is set.
_RANDOM_SPECIAL = "!@#$%&*()-_=+[]{}<>:?"


def _random_password(seed: str, inputs: dict[str, Any]) -> str:
    """A deterministic password drawn from the alphabet the inputs ask for (upper, lower, numeric,
    special; each on unless set false), so a change of those inputs shows in the plan."""
    classes = {
        "upper": string.ascii_uppercase,
        "lower": string.ascii_lowercase,
        "numeric": string.digits,
        "special": str(inputs.get("overrideSpecial") or _RANDOM_SPECIAL),
    }
    alphabet = "".join(chars for key, chars in classes.items() if inputs.get(key, True) is not False)
    length = int(inputs.get("length") or 16)
    stream = hashlib.sha256(seed.encode()).digest() * (length // 32 + 1)
    # One character of each class first, as pulumi-random guarantees with its min_* defaults.
    wanted = [chars for key, chars in classes.items() if inputs.get(key, True) is not False]
    head = [chars[stream[i] % len(chars)] for i, chars in enumerate(wanted)]
    return "".join(head + [alphabet[b % len(alphabet)] for b in stream[len(head) : length]])


# Kinds the API server keeps outside any namespace (the ones the program makes or may make).
_CLUSTER_SCOPED_KINDS = frozenset(
    {"Namespace", "ClusterRole", "ClusterRoleBinding", "ClusterIssuer", "ClusterSecretStore", "StorageClass"}
)


def _cluster_ip(name: str) -> str:
    """A Service's address in k3s's default service range (10.43.0.0/16)."""
    digest = hashlib.sha256(name.encode()).digest()
    return f"10.43.{digest[0]}.{digest[1] or 1}"


def _uuid(seed: str) -> str:
    h = _digest(seed, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


class RecordingMonitor(MockMonitor):
    """A MockMonitor that keeps, per resource, what the engine knows: parent, dependencies, provider,
    inputs and the mocked outputs; and the stack's exported outputs."""

    def __init__(self, mocks: OfflineMocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        # The data sources the program read, in order: (token, arguments).
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        self.stack_urn = ""
        self.stack_outputs: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = response.urn
        registration = Registration(
            urn=response.urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent,
            inputs=rpc.deserialize_properties(request.object),
            dependencies=sorted(set(request.dependencies)),
            provider=request.provider,
            outputs=dict(self.resources[response.urn].state) if response.urn in self.resources else {},
            transforms=[t.__name__ for t in _resolve_callbacks(request.transforms)],
            property_dependencies={
                key: sorted(set(deps.urns)) for key, deps in request.propertyDependencies.items() if deps.urns
            },
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            ignore_changes=list(request.ignoreChanges),
        )
        self.registrations.append(registration)
        return response

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.tok != "pulumi:pulumi:getResource":
            self.invokes.append((request.tok, dict(rpc.deserialize_properties(request.args))))
        return super().Invoke(request)  # type: ignore[no-untyped-call]

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.urn == self.stack_urn:
            self.stack_outputs = dict(rpc.deserialize_properties(request.outputs))
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]
