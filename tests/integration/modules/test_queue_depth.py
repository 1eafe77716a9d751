# -*- coding: utf-8 -*-
"""queue_depth against the emulator: counts, DLQs, thresholds, paging, draining, oldest age, bad input, IAM."""
from __future__ import annotations

import datetime
import json
import threading
import time
import uuid

import pytest

from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.localstack


def _queue(sqs, name, dlq=True, **attributes):
    """Create a queue (with a DLQ named <name>-dlq unless dlq=False); return (url, dlq_url)."""
    dlq_url = None
    if dlq:
        dlq_url = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "3"})
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, dlq_url


def _send(sqs, url, count, **kwargs):
    for i in range(count):
        sqs.send_message(QueueUrl=url, MessageBody="m%d" % i, **kwargs)


@pytest.fixture
def prefix():
    return "qd-%s-" % uuid.uuid4().hex[:8]


def test_counts_visible_in_flight_delayed(aws, run_module, prefix):
    sqs = aws("sqs")
    url = _queue(sqs, prefix + "work", VisibilityTimeout="300")[0]
    _send(sqs, url, 5)
    _send(sqs, url, 1, DelaySeconds=60)
    assert len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2).get("Messages", [])) == 2

    result = run_module("queue_depth", {"queues": [prefix + "work"]})

    assert not result.get("failed"), result
    assert result["changed"] is False
    [queue] = result["queues"]
    assert (queue["name"], queue["visible"], queue["in_flight"], queue["delayed"]) == (prefix + "work", 3, 2, 1)
    assert queue["url"] == url
    assert queue["dlq"]["name"] == prefix + "work-dlq" and queue["dlq"]["visible"] == 0
    assert queue["status"] == "pass" and queue["dlq"]["status"] == "pass"
    assert result["summary"] == {"pass": 1, "warn": 0, "fail": 0, "unknown": 0}
    assert result["checks"][0]["resource"] == prefix + "work" and result["checks"][0]["status"] == "pass"


def test_message_in_dlq_fails_the_queue(aws, run_module, prefix):
    sqs = aws("sqs")
    _url, dlq_url = _queue(sqs, prefix + "score")
    _send(sqs, dlq_url, 1)

    failed = run_module("queue_depth", {"queues": [prefix + "score"]})
    report_only = run_module("queue_depth", {"queues": [prefix + "score"], "fail_on": "never"})

    assert failed["failed"] is True
    assert failed["failed_queues"] == [prefix + "score"]
    assert prefix + "score" in failed["msg"] and "dlq" in failed["msg"]
    assert failed["queues"][0]["dlq"] == {
        "name": prefix + "score-dlq", "url": dlq_url, "visible": 1, "status": "fail", "reasons": ["visible 1 > 0"],
    }
    assert not report_only.get("failed") and report_only["summary"]["fail"] == 1


@pytest.mark.parametrize("in_dlq, status, reason", [
    (0, "pass", "visible 0 <= 0"),
    (3, "warn", "visible 3 > 0 (warning level)"),
    (11, "fail", "visible 11 > 10"),
])
def test_dlq_tiers_warn_then_fail(aws, run_module, prefix, in_dlq, status, reason):
    """Runbook 004: DLQ messages warn above 0 and fail above 10; the queue takes its DLQ's status."""
    sqs = aws("sqs")
    _url, dlq_url = _queue(sqs, prefix + "tiers")
    _send(sqs, dlq_url, in_dlq)
    result = run_module("queue_depth", {"queues": [prefix + "tiers"], "warn_dlq_visible": 0, "max_dlq_visible": 10})
    [queue] = result["queues"]
    assert (queue["dlq"]["status"], queue["dlq"]["reasons"], queue["status"]) == (status, [reason], status)
    assert bool(result.get("failed")) == (status == "fail") and result["summary"][status] == 1
    per_queue = run_module("queue_depth", {"queues": [prefix + "tiers"], "thresholds": {
        prefix + "tiers": {"warn_dlq_visible": 0, "max_dlq_visible": 10}}})
    assert per_queue["queues"][0]["status"] == status


