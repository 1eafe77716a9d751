# -*- coding: utf-8 -*-
"""Alarms that run the runbooks, end to end: real-shaped CloudWatch alarm notifications published to the sandbox's
alert topic reach the alarm queue (subscribed with a filter on the message body, as tests/sandbox/seed.py does),
``ansible-rulebook`` runs extensions/eda/rulebooks/alarm_response.yml with the source ops.runbooks.alarm_queue and
the alarm catalogue (inventories/shared/runbook_001_alarms.yml), and the playbooks act on the emulator.

Asserted in the emulator: the alias really moved (or did not), the incident record in the DynamoDB table, what was
really published on the alert topic (a queue of the test's own subscribed to it), the reports written - and, as an
attacker who may publish to the topic, that nothing of a notification is ever evaluated (Jinja in every string field
leaves its marker file uncreated), that a spoofed dimension, a forged name or a forged recovery moves nothing, that
a burst of forged names pages nobody, and that the per-environment limit of automatic changes holds.
A source stopped between receiving and queueing an event losing nothing is shown in test_alarm_queue.py; an event
given to a playbook directly (as AWX or a person could) in tests/integration/playbooks/test_alarm_events.py.
Each case runs ansible-rulebook with its JVM and full procedures: about 5 minutes in all, so this file (with
test_alarm_events.py) is a target of its own, ``make test-eda``, which CI runs after ``make test``.
"""
from __future__ import annotations

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
from alarm_world import aliases, alias, record_of, records  # noqa: E402,F401  pylint: disable=unused-import
from queues import take  # noqa: E402

CATALOGUE = yaml.safe_load(open(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), "inventories", "shared", "runbook_001_alarms.yml"), encoding="utf-8"))[
    "ops_runbooks_alarm_catalogue"]

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
COLLECTIONS = os.path.join(ROOT, ".build", "collections")
BIN = os.path.dirname(sys.executable)

pytestmark = pytest.mark.moto_only("the rulebooks are proven on the default emulator")


def _notification(name, state, previous, dimensions, namespace="AWS/Lambda", metric="Errors", **more):
    return dict(SINGLE, **dict({
        "AlarmName": name, "NewStateValue": state, "OldStateValue": previous,
        "AlarmArn": "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:" + name,
        "NewStateReason": "Threshold Crossed: 1 datapoint [7.0] was greater than the threshold (5.0).",
        "Trigger": dict(SINGLE["Trigger"], Namespace=namespace, MetricName=metric,
                        Dimensions=[{"name": k, "value": v} for k, v in dimensions.items()])}, **more))


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
        return [json.loads(m["Body"]) for m in take(sqs, url) if "AlarmName" not in json.loads(m["Body"])["Message"]]

    def rulebook(inventory_vars=None, max_events=1, entries=()):
        inventory = tmp_path / ("inventory-" + uuid.uuid4().hex[:6])
        shutil.copytree(os.path.join(ROOT, "inventories", "local"), inventory,
                        ignore=shutil.ignore_patterns("sandbox.yml"))
        # the suite's many rollbacks share one environment: its limit of automatic changes is the limit test's
        details = dict(sandbox.details(), ops_runbooks_alarm_max_actions=100)
        details.update(inventory_vars or {})
        (inventory / "group_vars" / "all" / "sandbox.yml").write_text(yaml.safe_dump(details))
        rulebook_vars = yaml.safe_load(open(os.path.join(ROOT, "inventories", "shared", "runbook_001_alarms.yml")))
        rulebook_vars["ops_runbooks_alarm_catalogue"][:0] = list(entries)  # the test's own entries first
        rulebook_vars.update(ops_runbooks_aws_region="eu-central-1", ops_runbooks_alarm_endpoint_url=sandbox.endpoint_url,
                             ops_runbooks_alarm_max_events=max_events, ops_runbooks_alarm_idle_timeout=5,
                             ops_runbooks_alarm_wait_time=1)  # the messages are in the queue before it starts
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

    def publish(notification, subject="ALARM"):
        sns.publish(TopicArn=topic, Message=json.dumps(notification), Subject=subject)

    return {"publish": publish, "notified": notified, "rulebook": rulebook, "sqs": sqs}


