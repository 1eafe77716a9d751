# -*- coding: utf-8 -*-
"""The event source ops.runbooks.alarm_queue (extensions/eda/plugins/event_source/alarm_queue.py) and the rules it
shares with the module alarm_verify (plugins/module_utils/alarms.py): the notification parser on real-shaped
CloudWatch notifications (single metric, metric math, composite; SNS envelope and raw delivery), the checks a message
must pass before it is an event (account, region, topic, raw delivery, CloudWatch has the alarm in that state), the
event built from CloudWatch's description with every string inert, and the receive loop against stand-in SQS,
CloudWatch and STS clients - what the emulator cannot show: a stop between receive and queueing, failing receives,
a failing delete, CloudWatch not answering."""
from __future__ import annotations

import asyncio
import copy
import datetime
import json
import os
import sys

import pytest

from ansible_collections.ops.runbooks.extensions.eda.plugins.event_source import alarm_queue
from ansible_collections.ops.runbooks.plugins.module_utils import alarms

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
    assert alarm["metric"] is None and alarm["dimensions"] == {}


def test_an_ok_transition_is_an_event_too():
    alarm = alarm_queue.parse_message(envelope(dict(SINGLE, NewStateValue="OK", OldStateValue="ALARM")))["alarm"]
    assert (alarm["state"], alarm["previous_state"]) == ("OK", "ALARM")


