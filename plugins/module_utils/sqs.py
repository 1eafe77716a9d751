# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQS and CloudWatch reads shared by the queue modules: selection, attributes, DLQs, oldest message age."""

from __future__ import annotations

import datetime
import json

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.cloudwatch import metric_query
from ansible_collections.ops.runbooks.plugins.module_utils.cloudwatch import metric_series
from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound

DEPTH_ATTRIBUTES = [
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "RedrivePolicy",
]
_NOT_FOUND = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


def is_queue_url(value):
    return value.startswith(("http://", "https://"))


def queue_name_from_url(url):
    return url.rstrip("/").rsplit("/", 1)[-1]


def list_queue_urls(client, prefix, page_size=1000):
    """Every queue URL whose name starts with ``prefix`` (all pages), sorted by name."""
    urls = paginate(client, "list_queues", QueueNamePrefix=prefix, MaxResults=page_size).get("QueueUrls", [])
    return sorted(set(urls), key=queue_name_from_url)


def resolve_queue_url(client, name, owner=None):
    """The URL of a queue by name (raises NotFound)."""
    params = {"QueueName": name}
    if owner:
        params["QueueOwnerAWSAccountId"] = owner
    try:
        return client.get_queue_url(aws_retry=True, **params)["QueueUrl"]
    except is_boto3_error_code(_NOT_FOUND):
        raise NotFound("queue %s not found" % name) from None


def queue_depth(client, url):
    """Counts and redrive target of one queue: ``{name, url, arn, visible, in_flight, delayed, dlq_arn}``."""
    try:
        attrs = client.get_queue_attributes(aws_retry=True, QueueUrl=url, AttributeNames=DEPTH_ATTRIBUTES)["Attributes"]
    except is_boto3_error_code(_NOT_FOUND):
        raise NotFound("queue %s not found" % queue_name_from_url(url)) from None
    dlq_arn = None
    if attrs.get("RedrivePolicy"):
        try:
            dlq_arn = json.loads(attrs["RedrivePolicy"]).get("deadLetterTargetArn")
        except ValueError:
            dlq_arn = None
    return {
        "name": queue_name_from_url(url),
        "url": url,
        "arn": attrs.get("QueueArn"),
        "visible": int(attrs.get("ApproximateNumberOfMessages", 0)),
        "in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
        "delayed": int(attrs.get("ApproximateNumberOfMessagesDelayed", 0)),
        "dlq_arn": dlq_arn,
    }


def split_queue_arn(arn):
    """``(account_id, name)`` of an SQS queue ARN ``arn:aws:sqs:region:account:name``."""
    parts = parse_aws_arn(arn or "")
    if not parts or parts["service"] != "sqs" or not parts["account_id"] or ":" in parts["resource"]:
        raise ValueError("not an SQS queue ARN: %r" % arn)
    return parts["account_id"], parts["resource"]


def oldest_message_ages(cloudwatch, names, now, window_seconds=900, period=60):
    """Newest ``ApproximateAgeOfOldestMessage`` (Maximum) of each queue over the window: ``{name: seconds|None}``.

    One GetMetricData call per 500 queues; a queue without data maps to None (unknown, not 0).
    """
    names = list(names)
    queries = [metric_query("AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": name}, "Maximum", period)
               for name in names]
    found = metric_series(cloudwatch, queries, now - datetime.timedelta(seconds=window_seconds), now)
    return dict((name, float(values[-1]) if values else None) for name, (_timestamps, values) in zip(names, found))


def queue_arn(client, url):
    return client.get_queue_attributes(aws_retry=True, QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def dead_letter_sources(client, url):
    """URLs of the queues whose redrive policy names this queue as their DLQ (all pages)."""
    return paginate(client, "list_dead_letter_source_queues", QueueUrl=url, MaxResults=1000).get("queueUrls", [])


def redrive_deduplication_id(run_id, message_id):
    """The deduplication id of a FIFO message re-sent by one redrive run: its own per run, never the original's.

    SQS drops a send that repeats a deduplication id within 5 minutes (accepting it, answering with the first
    send's MessageId), so re-sending with the original id loses every message redriven soon after it was sent.
    Derived from the run and the message, a retry of the same send within the run still deduplicates."""
    return "redrive-%s-%s" % (run_id, message_id)


def is_fifo(url):
    return queue_name_from_url(url).endswith(".fifo")


def move_batch(client, source_url, destination_url, limit, visibility_timeout=60, run_id="0"):
    """Receive up to ``limit`` (<= 10) messages from the source, send them to the destination, and delete from the
    source only those the destination accepted: ``(received, moved, failed reasons)``.

    A message whose send failed stays in the source and becomes visible again after the visibility timeout: nothing
    is lost; a crash between send and delete can deliver a message twice (at-least-once, as SQS itself).

    FIFO: the group id is kept (a batch holds the messages in the source's order, so order within a group is kept),
    the deduplication id is the run's own (``redrive_deduplication_id``). An accepted entry counts as delivered only
    when the destination answered with a sequence number and a MessageId of its own - a duplicate replays the
    original send's MessageId, and such a message stays in the source, reported as a failure.
    """
    received = client.receive_message(
        aws_retry=True, QueueUrl=source_url, MaxNumberOfMessages=max(1, min(10, limit)), WaitTimeSeconds=1,
        VisibilityTimeout=visibility_timeout, MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["MessageGroupId"],
    ).get("Messages", [])
    if not received:
        return 0, 0, []
    fifo = is_fifo(destination_url)
    entries = []
    for i, message in enumerate(received):
        entry = {"Id": str(i), "MessageBody": message["Body"]}
        if message.get("MessageAttributes"):
            entry["MessageAttributes"] = message["MessageAttributes"]
        group = message.get("Attributes", {}).get("MessageGroupId")
        if group:
            entry["MessageGroupId"] = group
            if fifo:
                entry["MessageDeduplicationId"] = redrive_deduplication_id(run_id, message["MessageId"])
        entries.append(entry)
    sent = client.send_message_batch(aws_retry=True, QueueUrl=destination_url, Entries=entries)
    ok, failures = [], ["%s: %s" % (f.get("Code"), f.get("Message")) for f in sent.get("Failed", [])]
    for answer in sent.get("Successful", []):
        original = received[int(answer["Id"])]
        if fifo and (not answer.get("SequenceNumber") or answer.get("MessageId") == original["MessageId"]):
            failures.append("message %s: the destination took it for a duplicate of its first send and did not "
                            "deliver it; it stays in the DLQ" % original["MessageId"])
            continue
        ok.append(int(answer["Id"]))
    if ok:
        deleted = client.delete_message_batch(aws_retry=True, QueueUrl=source_url, Entries=[
            {"Id": str(i), "ReceiptHandle": received[i]["ReceiptHandle"]} for i in ok])
        failures += ["delete %s: %s" % (f.get("Code"), f.get("Message")) for f in deleted.get("Failed", [])]
    return len(received), len(ok), failures
