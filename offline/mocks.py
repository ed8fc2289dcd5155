"""Pulumi mocks that answer like AWS would, and a monitor that records every registration.

Outputs are the inputs plus what AWS computes (ids, ARNs, names), deterministic per resource name so
plans are stable. Invokes are answered only for the data sources the program is known to call; an
unknown one is an error, so a new data source gets a deliberate, realistic answer here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks, _resolve_callbacks

OFFLINE_ACCOUNT_ID = "123456789012"

# Type token -> prefix of the id AWS gives such a resource.
_ID_PREFIXES = {
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/flowLog:FlowLog": "fl",
}


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


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


class OfflineMocks(Mocks):
    def __init__(self, account_id: str = OFFLINE_ACCOUNT_ID) -> None:
        self.account_id = account_id
        self.region = "us-east-1"  # replaced by the explicit provider's region when it registers
        self.availability_zone_count = 0

    # -- resources -----------------------------------------------------------------------------
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "pulumi:providers:aws":
            self.region = str(args.inputs.get("region") or self.region)
            return f"{args.name}-provider-id", dict(args.inputs)
        if args.typ == "awsx:ec2:Vpc":
            return None, self._awsx_vpc(args)
        if not args.custom:
            return None, {}
        return self._aws_resource(args)

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
        if token == "aws:rds/instance:Instance":
            outputs.update(self._rds_instance(args, physical_name))
            resource_id = physical_name
        if token == "aws:kms/key:Key":
            resource_id = _uuid(args.name)
            outputs["keyId"] = resource_id
            outputs["arn"] = self._regional("kms", f"key/{resource_id}")
        outputs["id"] = resource_id
        return resource_id, outputs

    def _rds_instance(self, args: MockResourceArgs, identifier: str) -> dict[str, Any]:
        address = f"{identifier}.c0ffee0example.{self.region}.rds.amazonaws.com"
        port = int(args.inputs.get("port") or 5432)
        outputs: dict[str, Any] = {
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
        raise NotImplementedError(
            f"the offline engine has no answer for data source {token}; add one in offline/mocks.py"
        )


def _uuid(seed: str) -> str:
    h = _digest(seed, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


class RecordingMonitor(MockMonitor):
    """A MockMonitor that keeps, per resource, what the engine knows: parent, dependencies, provider,
    inputs and the mocked outputs; and the stack's exported outputs."""

    def __init__(self, mocks: OfflineMocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
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
        )
        self.registrations.append(registration)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.urn == self.stack_urn:
            self.stack_outputs = dict(rpc.deserialize_properties(request.outputs))
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]
