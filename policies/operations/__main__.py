"""Entry point the Pulumi CLI runs (`python -m pulumi.policy <engine> .` in this directory).

Building the PolicyPack starts its gRPC server and blocks, so nothing else belongs here: the rules
live in `operations_guardrails/`, where the tests import them.
"""

from operations_guardrails import PACK_NAME, POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(PACK_NAME, POLICIES, enforcement_level=EnforcementLevel.MANDATORY)
