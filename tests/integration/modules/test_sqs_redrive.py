# -*- coding: utf-8 -*-
"""sqs_redrive against both emulators: moto has no StartMessageMoveTask (method auto falls back to receive/send),
LocalStack has it (method auto moves with a task). FIFO queues: test_sqs_fifo.py.

The move-task answers neither emulator gives (FAILED tasks, timeouts) are unit-tested with Stubber
(tests/unit/plugins/modules/test_sqs_redrive_logic.py).
"""
from __future__ import annotations

import time
import uuid

import pytest

from iam import assert_denied, documented_actions, policy
from test_queue_depth import _queue

pytestmark = pytest.mark.localstack
# The method auto picks for a standard queue: what the emulator offers.
AUTO_METHOD = {"moto": "receive_send", "localstack": "move_task"}


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


def eventually_visible(sqs, url, count, timeout=10):
    """Wait until ``count`` messages are visible (a hidden message returns after its visibility timeout - LocalStack
    notices that on its own schedule)."""
    deadline = time.monotonic() + timeout
    while visible(sqs, url) != count and time.monotonic() < deadline:
        time.sleep(0.2)
    return visible(sqs, url)


def visible(sqs, url):
    return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"])


@pytest.fixture
def pair(aws):
    sqs = aws("sqs")
    name = "rd-" + uuid.uuid4().hex[:8]
    url, dlq_url = _queue(sqs, name)
    return sqs, name, url, dlq_url


def test_redrive_25_messages_loses_none_and_duplicates_none(pair, run_module, emulator):
    sqs, name, url, dlq_url = pair
    sent = ["message-%02d" % i for i in range(25)]
    for body in sent:
        sqs.send_message(QueueUrl=dlq_url, MessageBody=body, MessageAttributes={
            "origin": {"DataType": "String", "StringValue": "test"}})
    planned = run_module("sqs_redrive", {"queue": name + "-dlq"}, check_mode=True)
    assert planned["changed"] is True and planned["moved"] == 25 and visible(sqs, dlq_url) == 25
    result = run_module("sqs_redrive", {"queue": name + "-dlq"})
    assert not result.get("failed"), result["msg"]
    assert (result["moved"], result["method"], result["destination"]) == (25, AUTO_METHOD[emulator], url)
    assert result["failures"] == [] and ("task_handle" in result) == (AUTO_METHOD[emulator] == "move_task")
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
    assert result["remaining"] == 0  # the cap was reached: nothing is missing


