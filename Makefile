# ops.runbooks: the two commands are `make demo` and `make test`; everything else is a step of them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT        := $(abspath .)
PYTHON      ?= $(shell command -v python3.11 || command -v python3)
VENV        := $(ROOT)/.venv
BIN         := $(VENV)/bin
BUILD       := $(ROOT)/.build
COLLECTIONS := $(BUILD)/collections
SITE        := $(shell [ -x $(BIN)/python ] && $(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
export PYTHONPATH := $(COLLECTIONS)
export PYTHONDONTWRITEBYTECODE := 1
SANDBOX     := $(BIN)/python tests/sandbox/sandbox.py
DEPS        := amazon community   # namespaces of the collections we depend on, linked beside ours for ansible-test

.PHONY: help demo test side-by-side venv system-deps collection-link lint sanity unit integration soak molecule build-check test-iam \
        test-localstack localstack-venv test-playbooks test-shuffled test-bad-inputs test-eda test-awx test-cores core-venvs \
        sandbox-up sandbox-down bench clean

help:
	@echo "make demo    - sandbox up, daily health playbook against inventories/local, sandbox down"
	@echo "make test    - lint, sanity, unit, integration, molecule, build + ansible-doc (all setup included)"
	@echo "make bench   - benchmarks in bench/ (not part of make test); BENCH=backup_verify runs one"
	@echo "make test-localstack - the SQS, S3, CloudWatch and Logs module tests again, against LocalStack (CI runs it)"
	@echo "make soak    - the fault soak (6 min), printing its figures (runs, faults, inconsistent, lost, duplicates); CI runs it"
	@echo "make test-shuffled SEED=7 - integration tests and playbooks in a shuffled order (isolation, 15 min)"
	@echo "make test-playbooks - every playbook end to end against the sandbox (7 min); CI runs it"
	@echo "make test-eda - the alarms end to end through ansible-rulebook, hostile notifications included (6 min); CI runs it"
	@echo "make test-awx - jobs as AWX runs them (ansible_runner, a fresh project update); CI runs it"
	@echo "make test-iam - the least-privilege proofs of every module, IAM enforced (1 min); CI runs it"
	@echo "make test-bad-inputs - the bad-input corpus of every module (4 min); CI runs it"
	@echo "make test-cores - an alarm's event is data on ansible-core 2.17 and 2.18 too (a venv each); CI runs it"
	@echo "make sandbox-up / sandbox-down - keep the emulator and PostgreSQL running for manual work"
	@echo "make molecule SCENARIO=queue_ops - one molecule scenario"

# ---- setup ---------------------------------------------------------------------------------------
system-deps:
	@tests/tools/ensure-system-deps.sh

$(VENV)/.installed: requirements.txt
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

venv: system-deps $(VENV)/.installed

# LocalStack (the second emulator) needs Python >= 3.13: its own venv, from python3.13 on PATH or pyenv's.
LS_VENV     := $(ROOT)/.venv-localstack
LS_PYTHON   ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13))

