# -*- coding: utf-8 -*-
"""Alarms that run the runbooks, end to end: real-shaped CloudWatch alarm notifications published to the sandbox's
alert topic reach the alarm queue (subscribed with a filter on the message body, as tests/sandbox/seed.py does),
``ansible-rulebook`` runs extensions/eda/rulebooks/alarm_response.yml with the source ops.runbooks.alarm_queue and
the alarm catalogue (inventories/shared/runbook_001_alarms.yml), and the playbooks act on the emulator.

Asserted in the emulator: the alias really moved (or did not), the incident record in the DynamoDB table, what was
really published on the alert topic (a queue of the test's own subscribed to it), the reports written.
A source stopped between receiving and queueing an event losing nothing is shown in test_alarm_queue.py.
"""
from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "unit",
                                "extensions"))

from alarm_samples import SINGLE  # noqa: E402  the real-shaped notification of the unit tests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
COLLECTIONS = os.path.join(ROOT, ".build", "collections")
BIN = os.path.dirname(sys.executable)

pytestmark = pytest.mark.moto_only("the rulebooks are proven on the default emulator")


def _notification(name, state, previous, dimensions, namespace="AWS/Lambda", metric="Errors"):
    return dict(SINGLE, AlarmName=name, NewStateValue=state, OldStateValue=previous,
                AlarmArn="arn:aws:cloudwatch:eu-central-1:123456789012:alarm:" + name,
                NewStateReason="Threshold Crossed: 1 datapoint [7.0] was greater than the threshold (5.0).",
                Trigger=dict(SINGLE["Trigger"], Namespace=namespace, MetricName=metric,
                             Dimensions=[{"name": k, "value": v} for k, v in dimensions.items()]))


@pytest.fixture
def alarms(sandbox, tmp_path):
    """publish(notification) on the alert topic; notified() - what the topic carried besides alarms (a queue of the
    test's own); rulebook(inventory_vars, max_events, entries) - one bounded ansible-rulebook run on a copy of
    inventories/local pointed at this sandbox (plus inventory_vars), with catalogue entries of the test's own first."""
    sns, sqs = sandbox.client("sns"), sandbox.client("sqs")
    topic = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":ai-investment-alerts")][0]
    url = sqs.create_queue(QueueName="eda-notified-" + uuid.uuid4().hex[:8])["QueueUrl"]
    sns.subscribe(TopicArn=topic, Protocol="sqs",
                  Endpoint=sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])

    def notified():
        found = []
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300).get("Messages", [])
            if not got:
                return [json.loads(m["Body"]) for m in found if "AlarmName" not in json.loads(m["Body"])["Message"]]
            found += got

    def rulebook(inventory_vars=None, max_events=1, entries=()):
        inventory = tmp_path / ("inventory-" + uuid.uuid4().hex[:6])
        shutil.copytree(os.path.join(ROOT, "inventories", "local"), inventory,
                        ignore=shutil.ignore_patterns("sandbox.yml"))
        details = dict(sandbox.details(), **(inventory_vars or {}))
        (inventory / "group_vars" / "all" / "sandbox.yml").write_text(yaml.safe_dump(details))
        rulebook_vars = yaml.safe_load(open(os.path.join(ROOT, "inventories", "shared", "runbook_001_alarms.yml")))
        rulebook_vars["ops_runbooks_alarm_catalogue"][:0] = list(entries)  # the test's own entries first
        rulebook_vars.update(ops_runbooks_aws_region="eu-central-1", ops_runbooks_alarm_endpoint_url=sandbox.endpoint_url,
                             ops_runbooks_alarm_max_events=max_events, ops_runbooks_alarm_idle_timeout=60)
        vars_file = tmp_path / "rulebook_vars.yml"
        vars_file.write_text(yaml.safe_dump(rulebook_vars))
        reports = tmp_path / "reports"
        env = dict(os.environ, **sandbox.env())
        env.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
                   PYTHONPATH=COLLECTIONS, OPS_RUNBOOKS_REPORTS_DIR=str(reports), ANSIBLE_NOCOLOR="1",
                   PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
        proc = subprocess.run([os.path.join(BIN, "ansible-rulebook"), "-r", "ops.runbooks.alarm_response",
                               "-i", str(inventory), "--vars", str(vars_file),
                               "--shutdown-delay", "300"],  # the source's end waits for the procedures it started
                              capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=600, check=False)
        proc.reports = reports
        proc.recaps = [line for line in proc.stdout.splitlines() if line.startswith("localhost ") and "ok=" in line]
        return proc

    return {"publish": lambda n: sns.publish(TopicArn=topic, Message=json.dumps(n), Subject="ALARM"),
            "notified": notified, "rulebook": rulebook, "sqs": sqs}


