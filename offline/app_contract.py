"""Regenerate the application contract from a checkout of the Tasking Manager.

    python -m offline.app_contract <checkout> [--ref TAG] [--commit SHA] [--check]

Reads, never runs, the application's own files: `backend/config.py` (with `ast`: every environment
variable its settings read, the type the field declares, how the raw string is converted, whether
a default exists), the other back-end modules' direct environment reads, `scripts/docker/Dockerfile`
(the `prod` stage: user, work directory, system packages, command, port), `uv.lock` (the Python
packages the image installs: the project's dependencies without its dev groups), the API routes that
make up the heartbeat path and the tables its query reads, `migrations/alembic.ini`, the back end's
enumerations (the integers it stores for task and project states, roles, actions: what a seed of
its database may write), and how often the front end polls the API
(`refetchInterval` in `frontend/src`: what one open browser tab sends without anyone clicking),
and the New Relic agent the image ships: the environments of its `newrelic.ini` and every
`NEW_RELIC_*` variable its source (the sdist of the locked version, from PyPI) knows.
It writes `components/app_contract.json` and prints what changed, so upgrading the application is
one command and a reviewed diff.
"""

from __future__ import annotations

import argparse
import ast
import configparser
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path
from typing import Any

CONTRACT_PATH = Path(__file__).resolve().parent.parent / "components" / "app_contract.json"

CONFIG = "backend/config.py"
DOCKERFILE = "scripts/docker/Dockerfile"
IMAGE_TARGET = "prod"
ROUTES = "backend/routes.py"
SYSTEM_API = "backend/api/system/general.py"
ALEMBIC_INI = "migrations/alembic.ini"
FRONTEND_SOURCE = "frontend/src"
FRONTEND_ROUTES = "frontend/src/routes.js"
NEW_RELIC_INI = "newrelic.ini"
# Programs that Debian packages and Python distributions put on the image's PATH. Only the ones a
# task command might use are listed; a command using anything else fails the contract tests.
DEBIAN_EXECUTABLES = {
    "postgresql-client": ["psql", "pg_dump", "pg_restore", "pg_isready"],
    "curl": ["curl"],
    "proj-bin": ["proj", "cs2cs"],
}
PYTHON_EXECUTABLES = {
    "uvicorn": ["uvicorn"],
    "alembic": ["alembic"],
    "newrelic": ["newrelic-admin"],
    "gunicorn": ["gunicorn"],
}
# What the official python:<version>-slim-bookworm base image has on its PATH.
BASE_EXECUTABLES = ["sh", "bash", "python", "python3", "pip"]


class ContractSourceError(Exception):
    """The checkout does not look the way this script expects: the contract would be wrong."""


def _getenv_name(node: ast.AST) -> str | None:
    """`os.getenv("X", ...)` or `os.environ.get("X", ...)` -> "X"."""
    if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
        return None
    func = ast.unparse(node.func)
    if func in ("os.getenv", "os.environ.get") and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def _getenv_calls(node: ast.AST) -> list[tuple[ast.Call, list[ast.AST]]]:
    """Every getenv call below `node`, with the chain of nodes from `node` down to it."""
    found: list[tuple[ast.Call, list[ast.AST]]] = []

    def walk(current: ast.AST, path: list[ast.AST]) -> None:
        if isinstance(current, ast.Call) and _getenv_name(current):
            found.append((current, path))
            return
        for child in ast.iter_child_nodes(current):
            walk(child, [*path, current])

    walk(node, [])
    return found


def _conversion(path: list[ast.AST]) -> str:
    """How the raw string reaches the field: `pydantic` validates it as the declared type, `int`
    means Python's int() sees it first, `json` means json.loads, `text` means a string method or
    comparison consumes it, or it is only tested for being set (any string is accepted)."""
    if any(isinstance(p, ast.IfExp | ast.BoolOp | ast.Dict | ast.List | ast.Tuple) for p in path):
        # `os.getenv(X).split(",") if os.getenv(X) else [...]`, or a string inside a literal.
        return "text"
    for parent in reversed(path):
        if isinstance(parent, ast.Call):
            func = ast.unparse(parent.func)
            if func == "int":
                return "int"
            if func == "json.loads":
                return "json"
            if isinstance(parent.func, ast.Attribute):
                return "text"
        if isinstance(parent, ast.Attribute | ast.Compare):
            return "text"
    return "pydantic"


