# -*- coding: utf-8 -*-
"""sqs_redrive against the emulator (which has no StartMessageMoveTask: method auto falls back to receive/send).

The move-task path is unit-tested with Stubber (tests/unit/plugins/modules/test_sqs_redrive_logic.py).
"""
from __future__ import annotations

import uuid

import pytest

from iam import documented_actions, policy
from test_queue_depth import _queue


def drain(sqs, url):
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        if not got:
            return bodies
        bodies += [m["Body"] for m in got]


def dlq_holding(sqs, prefix, count):
    """A queue with a DLQ holding ``count`` messages: ``(name, url, dlq_url, bodies)``."""
    name = prefix + uuid.uuid4().hex[:8]
    url, dlq_url = _queue(sqs, name)
    bodies = ["m%02d" % i for i in range(count)]
    for body in bodies:
        sqs.send_message(QueueUrl=dlq_url, MessageBody=body)
    return name, url, dlq_url, bodies


def visible(sqs, url):
    return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"])


@pytest.fixture
def pair(aws):
    sqs = aws("sqs")
    name = "rd-" + uuid.uuid4().hex[:8]
    url, dlq_url = _queue(sqs, name)
    return sqs, name, url, dlq_url


def test_redrive_25_messages_loses_none_and_duplicates_none(pair, run_module):
    sqs, name, url, dlq_url = pair
    sent = ["message-%02d" % i for i in range(25)]
    for body in sent:
        sqs.send_message(QueueUrl=dlq_url, MessageBody=body, MessageAttributes={
            "origin": {"DataType": "String", "StringValue": "test"}})
    planned = run_module("sqs_redrive", {"queue": name + "-dlq"}, check_mode=True)
    assert planned["changed"] is True and planned["moved"] == 25 and visible(sqs, dlq_url) == 25
    result = run_module("sqs_redrive", {"queue": name + "-dlq"})
    assert not result.get("failed"), result["msg"]
    assert (result["moved"], result["method"], result["destination"]) == (25, "receive_send", url)
    assert visible(sqs, dlq_url) == 0
    assert sorted(drain(sqs, url)) == sent  # every message exactly once
    again = run_module("sqs_redrive", {"queue": name + "-dlq"})
    assert again["changed"] is False and again["moved"] == 0


def test_max_messages_and_rate(pair, run_module):
    sqs, name, url, dlq_url = pair
    for i in range(12):
        sqs.send_message(QueueUrl=dlq_url, MessageBody="m%d" % i)
    result = run_module("sqs_redrive", {"queue": dlq_url, "max_messages": 5, "rate": 100})
    assert result["moved"] == 5 and visible(sqs, dlq_url) == 7 and len(drain(sqs, url)) == 5


def test_explicit_destination_and_ambiguous_source(aws, run_module):
    sqs = aws("sqs")
    name = "rd-" + uuid.uuid4().hex[:8]
    _url, dlq_url = _queue(sqs, name)
    arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(QueueName=name + "-second", Attributes={
        "RedrivePolicy": '{"deadLetterTargetArn": "%s", "maxReceiveCount": "3"}' % arn})
    sqs.send_message(QueueUrl=dlq_url, MessageBody="x")
    ambiguous = run_module("sqs_redrive", {"queue": dlq_url})
    assert ambiguous["failed"] is True and "2 queues" in ambiguous["msg"]
    assert visible(sqs, dlq_url) == 1
    other = sqs.create_queue(QueueName=name + "-elsewhere")["QueueUrl"]
    chosen = run_module("sqs_redrive", {"queue": dlq_url, "destination": name + "-elsewhere"})
    assert chosen["moved"] == 1 and drain(sqs, other) == ["x"]


def test_purge_without_confirm_fails_and_purges_nothing(pair, run_module):
    sqs, name, url, _dlq = pair
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody="stale %d" % i)
    refused = run_module("sqs_redrive", {"queue": name, "purge": True})
    assert refused["failed"] is True and "confirm=true" in refused["msg"]
    assert visible(sqs, url) == 3
    checked = run_module("sqs_redrive", {"queue": name, "purge": True, "confirm": True}, check_mode=True)
    assert checked["changed"] is True and visible(sqs, url) == 3
    purged = run_module("sqs_redrive", {"queue": name, "purge": True, "confirm": True})
    assert purged["purged"] is True and visible(sqs, url) == 0
    again = run_module("sqs_redrive", {"queue": name, "purge": True, "confirm": True})
    assert again["changed"] is False


@pytest.mark.parametrize("args, message", [
    ({"queue": "rd-nope-queue"}, "queue rd-nope-queue not found"),
    ({"queue": "x", "max_messages": 0}, "max_messages"),
    ({"queue": "x", "rate": float("inf")}, "rate: inf is out of range (1 to 500)"),
    ({"queue": "x", "rate": 0.5}, "rate: 0.5 is out of range"),
    ({"queue": "x", "purge": True, "confirm": True, "destination": "y"}, "purge and destination are exclusive"),
])
def test_bad_input(run_module, args, message):
    result = run_module("sqs_redrive", args)
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_destination_equal_to_the_queue_is_refused_and_moves_nothing(pair, run_module):
    sqs, name, _url, dlq_url = pair
    sqs.send_message(QueueUrl=dlq_url, MessageBody="only one")
    for destination in (name + "-dlq", dlq_url):
        result = run_module("sqs_redrive", {"queue": name + "-dlq", "destination": destination})
        assert result["failed"] is True and result["msg"].startswith("destination: "), result["msg"]
        assert "is the queue itself" in result["msg"] and result["moved"] == 0
    assert drain(sqs, dlq_url) == ["only one"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("sqs_redrive")
    assert set(actions) == {"sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ListDeadLetterSourceQueues",
                            "sqs:ReceiveMessage", "sqs:SendMessage", "sqs:DeleteMessage", "sqs:StartMessageMoveTask",
                            "sqs:ListMessageMoveTasks", "sqs:PurgeQueue"}
    sqs = iam_sandbox.client("sqs")

    def redrive_path():
        name = "rd-" + uuid.uuid4().hex[:8]
        _url, dlq_url = _queue(sqs, name)
        sqs.send_message(QueueUrl=dlq_url, MessageBody="x")
        return {"queue": name + "-dlq", "method": "receive_send"}

    def purge_path():
        name = "rd-" + uuid.uuid4().hex[:8]
        url = _queue(sqs, name, dlq=False)[0]
        sqs.send_message(QueueUrl=url, MessageBody="x")
        return {"queue": name, "purge": True, "confirm": True}

    for path, needed in ((redrive_path, ["sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ListDeadLetterSourceQueues",
                                         "sqs:ReceiveMessage", "sqs:SendMessage", "sqs:DeleteMessage"]),
                         (purge_path, ["sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:PurgeQueue"])):
        allowed = run_module_iam("sqs_redrive", path(), iam_sandbox.iam_user(policy(actions)))
        assert not allowed.get("failed"), allowed["msg"]
        assert allowed["changed"] is True
        for missing in needed:
            denied = run_module_iam("sqs_redrive", path(),
                                    iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
            assert denied.get("failed") is True, "%s still works without %s" % (path.__name__, missing)
            assert "not authorized" in denied["msg"] or "AccessDenied" in denied["msg"], (missing, denied["msg"])