def _alias(sandbox, function):
    return sandbox.client("lambda").get_alias(FunctionName=function, Name="live")["FunctionVersion"]


def _record(sandbox, alarm):
    """The incident record the incident playbook keeps in the sandbox's incident table."""
    items = sandbox.client("dynamodb").scan(TableName="ops-runbooks-incidents")["Items"]
    [item] = [i for i in items if i["id"]["S"].startswith("local/INC-") and i["id"]["S"].endswith("-alarm-" + alarm)]
    return json.loads(item["record"]["S"])


def test_an_error_alarm_rolls_the_function_back_once_and_its_ok_resolves_the_incident(sandbox, alarms):
    alarm = "ai-investment-score-errors"
    sandbox.fire_alarm(alarm)  # CloudWatch has it in ALARM (the seeded state), as when it notified
    before = _alias(sandbox, "ai-investment-score")
    seeded = sandbox.client("lambda").get_alias(FunctionName="ai-investment-score", Name="live")
    try:
        firing = _notification(alarm, "ALARM", "OK", {"FunctionName": "ai-investment-score"})
        for _copy in range(3):  # the same alarm three times in a minute (SNS redelivery, a flapping alarm)
            alarms["publish"](firing)
        proc = alarms["rulebook"](max_events=3)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert len(proc.recaps) == 1, proc.recaps  # one procedure for three notifications
        assert "failed=0" in proc.recaps[0]
        assert _alias(sandbox, "ai-investment-score") == str(int(before) - 1)  # rolled back once, one version
        record = _record(sandbox, alarm)
        assert record["severity"] == "P2" and record["notified"] == ["P2"] and record["resolved_at"] is None
        assert [(c["action"], c["resource"], c["from"], c["to"]) for c in record["changes"]] == [
            ("rollback", "ai-investment-score:live", before, str(int(before) - 1))]
        [sent] = alarms["notified"]()  # exactly one notification on the topic
        assert sent["Subject"] == "[P2] Alarm " + alarm and record["id"] in sent["Message"]

        alarms["publish"](_notification(alarm, "OK", "ALARM", {"FunctionName": "ai-investment-score"}))
        resolved = alarms["rulebook"]()
        assert resolved.returncode == 0 and len(resolved.recaps) == 1 and "failed=0" in resolved.recaps[0], resolved.stdout[-3000:]
        record = _record(sandbox, alarm)
        assert record["status"] == "Resolved" and record["resolved_at"] and "back to OK" in record["resolution"]
        assert _alias(sandbox, "ai-investment-score") == str(int(before) - 1)  # OK changes nothing
        [sent] = alarms["notified"]()
        assert sent["Subject"] == "[RESOLVED] Alarm " + alarm
    finally:  # the seeded alias again: other tests of this worker's sandbox read it
        sandbox.client("lambda").update_alias(FunctionName="ai-investment-score", Name="live",
                                              FunctionVersion=seeded["FunctionVersion"],
                                              Description=seeded.get("Description", ""))


def test_in_production_an_error_alarm_changes_nothing_and_the_record_holds_the_plan(sandbox, alarms):
    alarm, function = "ai-investment-ingest-social-errors", "ai-investment-ingest-social"
    before = _alias(sandbox, function)
    # A message that is not an alarm notification comes first: it is moved aside and the source goes on.
    alarms["sqs"].send_message(QueueUrl=alarms["sqs"].get_queue_url(QueueName="runbooks-alarms")["QueueUrl"],
                               MessageBody="not a notification")
    alarms["publish"](_notification(alarm, "ALARM", "OK", {"FunctionName": function}))
    proc = alarms["rulebook"]({"ops_runbooks_production": True, "ops_runbooks_alarm_actions": False})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "is not an alarm notification" in proc.stdout + proc.stderr
    assert len(proc.recaps) == 1 and "failed=0" in proc.recaps[0], proc.recaps
    assert _alias(sandbox, function) == before  # nothing changed
    record = _record(sandbox, alarm)
    assert record["changes"] == [] and record["notified"] == ["P2"]
    assert record["plan"] == [{"action": "rollback", "resource": function + ":live", "from": before,
                               "to": str(int(before) - 1),
                               "summary": "roll back %s:live from %s to %d" % (function, before, int(before) - 1)}]
    assert any("not run, plan only" in e["event"] and "plan roll back " + function in e["event"]
               for e in record["timeline"])
    [sent] = alarms["notified"]()
    assert sent["Subject"] == "[P2] Alarm " + alarm
    [report] = list(proc.reports.glob("incident-INC-*-alarm-%s-local.md" % alarm))
    assert "## Plan (not run: a person decides)" in report.read_text()


