# podwarden: `make run` scans the bundled examples, `make test` runs lint, types and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint docs bench bench-credentials clean fuzz image image-test

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

# the property suite of `make test` (tests/properties), random and longer: FUZZ_SECONDS=300 by
# default; each failing input is saved as a reproducer under PODWARDEN_FUZZ_DIR (default: a new
# temporary folder, printed at the start and the end)
fuzz: $(STAMP)
	$(BIN)/python tests/properties/fuzz.py --seconds $(or $(FUZZ_SECONDS),300)

# the container image from Containerfile, with buildah, podman or docker (image/build.sh says
# which base and tag); image-test runs it as deploy/ runs it, read-only, and checks it
image:
	image/build.sh

image-test: image
	image/test.sh --no-build

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
