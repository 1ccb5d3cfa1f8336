# Stackledger: `make run` to try it, `make test` for the whole suite.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python

SERVERS ?= $(HOME)/.cache/stackledger/servers

.PHONY: install run test test-fast bench servers clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Stackledger needs Python 3.11 or newer: set PYTHON=python3.x"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

# Web server, Celery worker and beat on SQLite and the embedded broker. Ctrl-C stops all three.
# It runs as a team would see it (DEBUG off: Stackledger's own error pages), with a signing
# key and a credential key made for this checkout on first start, and links that name the
# port it serves on.
run: export SECRET_KEY_FILE ?= $(CURDIR)/var/secret_key
run: export FIELD_ENCRYPTION_KEYS_FILE ?= $(CURDIR)/var/field_encryption_keys
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
# On a laptop the tools to probe run on the same machine.
run: export PROBE_ALLOWED_NETWORKS ?= 127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16
run: export NOTIFY_ALLOWED_NETWORKS ?= 127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16
run: install
	@mkdir -p var
	@[ -s "$$SECRET_KEY_FILE" ] || { umask 077; $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > "$$SECRET_KEY_FILE"; }
	@[ -s "$$FIELD_ENCRYPTION_KEYS_FILE" ] || { umask 077; $(PY) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())' > "$$FIELD_ENCRYPTION_KEYS_FILE"; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_catalog
	$(PY) manage.py seed_demo
	@echo
	@echo "  Stackledger is starting at $$SITE_URL"
	@echo
	PORT=$(PORT) $(VENV)/bin/honcho --procfile Procfile.dev start

# The whole suite. On PostgreSQL and Redis when DATABASE_URL / CELERY_BROKER_URL are set.
test: install
	$(VENV)/bin/pytest

# Page times at scales 1, 100 and 500 (BENCH_SCALES=1,100 for a quicker run), each page against
# the bare login page, and a sweep of 2,000 probes, on PostgreSQL (DATABASE_URL): figures
# printed, nothing asserted. docs/performance.md records a run.
bench: install
	BENCH_SCALES=$(BENCH_SCALES) $(PY) manage.py bench

# Everything but the tests that start real servers and worker processes.
test-fast: install
	$(VENV)/bin/pytest -m "not slow"

# Real MLflow and Prefect servers for the probe tests, each in its own virtual environment
# (their dependencies conflict with ours and with each other), a real OpenID provider (npm's
# oidc-provider) for the single sign-on tests, and the parsers that read the radars (Backstage's
# tech radar, d3's CSV for build-your-own-radar); kept between runs.
servers: $(SERVERS)/mlflow/.installed-with-exporter $(SERVERS)/prefect/.installed $(SERVERS)/oidc-provider/.installed \
	$(SERVERS)/radar-readers/.installed

# With the library its --expose-prometheus needs, for the discovery tests' exporter.
$(SERVERS)/mlflow/.installed-with-exporter:
	$(PYTHON) -m venv $(SERVERS)/mlflow
	$(SERVERS)/mlflow/bin/pip install --quiet "mlflow>=3,<4" "prometheus-flask-exporter>=0.23,<1"
	@touch $@

$(SERVERS)/prefect/.installed:
	$(PYTHON) -m venv $(SERVERS)/prefect
	$(SERVERS)/prefect/bin/pip install --quiet "prefect>=3,<4"
	@touch $@

OIDC_PROVIDER := tests/accounts/oidc_provider
$(SERVERS)/oidc-provider/.installed: $(OIDC_PROVIDER)/package.json $(OIDC_PROVIDER)/package-lock.json
	mkdir -p $(@D)
	cp $^ $(@D)/
	cd $(@D) && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

RADAR_READERS := tests/stackfile/radar_readers
$(SERVERS)/radar-readers/.installed: $(RADAR_READERS)/package.json $(RADAR_READERS)/package-lock.json
	mkdir -p $(@D)
	cp $^ $(@D)/
	cd $(@D) && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

clean:
	rm -rf var .pytest_cache
