# -*- coding: utf-8 -*-
"""An alarm's event is data on ansible-core 2.17 and 2.18 too (`make test-cores`, which CI runs, builds a venv per
older core and names them in $OPS_RUNBOOKS_CORES), and on 2.19, the core the collection needs.

ansible-core 2.19 never evaluates a string that did not come from a playbook, inventory or extra vars; 2.17 and 2.18
evaluate any string of a fact that is not marked unsafe. The event is the one the event source makes of a real alarm
whose name, description, reason and dimensions carry Jinja. On 2.19 the incident playbook runs it acting (a
rollback, its record, its report) and planning (production: the plan and the command it suggests); on 2.17 and 2.18,
where the procedures' roles do not run (they need 2.19's templating: the collection requires it), the part that
takes the event in - roles fleet and alarm, module alarm_verify, filter alarm_inputs - runs it and writes the
procedure's inputs down. The marker file is never created. A control on each core shows the test can fail: the same
alarm's event as the source made it before it wrote strings inert runs the command.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import function_tags
import pytest
import yaml

from ansible_collections.ops.runbooks.plugins.module_utils import alarms

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SITE = os.path.dirname(os.path.dirname(__import__("ansible_collections.amazon").amazon.__path__[0]))  # site-packages
CORES = [os.path.join(os.path.dirname(sys.executable), os.pardir)] + \
    [c for c in os.environ.get("OPS_RUNBOOKS_CORES", "").split() if c]
FUNCTION = "ai-investment-streaming"

pytestmark = pytest.mark.moto_only("the incident playbook runs Lambda and DynamoDB: moto's services")


def _core_version(core):
    out = subprocess.run([os.path.join(core, "bin", "ansible"), "--version"], capture_output=True, text=True,
                         check=True).stdout
    return out.split("core ", 1)[1].split("]", 1)[0]


def test_the_older_cores_are_here_when_make_test_cores_runs():
    if os.environ.get("OPS_RUNBOOKS_CORES") is not None:
        assert sorted(_core_version(c)[:4] for c in CORES) == ["2.17", "2.18", "2.19"]


@pytest.fixture(scope="module")
def catalogue():
    with open(os.path.join(ROOT, "inventories", "shared", "runbook_001_alarms.yml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)["ops_runbooks_alarm_catalogue"]


def _event(sandbox, catalogue, name, hostile, inert=True):
    """The event of a notification of alarm ``name`` as the source makes it (inert) or as it made it before."""
    message = {"AlarmName": name, "NewStateValue": "ALARM", "OldStateValue": "OK", "NewStateReason": hostile,
               "AlarmDescription": hostile, "AWSAccountId": "123456789012",
               "StateChangeTime": "2026-11-23T08:00:00.000+0000",
               "AlarmArn": "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:" + name,
               "Trigger": {"MetricName": "Errors", "Namespace": "AWS/Lambda", "Statistic": "SUM", "Threshold": 5.0,
                           "Dimensions": [{"name": hostile, "value": hostile}, {"name": "FunctionName", "value": FUNCTION}]}}
    claim = alarms.parse_message(json.dumps(message))
    described = alarms.describe(sandbox.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0],
                                "123456789012", "eu-central-1")
    event = alarms.event_of(claim, described, alarms.classify(described, catalogue))
    return event if inert else alarms.restore(event)


def _core_env(core, **extra):
    """The environment of an ansible-playbook of ``core``: this collection and the venv's collections, no venv of
    the test's own leaking in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ANSIBLE_CONFIG", "VIRTUAL_ENV")}
    env.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([os.path.join(ROOT, ".build", "collections"), SITE]),
               PATH=os.path.join(core, "bin") + os.pathsep + os.environ.get("PATH", ""), **extra)
    return env


