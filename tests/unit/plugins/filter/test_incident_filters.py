# -*- coding: utf-8 -*-
"""Filter ops.runbooks.incident_update (the incident's plan, changes and timeline were Jinja in the role): each step
of the procedure written once, the same way every time."""
from __future__ import annotations

import base64
import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.incident import incident_candidates
from ansible_collections.ops.runbooks.plugins.filter.incident import incident_merged
from ansible_collections.ops.runbooks.plugins.filter.incident import incident_open
from ansible_collections.ops.runbooks.plugins.filter.incident import incident_update

AT = "2026-12-07T06:00:00Z"
RECORD = {"id": "INC-1", "timeline": [{"at": "t0", "event": "opened (P1): x"}], "changes": [], "notified": []}


def rollback(fn, changed=True, failed=False, msg=None):
    return {"item": fn, "changed": changed, "failed": failed, "msg": msg,
            "previous": {"version": "3"}, "current": {"version": "2"}}


def test_held_actions_carry_their_plan_and_are_said_once():
    evidence = {"actions": ["rollback"], "plan_only": False, "plan_reason": "", "alias": "live",
                "plan_results": [rollback("a"), rollback("b", changed=False, msg="no previous version"),
                                 {"skipped": True}]}
    held = incident_update(RECORD, "held", evidence, AT)
    assert [p["summary"] for p in held["plan"]] == ["roll back a:live from 3 to 2", "b:live: no previous version"]
    assert held["timeline"][-1] == {"at": AT, "event": "actions rollback not run, production needs "
                                    "ops_runbooks_confirm=true (triage and notification only): plan roll back a:live from 3 to 2; b:live: no previous version"}
    again = incident_update(held, "held", evidence, "later")
    assert again["timeline"] == held["timeline"]  # once per incident
    assert RECORD["timeline"] == [{"at": "t0", "event": "opened (P1): x"}]  # the input is left as it was
    planned = incident_update(RECORD, "held", dict(evidence, plan_only="true", plan_reason="action budget"), AT)
    assert planned["timeline"][-1]["event"].startswith("actions rollback not run, plan only (action budget): plan ")
    unnamed = incident_update(RECORD, "held", {"actions": ["scale"], "plan_only": True}, AT)
    assert unnamed["timeline"][-1]["event"] == "actions scale not run, plan only (incident_response_plan_only)"


def test_the_actions_step_is_held_or_changed_by_may_act():
    evidence = {"actions": ["rollback"], "plan_only": False, "plan_reason": "", "alias": "live",
                "plan_results": [rollback("a")], "rollbacks": [rollback("a")], "scaling": []}
    assert incident_update(RECORD, "actions", dict(evidence, may_act=False), AT) == \
        incident_update(RECORD, "held", evidence, AT)
    assert incident_update(RECORD, "actions", dict(evidence, may_act="true"), AT) == \
        incident_update(RECORD, "changed", evidence, AT)
    acted = incident_update(RECORD, "actions", dict(evidence, may_act=True), AT)
    assert "plan" not in acted and acted["changes"][0]["resource"] == "a:live"


def test_changes_failures_and_notifications():
    scaling = [{"item": {"key": "a", "value": 20}, "changed": True, "previous": 10, "current": 20}]
    changed = incident_update(RECORD, "changed", {"alias": "live", "rollbacks": [rollback("a"), rollback("b", False)],
                                                  "scaling": scaling}, AT)
    assert changed["changes"] == [
        {"action": "rollback", "resource": "a:live", "from": "3", "to": "2", "at": AT},
        {"action": "reserved concurrency", "resource": "a", "from": 10, "to": 20, "at": AT}]
    assert [e["event"] for e in changed["timeline"][1:]] == \
        ["rolled back a:live from 3 to 2", "reserved concurrency of a from 10 to 20"]
    results = [rollback("a", failed=True, msg="gate failed"), rollback("b")]
    failed = incident_update(RECORD, "failed", {"result": {"results": results}}, AT)
    assert failed["timeline"][-1]["event"] == "action failed: gate failed"
    notified = incident_update(RECORD, "notified", {"severity": "P1", "topic": "alerts", "message_id": "m-1"}, AT)
    assert notified["notified"] == ["P1"] and notified["timeline"][-1]["event"] == "notified [P1] on alerts (message m-1)"
    claimed = incident_update(dict(RECORD, notified=["P1"]), "notified", {"severity": "P1", "topic": "t"}, AT)
    assert claimed["notified"] == ["P1"]  # claimed in the table first: not listed twice
    resolved = incident_update(RECORD, "resolved", {"resolution": "rolled back", "root_cause": "bad deploy"}, AT)
    assert (resolved["status"], resolved["resolved_at"], resolved["root_cause"]) == ("Resolved", AT, "bad deploy")
    assert resolved["timeline"][-1] == {"at": AT, "event": "resolved: rolled back"}
    assert incident_update(RECORD, "resolved", {"resolution": ""}, AT)["timeline"][-1]["event"] == \
        "resolved: no resolution given"
    with pytest.raises(AnsibleFilterError, match="step 'resolve' is not one of"):
        incident_update(RECORD, "resolve", {}, AT)


