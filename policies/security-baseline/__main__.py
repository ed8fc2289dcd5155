"""Entry point the Pulumi CLI runs (`python -m pulumi.policy <engine> .` in this directory).

Building the PolicyPack starts its gRPC server and blocks, so nothing else belongs here: the rules
live in `security_baseline/`, where the tests import them.
"""

from pulumi_policy import EnforcementLevel, PolicyPack
from security_baseline import PACK_NAME, POLICIES

PolicyPack(PACK_NAME, POLICIES, enforcement_level=EnforcementLevel.ADVISORY)
