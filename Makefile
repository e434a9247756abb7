# berth.platform developer entry points. Two commands matter on a fresh machine:
#   make demo   bring the lab up, run playbooks/site.yml on it, show what was made and how to use it
#   make test   every quality gate, ending with the pytest summary
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
CACHE := $(HOME)/.cache/berth-platform
REQ_HASH := $(shell sha256sum requirements-dev.txt | cut -c1-12)
VENV ?= $(CACHE)/venv-$(REQ_HASH)
BIN := $(VENV)/bin
export BERTH_PYTHON := $(BIN)/python
export PATH := $(BIN):$(PATH)
COLLECTIONS := $(shell $(PYTHON) tests/collection_path.py)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
SANITY_ROOT := $(CACHE)/sanity-$(notdir $(COLLECTIONS))/ansible_collections/berth/platform

.PHONY: help venv lab-deps lab-up lab-fresh lab-down demo sanity lint unit integration pytest build test bench lock clean

help:
	@echo "make demo   - start the lab, run playbooks/site.yml on it, show what was made and a skopeo push/pull as team A"
	@echo "make test   - sanity, lint, build, lab, unit + integration tests"
	@echo "other: venv lab-up lab-down sanity lint unit integration build bench lock clean"

$(BIN)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	ln -sfn $(VENV) .venv
	touch $@

venv: $(BIN)/.installed

lab-deps:
	tests/lab/install-deps

lab-up: venv lab-deps
	tests/lab/up --keep

lab-down:
	tests/lab/down

# site.yml on the lab (inventory playbooks/inventories/lab), then what was created and a skopeo
# push/pull as team A. Leaves Harbor in OIDC mode, hence `make test`'s fresh lab.
demo: lab-up
	$(BIN)/python tests/lab/demo.py

# The full gate starts from empty servers: tests expect Harbor in db_auth with no users (after
# `make demo` it is not), and CI machines start empty anyway.
lab-fresh: venv lab-deps
	tests/lab/down
	tests/lab/up

# ansible-test needs the collection at ansible_collections/berth/platform: sanity runs on a copy.
# Its --venv mode fetches a pip bootstrap script from a host these machines cannot
# reach; tests/sanity/pip_bootstrap.py does the same job from PyPI.
sanity: venv
	pip_version=$$(sed -n "s/^ *pip='\(.*\)',/\1/p" $(VENV)/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py) && \
	  test -n "$$pip_version" && mkdir -p $(HOME)/.ansible/test/cache && \
	  cp tests/sanity/pip_bootstrap.py $(HOME)/.ansible/test/cache/get_pip_$${pip_version//./_}.py
	tests/sanity/stage $(SANITY_ROOT)
	cd $(SANITY_ROOT) && ansible-test sanity --venv --python 3.11 --color no

SHELL_SCRIPTS := .ci/run tests/sanity/stage tests/lab/up tests/lab/down tests/lab/install-deps tests/lab/build/build tests/lab/lib.sh $(wildcard tests/lab/components/*.sh)

lint: venv lab-deps
	ansible-lint --offline --profile production
	shellcheck -x -P SCRIPTDIR $(SHELL_SCRIPTS)

unit: venv
	pytest -q tests/unit

integration: lab-up
	pytest -q tests/integration

build: venv
	mkdir -p build && ansible-galaxy collection build --force --output-path build .

# Per-task cost of the Keycloak modules next to community.general's, against the lab's
# Keycloak (make lab-up first). Prints numbers only; docs/performance.md keeps a run.
BENCH_TASKS ?= 25
BENCH_ROUNDS ?= 3
bench: venv
	$(BIN)/python tests/benchmarks/bench.py --tasks $(BENCH_TASKS) --rounds $(BENCH_ROUNDS)

# The one pytest run (unit + integration) comes last so its summary closes the log.
test: sanity lint build lab-fresh
	pytest -q -p no:cacheprovider tests/unit tests/integration

lock:
	$(PYTHON) -m venv $(CACHE)/lock && $(CACHE)/lock/bin/pip install -q -r requirements-dev.in
	(echo "# Pinned from requirements-dev.in with Python 3.11 (make lock). Do not edit by hand."; \
	 $(CACHE)/lock/bin/pip freeze) > requirements-dev.txt

clean:
	rm -rf build tests/output .pytest_cache
