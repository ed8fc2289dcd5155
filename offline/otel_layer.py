"""Pin the OpenTelemetry layer of the back-end image and record what its packages are.

    python -m offline.otel_layer        (make otel-lock)

1. Resolves `images/api/requirements.in` with uv for the image's Python, with every package the
   application's image has (components/app_contract.json) as a constraint, into
   `images/api/requirements.txt` (hash-pinned), which images/api/Dockerfile installs.
2. Reads the pinned OpenTelemetry wheels from PyPI and writes `images/api/opentelemetry.json`: per
   instrumentation, the library versions it instruments (its `instruments` extra); every `OTEL_*`
   variable the packages read; the programs they install; the metrics the instrumentations can
   record (named by the pinned semantic conventions); and, for every platform the image is built
   for (images/platforms), the wheel of each pinned package pip installs there, whose hash the lock
   must hold. Tests hold the API's command and environment, the image's own package versions, and
   the lock's reach to every platform, to these facts.
"""

from __future__ import annotations

import ast
import email.parser
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from components.app_contract import CONTRACT

LAYER = Path(__file__).resolve().parent.parent / "images" / "api"
REQUIREMENTS = LAYER / "requirements.in"
LOCK = LAYER / "requirements.txt"
FACTS = LAYER / "opentelemetry.json"
# The extras under which an instrumentation names the libraries (and versions) it instruments.
INSTRUMENTS_EXTRAS = ("instruments", "instruments-any")
_VARIABLE = re.compile(r"OTEL_[A-Z0-9_]*[A-Z0-9]")
PLATFORMS = LAYER.parent / "platforms"
# The image's platforms as wheel tags name their machines, and the glibc of the application's base
# image (Debian bookworm's 2.36; components/app_contract.json names the base).
MACHINES = {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}
GLIBC_MINOR = 36


def manylinux_tags(platform: str) -> list[str]:
    """The manylinux platform tags a wheel may carry to install on the image's glibc, newest
    first, as pip ranks them (PEP 600; manylinux2014 is glibc 2.17)."""
    machine = MACHINES[platform]
    return [
        *(f"manylinux_2_{minor}_{machine}" for minor in range(GLIBC_MINOR, 16, -1)),
        f"manylinux2014_{machine}",
    ]


def recorded() -> dict[str, Any]:
    """The facts `make otel-lock` last wrote (images/api/opentelemetry.json)."""
    return dict(json.loads(FACTS.read_text()))


def locked(lock: str) -> dict[str, str]:
    """name -> version of every `name==version` line of a requirements file."""
    return {
        m.group(1).lower(): m.group(2)
        for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", lock, re.MULTILINE)
    }


def locked_hashes(lock: str) -> dict[str, set[str]]:
    """name -> the sha256 digests the lock accepts for it (`--hash=sha256:` under its pin)."""
    hashes: dict[str, set[str]] = {}
    name = ""
    for line in lock.splitlines():
        pin = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line)
        if pin:
            name = pin.group(1).lower()
        hashes.setdefault(name, set()).update(re.findall(r"--hash=sha256:([0-9a-f]{64})", line))
    hashes.pop("", None)
    return hashes


def platform_wheels(python: str) -> dict[str, dict[str, dict[str, str]]]:
    """platform -> package -> the wheel pip picks there for the pinned version (binary only: the
    image has no compiler to build one) and its sha256, which the lock must hold."""
    pins = locked(LOCK.read_text())
    hashes = locked_hashes(LOCK.read_text())
    wheels: dict[str, dict[str, dict[str, str]]] = {}
    for platform in PLATFORMS.read_text().strip().split(","):
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                 "--python-version", python, "--implementation", "cp",
                 *(f"--platform={tag}" for tag in manylinux_tags(platform)), "--dest", scratch,
                 *(f"{name}=={version}" for name, version in sorted(pins.items()))],
                check=True,
            )  # fmt: skip
            found = {}
            for wheel in sorted(Path(scratch).glob("*.whl")):
                name = wheel.name.split("-", 1)[0].replace("_", "-").lower()
                digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
                if digest not in hashes[name]:
                    raise SystemExit(f"{wheel.name} for {platform} is not among the hashes the lock holds")
                found[name] = {"wheel": wheel.name, "sha256": digest}
        wheels[platform] = found
    return wheels


def compile_lock() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        constraints = Path(scratch) / "application.txt"
        constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(CONTRACT.python_packages.items())))
        subprocess.run(
            [str(Path(sys.executable).parent / "uv"), "pip", "compile", "--quiet", "--generate-hashes",
             "--python-version", CONTRACT.python, "--python-platform", "linux",
             "--constraint", str(constraints), "--custom-compile-command", "make otel-lock",
             "--output-file", str(LOCK), str(REQUIREMENTS)],
            check=True,
        )  # fmt: skip
    # uv writes the constraint file's temporary path into the lock; keep the lock reproducible.
    LOCK.write_text(LOCK.read_text().replace(str(constraints), "the application image's packages"))


