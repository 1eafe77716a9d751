# -*- coding: utf-8 -*-
"""FIFO queues for sqs_redrive and queue_depth, on both emulators (groups, order, deduplication).

moto does no FIFO deduplication; LocalStack does, as AWS: a send that repeats a MessageDeduplicationId within 5
minutes is accepted and dropped, answering with the first send's MessageId. So the data-loss reproduction below
(a redrive right after the messages were first sent) only fails on LocalStack when the module re-sends with the
original deduplication id - it is the reason this matrix runs on both.
"""
from __future__ import annotations

import json
import time
import uuid

import pytest
from queues import take

pytestmark = pytest.mark.localstack

GROUPS = ("g0", "g1", "g2")


def fifo_pair(sqs, max_receive=1):
    """A FIFO queue whose FIFO DLQ takes a message after ``max_receive`` receives: ``(name, url, dlq_url)``."""
    name = "ff-" + uuid.uuid4().hex[:8]
    dlq_url = sqs.create_queue(QueueName=name + "-dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=name + ".fifo", Attributes={
        "FifoQueue": "true",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive)}),
    })["QueueUrl"]
    return name, url, dlq_url


def send_in_groups(sqs, url, per_group=3):
    """``per_group`` messages in each of GROUPS, each with its own deduplication id; the bodies in send order."""
    bodies = []
    for i in range(per_group):
        for group in GROUPS:
            body = json.dumps({"group": group, "seq": i})
            sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                             MessageDeduplicationId="%s-%d-%s" % (group, i, uuid.uuid4().hex[:6]))
            bodies.append(body)
    return bodies


def fail_into_dlq(sqs, url, dlq_url, count, timeout=30):
    """Receive without deleting (VisibilityTimeout=0) until ``count`` messages sit in the DLQ (maxReceiveCount)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        if depth(sqs, dlq_url)["ApproximateNumberOfMessages"] == count:
            return
    raise AssertionError("the messages did not reach the DLQ: %s" % depth(sqs, dlq_url))


def depth(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return dict((k, int(v)) for k, v in attrs.items())


def drain_fifo(sqs, url):
    """Every message in the queue in the order FIFO delivers it (receive and delete: a group with a message in
    flight delivers nothing more)."""
    return [m["Body"] for m in take(sqs, url, wait=1)]


def in_group_order(bodies):
    """``{group: [seq, ...]}`` in the order received."""
    order = {}
    for body in bodies:
        message = json.loads(body)
        order.setdefault(message["group"], []).append(message["seq"])
    return order


@pytest.mark.parametrize("method", ["auto", "receive_send"])
def test_fifo_redrive_right_after_the_first_send_loses_nothing_and_keeps_group_order(aws, run_module, method,
                                                                                     emulator):
    """The data-loss reproduction: 9 messages with deduplication ids fail into the FIFO DLQ and are redriven at once,
    well within SQS's 5-minute deduplication window. Re-sending with the original deduplication ids is accepted and
    dropped (on LocalStack, as on AWS): moved=9, both queues empty. Every message must arrive, in group order.

    Order is asserted on LocalStack: moto re-queues a FIFO message received with VisibilityTimeout=0 at the end of its
    group, so its DLQ does not hold the messages in the order they were sent - there is no order to keep."""
    sqs = aws("sqs")
    name, url, dlq_url = fifo_pair(sqs)
    sent = send_in_groups(sqs, url)
    fail_into_dlq(sqs, url, dlq_url, len(sent))

    result = run_module("sqs_redrive", {"queue": name + "-dlq.fifo", "method": method, "visibility_timeout": 5})

    assert not result.get("failed"), result["msg"]
    assert (result["moved"], result["method"], result["failures"]) == (9, "receive_send", [])
    assert depth(sqs, dlq_url)["ApproximateNumberOfMessages"] == 0
    arrived = drain_fifo(sqs, url)
    assert sorted(arrived) == sorted(sent), "lost: %s" % sorted(set(sent) - set(arrived))
    if emulator == "localstack":
        assert in_group_order(arrived) == dict((group, [0, 1, 2]) for group in GROUPS)


def test_fifo_redrive_twice_within_the_window_moves_the_second_batch_too(aws, run_module):
    """Two redrives of the same queue within 5 minutes: the second run's deduplication ids are its own, so messages
    that failed again after the first redrive are not dropped as duplicates of the first redrive's sends."""
    sqs = aws("sqs")
    name, url, dlq_url = fifo_pair(sqs)
    sent = send_in_groups(sqs, url, per_group=1)
    fail_into_dlq(sqs, url, dlq_url, 3)
    first = run_module("sqs_redrive", {"queue": name + "-dlq.fifo"})
    assert not first.get("failed") and first["moved"] == 3, first
    fail_into_dlq(sqs, url, dlq_url, 3)  # the consumer is still broken: the same messages fail again

    second = run_module("sqs_redrive", {"queue": name + "-dlq.fifo"})

    assert not second.get("failed") and second["moved"] == 3, second
    assert sorted(drain_fifo(sqs, url)) == sorted(sent)