def test_a_low_rate_spreads_the_moves_over_time(pair, run_module):
    """rate=4 for 12 messages (batches of at most 10): the second batch may start only after 10/4 = 2.5 s. A lower
    bound on the elapsed time - it fails only if the limit is not applied, never because the machine is slow."""
    sqs, _name, url, dlq_url = pair
    for i in range(12):
        sqs.send_message(QueueUrl=dlq_url, MessageBody="m%d" % i)
    started = time.monotonic()
    result = run_module("sqs_redrive", {"queue": dlq_url, "rate": 4, "method": "receive_send"})
    elapsed = time.monotonic() - started
    assert result["moved"] == 12 and len(drain(sqs, url)) == 12
    assert elapsed >= 2.5, elapsed


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
    ({"queue": "x", "rate": float("inf")}, "rate: inf is not a finite number"),
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

    def auto_path():  # StartMessageMoveTask first (the emulator authorizes it, then answers NotImplemented)
        return dict(redrive_path(), method="auto")

    for path, needed in ((redrive_path, ["sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ListDeadLetterSourceQueues",
                                         "sqs:ReceiveMessage", "sqs:SendMessage", "sqs:DeleteMessage",
                                         "sqs:ListMessageMoveTasks"]),
                         (auto_path, ["sqs:StartMessageMoveTask"]),
                         (purge_path, ["sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:PurgeQueue"])):
        allowed = run_module_iam("sqs_redrive", path(), iam_sandbox.iam_user(policy(actions)))
        assert not allowed.get("failed"), allowed["msg"]
        assert allowed["changed"] is True
        for missing in needed:
            denied = run_module_iam("sqs_redrive", path(),
                                    iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
            assert_denied(denied, missing)


def test_a_destination_that_refuses_the_messages_keeps_them_in_the_dlq(aws, run_module):
    """The emulator refuses a batch holding a message above the destination's MaximumMessageSize (the per-entry
    refusals AWS can also answer are unit-tested with a fake, tests/unit/plugins/modules/test_sqs_redrive_logic.py)."""
    sqs = aws("sqs")
    name = "rd-" + uuid.uuid4().hex[:8]
    dlq_url = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    small_url = sqs.create_queue(QueueName=name + "-small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    sqs.send_message(QueueUrl=dlq_url, MessageBody="x" * 2000)
    result = run_module("sqs_redrive", {"queue": name + "-dlq", "destination": name + "-small",
                                        "method": "receive_send", "visibility_timeout": 1})
    assert result["failed"] is True and "shorter than 1024 bytes" in result["msg"], result["msg"]
    # Refused per entry (LocalStack) the reasons are in failures too - a list, not Ansible's failed flag; refused as a
    # whole batch (moto) the error ends the task before there is a reason per message.
    assert isinstance(result["failures"], list) and all("1024" in f for f in result["failures"])
    assert eventually_visible(sqs, dlq_url, 1) == 1  # the received message reappears after its visibility timeout
    assert drain(sqs, dlq_url) == ["x" * 2000] and drain(sqs, small_url) == []


@pytest.mark.moto_only("LocalStack offers StartMessageMoveTask")
def test_move_task_method_on_an_endpoint_without_it_fails_clearly(pair, run_module):
    """method=move_task where the endpoint answers NotImplemented (the emulator): a clear failure, nothing moved."""
    sqs, name, url, dlq_url = pair
    sqs.send_message(QueueUrl=dlq_url, MessageBody="stay")
    result = run_module("sqs_redrive", {"queue": name + "-dlq", "method": "move_task", "wait": True,
                                        "wait_timeout": 30})
    assert result["failed"] is True and "does not support StartMessageMoveTask" in result["msg"]
    assert drain(sqs, dlq_url) == ["stay"] and drain(sqs, url) == []


def test_allow_partial_accepts_what_remains(pair, run_module):
    """wait_timeout=0 ends the redrive before a message moved: remaining is reported; it fails unless allow_partial."""
    sqs, name, _url, dlq_url = pair
    for i in range(3):
        sqs.send_message(QueueUrl=dlq_url, MessageBody="m%d" % i)
    args = {"queue": name + "-dlq", "method": "receive_send", "wait_timeout": 0}
    strict = run_module("sqs_redrive", args)
    assert strict["failed"] is True and strict["remaining"] == 3 and "allow_partial" in strict["msg"]
    partial = run_module("sqs_redrive", dict(args, allow_partial=True))
    assert not partial.get("failed") and partial["remaining"] == 3 and partial["moved"] == 0
    assert visible(sqs, dlq_url) == 3


def test_move_task_with_max_messages_is_refused_and_moves_nothing(pair, run_module):
    """A move task cannot stop after N messages: the combination is refused, not silently run as receive/send."""
    sqs, name, url, dlq_url = pair
    sqs.send_message(QueueUrl=dlq_url, MessageBody="stay")
    result = run_module("sqs_redrive", {"queue": name + "-dlq", "method": "move_task", "max_messages": 1})
    assert result["failed"] is True and "max_messages" in result["msg"] and "method" in result["msg"]
    assert drain(sqs, dlq_url) == ["stay"] and drain(sqs, url) == []


def test_a_queue_no_longer_anyones_dlq_is_redriven_to_the_given_destination(aws, run_module, emulator):
    """The source queue dropped its redrive policy: AWS and LocalStack refuse StartMessageMoveTask (the queue is not
    a DLQ); method auto then moves by receive/send to the destination given (moto accepts the task: no fall-back)."""
    sqs = aws("sqs")
    name = "rd-" + uuid.uuid4().hex[:8]
    url, dlq_url = _queue(sqs, name)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": ""})
    bodies = ["orphan-%d" % i for i in range(4)]
    for body in bodies:
        sqs.send_message(QueueUrl=dlq_url, MessageBody=body)
    result = run_module("sqs_redrive", {"queue": name + "-dlq", "destination": name})
    assert not result.get("failed"), result["msg"]
    assert (result["moved"], result["method"]) == (4, "receive_send")
    assert sorted(drain(sqs, url)) == bodies and visible(sqs, dlq_url) == 0


@pytest.mark.localstack_only("moto has no StartMessageMoveTask")
def test_wait_false_returns_the_task_handle_and_changed(pair, run_module):
    """wait=false returns as soon as the task started: changed with its handle, whatever it had moved by then."""
    sqs, name, url, dlq_url = pair
    for i in range(20):
        sqs.send_message(QueueUrl=dlq_url, MessageBody="w%02d" % i)
    result = run_module("sqs_redrive", {"queue": name + "-dlq", "wait": False, "rate": 1})
    assert not result.get("failed"), result["msg"]
    assert result["changed"] is True and result["method"] == "move_task" and result["task_handle"]
    assert "started move task" in result["msg"] and 0 <= result["moved"] < 20
    tasks = sqs.list_message_move_tasks(SourceArn=sqs.get_queue_attributes(
        QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])["Results"]
    assert tasks[0]["TaskHandle"] == result["task_handle"]
    sqs.cancel_message_move_task(TaskHandle=result["task_handle"])