def test_throttling_queue_and_latency_alarms_run_their_read_only_procedures(sandbox, alarms):
    alarms["publish"](_notification("ai-investment-signals-throttled", "ALARM", "OK",
                                    {"TableName": "ai-investment-signals"}, "AWS/DynamoDB", "ThrottledRequests"))
    alarms["publish"](_notification("ai-investment-score-dlq", "ALARM", "OK", {"QueueName": "ai-investment-score-dlq"},
                                    "AWS/SQS", "ApproximateNumberOfMessagesVisible"))
    alarms["publish"](_notification("ai-investment-evaluation-latency", "ALARM", "OK",
                                    {"FunctionName": "ai-investment-evaluation"}, metric="Duration"))
    alarms["publish"](_notification("ai-investment-cost-budget", "ALARM", "OK", {"Currency": "USD"},
                                    "AWS/Billing", "EstimatedCharges"))
    proc = alarms["rulebook"](max_events=4)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert len(proc.recaps) == 3 and all("changed=0" in r for r in proc.recaps), proc.recaps
    troubleshoot = json.loads(next(proc.reports.glob("troubleshoot-*dynamodb_throttling*-local.json")).read_text())
    assert {c["resource"] for c in troubleshoot["checks"]} >= {"ai-investment-signals"}
    queues = json.loads(next(proc.reports.glob("queue*-local.json")).read_text())
    [score] = [c for c in queues["checks"] if c["resource"] == "ai-investment-score"]  # its DLQ holds a message
    assert score["status"] == "warn" and "dlq ai-investment-score-dlq" in score["reason"], score
    performance = json.loads(next(proc.reports.glob("performance-local.json")).read_text())
    assert {c["resource"] for c in performance["checks"]} == {"ai-investment-evaluation"}
    assert "ai-investment-cost-budget (cost_budget): no procedure in the alarm catalogue" in proc.stdout
    assert alarms["notified"]() == []  # no incident, no notification


def test_a_dlq_alarm_whose_entry_says_redrive_moves_the_messages_only_where_allowed(sandbox, alarms):
    sqs, name = alarms["sqs"], "eda-redrive-" + uuid.uuid4().hex[:6]  # a queue pair of the test's own
    dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
    for i in range(2):
        sqs.send_message(QueueUrl=dlq, MessageBody="failed %d" % i)
    entry = {"alarm": name + "-dlq", "kind": "dlq", "procedure": "queue_redrive"}
    sandbox.fire_alarm(name + "-dlq", name)  # an alarm of the test's own, in ALARM

    def depth(url):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    try:
        firing = _notification(name + "-dlq", "ALARM", "OK", {"QueueName": name + "-dlq"}, "AWS/SQS",
                               "ApproximateNumberOfMessagesVisible")
        alarms["publish"](firing)
        held = alarms["rulebook"]({"ops_runbooks_production": True, "ops_runbooks_alarm_actions": False}, entries=[entry])
        assert held.returncode == 0 and len(held.recaps) == 1, held.stdout[-3000:]
        assert "no redrive of %s-dlq in local" % name in held.stdout + held.stderr
        assert (depth(dlq), depth(source)) == (2, 0)  # nothing moved

        alarms["publish"](dict(firing, StateChangeTime="2026-11-23T09:00:00.000+0000"))
        moved = alarms["rulebook"](entries=[entry])  # a non-production inventory: allowed
        assert moved.returncode == 0 and len(moved.recaps) == 1 and "failed=0" in moved.recaps[0], moved.stdout[-3000:]
        assert (depth(dlq), depth(source)) == (0, 2)
    finally:
        sqs.delete_queue(QueueUrl=source)
        sqs.delete_queue(QueueUrl=dlq)
        sandbox.client("cloudwatch").delete_alarms(AlarmNames=[name + "-dlq"])


def _event(name, region="eu-central-1", account="123456789012", runbook=None):
    return {"ansible_eda": {"event": {
        "alarm": {"name": name, "state": "ALARM", "previous_state": "OK", "region": region, "account": account,
                  "at": "2026-11-23T08:00:00.000Z", "reason": "Threshold Crossed", "dimensions": {}},
        "runbook": runbook or {}}}}


