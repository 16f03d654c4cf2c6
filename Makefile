# Backend Academy — every day-to-day command. `make help` lists them.
#
#   make run     set everything up and serve the site (embedded mode) on 127.0.0.1:8000
#   make test    set everything up and run the whole test suite
#
# Services mode: export DATABASE_URL and REDIS_URL first (see README.md).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# uv: the one on PATH, else one installed with pip into the virtual environment.
UV = $(shell command -v uv 2>/dev/null || echo $(BIN)/uv)

.PHONY: help
help: ## List the commands
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-12s %s\n", $$1, $$2}'

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required (python3.11 not found)."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' \
	  || { echo "Python 3.11 is required; $(PYTHON) is $$($(PYTHON) --version)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	@command -v uv >/dev/null 2>&1 || $(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.base-installed: requirements/base.txt | $(PY)
	$(UV) pip install --python $(PY) --require-hashes --compile-bytecode --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.dev-installed: requirements/dev.txt | $(PY)
	$(UV) pip install --python $(PY) --require-hashes --compile-bytecode --quiet -r requirements/dev.txt
	@touch $@ $(VENV)/.base-installed

.PHONY: install install-dev
install: $(VENV)/.base-installed ## Create the virtual environment with the locked runtime dependencies
install-dev: $(VENV)/.dev-installed ## ... plus the locked development and test dependencies

.PHONY: setup
setup: install ## Prepare the database and content (migrations, course import)
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_site

.PHONY: run
run: setup sandbox-deps ## Set up and serve the site with websockets on http://$(HOST):$(PORT) (embedded mode)
	@echo ""
	@echo "  Backend Academy is starting on http://$(HOST):$(PORT)/"
	@echo "  Health: http://$(HOST):$(PORT)/healthz   Readiness: http://$(HOST):$(PORT)/readyz"
	@echo "  Create an admin account with:  $(PY) manage.py createsuperuser"
	@echo "  then author content at http://$(HOST):$(PORT)/admin/   (Ctrl-C stops the server)"
	@echo ""
	$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --lifespan off \
	  --ws-max-size 65536 --no-server-header \
	  --reload --reload-dir apps --reload-dir config --reload-dir templates

# gunicorn with uvicorn ASGI workers (config/gunicorn.py): HTTP and websockets on one port.
# `exec`: SIGTERM reaches gunicorn's master itself (a graceful drain), not make's shell.
GUNICORN = BIND=$${BIND:-$(HOST):$(PORT)} exec $(BIN)/gunicorn -c config/gunicorn.py config.asgi:application

.PHONY: serve web
serve: setup ## Production server: gunicorn with uvicorn ASGI workers (HTTP + websockets, one port)
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(GUNICORN)
web: install ## The production server alone, for containers: `make setup` ran before, the image collected the static files
	$(GUNICORN)

# The queues `make worker` consumes: both on one host; one each in containers
# (docker-compose.yml, deploy/k8s/): `make worker QUEUES=exercises`.
QUEUES ?= default,exercises

.PHONY: worker
worker: install ## Run a Celery worker (services mode: needs REDIS_URL); QUEUES=default,exercises by default
	@test -n "$$REDIS_URL" || { echo "make worker needs REDIS_URL (embedded mode runs tasks inline)."; exit 1; }
	@# The pool processes' metrics meet in a multiprocess directory, emptied at each start
	@# (served by the worker itself on CELERY_METRICS_PORT: docs/operations.md "Metrics").
	@dir=$${PROMETHEUS_MULTIPROC_DIR:-$$(mktemp -d -t academy-worker-metrics.XXXXXX)}; \
	  mkdir -p "$$dir" && rm -f "$$dir"/*.db; \
	  export PROMETHEUS_MULTIPROC_DIR="$$dir"; \
	  echo "$(BIN)/celery -A config worker --loglevel INFO --concurrency $${CELERY_CONCURRENCY:-2} -Q $(QUEUES)"; \
	  exec $(BIN)/celery -A config worker --loglevel INFO --concurrency $${CELERY_CONCURRENCY:-2} -Q $(QUEUES)

.PHONY: beat
beat: install ## Run Celery beat, the periodic jobs' clock (services mode: needs REDIS_URL; one per deployment)
	@test -n "$$REDIS_URL" || { echo "make beat needs REDIS_URL (embedded mode: run manage.py send_reminders from cron)."; exit 1; }
	@mkdir -p var
	$(BIN)/celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule

# Debian packages the tests and the exercise sandbox need, installed when missing.
define apt_install
	@if command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing $(1) (apt-get)…"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(1) >/dev/null; \
	else echo "$(1) is missing and apt-get is not available: $(2)"; fi
endef

.PHONY: browsers sandbox-deps kubectl promtool system-deps
browsers: ## Install Debian's Chromium for the browser tests when it is missing
	@[ -x /usr/bin/chromium ] || $(MAKE) --no-print-directory _apt PKG=chromium WHY="browser tests will be skipped."
sandbox-deps: ## Install bubblewrap (the code-exercise sandbox) when it is missing
	@command -v bwrap >/dev/null 2>&1 || $(MAKE) --no-print-directory _apt PKG=bubblewrap WHY="code exercises will refuse to run."
kubectl: ## Install kubectl when it is missing (the tests build deploy/k8s/ with its kustomize)
	@command -v kubectl >/dev/null 2>&1 || $(MAKE) --no-print-directory _apt PKG=kubectl WHY="the Kubernetes manifests' build test will be skipped."
promtool: ## Install Prometheus' promtool (Debian's prometheus package, ~100 MB; CI runs it) when it is missing
	@command -v promtool >/dev/null 2>&1 || $(MAKE) --no-print-directory _apt PKG=prometheus WHY="the alert rules get only the structural check."
system-deps: browsers sandbox-deps kubectl

.PHONY: _apt
_apt:
	$(call apt_install,$(PKG),$(WHY))

.PHONY: test
test: install-dev system-deps ## Set up and run the whole test suite (services mode when DATABASE_URL and REDIS_URL are set)
	@mkdir -p var
	@# Bytecode for the project's own modules: the suite starts many Python processes (servers,
	@# workers, commands), and each would otherwise compile them again.
	@$(PY) -m compileall -q -j 0 apps config tests > /dev/null
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: lint
lint: install-dev ## ruff, formatting, mypy and migration checks
	@mkdir -p var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy apps config
	$(PY) manage.py makemigrations --check --dry-run --verbosity 1

.PHONY: format
format: install-dev ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: schema
schema: install ## Regenerate the committed API schemas (tests fail when they drift from the code)
	$(PY) manage.py spectacular --validate --fail-on-warn --file schema/openapi.yaml
	@if [ -f config/graphql/schema.py ]; then \
	  $(PY) manage.py graphql_schema --schema config.graphql.schema.schema --out schema/schema.graphql; \
	fi

.PHONY: lock
lock: | $(PY) ## Re-compile the hashed lock files from pyproject.toml
	$(UV) pip compile pyproject.toml --python-version 3.11 --generate-hashes --no-header --quiet -o requirements/base.txt
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --no-header --quiet -o requirements/dev.txt

.PHONY: clean
clean: ## Remove the virtual environment, local databases and caches
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