def _run(sandbox, core, tmp_path, extra, playbook=os.path.join(ROOT, "playbooks", "incident.yml")):
    vars_file = tmp_path / ("vars-%s.json" % uuid.uuid4().hex[:6])
    vars_file.write_text(json.dumps(dict(sandbox.details(), ops_runbooks_alarm_raw_delivery=True, **extra)))
    env = _core_env(core, OPS_RUNBOOKS_REPORTS_DIR=str(tmp_path / "reports"))
    return subprocess.run([os.path.join(core, "bin", "ansible-playbook"), playbook,
                           "-i", os.path.join(ROOT, "inventories", "local"), "-e", "@%s" % vars_file],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600, check=False)


def _hostile_alarm(sandbox, tmp_path):
    marker = tmp_path / "evaluated"
    hostile = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % marker
    name = "ai-investment-%s-%s-error-rate" % (uuid.uuid4().hex[:4], hostile)
    sandbox.fire_alarm(name, dimensions={"FunctionName": FUNCTION, hostile: hostile}, description=hostile,
                       reason=hostile)
    return marker, hostile, name


def _control(sandbox, catalogue, core, tmp_path, marker, hostile, name, playbook):
    """The same alarm's event as the source made it before it wrote its strings inert: the command runs."""
    _run(sandbox, core, tmp_path, {"ansible_eda": {"event": _event(sandbox, catalogue, name, hostile, inert=False)},
                                   "ops_runbooks_production": True, "alarm_inputs_file": str(tmp_path / "c.json")},
         playbook)
    assert marker.exists(), "the control did not evaluate the raw event: this test could not fail"


@pytest.mark.parametrize("core", CORES[1:], ids=lambda c: "core-" + _core_version(c))
def test_the_alarms_inputs_are_data_on_the_older_cores(sandbox, catalogue, core, tmp_path):
    marker, hostile, name = _hostile_alarm(sandbox, tmp_path)
    playbook, written = os.path.join(os.path.dirname(os.path.abspath(__file__)), "alarm_inputs.yml"), tmp_path / "in.json"
    try:
        proc = _run(sandbox, core, tmp_path, {"ansible_eda": {"event": _event(sandbox, catalogue, name, hostile)},
                                              "alarm_inputs_file": str(written)}, playbook)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        assert not marker.exists()
        inputs = json.loads(written.read_text())
        assert inputs == {"title": "Alarm " + name, "functions": [FUNCTION], "impact": hostile, "actions": ["rollback"],
                          "plan_only": False, "reason": ""}
        _control(sandbox, catalogue, core, tmp_path, marker, hostile, name, playbook)
    finally:
        sandbox.client("cloudwatch").delete_alarms(AlarmNames=[name])
        sandbox.client("dynamodb").delete_item(TableName="ops-runbooks-incidents",
                                               Key={"id": {"S": "local/alarm-actions"}})


def test_an_alarms_event_is_data_in_every_procedure_on_the_core_the_collection_needs(sandbox, catalogue, tmp_path):
    core = CORES[0]
    lam, cloudwatch = sandbox.client("lambda"), sandbox.client("cloudwatch")
    seeded = lam.get_alias(FunctionName=FUNCTION, Name="live")
    seeded_tags = function_tags.tags(lam, FUNCTION)[1]
    marker, hostile, name = _hostile_alarm(sandbox, tmp_path)
    ddb = sandbox.client("dynamodb")
    try:
        acting = _run(sandbox, core, tmp_path, {"ansible_eda": {"event": _event(sandbox, catalogue, name, hostile)}})
        assert acting.returncode == 0, acting.stdout[-3000:] + acting.stderr[-2000:]
        assert not marker.exists()
        assert lam.get_alias(FunctionName=FUNCTION, Name="live")["FunctionVersion"] == str(
            int(seeded["FunctionVersion"]) - 1)  # it acted: the rollback ran, on CloudWatch's function
        planning = _run(sandbox, core, tmp_path, {"ansible_eda": {"event": _event(sandbox, catalogue, name, hostile)},
                                                  "ops_runbooks_production": True, "incident_response_id": "INC-CORE-%s"
                                                  % uuid.uuid4().hex[:6]})
        assert planning.returncode == 0, planning.stdout[-3000:] + planning.stderr[-2000:]
        assert not marker.exists()
        [report] = (tmp_path / "reports").glob("incident-INC-CORE-*-local.md")
        assert "Run it: `ansible-playbook ops.runbooks.incident" in report.read_text()
        _control(sandbox, catalogue, core, tmp_path, marker, hostile, name,
                 os.path.join(os.path.dirname(os.path.abspath(__file__)), "alarm_inputs.yml"))
    finally:
        cloudwatch.delete_alarms(AlarmNames=[name])
        lam.update_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=seeded["FunctionVersion"],
                         Description=seeded.get("Description", ""))
        function_tags.put_back(lam, FUNCTION, seeded_tags)
        ddb.delete_item(TableName="ops-runbooks-incidents", Key={"id": {"S": "local/alarm-actions"}})


