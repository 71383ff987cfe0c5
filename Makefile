# The same targets run on a laptop and in CI. `make run` and `make test` set everything up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
VENDOR := healthycity/dashboard/static/vendor
VENDORED := $(VENDOR)/.installed
PG_VERSION := $(shell ls /etc/postgresql 2>/dev/null | head -n 1)
PYTEST := $(BIN)/pytest -p no:cacheprovider

.PHONY: install run init serve test coverage test-unit test-integration test-api test-cli test-docs \
        test-web test-all check fix lint typecheck services-up services-down chromium bench smtp-sink \
        lock clean

install: $(INSTALLED) $(VENDORED)

$(INSTALLED): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Web assets come from the npm registry at setup time and are served by the app: no CDN.
$(VENDORED): package.json package-lock.json
	npm ci --no-audit --no-fund --silent --ignore-scripts  # files only: no install-time code
	mkdir -p $(VENDOR)/leaflet $(VENDOR)/swagger-ui
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
	      node_modules/leaflet/dist/images $(VENDOR)/leaflet/
	cp node_modules/leaflet/LICENSE $(VENDOR)/leaflet/LICENSE
	cp node_modules/swagger-ui-dist/{swagger-ui-bundle.js,swagger-ui.css,favicon-32x32.png,LICENSE,NOTICE} \
	   $(VENDOR)/swagger-ui/
	touch $@

lock:  ## refresh requirements.lock from pyproject.toml (needs the network)
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet -e '.[dev]'
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^healthycity' > requirements.lock
	rm -rf .lockenv

init: install  ## create the embedded database with the demo territory (idempotent)
	$(BIN)/healthycity init --demo

serve: install
	$(BIN)/healthycity serve

run: init serve  ## set up and start the platform on http://127.0.0.1:8000

services-up:  ## start PostgreSQL and Mosquitto when they are down
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $(PG_VERSION) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	@pgrep -x mosquitto >/dev/null || mosquitto -d -c /etc/mosquitto/mosquitto.conf
	@# The project's broker (MQTT door, its tests and bench) on port 1884: see deploy/mosquitto/.
	@mkdir -p var/mosquitto && { [ "$$(id -u)" != 0 ] || ! id mosquitto >/dev/null 2>&1 || chown mosquitto: var/mosquitto; }
	@(exec 3<>/dev/tcp/127.0.0.1/1884) 2>/dev/null || mosquitto -d -c deploy/mosquitto/healthycity.conf

services-down:
	-pg_ctlcluster --skip-systemctl-redirect $(PG_VERSION) main stop
	-pkill -x mosquitto

chromium:  ## Debian's Chromium for the browser tests
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(BIN)/ruff check healthycity tests bench
	$(BIN)/ruff format --check healthycity tests bench
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

check: lint typecheck

fix: install
	$(BIN)/ruff check --fix healthycity tests bench
	$(BIN)/ruff format healthycity tests bench

test: install services-up chromium check  ## lint, type check and every test category
	$(PYTEST) -n 2

coverage: install services-up chromium  ## every test with branch coverage (fails under 90 %)
	$(PYTEST) -n 2 --cov --cov-report=term:skip-covered

test-unit: install
	$(PYTEST) tests/unit healthycity
test-integration: install services-up
	$(PYTEST) tests/integration
test-api: install services-up
	$(PYTEST) tests/api
test-cli: install services-up
	$(PYTEST) tests/cli
test-docs: install
	$(PYTEST) tests/docs
test-web: install services-up chromium
	$(PYTEST) tests/web
test-all: test

# Postfix's smtp-sink: the SMTP server bench/alerts.py sends to (the tests use aiosmtpd).
# "No configuration" installs the programs without setting up or starting a mail server.
smtp-sink:
	@command -v smtp-sink >/dev/null || test -x /usr/sbin/smtp-sink || { apt-get update -qq && echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postfix >/dev/null; }

bench: install services-up smtp-sink
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var .coverage
