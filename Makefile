# llm-platform: every target sets up what it needs (a local .venv) on a machine with Python 3.11+.
# Dependencies come from requirements.txt (exact versions with hashes; `make lock` regenerates it).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STACK ?= dev
TEST_WORKERS ?= auto
LOCK := requirements.txt
STAMP := $(VENV)/.installed
PIP := $(PY) -m pip --disable-pip-version-check

CHECKOV_VENV := .venv-checkov
CHECKOV_LOCK := requirements-checkov.txt
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: plan check preflight test bench golden checkov venv lock clean

venv: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "llm-platform needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing llm-platform and its locked dependencies ($(LOCK)) into $(VENV) ..."
	@$(PIP) install --require-hashes -r $(LOCK) > $(VENV)/install.log 2>&1 \
	  && $(PIP) install --no-deps --no-build-isolation -e . >> $(VENV)/install.log 2>&1 \
	  || { cat $(VENV)/install.log; echo "error: installing dependencies failed (log: $(VENV)/install.log)"; exit 1; }
	@touch $(STAMP)

## Re-resolve requirements.txt from pyproject.toml (every extra, every platform, with hashes)
lock: $(STAMP)
	@$(VENV)/bin/uv pip compile pyproject.toml requirements-build.in --extra dev --generate-hashes --universal \
	  --python-version 3.11 --no-header --quiet -o $(LOCK).new
	@{ echo "# Locked dependencies of llm-platform (the program, its policy pack and its dev tools), with hashes."; \
	   echo "# Installed by make (pip --require-hashes) and by Pulumi's pip toolchain; regenerate with \`make lock\`."; \
	   cat $(LOCK).new; } > $(LOCK) && rm -f $(LOCK).new
	@$(VENV)/bin/uv pip compile requirements-checkov.in --generate-hashes --universal --python-version 3.11 \
	  --no-header --quiet -o $(CHECKOV_LOCK).new
	@{ echo "# Locked dependencies of \`make checkov\` (checkov and what it needs), with hashes; regenerate with \`make lock\`."; \
	   cat $(CHECKOV_LOCK).new; } > $(CHECKOV_LOCK) && rm -f $(CHECKOV_LOCK).new
	@echo "$(LOCK) and $(CHECKOV_LOCK) regenerated; review the diff and commit it"

## Offline plan of a stack (default: dev). STACK=prod make plan, or ARGS='--stack-file path' make plan
plan: $(STAMP)
	@$(PY) -m infra plan $(if $(ARGS),$(ARGS),--stack $(STACK))

## Policy checks on a stack's offline plan (the same rules as `pulumi preview --policy-pack policies`)
check: $(STAMP)
	@$(PY) -m infra check $(if $(ARGS),$(ARGS),--stack $(STACK))

## Read-only checks of the AWS account before `pulumi up` (needs your AWS credentials): STACK=prod make preflight
preflight: $(STAMP)
	@$(PY) -m infra preflight $(if $(ARGS),$(ARGS),--stack $(STACK))

## Unit, schema, Helm-engine and end-to-end tests (all offline)
test: $(STAMP)
	@$(PY) -m pytest -q -n $(TEST_WORKERS)

## Rewrite tests/golden/<stack>/ from the plans of the reference stacks (after an intended change; review the diff)
golden: $(STAMP)
	@$(PY) -m tests.golden

$(CHECKOV_STAMP): $(CHECKOV_LOCK)
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@echo "Installing checkov ($(CHECKOV_LOCK)) into $(CHECKOV_VENV) ..."
	@$(CHECKOV_VENV)/bin/python -m pip --disable-pip-version-check install --require-hashes -r $(CHECKOV_LOCK) \
	  > $(CHECKOV_VENV)/install.log 2>&1 \
	  || { cat $(CHECKOV_VENV)/install.log; echo "error: installing checkov failed (log: $(CHECKOV_VENV)/install.log)"; exit 1; }
	@touch $(CHECKOV_STAMP)

## checkov over everything the reference stacks apply (Helm renders and the plan's objects); fails on a
## finding tests/scan/policy.py does not accept
checkov: $(STAMP) $(CHECKOV_STAMP)
	@$(PY) -m tests.scan --checkov $(CHECKOV_VENV)/bin/checkov

## Plan time, resources per second and peak memory for generated stacks of 1, 10, 50, 100 and 200 models
bench: $(STAMP)
	@$(PY) -m infra bench

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) out .pytest_cache
