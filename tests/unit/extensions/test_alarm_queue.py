# -*- coding: utf-8 -*-
"""The event source ops.runbooks.alarm_queue (extensions/eda/plugins/event_source/alarm_queue.py): the notification
parser on real-shaped CloudWatch notifications (single metric, metric math, composite; SNS envelope and raw
delivery), and the receive loop against a stand-in SQS client - what the emulator cannot show: a stop between receive
and queueing, failing receives, a failing delete."""
from __future__ import annotations

import asyncio
import copy
import json
import os
import sys

import pytest

from ansible_collections.ops.runbooks.extensions.eda.plugins.event_source import alarm_queue

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from alarm_samples import COMPOSITE, MATH, SINGLE, envelope  # noqa: E402  pylint: disable=wrong-import-position


def test_a_single_metric_alarm_in_its_sns_envelope():
    event = alarm_queue.parse_message(envelope(SINGLE))
    alarm = event["alarm"]
    assert (alarm["name"], alarm["state"], alarm["previous_state"]) == ("ai-investment-score-errors", "ALARM", "OK")
    assert (alarm["kind"], alarm["metric"], alarm["namespace"]) == ("metric", "Errors", "AWS/Lambda")
    assert alarm["dimensions"] == {"FunctionName": "ai-investment-score"}
    assert (alarm["account"], alarm["region"]) == ("123456789012", "eu-central-1")  # the region from the ARN
    assert alarm["at"] == "2026-11-23T08:00:00.123Z" and alarm["threshold"] == 5.0
    assert alarm["comparison"] == "GreaterThanThreshold" and alarm["statistic"] == "SUM"
    assert alarm["reason"].startswith("Threshold Crossed")
    assert event["sns"]["message_id"] == "0d8f-1" and event["sns"]["topic_arn"].endswith(":ai-investment-alerts")


def test_a_metric_math_alarm_names_its_expression_and_metrics():
    alarm = alarm_queue.parse_message(envelope(MATH))["alarm"]
    assert alarm["kind"] == "metric_math" and alarm["expression"] == "100 * errors / invocations"
    assert [m["metric"] for m in alarm["metrics"]] == ["Errors", "Invocations"]
    assert (alarm["metric"], alarm["namespace"], alarm["statistic"]) == ("Errors", "AWS/Lambda", "Sum")
    assert alarm["dimensions"] == {"FunctionName": "ai-investment-score"}


def test_a_composite_alarm_gives_its_rule_and_the_children_that_triggered():
    alarm = alarm_queue.parse_message(json.dumps(COMPOSITE))["alarm"]  # raw message delivery: no envelope
    assert alarm["kind"] == "composite" and alarm["rule"].startswith("ALARM(ai-investment-api-5xx) AND")
    assert alarm["children"] == [{"arn": "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:ai-investment-api-5xx",
                                  "state": "ALARM"}]
    assert alarm["metric"] is None and alarm["dimensions"] == {}


def test_an_ok_transition_is_an_event_too():
    alarm = alarm_queue.parse_message(envelope(dict(SINGLE, NewStateValue="OK", OldStateValue="ALARM")))["alarm"]
    assert (alarm["state"], alarm["previous_state"]) == ("OK", "ALARM")


@pytest.mark.parametrize("body, reason", [
    ("not json", "the message body is not JSON"),
    (json.dumps({"Type": "Notification", "Message": "hello"}), "the SNS message is not JSON"),
    (envelope({"NewStateValue": "ALARM"}), "no AlarmName"),
    (envelope(dict(SINGLE, NewStateValue="BROKEN")), "NewStateValue 'BROKEN' is not one of"),
    (envelope({k: v for k, v in SINGLE.items() if k != "Trigger"}), "no Trigger"),
    (envelope(dict(SINGLE, StateChangeTime="yesterday")), "StateChangeTime 'yesterday' is not a time"),
    (json.dumps([1, 2]), "not a JSON object"),
])
def test_what_is_not_an_alarm_notification_says_why(body, reason):
    with pytest.raises(alarm_queue.NotAnAlarm, match=reason):
        alarm_queue.parse_message(body)


class FakeSQS:
    """Receives the given batches, then nothing; records deletes and sends; can fail receives and deletes."""

    def __init__(self, batches, receive_failures=0, delete_failures=0):
        self.batches, self.receive_failures, self.delete_failures = list(batches), receive_failures, delete_failures
        self.deleted, self.sent = [], []

    def get_queue_url(self, QueueName):  # noqa: N803  pylint: disable=invalid-name
        return {"QueueUrl": "http://sqs/" + QueueName}

    def receive_message(self, **_kwargs):
        if self.receive_failures:
            self.receive_failures -= 1
            raise ConnectionError("connection reset")
        return {"Messages": self.batches.pop(0)} if self.batches else {}

    def delete_message(self, QueueUrl, ReceiptHandle):  # noqa: N803  pylint: disable=invalid-name
        if self.delete_failures:
            self.delete_failures -= 1
            raise ConnectionError("lost")
        self.deleted.append(ReceiptHandle)

    def send_message(self, QueueUrl, MessageBody):  # noqa: N803  pylint: disable=invalid-name
        self.sent.append((QueueUrl, MessageBody))