def test_an_alarm_rolls_back_once_its_ok_resolves_its_refire_reopens_and_a_forged_ok_resolves_nothing(
        sandbox, alarms, aliases):
    alarm, function = "ai-investment-score-errors", "ai-investment-score"
    [before] = aliases["keep"](function)
    sandbox.fire_alarm(alarm)  # CloudWatch has it in ALARM (the seeded state), as when it notified
    firing = _notification(alarm, "ALARM", "OK", {"FunctionName": function})
    for _copy in range(3):  # the same state change three times (SNS redelivery, a copy published by someone)
        alarms["publish"](firing)
    proc = alarms["rulebook"](max_events=3)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert len(proc.recaps) == 1 and "failed=0" in proc.recaps[0], proc.recaps  # one procedure for three copies
    assert alias(sandbox, function) == str(int(before) - 1)  # rolled back once, one version
    record = record_of(sandbox, alarm)
    assert record["severity"] == "P2" and record["notified"] == ["P2"] and record["resolved_at"] is None
    assert [(c["action"], c["resource"], c["from"], c["to"]) for c in record["changes"]] == [
        ("rollback", function + ":live", before, str(int(before) - 1))]
    [sent] = alarms["notified"]()  # exactly one notification on the topic
    assert sent["Subject"] == "[P2] Alarm " + alarm and record["id"] in sent["Message"]

    # The alarm recovers: CloudWatch says OK, then notifies.
    sandbox.alarm_state(alarm, "OK")
    alarms["publish"](_notification(alarm, "OK", "ALARM", {"FunctionName": function}))
    resolved = alarms["rulebook"]()
    assert resolved.returncode == 0 and len(resolved.recaps) == 1 and "failed=0" in resolved.recaps[0], resolved.stdout[-3000:]
    record = record_of(sandbox, alarm)
    assert record["status"] == "Resolved" and record["resolved_at"] and "back to OK" in record["resolution"]
    assert alias(sandbox, function) == str(int(before) - 1)  # OK changes nothing
    assert [m["Subject"] for m in alarms["notified"]()] == ["[RESOLVED] Alarm " + alarm]

    # It fires again (a new state change, not a copy): the incident reopens and pages again.
    sandbox.fire_alarm(alarm)
    alarms["publish"](dict(firing, StateChangeTime="2026-11-23T09:00:00.000+0000"))
    again = alarms["rulebook"]()
    assert again.returncode == 0 and len(again.recaps) == 1 and "failed=0" in again.recaps[0], again.stdout[-3000:]
    record = record_of(sandbox, alarm)
    assert record["status"] != "Resolved" and record["resolved_at"] is None and record["notified"] == ["P2"]
    assert any(e["event"].startswith("reopened (resolved at ") for e in record["timeline"]), record["timeline"]
    assert [m["Subject"] for m in alarms["notified"]()] == ["[P2] Alarm " + alarm]

    # A forged OK while CloudWatch still has it in ALARM: nothing runs, nothing is resolved or sent.
    alarms["publish"](_notification(alarm, "OK", "ALARM", {"FunctionName": function}))
    forged = alarms["rulebook"]()
    assert forged.returncode == 0 and forged.recaps == [], forged.stdout[-3000:]
    assert "is ALARM in CloudWatch" in forged.stdout + forged.stderr
    assert record_of(sandbox, alarm)["resolved_at"] is None and alarms["notified"]() == []


def test_in_production_an_error_alarm_changes_nothing_and_the_record_holds_the_plan(sandbox, alarms, aliases):
    alarm, function = "ai-investment-ingest-social-errors", "ai-investment-ingest-social"
    [before] = aliases["keep"](function)
    sandbox.fire_alarm(alarm)
    aliases["fired"].append(alarm)
    # A message that is not an alarm notification comes first: it is moved aside and the source goes on.
    alarms["sqs"].send_message(QueueUrl=alarms["sqs"].get_queue_url(QueueName="runbooks-alarms")["QueueUrl"],
                               MessageBody="not a notification")
    alarms["publish"](_notification(alarm, "ALARM", "OK", {"FunctionName": function}))
    proc = alarms["rulebook"]({"ops_runbooks_production": True, "ops_runbooks_alarm_actions": False})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "not an alarm notification" in proc.stdout + proc.stderr
    assert len(proc.recaps) == 1 and "failed=0" in proc.recaps[0], proc.recaps
    assert alias(sandbox, function) == before  # nothing changed
    record = record_of(sandbox, alarm)
    assert record["changes"] == [] and record["notified"] == ["P2"]
    assert record["plan"] == [{"action": "rollback", "resource": function + ":live", "from": before,
                               "to": str(int(before) - 1),
                               "summary": "roll back %s:live from %s to %d" % (function, before, int(before) - 1)}]
    assert any("not run, plan only" in e["event"] and "plan roll back " + function in e["event"]
               for e in record["timeline"])
    [sent] = alarms["notified"]()
    assert sent["Subject"] == "[P2] Alarm " + alarm
    assert "Actions rollback not run automatically: automatic action is off here" in sent["Message"]
    [report] = list(proc.reports.glob("incident-INC-*-alarm-%s-local.md" % alarm))
    assert "## Plan (not run: a person decides)" in report.read_text()


