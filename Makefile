# Every target creates the virtual environment on its own when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-deep lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The demo starts from an empty database and keyring each time (the evening is replayed from scratch).
demo: $(STAMP)
	rm -rf accord-demo.db accord-demo.db-wal accord-demo.db-shm accord-demo-keyring.json accord-demo-ledger accord-demo-reports
	ACCORD_DATABASE_URL=sqlite:///./accord-demo.db ACCORD_LEDGER_KEYRING=accord-demo-keyring.json \
		$(BIN)/accord demo examples/us-slv-2025.yaml

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy --strict src

test: lint
	$(BIN)/pytest

# The property tests only, with fresh random examples and DEEP_FACTOR times as many (tests/hypothesis_budget.py).
DEEP_FACTOR ?= 10
test-deep: $(STAMP)
	ACCORD_HYPOTHESIS_PROFILE=deep ACCORD_DEEP_FACTOR=$(DEEP_FACTOR) $(BIN)/pytest -m property

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache accord-demo.db accord-demo-keyring.json accord-demo-ledger accord-demo-reports
