# The project's task runner. `make run` and `make test` are all a newcomer needs (see README).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run test lint format migrations-check pytest pytest-orm worker beat serve check messages demo-codes

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# Re-install only when a requirements file changed (the stamp is newer than both otherwise).
$(BIN)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed  ## Create .venv and install the pinned requirements

# The local demo: DEBUG on, SQLite, tasks in-process and emails on the console unless the
# environment says otherwise (DATABASE_URL, CELERY_BROKER_URL, EMAIL_URL).
run: export DJANGO_DEBUG ?= 1
# Open it at http://localhost (not 127.0.0.1): passkeys need a host name, and the demo's
# passkey origin is http://localhost:$(PORT).
run: export CLINIC_WEBAUTHN_ORIGINS ?= http://localhost:$(PORT)
run: install  ## Migrate, create demo data and staff accounts, serve on http://localhost:$(PORT)
	@# A git-ignored .env so that manage.py commands work on this development machine too.
	@test -f .env || printf '# Local development only (created by make run).\nDJANGO_DEBUG=1\n' > .env
	$(MANAGE) migrate --no-input
	$(MANAGE) seed_demo
	@echo ""
	@echo "  Patient form:  http://localhost:$(PORT)/"
	@echo "  Staff admin:   http://localhost:$(PORT)/admin/  (user admin, triage or reception;"
	@echo "                 password printed above; then the code from \`make demo-codes\`,"
	@echo "                 or from an authenticator app with the demo key printed above)"
	@echo ""
	$(MANAGE) runserver 127.0.0.1:$(PORT)

demo-codes: export DJANGO_DEBUG ?= 1
demo-codes: install  ## The demo accounts' second sign-in step: the code their authenticator shows now
	@$(MANAGE) demo_codes

test: install lint migrations-check pytest pytest-orm  ## Lint, check migrations and run the whole test suite

pytest: install  ## Run the test suite only
	$(BIN)/pytest

# The questionnaire's tests (and plainsql's own) once more with CLINIC_PLAINSQL=false, so the
# ORM fallback for intake/plainsql.py is known to work (issue 16), with the encrypted columns
# too (issue 18). About 10 s on SQLite.
PLAINSQL_ORM_TESTS := \
	tests/intake/questionnaire/test_journey_views.py \
	tests/intake/questionnaire/test_resume.py \
	tests/intake/questionnaire/test_emergency_interrupts.py \
	tests/intake/questionnaire/test_mid_form_emergency_cases.py \
	tests/intake/services/test_drafts.py \
	tests/intake/services/test_sending.py \
	tests/intake/questionnaire/test_step_queries.py \
	tests/intake/test_plainsql.py \
	tests/intake/test_plainsql_contract.py \
	tests/intake/test_plainsql_postgres.py \
	tests/intake/test_encryption.py

pytest-orm: install  ## The questionnaire tests again through the ORM (CLINIC_PLAINSQL=false)
	CLINIC_PLAINSQL=false $(BIN)/pytest $(PLAINSQL_ORM_TESTS)

lint: install  ## ruff, the import contracts (import-linter), mypy --strict (django-stubs) over the whole project
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy intake clinic tests bench

format: install  ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install  ## Fail if a model change has no migration
	DJANGO_SETTINGS_MODULE=clinic.settings_test $(MANAGE) makemigrations --check --dry-run

messages: install  ## Extract translatable text into locale/en_GB/LC_MESSAGES/django.po (needs gettext)
	bin/messages

check: install  ## Django's system checks
	DJANGO_SETTINGS_MODULE=clinic.settings_test $(MANAGE) check

worker: install  ## Run a Celery worker for both queues, urgent first (needs CELERY_BROKER_URL)
	$(BIN)/celery -A clinic worker --queues=urgent,default --loglevel=INFO

beat: install  ## Run Celery beat, the periodic-job scheduler (needs CELERY_BROKER_URL)
	$(BIN)/celery -A clinic beat --loglevel=INFO

# gunicorn.conf.py: the access log, without query strings or referrers (docs/security.md).
serve: install  ## Production-style: collect static files, migrate, serve with gunicorn on $(PORT)
	$(MANAGE) collectstatic --no-input
	@# Migrations as the database's owner role when MIGRATE_DATABASE_URL is set (issue 17,
	@# docs/operations.md "Least-privilege database set-up"); the app then runs as DATABASE_URL.
	@# Not echoed: the URLs hold passwords.
	@if [ -n "$$MIGRATE_DATABASE_URL" ]; then \
	  echo "manage.py migrate as the owner role (MIGRATE_DATABASE_URL)"; \
	  DATABASE_URL="$$MIGRATE_DATABASE_URL" $(MANAGE) migrate --no-input; \
	else \
	  echo "manage.py migrate"; $(MANAGE) migrate --no-input; \
	fi
	$(BIN)/gunicorn -c gunicorn.conf.py clinic.wsgi --bind 127.0.0.1:$(PORT) --workers $${WEB_CONCURRENCY:-3}

# Drives Debian's Chromium (CHROMIUM=/path to use another) against the app running on a
# throwaway SQLite database: no PostgreSQL, Redis or worker needed, nothing left behind.
.PHONY: screenshots
screenshots: install  ## Screenshots of every patient page at phone and desktop width into docs/screenshots/
	$(BIN)/python -m tests.browser.screenshots

# A demo case's clinician summary (PDF) and its first page as a PNG, for the README (issue 21).
.PHONY: summary-picture
summary-picture: install  ## The README's clinician summary: docs/screenshots/clinician-summary.pdf and .png (needs pdftoppm)
	$(BIN)/python -m tests.browser.summary_picture
