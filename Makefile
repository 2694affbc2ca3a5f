# Soglasie — the two commands are `make run` and `make test`; `make setup` is what both start with.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# durable-rules 2.0.28 (the last release) does not import on Python 3.13; 3.11 and 3.12 work.
PYTHON_CANDIDATES := python3.11 python3.12 python3 python

.PHONY: setup run test lint clean-run

setup: $(STAMP)
	@$(VENV)/bin/pybabel -q compile -d webapp/translations  # the portal's translations, .po → .mo
	@$(VENV)/bin/pybabel -q compile -D soglasie -d soglasie/translations  # the core's (docs/operations.md, "Translations")

$(STAMP): requirements.txt pyproject.toml
	@set -e; \
	if [ ! -x $(PY) ]; then \
	  chosen=""; \
	  for c in $(PYTHON_CANDIDATES); do \
	    if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(0 if sys.version_info[:2] in ((3, 11), (3, 12)) else 1)' 2>/dev/null; then \
	      chosen=$$c; break; \
	    fi; \
	  done; \
	  if [ -z "$$chosen" ]; then \
	    echo "make setup: Soglasie needs Python 3.11 or 3.12 (durable-rules 2.0.28 does not import on 3.13)." >&2; \
	    echo "  Found: $$(for c in $(PYTHON_CANDIDATES); do command -v $$c >/dev/null 2>&1 && printf '%s=%s ' $$c "$$($$c -V 2>&1)"; done)" >&2; \
	    echo "  Install python3.11 or python3.12 (e.g. apt install python3.11-venv, or pyenv install 3.11) and run make again." >&2; \
	    exit 1; \
	  fi; \
	  echo "make setup: creating $(VENV) with $$chosen ($$($$chosen -V 2>&1))"; \
	  $$chosen -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

run: setup
	$(PY) -m devstack

test: setup
	@# pytest exits 5 when it collected no tests: that is a failure here, not a pass.
	@set -o pipefail; $(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests — failing." >&2; exit 1; fi; exit $$rc

lint: setup
	$(PY) -m ruff check soglasie devstack webapp dags plugins tests bench