@pytest.mark.parametrize("body, reason", [
    ("not json", "the message body is not JSON"),
    (json.dumps({"Type": "Notification", "Message": "hello"}), "the SNS message is not JSON"),
    (envelope({"NewStateValue": "ALARM"}), "no AlarmName"),
    (envelope(dict(SINGLE, NewStateValue="BROKEN")), 'NewStateValue BROKEN is not one of'),
    (envelope(dict(SINGLE, AlarmName=["a", "list"])), "no AlarmName"),
    (envelope({k: v for k, v in SINGLE.items() if k != "Trigger"}), "no Trigger"),
    (envelope(dict(SINGLE, StateChangeTime="yesterday")), 'StateChangeTime yesterday is not a time'),
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


def described(message, state=None, **changes):
    """What DescribeAlarms answers for the alarm of a notification (MetricAlarm or CompositeAlarm shape)."""
    found = {"AlarmName": message["AlarmName"], "AlarmArn": message["AlarmArn"],
             "AlarmDescription": message.get("AlarmDescription"), "StateValue": state or message["NewStateValue"],
             "StateReason": message.get("NewStateReason"),
             "StateUpdatedTimestamp": datetime.datetime(2026, 11, 23, 8, 0, 0, tzinfo=datetime.timezone.utc)}
    if "AlarmRule" in message:
        found["AlarmRule"] = message["AlarmRule"]
    else:
        trigger = message["Trigger"]
        found.update({k: trigger[k] for k in ("MetricName", "Namespace", "Statistic", "Threshold",
                                              "ComparisonOperator", "Metrics") if k in trigger})
        found["Dimensions"] = [{"Name": d["name"], "Value": d["value"]} for d in trigger.get("Dimensions", [])]
    found.update(changes)
    return found


class FakeCloudWatch:
    """DescribeAlarms over the given alarms (MetricAlarm/CompositeAlarm dicts); can fail, records the names asked."""

    def __init__(self, *found, failures=0, error=None):
        self.found, self.failures, self.error, self.asked = list(found), failures, error, []

    def describe_alarms(self, AlarmNames, AlarmTypes):  # noqa: N803  pylint: disable=invalid-name
        self.asked.append(AlarmNames[0])
        if self.failures:
            self.failures -= 1
            raise self.error or ConnectionError("connection reset")
        hits = [a for a in self.found if a["AlarmName"] in AlarmNames]
        return {"MetricAlarms": [a for a in hits if "AlarmRule" not in a and "MetricAlarm" in AlarmTypes],
                "CompositeAlarms": [a for a in hits if "AlarmRule" in a and "CompositeAlarm" in AlarmTypes]}


class FakeSTS:
    def __init__(self, account="123456789012"):
        self.account, self.calls = account, 0

    def get_caller_identity(self):
        self.calls += 1
        return {"Account": self.account}


def _message(number, body):
    return {"MessageId": "m%d" % number, "ReceiptHandle": "r%d" % number, "Body": body}


def _run(client, args, queue=None, cloudwatch=None, sts=None):
    queue = queue or asyncio.Queue()
    slept = []

    async def sleep(seconds):
        slept.append(seconds)

    cloudwatch = cloudwatch or FakeCloudWatch(described(SINGLE), described(MATH), described(COMPOSITE))
    asyncio.run(alarm_queue.main(queue, dict({"queue_name": "inbox", "wait_time": 0, "idle_timeout": 1,
                                              "region": "eu-central-1", "raw_delivery": True}, **args),
                                 client=client, sleep=sleep, cloudwatch=cloudwatch, sts=sts or FakeSTS()))
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events, slept


def test_each_notification_becomes_one_event_and_is_deleted_after_it_is_queued():
    client = FakeSQS([[_message(1, envelope(SINGLE)), _message(2, "garbage"), _message(3, json.dumps(COMPOSITE))]])
    events, _slept = _run(client, {"malformed_queue_url": "http://sqs/aside"})
    assert [e["alarm"]["name"] for e in events] == ["ai-investment-score-errors", "ai-investment-api-degraded"]
    assert events[0]["meta"]["source"]["name"] == "ops.runbooks.alarm_queue"
    assert [e["delivery"] for e in events] == ["sns", "raw"]
    assert client.deleted == ["r1", "r2", "r3"]  # the malformed one moved aside, then deleted: no endless redelivery
    assert client.sent == [("http://sqs/aside", "garbage")]


def test_the_event_is_cloudwatchs_alarm_not_the_messages():
    """A message naming a real alarm but another function: the event has CloudWatch's dimensions (the resources a
    procedure acts on), its reason and description, and the episode of its state change."""
    spoofed = dict(SINGLE, NewStateReason="forged", AlarmDescription="forged", Trigger=dict(
        SINGLE["Trigger"], Namespace="AWS/SQS", Dimensions=[{"name": "FunctionName", "value": "ai-investment-ingest-news"}]))
    cloudwatch = FakeCloudWatch(described(SINGLE, StateReason="7 errors in 5 minutes"))
    [event], _slept = _run(FakeSQS([[_message(1, envelope(spoofed))]]), {"catalogue": _catalogue()},
                           cloudwatch=cloudwatch)
    alarm = event["alarm"]
    assert alarm["dimensions"] == {"FunctionName": "ai-investment-score"} and alarm["namespace"] == "AWS/Lambda"
    assert (alarm["reason"], alarm["description"]) == ("7 errors in 5 minutes", "Lambda errors of the score function")
    assert event["runbook"]["functions"] == ["ai-investment-score"]
    assert alarm["episode"] == "2026-11-23T08:00:00.000Z" and alarm["at"] == "2026-11-23T08:00:00.123Z"
    assert (alarm["account"], alarm["region"]) == ("123456789012", "eu-central-1")


HOSTILE = "{{ lookup('ansible.builtin.pipe', 'id > /tmp/x') }}{% if true %}{# c #}\\u007b\\"


def _hostile(message):
    """Jinja (and the escape itself) in every string field of a notification."""
    hostile = dict(message, AlarmName="ai-investment-%s-errors" % HOSTILE, NewStateReason=HOSTILE,
                   AlarmDescription=HOSTILE)
    hostile["AlarmArn"] = "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:" + hostile["AlarmName"]
    if "Trigger" in message:
        hostile["Trigger"] = dict(message["Trigger"], MetricName=HOSTILE, Namespace=HOSTILE,
                                  Dimensions=[{"name": HOSTILE, "value": HOSTILE},
                                              {"name": "FunctionName", "value": HOSTILE}])
    return hostile


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("message", [SINGLE, MATH, COMPOSITE], ids=["single", "math", "composite"])
def test_no_string_of_an_event_can_open_a_template_and_each_comes_back_exactly(message):
    hostile = _hostile(message)
    body = json.loads(envelope(hostile))
    body["Subject"] = HOSTILE
    found = described(hostile)
    [event], _slept = _run(FakeSQS([[_message(1, json.dumps(body))]]), {"catalogue": _catalogue()},
                           cloudwatch=FakeCloudWatch(found))
    strings = list(_strings(event))
    assert strings and not [s for s in strings if "{" in s or "}" in s]
    back = alarms.restore(event)
    assert back["alarm"]["name"] == hostile["AlarmName"] and back["sns"]["subject"] == HOSTILE
    assert back["alarm"]["reason"] == HOSTILE and back["alarm"]["description"] == HOSTILE
    if "Trigger" in message and "Metrics" not in message["Trigger"]:
        assert back["alarm"]["dimensions"] == {HOSTILE: HOSTILE, "FunctionName": HOSTILE}
        assert back["runbook"]["functions"] == [HOSTILE]


@pytest.mark.parametrize("text", ["", "plain", "{", "}", "\\", "\\u007b", "\\u005cu007b", "{{ x }}", "\\\\u007d{"])
def test_inert_and_restore_are_exact_inverses(text):
    assert "{" not in alarms.inert(text) and "}" not in alarms.inert(text)
    assert alarms.restore(alarms.inert(text)) == text


@pytest.mark.parametrize("change, verdict, reason", [
    ({"AWSAccountId": "999999999999"}, "foreign", "is of account 999999999999, not 123456789012"),
    ({"AlarmArn": "arn:aws:cloudwatch:eu-central-1:999999999999:alarm:x"}, "foreign", "is of account"),
    ({"AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:x"}, "foreign", "is of region us-east-1"),
    ({"AWSAccountId": None, "AlarmArn": None}, "rejected", "names no account"),
])
def test_a_claim_of_another_account_or_region_is_not_this_sources(change, verdict, reason):
    claim = alarms.parse_message(envelope(dict(SINGLE, **change)))
    got = alarms.screen_claim(claim, "123456789012", "eu-central-1", "ai-investment-alerts")
    assert got[0] == verdict and reason in got[1], got


def test_the_topic_and_the_delivery_must_be_the_environments():
    claim = alarms.parse_message(envelope(SINGLE))
    assert alarms.screen_claim(claim, "123456789012", "eu-central-1", "ai-investment-alerts") == ("ok", "")
    assert alarms.screen_claim(claim, "123456789012", "eu-central-1",
                               "arn:aws:sns:eu-central-1:123456789012:ai-investment-alerts")[0] == "ok"
    other = alarms.screen_claim(claim, "123456789012", "eu-central-1", "security-alerts")
    assert other[0] == "rejected" and "not the alert topic security-alerts" in other[1]
    elsewhere = json.loads(envelope(SINGLE))
    elsewhere["TopicArn"] = "arn:aws:sns:eu-central-1:999999999999:ai-investment-alerts"  # someone else's topic
    assert alarms.screen_claim(alarms.parse_message(json.dumps(elsewhere)), "123456789012", "eu-central-1")[0] == "rejected"
    raw = alarms.parse_message(json.dumps(SINGLE))
    refused = alarms.screen_claim(raw, "123456789012", "eu-central-1", "ai-investment-alerts")
    assert refused[0] == "rejected" and "raw delivery" in refused[1]
    assert alarms.screen_claim(raw, "123456789012", "eu-central-1", "ai-investment-alerts", raw_delivery=True)[0] == "ok"


def test_a_message_that_fails_a_check_starts_nothing_and_is_moved_aside():
    forged = dict(SINGLE, AlarmName="ai-investment-forged-errors",
                  AlarmArn="arn:aws:cloudwatch:eu-central-1:123456789012:alarm:ai-investment-forged-errors")
    late = dict(SINGLE, NewStateValue="OK", OldStateValue="ALARM")  # a forged (or late) recovery: CloudWatch says ALARM
    foreign = dict(SINGLE, AWSAccountId="999999999999")
    client = FakeSQS([[_message(1, envelope(forged)), _message(2, envelope(late)), _message(3, envelope(foreign)),
                       _message(4, json.dumps(SINGLE))]])
    events, _slept = _run(client, {"malformed_queue_url": "http://sqs/aside", "raw_delivery": False})
    assert events == []
    assert client.deleted == ["r1", "r2", "r3", "r4"] and len(client.sent) == 4


def test_a_burst_of_forged_names_asks_cloudwatch_once_each_and_starts_nothing(caplog):
    forged = [dict(SINGLE, AlarmName="ai-investment-f%d-errors" % i,
                   AlarmArn="arn:aws:cloudwatch:eu-central-1:123456789012:alarm:ai-investment-f%d-errors" % i)
              for i in range(10)]
    cloudwatch = FakeCloudWatch(described(SINGLE))
    client = FakeSQS([[_message(i, envelope(m)) for i, m in enumerate(forged)]])
    with caplog.at_level("WARNING", logger="ops.runbooks.alarm_queue"):
        events, _slept = _run(client, {}, cloudwatch=cloudwatch)
    assert events == [] and len(cloudwatch.asked) == 10 and len(client.deleted) == 10
    lines = [r.getMessage() for r in caplog.records if "starts nothing" in r.getMessage()]
    assert len(lines) == 10 and all("CloudWatch has no alarm" in line for line in lines)


def test_a_log_line_never_carries_a_raw_newline_of_the_message():
    forged = dict(SINGLE, AlarmName="x\nalarm_queue: forged line", AWSAccountId="999999999999")
    client = FakeSQS([[_message(1, envelope(forged))]])
    events, _slept = _run(client, {})
    assert events == [] and client.deleted == ["r1"]
    assert "\n" not in alarms.screen_claim(alarms.parse_message(envelope(forged)), "123456789012", "eu-central-1")[1]


def test_when_cloudwatch_cannot_answer_the_message_stays_and_the_source_backs_off():
    client = FakeSQS([[_message(1, envelope(SINGLE))], [_message(2, envelope(SINGLE))]])
    cloudwatch = FakeCloudWatch(described(SINGLE), failures=1)
    events, slept = _run(client, {}, cloudwatch=cloudwatch)
    assert client.deleted == ["r2"] and len(events) == 1  # r1 comes again after its visibility timeout
    assert len(slept) == 1


def test_a_name_cloudwatch_refuses_is_no_such_alarm():
    class Refused(Exception):
        response = {"Error": {"Code": "ValidationError", "Message": "AlarmNames too long"}}

    client = FakeSQS([[_message(1, envelope(dict(SINGLE, AlarmName="x" * 300)))]])
    events, slept = _run(client, {}, cloudwatch=FakeCloudWatch(failures=1, error=Refused()))
    assert events == [] and client.deleted == ["r1"] and slept == []


def test_the_account_is_the_credentials_unless_given():
    sts = FakeSTS("123456789012")
    _run(FakeSQS([]), {}, sts=sts)
    assert sts.calls == 1
    given = FakeSTS("999999999999")
    events, _slept = _run(FakeSQS([[_message(1, envelope(SINGLE))]]), {"account_id": "123456789012"}, sts=given)
    assert given.calls == 0 and len(events) == 1


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
    ({"queue_name": "q", "raw_delivery": "maybe"}, "raw_delivery must be true or false"),
    ({"queue_name": "q", "account_id": "12345"}, "account_id must be a 12-digit AWS account id"),
    ({"queue_name": "q", "region": "{{ x }}"}, "region is needed"),
])
def test_bad_arguments_are_named(args, message):
    with pytest.raises(ValueError, match=message):
        asyncio.run(alarm_queue.main(asyncio.Queue(), copy.deepcopy(args), client=FakeSQS([]),
                                     cloudwatch=FakeCloudWatch(), sts=FakeSTS()))