NAMES_PLAY = """
- name: Discovered names are data
  hosts: localhost
  gather_facts: false
  vars:
    typed: ["%(hostile)s-Api-1", other-fn]
  tasks:
    - name: The names as AWS would give them (a module's answer, as resource_discovery's)
      ansible.builtin.command: {argv: [cat, "%(names)s"]}
      register: found
      changed_when: false
    - name: Resolve, merge and say what is ambiguous
      ansible.builtin.set_fact:
        resolved: "{{ 'Api' | ops.runbooks.resolved_function(%(known)s) }}"
        switched: "{{ [{'function_name': 'Api', 'variable': 'T'}] | ops.runbooks.resolved_functions(%(known)s) }}"
        merged: "{{ {'topics': %(known)s, 'apis': [{'name': (%(known)s)[0]}, {'name': 'b'}],
                     'functions': %(known)s} | ops.runbooks.discovered_inventory({}) }}"
    - name: Use them as a role would
      ansible.builtin.debug:
        msg: "{{ resolved }} | {{ switched[0].function_name }} | {{ merged.ambiguous | join(' / ') }}"
"""


def _names_run(core, tmp_path, known):
    marker = tmp_path / ("names-%s" % uuid.uuid4().hex[:6])
    hostile = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % marker
    names = tmp_path / "names.txt"
    names.write_text("%s-Api-1\nother-fn\n" % hostile)
    play = tmp_path / "names.yml"
    play.write_text(NAMES_PLAY % {"names": names, "known": known, "hostile": hostile.replace('"', '\\"')})
    env = _core_env(core)
    proc = subprocess.run([os.path.join(core, "bin", "ansible-playbook"), str(play), "-i", "localhost,",
                           "-c", "local", "-e", "ansible_python_interpreter=" + os.path.join(core, "bin", "python")],
                          capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=300, check=False)
    return proc, marker, hostile


@pytest.mark.parametrize("core", CORES, ids=lambda c: "core-" + _core_version(c))
def test_discovered_names_are_data_through_the_discovery_filters_on_every_core(core, tmp_path):
    """Function, topic and API names as AWS answers them (a module's answer, as resource_discovery's) carrying Jinja:
    the filters the fleet role and the procedures resolve names with (resolved_function, resolved_functions,
    discovered_inventory, which composes the "ambiguous" message from the names) return them as data on every core -
    the marker is never created and the names come back verbatim. The control is the same play on the same names
    typed into the play (a template by definition): the command runs, so the test can fail."""
    proc, marker, hostile = _names_run(core, tmp_path, "found.stdout_lines")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert not marker.exists(), "a discovered name was evaluated:\n" + proc.stdout[-3000:]
    assert proc.stdout.count(hostile + "-Api-1") >= 3, proc.stdout[-3000:]  # resolved, switched, ambiguous
    proc, marker, hostile = _names_run(core, tmp_path, "typed")
    assert marker.exists(), "the control's typed names were not evaluated: this test could not fail\n" + \
        proc.stdout[-3000:] + proc.stderr[-3000:]
