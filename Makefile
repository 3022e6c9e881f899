# Frontline: the two commands are `make run` and `make test` (README.md).
# GNU make. Recipes use the project's own virtualenv in .venv/, created on first use.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Python 3.11 is what the stack is pinned for; fall back to python3 when no python3.11 exists.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)

PORT ?= 8000
SEED_TICKETS ?= 20000
PYTEST_ARGS ?=

# Stamps keyed on the requirement files' contents: pip runs again only when they change.
REQ_HASH := $(shell cat requirements.txt | sha256sum | cut -c1-16)
DEV_HASH := $(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
REQ_STAMP := $(VENV)/.installed-run-$(REQ_HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(DEV_HASH)

DEMO_LOGINS := associate, lead, manager, qa, admin

.PHONY: help run test lint bench venv venv-dev

help:
	@echo "make run    start Frontline (web + Celery worker + beat) on http://127.0.0.1:$(PORT) with demo data"
	@echo "make test   run the whole pytest suite (embedded SQLite, or DATABASE_URL/CELERY_BROKER_URL)"
	@echo "make lint   ruff check, ruff format --check, import-linter layers, mypy, makemigrations --check"
	@echo "make bench  generate 1M tickets into PostgreSQL, load-test gunicorn, time the importer"

$(PY):
	@test -n "$(PYTHON)" || { echo "No python3.11 or python3 on PATH" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(REQ_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-run-*
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-dev-*
	@touch $@

venv: $(REQ_STAMP)

venv-dev: $(DEV_STAMP)

# The embedded demo: DEBUG=1 on purpose, so with nothing else set the database is SQLite in
# var/ and Celery uses kombu's filesystem broker in var/celery/. Ctrl-C stops all three.
run: export DEBUG := 1
run: export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
run: $(REQ_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --tickets $(SEED_TICKETS)
	@echo
	@echo "  Frontline is starting on http://127.0.0.1:$(PORT)/"
	@echo "  Demo logins: $(DEMO_LOGINS) (password: demo)"
	@echo "  Ctrl-C stops the web server, the Celery worker and Celery beat."
	@echo
	PORT=$(PORT) honcho start -f Procfile || test $$? -eq 130  # 130: stopped with Ctrl-C

test: $(DEV_STAMP)
	$(VENV)/bin/pytest -rfEs $(PYTEST_ARGS)

lint: export DEBUG := 1
lint: $(DEV_STAMP)
	@status=0; \
	echo "ruff check ."; $(VENV)/bin/ruff check . || status=1; \
	echo "ruff format --check ."; $(VENV)/bin/ruff format --check . || status=1; \
	echo "lint-imports (layers: README, Architecture)"; $(VENV)/bin/lint-imports || status=1; \
	echo "mypy (django-stubs; files: pyproject.toml)"; $(VENV)/bin/mypy || status=1; \
	echo "manage.py makemigrations --check --dry-run"; \
	$(PY) manage.py makemigrations --check --dry-run || status=1; \
	exit $$status

# Bench data lives in its own PostgreSQL database (BENCH_DATABASE_URL, default frontline_bench on
# 127.0.0.1); generate skips when it already holds BENCH_TICKETS tickets (BENCH_REGENERATE=1 forces).
BENCH_TICKETS ?= 1000000
bench: export DEBUG := 1
bench: export BENCH_TICKETS := $(BENCH_TICKETS)
bench: $(REQ_STAMP)
	$(PY) bench/generate.py
	$(PY) bench/load.py
	$(PY) bench/importer.py