$(LS_VENV)/.installed: tests/sandbox/requirements-localstack.txt
	@[ -n "$(LS_PYTHON)" ] || { echo "make test-localstack needs python3.13 (PATH or ~/.pyenv/versions/3.13*)"; exit 1; }
	@[ -x $(LS_VENV)/bin/python ] || $(LS_PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/python -m pip install -q --disable-pip-version-check -r tests/sandbox/requirements-localstack.txt
	@touch $@

localstack-venv: $(LS_VENV)/.installed

collection-link:
	@mkdir -p $(COLLECTIONS)/ansible_collections/ops
	@ln -sfn ../../../.. $(COLLECTIONS)/ansible_collections/ops/runbooks

# ---- the two commands ----------------------------------------------------------------------------
demo: venv collection-link
	@$(SANDBOX) run -- bash tests/tools/demo.sh

test: venv collection-link
	@$(MAKE) --no-print-directory side-by-side STEPS="lint unit"
	@$(MAKE) --no-print-directory integration
	@$(MAKE) --no-print-directory side-by-side STEPS="sanity molecule build-check"
	@echo "make test: all steps passed"

# Steps that keep about one core busy each run side by side (the machine has two): each writes its own log, printed
# in turn when all are done; the first failing step's exit code fails the target.
side-by-side:
	@mkdir -p $(BUILD)/logs; \
	for step in $(STEPS); do \
	  ( $(MAKE) --no-print-directory $$step > $(BUILD)/logs/$$step.log 2>&1; echo $$? > $(BUILD)/logs/$$step.rc ) & \
	done; wait; status=0; \
	for step in $(STEPS); do \
	  cat $(BUILD)/logs/$$step.log; rc=$$(cat $(BUILD)/logs/$$step.rc); \
	  echo "== $$step: $$( [ "$$rc" = 0 ] && echo passed || echo "FAILED (exit $$rc)")"; \
	  [ "$$rc" = 0 ] || status=1; \
	done; exit $$status

# ---- steps ---------------------------------------------------------------------------------------
lint: venv collection-link
	@echo "== ansible-lint (production profile, offline)"
	$(BIN)/ansible-lint --offline --profile production

sanity: venv
	@echo "== ansible-test sanity"
	@rm -rf $(BUILD)/sanity && mkdir -p $(BUILD)/sanity/ansible_collections/ops/runbooks $(BUILD)/home/.ansible/test/cache
	@git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t $(BUILD)/sanity/ansible_collections/ops/runbooks
	@for ns in $(DEPS); do ln -sfn $(SITE)/ansible_collections/$$ns $(BUILD)/sanity/ansible_collections/$$ns; done
	@ver=$$(grep -oP "pip='\K[0-9.]+" $(SITE)/ansible_test/_internal/python_requirements.py); \
	  cp tests/tools/get_pip_standin.py $(BUILD)/home/.ansible/test/cache/get_pip_$${ver//./_}.py
	@cd $(BUILD)/sanity/ansible_collections/ops/runbooks && git init -q && git add -A && \
	  HOME=$(BUILD)/home PYTHONPATH= $(BIN)/ansible-test sanity --python 3.11 --color no $(SANITY_ARGS)

unit: venv collection-link
	@echo "== unit tests"
	$(BIN)/python -m pytest -q tests/unit

integration: venv collection-link
	@echo "== integration tests (sandbox: emulator + PostgreSQL)"
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations 15 -m "not least_privilege" --ignore tests/integration/soak \
	  --ignore tests/integration/cores --ignore tests/integration/playbooks --ignore $(BAD_INPUTS) \
	  $(foreach f,$(EDA_TESTS),--ignore $(f)) tests/integration

# The bad-input corpus (385 cases, every module: a clear failure naming the parameter, no traceback, nothing changed):
# about 4 minutes in one worker (one file), a step of its own to keep make test within 15 minutes (CI runs it).
BAD_INPUTS  := tests/integration/modules/test_bad_inputs.py
test-bad-inputs: venv collection-link
	@echo "== the bad-input corpus (sandbox: emulator + PostgreSQL)"
	$(BIN)/python -m pytest -q $(BAD_INPUTS)

# The least-privilege proofs (every module with its documented IAM actions only, then each action taken away, in the
# IAM-enforcing sandbox): about a minute on two workers, a step of its own (CI runs it).
test-iam: venv collection-link
	@echo "== least-privilege proofs (IAM-enforcing sandbox)"
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations 5 -m least_privilege tests/integration/modules

# Isolation: the integration tests and the playbooks end to end in an order shuffled with SEED (default: the day of
# the year), so that no test depends on what ran before it on its worker's sandbox. Not in CI's path (about 15
# minutes); run it when a test changes shared resources.
SEED ?= $(shell date +%j)
test-shuffled: venv collection-link
	@echo "== integration tests and playbooks, shuffled (seed $(SEED))"
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --shuffle $(SEED) -m "not least_privilege" --ignore tests/integration/soak \
	  --ignore tests/integration/cores $(foreach f,$(EDA_TESTS) $(AWX_TESTS),--ignore $(f)) tests/integration

# The playbooks end to end (each case a few ansible-playbook runs against the sandbox): about 7 minutes on two
# workers, a step of its own (CI runs it) - but the alarm events and the AWX jobs, below.
test-playbooks: venv collection-link
	@echo "== the playbooks end to end (sandbox: emulator + PostgreSQL)"
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations 15 \
	  $(foreach f,$(EDA_TESTS) $(AWX_TESTS),--ignore $(f)) tests/integration/playbooks

# The alarms end to end: ansible-rulebook (a JVM) with the source, the rulebook and the full procedures, an attacker's
# notifications among them - each case a few rulebook runs - and alarm events given to the playbooks directly:
# about 6 minutes in all, a step of its own (CI runs it).
EDA_TESTS   := tests/integration/eda/test_alarm_response.py tests/integration/playbooks/test_alarm_events.py
test-eda: venv collection-link
	@echo "== alarms end to end through ansible-rulebook, and alarm events (sandbox: emulator + PostgreSQL)"
	$(BIN)/python -m pytest -q -n 2 --dist loadfile $(EDA_TESTS)

# Jobs run as AWX runs them (ansible_runner in fresh private data directories, collections from the project update):
# about 2 minutes, a step of its own (CI runs it).
AWX_TESTS   := tests/integration/playbooks/test_awx_runner.py tests/integration/playbooks/test_secrets_sweep.py
test-awx: venv collection-link
	@echo "== jobs as AWX runs them (sandbox: emulator + PostgreSQL)"
	$(BIN)/python -m pytest -q -s $(AWX_TESTS)

# The execution environment allows ansible-core 2.17-2.19: an alarm's event must be data on each (2.17 and 2.18
# evaluate strings in facts that 2.19 never does). One venv per older core, from PyPI, beside the main one.
CORES       := 2.17.14 2.18.19
core-venvs:
	@for v in $(CORES); do \
	  [ -x $(BUILD)/core-$$v/bin/ansible-playbook ] || { $(PYTHON) -m venv $(BUILD)/core-$$v && \
	    $(BUILD)/core-$$v/bin/python -m pip install -q --disable-pip-version-check "ansible-core==$$v" \
	      "$$(grep '^boto3==' requirements.txt)" "$$(grep '^botocore==' requirements.txt)"; }; \
	done

test-cores: venv collection-link core-venvs
	@echo "== an alarm's event is data on every ansible-core the EE allows ($(CORES) and the venv's)"
	OPS_RUNBOOKS_CORES="$(foreach v,$(CORES),$(BUILD)/core-$(v))" $(BIN)/python -m pytest -q tests/integration/cores

# The tests marked `localstack` (SQS, S3, CloudWatch, Logs modules) through the same fixtures, the sandbox running
# LocalStack instead of moto; a test LocalStack cannot run says why (moto_only marker), listed by -rs.
test-localstack: venv collection-link localstack-venv
	@echo "== integration tests against LocalStack (second emulator)"
	OPS_RUNBOOKS_EMULATOR=localstack OPS_RUNBOOKS_LOCALSTACK_PYTHON=$(LS_VENV)/bin/python \
	  $(BIN)/python -m pytest -q -rs -n 2 --dist loadfile -m localstack tests/integration

soak: venv collection-link
	@echo "== soak: mutating modules at 20% faults, 10 seeded runs each, with the figures (CI runs it after make test)"
	$(BIN)/python -m pytest -q -s tests/integration/soak

molecule: venv collection-link
	@echo "== molecule scenarios (one sandbox for all of them)"
	@rm -rf $(BUILD)/home/.ansible/tmp/molecule.*
	@HOME=$(BUILD)/home $(SANDBOX) run -- bash tests/tools/molecule.sh $(SCENARIO)


build-check: venv
	@echo "== ansible-galaxy collection build + install + ansible-doc"
	@rm -rf $(BUILD)/dist $(BUILD)/install && mkdir -p $(BUILD)/dist $(BUILD)/install
	$(BIN)/ansible-galaxy collection build --output-path $(BUILD)/dist --force .
	@# Only the installed tarball may be visible: no repo ansible.cfg, no PYTHONPATH link, no sys.path scan.
	cd $(BUILD) && env -u ANSIBLE_CONFIG -u PYTHONPATH ANSIBLE_COLLECTIONS_PATH=$(BUILD)/install:$(SITE) \
	  $(BIN)/ansible-galaxy collection install --offline --no-deps --force -p $(BUILD)/install dist/ops-runbooks-*.tar.gz
	@for m in plugins/modules/*.py; do \
	  name=$$(basename $$m .py); \
	  (cd $(BUILD) && env -u ANSIBLE_CONFIG -u PYTHONPATH ANSIBLE_COLLECTIONS_PATH=$(BUILD)/install:$(SITE) \
	    ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false $(BIN)/ansible-doc -t module ops.runbooks.$$name) > $(BUILD)/doc-$$name.txt; \
	  head -n 1 $(BUILD)/doc-$$name.txt; \
	  grep -q "$(BUILD)/install/ansible_collections/ops/runbooks/plugins/modules/$$name.py" $(BUILD)/doc-$$name.txt; \
	done
	@# Event-Driven Ansible finds the rulebooks and the event source in the installed collection by FQCN.
	@for f in extensions/eda/rulebooks/alarm_response.yml extensions/eda/rulebooks/alarm_response_aap.yml \
	          extensions/eda/plugins/event_source/alarm_queue.py plugins/module_utils/alarms.py \
	          inventories/shared/runbook_001_alarms.yml; do \
	  test -f $(BUILD)/install/ansible_collections/ops/runbooks/$$f || { echo "not in the built collection: $$f"; exit 1; }; \
	done; echo "extensions/eda: rulebooks, event source (with the rules it loads by path) and alarm catalogue in the built collection"

sandbox-up: venv collection-link
	$(SANDBOX) up

sandbox-down:
	$(SANDBOX) down

bench: venv collection-link
	$(BIN)/python bench/run.py

clean: sandbox-down
	rm -rf $(BUILD) reports
