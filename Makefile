# The two commands a newcomer needs: `make run` and `make test`. Each installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Test processes (pytest-xdist): one per core of the 2-core CI machine. Each starts its own S3
# server and test database on the session's PostgreSQL; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

.PHONY: run test lint format messages bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) scripts/requirements.py > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt
	touch $(STAMP)

run: $(STAMP)
	bash scripts/system-deps.sh run
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PY) scripts/run.py

test: $(STAMP)
	bash scripts/system-deps.sh test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	bash scripts/check-translations.sh
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the catalogues after adding messages; then translate the new entries.
messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests --ignore=bench --no-obsolete --no-location

bench: $(STAMP)
	$(PY) bench/storage_bench.py
	$(PY) bench/ledger_bench.py
	$(PY) bench/inspections_photo_bench.py
	$(PY) bench/signin_bench.py
	$(PY) bench/pages_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