def test_an_alarm_of_another_region_or_account_ends_the_host_quietly(sandbox, run_playbook, alarms):
    """A fleet inventory runs every host; each answers only its own account's and region's alarms (role alarm)."""
    incident = {"kind": "function_errors", "procedure": "incident", "severity": "P2", "actions": ["rollback"],
                "functions": ["ai-investment-evaluation"]}
    before = _alias(sandbox, "ai-investment-evaluation")
    elsewhere = run_playbook("playbooks/incident.yml", _event("ai-investment-evaluation-errors", "us-east-1", runbook=incident))
    assert elsewhere.returncode == 0 and "is of 123456789012 us-east-1, this host is ? eu-central-1" in elsewhere.stdout
    other = run_playbook("playbooks/incident.yml", dict(_event("ai-investment-evaluation-errors", runbook=incident),
                                                        ops_runbooks_aws_account_id="999999999999"))
    assert other.returncode == 0 and "this host is 999999999999 eu-central-1" in other.stdout
    unchanged = _alias(sandbox, "ai-investment-evaluation") in (before,)  # a plain == here crashes pylint 3.3.7
    assert unchanged and not alarms["notified"]()
    assert not list(elsewhere.reports.glob("incident-*")) and not list(other.reports.glob("incident-*"))


def test_an_alarm_event_without_its_catalogue_entry_is_refused_by_name(run_playbook):
    proc = run_playbook("playbooks/queue_check.yml", _event("ai-investment-score-dlq"))
    assert proc.returncode != 0
    assert "alarm ai-investment-score-dlq: the event has no procedure (event.runbook.procedure is missing)" in proc.stdout


def test_an_ok_after_midnight_resolves_the_incident_its_alarm_opened_yesterday(sandbox, run_playbook, alarms):
    """The incident id carries the day (one incident per alarm and day): an OK that comes after midnight finds the
    one its ALARM opened the day before; an OK without any incident opens none."""
    alarm = "ai-investment-streaming-errors"
    yesterday = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)).strftime("%Y%m%d")
    opened = run_playbook("playbooks/incident.yml", {
        "incident_response_title": "Alarm " + alarm, "incident_response_id": "INC-%s-alarm-%s" % (yesterday, alarm)})
    assert opened.returncode == 0, opened.stdout[-2000:]
    ok = _event(alarm, runbook={"kind": "function_errors", "procedure": "incident", "severity": "P2",
                                "actions": ["rollback"], "functions": ["ai-investment-streaming"]})
    ok["ansible_eda"]["event"]["alarm"].update(state="OK", previous_state="ALARM")
    resolved = run_playbook("playbooks/incident.yml", ok)
    assert resolved.returncode == 0, resolved.stdout[-2000:]
    record = _record(sandbox, alarm)
    assert record["id"] == "INC-%s-alarm-%s" % (yesterday, alarm) and record["status"] == "Resolved"
    assert [m["Subject"] for m in alarms["notified"]()] == ["[P2] Alarm " + alarm, "[RESOLVED] Alarm " + alarm]

    never = _event("ai-investment-ingest-news-errors", runbook={
        "kind": "function_errors", "procedure": "incident", "severity": "P2", "functions": ["ai-investment-ingest-news"]})
    never["ansible_eda"]["event"]["alarm"].update(state="OK", previous_state="ALARM")
    quiet = run_playbook("playbooks/incident.yml", never)
    assert quiet.returncode == 0 and "no open incident local/INC-" in quiet.stdout
    assert alarms["notified"]() == [] and not list(quiet.reports.glob("incident-*ingest-news*"))


@pytest.mark.parametrize("alarm, reason", [
    ("ai-investment-evaluation-errors", "alarm ai-investment-evaluation-errors is OK now in CloudWatch"),  # late
    ("ai-investment-evaluation-forged-errors", "CloudWatch has no alarm ai-investment-evaluation-forged-errors"),
])
def test_an_alarm_not_in_alarm_now_changes_nothing_and_its_incident_holds_the_plan(sandbox, run_playbook, alarm, reason):
    """A late notification (the alarm is OK again) or one no alarm of the account sent (published by hand to the
    topic): before any action the role alarm asks CloudWatch, and the incident only plans."""
    function = "ai-investment-evaluation"
    before = _alias(sandbox, function)
    event = _event(alarm, runbook={"kind": "function_errors", "procedure": "incident", "severity": "P2",
                                   "actions": ["rollback"], "functions": [function]})
    proc = run_playbook("playbooks/incident.yml", event)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert _alias(sandbox, function) == before
    record = _record(sandbox, alarm)
    assert record["changes"] == [] and [p["resource"] for p in record["plan"]] == [function + ":live"]
    assert any("not run, plan only (%s" % reason in e["event"] for e in record["timeline"]), record["timeline"]
