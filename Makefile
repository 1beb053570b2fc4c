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
# Parsed whole: dbt 1.11's partial parsing keeps refs to a model's unversioned id once it gains a
# version (the marts' contracts), and Dagster then refuses the manifest.
$(MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --no-partial-parse --project-dir . --profiles-dir .
	@touch $@

demo: install
	$(BIN)/mtqg demo --home "$(MTQG_HOME)"

# Python writes no bytecode when PYTHONDONTWRITEBYTECODE is set (this machine's shells set it):
# every process of the tests (pytest workers, each dbt, each Dagster run, sqlfluff) then compiles
# every module it imports from source again, about a quarter of the suite's CPU. The tests and
# lint write it once and reuse it (.venv and the repo's __pycache__, which git ignores).
lint test: export PYTHONDONTWRITEBYTECODE :=

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	cd dbt_project && ../$(BIN)/sqlfluff lint models macros --processes 2
	cd dbt_project && grep -rlE '\{%-?[[:space:]]*(if|for)[[:space:]]' models macros | xargs -r ../$(BIN)/sqlfluff lint --config variants.sqlfluff --processes 2
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

# The dbt docs of the current snapshot, as static files in $(MTQG_HOME)/published/docs/ (open
# index.html, or copy the folder to any web server), then served on 127.0.0.1:8080. The catalogue
# is read from the snapshot (a copy of its read-only file), never from the warehouse a run writes.
DOCS := $(MTQG_HOME)/published/docs
docs: install
	@test -L "$(MTQG_HOME)/published/current" || { echo "no published snapshot in $(MTQG_HOME): run 'make demo' or 'mtqg run' first"; exit 1; }
	rm -rf "$(DOCS).tmp" && mkdir -p "$(DOCS).tmp"
	cp "$(MTQG_HOME)/published/current/warehouse.duckdb" "$(DOCS).tmp/catalog.duckdb" && chmod u+w "$(DOCS).tmp/catalog.duckdb"
	cd dbt_project && MTQG_WAREHOUSE="$(DOCS).tmp/catalog.duckdb" ../$(BIN)/dbt docs generate --project-dir . --profiles-dir . --target-path "$(DOCS).tmp/target" --static
	cp "$(DOCS).tmp/target/"{index.html,static_index.html,manifest.json,catalog.json} "$(DOCS).tmp/" && rm -rf "$(DOCS).tmp/target" "$(DOCS).tmp/catalog.duckdb"
	rm -rf "$(DOCS).old" && { test ! -d "$(DOCS)" || mv "$(DOCS)" "$(DOCS).old"; } && mv "$(DOCS).tmp" "$(DOCS)" && rm -rf "$(DOCS).old"
	@echo "dbt docs in $(DOCS) (static_index.html is one self-contained file)"
	cd "$(DOCS)" && "$(CURDIR)/$(BIN)/python" -m http.server 8080 --bind 127.0.0.1

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs .pytest_cache .ruff_cache
