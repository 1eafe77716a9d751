# -*- coding: utf-8 -*-
"""The rulebooks in extensions/eda/rulebooks: valid for ansible-rulebook (its own JSON schema and condition parser),
the AAP twin with the same rules as the ansible-rulebook one, every procedure of the alarm catalogue answered by a
rule, every playbook a rule runs turning the alarm into its inputs (role ops.runbooks.alarm), every job template a
rule launches defined in playbooks/vars/awx_objects.yml, taking the event (ask_variables) and answered every survey
question. The rulebook running end to end: tests/integration/eda/test_alarm_response.py."""
from __future__ import annotations

import os
import re

import pytest
import yaml

from ansible_collections.ops.runbooks.plugins.filter.alarm import CHECKED, alarm_inputs
from ansible_collections.ops.runbooks.plugins.module_utils.alarms import check_catalogue

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RULEBOOKS = os.path.join(ROOT, "extensions", "eda", "rulebooks")


def _load(*path):
    with open(os.path.join(ROOT, *path)) as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def books():
    return {name: _load("extensions", "eda", "rulebooks", name + ".yml") for name in ("alarm_response", "alarm_response_aap")}


def _rules(book):
    [ruleset] = book
    return ruleset["rules"]


def _action(rule):
    [(kind, args)] = rule["action"].items()
    return kind, args


def test_the_rulebooks_are_valid_for_ansible_rulebook(books):
    from ansible_rulebook.validators import Validate  # pylint: disable=import-outside-toplevel
    from ansible_rulebook.condition_parser import parse_condition  # pylint: disable=import-outside-toplevel

    assert sorted(os.listdir(RULEBOOKS)) == ["alarm_response.yml", "alarm_response_aap.yml"]
    for book in books.values():
        Validate.rulebook(book)
        for rule in _rules(book):
            parse_condition(rule["condition"])  # raises on a condition ansible-rulebook cannot read


def test_the_aap_rulebook_has_the_same_rules_and_source(books):
    plain, aap = books["alarm_response"], books["alarm_response_aap"]
    assert plain[0]["sources"] == aap[0]["sources"] and plain[0]["hosts"] == aap[0]["hosts"]
    assert [(r["name"], r["condition"], r.get("throttle")) for r in _rules(plain)] == \
        [(r["name"], r["condition"], r.get("throttle")) for r in _rules(aap)]
    for mine, theirs in zip(_rules(plain), _rules(aap)):
        assert (_action(mine)[0], _action(theirs)[0]) in {("run_playbook", "run_job_template"), ("debug", "debug")}


def test_every_procedure_of_the_catalogue_has_a_rule_and_duplicates_are_throttled(books):
    catalogue = [entry for name in ("runbook_001_alarms.yml", "runbook_004_alarms.yml")
                 for entry in _load("inventories", "shared", name)["ops_runbooks_alarm_catalogue"]]
    for name in ("runbook_001_alarms.yml", "runbook_004_alarms.yml"):  # each system's catalogue is a valid one
        check_catalogue(_load("inventories", "shared", name)["ops_runbooks_alarm_catalogue"], name)
    routed = {}
    for rule in _rules(books["alarm_response"]):
        procedure = re.search(r'event\.runbook\.procedure == "(\w+)"', rule["condition"]).group(1)
        if 'event.alarm.state == "ALARM"' in rule["condition"]:
            routed[procedure] = rule
        if _action(rule)[0] == "run_playbook":
            # one run per state change of an alarm: its copies (SNS redelivery, someone's) are throttled, the alarm
            # firing again after its OK is a new episode and runs again
            assert rule["throttle"] == {"once_within": "15 minutes",
                                        "group_by_attributes": ["event.alarm.name", "event.alarm.episode"]}
    assert {e["procedure"] for e in catalogue} <= set(routed)
    assert _action(routed["none"])[0] == "debug"  # nothing runs for it
    ok = [r for r in _rules(books["alarm_response"]) if 'event.alarm.state == "OK"' in r["condition"]]
    assert len(ok) == 1 and 'event.runbook.procedure == "incident"' in ok[0]["condition"]  # OK resolves incidents only


def test_every_playbook_a_rule_runs_takes_the_alarm(books):
    for rule in _rules(books["alarm_response"]):
        kind, args = _action(rule)
        if kind != "run_playbook":
            continue
        namespace, collection, name = args["name"].split(".")
        assert (namespace, collection) == ("ops", "runbooks")
        [play] = _load("playbooks", name + ".yml")
        roles = [r["role"] for r in play["roles"]]
        assert roles[:2] == ["ops.runbooks.fleet", "ops.runbooks.alarm"], (name, roles)
        procedure = re.search(r'event\.runbook\.procedure == "(\w+)"', rule["condition"]).group(1)
        assert procedure in play["roles"][1]["vars"]["alarm_procedures"], (name, procedure)
        verified = {"decision": "act", "claim": {"state": "ALARM"}, "alarm": {"name": "a", "reason": "r"},
                    "runbook": {"procedure": procedure, "functions": ["f"], "function": "f", "queue": "q", "table": "t",
                                "actions": []}}
        assert alarm_inputs(verified)["procedure"] == procedure  # the role alarm gives the procedure its inputs


def test_every_job_template_a_rule_launches_exists_takes_the_event_and_gets_every_survey_answer(books):
    templates = {t["name"]: t for t in _load("playbooks", "vars", "awx_objects.yml")["awx_job_templates"]}
    plain = {r["name"]: _action(r) for r in _rules(books["alarm_response"])}
    for rule in _rules(books["alarm_response_aap"]):
        kind, args = _action(rule)
        if kind != "run_job_template":
            continue
        name = re.fullmatch(r"(.+) \(\{\{ ops_runbooks_environment \}\}\)", args["name"]).group(1)
        template = templates[name]
        assert template["playbook"] == "playbooks/%s.yml" % plain[rule["name"]][1]["name"].split(".")[-1], name
        assert template.get("ask_variables") is True, name  # else AWX drops ansible_eda
        # every required survey question answered (AWX would put its default in the alarm's place), and nothing a
        # procedure acts on taken from the event: the job's role alarm takes functions, queues and tables from
        # CloudWatch and refuses an extra var that says otherwise
        asked = {q["variable"] for q in template.get("survey", []) if q.get("required") or "default" in q}
        given = args.get("job_args", {}).get("extra_vars", {})
        assert asked <= set(given), (name, asked - set(given))
        assert not set(given) & set(CHECKED) - {"incident_response_resolve", "queue_ops_action", "troubleshooting_fix",
                                                "performance_apply"}, (name, given)
