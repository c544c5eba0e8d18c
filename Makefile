# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint setup clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/qualcode demo

# Everything, the slow tests (tmux, Datasette, big fixtures) included.
test: $(STAMP)
	$(BIN)/python -m pytest -q

# The quick loop while working: everything but the tests marked slow, on both cores (pytest-xdist).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" -n 2 --dist worksteal

# Style (ruff), types of the core (mypy) and the layer contracts (import-linter, in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	@command -v rg >/dev/null 2>&1 || apt-get install -y -q ripgrep >/dev/null 2>&1 || echo 'ripgrep not installed: the rg baseline is skipped'
	$(BIN)/python benchmarks/search.py
	$(BIN)/python benchmarks/import_memory.py

clean:
	rm -rf $(VENV) qualcode.db qualcode.db-wal qualcode.db-shm
