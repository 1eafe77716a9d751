# -*- coding: utf-8 -*-
"""Filter ops.runbooks.incident_update (the incident's plan, changes and timeline were Jinja in the role): each step
of the procedure written once, the same way every time."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.incident import incident_update

AT = "2026-12-07T06:00:00Z"
RECORD = {"id": "INC-1", "timeline": [{"at": "t0", "event": "opened (P1): x"}], "changes": [], "notified": []}


def rollback(fn, changed=True, failed=False, msg=None):
    return {"item": fn, "changed": changed, "failed": failed, "msg": msg,
            "previous": {"version": "3"}, "current": {"version": "2"}}


def test_held_actions_carry_their_plan_and_are_said_once():
    evidence = {"actions": ["rollback"], "not_run": "production needs ops_runbooks_confirm=true", "alias": "live",
                "plan_results": [rollback("a"), rollback("b", changed=False, msg="no previous version"),
                                 {"skipped": True}]}
    held = incident_update(RECORD, "held", evidence, AT)
    assert [p["summary"] for p in held["plan"]] == ["roll back a:live from 3 to 2", "b:live: no previous version"]
    assert held["timeline"][-1] == {"at": AT, "event": "actions rollback not run, production needs "
                                    "ops_runbooks_confirm=true: plan roll back a:live from 3 to 2; b:live: no previous version"}
    again = incident_update(held, "held", evidence, "later")
    assert again["timeline"] == held["timeline"]  # once per incident
    assert RECORD["timeline"] == [{"at": "t0", "event": "opened (P1): x"}]  # the input is left as it was


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
    with pytest.raises(AnsibleFilterError, match="step 'resolve' is not one of"):
        incident_update(RECORD, "resolve", {}, AT)