def _message(number, body):
    return {"MessageId": "m%d" % number, "ReceiptHandle": "r%d" % number, "Body": body}


def _run(client, args, queue=None):
    queue = queue or asyncio.Queue()
    slept = []

    async def sleep(seconds):
        slept.append(seconds)

    asyncio.run(alarm_queue.main(queue, dict({"queue_name": "inbox", "wait_time": 0, "idle_timeout": 1}, **args),
                                 client=client, sleep=sleep))
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events, slept


def test_each_notification_becomes_one_event_and_is_deleted_after_it_is_queued():
    client = FakeSQS([[_message(1, envelope(SINGLE)), _message(2, "garbage"), _message(3, json.dumps(COMPOSITE))]])
    events, _slept = _run(client, {"malformed_queue_url": "http://sqs/aside"})
    assert [e["alarm"]["name"] for e in events] == ["ai-investment-score-errors", "ai-investment-api-degraded"]
    assert events[0]["meta"]["source"]["name"] == "ops.runbooks.alarm_queue"
    assert client.deleted == ["r1", "r2", "r3"]  # the malformed one moved aside, then deleted: no endless redelivery
    assert client.sent == [("http://sqs/aside", "garbage")]


def test_max_events_stops_and_leaves_the_rest_in_the_queue():
    client = FakeSQS([[_message(1, envelope(SINGLE)), _message(2, envelope(MATH))]])
    events, _slept = _run(client, {"max_events": 1})
    assert len(events) == 1 and client.deleted == ["r1"]


def test_a_source_stopped_between_receive_and_queueing_deletes_nothing():
    class Stopping(asyncio.Queue):
        async def put(self, item):
            raise asyncio.CancelledError()  # ansible-rulebook cancels the source here

    client = FakeSQS([[_message(1, envelope(SINGLE))]])
    with pytest.raises(asyncio.CancelledError):
        _run(client, {}, queue=Stopping())
    assert client.deleted == []  # the message comes back after its visibility timeout


def test_failing_receives_back_off_and_the_source_goes_on():
    client = FakeSQS([[_message(1, envelope(SINGLE))]], receive_failures=3)
    events, slept = _run(client, {})
    assert len(events) == 1 and client.deleted == ["r1"]
    assert len(slept) == 3 and slept[0] <= 2.0 and slept[2] <= 8.0 and slept[0] < slept[2]


def test_a_failing_delete_is_logged_not_fatal():
    client = FakeSQS([[_message(1, envelope(SINGLE)), _message(2, envelope(MATH))]], delete_failures=1)
    events, _slept = _run(client, {})
    assert len(events) == 2 and client.deleted == ["r2"]  # r1 will come again: at least once


@pytest.mark.parametrize("args, message", [
    ({}, "give queue_url or queue_name"),
    ({"queue_name": "q", "wait_time": 21}, "wait_time must be a whole number from 0 to 20"),
    ({"queue_name": "q", "max_messages": 0}, "max_messages must be a whole number from 1 to 10"),
    ({"queue_name": "q", "max_events": True}, "max_events"),
])
def test_bad_arguments_are_named(args, message):
    with pytest.raises(ValueError, match=message):
        asyncio.run(alarm_queue.main(asyncio.Queue(), copy.deepcopy(args), client=FakeSQS([])))


# ---- the alarm catalogue (inventories/shared/runbook_001_alarms.yml) --------------------------------------------
def _catalogue():
    import yaml  # pylint: disable=import-outside-toplevel
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    with open(os.path.join(root, "inventories", "shared", "runbook_001_alarms.yml")) as f:
        return yaml.safe_load(f)["ops_runbooks_alarm_catalogue"]


def test_the_catalogue_is_valid_and_names_a_procedure_for_every_alarm_of_runbook_001():
    catalogue = _catalogue()
    alarm_queue.check_catalogue(catalogue)
    # the alarms tests/sandbox/seed.py creates (runbook 001's ObservabilityStack) and runbook 004's
    seeded = ["ai-investment-%s-%s" % (f, kind) for f in ("ingest-social", "score", "streaming")
              for kind in ("errors", "latency", "throttles")] + ["ai-investment-score-dlq", "ai-investment-ingest-dlq"]
    expected = {"errors": "incident", "latency": "performance", "throttles": "performance", "dlq": "queue_check"}
    for name in seeded:
        runbook = alarm_queue.classify({"name": name, "dimensions": {}}, catalogue)
        assert runbook["procedure"] == expected[name.rsplit("-", 1)[1]], (name, runbook)
    for name, kind, procedure in (("ai-investment-api-5xx", "api_5xx", "incident"),
                                  ("ai-investment-signals-throttled", "dynamodb_throttling", "troubleshoot"),
                                  ("ai-investment-ingest-depth", "queue_depth", "queue_check"),
                                  ("ai-investment-score-error-rate", "function_errors", "incident"),
                                  ("ai-investment-cost-budget", "cost_budget", "none")):
        runbook = alarm_queue.classify({"name": name, "dimensions": {}}, catalogue)
        assert (runbook["kind"], runbook["procedure"]) == (kind, procedure), name
    # every entry is reachable: no earlier pattern shadows it
    for entry in catalogue:
        example = entry["alarm"].replace("*", "score")
        assert alarm_queue.classify({"name": example, "dimensions": {}}, catalogue)["catalogue_entry"] == entry["alarm"]


