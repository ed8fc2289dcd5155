"""Policy tests: the packs' rule modules importable in-process (the running packs are tests/conftest.py's)."""

from __future__ import annotations

import sys

from offline.policy_run import PACKS, PACKS_DIR

# Each pack is a directory the CLI runs from, holding one package of rules (security_baseline,
# operations_guardrails): put those directories on the path, as `python -m pulumi.policy .` does.
for _pack in PACKS:
    if str(PACKS_DIR / _pack) not in sys.path:
        sys.path.insert(0, str(PACKS_DIR / _pack))
