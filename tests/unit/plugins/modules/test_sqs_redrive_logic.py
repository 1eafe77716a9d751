# -*- coding: utf-8 -*-
"""Unit tests of sqs_redrive's paths the emulator cannot show.

StartMessageMoveTask is not implemented by the emulator (it answers 500): the move-task path, the fall-back
decision and a start whose answer is lost are tested with botocore's Stubber. The receive/send loop's stopping and rate rules use a fake client.
"""
from __future__ import annotations

import botocore.exceptions
import pytest
from stubbed import add_queue_arns
from stubbed import retrying
from stubbed import client as make_client
from botocore.stub import Stubber

from ansible_collections.ops.runbooks.plugins.module_utils import errors
from ansible_collections.ops.runbooks.plugins.modules import sqs_redrive

DLQ = "https://sqs.eu-central-1.amazonaws.com/123456789012/q-dlq"
DEST = "https://sqs.eu-central-1.amazonaws.com/123456789012/q"


def _arns(stub):
    add_queue_arns(stub, DLQ, DEST)


def test_move_task_runs_until_completed():
    client = make_client("sqs")
    with Stubber(client) as stub:
        _arns(stub)
        stub.add_response("start_message_move_task", {"TaskHandle": "h1"}, {
            "SourceArn": "arn:aws:sqs:eu-central-1:123456789012:q-dlq",
            "DestinationArn": "arn:aws:sqs:eu-central-1:123456789012:q", "MaxNumberOfMessagesPerSecond": 50})
        stub.add_response("list_message_move_tasks", {"Results": [
            {"TaskHandle": "h1", "Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 25}]})
        assert sqs_redrive.move_with_task(retrying(client), DLQ, DEST, 50, True, 60) == (25, "h1")
        stub.assert_no_pending_responses()


def test_a_start_whose_answer_is_lost_is_recognized_by_the_task_running_not_sent_twice():
    """Stubber (the emulator has no move tasks): StartMessageMoveTask answered 503 after it may have started the task;
    AWS would refuse a second start while it runs - the module takes the running task as its own."""
    client, once = make_client("sqs"), make_client("sqs")
    with Stubber(client) as stub, Stubber(once) as stub_once:
        _arns(stub)
        stub_once.add_client_error("start_message_move_task", "ServiceUnavailable", http_status_code=503)
        stub.add_response("list_message_move_tasks", {"Results": [{"TaskHandle": "h9", "Status": "RUNNING"}]})
        stub.add_response("list_message_move_tasks", {"Results": [
            {"TaskHandle": "h9", "Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 7}]})
        assert sqs_redrive.move_with_task(retrying(client), DLQ, DEST, None, True, 60, sqs_once=once) == (7, "h9")
        stub.assert_no_pending_responses()
        stub_once.assert_no_pending_responses()  # one start, not two


def test_move_task_unsupported_falls_back():
    client = make_client("sqs")
    with Stubber(client) as stub:
        _arns(stub)
        stub.add_client_error("start_message_move_task", "UnsupportedOperation", http_status_code=400)
        assert sqs_redrive.move_with_task(retrying(client), DLQ, DEST, None, True, 60) is None


def test_a_queue_that_is_no_dlq_falls_back_under_auto_and_fails_when_forced():
    """AWS refuses StartMessageMoveTask with InvalidParameterValue when no queue names the source as its DLQ."""
    client = make_client("sqs")
    with Stubber(client) as stub:
        for fall_back in (True, False):
            _arns(stub)
            stub.add_client_error("start_message_move_task", "InvalidParameterValue", http_status_code=400,
                                  service_message="Source queue must be configured as a Dead Letter Queue.")
        assert sqs_redrive.move_with_task(retrying(client), DLQ, DEST, None, True, 60, fall_back=True) is None
        with pytest.raises(botocore.exceptions.ClientError, match="Dead Letter Queue"):
            sqs_redrive.move_with_task(retrying(client), DLQ, DEST, None, True, 60, fall_back=False)


def test_move_task_failure_is_an_error():
    client = make_client("sqs")
    with Stubber(client) as stub:
        _arns(stub)
        stub.add_response("start_message_move_task", {"TaskHandle": "h1"})
        stub.add_response("list_message_move_tasks", {"Results": [
            {"TaskHandle": "h1", "Status": "FAILED", "FailureReason": "destination gone"}]})
        with pytest.raises(errors.OpsRunbooksError, match="FAILED: destination gone"):
            sqs_redrive.move_with_task(retrying(client), DLQ, DEST, None, True, 60)


class FakeQueues:
    """receive/send/delete over an in-memory DLQ; ``refuse`` makes every send fail."""

    def __init__(self, count, refuse=False):
        self.dlq = ["m%d" % i for i in range(count)]
        self.dest = []
        self.refuse = refuse

    def receive_message(self, aws_retry=False, QueueUrl=None, MaxNumberOfMessages=10, **kw):  # noqa: N803
        batch = self.dlq[:MaxNumberOfMessages]
        return {"Messages": [{"Body": b, "ReceiptHandle": b, "MessageId": b} for b in batch]}

    def send_message_batch(self, aws_retry=False, QueueUrl=None, Entries=None):  # noqa: N803
        if self.refuse:
            return {"Failed": [{"Id": e["Id"], "Code": "KMS.AccessDenied", "Message": "no"} for e in Entries]}
        self.dest += [e["MessageBody"] for e in Entries]
        return {"Successful": [{"Id": e["Id"]} for e in Entries]}

    def delete_message_batch(self, aws_retry=False, QueueUrl=None, Entries=None):  # noqa: N803
        for entry in Entries:
            self.dlq.remove(entry["ReceiptHandle"])
        return {"Successful": [{"Id": e["Id"]} for e in Entries]}

    def get_queue_attributes(self, aws_retry=False, QueueUrl=None, AttributeNames=None):  # noqa: N803
        return {"Attributes": {"ApproximateNumberOfMessages": str(len(self.dlq)),
                               "ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0"}}


def test_receive_send_moves_each_message_once_and_stops_when_empty():
    fake = FakeQueues(23)
    moved, failed = sqs_redrive.move_with_receive_send(fake, DLQ, DEST, None, None, 60)
    assert (moved, failed, fake.dlq) == (23, [], [])
    assert sorted(fake.dest) == sorted("m%d" % i for i in range(23))


def test_receive_send_keeps_refused_messages_in_the_dlq():
    fake = FakeQueues(5, refuse=True)
    moved, failed = sqs_redrive.move_with_receive_send(fake, DLQ, DEST, None, None, 60)
    assert moved == 0 and len(failed) == 5 and len(fake.dlq) == 5 and fake.dest == []


def test_rate_limit_sleeps_between_batches():
    fake, now, slept = FakeQueues(30), [0.0], []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    moved, _failed = sqs_redrive.move_with_receive_send(fake, DLQ, DEST, None, 10, 600, clock=lambda: now[0],
                                                        sleep=sleep)
    assert moved == 30 and [round(s, 3) for s in slept] == [1.0, 1.0, 1.0]


class LostReceiveQueues(FakeQueues):
    """The first receive's answer is lost: its messages stay hidden until the visibility timeout passes."""

    def __init__(self, count, now):
        super().__init__(count)
        self.now, self.hidden_until, self.hidden = now, None, []

    def receive_message(self, aws_retry=False, QueueUrl=None, MaxNumberOfMessages=10, **kw):  # noqa: N803
        if self.hidden_until is None:  # first call: hide a batch, answer nothing (the answer was lost)
            self.hidden, self.dlq = self.dlq[:MaxNumberOfMessages], self.dlq[MaxNumberOfMessages:]
            self.hidden_until = self.now[0] + kw["VisibilityTimeout"]
            return {}
        if self.hidden and self.now[0] >= self.hidden_until:
            self.dlq, self.hidden = self.hidden + self.dlq, []
        return super().receive_message(QueueUrl=QueueUrl, MaxNumberOfMessages=MaxNumberOfMessages)

    def get_queue_attributes(self, aws_retry=False, QueueUrl=None, AttributeNames=None):  # noqa: N803
        if self.hidden and self.now[0] >= self.hidden_until:
            self.dlq, self.hidden = self.hidden + self.dlq, []
        return {"Attributes": {"ApproximateNumberOfMessages": str(len(self.dlq)),
                               "ApproximateNumberOfMessagesNotVisible": str(len(self.hidden)),
                               "ApproximateNumberOfMessagesDelayed": "0"}}


def _fake_time():
    """A clock and a sleep that advances it: ``(now, clock, sleep)``."""
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    return now, (lambda: now[0]), sleep


def test_messages_hidden_by_a_lost_receive_are_waited_for_and_moved():
    now, clock, sleep = _fake_time()
    fake = LostReceiveQueues(13, now)
    moved, failed = sqs_redrive.move_with_receive_send(fake, DLQ, DEST, None, None, 600, visibility_timeout=30,
                                                       clock=clock, sleep=sleep)
    assert (moved, failed, fake.dlq, fake.hidden) == (13, [], [], [])  # was: stopped after two empty polls
    assert 30 <= now[0] < 40  # waited out the visibility timeout, not the whole wait_timeout


def test_hidden_messages_that_never_return_end_at_the_timeout():
    now, clock, sleep = _fake_time()
    fake = LostReceiveQueues(5, now)
    moved, _failed = sqs_redrive.move_with_receive_send(fake, DLQ, DEST, None, None, 20, visibility_timeout=60,
                                                        clock=clock, sleep=sleep)
    assert moved == 0 and len(fake.hidden) == 5 and now[0] == pytest.approx(20)


FIFO_DLQ = DLQ + ".fifo"
FIFO_DEST = DEST + ".fifo"


class FifoQueues:
    """A FIFO destination that deduplicates as SQS does: a repeated deduplication id is accepted, not delivered, and
    answered with the first send's MessageId and SequenceNumber."""

    def __init__(self, messages, first_sends):
        self.dlq = list(messages)  # (message id, group, body)
        self.dest, self.first_sends, self.sent_ids = [], dict(first_sends), []

    def receive_message(self, aws_retry=False, QueueUrl=None, MaxNumberOfMessages=10, **kw):  # noqa: N803
        return {"Messages": [{"Body": body, "ReceiptHandle": mid, "MessageId": mid,
                              "Attributes": {"MessageGroupId": group}}
                             for mid, group, body in self.dlq[:MaxNumberOfMessages]]}

    def send_message_batch(self, aws_retry=False, QueueUrl=None, Entries=None):  # noqa: N803
        answers = []
        for entry in Entries:
            dedup = entry["MessageDeduplicationId"]
            self.sent_ids.append(dedup)
            if dedup in self.first_sends:  # a duplicate: accepted, dropped, the first send replayed
                answers.append({"Id": entry["Id"], "MessageId": self.first_sends[dedup], "SequenceNumber": "1"})
                continue
            new_id = "new-%d" % len(self.dest)
            self.first_sends[dedup] = new_id
            self.dest.append((entry["MessageGroupId"], entry["MessageBody"]))
            answers.append({"Id": entry["Id"], "MessageId": new_id, "SequenceNumber": str(100 + len(self.dest))})
        return {"Successful": answers}

    def delete_message_batch(self, aws_retry=False, QueueUrl=None, Entries=None):  # noqa: N803
        gone = set(e["ReceiptHandle"] for e in Entries)
        self.dlq = [m for m in self.dlq if m[0] not in gone]
        return {"Successful": [{"Id": e["Id"]} for e in Entries]}

    def get_queue_attributes(self, aws_retry=False, QueueUrl=None, AttributeNames=None):  # noqa: N803
        return {"Attributes": {"ApproximateNumberOfMessages": str(len(self.dlq)),
                               "ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0"}}


def test_fifo_redrive_uses_its_own_deduplication_ids_and_keeps_groups_and_order():
    messages = [("id-%d" % i, "g%d" % (i % 2), "b%d" % i) for i in range(5)]
    fake = FifoQueues(messages, first_sends={"orig-%d" % i: "id-%d" % i for i in range(5)})
    moved, failures = sqs_redrive.move_with_receive_send(fake, FIFO_DLQ, FIFO_DEST, None, None, 60, run_id="r1")
    assert (moved, failures, fake.dlq) == (5, [], [])
    assert fake.dest == [(group, body) for _mid, group, body in messages]
    assert fake.sent_ids == ["redrive-r1-id-%d" % i for i in range(5)]


def test_a_fifo_send_answered_as_a_duplicate_of_the_original_stays_in_the_dlq():
    """Should the destination ever answer with the moved message's own MessageId (a duplicate of its first send:
    nothing delivered), the message is not deleted and the run reports it."""
    messages = [("id-0", "g", "b0"), ("id-1", "g", "b1")]
    fake = FifoQueues(messages, first_sends={"redrive-r1-id-1": "id-1"})
    moved, failures = sqs_redrive.move_with_receive_send(fake, FIFO_DLQ, FIFO_DEST, None, None, 60, run_id="r1")
    assert moved == 1 and failures and all("id-1" in f and "duplicate" in f for f in failures)
    assert fake.dlq == [("id-1", "g", "b1")] and fake.dest == [("g", "b0")]
