# Two commands do all the set-up on a fresh machine:
#   make run    create .venv, install, migrate, seed demo data, run web + worker + beat on :$(PORT)
#   make test   create .venv, install, run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: run test install sysdeps migrate messages check clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

# Debian packages for browser, SoftHSM and PDF tests; installed only when missing (needs root).
sysdeps:
	@if [ "$$(id -u)" = 0 ]; then .ci/system-packages; else echo "not root: skipping Debian packages (see .ci/system-packages)"; fi

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py seed_demo --quiet-logins --logins-file var/demo-logins.txt
	PORT=$(PORT) $(BIN)/python manage.py runportal --port $(PORT) --banner-file var/demo-logins.txt

test: install sysdeps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: install
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

# Needs GNU gettext; the compiled .mo files are committed so a fresh machine does not.
messages: install
	$(BIN)/python manage.py makemessages -l vi --no-location --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages -l vi --ignore=.venv

clean:
	rm -rf $(VENV) var
