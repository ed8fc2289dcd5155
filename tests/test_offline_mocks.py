"""The mocks answer data sources by their arguments, as AWS would: a lookup filtered by subnet,
tag, VPC or state returns only what matches, so a program passing the wrong thing gets a different
plan rather than the same answer."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from offline.mocks import OfflineMocks, hosted_zone_id, route_table_id

TIERS = [{"type": "Public", "name": "public"}, {"type": "Private", "name": "private"}]
TIERS += [{"type": "Isolated", "name": "isolated"}]


def _with_a_vpc(zones: int = 2) -> tuple[OfflineMocks, dict[str, Any]]:
    """Mocks that have registered a tagging provider and an awsx VPC of three tiers."""
    mocks = OfflineMocks()
    tags = json.dumps({"tags": {"Stack": "dev", "Project": "tasking-manager"}})
    mocks.new_resource(
        MockResourceArgs(
            "pulumi:providers:aws", "aws", {"region": "us-east-1", "defaultTags": tags}, custom=True
        )
    )
    _, vpc = mocks.new_resource(
        MockResourceArgs(
            "awsx:ec2:Vpc",
            "network",
            {"numberOfAvailabilityZones": zones, "subnetSpecs": TIERS},
            custom=False,
        )
    )
    return mocks, vpc


def _call(mocks: OfflineMocks, token: str, **args: Any) -> dict[str, Any]:
    outputs, _ = mocks.call(MockCallArgs(token, args, ""))
    return outputs


def _route_tables(mocks: OfflineMocks, **args: Any) -> list[str]:
    ids: list[str] = _call(mocks, "aws:ec2/getRouteTables:getRouteTables", **args)["ids"]
    return ids


def _tier(name: str) -> list[dict[str, Any]]:
    return [{"name": "tag:SubnetType", "values": [name]}]


def test_a_vpc_has_a_subnet_per_tier_and_zone_each_with_its_own_route_table() -> None:
    mocks, vpc = _with_a_vpc(zones=3)
    subnets = [*vpc["publicSubnetIds"], *vpc["privateSubnetIds"], *vpc["isolatedSubnetIds"]]
    assert len(subnets) == len(set(subnets)) == 9
    everything = _route_tables(mocks, vpcId=vpc["vpcId"])
    # One table per subnet, and the VPC's main table (which no subnet uses).
    assert sorted(everything[1:]) == sorted(route_table_id(s) for s in subnets)
    assert _route_tables(mocks, filters=[{"name": "association.main", "values": ["true"]}]) == everything[:1]


@pytest.mark.parametrize(("tier", "output"), [("Public", "publicSubnetIds"), ("Private", "privateSubnetIds")])
def test_route_tables_filtered_by_tier_are_that_tiers(tier: str, output: str) -> None:
    mocks, vpc = _with_a_vpc()
    found = _route_tables(mocks, vpcId=vpc["vpcId"], filters=_tier(tier))
    assert found == [route_table_id(subnet) for subnet in vpc[output]]


def test_a_route_table_filtered_by_subnet_is_that_subnets() -> None:
    mocks, vpc = _with_a_vpc()
    subnet = vpc["isolatedSubnetIds"][1]
    found = _route_tables(mocks, filters=[{"name": "association.subnet-id", "values": [subnet]}])
    assert found == [route_table_id(subnet)]


def test_tags_match_as_ec2s_filters_do() -> None:
    """awsx's Name tag (`<vpc>-<spec>-<n>`) with a wildcard, the provider's default tags, the
    `tags` argument; an unknown VPC has no route tables."""
    mocks, vpc = _with_a_vpc()
    by_name = _route_tables(mocks, filters=[{"name": "tag:Name", "values": ["network-private-*"]}])
    assert by_name == [route_table_id(s) for s in vpc["privateSubnetIds"]]
    assert len(_route_tables(mocks, tags={"Stack": "dev"})) == 6  # not the untagged main table
    assert _route_tables(mocks, tags={"Stack": "prod"}) == []
    assert _route_tables(mocks, filters=_tier("private")) == []  # values are case-sensitive
    assert _route_tables(mocks, vpcId="vpc-0123456789abcdef0") == []


def test_a_filter_the_mocks_do_not_model_is_an_error_not_ignored() -> None:
    mocks, _ = _with_a_vpc()
    with pytest.raises(NotImplementedError, match=r"cannot filter route tables on 'route\.nat-gateway-id'"):
        _route_tables(mocks, filters=[{"name": "route.nat-gateway-id", "values": ["nat-1"]}])


def test_availability_zones_follow_state_exclusions_and_filters() -> None:
    mocks = OfflineMocks()
    zones = "aws:index/getAvailabilityZones:getAvailabilityZones"
    available = _call(mocks, zones, state="available")
    assert available["names"] == [f"us-east-1{letter}" for letter in "abcdef"]
    assert available["zoneIds"][0] == "use1-az1"
    assert _call(mocks, zones, state="impaired")["names"] == []
    assert _call(mocks, zones, excludeNames=["us-east-1a"])["names"][0] == "us-east-1b"
    filtered = _call(mocks, zones, filters=[{"name": "zone-name", "values": ["us-east-1a", "*f"]}])
    assert filtered["names"] == ["us-east-1a", "us-east-1f"]
    # EC2's wildcards are `*` and `?` only: brackets are literal.
    assert (
        _call(mocks, zones, filters=[{"name": "zone-id", "values": ["use1-az?"]}])["zoneIds"][-1]
        == "use1-az6"
    )
    assert _call(mocks, zones, filters=[{"name": "zone-name", "values": ["us-east-1[ab]"]}])["names"] == []
    with pytest.raises(NotImplementedError):
        _call(mocks, zones, allAvailabilityZones=True)


def test_a_hosted_zone_is_found_by_its_name_and_kind_or_its_id() -> None:
    mocks = OfflineMocks()
    zone = "aws:route53/getZone:getZone"
    public = _call(mocks, zone, name="hotosm.org.", privateZone=False)
    assert public == {
        **public,
        "zoneId": hosted_zone_id("hotosm.org"),
        "name": "hotosm.org",
        "privateZone": False,
    }
    assert _call(mocks, zone, name="HOTOSM.org")["zoneId"] == public["zoneId"]
    private = _call(mocks, zone, name="hotosm.org", privateZone=True)
    assert private["zoneId"] == hosted_zone_id("hotosm.org", private=True) != public["zoneId"]
    assert _call(mocks, zone, name="tasks.hotosm.org")["zoneId"] != public["zoneId"]
    assert _call(mocks, zone, zoneId=public["zoneId"]) == public
    with pytest.raises(KeyError):
        _call(mocks, zone, zoneId="Z0000000000000")


def test_a_secret_has_only_its_current_version() -> None:
    mocks = OfflineMocks()
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-Ab12Cd"
    mocks.secret_values[arn] = "s3cr3t"
    version = "aws:secretsmanager/getSecretVersion:getSecretVersion"
    assert _call(mocks, version, secretId=arn)["secretString"] == "s3cr3t"
    with pytest.raises(KeyError, match="only its current version"):
        _call(mocks, version, secretId=arn, versionStage="AWSPREVIOUS")
    with pytest.raises(KeyError, match="no secret"):
        _call(mocks, version, secretId=arn.replace("key", "other"))


def test_a_certificate_validates_each_of_its_names_as_acm_names_the_records() -> None:
    """ACM's DNS validation record of `*.example.org` is `_<token>.example.org.` (no `*.`, which
    Route 53 would read as a wildcard record), one per domain and subject alternative name."""
    mocks = OfflineMocks()
    _, certificate = mocks.new_resource(
        MockResourceArgs(
            "aws:acm/certificate:Certificate",
            "wildcard",
            {"domainName": "*.review.example.org", "subjectAlternativeNames": ["api.example.org"]},
            custom=True,
        )
    )
    options = {o["domainName"]: o["resourceRecordName"] for o in certificate["domainValidationOptions"]}
    assert set(options) == {"*.review.example.org", "api.example.org"}
    assert re.fullmatch(r"_[0-9a-f]{12}\.review\.example\.org\.", options["*.review.example.org"])
    assert re.fullmatch(r"_[0-9a-f]{12}\.api\.example\.org\.", options["api.example.org"])


# -- Kubernetes objects: what the API server returns ---------------------------------------------------


def _kubernetes(token: str, name: str, inputs: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return OfflineMocks().new_resource(MockResourceArgs(token, name, inputs, custom=True))


def test_a_named_kubernetes_object_keeps_its_name_and_namespace_and_gets_a_uid() -> None:
    inputs = {
        "kind": "Service",
        "metadata": {"name": "api", "namespace": "tm"},
        "spec": {"type": "ClusterIP"},
    }
    resource_id, outputs = _kubernetes("kubernetes:core/v1:Service", "backend-api", inputs)
    assert resource_id == "tm/api"
    assert outputs["metadata"]["name"] == "api"
    assert re.fullmatch(r"[0-9a-f-]{36}", outputs["metadata"]["uid"])
    assert outputs["status"]["clusterIP"].startswith("10.43.")
    assert "arn" not in outputs


def test_an_unnamed_kubernetes_object_is_auto_named_in_the_default_namespace() -> None:
    resource_id, outputs = _kubernetes("kubernetes:core/v1:ConfigMap", "config", {"kind": "ConfigMap"})
    name = outputs["metadata"]["name"]
    assert re.fullmatch(r"config-[0-9a-f]{8}", name)
    assert resource_id == f"default/{name}"


def test_a_namespace_is_cluster_scoped() -> None:
    resource_id, outputs = _kubernetes(
        "kubernetes:core/v1:Namespace", "ns", {"kind": "Namespace", "metadata": {"name": "tm"}}
    )
    assert resource_id == "tm"
    assert "namespace" not in outputs["metadata"]


def test_a_kubernetes_provider_holds_its_inputs_and_nothing_of_aws() -> None:
    resource_id, outputs = _kubernetes("pulumi:providers:kubernetes", "kubernetes", {"context": "k3s"})
    assert resource_id == "kubernetes-provider-id"
    assert outputs == {"context": "k3s"}