@pytest.mark.parametrize("kind", ["throttle", "503", "drop_after"])
def test_a_fifo_send_whose_answer_is_lost_loses_nothing_and_sends_nothing_twice(aws, faults, run_module_faulty,
                                                                                emulator, kind):
    """The FIFO send (SendMessageBatch) with one fault: the batch is sent again with this run's same deduplication
    ids, so SQS (LocalStack, as AWS) drops the repeat - every message arrives once. moto does no deduplication: there
    a batch sent twice arrives twice, at most one batch."""
    sqs = aws("sqs")
    name, url, dlq_url = fifo_pair(sqs)
    sent = send_in_groups(sqs, url)
    fail_into_dlq(sqs, url, dlq_url, len(sent))
    faults.configure(rate=1.0, kinds=[kind], ops=["SendMessageBatch"], budget=1, seed=1)

    result = run_module_faulty("sqs_redrive", {"queue": name + "-dlq.fifo", "visibility_timeout": 5})

    assert [e["fault"] for e in faults.faults_injected() if e["operation"] == "SendMessageBatch"] == [kind]
    assert not result.get("failed"), result["msg"]
    assert depth(sqs, dlq_url)["ApproximateNumberOfMessages"] == 0
    arrived = drain_fifo(sqs, url)
    assert set(arrived) == set(sent), "lost: %s" % sorted(set(sent) - set(arrived))
    if emulator == "localstack" or kind != "drop_after":
        assert sorted(arrived) == sorted(sent)  # none twice
    else:
        assert len(arrived) - len(sent) <= 10


def test_fifo_check_mode_and_move_task_refusal_move_nothing(aws, run_module):
    sqs = aws("sqs")
    name, url, dlq_url = fifo_pair(sqs)
    sent = send_in_groups(sqs, url, per_group=1)
    fail_into_dlq(sqs, url, dlq_url, 3)

    planned = run_module("sqs_redrive", {"queue": name + "-dlq.fifo"}, check_mode=True)
    forced = run_module("sqs_redrive", {"queue": name + "-dlq.fifo", "method": "move_task"})

    assert planned["changed"] is True and planned["would_move"] == 3 and planned["moved"] == 3
    assert forced["failed"] is True and "method" in forced["msg"] and "deduplication" in forced["msg"], forced["msg"]
    assert sorted(drain_fifo(sqs, dlq_url)) == sorted(sent) and drain_fifo(sqs, url) == []


def test_queue_depth_counts_a_fifo_queue_and_its_fifo_dlq(aws, run_module):
    """Groups in flight, messages in the FIFO DLQ: the counts and the DLQ found through the redrive policy."""
    sqs = aws("sqs")
    name, url, dlq_url = fifo_pair(sqs, max_receive=5)
    send_in_groups(sqs, url, per_group=2)  # 6 messages in 3 groups
    sqs.send_message(QueueUrl=dlq_url, MessageBody="poison", MessageGroupId="g0", MessageDeduplicationId="p1")
    taken = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=300).get("Messages", [])
    assert taken

    result = run_module("queue_depth", {"queues": [name + ".fifo"]})

    [queue] = result["queues"]
    assert queue["name"] == name + ".fifo" and queue["in_flight"] == len(taken)
    assert queue["visible"] == 6 - len(taken)
    assert (queue["dlq"]["name"], queue["dlq"]["visible"], queue["dlq"]["status"]) == (name + "-dlq.fifo", 1, "fail")
    assert result["failed"] is True and result["summary"]["fail"] == 1
