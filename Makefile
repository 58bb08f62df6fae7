# Bastion: `make run` serves a demo school; `make test` runs the whole suite.
# Both set everything up first (virtualenv, Python and front-end packages, assets, database).

PYTHON ?= $(firstword $(foreach p,python3.13 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python) $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python),$(shell command -v $(p) >/dev/null 2>&1 && $(p) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && echo $(p))))
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint format lock assets migrate demo check-chromium bench clean

setup: $(VENV)/.installed bastion/static/dist/.built

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Bastion needs Python 3.12 or newer: install python3.12 or python3.13."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

bastion/static/dist/.built: node_modules/.installed $(wildcard assets/scss/*.scss)
	@mkdir -p bastion/static/dist
	node_modules/.bin/sass --load-path=node_modules --no-source-map --style=compressed \
		--quiet-deps assets/scss/bastion.scss bastion/static/dist/bastion.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js \
		node_modules/htmx.org/dist/htmx.min.js bastion/static/dist/
	@touch $@

assets: bastion/static/dist/.built

migrate: setup
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

demo: migrate
	$(BIN)/python manage.py seed_demo

# Links in mail (invitations, signing links) and passkeys use SITE_URL: it follows HOST and PORT
# unless it is set.
SITE_URL ?= http://$(HOST):$(PORT)

run: demo
	@echo "Bastion is at $(SITE_URL)/ (Ctrl-C stops it)"
	@# The scheduler (mail, reminders, large imports) runs beside the server and stops with it.
	@export SITE_URL="$(SITE_URL)"; \
		$(BIN)/python manage.py run_schedule --loop 15 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

check-chromium:
	@test -x "$(CHROMIUM)" || { \
		echo "The browser tests need Chromium at $(CHROMIUM)."; \
		echo "Install it once, as root:  apt-get install chromium"; \
		echo "(or point CHROMIUM=/path/to/chromium at another build)"; exit 1; }

test: setup check-chromium
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run
	CHROMIUM=$(CHROMIUM) $(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# `make lock` compiles requirements*.in into the pinned requirements*.txt, keeping every pin it
# can; to move one package: make lock LOCK_ARGS="--upgrade-package django". No registry address
# goes into the files.
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --strip-extras \
	--allow-unsafe --no-emit-index-url --no-emit-trusted-host --no-emit-find-links $(LOCK_ARGS)
lock: $(VENV)/.installed
	$(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) node_modules bastion/static/dist staticfiles

# The benchmark: `make bench` measures school and trust scale side by side; SCALE=school for one.
SCALE ?= trust
BENCH_ARGS ?=
bench: setup
	@mkdir -p bench/results
	$(BIN)/python -m bench.harness --scale school $(BENCH_ARGS)
	@if [ "$(SCALE)" != "school" ]; then \
		$(BIN)/python -m bench.harness --scale $(SCALE) $(BENCH_ARGS) && \
		$(BIN)/python -m bench.harness compare school $(SCALE); fi