def _default(call: ast.Call) -> Any:
    if len(call.args) < 2:
        return None
    node = call.args[1]
    if isinstance(node, ast.Constant):
        return node.value
    if ast.unparse(node) == "logging.DEBUG":
        return 10
    return ast.unparse(node)


def _optional(annotation: str) -> bool:
    return annotation.startswith("Optional[") or "None" in annotation


def settings_contract(source: str) -> dict[str, Any]:
    """Every variable the settings classes read, with the field it feeds and how it is parsed."""
    tree = ast.parse(source)
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    if not any(c.name == "Settings" for c in classes):
        raise ContractSourceError(f"{CONFIG} has no Settings class")
    variables: dict[str, dict[str, Any]] = {}

    def read(name: str, entry: dict[str, Any]) -> None:
        reads = variables.setdefault(name, {"reads": []})["reads"]
        if entry not in reads:
            reads.append(entry)

    for cls in classes:
        if not any(ast.unparse(b) in ("BaseSettings", "Settings") for b in cls.bases):
            continue
        for statement in cls.body:
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                field, annotation = statement.target.id, ast.unparse(statement.annotation)
                # pydantic-settings also reads each field from the variable of the field's own name
                # (case-insensitive); list and dict fields arrive JSON-decoded.
                complex_type = annotation in ("list", "dict") or annotation.startswith(("list[", "dict["))
                read(
                    field,
                    {
                        "class": cls.name,
                        "field": field,
                        "type": annotation,
                        "conversion": "json" if complex_type else "pydantic",
                        "required": False,
                    },
                )
                for call, path in _getenv_calls(statement.value) if statement.value else []:
                    name = _getenv_name(call)
                    assert name is not None
                    default = _default(call)
                    conversion = _conversion(path)
                    read(
                        name,
                        {
                            "class": cls.name,
                            "field": field,
                            "type": annotation,
                            "conversion": conversion,
                            # validate_default: a None default of a non-Optional field fails at import.
                            "required": default is None
                            and conversion == "pydantic"
                            and not _optional(annotation),
                        },
                    )
            else:
                # Class-body conditionals such as `if os.getenv("SMTP_CREDENTIALS")`: read, JSON.
                for call, path in _getenv_calls(statement):
                    name = _getenv_name(call)
                    assert name is not None
                    conversion = _conversion(path)
                    read(
                        name,
                        {
                            "class": cls.name,
                            "field": None,
                            "type": "str",
                            "conversion": "json" if conversion == "json" else "text",
                            "required": False,
                        },
                    )
    builds_url = "PostgresDsn.build" in source and "quote" not in source
    return {
        "variables": dict(sorted(variables.items())),
        # The database URL is assembled from POSTGRES_* with PostgresDsn.build, which does not
        # percent-encode: a password with URL delimiters breaks it.
        "databaseUrlEscapesPassword": not builds_url,
    }


def direct_reads(checkout: Path) -> dict[str, str]:
    """Variables the back end reads outside its settings module: name -> file."""
    reads: dict[str, str] = {}
    for path in sorted([*(checkout / "backend").rglob("*.py"), *(checkout / "migrations").rglob("*.py")]):
        relative = path.relative_to(checkout).as_posix()
        if relative == CONFIG:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = _getenv_name(node)
            if name:
                reads.setdefault(name, relative)
    return dict(sorted(reads.items()))


