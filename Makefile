# One command each: `make demo` runs the product on embedded defaults, `make test` the tests.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint fmt clean screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	# grafana-client pulls urllib3-future, whose .pth file copies itself over urllib3 at
	# every start and breaks requests-based tools (schemathesis). Drop the hook, restore
	# urllib3; niquests then uses urllib3_future under its own name.
	rm -f $(VENV)/lib/python3*/site-packages/urllib3_future.pth
	$(BIN)/python -m pip install -q --force-reinstall --no-deps 'urllib3>=2,<3'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/anju demo

test: $(STAMP)  # installs/starts PostgreSQL, Mosquitto, chromium when missing
	scripts/test-services
	$(BIN)/python -m pytest -q

screenshots: $(STAMP)  # the console's pages, taken by its browser tests, for docs/
	ANJU_TEST_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q tests/console \
		tests/platform/test_reports.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
