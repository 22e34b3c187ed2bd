# The two commands of the README: `make run` and `make test`. Each installs what it needs first,
# so either works as the very first command on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast install css lint format clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

static/build/main.css: node_modules/.package-lock.json $(wildcard static/scss/*.scss)
	npm run --silent build

install: $(STAMP)

css: static/build/main.css

# `PORT=8001 make run` serves on another port.
PORT ?= 8000

# `make run DEMO=after-the-close` shows the demo consultation as it stands after its close (example
# responses, the outcome, the second version of the guidance), in a database of its own, so that
# `make run` still shows it open. A DATABASE_URL you set yourself is used for either.
DEMO ?= open
ifeq ($(DEMO),after-the-close)
DEMO_FLAGS := --after-the-close
DATABASE_URL ?= sqlite:///$(CURDIR)/db-after-the-close.sqlite3
export DATABASE_URL
else ifneq ($(DEMO),open)
$(error DEMO is "open" (the default) or "after-the-close", not "$(DEMO)")
endif

run: install css
	@echo "Preparing the database and the demo consultation..."
	@DJANGO_DEBUG=true $(PY) manage.py migrate --noinput --verbosity 0
	@DJANGO_DEBUG=true $(PY) manage.py load_demo $(DEMO_FLAGS) --verbosity 0
	@# The worker sends the emails the portal queues (receipts, links) and groups new comments into
	@# campaigns, started again should it ever exit; it stops with the server.
	@export DJANGO_DEBUG=true SITE_URL=http://127.0.0.1:$(PORT); \
		( while true; do $(PY) manage.py run_worker --verbosity 0; sleep 1; done ) & worker=$$!; \
		trap 'pkill -P $$worker 2>/dev/null; kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py run_local 127.0.0.1:$(PORT)

# The tests run with consult/test_settings.py (DEBUG off, as production), one process per core.
# `make test-fast` leaves out the browser and HTML-validity tests, for quick runs while working.
test: install css
	$(PY) -m pytest -n auto --dist worksteal $(PYTEST_ARGS)

test-fast: install css
	$(PY) -m pytest -n auto --dist worksteal -m "not browser and not html" $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) node_modules static/build staticfiles
