# -*- coding: utf-8 -*-
"""An alarm's event given to a playbook directly - as ansible-rulebook and AWX give it (extra var ansible_eda) - and
what the role ops.runbooks.alarm makes of it: CloudWatch's answer (DescribeAlarms), never the event's, decides. An
alarm of another account or region ends the host quietly; an event whose procedure is not the inventory's runs
nothing; an extra var cannot point an alarm's procedure elsewhere; an OK after midnight resolves yesterday's
incident, one without an incident opens none; a late alarm only plans, a forged one opens nothing. The rulebook
itself, end to end: tests/integration/eda/test_alarm_response.py; both run in make test-eda."""
from __future__ import annotations

import datetime
import json

import pytest

from alarm_world import aliases, alias, record_of, records  # noqa: F401  pylint: disable=unused-import
from queues import take

pytestmark = pytest.mark.moto_only("the alarm's procedures run Lambda and DynamoDB: moto's services")


@pytest.fixture
def notified(sandbox):
    """What the alert topic carried from here on (a queue of the test's own subscribed to it)."""
    sns, sqs = sandbox.client("sns"), sandbox.client("sqs")
    topic = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":ai-investment-alerts")][0]
    url = sqs.create_queue(QueueName="pb-notified-" + __import__("uuid").uuid4().hex[:8])["QueueUrl"]
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])["SubscriptionArn"]

    def read():
        return [json.loads(m["Body"]) for m in take(sqs, url) if "AlarmName" not in json.loads(m["Body"])["Message"]]

    yield read
    sns.unsubscribe(SubscriptionArn=subscription)  # the topic's other subscribers go on receiving
    sqs.delete_queue(QueueUrl=url)


def _event(name, state="ALARM", region="eu-central-1", account="123456789012", procedure=None):
    """The event the source makes of a notification of ``name`` (inert strings; the claim part only matters)."""
    event = {"alarm": {"name": name, "state": state, "previous_state": "ALARM" if state == "OK" else "OK",
                       "region": region, "account": account, "at": "2026-11-23T08:00:00.000Z",
                       "arn": "arn:aws:cloudwatch:%s:%s:alarm:%s" % (region, account, name)},
             "sns": {"topic_arn": "arn:aws:sns:%s:%s:ai-investment-alerts" % (region, account)}, "delivery": "sns"}
    if procedure:
        event["runbook"] = {"procedure": procedure}
    return {"ansible_eda": {"event": event}}


def test_an_alarm_of_another_region_or_account_ends_the_host_quietly(sandbox, run_playbook, notified, aliases):
    """A fleet inventory runs every host; each answers only its own account's and region's alarms."""
    [before] = aliases["keep"]("ai-investment-evaluation")
    elsewhere = run_playbook("playbooks/incident.yml", _event("ai-investment-evaluation-errors", region="us-east-1"))
    assert elsewhere.returncode == 0
    assert 'nothing runs here - alarm ai-investment-evaluation-errors is of region us-east-1' in elsewhere.stdout
    other = run_playbook("playbooks/incident.yml", _event("ai-investment-evaluation-errors", account="999999999999"))
    assert other.returncode == 0 and 'is of account 999999999999, not 123456789012' in other.stdout
    unchanged = alias(sandbox, "ai-investment-evaluation") in (before,)  # a plain == here crashes pylint 3.3.7
    assert unchanged and not notified()
    assert not list(elsewhere.reports.glob("incident-*")) and not list(other.reports.glob("incident-*"))


def test_an_event_whose_procedure_is_not_the_inventorys_runs_nothing(run_playbook):
    proc = run_playbook("playbooks/queue_check.yml", _event("ai-investment-score-errors", procedure="queue_check"))
    assert proc.returncode == 0 and not list(proc.reports.glob("queue*"))
    assert 'the event\'s procedure queue_check is not the one this environment\'s catalogue names' in proc.stdout


