"""Whether a variable that anyone with read access sees looks like a credential.

FSBP ECS.8 only names AWS's own credential variables; the Tasking Manager's secrets are called
POSTGRES_PASSWORD, TM_SECRET, TM_CLIENT_SECRET, NEW_RELIC_LICENSE_KEY, TM_SENTRY_BACKEND_DSN,
OHSOME_STATS_TOKEN... so names are matched by pattern, and values by the shapes of known tokens.
Messages name the variable, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EXACT_NAMES = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "ECS_ENGINE_AUTH_DATA",
    "TM_DB",
}
NAME_PATTERN = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE|CREDENTIAL|(^|_)(API_?)?KEY($|_)|DSN|DB_CONNECT_PARAM"
)
VALUE_PATTERN = re.compile(
    r"ghp_|gho_|github_pat_|glpat-|xox[abp]-|sk_live_|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY"
    r"|://[^/\s:@]+:[^/\s@]+@"  # a URL carrying user:password
)


def why_secret(name: str, value: object, allowed: Iterable[str] = ()) -> str | None:
    """The reason `name`=`value` looks like a credential, or None."""
    if name in set(allowed):
        return None
    if name.upper() in EXACT_NAMES or NAME_PATTERN.search(name.upper()):
        return f"{name} is named like a secret"
    if isinstance(value, str) and VALUE_PATTERN.search(value):
        return f"the value of {name} looks like a credential"
    return None
