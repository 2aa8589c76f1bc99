# llm-platform: every target sets up what it needs (a local .venv) on a machine with Python 3.11+.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STACK ?= dev
STAMP := $(VENV)/.installed

.PHONY: plan check test bench venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "llm-platform needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing llm-platform and its pinned dependencies into $(VENV) ..."
	@$(PY) -m pip install --disable-pip-version-check --upgrade pip > $(VENV)/install.log 2>&1 \
	  && $(PY) -m pip install --disable-pip-version-check -e '.[dev]' >> $(VENV)/install.log 2>&1 \
	  || { cat $(VENV)/install.log; echo "error: installing dependencies failed (log: $(VENV)/install.log)"; exit 1; }
	@touch $(STAMP)

## Offline plan of a stack (default: dev). STACK=prod make plan, or ARGS='--stack-file path' make plan
plan: $(STAMP)
	@$(PY) -m infra plan $(if $(ARGS),$(ARGS),--stack $(STACK))

## Policy checks on a stack's offline plan (the same rules as `pulumi preview --policy-pack policies`)
check: $(STAMP)
	@$(PY) -m infra check $(if $(ARGS),$(ARGS),--stack $(STACK))

## Unit, schema and end-to-end tests (all offline)
test: $(STAMP)
	@$(PY) -m pytest -q

## Plan time and peak memory for generated stacks of 1, 10 and 50 models
bench: $(STAMP)
	@$(PY) -m infra bench

clean:
	rm -rf $(VENV) out .pytest_cache