# ---- the alarm catalogue (inventories/shared/runbook_001_alarms.yml) --------------------------------------------
def _catalogue(name="runbook_001_alarms.yml"):
    import yaml  # pylint: disable=import-outside-toplevel
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    with open(os.path.join(root, "inventories", "shared", name)) as f:
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
                      "queue": None, "table": None, "ecs_cluster": None, "ecs_service": None,
                      "catalogue_entry": "ai-investment-*-errors"}
    math = alarm_queue.classify(alarm_queue.parse_message(envelope(MATH))["alarm"], catalogue)  # its first metric's
    assert (math["kind"], math["function"]) == ("function_errors", "ai-investment-score")
    throttled = alarm_queue.classify({"name": "ai-investment-signals-throttled",
                                      "dimensions": {"TableName": "ai-investment-signals"}}, catalogue)
    assert (throttled["problem"], throttled["table"]) == ("dynamodb_throttling", "ai-investment-signals")
    ecs = alarm_queue.classify({"name": "agenticai-prod-websocket-tasks", "dimensions": {
        "ClusterName": "agenticai-cluster", "ServiceName": "agenticai-websocket"}}, _catalogue("runbook_004_alarms.yml"))
    assert (ecs["procedure"], ecs["problem"], ecs["ecs_cluster"], ecs["ecs_service"]) == (
        "troubleshoot", "websocket", "agenticai-cluster", "agenticai-websocket")
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
        asyncio.run(alarm_queue.main(None, {"queue_name": "q", "catalogue": catalogue}, client=object(),
                                     cloudwatch=object()))