def _stages(dockerfile: str) -> dict[str, tuple[str, list[str]]]:
    """Stage name -> (the stage it is built FROM, its instruction lines)."""
    text = re.sub(r"\\\n", " ", dockerfile)
    stages: dict[str, tuple[str, list[str]]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        line = line.strip()
        match = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if match:
            current = []
            stages[match.group(2) or match.group(1)] = (match.group(1), current)
        elif current is not None and line and not line.startswith("#"):
            current.append(line)
    return stages


def image_contract(dockerfile: str, target: str = IMAGE_TARGET) -> dict[str, Any]:
    stages = _stages(dockerfile)
    if target not in stages:
        raise ContractSourceError(f"{DOCKERFILE} has no stage {target!r}")
    chain: list[list[str]] = []
    name = target
    while name in stages:
        parent, lines = stages[name]
        chain.insert(0, lines)
        name = parent
    args = {m.group(1): m.group(2) for m in re.finditer(r"^ARG\s+(\w+)=(\S+)", dockerfile, re.MULTILINE)}
    facts: dict[str, Any] = {"target": target, "aptPackages": [], "exposes": []}
    for lines in chain:
        for line in lines:
            keyword, _, rest = line.partition(" ")
            keyword = keyword.upper()
            if keyword == "RUN" and "apt-get" in rest and "install" in rest:
                words = rest.split()
                start = words.index("-y") + 1 if "-y" in words else words.index("install") + 1
                for word in words[start:]:
                    if word in ("&&", ";") or word.startswith("&&"):
                        break
                    if not word.startswith("-"):
                        facts["aptPackages"].append(word.strip('"'))
            elif keyword == "RUN" and "useradd" in rest:
                match = re.search(r"--uid\s+(\d+).*\s(\w+)\s*$", rest)
                if match:
                    facts["users"] = {match.group(2): int(match.group(1))}
            elif keyword == "ENV" and (match := re.search(r"UV_PROJECT_ENVIRONMENT=(\S+)", rest)):
                # Where `uv sync` puts the application's packages: the image's virtualenv.
                facts["virtualenv"] = match.group(1)
            elif keyword == "WORKDIR":
                facts["workdir"] = rest.strip()
            elif keyword == "USER":
                facts["user"] = rest.strip().split(":")[0]
            elif keyword == "EXPOSE":
                facts["exposes"] += [int(p) for p in rest.split()]
            elif keyword == "CMD":
                facts["command"] = json.loads(rest)
    user = facts.get("user")
    if not user or user not in facts.get("users", {}):
        raise ContractSourceError(f"{DOCKERFILE}: the {target} stage's user and its uid were not found")
    facts["uid"] = facts.pop("users")[user]
    facts["python"] = args.get("PYTHON_IMG_TAG")
    facts["base"] = f"python:{args.get('PYTHON_IMG_TAG')}-{args.get('DEBIAN_IMG_TAG')}"
    return facts


def python_packages(lock: str) -> dict[str, str]:
    """What `uv sync --no-dev` installs: the project's dependencies and theirs, with versions."""
    packages = {p["name"].lower(): p for p in tomllib.loads(lock)["package"]}
    project = next((p for p in packages.values() if p.get("source", {}).get("editable") == "."), None)
    project = project or next(p for p in packages.values() if p.get("source", {}).get("virtual") == ".")
    installed: dict[str, str] = {}
    pending = [d["name"].lower() for d in project.get("dependencies", [])]
    while pending:
        name = pending.pop()
        if name in installed or name not in packages:
            continue
        installed[name] = packages[name]["version"]
        pending += [d["name"].lower() for d in packages[name].get("dependencies", [])]
    return dict(sorted(installed.items()))


def _router_prefix(source: str, variable: str) -> str:
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets)
            and isinstance(node.value, ast.Call)
        ):
            for keyword in node.value.keywords:
                if keyword.arg == "prefix" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    raise ContractSourceError(f"no APIRouter assigned to {variable} with a prefix")


def heartbeat_path(routes: str, system_api: str) -> str:
    """/api/v2 (routes.py) + the system router's prefix + the heartbeat route."""
    for node in ast.walk(ast.parse(system_api)):
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name == "heartbeat":
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and isinstance(decorator.args[0], ast.Constant):
                    route = str(decorator.args[0].value)
                    return _router_prefix(routes, "v2") + _router_prefix(system_api, "router") + route
    raise ContractSourceError(f"{SYSTEM_API} has no heartbeat route")


