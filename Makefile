# The two commands: `make run` and `make test`. Both create .venv and install on first use.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# `make test` runs the suite on two workers (pytest-xdist); PYTEST_ARGS= runs it in one process.
PYTEST_ARGS ?= -n 2

.PHONY: run test install lint format check-deploy clean bench

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	mkdir -p var
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py demo
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Benchmarks at scale (issue 8; not a test): seeds the database of BENCH_DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432/bench_scale) if it has no scale data, then prints
# p50/p95/p99 and queries per line next to the Django admin. BENCH_ARGS="--preset medium" etc.
bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The production configuration must pass Django's deployment checklist.
check-deploy: $(STAMP)
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=admin.example.com DEBUG=0 $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var/db.sqlite3 var/staticfiles
