# The one list of what a developer runs. `make run` and `make test` do all the set-up on a
# fresh machine that has only Python and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock
CHROMIUM := /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000
# The tests run against the real PostgreSQL and Redis on 127.0.0.1 (scripts/services.sh starts them).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/carehomes_les
TEST_BROKER_URL ?= redis://127.0.0.1:6379/0

.PHONY: help install run test test-fast lint format migrations-check check browser vendor-assets lock worker worker-pdf beat backup restore clean

help:
	@echo "make run    install, migrate, load demo data, serve on http://$(HOST):$(PORT) (SQLite, in-process tasks)"
	@echo "make test   install and run the whole test suite against PostgreSQL and Redis on 127.0.0.1"
	@echo "make test-fast   the database-free tests only (rules, parsers, formatters), in seconds"
	@echo "make lint   ruff, formatting, import layers (lint-imports), makemigrations --check, manage.py check"
	@echo "make lock   regenerate requirements.lock from pyproject.toml"
	@echo "make backup one checked archive of the database and private files in var/backups (docs/operations.md)"
	@echo "make restore ARCHIVE=var/backups/….tar [FORCE=1]   verify the checksums, then restore it"

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Browser journeys drive Debian's chromium (Playwright's own browser download cannot run here).
browser: $(CHROMIUM)
$(CHROMIUM):
	@if [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation; \
	else \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation; \
	fi

test: install browser
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" CELERY_BROKER_URL="$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)}" \
		scripts/services.sh
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" CELERY_BROKER_URL="$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)}" \
		REQUIRE_REAL_SERVICES=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# The fast tier: every test that needs no database, server or browser (the payment rules, parsers,
# formatters, the checks), in seconds. `make test` still runs everything.
test-fast: install
	$(BIN)/python -m pytest -m fast -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: install
	$(BIN)/pip-compile --quiet --extra dev --strip-extras -o requirements.lock pyproject.toml

# Refresh static/vendor/nhsuk-frontend from the npm registry (the files are committed).
vendor-assets:
	scripts/vendor_assets.sh

# The same start scripts as docker-compose.yml (bin/), with this checkout's environment.
# A worker for emails and reminders; PDF workers take the `pdf` queue and recycle their processes.
worker: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bin/worker

worker-pdf: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bin/worker-pdf

beat: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bin/beat

# Backups (docs/operations.md): DATABASE_URL must point at PostgreSQL.
backup:
	scripts/backup.sh

restore:
	@test -n "$(ARCHIVE)" || { echo "Name the archive: make restore ARCHIVE=var/backups/carehomes-les-….tar [FORCE=1]" >&2; exit 2; }
	FORCE="$(FORCE)" scripts/restore.sh "$(ARCHIVE)"

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