SETTINGS = {"id": "INC-20261207-x", "title": "x errors", "severity": "P2", "status": "Investigating",
            "environment": "staging", "report_dir": "/r", "open": True, "reopen": False}


def slurped(incident_id, record):
    content = base64.b64encode(json.dumps({"incident": record}).encode()).decode()
    return {"item": {"item": incident_id, "stat": {"exists": True}}, "content": content}


def test_candidates_are_the_id_and_yesterdays_when_only_continuing():
    assert incident_candidates("INC-20261207-x", True, AT) == ["INC-20261207-x"]
    assert incident_candidates("INC-20261207-x", "false", "2026-12-01T00:10:00Z") == \
        ["INC-20261207-x", "INC-20261130-x"]
    assert incident_candidates("manual-7", False, AT) == ["manual-7"]  # not dated: no yesterday
    with pytest.raises(AnsibleFilterError, match="not ISO 8601"):
        incident_candidates("INC-20261207-x", False, "yesterday")
    with pytest.raises(AnsibleFilterError, match="incident_response_id"):
        incident_candidates("", True, AT)


def test_open_a_new_one_when_nothing_is_stored():
    opened = incident_open(SETTINGS, [{"item": "INC-20261207-x", "found": False}], [], AT)
    assert (opened["opened"], opened["id"], opened["key"], opened["revision"]) == \
        ("new", "INC-20261207-x", "staging/INC-20261207-x", 0)
    assert opened["path"] == "/r/incident-INC-20261207-x-staging.json"
    assert opened["record"] == {"id": "INC-20261207-x", "title": "x errors", "severity": "P2",
                                "environment": "staging", "opened_at": AT, "status": "Investigating", "notified": [],
                                "changes": [], "resolved_at": None,
                                "timeline": [{"at": AT, "event": "opened (P2): x errors"}]}


def test_continue_the_first_stored_candidate_with_its_revision():
    stored = {"id": "INC-20261206-x", "resolved_at": None, "timeline": []}
    lookups = [{"item": "INC-20261207-x", "found": False},
               {"item": "INC-20261206-x", "found": True, "record": stored, "revision": 4}]
    opened = incident_open(dict(SETTINGS, open=False), lookups, [], AT)
    assert (opened["opened"], opened["id"], opened["revision"], opened["record"]) == \
        ("continued", "INC-20261206-x", 4, stored)
    from_file = incident_open(SETTINGS, [], [{"skipped": True}, slurped("INC-20261206-x", stored)], AT)
    assert (from_file["opened"], from_file["id"], from_file["revision"]) == ("continued", "INC-20261206-x", 0)
    assert from_file["key"] == "staging/INC-20261206-x"


def test_nothing_to_continue_and_a_resolved_one_reopened():
    assert incident_open(dict(SETTINGS, open="false"), [], [], AT) == {
        "id": "INC-20261207-x", "key": "staging/INC-20261207-x", "path": "/r/incident-INC-20261207-x-staging.json",
        "revision": 0, "record": None, "opened": "none"}
    resolved = {"id": "INC-20261207-x", "resolved_at": "t1", "notified": ["P2"], "timeline": [], "status": "Resolved"}
    lookups = [{"item": "INC-20261207-x", "found": True, "record": resolved, "revision": 2}]
    reopened = incident_open(dict(SETTINGS, reopen=True), lookups, [], AT)
    assert (reopened["opened"], reopened["record"]["resolved_at"], reopened["record"]["notified"]) == \
        ("reopened", None, [])
    assert reopened["record"]["timeline"][-1]["event"] == "reopened (resolved at t1): x errors again"
    assert incident_open(SETTINGS, lookups, [], AT)["opened"] == "continued"  # an OK or a person: not reopened


def test_open_refuses_what_is_not_a_record():
    with pytest.raises(AnsibleFilterError, match="lack title"):
        incident_open({k: v for k, v in SETTINGS.items() if k != "title"}, [], [], AT)
    bad = {"item": {"item": "INC-1"}, "content": base64.b64encode(b"{}").decode(), "source": "/r/f.json"}
    with pytest.raises(AnsibleFilterError, match="/r/f.json is not an incident report"):
        incident_open(SETTINGS, [], [bad], AT)


def test_merged_keeps_both_jobs_additions_once_in_time_order():
    stored = {"id": "i", "status": "Investigating", "resolved_at": None, "notified": ["P2"],
              "changes": [{"action": "rollback", "at": "t2"}],
              "timeline": [{"at": "t0", "event": "opened"}, {"at": "t2", "event": "rolled back"}]}
    mine = {"id": "i", "status": "Mitigated", "resolved_at": None, "notified": ["P2", "P1"], "changes": [],
            "timeline": [{"at": "t0", "event": "opened"}, {"at": "t1", "event": "notified [P1]"}]}
    merged = incident_merged(stored, mine)
    assert merged["notified"] == ["P2", "P1"] and merged["status"] == "Mitigated"
    assert [e["at"] for e in merged["timeline"]] == ["t0", "t1", "t2"]
    assert merged["changes"] == stored["changes"]
    assert incident_merged(dict(stored, resolved_at="t3"), mine)["resolved_at"] == "t3"
