# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format install clean bench translations

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstalled whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# The translation catalogs, compiled whenever one changes (crm/translations/, crm/i18n.py).
CATALOGS := $(wildcard crm/translations/*/LC_MESSAGES/messages.po)
crm/translations/%/LC_MESSAGES/messages.mo: crm/translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

install: $(VENV)/.installed $(CATALOGS:.po=.mo)

# After marking strings: extract them and add the new ones to every catalog, to translate.
translations: install
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs ".*" -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k marked -k marked_label:1c,2 \
		--no-location --sort-output --width 100 --project "ICC Campaign CRM" --copyright-holder "the ICC campaign" -o crm/translations/messages.pot . >/dev/null
	$(BIN)/pybabel update --no-fuzzy-matching --width 100 -i crm/translations/messages.pot -d crm/translations >/dev/null

run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi crm demo --if-empty
	@echo "Serving on http://$(HOST):$(PORT)/ with a job worker and the scheduler (Ctrl-C stops all three)"
	HOST=$(HOST) $(BIN)/honcho start --port $(PORT) --procfile Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The suite runs on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
test: lint
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -n auto
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "--- again on PostgreSQL ($$TEST_DATABASE_URL)"; \
		$(BIN)/python -m pytest -n auto; \
	else \
		echo "TEST_DATABASE_URL is not set: skipped the PostgreSQL run."; \
	fi

# Timings of the risk model (and later the PDFs), written to docs/benchmarks.md. Some
# sections alone, replacing them there: make bench ONLY=pages,throughput
bench: install
	$(BIN)/python bench/run.py $(if $(ONLY),--only $(ONLY))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