def test_an_event_carries_its_catalogue_entry_with_the_resources_of_its_dimensions():
    catalogue = _catalogue()
    single = alarm_queue.classify(alarm_queue.parse_message(envelope(SINGLE))["alarm"], catalogue)
    assert single == {"kind": "function_errors", "procedure": "incident", "severity": "P2", "actions": ["rollback"],
                      "problem": None, "functions": ["ai-investment-score"], "function": "ai-investment-score",
                      "queue": None, "table": None, "catalogue_entry": "ai-investment-*-errors"}
    math = alarm_queue.classify(alarm_queue.parse_message(envelope(MATH))["alarm"], catalogue)  # its first metric's
    assert (math["kind"], math["function"]) == ("function_errors", "ai-investment-score")
    throttled = alarm_queue.classify({"name": "ai-investment-signals-throttled",
                                      "dimensions": {"TableName": "ai-investment-signals"}}, catalogue)
    assert (throttled["problem"], throttled["table"]) == ("dynamodb_throttling", "ai-investment-signals")
    five = alarm_queue.classify({"name": "ai-investment-api-5xx", "dimensions": {"ApiName": "ai-investment"}}, catalogue)
    assert five["actions"] == [] and "ai-investment-score" in five["functions"]  # the entry names the API's functions
    # a composite alarm has no dimensions: its entry names the resources
    composite = alarm_queue.parse_message(envelope(COMPOSITE))["alarm"]
    assert alarm_queue.classify(composite, catalogue)["procedure"] == "none"  # not in runbook 001's catalogue
    own = [{"alarm": "ai-investment-api-degraded", "kind": "api_degraded", "procedure": "incident", "severity": "P1",
            "functions": ["ai-investment-score"]}]
    assert alarm_queue.classify(composite, own)["functions"] == ["ai-investment-score"]
    unknown = alarm_queue.classify({"name": "someone-elses-alarm", "dimensions": {}}, catalogue)
    assert (unknown["kind"], unknown["procedure"], unknown["catalogue_entry"]) == ("unknown", "none", None)


@pytest.mark.parametrize("catalogue, message", [
    ({"alarm": "x"}, "catalogue must be a list"),
    (["x"], "catalogue[0] must be a mapping"),
    ([{"kind": "k", "procedure": "incident"}], "catalogue[0].alarm is required"),
    ([{"alarm": "a", "kind": "k", "procedure": "incident"}, {"alarm": "b", "kind": "k"}], "catalogue[1].procedure is required"),
    ([{"alarm": "a", "kind": "k", "procedure": "rollback"}], "catalogue[0].procedure must be one of incident"),
    ([{"alarm": "a", "kind": "k", "procedure": "incident", "actions": "rollback"}], "catalogue[0].actions must be a list"),
])
def test_a_bad_catalogue_is_refused_naming_the_entry_and_field(catalogue, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        asyncio.run(alarm_queue.main(None, {"queue_name": "q", "catalogue": catalogue}, client=object()))


def test_the_source_tags_each_event_with_its_catalogue_entry():
    class OneMessage:  # a stand-in SQS client: one notification, then nothing
        def __init__(self):
            self.messages = [{"MessageId": "m1", "ReceiptHandle": "r1", "Body": envelope(SINGLE)}]

        def receive_message(self, **_):
            messages, self.messages = self.messages, []
            return {"Messages": messages}

        def delete_message(self, **_):
            return {}

    queue = asyncio.Queue()
    asyncio.run(alarm_queue.main(queue, {"queue_url": "u", "max_events": 1, "catalogue": _catalogue()},
                                 client=OneMessage()))
    event = queue.get_nowait()
    assert event["runbook"]["procedure"] == "incident" and event["runbook"]["function"] == "ai-investment-score"


def test_whole_numbers_from_the_environment_are_taken_as_numbers():
    """ansible-rulebook --env-vars gives strings: "2" is 2, "two" names the argument."""
    class Nothing:  # a stand-in SQS client that never has a message
        @staticmethod
        def receive_message(**_):
            return {}

    args = {"queue_url": "u", "wait_time": "0", "idle_timeout": "1"}
    asyncio.run(alarm_queue.main(asyncio.Queue(), args, client=Nothing(), sleep=lambda _: asyncio.sleep(0)))
    assert args["idle_timeout"] == "1"  # the caller's arguments are left as they were
    with pytest.raises(ValueError, match="max_events must be a whole number from 1 up, got 'two'"):
        asyncio.run(alarm_queue.main(None, {"queue_url": "u", "max_events": "two"}, client=object()))
