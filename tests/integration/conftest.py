# -*- coding: utf-8 -*-
"""Fixtures for integration tests: the sandbox (the same code as `make demo`) and ways to run modules for real.

- ``sandbox``: one emulator + PostgreSQL for the session, seeded with the seed 001 environment.
- ``aws``: boto3 clients on the sandbox (``aws("sqs")``), for arranging and asserting emulator state.
- ``run_module``: runs a module of the collection as Ansible does (a subprocess reading its args file, JSON out),
  with the sandbox's endpoint and credentials; returns the parsed result. A traceback fails the test.
- ``iam_sandbox`` / ``iam_user``: a second sandbox that enforces IAM, for least-privilege proofs.
- ``run_playbook``: ansible-playbook against inventories/local pointed at the sandbox.
- ``faults``: a fault-injecting proxy (tests/sandbox/faults.py) in front of the sandbox's emulator, injecting
  nothing until configured; ``run_module_faulty`` runs a module through it.
- ``emulator``: "moto" or "localstack" - which one the sandbox runs ($OPS_RUNBOOKS_EMULATOR).

Two emulators: ``make integration`` runs everything on moto; ``make test-localstack`` runs the tests marked
``localstack`` (modules on SQS, S3, CloudWatch, Logs) again with the sandbox on LocalStack. A test that cannot run
there carries ``moto_only(reason)`` - LocalStack diverging from AWS, or a service it lacks - and is reported skipped
with that reason (``-rs``), never silently; ``localstack_only(reason)`` the other way round. Tests using
``iam_sandbox`` are moto-only by construction (LocalStack's community edition does not enforce IAM).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "sandbox"))
sys.path.insert(0, HERE)  # the tests' shared helpers (iam.py, alarm_world.py, queues.py, pgadmin.py)

from faults import FaultProxy  # noqa: E402  pylint: disable=wrong-import-position
from sandbox import Sandbox  # noqa: E402  pylint: disable=wrong-import-position
from sandbox import default_emulator  # noqa: E402  pylint: disable=wrong-import-position
import iam  # noqa: E402  pylint: disable=wrong-import-position

COLLECTIONS = os.path.join(ROOT, ".build", "collections")
EMULATOR = default_emulator()


IAM_PROOFS = os.path.join(ROOT, ".build", "iam-proofs")
IAM_LEDGER = os.path.join(HERE, "iam_proofs.yml")


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller: a fresh directory for this session's IAM proofs
        shutil.rmtree(IAM_PROOFS, ignore_errors=True)
        os.environ[iam.PROOFS_ENV] = IAM_PROOFS  # inherited by the xdist workers
    config.addinivalue_line("markers", "localstack: also run against LocalStack by make test-localstack")
    config.addinivalue_line("markers", "moto_only(reason): cannot run on LocalStack, for the reason given")
    config.addinivalue_line("markers", "localstack_only(reason): shows what only LocalStack does as AWS does")
    config.addinivalue_line("markers", "least_privilege: an IAM proof (every test using iam_sandbox; make test-iam)")


def pytest_addoption(parser):
    parser.addoption("--shuffle", type=int, default=None, metavar="SEED",
                     help="run the tests in an order shuffled with SEED (files and the tests in each file): no "
                          "test may depend on what ran before it on its worker's sandbox")


def pytest_collection_modifyitems(config, items):
    """Skip, with the marker's reason, what the running emulator cannot show; with --shuffle SEED, shuffle the order
    (the same in every xdist worker: the seed decides it)."""
    seed_ = config.getoption("shuffle")
    if seed_ is not None:
        random.Random(seed_).shuffle(items)
    other = "localstack_only" if EMULATOR == "moto" else "moto_only"
    for item in items:
        if "iam_sandbox" in item.fixturenames:  # the least-privilege proofs: a target of their own (make test-iam)
            item.add_marker(pytest.mark.least_privilege)
        marker = item.get_closest_marker(other)
        if marker:
            reason = marker.args[0] if marker.args else marker.kwargs["reason"]
        elif EMULATOR != "moto" and "iam_sandbox" in item.fixturenames:
            reason = "least-privilege proof: LocalStack's community edition does not enforce IAM"
        else:
            continue
        item.add_marker(pytest.mark.skip(reason="%s - %s" % (other.replace("_", " "), reason)))


@pytest.fixture(scope="session")
def emulator():
    return EMULATOR


@pytest.fixture(scope="session")
def sandbox():
    box = Sandbox().start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture(scope="session")
def iam_sandbox():
    box = Sandbox(iam=True, emulator="moto").start()
    try:
        _canary(box)
        yield box
    finally:
        box.stop()


def _canary(box):
    """A user with an empty policy must be denied: if IAM enforcement silently turned off, every least-privilege
    proof would pass for the wrong reason - fail loudly here instead."""
    import botocore.exceptions
    nobody = box.iam_user({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]})
    try:
        box.client("sqs", credentials=nobody).list_queues()
    except botocore.exceptions.ClientError as e:
        if "not authorized to perform: sqs:ListQueues" not in str(e):
            raise AssertionError("the IAM canary was denied for another reason: %s" % e) from None
        return
    raise AssertionError("IAM enforcement is off: a user without sqs:ListQueues listed queues")


@pytest.fixture
def aws(sandbox):
    return sandbox.client


def _run_module(box, name, args, check_mode=False, diff=False, credentials=None, aws=True, endpoint_url=None):
    creds = credentials or box.admin_credentials
    module_args = dict(_ansible_check_mode=check_mode, _ansible_diff=diff)
    if aws:  # the connection options of the AWS modules (not for e.g. http_check)
        module_args.update(endpoint_url=endpoint_url or box.endpoint_url, region="eu-central-1",
                           access_key=creds["aws_access_key_id"], secret_key=creds["aws_secret_access_key"])
    module_args.update(args)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([COLLECTIONS] + sys.path))
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        env.pop(key, None)
    proc = subprocess.run(
        [sys.executable, "-m", "ansible_collections.ops.runbooks.plugins.modules." + name],
        input=json.dumps({"ANSIBLE_MODULE_ARGS": module_args}),
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("module %s did not return JSON (traceback?)\nstdout: %s\nstderr: %s"
                             % (name, proc.stdout, proc.stderr)) from None
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "exception" not in result or result.get("failed"), result
    return result


@pytest.fixture
def run_module(sandbox):
    def run(name, args, **kwargs):
        return _run_module(sandbox, name, args, **kwargs)

    return run


@pytest.fixture
def faults(sandbox):
    """A FaultProxy in front of the sandbox's emulator (seed 0, no fault until ``faults.configure(...)``)."""
    proxy = FaultProxy(sandbox.emulator_port, lifetime=900).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def run_module_faulty(sandbox, faults):
    def run(name, args, **kwargs):
        return _run_module(sandbox, name, args, endpoint_url=faults.endpoint_url, **kwargs)

    return run


