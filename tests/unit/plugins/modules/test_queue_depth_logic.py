# -*- coding: utf-8 -*-
"""Unit tests of queue_depth's selection and judging.

ListQueues paging is tested against the emulator, which pages (tests/integration/modules/test_queue_depth.py).
The GetMetricData batching (500 queries per call, answers out of order) stays here with botocore's Stubber: the
emulator cannot show how many calls a module made, nor answer a batch out of order on demand.
"""
from __future__ import annotations

import datetime

import pytest
from stubbed import retrying
from stubbed import client as make_client
from botocore.stub import ANY, Stubber

from ansible_collections.ops.runbooks.plugins.module_utils import sqs as sqs_utils
from ansible_collections.ops.runbooks.plugins.modules import queue_depth

NOW = datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.timezone.utc)


def test_oldest_ages_batches_500_queries_per_call_and_keeps_none_for_no_data():
    client = make_client("cloudwatch")
    names = ["q%d" % i for i in range(501)]
    with Stubber(client) as stub:
        # Answered newest first on purpose: the newest datapoint counts, wherever it stands in the answer.
        stub.add_response("get_metric_data", {"MetricDataResults": [
            {"Id": "m0", "Timestamps": [NOW - datetime.timedelta(minutes=1), NOW - datetime.timedelta(minutes=2)],
             "Values": [30.0, 10.0], "StatusCode": "Complete"},
        ]}, {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": NOW, "ScanBy": "TimestampAscending"})
        stub.add_response("get_metric_data", {"MetricDataResults": [
            {"Id": "m500", "Timestamps": [NOW], "Values": [5.0], "StatusCode": "Complete"},
        ]}, {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": NOW, "ScanBy": "TimestampAscending"})
        ages = sqs_utils.oldest_message_ages(retrying(client), names, NOW)
        stub.assert_no_pending_responses()
    assert ages["q0"] == 30.0  # the newest datapoint, not the first listed
    assert ages["q500"] == 5.0  # second call: the 501st query
    assert ages["q1"] is None


@pytest.mark.parametrize("arn, expected", [
    ("arn:aws:sqs:eu-central-1:123456789012:my-dlq", ("123456789012", "my-dlq")),
])
def test_split_queue_arn(arn, expected):
    assert sqs_utils.split_queue_arn(arn) == expected


def test_split_queue_arn_rejects_other_arns():
    with pytest.raises(ValueError):
        sqs_utils.split_queue_arn("arn:aws:sns:eu-central-1:123456789012:topic")


def test_queue_name_from_url():
    assert sqs_utils.queue_name_from_url("http://127.0.0.1:5000/123456789012/a-b/") == "a-b"
    assert sqs_utils.is_queue_url("https://sqs.x/1/q") and not sqs_utils.is_queue_url("q")


def _depth(visible=0, in_flight=0, dlq_arn=None, name="q"):
    return {"name": name, "url": "u/" + name, "arn": None, "visible": visible, "in_flight": in_flight, "delayed": 0,
            "dlq_arn": dlq_arn}


def test_judge_limits_are_inclusive_and_the_worst_wins():
    assert queue_depth.queue_status(_depth(visible=10), {"max_visible": 10}, None)[0] == "pass"
    assert queue_depth.queue_status(_depth(visible=11), {"max_visible": 10, "warn_visible": 5}, None)[0] == "fail"
    assert queue_depth.queue_status(_depth(visible=6, in_flight=3), {"warn_visible": 5, "max_in_flight": 2}, None)[0] == "fail"
    assert queue_depth.queue_status(None, {}, None) == ("fail", ["not found"])
    assert queue_depth.queue_status(_depth(), {"max_age": 60}, None)[0] == "unknown"


def test_report_folds_the_dlq_status_into_the_queue():
    depths = {"q": _depth(name="q"), "q-dlq": _depth(visible=2, name="q-dlq")}
    entry = queue_depth.queue_entry("q", depths, {"q": "q-dlq"}, {"max_dlq_visible": 1}, {})
    assert entry["status"] == "fail" and entry["dlq"]["status"] == "fail"
    assert entry["reasons"][-1] == "dlq q-dlq: visible 2 > 1"
    missing = queue_depth.queue_entry("q", {"q": _depth(name="q")}, {"q": "gone-dlq"}, {"max_dlq_visible": 0}, {})
    assert missing["dlq"]["status"] == "fail" and missing["dlq"]["reasons"] == ["dead-letter queue gone-dlq not found"]
