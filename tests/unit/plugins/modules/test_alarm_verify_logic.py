# -*- coding: utf-8 -*-
"""ops.runbooks.alarm_verify's decision (act, plan, ignore) on an event and CloudWatch's answer - every way a claim
can be wrong; the DescribeAlarms call itself runs against the emulator (tests/integration/modules)."""
from __future__ import annotations

import pytest

from ansible_collections.ops.runbooks.plugins.module_utils import alarms
from ansible_collections.ops.runbooks.plugins.modules import alarm_verify

CATALOGUE = [
    {"alarm": "ai-investment-*-errors", "kind": "function_errors", "procedure": "incident", "severity": "P2",
     "actions": ["rollback"]},
    {"alarm": "ai-investment-*-dlq", "kind": "dlq", "procedure": "queue_redrive"},
    {"alarm": "ai-investment-*-throttled", "kind": "dynamodb_throttling", "procedure": "troubleshoot",
     "problem": "dynamodb_throttling"},
    {"alarm": "ai-investment-cost-budget", "kind": "cost_budget", "procedure": "none"},
]
PARAMS = {"catalogue": CATALOGUE, "functions": ["ai-investment-score"], "queues": [],
          "queue_name_prefix": "ai-investment-", "tables": ["ai-investment-signals"], "actions_allowed": True,
          "procedures": []}


def described(name="ai-investment-score-errors", state="ALARM", **dimensions):
    return alarms.describe({"AlarmName": name, "StateValue": state, "StateReason": "r", "Namespace": "AWS/Lambda",
                            "MetricName": "Errors", "StateUpdatedTimestamp": "2026-11-23T08:00:00.000+0000",
                            "Dimensions": [{"Name": k, "Value": v} for k, v in
                                           (dimensions or {"FunctionName": "ai-investment-score"}).items()]},
                           "123456789012", "eu-central-1")


def claim(name="ai-investment-score-errors", state="ALARM", procedure=None):
    event = {"alarm": {"name": name, "state": state, "previous_state": "OK", "account": "123456789012",
                       "region": "eu-central-1", "arn": "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:" + name},
             "sns": {"topic_arn": "arn:aws:sns:eu-central-1:123456789012:ai-investment-alerts"}, "delivery": "sns"}
    if procedure:
        event["runbook"] = {"procedure": procedure}
    return event, alarm_verify.claim_of(event)


def decide(event_claim, found, **params):
    event, parsed = event_claim
    return alarm_verify.decide(dict(PARAMS, **params), event, parsed, found)


def test_a_confirmed_alarm_of_the_environment_acts_on_cloudwatchs_function():
    decision, verdict, reason, runbook, dropped = decide(claim(), described())
    assert (decision, verdict, reason, dropped) == ("act", "ok", "", [])
    assert runbook["functions"] == ["ai-investment-score"] and runbook["actions"] == ["rollback"]
    changes = alarm_verify.changes_of(decision, claim()[1], described(), runbook)
    assert changes == ["rollback ai-investment-score (alarm ai-investment-score-errors, 2026-11-23T08:00:00.000Z)"]


def test_where_the_environment_allows_no_automatic_action_it_plans():
    decision, verdict, reason, _runbook, _dropped = decide(claim(), described(), actions_allowed=False)
    assert (decision, verdict) == ("plan", "held") and "ops_runbooks_alarm_actions is false" in reason


def test_a_late_alarm_plans_and_a_recovery_cloudwatch_does_not_confirm_resolves_nothing():
    assert decide(claim(), described(state="OK"))[:2] == ("plan", "stale")
    decision, verdict, reason, _runbook, _dropped = decide(claim(state="OK"), described(state="ALARM"))
    assert (decision, verdict) == ("ignore", "stale") and "is ALARM in CloudWatch" in reason


def test_no_such_alarm_runs_nothing():
    decision, verdict, reason, runbook, _dropped = decide(claim("ai-investment-forged-errors"), None)
    assert (decision, verdict, runbook) == ("ignore", "rejected", None)
    assert reason == 'CloudWatch has no alarm ai-investment-forged-errors in account 123456789012, region eu-central-1'


def test_a_function_outside_the_inventory_runs_nothing_and_is_named():
    decision, verdict, reason, runbook, dropped = decide(claim(), described(FunctionName="someone-elses"))
    assert (decision, verdict, runbook["functions"]) == ("ignore", "outside", [])
    assert dropped == ['function someone-elses'] and "names no function of this environment" in reason


def test_a_queue_outside_the_inventory_is_no_redrive_and_one_inside_is():
    outside = decide(claim("ai-investment-x-dlq"), described("ai-investment-x-dlq", QueueName="other-dlq"))
    assert outside[:2] == ("ignore", "outside")
    inside = decide(claim("ai-investment-x-dlq"), described("ai-investment-x-dlq", QueueName="ai-investment-x-dlq"))
    assert inside[0] == "act" and inside[3]["queue"] == "ai-investment-x-dlq"


def test_the_events_procedure_must_be_the_inventorys():
    decision, verdict, reason, _runbook, _dropped = decide(claim(procedure="queue_check"), described())
    assert (decision, verdict) == ("ignore", "rejected")
    assert 'the event\'s procedure queue_check is not the one' in reason


def test_an_alarm_another_playbook_answers_runs_nothing_here():
    decision, _verdict, reason, _runbook, _dropped = decide(claim(), described(), procedures=["performance"])
    assert decision == "ignore"
    assert reason == ('alarm ai-investment-score-errors is answered by the procedure incident, not by this playbook '
                      '(performance)')
    assert decide(claim(), described(), procedures=["incident"])[0] == "act"


def test_an_alarm_without_a_procedure_runs_nothing():
    decision, _verdict, reason, _runbook, _dropped = decide(claim("ai-investment-cost-budget"),
                                                            described("ai-investment-cost-budget", Currency="USD"))
    assert decision == "ignore" and "no procedure" in reason


@pytest.mark.parametrize("event, message", [
    ({}, "event: no alarm in the event"),
    ({"alarm": {"state": "ALARM"}}, "event: event.alarm.name is missing"),
    ({"alarm": {"name": "x", "state": "BROKEN"}}, 'event.alarm.state BROKEN is not one of'),
])
def test_a_broken_event_names_what_is_missing(event, message):
    with pytest.raises(alarms_errors(), match=message):
        alarm_verify.claim_of(event)


def alarms_errors():
    from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput  # pylint: disable=import-outside-toplevel
    return InvalidInput