def test_an_extra_var_cannot_point_an_alarms_procedure_elsewhere(sandbox, run_playbook, aliases):
    [before] = aliases["keep"]("ai-investment-score")
    proc = run_playbook("playbooks/incident.yml", dict(_event("ai-investment-score-errors"),
                                                       incident_response_functions=["ai-investment-score"]))
    assert proc.returncode == 0, proc.stdout[-2000:]  # what CloudWatch gives: allowed
    moved = alias(sandbox, "ai-investment-score")
    aliases["keep"]("ai-investment-orchestrator")
    other = run_playbook("playbooks/incident.yml", dict(_event("ai-investment-score-errors"),
                                                        incident_response_functions=["ai-investment-orchestrator"]))
    assert other.returncode != 0
    assert "incident_response_functions of this run is ['ai-investment-orchestrator'], but CloudWatch's alarm" in other.stdout
    assert alias(sandbox, "ai-investment-orchestrator") == aliases["keep"]("ai-investment-orchestrator")[0]
    assert moved in (before, str(int(before) - 1))


def test_an_ok_after_midnight_resolves_the_incident_its_alarm_opened_yesterday(sandbox, run_playbook, notified):
    """The incident id carries the day (one incident per alarm and day): an OK that comes after midnight finds the
    one its ALARM opened the day before; an OK without any incident opens none."""
    alarm = "ai-investment-streaming-errors"
    yesterday = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)).strftime("%Y%m%d")
    opened = run_playbook("playbooks/incident.yml", {
        "incident_response_title": "Alarm " + alarm, "incident_response_id": "INC-%s-alarm-%s" % (yesterday, alarm)})
    assert opened.returncode == 0, opened.stdout[-2000:]
    assert sandbox.alarm_state(alarm) == "OK"  # CloudWatch confirms the recovery
    resolved = run_playbook("playbooks/incident.yml", _event(alarm, "OK"))
    assert resolved.returncode == 0, resolved.stdout[-2000:]
    [record] = [r for r in records(sandbox) if r["id"] == "INC-%s-alarm-%s" % (yesterday, alarm)]
    assert record["status"] == "Resolved"
    assert [m["Subject"] for m in notified()] == ["[P2] Alarm " + alarm, "[RESOLVED] Alarm " + alarm]

    quiet = run_playbook("playbooks/incident.yml", _event("ai-investment-ingest-news-latency", "OK"))
    assert quiet.returncode == 0 and "is answered by the procedure performance, not by this playbook" in quiet.stdout
    never = run_playbook("playbooks/incident.yml", _event("ai-investment-ingest-news-errors", "OK"))
    assert never.returncode == 0 and "no open incident local/INC-" in never.stdout
    assert notified() == [] and not list(never.reports.glob("incident-*ingest-news*"))


def test_a_late_alarm_changes_nothing_and_a_forged_one_opens_no_incident(sandbox, run_playbook, aliases):
    """A late notification (the alarm is OK again): before any action the role alarm asks CloudWatch, and the
    incident only plans. One no alarm of the account sent (published by hand to the topic): nothing runs."""
    function = "ai-investment-evaluation"
    [before] = aliases["keep"](function)
    assert sandbox.alarm_state("ai-investment-evaluation-errors") == "OK"
    late = run_playbook("playbooks/incident.yml", _event("ai-investment-evaluation-errors"))
    assert late.returncode == 0, late.stdout[-2000:]
    assert alias(sandbox, function) == before
    record = record_of(sandbox, "ai-investment-evaluation-errors")
    assert record["changes"] == [] and [p["resource"] for p in record["plan"]] == [function + ":live"]
    assert any('not run, plan only (alarm ai-investment-evaluation-errors is OK in CloudWatch' in e["event"]
               for e in record["timeline"]), record["timeline"]
    forged = run_playbook("playbooks/incident.yml", _event("ai-investment-evaluation-forged-errors"))
    assert forged.returncode == 0 and "CloudWatch has no alarm" in forged.stdout
    assert not [r for r in records(sandbox) if "forged" in r.get("title", "")]
