# The two commands a newcomer needs:  make plan [STACK=prod] [JSON=1]   and   make test
# Each sets up the virtualenv (.venv, the same one Pulumi.yaml names) on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACK ?= dev
SET ?=

.PHONY: plan test lint fmt docs bench clean lock postgis app-contract app-schema otel-lock crd-schemas

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $@

## plan: the offline plan of STACK (dev by default) with the policy packs enforced (exit 3 on a mandatory
##       violation; exit 4 when a Kubernetes stack's object fails its schema); JSON=1 for machines; SET="tm:key=value ..." overrides; STACK=bootstrap plans the
##       bootstrap program for an example account (SET="bootstrap:security.guardDuty=false ...")
plan: $(VENV)/.installed
	@$(PY) -m offline plan $(STACK) $(if $(JSON),--json) $(foreach s,$(SET),--set $(s))

## test: lint, format check, type check, then the whole pytest suite (what CI runs), with the real
##       PostgreSQL + PostGIS the database tests start
test: lint postgis
	@$(PY) -m pytest

# Debian's PostgreSQL 15 with PostGIS 3 for tests/test_database_sql.py, installed when missing (as
# root, as on CI); elsewhere those tests skip and say why, and CI fails rather than skip them.
POSTGIS_CONTROL := /usr/share/postgresql/15/extension/postgis.control
postgis:
	@if [ ! -f $(POSTGIS_CONTROL) ] || ! command -v openssl >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing PostgreSQL 15 + PostGIS 3 for the database tests"; \
	    apt-get update -q >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	      postgresql-15 postgresql-15-postgis-3 openssl >/dev/null; \
	  else \
	    echo "PostGIS is missing: sudo apt-get install postgresql-15-postgis-3 (database tests skip)"; \
	  fi; \
	fi

## app-contract: regenerate components/app_contract.json from a Tasking Manager checkout at the
##               tag to deploy (APP=../tasking-manager) and print what changed
app-contract: $(VENV)/.installed
	@$(PY) -m offline.app_contract $(APP)

## crd-schemas: re-record offline/crds/PROJECT.json, the schemas of a project's custom resources the Kubernetes
##              objects are validated against (PROJECT=cloudnative-pg or external-secrets, see
##              offline/crd_schemas.py), from a clone of that project (REPO=../cloudnative-pg) at the release
##              tag REF (REF=v1.30.0)
crd-schemas: $(VENV)/.installed
	@$(PY) -m offline.crd_schemas $(PROJECT) $(REPO) --ref $(REF)

## app-schema: regenerate components/app_schema.sql by running the migrations of a Tasking Manager checkout at
##             the contract's commit (APP=../tasking-manager) on a throwaway PostGIS, with the app's own
##             uv.lock (APP_PYTHON=<interpreter or version> when uv cannot find the image's Python)
app-schema: $(VENV)/.installed postgis
	@$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(PY) -m offline.app_schema $(APP) $(if $(APP_PYTHON),--python $(APP_PYTHON))

## otel-lock: re-pin images/api/requirements.txt for the image's Python and packages (the app contract),
##            and record the pinned wheels' facts in images/api/opentelemetry.json
UV_VERSION := 0.9.5
otel-lock: $(VENV)/.installed
	@$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(PY) -m offline.otel_layer

lint: $(VENV)/.installed
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m mypy

fmt: $(VENV)/.installed
	@$(PY) -m ruff format .
	@$(PY) -m ruff check --fix .

## docs: regenerate the generated parts of docs/ (the prod component graph, the policy table, the cost
##       tables, the Security Hub controls against the policies in docs/operations/security.md)
docs: $(VENV)/.installed
	@$(PY) -m offline docs

## bench: a benchmark, not a test: wall time and peak memory of each stack's offline plan, and the
##        test suite's wall time (REPEAT=3 keeps the fastest of three)
bench: $(VENV)/.installed
	@$(PY) -m offline.bench $(if $(REPEAT),--repeat $(REPEAT))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

## lock: re-pin constraints.txt from a fresh virtualenv built from requirements-dev.txt
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	(head -n 2 constraints.txt; .lock-venv/bin/pip freeze | grep -v '^pip==') > constraints.new
	mv constraints.new constraints.txt && rm -rf .lock-venv
