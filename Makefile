# Failed Tasks Console. Quick start: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Exact versions with hashes, generated from pyproject.toml by `make lock`:
# the runtime set for serving, and the runtime plus test set for everything else.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
LOCK_FLAGS := --universal --generate-hashes --python-version 3.11 --quiet
HOST ?= 127.0.0.1
PORT ?= 8000
# Settings default to production (DEBUG off); the development targets say otherwise.
DEV := DEBUG=true
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Demo alerts may go to a receiver on this machine, and link back to this server.
DEMO_ALERTS := ALERT_WEBHOOK_ALLOWED_HOSTS=$${ALERT_WEBHOOK_ALLOWED_HOSTS-127.0.0.1,localhost} \
	CONSOLE_BASE_URL=$${CONSOLE_BASE_URL-http://$(HOST):$(PORT)}

.PHONY: install migrate run serve test test-browser bench lint lock messages clean

$(STAMP): $(DEV_LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(DEV_LOCK)
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(DEV) $(PY) manage.py migrate --noinput

## Development server with demo data on http://127.0.0.1:8000 (idempotent), and the
## alerts worker beside it, stopped with the server. Demo alerts may go to loopback.
run: migrate
	$(DEV) $(PY) manage.py seed_demo
	$(DEV) $(DEMO_ALERTS) $(PY) manage.py alerts_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(DEV) $(DEMO_ALERTS) $(PY) manage.py runserver $(HOST):$(PORT)

## Production-style serving: gunicorn (gevent workers, console/gunicorn.conf.py),
## whitenoise, DEBUG off (needs SECRET_KEY). Installs the runtime lock.
serve: $(VENV)/.runtime-stamp
	DEBUG=false $(PY) manage.py collectstatic --noinput
	DEBUG=false $(PY) manage.py migrate --noinput
	DEBUG=false $(VENV)/bin/gunicorn -c console/gunicorn.conf.py console.wsgi \
		--bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3}

## The whole suite (browser tests included when Chromium is installed).
# Persistent connections would outlive the live test server's threads and keep
# PostgreSQL from dropping the test database.
test: install
	$(DEV) DB_CONN_MAX_AGE=0 $(PY) -m pytest $(PYTEST_ARGS)

## The speed goals (README, "Performance") over real HTTP: gunicorn on a throwaway
# PostgreSQL database and SQLite file with a million failed tasks. Flags go through
# BENCH_ARGS, e.g. BENCH_ARGS="--tasks 20000 --db sqlite" (python -m bench --help).
bench: install
	@command -v wrk >/dev/null 2>&1 || { echo "Installing wrk, the HTTP load generator"; \
		$(SUDO) apt-get install -y wrk || { $(SUDO) apt-get update && $(SUDO) apt-get install -y wrk; }; }
	$(PY) -m bench $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(DEV) $(PY) manage.py check
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

## Rebuild the Chinese catalogue after changing strings (needs GNU gettext).
messages: install
	$(DEV) $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles
	$(DEV) $(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

$(VENV)/.runtime-stamp: $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	touch $@

## Refresh both lock files from pyproject.toml (needs the package index).
lock:
	test -x $(VENV)/bin/uv || { test -x $(PY) || $(PYTHON) -m venv $(VENV); $(PY) -m pip install --quiet uv; }
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_FLAGS) -o $(LOCK)
	$(VENV)/bin/uv pip compile pyproject.toml --extra test $(LOCK_FLAGS) -o $(DEV_LOCK)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
