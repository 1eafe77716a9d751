# -*- coding: utf-8 -*-
"""Filter ops.runbooks.alarm_inputs: what an alarm's procedure is given comes from alarm_verify's answer
(CloudWatch's alarm), the budget can hold the actions back, an OK resolves, an ALARM reopens; incident_reopened."""
from __future__ import annotations

import json

import pytest

from ansible_collections.ops.runbooks.plugins.filter.alarm import alarm_inputs
from ansible_collections.ops.runbooks.plugins.filter.incident import incident_reopened


def verified(decision="act", state="ALARM", procedure="incident", reason="", **runbook):
    return {"decision": decision, "reason": reason, "claim": {"state": state, "at": "2026-11-23T08:00:00.123Z"},
            "alarm": {"name": "ai-investment-score-errors", "reason": "7 errors in 5 minutes"},
            "runbook": dict({"procedure": procedure, "severity": "P2", "actions": ["rollback"],
                             "functions": ["ai-investment-score"], "function": "ai-investment-score", "queue": None,
                             "table": None, "problem": None}, **runbook)}


def test_an_alarm_that_may_act_runs_its_actions_on_cloudwatchs_functions():
    given = alarm_inputs(verified(), budget={"granted": True, "changed": True})
    inputs = given["inputs"]
    assert given["hold"] == "" and inputs["incident_response_title"] == "Alarm ai-investment-score-errors"
    assert inputs["incident_response_functions"] == ["ai-investment-score"]
    assert inputs["incident_response_actions"] == ["rollback"] and inputs["incident_response_confirm"] is True
    assert inputs["incident_response_impact"] == "7 errors in 5 minutes"
    assert (inputs["incident_response_open"], inputs["incident_response_reopen"], inputs["incident_response_resolve"]) \
        == (True, True, False)
    assert set(given["checked"]) >= {"incident_response_functions", "incident_response_actions", "incident_response_confirm"}


def test_beyond_the_budget_the_incident_only_plans_and_says_why():
    given = alarm_inputs(verified(), budget={"granted": False, "reason": "the limit of 3 automatic change(s) per 1h"})
    assert given["inputs"]["incident_response_plan_only"] is True and given["inputs"]["incident_response_confirm"] is False
    assert given["inputs"]["incident_response_plan_reason"].startswith("the limit of 3")


def test_a_plan_decision_plans_with_the_reason():
    given = alarm_inputs(verified("plan", reason="automatic action is off here"), budget={"skipped": True})
    assert given["hold"] == "automatic action is off here" and given["inputs"]["incident_response_plan_only"]


def test_an_ok_resolves_and_opens_nothing():
    inputs = alarm_inputs(verified(state="OK"))["inputs"]
    assert inputs["incident_response_resolve"] and not inputs["incident_response_open"]
    assert inputs["incident_response_actions"] == [] and not inputs["incident_response_plan_only"]
    assert inputs["incident_response_resolution"] == ("alarm ai-investment-score-errors back to OK at "
                                                      "2026-11-23T08:00:00.123Z: 7 errors in 5 minutes")


def test_a_redrive_held_back_says_so_and_the_other_procedures_get_their_resources():
    held = alarm_inputs(verified("plan", procedure="queue_redrive", reason="off", queue="q-dlq"))
    assert held["hold"] == "off" and held["inputs"]["queue_ops_dlq"] == "q-dlq"
    assert alarm_inputs(verified(procedure="troubleshoot", table="t", problem="dynamodb_throttling"))["inputs"] == {
        "troubleshooting_problem": "dynamodb_throttling", "troubleshooting_function": "ai-investment-score",
        "troubleshooting_table": "t", "troubleshooting_fix": False}
    performance = alarm_inputs(verified(procedure="performance"), performance_window="2d")["inputs"]
    assert performance["performance_functions"] == ["ai-investment-score"] and performance["performance_apply"] is False
    assert alarm_inputs(verified(procedure="queue_check"))["inputs"] == {"queue_ops_action": "check"}


@pytest.mark.parametrize("answer", [{"decision": "ignore"}, None, "act"])
def test_an_alarm_that_is_ignored_gives_no_inputs(answer):
    with pytest.raises(ValueError, match="decision act or plan"):
        alarm_inputs(answer)


def test_a_resolved_incident_reopens_with_its_history_and_notifies_again():
    record = {"id": "INC-1", "status": "Resolved", "resolved_at": "2026-11-23T08:10:00Z", "resolution": "ok",
              "notified": ["P2"], "timeline": [{"at": "t0", "event": "opened"}]}
    again = incident_reopened(record, "2026-11-23T08:20:00Z", "Investigating", "Alarm x again")
    assert (again["status"], again["resolved_at"], again["notified"]) == ("Investigating", None, [])
    assert again["timeline"][-1] == {"at": "2026-11-23T08:20:00Z",
                                     "event": "reopened (resolved at 2026-11-23T08:10:00Z): Alarm x again"}
    assert record["status"] == "Resolved"  # the input is left as it was
    assert incident_reopened(again, "later", "Investigating", "x") is again  # an open incident stays as it is


def test_an_sns_subject_is_ascii_on_one_line_and_at_most_100_characters():
    from ansible_collections.ops.runbooks.plugins.filter.incident import sns_subject  # pylint: disable=import-outside-toplevel
    assert sns_subject("[P2] Alarm x") == "[P2] Alarm x"
    long = sns_subject("[P2] Alarm " + "{{ lookup('pipe', 'id') }}" * 10)
    assert len(long) == 100 and long.endswith("...")
    assert sns_subject("[P2] a\nb\tc\u00e9d") == "[P2] a b c d"


def test_a_suggested_command_carries_no_template_and_no_shell():
    import shlex  # pylint: disable=import-outside-toplevel
    from ansible_collections.ops.runbooks.plugins.filter.incident import cli_extra_vars  # pylint: disable=import-outside-toplevel
    word = cli_extra_vars({"incident_response_title": "Alarm {{ lookup('pipe', 'id') }}'; rm -rf ~ #"})
    [back] = shlex.split("ansible-playbook -e " + word)[2:]  # one argument: the quote in the title did not end it
    assert json.loads(back) == {"incident_response_title": "Alarm (( lookup('pipe', 'id') ))'; rm -rf ~ #"}
