# podwarden: `make run` scans the bundled examples, `make test` runs lint, types and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint docs bench bench-credentials clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# exit status 1 means "findings": expected on the examples, so not a failure of `make run`
run: $(STAMP)
	$(BIN)/podwarden check examples/ || test $$? -eq 1

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

docs: $(STAMP)
	$(BIN)/podwarden rules -o markdown --out-dir docs/rules --fixtures tests/rules

bench: $(STAMP)
	$(BIN)/python bench/scan.py

# detect-secrets only in its own venv: never a dependency of podwarden
bench-credentials: $(STAMP)
	test -x .venv-bench/bin/detect-secrets || (python3 -m venv .venv-bench && .venv-bench/bin/pip install detect-secrets -e .)
	$(BIN)/python bench/credentials.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
