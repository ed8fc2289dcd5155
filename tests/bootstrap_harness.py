"""The bootstrap program (bootstrap/) under Pulumi's mocks (offline/bootstrap.py runs it), and
accessors the tests read it through: a CI role's trust and policies, a component's resources."""

from __future__ import annotations

import json
from typing import Any

from offline.bootstrap import EXAMPLE_ACCOUNT, EXAMPLE_CONFIG, BootstrapPlan
from offline.bootstrap import run_bootstrap as run_plan
from offline.mocks import Registration

ACCOUNT = EXAMPLE_ACCOUNT
REPOSITORY = "hotosm/tasking-manager"
CONFIG = dict(EXAMPLE_CONFIG)
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


class Bootstrap:
    def __init__(self, plan: BootstrapPlan, resources: list[Registration] | None = None) -> None:
        self.plan = plan
        self.resources: list[Registration] = plan.resources if resources is None else resources
        self.outputs: dict[str, Any] = plan.outputs
        self.protected = {r.urn for r in self.resources if r.protect}

    def component(self, token: str) -> Bootstrap:
        """The resources inside the one component of type `token` (itself included)."""
        (top,) = [r for r in self.resources if r.type == token]
        inside = {top.urn}
        for resource in self.resources:  # registered after their parents
            if resource.parent in inside:
                inside.add(resource.urn)
        return Bootstrap(self.plan, [r for r in self.resources if r.urn in inside])

    def of_type(self, token: str) -> list[Registration]:
        return [r for r in self.resources if r.type == token]

    def one(self, token: str) -> Registration:
        (found,) = self.of_type(token)
        return found

    def key_arn(self, name: str) -> str:
        """The ARN of the KMS key whose resource is named `name`."""
        return str(next(k for k in self.of_type("aws:kms/key:Key") if k.name == name).outputs["arn"])

    def role(self, key: str) -> Registration:
        return next(
            r for r in self.of_type("aws:iam/role:Role") if r.inputs["name"] == f"tasking-manager-ci-{key}"
        )

    def role_policies(self, key: str) -> list[dict[str, Any]]:
        """Every identity policy of the CI role `key`: inline ones and attached managed ones."""
        role = self.role(key)
        inline = [
            p.inputs["policy"]
            for p in self.of_type("aws:iam/rolePolicy:RolePolicy")
            if p.inputs["role"] == role.outputs["id"]
        ]
        attached = {
            a.inputs["policyArn"]
            for a in self.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if a.inputs["role"] == role.outputs["name"]
        }
        managed = [
            p.inputs["policy"] for p in self.of_type("aws:iam/policy:Policy") if p.outputs["arn"] in attached
        ]
        return [json.loads(document) for document in inline + managed]

    def boundary(self) -> dict[str, Any]:
        (policy,) = [
            p
            for p in self.of_type("aws:iam/policy:Policy")
            if p.inputs["name"] == "tasking-manager-ci-review-boundary"
        ]
        return dict(json.loads(policy.inputs["policy"]))

    def trust(self, key: str) -> dict[str, Any]:
        return dict(json.loads(self.role(key).inputs["assumeRolePolicy"]))

    def private_bucket(self, name: str) -> Registration:
        """The component's one bucket, checked to be what tm_bootstrap.buckets.private_bucket makes:
        named `name`, protected and not force-destroyable, every public access blocked,
        owner-enforced, versioned."""
        bucket = self.one("aws:s3/bucket:Bucket")
        assert bucket.inputs["bucket"] == name
        assert bucket.urn in self.protected
        assert not bucket.inputs.get("forceDestroy")
        block = self.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
        assert all(
            block[k] is True
            for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        )
        ownership = self.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
        assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
        versioning = self.one("aws:s3/bucketVersioning:BucketVersioning").inputs
        assert versioning["versioningConfiguration"] == {"status": "Enabled"}
        return bucket


def run_bootstrap(overrides: dict[str, Any], stack: str = "offline-test") -> Bootstrap:
    """Evaluate bootstrap/__main__.py for `stack` with `overrides` as its whole config."""
    return Bootstrap(run_plan(overrides, stack, base={}))


_RUNS: dict[str, Bootstrap] = {}


def bootstrap_run(**extra: Any) -> Bootstrap:
    """The bootstrap with CONFIG and `extra` settings (camelCase keys), run once per config."""
    overrides = {**CONFIG, **{f"bootstrap:{k}": v for k, v in extra.items()}}
    key = json.dumps(overrides, sort_keys=True)
    if key not in _RUNS:
        _RUNS[key] = run_bootstrap(overrides)
    return _RUNS[key]
