# Failed Tasks Console. Quick start: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install migrate run serve test test-browser bench lint messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

## Development server with demo data on http://127.0.0.1:8000 (idempotent), and the
## alerts worker beside it, stopped with the server. Demo alerts may go to loopback.
run: migrate
	$(PY) manage.py seed_demo
	@export ALERT_WEBHOOK_ALLOWED_HOSTS="$${ALERT_WEBHOOK_ALLOWED_HOSTS-127.0.0.1,localhost}" \
		CONSOLE_BASE_URL="$${CONSOLE_BASE_URL-http://$(HOST):$(PORT)}"; \
	$(PY) manage.py alerts_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

## Production-style serving: gunicorn, whitenoise, DEBUG off (needs SECRET_KEY).
serve: install
	DEBUG=false $(PY) manage.py collectstatic --noinput
	DEBUG=false $(PY) manage.py migrate --noinput
	DEBUG=false $(VENV)/bin/gunicorn console.wsgi --bind $(HOST):$(PORT) \
		--workers $${WEB_CONCURRENCY:-3} --access-logfile -

## The whole suite (browser tests included when Chromium is installed).
# Persistent connections would outlive the live test server's threads and keep
# PostgreSQL from dropping the test database.
test: install
	DB_CONN_MAX_AGE=0 $(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m bench $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

## Rebuild the Chinese catalogue after changing strings (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