_TABLE = re.compile(r"\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)


def heartbeat_tables(system_api: str) -> list[str]:
    """The tables named by FROM or JOIN in the SQL strings of the heartbeat route."""
    for node in ast.walk(ast.parse(system_api)):
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name == "heartbeat":
            strings = [
                c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)
            ]
            return sorted({table for sql in strings for table in _TABLE.findall(sql)})
    raise ContractSourceError(f"{SYSTEM_API} has no heartbeat route")


_INTERVAL = re.compile(r"refetchInterval:\s*([^,\n}]+)")
_MILLISECONDS = re.compile(r"^(?:1000\s*\*\s*(\d+)|(\d+)\s*\*\s*1000|(\d+))$")


def _milliseconds(expression: str, source: str) -> int | None:
    """`1000 * 30`, `30000`, a constant of the same file, or the number in `cond ? X : false`."""
    expression = expression.strip()
    if "?" in expression:
        expression = next(
            (part.strip() for part in re.split(r"[?:]", expression)[1:] if part.strip() != "false"), ""
        )
    constant = re.search(rf"const\s+{re.escape(expression)}\s*=\s*([^;\n]+)", source)
    if constant:
        expression = constant.group(1).strip()
    found = _MILLISECONDS.match(expression)
    if not found:
        return None
    a, b, c = found.groups()
    return int(a) * 1000 if a else int(b) * 1000 if b else int(c)


