# Two commands set everything up on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export MTQG_HOME ?= $(CURDIR)/.mtqg
UV := $(PYTHON) -m uv
INSTALLED := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml dbt_project/profiles.yml
PYTEST_ARGS ?=

.PHONY: install demo test test-fast lint dev docs clean reliability bench bench-l

install: $(INSTALLED) $(MANIFEST)

# uv comes from PyPI with pip when missing; the environment is made from the lock, exactly.
$(INSTALLED): pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen
	@touch $@

# The dbt manifest is prepared at build time, not parsed when Dagster imports the project.
$(MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --project-dir . --profiles-dir .
	@touch $@

demo: install
	$(BIN)/mtqg demo --home "$(MTQG_HOME)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	cd dbt_project && ../$(BIN)/sqlfluff lint models macros --processes 2
	cd warehouse/sql && ../../$(BIN)/sqlfluff lint . --processes 2

test: lint
	$(BIN)/pytest -q --timeout=900 -n 2 --dist loadfile --durations=15 $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -q -m "not slow" $(PYTEST_ARGS)

# Every hostile file of tests/hostile/corpus.py through the inbox and the loader: RELIABILITY.md.
reliability: install
	$(BIN)/python tests/hostile/reliability.py

# Synthetic national data through every phase, beside a plain-DuckDB baseline: BENCHMARKS.md.
bench: install
	$(BIN)/python bench/run.py --scale M

bench-l: install
	$(BIN)/python bench/run.py --scale L

dev: install
	$(BIN)/mtqg serve --home "$(MTQG_HOME)" --port 3000

docs: install
	cd dbt_project && MTQG_WAREHOUSE="$(MTQG_HOME)/warehouse.duckdb" ../$(BIN)/dbt docs generate --project-dir . --profiles-dir .
	cd dbt_project && ../$(BIN)/dbt docs serve --project-dir . --profiles-dir . --host 127.0.0.1 --port 8080

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs .pytest_cache .ruff_cache
