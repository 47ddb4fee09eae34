# ecostat: two commands do all the set-up (`make run`, `make test`). Only python3.11, pip and
# make are assumed. The environment is rebuilt when pyproject.toml or constraints.txt change.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# Nothing reaches the network at run time (Dagster telemetry is off in the dagster.yaml that
# `ecostat init` writes into the data home).
export GX_ANALYTICS_ENABLED := false

# The browser tests open the reports in Debian's chromium, driven by Playwright (which never
# downloads a browser of its own). `make test` installs the package when it is missing.
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test servers ocr bench bench-cluster digest lint ui lock convert-home clean-home help

help:
	@echo "make run     build .venv if needed, run the whole pipeline on the embedded default data"
	@echo "make test    build .venv (and install Debian's chromium, postgresql, redis-server and"
	@echo "             tesseract-ocr if needed), run the test suite"
	@echo "make ocr     install Tesseract (Debian's tesseract-ocr, Russian, Kazakh, Kyrgyz) for scans"
	@echo "make bench   measure ecostat against Polars and DuckDB parse-only and pandas + Great Expectations"
	@echo "make bench-cluster  the cluster profile loading generated files with 1 and 2 workers"
	@echo "make digest  rewrite tests/digests/embedded_default.json (every table's content) after a"
	@echo "             change that is meant to change figures; a test compares it"
	@echo "make lint    ruff check"
	@echo "make ui      open the Dagster UI (dagster dev) on the data home"
	@echo "make lock    re-resolve dependencies and rewrite constraints.txt"
	@echo "make convert-home  once, for a home written before DuckDB was pinned to 1.5.5"
	@echo "make clean-home  delete the data home (ECOSTAT_HOME, default data/ here)"

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/ecostat run

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

# The cluster profile's tests start PostgreSQL and Redis of their own on loopback
# (pipelines/servers.py), from Debian's packages, installed here when missing.
servers:
	@missing="$$(command -v redis-server >/dev/null || echo redis-server) $$(ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || echo postgresql)"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Scanned reports are read by Tesseract (assets/extract/ocr.py), with its Russian, Kazakh and
# Kyrgyz data, from Debian's packages; installed here when missing.
OCR_PACKAGES := tesseract-ocr tesseract-ocr-rus tesseract-ocr-kaz tesseract-ocr-kir
ocr:
	@missing="$$(for p in $(OCR_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Two workers: most of a test's time is single-threaded Python (Dagster, Great Expectations).
TEST_WORKERS ?= 2
test: $(STAMP) $(CHROMIUM) servers ocr
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# Sizes and repetitions can be set: make bench SIZES="100000 1000000" REPS=3; the hourly
# air-quality network too: AIR_STATIONS=10 AIR_YEARS=1 (AIR_STATIONS=0 leaves it out).
SIZES ?= 100000 1000000 10000000
REPS  ?= 3
AIR_STATIONS ?= 100
AIR_YEARS    ?= 5
bench: $(STAMP)
	$(BIN)/python -m bench.run --sizes $(SIZES) --reps $(REPS) --air-stations $(AIR_STATIONS) --air-years $(AIR_YEARS)

# The cluster profile (docs/cluster.md) with 1 and 2 Celery workers: make bench-cluster FILES=6 ROWS=20000
FILES ?= 6
ROWS  ?= 20000
bench-cluster: $(STAMP) servers
	$(BIN)/python -m bench.cluster --files $(FILES) --rows $(ROWS)

# The digest of every table after a fresh run on the embedded default data. A refactor leaves it
# unchanged (tests/test_digest.py); a change meant to alter figures rewrites it, and the diff of
# the JSON says which tables changed.
DIGEST := tests/digests/embedded_default.json
digest: $(STAMP)
	rm -rf .digest-home
	ECOSTAT_HOME=.digest-home ECOSTAT_AS_OF=$$(cat tests/digests/as_of) $(BIN)/ecostat run > /dev/null
	ECOSTAT_HOME=.digest-home $(BIN)/ecostat digest --live > $(DIGEST)
	rm -rf .digest-home
	@echo "Wrote $(DIGEST)"

lint: $(STAMP)
	$(BIN)/ruff check .

ui: $(STAMP)
	$(BIN)/ecostat init
	DAGSTER_HOME=$$($(BIN)/ecostat home)/dagster $(BIN)/dagster dev

# Resolve the newest versions allowed by pyproject.toml in a scratch venv and pin them all.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^ecostat' > constraints.txt
	rm -rf .lock-venv

# A home whose DuckDB files were written by DuckDB 2.0 (ecostat before 2026-12-07) cannot be
# opened by the 1.5.5 it pins now; a DuckDB 2 of its own converts them once, keeping the old.
convert-home:
	@test -x .venv-duckdb2/bin/python || $(PYTHON) -m venv .venv-duckdb2
	.venv-duckdb2/bin/python -m pip install --quiet --disable-pip-version-check 'duckdb>=2.0,<2.1'
	.venv-duckdb2/bin/python warehouse/convert_home.py $${ECOSTAT_HOME:-data}

clean-home:
	rm -rf $${ECOSTAT_HOME:-data}