def frontend_polling(checkout: Path) -> list[dict[str, Any]]:
    """Every API query the front end repeats on a timer: file and period in seconds."""
    polling = []
    for path in sorted((checkout / FRONTEND_SOURCE).rglob("*.js")):
        if "test" in path.name or "__tests__" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        for match in _INTERVAL.finditer(source):
            milliseconds = _milliseconds(match.group(1), source)
            if milliseconds is None:
                raise ContractSourceError(f"{path}: cannot read the interval {match.group(1)!r}")
            polling.append({"file": str(path.relative_to(checkout)), "seconds": milliseconds // 1000})
    if not polling:
        raise ContractSourceError(f"no refetchInterval under {checkout / FRONTEND_SOURCE}")
    return polling


# The front end's route of its Authorized view: where OSM's OAuth2 server sends a login back to.
_CALLBACK_ROUTE = re.compile(r'<Route\s+path="([^"]+)"\s+element=\{<Authorized\s*/>\}')


def oauth_contract(config: str, routes: str) -> dict[str, str]:
    """The OAuth2 facts the deployment must match: the front end's callback path (each redirect
    URI registered with OSM ends in it) and the scope the back end asks for when TM_SCOPE is unset."""
    callbacks = _CALLBACK_ROUTE.findall(routes)
    if len(callbacks) != 1:
        raise ContractSourceError(f"{FRONTEND_ROUTES}: {len(callbacks)} routes of the Authorized view, not 1")
    scopes = [
        _default(call)
        for call, _ in _getenv_calls(ast.parse(config))
        if _getenv_name(call) == "TM_SCOPE" and isinstance(_default(call), str)
    ]
    if len(set(scopes)) != 1:
        raise ContractSourceError(f"{CONFIG}: TM_SCOPE defaults to {sorted(set(scopes))}, not one scope")
    return {"callbackPath": "/" + callbacks[0].strip("/"), "defaultScope": scopes[0]}


def new_relic_environments(ini: str) -> list[str]:
    """The `[newrelic:<environment>]` sections NEW_RELIC_ENVIRONMENT may select."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(ini)
    return sorted(s.split(":", 1)[1] for s in parser.sections() if s.startswith("newrelic:"))


def pypi_sdist(name: str, version: str, into: Path) -> Path:
    """Download and unpack a package's source distribution from PyPI; the unpacked directory."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
         f"{name}=={version}", "--dest", str(into)],
        check=True,
    )  # fmt: skip
    (archive,) = into.glob(f"{name}-{version}.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / f"{name}-{version}"


def agent_variables(source: Path, package: str) -> list[str]:
    """Every NEW_RELIC_* name the agent's Python source spells out."""
    names = {
        match
        for path in (source / package).rglob("*.py")
        for match in re.findall(r"[\"'](NEW_RELIC_[A-Z0-9_]*[A-Z0-9])[\"']", path.read_text(encoding="utf-8"))
    }
    if "NEW_RELIC_LICENSE_KEY" not in names:
        raise ContractSourceError(f"{source} does not look like the New Relic agent")
    return sorted(names)


def new_relic_contract(checkout: Path, packages: dict[str, str]) -> dict[str, Any] | None:
    if "newrelic" not in packages or not (checkout / NEW_RELIC_INI).is_file():
        return None
    with tempfile.TemporaryDirectory() as scratch:
        source = pypi_sdist("newrelic", packages["newrelic"], Path(scratch))
        variables = agent_variables(source, "newrelic")
    return {
        "version": packages["newrelic"],
        "configFile": NEW_RELIC_INI,
        "environments": new_relic_environments((checkout / NEW_RELIC_INI).read_text(encoding="utf-8")),
        "variables": variables,
    }


_WRITE_METHODS = ("post", "put", "patch")


def write_routes(checkout: Path, routes: str) -> list[str]:
    """Every route that takes a request body: `METHOD /api/v2/<router prefix><path>`."""
    v2 = _router_prefix(routes, "v2")
    found = []
    for path in sorted((checkout / "backend" / "api").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        decorators = [
            d
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for d in node.decorator_list
            if isinstance(d, ast.Call)
            and isinstance(d.func, ast.Attribute)
            and d.func.attr in _WRITE_METHODS
            and isinstance(d.func.value, ast.Name)
            and d.func.value.id == "router"
            and d.args
            and isinstance(d.args[0], ast.Constant)
        ]
        if decorators:
            prefix = _router_prefix(source, "router")
            found += [f"{d.func.attr.upper()} {v2}{prefix}{d.args[0].value}" for d in decorators]  # type: ignore[attr-defined]
    if not found:
        raise ContractSourceError(f"no POST/PUT/PATCH route under {checkout / 'backend' / 'api'}")
    return sorted(set(found))


def _member_value(node: ast.expr) -> int | str | None:
    """`3`, `-1` or `"x"`: the constant an enumeration member stands for, or None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _member_value(node.operand)
        return -inner if isinstance(inner, int) else None
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | str)
        and not isinstance(node.value, bool)
    ):
        return node.value
    return None


def enums(checkout: Path) -> dict[str, dict[str, Any]]:
    """Every `class X(Enum)` of the back end: its file and its members' values, as the database
    stores them (`TaskStatus.MAPPED` is the integer 2 in `tasks.task_status`)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((checkout / "backend").rglob("*.py")):
        relative = path.relative_to(checkout).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.ClassDef)
                and any(ast.unparse(b) in ("Enum", "enum.Enum") for b in node.bases)
            ):
                continue
            if node.name in found:
                raise ContractSourceError(
                    f"two enumerations named {node.name}: {found[node.name]['file']}, {relative}"
                )
            members: dict[str, int | str] = {}
            for statement in node.body:
                if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                    target, value = statement.targets[0], _member_value(statement.value)
                    if not isinstance(target, ast.Name) or value is None:
                        raise ContractSourceError(
                            f"{relative}: {node.name} has a member that is not a constant"
                        )
                    members[target.id] = value
            found[node.name] = {"file": relative, "members": members}
    if "TaskStatus" not in found:
        raise ContractSourceError(f"no TaskStatus enumeration under {checkout / 'backend'}")
    return dict(sorted(found.items()))


