# Two commands do all the set-up on a fresh machine:
#   make run    create .venv, install, migrate, seed demo data, run web + worker + beat on :$(PORT)
#   make test   create .venv, install, run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: run test install sysdeps migrate messages check clean fuzz eark-venv

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

# The E-ARK validator the records tests run (it pins lxml 5.1, the portal lxml 6: its own venv).
EARK_VENV ?= .venv-eark
$(EARK_VENV)/.installed: requirements-eark.txt
	$(PYTHON) -m venv $(EARK_VENV)
	$(EARK_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-eark.txt
	touch $@

eark-venv: $(EARK_VENV)/.installed

# Debian packages for browser, SoftHSM and PDF tests; installed only when missing (needs root).
sysdeps:
	@if [ "$$(id -u)" = 0 ]; then .ci/system-packages; else echo "not root: skipping Debian packages (see .ci/system-packages)"; fi

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py seed_demo --quiet-logins --logins-file var/demo-logins.txt
	PORT=$(PORT) $(BIN)/python manage.py runportal --port $(PORT) --banner-file var/demo-logins.txt

test: install sysdeps eark-venv
	$(BIN)/python -m pytest -m "not isolated" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m isolated $(PYTEST_ARGS) || [ $$? -eq 5 ]  # 5: the selection holds none of them

check: install
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

# Coverage-guided fuzzing of the parsers (atheris; docs/security.md): each harness for FUZZ_SECONDS;
# a crash, a hang (> 10 s on one input) or memory over 2 GB fails. New inputs go to var/fuzz/, crashes
# to var/fuzz/<harness>-crash-*: copy them to tests/fuzz/regressions/<harness>/ with the fix.
FUZZ_SECONDS ?= 60
FUZZERS := edxml federation_auth axis_auth csv_import
fuzz: install
	@for h in $(FUZZERS); do \
	  mkdir -p var/fuzz/work/$$h && echo "== fuzz $$h ($(FUZZ_SECONDS) s)" && \
	  $(BIN)/python tests/fuzz/fuzz_$$h.py -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=var/fuzz/$$h- var/fuzz/work/$$h tests/fuzz/corpus/$$h \
	    2>var/fuzz/$$h.log || { tail -40 var/fuzz/$$h.log; exit 1; }; \
	  grep -E "^stat::number_of_executed_units|^Done" var/fuzz/$$h.log; \
	done

# Needs GNU gettext; the compiled .mo files are committed so a fresh machine does not.
messages: install
	$(BIN)/python manage.py makemessages -l vi --no-location --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages -l vi --ignore=.venv

clean:
	rm -rf $(VENV) $(EARK_VENV) var