def test_global_and_per_queue_thresholds(aws, run_module, prefix):
    sqs = aws("sqs")
    for name in ("a", "b", "c"):
        url = _queue(sqs, prefix + name, dlq=False)[0]
        _send(sqs, url, 3)

    result = run_module("queue_depth", {
        "queues": [prefix + "a", prefix + "b", prefix + "c"],
        "max_visible": 5,
        "thresholds": {prefix + "a": {"max_visible": 2}, prefix + "b": {"warn_visible": 2}},
        "fail_on": "never",
    })

    status = dict((q["name"], q["status"]) for q in result["queues"])
    assert status == {prefix + "a": "fail", prefix + "b": "warn", prefix + "c": "pass"}
    assert [q["name"] for q in result["queues"]] == [prefix + "a", prefix + "b", prefix + "c"]
    assert result["queues"][0]["reasons"][0] == "visible 3 > 2"
    assert result["failed_queues"] == [prefix + "a"]


def test_prefix_selection_over_several_pages_folds_dlqs(aws, run_module, prefix):
    sqs = aws("sqs")
    names = ["%s%02d" % (prefix, i) for i in range(7)]
    for name in names:
        _queue(sqs, name)  # 14 queues match the prefix: 7 queues and their 7 DLQs

    result = run_module("queue_depth", {"queue_name_prefix": prefix, "page_size": 3})

    assert not result.get("failed"), result
    assert [q["name"] for q in result["queues"]] == names
    assert all(q["dlq"]["name"] == q["name"] + "-dlq" for q in result["queues"])


def test_prefix_matching_nothing_fails(run_module, prefix):
    result = run_module("queue_depth", {"queue_name_prefix": prefix + "nothing"})
    assert result["failed"] is True
    assert "queue_name_prefix" in result["msg"]


def test_unknown_queue_is_a_fail_and_others_are_reported(aws, run_module, prefix):
    _queue(aws("sqs"), prefix + "real", dlq=False)
    result = run_module("queue_depth", {"queues": [prefix + "missing", prefix + "real"], "fail_on": "never"})
    missing, real = result["queues"]
    assert (missing["name"], missing["status"], missing["reasons"], missing["url"]) == (
        prefix + "missing", "fail", ["not found"], None)
    assert real["status"] == "pass" and real["visible"] == 0


def test_wait_until_below_returns_when_a_consumer_drains(aws, run_module, prefix):
    sqs = aws("sqs")
    url = _queue(sqs, prefix + "drain", dlq=False)[0]
    _send(sqs, url, 6)

    def consumer():
        time.sleep(2)
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return
            for message in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    thread = threading.Thread(target=consumer)
    thread.start()
    try:
        result = run_module("queue_depth", {"queues": [prefix + "drain"], "wait_until_below": 1,
                                            "poll_interval": 1, "wait_timeout": 60})
    finally:
        thread.join()
    assert not result.get("failed"), result
    assert result["queues"][0]["visible"] == 0 and result["queues"][0]["in_flight"] == 0


def test_wait_until_below_fails_at_timeout_with_last_depths(aws, run_module, prefix):
    sqs = aws("sqs")
    url = _queue(sqs, prefix + "stuck", dlq=False)[0]
    _send(sqs, url, 4)
    result = run_module("queue_depth", {"queues": [prefix + "stuck"], "wait_until_below": 2,
                                        "poll_interval": 1, "wait_timeout": 2})
    assert result["failed"] is True
    assert "wait_until_below" in result["msg"] and prefix + "stuck=4" in result["msg"]
    assert result["queues"][0]["visible"] == 4


