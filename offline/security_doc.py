"""The generated part of docs/operations/security.md: each Security Hub control of AWS's
Foundational Security Best Practices (FSBP) that a policy of the packs cites, the policies that
check it before deployment, and the resource type the bootstrap's Config recorder keeps for
Security Hub to check it after."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import offline.bootstrap  # noqa: F401  (puts bootstrap/ on the import path, for tm_bootstrap)
from offline.engine import PROJECT_DIR
from offline.policy_run import PACKS, pack_policies
from tm_bootstrap.baseline import CONFIG_RESOURCE_TYPES

SECURITY_DOC = PROJECT_DIR / "docs" / "operations" / "security.md"
BEGIN = "<!-- BEGIN GENERATED: Security Hub controls and the policies (python -m offline docs) -->"
END = "<!-- END GENERATED: Security Hub controls and the policies -->"

# `FSBP S3.8`, `FSBP ELB.17 [3P]`, `FSBP CloudWatch.16 (NIST)`: the packs' way of citing a control.
_CONTROL = re.compile(r"^FSBP (?P<service>[A-Za-z0-9]+)\.(?P<number>\d+)(?P<qualifier>.*)$")
QUALIFIERS = {
    "(NIST)": "NIST SP 800-53 only: the FSBP subscription does not check it",
    "[3P]": "id from third-party copies of the FSBP list: confirm it in the console",
    "(runtime counterpart)": "the policy checks the plan, Security Hub the running key",
}


@dataclass
class Control:
    service: str
    number: int
    qualifiers: set[str] = field(default_factory=set)
    policies: set[tuple[str, str]] = field(default_factory=set)  # (pack, policy name)

    @property
    def id(self) -> str:
        return f"{self.service}.{self.number}"


def fsbp_controls(citations: Iterable[tuple[str, str, str]] | None = None) -> list[Control]:
    """The FSBP controls cited by (pack, policy, control) triples (every policy of the packs when
    None), in Security Hub's order: by service, then number."""
    if citations is None:
        citations = [
            (pack, policy.name, control)
            for pack in PACKS
            for policy in pack_policies(pack)
            for control in policy.controls
        ]
    found: dict[str, Control] = {}
    for pack, policy, cited in citations:
        match = _CONTROL.match(cited)
        if match is None:
            continue
        qualifier = match["qualifier"].strip()
        if qualifier and qualifier not in QUALIFIERS:
            raise ValueError(f"{pack}/{policy} cites {cited!r}: unknown qualifier {qualifier!r}")
        control = found.setdefault(
            f"{match['service']}.{match['number']}", Control(match["service"], int(match["number"]))
        )
        control.policies.add((pack, policy))
        if qualifier:
            control.qualifiers.add(qualifier)
    return sorted(found.values(), key=lambda c: (c.service.lower(), c.number))


def recorded_types(control_id: str) -> list[str]:
    """The resource types the Config recorder keeps for this control (tm_bootstrap.baseline)."""
    return [kind for kind, controls in CONFIG_RESOURCE_TYPES.items() if control_id in controls]


def fsbp_table(controls: list[Control] | None = None) -> str:
    controls = fsbp_controls() if controls is None else controls
    lines = [
        "| Security Hub control | checked before deployment by | Config records, for Security Hub | note |",
        "|---|---|---|---|",
    ]
    for control in controls:
        policies = "<br>".join(f"`{name}` ({pack})" for pack, name in sorted(control.policies))
        types = "<br>".join(f"`{kind}`" for kind in recorded_types(control.id)) or "(not recorded)"
        notes = "; ".join(QUALIFIERS[q] for q in sorted(control.qualifiers))
        lines.append(f"| {control.id} | {policies} | {types} | {notes} |")
    return "\n".join(lines) + "\n"


def security_doc(current: str) -> str:
    """docs/operations/security.md with its generated table replaced."""
    before, begin, rest = current.partition(BEGIN)
    _, end, after = rest.partition(END)
    if not begin or not end:
        raise SystemExit(f"{SECURITY_DOC} lacks the generated-section markers")
    return f"{before}{BEGIN}\n{fsbp_table()}{END}{after}"
