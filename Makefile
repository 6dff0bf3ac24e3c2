# Two commands: `make demo` and `make test`. Both do their own set-up.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export CCMS_ENV ?= local
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: demo test test-postgres lint bench screenshots clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --quiet
	touch $@

demo: $(VENV)/.synced
	$(VENV)/bin/ccms demo

test: $(VENV)/.synced
	$(VENV)/bin/ccms makemigrations --check --dry-run >/dev/null || \
		(echo "Models changed without a migration: run '.venv/bin/ccms makemigrations'." && exit 1)
	$(VENV)/bin/pytest -n $${PYTEST_WORKERS:-auto}

# BENCH_SCALE=small finishes in about two minutes; PostgreSQL when DATABASE_URL points at one.
bench: $(VENV)/.synced
	$(VENV)/bin/ccms migrate --verbosity 0
	DEBUG=false $(VENV)/bin/ccms bench --scale $${BENCH_SCALE:-default}

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) $(TOOLS) var