@pytest.fixture
def run_module_iam(iam_sandbox):
    def run(name, args, credentials, **kwargs):
        return iam.ModuleResult(name, _run_module(iam_sandbox, name, args, credentials=credentials, **kwargs))

    return run


@pytest.fixture
def run_playbook(sandbox, tmp_path):
    """ansible-playbook PLAYBOOK against inventories/local (or ``inventory``) with the sandbox's details as extra
    vars."""

    def run(playbook, extra_vars=None, check=False, extra_inventory=None, reports=None, inventory=None, forks=None,
            collections=None, verbosity=0):
        reports = reports or tmp_path / "reports"  # another directory: a job on another machine / in fresh AWX dir
        details = dict(sandbox.details())
        details.update(extra_vars or {})
        vars_file = tmp_path / "sandbox_vars.json"
        vars_file.write_text(json.dumps(details))
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
                   OPS_RUNBOOKS_REPORTS_DIR=str(reports), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_SHOW_CUSTOM_STATS="true",  # what AWX keeps as the job's artifacts (set_stats)
                   ANSIBLE_COLLECTIONS_PATH=str(collections or COLLECTIONS))  # another copy of the collection
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), os.path.join(ROOT, playbook),
               "-i", str(inventory or os.path.join(ROOT, "inventories", "local")), "-e", "@%s" % vars_file]
        if forks:
            cmd += ["--forks", str(forks)]
        if extra_inventory:  # a second inventory source beside inventories/local (more hosts, same group_vars)
            inventory_file = tmp_path / "extra_inventory.json"
            inventory_file.write_text(json.dumps(extra_inventory))
            cmd += ["-i", str(inventory_file)]
        if check:
            cmd.append("--check")
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=900, check=False)
        proc.reports = reports
        return proc

    return run


def iam_coverage(proofs_dir=IAM_PROOFS, ledger_path=IAM_LEDGER):
    """The documented IAM actions of every module against what was proven: ``(documented, proven by removal,
    proven with the Stubber, checked by AWS on another call, listed as not yet proven, problems)``. Problems: an action neither proven nor listed, a
    listed one that is now proven (take it off the list), a ledger entry no module documents."""
    with open(ledger_path, encoding="utf-8") as f:
        ledger = yaml.safe_load(f) or {}
    documented = iam.every_documented_action(os.path.join(ROOT, "plugins", "modules"))
    removed = iam.proven(proofs_dir) & documented
    listed = dict((part, set((m, a) for m, actions in (ledger.get(part) or {}).items() for a in actions))
                  for part in ("stubber", "aws_side", "unproven"))
    stubbed, aws_side, unproven = listed["stubber"], listed["aws_side"], listed["unproven"]
    problems = ["%s %s: documented, proven by no test and not listed in %s" % (m, a, os.path.basename(ledger_path))
                for m, a in sorted(documented - removed - stubbed - aws_side - unproven)]
    problems += ["%s %s: proven now - take it off the %s list" % (m, a, part)
                 for part in ("unproven", "aws_side") for m, a in sorted(listed[part] & removed)]
    problems += ["%s %s: in the ledger, documented by no module" % pair
                 for pair in sorted((stubbed | aws_side | unproven) - documented)]
    return documented, removed, stubbed - removed, aws_side - removed, unproven - removed, problems


def pytest_sessionfinish(session, exitstatus):  # pylint: disable=unused-argument
    """make test-iam (-m least_privilege, every module): the count of documented IAM actions proven needed - each
    removed from a policy in a test, or shown with the Stubber where the emulator does not enforce it - and a
    failure for any action neither proven nor on the ledger's (shrinking) list of actions not yet proven."""
    config = session.config
    if hasattr(config, "workerinput") or config.getoption("markexpr") != "least_privilege" \
            or config.getoption("keyword") or EMULATOR != "moto" or session.testsfailed:
        return
    documented, removed, stubbed, aws_side, unproven, problems = iam_coverage()
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_line("IAM actions proven needed: %d of %d documented (%d removed in a test, %d with the "
                            "Stubber); %d checked by AWS on another call; %d not yet proven (%s)" % (
                                len(removed) + len(stubbed), len(documented), len(removed), len(stubbed),
                                len(aws_side), len(unproven), os.path.relpath(IAM_LEDGER, ROOT)))
        for problem in problems:
            reporter.write_line("IAM: " + problem, red=True)
    if problems:
        session.exitstatus = 1