def _variables(source: str) -> set[str]:
    """OTEL_* names the module spells out, and those it builds by `TEMPLATE.format("SUFFIX")`
    from a module-level `TEMPLATE = "OTEL_..._{}"`."""
    names = {m for m in re.findall(r"[\"'](OTEL_[A-Z0-9_]*[A-Z0-9])[\"']", source)}
    tree = ast.parse(source)
    templates = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and node.value.value.startswith("OTEL_")
        and "{}" in node.value.value
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in templates
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(templates[node.func.value.id].format(node.args[0].value))
    return {name for name in names if _VARIABLE.fullmatch(name)}


def wheel_facts(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as archive:
        metadata_path = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(metadata_path).decode())
        entry_points = next(
            (n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")), None
        )
        programs: list[str] = []
        if entry_points:
            section = None
            for line in archive.read(entry_points).decode().splitlines():
                if line.startswith("["):
                    section = line.strip("[] ")
                elif section == "console_scripts" and "=" in line:
                    programs.append(line.split("=", 1)[0].strip())
        variables: set[str] = set()
        # Metric instruments: their names, as the semantic conventions define them (the
        # MetricInstruments class, and the incubating modules' `NAME: Final = "..."` with their
        # `create_<name>` helpers), and the ones an instrumentation's source refers to.
        metric_names: dict[str, str] = {}
        metrics_used: set[str] = set()
        for name in archive.namelist():
            if name.endswith(".py"):
                source = archive.read(name).decode("utf-8")
                variables |= _variables(source)
                if "/semconv/" in name:
                    if "/metrics/" in name:
                        metric_names |= _metric_instruments(source)
                    continue
                metrics_used |= set(re.findall(r"MetricInstruments\.([A-Z_]+)", source))
                metrics_used |= {n.upper() for n in re.findall(r"\bcreate_([a-z_]+)\(", source)}
    instruments = [
        requirement.split(";", 1)[0].strip()
        for requirement in metadata.get_all("Requires-Dist") or []
        if any(f'extra == "{e}"' in requirement.replace("'", '"') for e in INSTRUMENTS_EXTRAS)
    ]
    return {
        "instruments": instruments,
        "variables": variables,
        "programs": programs,
        "metric_names": metric_names,
        "metrics_used": metrics_used,
    }


def _metric_instruments(source: str) -> dict[str, str]:
    """A semantic-conventions metrics module's names: NAME -> metric name, from the
    `MetricInstruments` class and from module-level `NAME: Final = "..."`."""
    tree = ast.parse(source)
    classes = [c.body for c in tree.body if isinstance(c, ast.ClassDef) and c.name == "MetricInstruments"]
    names: dict[str, str] = {}
    for node in [*tree.body, *(n for body in classes for n in body)]:
        value = getattr(node, "value", None)
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names |= {t.id: value.value for t in targets if isinstance(t, ast.Name) and t.id.isupper()}
    return names


def write_facts() -> dict[str, Any]:
    pins = {n: v for n, v in locked(LOCK.read_text()).items() if n.startswith("opentelemetry")}
    instruments: dict[str, list[str]] = {}
    variables: set[str] = set()
    programs: set[str] = set()
    metric_names: dict[str, str] = {}
    metrics_used: set[str] = set()
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
             "--python-version", CONTRACT.python, "--dest", scratch,
             *(f"{name}=={version}" for name, version in sorted(pins.items()))],
            check=True,
        )  # fmt: skip
        for wheel in sorted(Path(scratch).glob("*.whl")):
            facts = wheel_facts(wheel)
            name = wheel.name.split("-", 1)[0].replace("_", "-").lower()
            if facts["instruments"]:
                instruments[name] = facts["instruments"]
            variables |= facts["variables"]
            programs |= set(facts["programs"])
            metric_names |= facts["metric_names"]
            metrics_used |= facts["metrics_used"]
    facts_json = {
        "python": CONTRACT.python,
        "packages": pins,
        "instruments": instruments,
        "variables": sorted(variables),
        "programs": sorted(programs),
        "metrics": sorted(metric_names[n] for n in metrics_used if n in metric_names),
        "wheels": platform_wheels(CONTRACT.python),
    }
    FACTS.write_text(json.dumps(facts_json, indent=2) + "\n")
    return facts_json


def main() -> int:
    compile_lock()
    facts = write_facts()
    print(f"wrote {LOCK.name} ({len(locked(LOCK.read_text()))} packages) and {FACTS.name}")
    print(f"instrumentations: {', '.join(sorted(facts['instruments']))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
