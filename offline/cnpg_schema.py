"""Record the schemas of the CloudNativePG custom resources the Kubernetes realisation declares.

    python -m offline.cnpg_schema <repository> --ref <tag> [--check]

`<repository>` is a git repository of CloudNativePG (a clone, bare or not): each kind's
CustomResourceDefinition is read at `<tag>` with `git show <tag>:config/crd/bases/<file>`, so
nothing of the work tree is used and any release can be read from one clone. Of each definition
only the served version's `openAPIV3Schema` is kept, without its `description` texts (they hold
no constraint and are most of the bytes), in `offline/cnpg_schemas.json` with the tag and the
commit it names. `offline/k8s_manifests.py` validates the plan's CloudNativePG resources against
that file. `--check` fails when the file differs from what the tag gives.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

SCHEMAS_PATH = Path(__file__).resolve().parent / "cnpg_schemas.json"
GROUP = "postgresql.cnpg.io"
# The kinds recorded, and the file of each one's definition in the repository.
KINDS = {
    "Cluster": "config/crd/bases/postgresql.cnpg.io_clusters.yaml",
    "Pooler": "config/crd/bases/postgresql.cnpg.io_poolers.yaml",
    "ScheduledBackup": "config/crd/bases/postgresql.cnpg.io_scheduledbackups.yaml",
    "Database": "config/crd/bases/postgresql.cnpg.io_databases.yaml",
}
# The schema keywords whose value is one schema, and those whose value is a list or map of them.
_ONE = ("items", "additionalProperties", "not")
_MANY = ("allOf", "anyOf", "oneOf")
_MAP = ("properties", "patternProperties")


class CrdSourceError(Exception):
    """The repository, the tag or a definition is not what this script reads."""


def _git(repository: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repository), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise CrdSourceError(f"git {' '.join(args)} in {repository}: {result.stderr.strip()}")
    return result.stdout


def map_schemas(schema: Any, change: Callable[[Mapping[str, Any]], dict[str, Any]]) -> Any:
    """The schema with `change` applied to it and to each schema inside it (a property's,
    an item's, ...), outermost first. A map of properties is not itself a schema: a property
    named like a keyword (`description`) is left alone."""
    if not isinstance(schema, Mapping):
        return schema
    changed = change(schema)
    for key, value in changed.items():
        if key in _ONE:
            changed[key] = map_schemas(value, change)
        elif key in _MANY:
            changed[key] = [map_schemas(v, change) for v in value]
        elif key in _MAP:
            changed[key] = {name: map_schemas(v, change) for name, v in value.items()}
    return changed


def without_descriptions(schema: Any) -> Any:
    """The schema with every schema's `description` text removed."""
    return map_schemas(
        schema,
        lambda node: {k: v for k, v in node.items() if not (k == "description" and isinstance(v, str))},
    )


def served_schema(definition: Mapping[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    """The storage version of a CustomResourceDefinition and its `openAPIV3Schema`."""
    spec = definition.get("spec") or {}
    if definition.get("kind") != "CustomResourceDefinition" or (spec.get("names") or {}).get("kind") != kind:
        raise CrdSourceError(f"not the CustomResourceDefinition of {kind}")
    if spec.get("group") != GROUP:
        raise CrdSourceError(f"{kind}: group {spec.get('group')!r}, expected {GROUP}")
    stored = [v for v in spec.get("versions") or [] if v.get("storage") and v.get("served")]
    if len(stored) != 1:
        raise CrdSourceError(f"{kind}: {len(stored)} served storage versions, expected one")
    return str(stored[0]["name"]), without_descriptions(stored[0]["schema"]["openAPIV3Schema"])


def extract(repository: Path, ref: str) -> dict[str, Any]:
    """The document `offline/cnpg_schemas.json` holds for the release `ref`."""
    commit = _git(repository, "rev-parse", "--verify", f"{ref}^{{commit}}").strip()
    kinds: dict[str, Any] = {}
    for kind, path in KINDS.items():
        definition = yaml.safe_load(_git(repository, "show", f"{commit}:{path}"))
        version, schema = served_schema(definition, kind)
        kinds[kind] = {
            "apiVersion": f"{GROUP}/{version}",
            "path": path,
            "scope": definition["spec"].get("scope"),
            "openAPIV3Schema": schema,
        }
    return {
        "source": "CloudNativePG (github.com/cloudnative-pg/cloudnative-pg), its CustomResourceDefinitions",
        "ref": ref,
        "commit": commit,
        "regenerate": f"python -m offline.cnpg_schema <clone> --ref {ref}",
        "note": "each kind's openAPIV3Schema as the definition has it, without description texts",
        "kinds": kinds,
    }


def render(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def load() -> dict[str, Any]:
    """The recorded document."""
    loaded: dict[str, Any] = json.loads(SCHEMAS_PATH.read_text())
    return loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repository", type=Path, help="a git clone of CloudNativePG (bare or not)")
    parser.add_argument("--ref", required=True, help="the release tag, e.g. v1.30.0")
    parser.add_argument("--check", action="store_true", help="fail when the recorded file differs")
    args = parser.parse_args(argv)
    try:
        text = render(extract(args.repository, args.ref))
    except CrdSourceError as error:
        print(f"cnpg_schema: {error}", file=sys.stderr)
        return 2
    if args.check:
        if SCHEMAS_PATH.exists() and SCHEMAS_PATH.read_text() == text:
            return 0
        print(f"{SCHEMAS_PATH.name} is not what {args.ref} gives: run without --check", file=sys.stderr)
        return 1
    SCHEMAS_PATH.write_text(text)
    print(f"wrote {SCHEMAS_PATH} ({', '.join(KINDS)} at {args.ref})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
