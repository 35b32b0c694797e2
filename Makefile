# The two set-up commands: `make run` (the whole stack with the simulators) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck protos protos-check bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: no python3.11 or python3 on PATH (set PYTHON=...)" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/smlog demo

# The suite runs on SQLite; with SMLOG_TEST_PG_URL (a PostgreSQL server the tests may create
# throwaway databases on) it runs a second time with every service on PostgreSQL.
test: $(STAMP)
	$(BIN)/python -m tools.gen_protos --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q
	@if [ -n "$$SMLOG_TEST_PG_URL" ]; then \
		echo "== the same suite on PostgreSQL"; \
		SMLOG_TEST_BACKEND=postgres $(BIN)/python -m pytest -q --ignore=tests/store; \
	else \
		echo "PostgreSQL pass skipped: set SMLOG_TEST_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres to enable it"; \
	fi

protos: $(STAMP)
	$(BIN)/python -m tools.gen_protos

bench: $(STAMP)
	$(BIN)/smlog bench all

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
