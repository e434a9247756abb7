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
# The oldest ansible-core meta/runtime.yml claims (make matrix) and the docs tools (make docs)
# live in venvs of their own: their pins clash with the development venv's.
OLDEST_VENV := $(CACHE)/venv-oldest-$(shell sha256sum requirements-oldest.txt | cut -c1-12)
OLDEST_SANITY_ROOT := $(CACHE)/sanity-oldest-$(notdir $(COLLECTIONS))/ansible_collections/berth/platform
DOCS_VENV := $(CACHE)/venv-docs-$(shell sha256sum requirements-docs.txt | cut -c1-12)

.PHONY: help venv lab-deps lab-up lab-fresh lab-down demo molecule bench-tenants bench-peer sanity sanity-oldest unit-oldest matrix docs lint unit integration pytest build test bench lock clean

help:
	@echo "make demo   - start the lab, run playbooks/site.yml on it, show what was made and a skopeo push/pull as team A"
	@echo "make test   - sanity, lint, build, lab, unit + integration tests"
	@echo "make docs   - the HTML docs site (antsibull-docs + Sphinx) in build/docs/html"
	@echo "make molecule - molecule/default: site.yml on the lab, idempotence, verify, cleanup"
	@echo "make matrix - sanity and unit tests on the oldest ansible-core meta/runtime.yml claims"
	@echo "other: venv lab-up lab-down sanity lint unit integration build bench bench-tenants bench-peer lock clean"

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

# molecule/default against the running lab, with its servers from lab.env and a name suffix of
# its own; its cleanup leaves Harbor in db_auth, as the integration tests expect.
MOLECULE_TEST = set -a && . tests/lab/.state/lab.env && set +a && \
	BERTH_LAB_SUFFIX=-mol-$$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n') \
	ANSIBLE_PYTHON_INTERPRETER=$(BIN)/python molecule test

molecule: lab-up
	$(MOLECULE_TEST)

# The full gate starts from empty servers: tests expect Harbor in db_auth with no users (after
# `make demo` it is not), and CI machines start empty anyway.
lab-fresh: venv lab-deps
	tests/lab/down
	tests/lab/up

# ansible-test needs the collection at ansible_collections/berth/platform: sanity runs on a copy.
# Its --venv mode fetches a pip bootstrap script from a host these machines cannot
# reach; tests/sanity/pip_bootstrap.py does the same job from PyPI.
# $(call ansible_test_sanity,<venv>,<staging root>)
define ansible_test_sanity
	pip_version=$$(sed -n "s/^ *pip='\(.*\)',.*/\1/p" $(1)/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | head -n 1) && \
	  test -n "$$pip_version" && mkdir -p $(HOME)/.ansible/test/cache && \
	  cp tests/sanity/pip_bootstrap.py $(HOME)/.ansible/test/cache/get_pip_$${pip_version//./_}.py
	tests/sanity/stage $(2)
	cd $(2) && PATH=$(1)/bin:$$PATH $(1)/bin/ansible-test sanity --venv --python 3.11 --color no
endef

sanity: venv
	$(call ansible_test_sanity,$(VENV),$(SANITY_ROOT))

$(OLDEST_VENV)/.installed: requirements-oldest.txt
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/pip install -q --upgrade pip
	$(OLDEST_VENV)/bin/pip install -q -r requirements-oldest.txt
	touch $@

sanity-oldest: $(OLDEST_VENV)/.installed
	$(call ansible_test_sanity,$(OLDEST_VENV),$(OLDEST_SANITY_ROOT))

unit-oldest: $(OLDEST_VENV)/.installed
	$(OLDEST_VENV)/bin/pytest -q -p no:cacheprovider tests/unit

# The newest ansible-core for Python 3.11 is the development venv's (sanity, unit); this adds
# the oldest one meta/runtime.yml's requires_ansible claims.
matrix: sanity-oldest unit-oldest

$(DOCS_VENV)/.installed: requirements-docs.txt
	$(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/pip install -q --upgrade pip
	$(DOCS_VENV)/bin/pip install -q -r requirements-docs.txt
	touch $@

# ansible-doc (which antsibull-docs calls) and kubernetes.core come from the development venv.
docs: venv $(DOCS_VENV)/.installed
	PATH=$(DOCS_VENV)/bin:$$PATH docs/site/build

SHELL_SCRIPTS := .ci/run docs/site/build tests/sanity/stage tests/lab/up tests/lab/down tests/lab/install-deps tests/lab/build/build tests/lab/lib.sh $(wildcard tests/lab/components/*.sh)

lint: venv lab-deps
	ansible-lint --offline --profile production
	shellcheck -x -P SCRIPTDIR $(SHELL_SCRIPTS)

unit: venv
	pytest -q tests/unit

integration: lab-up
	pytest -q tests/integration

build: venv
	mkdir -p build && ansible-galaxy collection build --force --output-path build .

# Benchmarks against the lab (make lab-up first); they print numbers only, docs/performance.md
# keeps a run. 1) per-task cost of the Keycloak modules next to community.general's; 2) tenants.yml
# for BENCH_TEAMS teams in bulk and per item (ratio), then BENCH_TEAMS_BULK teams in bulk only:
# cold create, no-op rerun, 1 % changed - wall time, requests per server, peak RSS; 3) tenants.yml
# against OpenTofu + terraform-provider-harbor (built into ~/.cache/berth-lab) at BENCH_PEER_TEAMS,
# BENCH_PEER_REPEATS times: cold, no-op, plan/--check, 1 % changed, with ratios and wrong answers.
BENCH_TASKS ?= 25
BENCH_ROUNDS ?= 3
BENCH_TEAMS ?= 50
BENCH_TEAMS_BULK ?= 500
BENCH_PEER_TEAMS ?= 50,200,500
BENCH_PEER_REPEATS ?= 3
bench: venv
	$(BIN)/python tests/benchmarks/bench.py --tasks $(BENCH_TASKS) --rounds $(BENCH_ROUNDS)
	$(MAKE) bench-tenants
	$(MAKE) bench-peer

bench-peer: venv
	tests/lab/build/build tofu terraform-provider-harbor
	$(BIN)/python tests/benchmarks/peer_bench.py --teams $(BENCH_PEER_TEAMS) --repeats $(BENCH_PEER_REPEATS)

bench-tenants: venv
	$(BIN)/python tests/benchmarks/tenants_bench.py --teams $(BENCH_TEAMS) --modes bulk,loop
	$(BIN)/python tests/benchmarks/tenants_bench.py --teams $(BENCH_TEAMS_BULK) --modes bulk

# The one pytest run (unit + integration) comes last so its summary closes the log.
test: sanity lint build docs matrix lab-fresh
	$(MOLECULE_TEST)
	pytest -q -p no:cacheprovider tests/unit tests/integration

# $(call pin,<name>): requirements-<name>.in -> requirements-<name>.txt, resolved in a fresh venv.
define pin
	rm -rf $(CACHE)/lock-$(1) && $(PYTHON) -m venv $(CACHE)/lock-$(1) && $(CACHE)/lock-$(1)/bin/pip install -q -r requirements-$(1).in
	(echo "# Pinned from requirements-$(1).in with Python 3.11 (make lock). Do not edit by hand."; \
	 $(CACHE)/lock-$(1)/bin/pip freeze) > requirements-$(1).txt
endef

lock:
	$(call pin,dev)
	$(call pin,oldest)
	$(call pin,docs)

clean:
	rm -rf build tests/output .pytest_cache
