# Madoguchi — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app portal
DEV    := PORTAL_ENV=development
CATALOGS := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)

.PHONY: run test install translations messages serve bench clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependencies change. constraints.txt pins every package (ours and
# theirs) to the versions last tested together, so a fresh machine installs exactly those.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

## After changing pyproject.toml's dependencies, or to take newer versions: re-pin them
## all (pip-tools), then run `make test` and commit constraints.txt with the change.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet "pip-tools>=7.4"
	$(BIN)/pip-compile --quiet --upgrade --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
	  --output-file constraints.txt pyproject.toml

install: $(VENV)/.installed translations

## Compile the message catalogues (.po → .mo) the app reads.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations -D messages >/dev/null

## After changing user-facing strings: extract them and merge into every catalogue.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --no-location --sort-output -o portal/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i portal/translations/messages.pot -d portal/translations -D messages

## Migrate, load the demo company, and serve the portal with a local mail catcher.
run: install
	$(DEV) $(FLASK) db upgrade
	$(DEV) $(FLASK) seed-demo
	@echo ""
	@echo "  Portal:  http://127.0.0.1:5000/"
	@echo "  Mail:    http://127.0.0.1:8025/  (every mail the portal sends lands here)"
	@echo ""
	@$(BIN)/python -m portal.mail.catcher & catcher=$$!; \
	 trap 'kill $$catcher 2>/dev/null' EXIT INT TERM; \
	 $(DEV) MAIL_SERVER=127.0.0.1 MAIL_PORT=1025 $(FLASK) run --host 127.0.0.1 --port 5000

## The whole suite on SQLite, then on PostgreSQL when DATABASE_URL points there.
## Both runs happen even when the first fails, so one `make test` shows both results.
test: install node_modules/axe-core
	@status=0; \
	 echo "== on SQLite"; \
	 env -u DATABASE_URL $(BIN)/python -m pytest || status=1; \
	 if [ -n "$$DATABASE_URL" ]; then \
	   echo "== again on $$(echo "$$DATABASE_URL" | sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#')"; \
	   $(BIN)/python -m pytest || status=1; \
	 fi; \
	 exit $$status

## axe-core for the browser tests' accessibility checks (package-lock.json pins it).
node_modules/axe-core: package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

bench: install
	$(BIN)/python bench/import_bench.py

clean:
	rm -rf $(VENV) instance .pytest_cache