def test_oldest_message_age_from_cloudwatch(aws, run_module, prefix):
    sqs = aws("sqs")
    _queue(sqs, prefix + "old", dlq=False)
    _queue(sqs, prefix + "nodata", dlq=False)
    aws("cloudwatch").put_metric_data(Namespace="AWS/SQS", MetricData=[{
        "MetricName": "ApproximateAgeOfOldestMessage",
        "Dimensions": [{"Name": "QueueName", "Value": prefix + "old"}],
        "Timestamp": datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1),
        "Value": 1200.0, "Unit": "Seconds",
    }])

    result = run_module("queue_depth", {"queues": [prefix + "old", prefix + "nodata"], "max_age": "15m",
                                        "fail_on": "never"})

    old, nodata = result["queues"]
    assert old["oldest_age_seconds"] == 1200.0 and old["status"] == "fail"
    assert "oldest message age (s) 1200 > 900" in old["reasons"]
    assert nodata["oldest_age_seconds"] is None and nodata["status"] == "unknown"


@pytest.mark.parametrize("args, named", [
    ({"max_visible": -1}, "max_visible"),
    ({"max_visible": "lots"}, "max_visible"),
    ({"max_age": "soon"}, "max_age"),
    ({"max_age": "-5m"}, "max_age"),
    ({"thresholds": {"q": {"max_in_flight": -2}}}, "thresholds.q.max_in_flight"),
    ({"thresholds": {"q": {"max_visible": "x"}}}, "thresholds.q.max_visible"),
    ({"thresholds": {"q": {"max_age": "later"}}}, "thresholds.q.max_age"),
    ({"thresholds": {"q": {"max_depth": 3}}}, "thresholds.q.max_depth"),
    ({"concurrency": 0}, "concurrency"),
])
def test_bad_thresholds_fail_naming_the_parameter(run_module, args, named):
    result = run_module("queue_depth", dict({"queues": ["q"]}, **args))
    assert result["failed"] is True
    assert named in result["msg"], result["msg"]


def test_neither_queues_nor_prefix_fails(run_module):
    result = run_module("queue_depth", {})
    assert result["failed"] is True and "queues or queue_name_prefix" in result["msg"]


def test_check_mode_reads_the_same(aws, run_module, prefix):
    url = _queue(aws("sqs"), prefix + "cm")[0]
    _send(aws("sqs"), url, 2)
    normal = run_module("queue_depth", {"queues": [prefix + "cm"]})
    checked = run_module("queue_depth", {"queues": [prefix + "cm"]}, check_mode=True)
    assert checked["queues"] == normal["queues"] and checked["changed"] is False


def test_least_privilege_policy_is_enough_and_each_action_is_needed(iam_sandbox, run_module_iam):
    actions = documented_actions("queue_depth")
    assert set(actions) == {"sqs:ListQueues", "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "cloudwatch:GetMetricData"}
    # By prefix (ListQueues) and by name (GetQueueUrl): the main paths use every documented action.
    args = {"queue_name_prefix": "ai-investment-", "queues": ["ai-investment-ingest"], "fail_on": "never"}

    allowed = run_module_iam("queue_depth", args, iam_sandbox.iam_user(policy(actions)))
    assert not allowed.get("failed"), allowed
    assert [q["name"] for q in allowed["queues"]] == [
        "ai-investment-ingest", "ai-investment-orchestrator", "ai-investment-score"]

    for missing in actions:
        creds = iam_sandbox.iam_user(policy(a for a in actions if a != missing))
        denied = run_module_iam("queue_depth", args, creds)
        assert_denied(denied, missing)


def test_listing_by_prefix_follows_the_emulators_pages(aws, run_module):
    """The emulator pages ListQueues (a NextToken for MaxResults=3): the module reads every page for real."""
    sqs = aws("sqs")
    prefix = "pg-" + uuid.uuid4().hex[:6] + "-"
    for i in range(7):
        sqs.create_queue(QueueName="%s%d" % (prefix, i))
    first = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=3)
    assert len(first["QueueUrls"]) == 3 and first.get("NextToken"), "the emulator did not page"
    result = run_module("queue_depth", {"queue_name_prefix": prefix, "page_size": 3, "max_dlq_visible": 0})
    assert sorted(q["name"] for q in result["queues"]) == ["%s%d" % (prefix, i) for i in range(7)]
