# -*- coding: utf-8 -*-
"""The event source ops.runbooks.alarm_queue against the emulator: a CloudWatch alarm notification published to an
alert topic reaches the subscribed queue and becomes one normalized event; the message is gone only once the event
is queued; a source stopped in between loses nothing (the message comes back after its visibility timeout and is
handled by the next run); a malformed message is moved aside and does not stop the source.

Each test has a topic and queue of its own (the sandbox's alert inbox is read by the incident tests)."""
from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "unit",
                                "extensions"))

from ansible_collections.ops.runbooks.extensions.eda.plugins.event_source import alarm_queue  # noqa: E402
from alarm_samples import SINGLE  # noqa: E402  the real-shaped notification of the unit tests

pytestmark = pytest.mark.moto_only("the EDA source is proven on the default emulator")


@pytest.fixture
def inbox(sandbox):
    """A topic with a queue subscribed (as tests/sandbox/seed.py subscribes runbooks-alert-inbox) and an aside queue."""
    sns, sqs = sandbox.client("sns"), sandbox.client("sqs")
    name = "eda-" + uuid.uuid4().hex[:8]
    topic = sns.create_topic(Name=name + "-alerts")["TopicArn"]
    url = sqs.create_queue(QueueName=name + "-inbox")["QueueUrl"]
    aside = sqs.create_queue(QueueName=name + "-aside")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    args = {"queue_name": name + "-inbox", "region": "eu-central-1", "endpoint_url": sandbox.endpoint_url,
            "access_key": sandbox.admin_credentials["aws_access_key_id"],
            "secret_key": sandbox.admin_credentials["aws_secret_access_key"], "wait_time": 1, "idle_timeout": 3}
    return {"publish": lambda message: sns.publish(TopicArn=topic, Message=message,
                                                   Subject="ALARM: %s" % name),
            "url": url, "aside": aside, "sqs": sqs, "args": args, "cloudwatch": sandbox.client("cloudwatch")}


def _run(args, queue=None):
    queue = queue or asyncio.Queue()
    asyncio.run(alarm_queue.main(queue, args))
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events


def _left(inbox, url):
    attributes = inbox["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_an_alarm_notification_becomes_one_event_and_leaves_the_queue(inbox):
    inbox["publish"](json.dumps(SINGLE))
    events = _run(dict(inbox["args"], max_events=1))
    assert len(events) == 1
    alarm = events[0]["alarm"]
    assert (alarm["name"], alarm["state"], alarm["metric"]) == ("ai-investment-score-errors", "ALARM", "Errors")
    assert alarm["dimensions"] == {"FunctionName": "ai-investment-score"} and alarm["region"] == "eu-central-1"
    assert events[0]["sns"]["topic_arn"].endswith("-alerts")
    assert _left(inbox, inbox["url"]) == 0


def test_a_malformed_message_and_a_forged_alarm_are_moved_aside_and_the_real_alarm_still_arrives(inbox):
    forged = dict(SINGLE, AlarmName="ai-investment-forged-errors",
                  AlarmArn="arn:aws:cloudwatch:eu-central-1:123456789012:alarm:ai-investment-forged-errors")
    inbox["publish"]("disk full, call Bob")
    inbox["publish"](json.dumps(forged))  # no such alarm in CloudWatch: someone published it
    inbox["publish"](json.dumps(dict(SINGLE, NewStateValue="OK", OldStateValue="ALARM")))  # CloudWatch says ALARM
    inbox["publish"](json.dumps(SINGLE))  # the seeded alarm, in ALARM: the one real notification
    events = _run(dict(inbox["args"], malformed_queue_url=inbox["aside"], max_events=1))
    assert [(e["alarm"]["name"], e["alarm"]["state"]) for e in events] == [("ai-investment-score-errors", "ALARM")]
    # CloudWatch's own reason (DescribeAlarms), never the message's; read now, as another test of the same sandbox may
    # have set the seeded alarm again (sandbox.fire_alarm) with a reason of its own
    described = inbox["cloudwatch"].describe_alarms(AlarmNames=["ai-investment-score-errors"])["MetricAlarms"][0]
    assert events[0]["alarm"]["episode"] and events[0]["alarm"]["reason"] == described["StateReason"]
    assert events[0]["alarm"]["reason"] != SINGLE["NewStateReason"]
    assert _left(inbox, inbox["url"]) == 0
    aside = []
    while True:
        got = inbox["sqs"].receive_message(QueueUrl=inbox["aside"], WaitTimeSeconds=1, MaxNumberOfMessages=10)
        if not got.get("Messages"):
            break
        aside += [json.loads(m["Body"])["Message"] for m in got["Messages"]]
    assert aside[0] == "disk full, call Bob" and len(aside) == 3
    assert {json.loads(m)["AlarmName"] for m in aside[1:]} == {"ai-investment-forged-errors", "ai-investment-score-errors"}


def test_a_source_stopped_before_queueing_loses_nothing(inbox):
    class Stopping(asyncio.Queue):
        async def put(self, item):
            raise asyncio.CancelledError()  # ansible-rulebook stops the source between receive and queueing

    inbox["publish"](json.dumps(SINGLE))
    with pytest.raises(asyncio.CancelledError):
        _run(dict(inbox["args"], visibility_timeout=1), queue=Stopping())
    assert _left(inbox, inbox["url"]) == 1  # still there, invisible for its visibility timeout
    time.sleep(1.5)
    events = _run(dict(inbox["args"], max_events=1))  # the next run handles it, once
    assert [e["alarm"]["name"] for e in events] == ["ai-investment-score-errors"]
    assert _left(inbox, inbox["url"]) == 0
