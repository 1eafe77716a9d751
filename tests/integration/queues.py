# -*- coding: utf-8 -*-
"""Reading the sandbox's queues in tests: every message taken out (received and deleted), so a later read never sees
it again - a message only hidden comes back when its visibility timeout ends, in whatever read comes next."""
from __future__ import annotations


def take(sqs, url, wait=0, rounds=100):
    """Every message in the queue, in the order received, each deleted once read; fails when the queue keeps giving
    messages for ``rounds`` receives."""
    messages = []
    for _round in range(rounds):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30,
                                  WaitTimeSeconds=wait).get("Messages", [])
        if not got:
            return messages
        messages += got
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
    raise AssertionError("queue %s did not drain in %d receives" % (url, rounds))
