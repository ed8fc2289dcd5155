"""Pulumi mocks that answer like AWS would, and a monitor that records every registration.

Outputs are the inputs plus what AWS computes (ids, ARNs, names), deterministic per resource name so
plans are stable. Invokes are answered only for the data sources the program is known to call; an
unknown one is an error, so a new data source gets a deliberate, realistic answer here.
"""

from __future__ import annotations

import hashlib
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
}


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


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


class OfflineMocks(Mocks):
    def __init__(self, account_id: str = OFFLINE_ACCOUNT_ID) -> None:
        self.account_id = account_id
        self.region = "us-east-1"  # replaced by the explicit provider's region when it registers
        self.availability_zone_count = 0
        # Stack name -> exported outputs, for StackReferences (filled by the engine).
        self.stack_references: dict[str, dict[str, Any]] = {}
        # Secret ARN -> value, for reading another stack's Secrets Manager secrets.
        self.secret_values: dict[str, str] = {}

    # -- resources -----------------------------------------------------------------------------
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "pulumi:providers:aws":
            self.region = str(args.inputs.get("region") or self.region)
            return f"{args.name}-provider-id", dict(args.inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            return self._stack_reference(str(args.inputs.get("name")))
        if args.typ == "awsx:ec2:Vpc":
            return None, self._awsx_vpc(args)
        if args.typ == "random:index/randomPassword:RandomPassword":
            return f"{args.name}-id", {**args.inputs, "result": _random_password(args.name, args.inputs)}
        if not args.custom:
            return None, {}
        return self._aws_resource(args)

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
        # Only the scalar outputs the program reads: echoing the inputs back breaks deserialisation.
        zones = int(args.inputs.get("numberOfAvailabilityZones") or 3)
        self.availability_zone_count = zones

        def subnets(tier: str) -> list[str]:
            return [f"subnet-{_digest(args.name, tier, str(i))}" for i in range(zones)]

        return {
            "vpcId": f"vpc-{_digest(args.name)}",
            "publicSubnetIds": subnets("public"),
            "privateSubnetIds": subnets("private"),
            "isolatedSubnetIds": subnets("isolated"),
        }

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
        domain = str(args.inputs.get("domainName"))
        return {
            "arn": self._regional("acm", f"certificate/{_uuid(args.name)}"),
            "domainValidationOptions": [
                {
                    "domainName": domain,
                    "resourceRecordName": f"_{_digest(domain, length=12)}.{domain}.",
                    "resourceRecordType": "CNAME",
                    "resourceRecordValue": f"_{_digest(domain, 'v', length=12)}.acm-validations.aws.",
                }
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

    def _web_acl(self, args: MockResourceArgs, name: str) -> dict[str, Any]:
        return {"arn": self._regional("wafv2", f"regional/webacl/{name}/{_uuid(args.name)}")}

    _COMPUTED: ClassVar[dict[str, Callable[..., dict[str, Any]]]] = {
        "aws:kms/key:Key": _kms_key,
        "aws:kms/alias:Alias": _kms_alias,
        "aws:rds/instance:Instance": lambda self, args, name: self._rds_instance(args, name),
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
        if args.inputs.get("manageMasterUserPassword"):
            outputs["masterUserSecrets"] = [
                {
                    "secretArn": self._regional(
                        "secretsmanager", f"secret:rds!db-{_uuid(identifier)}-Ab12Cd"
                    ),
                    "secretStatus": "active",
                    "kmsKeyId": args.inputs.get("masterUserSecretKmsKeyId"),
                }
            ]
        return outputs

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
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account_id,
                "arn": f"arn:aws:iam::{self.account_id}:role/offline-deployer",
                "userId": "AROAOFFLINE",
                "id": self.account_id,
            }, []
        if token == "aws:index/getPartition:getPartition":
            return {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "reverseDnsPrefix": "com.amazonaws",
                "id": "aws",
            }, []
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = [f"{self.region}{letter}" for letter in "abcdef"]
            return {
                "names": names,
                "zoneIds": [f"use1-az{i}" for i in range(1, 7)],
                "id": self.region,
            }, []
        if token == "aws:ec2/getRouteTables:getRouteTables":
            vpc = str(args.args.get("vpcId"))
            count = self.availability_zone_count
            return {"ids": [f"rtb-{_digest(vpc, str(i))}" for i in range(count)], "id": vpc}, []
        if token == "aws:secretsmanager/getSecretVersion:getSecretVersion":
            arn = str(args.args.get("secretId"))
            if arn not in self.secret_values:
                raise KeyError(f"no secret {arn} was written by a stack the engine has planned")
            value = self.secret_values[arn]
            return {"arn": arn, "id": arn, "secretId": arn, "secretString": value, "versionId": "offline"}, []
        if token == "aws:route53/getZone:getZone":
            zone = str(args.args.get("name")).rstrip(".")
            return {"zoneId": f"Z{_digest(zone, length=13).upper()}", "name": zone, "id": zone}, []
        raise NotImplementedError(
            f"the offline engine has no answer for data source {token}; add one in offline/mocks.py"
        )


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