def test_the_source_tags_each_event_with_its_catalogue_entry():
    [event], _slept = _run(FakeSQS([[_message(1, envelope(SINGLE))]]), {"max_events": 1, "catalogue": _catalogue()})
    assert event["runbook"]["procedure"] == "incident" and event["runbook"]["function"] == "ai-investment-score"


def test_whole_numbers_from_the_environment_are_taken_as_numbers():
    """ansible-rulebook --env-vars gives strings: "2" is 2, "two" names the argument; "false" is false."""
    args = {"queue_url": "u", "wait_time": "0", "idle_timeout": "1", "raw_delivery": "false", "region": "eu-central-1"}
    asyncio.run(alarm_queue.main(asyncio.Queue(), args, client=FakeSQS([]), sleep=lambda _: asyncio.sleep(0),
                                 cloudwatch=FakeCloudWatch(), sts=FakeSTS()))
    assert args["idle_timeout"] == "1"  # the caller's arguments are left as they were
    with pytest.raises(ValueError, match="max_events must be a whole number from 1 up, got 'two'"):
        asyncio.run(alarm_queue.main(None, {"queue_url": "u", "max_events": "two"}, client=object()))


def test_the_source_loads_the_shared_rules_by_its_path_as_ansible_rulebook_runs_it():
    """ansible-rulebook runs the source file by its path (runpy), with no collections on sys.path: the source finds
    plugins/module_utils/alarms.py of its own collection by the path."""
    import subprocess  # pylint: disable=import-outside-toplevel
    source = os.path.abspath(alarm_queue.__file__)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", "import runpy, sys; m = runpy.run_path(sys.argv[1]); "
                           "print(m['ALARMS'].__name__, m['ALARMS'].inert('{x}'))", source],
                          capture_output=True, text=True, env=env, cwd="/", check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ops_runbooks_alarms", "\\u007bx\\u007d"]
