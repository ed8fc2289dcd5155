"""Before a workflow touches a committed stack: does its stack file say how its secrets are kept,
and does it hold every secret the settings require?

    python -m offline preflight <stack>

Run by the deploy workflow before it builds, pushes or runs `pulumi up`; no AWS call, no
decryption (a `secure:` value only has to be there). Each problem names the key and the command
that fixes it, so a stack file without its secrets stops the run in seconds with a message, not
half-way through a deployment.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from components.settings import SettingsError, parse_settings
from offline.config import load_stack_config

PROJECT = "tasking-manager"


def expected_secrets_provider(environment: str, region: str) -> str:
    """The bootstrap's key for the environment (bootstrap/tm_bootstrap/state.py names it)."""
    return f"awskms://alias/{PROJECT}-pulumi-secrets-{environment}?region={region}"


def preflight(stack: str, project_dir: Path) -> list[str]:
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.exists():
        return [f"{path.name} does not exist: deploy only stacks whose file is committed"]
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    config = document.get("config") or {}
    environment = str(config.get("tm:environment", ""))
    region = str(config.get("tm:region", "us-east-1"))
    wanted = expected_secrets_provider(environment, region)
    problems = []
    provider = document.get("secretsprovider")
    if provider != wanted:
        problems.append(
            f"{path.name}: secretsprovider is {provider!r}, not this environment's key {wanted!r}; "
            f"run `pulumi stack change-secrets-provider --stack {stack} '{wanted}'` and commit the file"
        )
    elif not document.get("encryptedkey"):
        problems.append(
            f"{path.name}: no encryptedkey (the stack's data key, encrypted with {wanted}); run "
            f"`pulumi stack change-secrets-provider --stack {stack} '{wanted}'` once with the "
            "environment's CI role or an administrator, and commit the file"
        )
    config = load_stack_config(project_dir, stack)
    try:
        parse_settings(stack, config.values, config.secret_keys)
    except SettingsError as error:
        problems.append(str(error))
    return problems