def executables(image: dict[str, Any], packages: dict[str, str]) -> list[str]:
    found = set(BASE_EXECUTABLES)
    for package in image["aptPackages"]:
        found.update(DEBIAN_EXECUTABLES.get(package, []))
    for package in packages:
        found.update(PYTHON_EXECUTABLES.get(package, []))
    return sorted(found)


def build_contract(checkout: Path, ref: str, commit: str) -> dict[str, Any]:
    def text(relative: str) -> str:
        path = checkout / relative
        if not path.is_file():
            raise ContractSourceError(f"{path} is missing: is {checkout} a Tasking Manager checkout?")
        return path.read_text(encoding="utf-8")

    image = image_contract(text(DOCKERFILE))
    packages = python_packages(text("uv.lock"))
    alembic = configparser.ConfigParser(interpolation=None)
    alembic.read_string(text(ALEMBIC_INI))
    return {
        "application": {"repository": "hotosm/tasking-manager", "ref": ref, "commit": commit},
        "settings": settings_contract(text(CONFIG)),
        "directReads": direct_reads(checkout),
        "image": {
            **image,
            "pythonPackages": packages,
            "executables": executables(image, packages),
        },
        "api": {
            "port": image["exposes"][-1] if image["exposes"] else None,
            "heartbeatPath": heartbeat_path(text(ROUTES), text(SYSTEM_API)),
            "heartbeatTables": heartbeat_tables(text(SYSTEM_API)),
            "writeRoutes": write_routes(checkout, text(ROUTES)),
            "module": next(arg for arg in image["command"] if ":" in arg),
        },
        "frontend": {"polling": frontend_polling(checkout)},
        "oauth": oauth_contract(text(CONFIG), text(FRONTEND_ROUTES)),
        "newRelic": new_relic_contract(checkout, packages),
        "cron": {"script": "backend/cron_jobs.py" if (checkout / "backend/cron_jobs.py").is_file() else None},
        "migrations": {
            "config": ALEMBIC_INI,
            "scriptLocation": alembic.get("alembic", "script_location"),
        },
        "enums": enums(checkout),
    }


def changes(old: Any, new: Any, path: str = "") -> list[str]:
    """Human-readable differences between two contracts."""
    if isinstance(old, dict) and isinstance(new, dict):
        lines: list[str] = []
        for key in sorted(set(old) | set(new)):
            where = f"{path}.{key}" if path else key
            if key not in old:
                lines.append(f"+ {where}: {json.dumps(new[key])}")
            elif key not in new:
                lines.append(f"- {where}: {json.dumps(old[key])}")
            else:
                lines += changes(old[key], new[key], where)
        return lines
    return [] if old == new else [f"~ {path}: {json.dumps(old)} -> {json.dumps(new)}"]


def _git(checkout: Path, *args: str) -> str | None:
    try:
        return subprocess.run(
            ["git", "-C", str(checkout), *args], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m offline.app_contract", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "checkout", type=Path, help="a checkout of hotosm/tasking-manager at the tag to deploy"
    )
    parser.add_argument("--ref", help="the tag (default: git describe --tags of the checkout)")
    parser.add_argument("--commit", help="the commit (default: git rev-parse HEAD of the checkout)")
    parser.add_argument("--check", action="store_true", help="only print the changes; exit 1 if any")
    options = parser.parse_args(argv)
    ref = options.ref or _git(options.checkout, "describe", "--tags", "--exact-match")
    commit = options.commit or _git(options.checkout, "rev-parse", "HEAD")
    if not ref or not commit:
        parser.error("the checkout is not a git tag checkout: pass --ref and --commit")
    try:
        contract = build_contract(options.checkout, ref, commit)
    except ContractSourceError as error:
        print(f"cannot read the application contract: {error}", file=sys.stderr)
        return 2
    old = json.loads(CONTRACT_PATH.read_text()) if CONTRACT_PATH.exists() else {}
    lines = changes(old, contract)
    print("\n".join(lines) if lines else "the contract is unchanged")
    if options.check:
        return 1 if lines else 0
    CONTRACT_PATH.write_text(json.dumps(contract, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {CONTRACT_PATH}: review the changes above, then run make test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