def test_jinja_in_every_string_of_a_notification_is_never_evaluated(sandbox, alarms, aliases, tmp_path):
    """As someone who may publish to the alert topic (and create alarms): Jinja in the alarm's name, reason,
    description, each dimension's name and value and the SNS subject - of a forged alarm and of a real one - creates
    no marker file, changes nothing, and the real alarm's incident carries its name as text."""
    marker, subject_marker = tmp_path / "evaluated", "/tmp/eda-%s" % uuid.uuid4().hex[:6]
    hostile = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}{%% if true %%}{# x #}{%% endif %%}" % marker
    subject = "{{ lookup('pipe', 'touch %s') }}" % subject_marker  # SNS takes at most 100 characters here
    function = "ai-investment-orchestrator"
    [before] = aliases["keep"](function)
    forged = "ai-investment-%s-forged-errors" % hostile
    real = "ai-investment-%s-errors" % hostile
    sandbox.fire_alarm(real, dimensions={"FunctionName": function, hostile: hostile}, description=hostile,
                       reason="errors " + hostile)
    try:
        for name in (forged, real):  # the claimed dimensions: Jinja too, and another function
            alarms["publish"](_notification(name, "ALARM", "OK", {hostile: hostile, "FunctionName": hostile},
                                            AlarmDescription=hostile, NewStateReason=hostile), subject=subject)
        proc = alarms["rulebook"]({"ops_runbooks_production": True, "ops_runbooks_alarm_actions": False})
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert not marker.exists() and not os.path.exists(subject_marker)
        assert len(proc.recaps) == 1 and "failed=0" in proc.recaps[0], proc.recaps  # the forged one started nothing
        assert "CloudWatch has no alarm" in proc.stdout + proc.stderr
        assert alias(sandbox, function) == before
        record = record_of(sandbox, real)  # its title is the name, as text
        assert record["changes"] == [] and [p["resource"] for p in record["plan"]] == [function + ":live"]
        [sent] = alarms["notified"]()  # the subject as SNS takes it (at most 100 characters), the whole name inside
        assert sent["Subject"] == ("[P2] Alarm " + real)[:97] + "..." and "We are investigating: Alarm %s." % real in sent["Message"]
    finally:
        sandbox.client("cloudwatch").delete_alarms(AlarmNames=[real])
    assert not marker.exists() and not os.path.exists(subject_marker)


def test_a_spoofed_dimension_moves_only_what_cloudwatchs_alarm_watches(sandbox, alarms, aliases):
    alarm, watched, spoofed = "ai-investment-ingest-news-error-rate", "ai-investment-ingest-news", "ai-investment-score"
    watched_before, spoofed_before = aliases["keep"](watched, spoofed)
    aliases["own"](alarm, watched)
    alarms["publish"](_notification(alarm, "ALARM", "OK", {"FunctionName": spoofed}))
    proc = alarms["rulebook"]()
    assert proc.returncode == 0 and len(proc.recaps) == 1 and "failed=0" in proc.recaps[0], proc.stdout[-3000:]
    assert alias(sandbox, spoofed) == spoofed_before  # the message's function: untouched
    assert alias(sandbox, watched) == str(int(watched_before) - 1)  # the alarm's own, from DescribeAlarms
    assert [c["resource"] for c in record_of(sandbox, alarm)["changes"]] == [watched + ":live"]
    alarms["notified"]()


def test_a_burst_of_forged_names_changes_nothing_and_pages_once_for_the_real_alarm(sandbox, alarms, aliases):
    real, function = "ai-investment-evaluation-error-rate", "ai-investment-evaluation"
    [before] = aliases["keep"](function)
    aliases["own"](real, function)
    for i in range(10):  # names the catalogue matches, none of them an alarm of the account
        alarms["publish"](_notification("ai-investment-forged%d-errors" % i, "ALARM", "OK", {"FunctionName": function}))
    alarms["publish"](_notification(real, "ALARM", "OK", {"FunctionName": function}))
    proc = alarms["rulebook"]({"ops_runbooks_production": True, "ops_runbooks_alarm_actions": False})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert len(proc.recaps) == 1, proc.recaps
    assert (proc.stdout + proc.stderr).count("CloudWatch has no alarm") == 10
    assert alias(sandbox, function) == before
    assert [m["Subject"] for m in alarms["notified"]()] == ["[P2] Alarm " + real]
    assert not [r for r in records(sandbox) if "forged" in r.get("title", "")]


def test_the_limit_of_automatic_changes_holds_and_the_notification_says_so(sandbox, alarms, aliases):
    functions = ["ai-investment-streaming", "ai-investment-orchestrator"]
    before = dict(zip(functions, aliases["keep"](*functions)))
    ddb, key = sandbox.client("dynamodb"), {"id": {"S": "local/alarm-actions"}}
    ddb.delete_item(TableName="ops-runbooks-incidents", Key=key)  # this test's count from zero
    try:
        for function in functions:
            aliases["own"](function + "-error-rate", function)
            alarms["publish"](_notification(function + "-error-rate", "ALARM", "OK", {"FunctionName": function}))
        proc = alarms["rulebook"]({"ops_runbooks_alarm_max_actions": 1}, max_events=2)
        assert proc.returncode == 0 and len(proc.recaps) == 2, proc.stdout[-3000:] + proc.stderr[-3000:]
        moved = {f: alias(sandbox, f) != before[f] for f in functions}
        assert sorted(moved.values()) == [False, True], moved  # one rolled back, the other only planned
        [acted] = [f for f, m in moved.items() if m]
        [held_function] = [f for f, m in moved.items() if not m]
        assert alias(sandbox, acted) == str(int(before[acted]) - 1)
        held = record_of(sandbox, held_function + "-error-rate")
        assert held["changes"] == [] and [p["resource"] for p in held["plan"]] == [held_function + ":live"]
        sent = {m["Subject"]: m["Message"] for m in alarms["notified"]()}
        assert "the limit of 1 automatic change(s) per 1h00m is reached" in sent["[P2] Alarm %s-error-rate" % held_function]
        assert "not run automatically" not in sent["[P2] Alarm %s-error-rate" % acted]
    finally:
        ddb.delete_item(TableName="ops-runbooks-incidents", Key=key)


def test_throttling_queue_and_latency_alarms_run_their_read_only_procedures(sandbox, alarms, aliases):
    sandbox.fire_alarm("ai-investment-signals-throttled", dimensions={"TableName": "ai-investment-signals"},
                       namespace="AWS/DynamoDB", metric="ThrottledRequests")
    sandbox.fire_alarm("ai-investment-cost-budget", dimensions={"Currency": "USD"}, namespace="AWS/Billing",
                       metric="EstimatedCharges")
    for name in ("ai-investment-score-dlq", "ai-investment-evaluation-latency"):
        sandbox.fire_alarm(name)
        aliases["fired"].append(name)
    try:
        alarms["publish"](_notification("ai-investment-signals-throttled", "ALARM", "OK",
                                        {"TableName": "ai-investment-signals"}, "AWS/DynamoDB", "ThrottledRequests"))
        alarms["publish"](_notification("ai-investment-score-dlq", "ALARM", "OK",
                                        {"QueueName": "ai-investment-score-dlq"}, "AWS/SQS",
                                        "ApproximateNumberOfMessagesVisible"))
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
    finally:
        sandbox.client("cloudwatch").delete_alarms(AlarmNames=["ai-investment-signals-throttled",
                                                               "ai-investment-cost-budget"])


def test_a_dlq_alarm_whose_entry_says_redrive_moves_the_messages_only_where_allowed(sandbox, alarms):
    sqs, name = alarms["sqs"], "eda-redrive-" + uuid.uuid4().hex[:6]  # a queue pair of the test's own
    dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
    for i in range(2):
        sqs.send_message(QueueUrl=dlq, MessageBody="failed %d" % i)
    entry = {"alarm": name + "-dlq", "kind": "dlq", "procedure": "queue_redrive"}
    # an alarm of the test's own on its DLQ, in ALARM; the queues are the environment's (its inventory names them)
    sandbox.fire_alarm(name + "-dlq", dimensions={"QueueName": name + "-dlq"}, namespace="AWS/SQS",
                       metric="ApproximateNumberOfMessagesVisible")
    inventory = {"ops_runbooks_queues": [name, name + "-dlq"],
                 "ops_runbooks_alarm_catalogue": [entry] + CATALOGUE}

    def depth(url):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    try:
        firing = _notification(name + "-dlq", "ALARM", "OK", {"QueueName": name + "-dlq"}, "AWS/SQS",
                               "ApproximateNumberOfMessagesVisible")
        alarms["publish"](firing)
        held = alarms["rulebook"](dict(inventory, ops_runbooks_production=True, ops_runbooks_alarm_actions=False),
                                  entries=[entry])
        assert held.returncode == 0 and len(held.recaps) == 1, held.stdout[-3000:]
        assert "no redrive of %s-dlq in local" % name in held.stdout + held.stderr
        assert (depth(dlq), depth(source)) == (2, 0)  # nothing moved

        alarms["publish"](firing)  # the same state change again, to a rulebook of a non-production inventory
        moved = alarms["rulebook"](inventory, entries=[entry])
        assert moved.returncode == 0 and len(moved.recaps) == 1 and "failed=0" in moved.recaps[0], moved.stdout[-3000:]
        assert (depth(dlq), depth(source)) == (0, 2)
    finally:
        sqs.delete_queue(QueueUrl=source)
        sqs.delete_queue(QueueUrl=dlq)
        sandbox.client("cloudwatch").delete_alarms(AlarmNames=[name + "-dlq"])
