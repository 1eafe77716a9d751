# -*- coding: utf-8 -*-
"""playbooks/inventory_check.yml: the inventory's names against a system deployed by CloudFormation (names the
emulator generates, tests/integration/cfn_system.py), both ways - a stale name fails, a resource of the stack the
inventory does not name warns, a kind with nothing on either side is skipped, never a pass - and a run whose
inventory agrees with its stack is green."""
from __future__ import annotations

import json
import uuid

import pytest

from cfn_system import deploy, physical, remove

pytestmark = pytest.mark.moto_only("CloudFormation with Lambda and DynamoDB: moto's services")


def _report(proc):
    return json.loads((proc.reports / "inventory-check-local.json").read_text())


def test_drift_both_ways_then_an_inventory_that_agrees(aws, run_playbook):
    name = "agenticai-" + uuid.uuid4().hex[:8]
    resources = deploy(aws, name)
    try:
        function, items = physical(resources, "ApiHandler"), physical(resources, "Items")
        child = aws("cloudformation").list_stack_resources(StackName=physical(resources, "Nested"))
        sessions = child["StackResourceSummaries"][0]["PhysicalResourceId"]
        stale = {"ops_runbooks_discovery": {"stacks": [name]}, "ops_runbooks_functions": [name + "-ApiHandler-OLD1"],
                 "ops_runbooks_tables": [items], "ops_runbooks_buckets": []}
        proc = run_playbook("playbooks/inventory_check.yml", stale)
        assert proc.returncode != 0 and "check(s) failed" in proc.stdout, proc.stdout[-3000:]
        checks = {c["resource"]: c for c in _report(proc)["checks"]}
        assert checks[name + "-ApiHandler-OLD1"]["status"] == "fail"
        assert "ops_runbooks_functions names %s-ApiHandler-OLD1" % name in checks[name + "-ApiHandler-OLD1"]["reason"]
        assert checks[function]["status"] == "warn" and checks[function]["reason"].startswith("stack " + name)
        assert checks[sessions]["status"] == "warn"  # the nested stack's table, not in the inventory
        assert checks["buckets"]["status"] == "skipped" and checks["stack " + name]["status"] == "pass"
        assert items not in checks  # named and found: the kind is not all agreed (Sessions), so no pass for it

        agreed = dict(stale, ops_runbooks_functions=[function], ops_runbooks_tables=[sessions, items])
        again = run_playbook("playbooks/inventory_check.yml", agreed)
        assert again.returncode == 0, again.stdout[-3000:]
        statuses = {c["resource"]: c["status"] for c in _report(again)["checks"]}
        assert statuses == {"stack " + name: "pass", "functions": "pass", "tables": "pass", "buckets": "skipped"}
    finally:
        remove(aws, name)


def test_without_a_source_it_names_the_inventory_variable(run_playbook):
    proc = run_playbook("playbooks/inventory_check.yml", {})
    assert proc.returncode != 0 and "ops_runbooks_discovery: name the system's stacks" in proc.stdout, proc.stdout[-2000:]


def test_a_mistyped_source_fails_naming_it_in_the_check_and_in_every_procedure(run_playbook):
    """``stack`` for ``stacks``: once ignored (the play ran on the typed names alone), now the inventory check and
    the role fleet of every playbook fail naming the key - one rule, filter ops.runbooks.discovery_sources."""
    mistyped = {"ops_runbooks_discovery": {"stack": ["agenticai-stack"]}}
    for playbook in ("playbooks/inventory_check.yml", "playbooks/lambda_rollback.yml"):
        proc = run_playbook(playbook, dict(mistyped, lambda_rollback_functions=["ai-investment-score"]))
        assert proc.returncode != 0, proc.stdout[-2000:]
        assert "ops_runbooks_discovery: stack: not a source (stacks, tags, name_prefixes)" in proc.stdout, \
            proc.stdout[-2000:]
        assert "Traceback" not in proc.stdout + proc.stderr


def test_sources_with_shell_metacharacters_are_text(run_playbook, tmp_path):
    """A stack name AWS refuses, a tag and a prefix carrying shell metacharacters: each reaches AWS and the report as
    text - nothing run - and each is a failed source (it holds nothing), never a pass. (Jinja in them is not a case
    here: extra vars and inventories are the operator's own playbook input, which Ansible evaluates by design; the
    strings AWS returns into this report are the names of functions, tables and buckets, whose characters AWS
    restricts.)"""
    marker = tmp_path / "ran"
    shell = "x$(touch %s)`touch %s`;touch %s" % (marker, marker, marker)
    proc = run_playbook("playbooks/inventory_check.yml", {
        "ops_runbooks_discovery": {"stacks": [shell], "tags": {"Project": shell}, "name_prefixes": [shell]},
        "ops_runbooks_functions": [], "ops_runbooks_tables": [], "ops_runbooks_buckets": []})
    assert proc.returncode != 0 and not marker.exists(), proc.stdout[-3000:]
    checks = {c["resource"]: c for c in _report(proc)["checks"] if c["check"] == "discovery"}
    assert checks["prefix " + shell]["status"] == "fail" and checks["tags Project=" + shell]["status"] == "fail"
    assert checks["stack " + shell]["status"] == "fail"  # AWS refuses the name: a failed read, with AWS's reason
