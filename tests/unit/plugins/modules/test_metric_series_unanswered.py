# -*- coding: utf-8 -*-
"""metric_series_or_unanswered (module_utils/cloudwatch.py; metric_series, the performance review): a percentile the
endpoint cannot answer is unanswered with the reason and the plain statistics are read alone. The sandbox's emulator
answers percentiles, so Stubber plays the endpoint that refuses them."""
from __future__ import annotations

import datetime

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from ansible_collections.ops.runbooks.plugins.filter.performance import lambda_review
from ansible_collections.ops.runbooks.plugins.module_utils.cloudwatch import metric_query
from ansible_collections.ops.runbooks.plugins.module_utils.cloudwatch import metric_series_or_unanswered
from ansible_collections.ops.runbooks.plugins.modules.metric_series import arrange

import stubbed

START = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
END = START + datetime.timedelta(days=7)
AT = START + datetime.timedelta(days=1)
DURATION = {"Namespace": "AWS/Lambda", "MetricName": "Duration", "Dimensions": [{"Name": "FunctionName", "Value": "f"}]}


def _answer(*values):
    return {"MetricDataResults": [{"Id": "m%d" % i, "Label": "x", "Timestamps": [AT], "Values": [v],
                                   "StatusCode": "Complete"} for i, v in values], "Messages": []}


def test_a_percentile_the_endpoint_cannot_answer_is_unanswered_and_the_rest_is_read():
    queries = [metric_query("AWS/Lambda", "Duration", {"FunctionName": "f"}, stat, 604800)
               for stat in ("Average", "p99", "Maximum")]
    client = stubbed.client("cloudwatch")
    stub = Stubber(client)
    first = {"StartTime": START, "EndTime": END, "ScanBy": "TimestampAscending", "MetricDataQueries": ANY}
    stub.add_client_error("get_metric_data", "InvalidParameterCombination", "extended statistics are not supported",
                          400, expected_params=first)
    stub.add_response("get_metric_data", _answer((0, 800.0), (1, 4000.0)), {
        "StartTime": START, "EndTime": END, "ScanBy": "TimestampAscending", "MetricDataQueries": [
            {"Id": "m0", "MetricStat": {"Metric": DURATION, "Period": 604800, "Stat": "Average"}, "ReturnData": True},
            {"Id": "m1", "MetricStat": {"Metric": DURATION, "Period": 604800, "Stat": "Maximum"}, "ReturnData": True}]})
    with stub:
        series, unanswered = metric_series_or_unanswered(stubbed.retrying(client), queries, START, END)
    stub.assert_no_pending_responses()
    assert series[0] == ((AT,), (800.0,)) and series[2] == ((AT,), (4000.0,)) and series[1] == ((), ())
    assert list(unanswered) == [1] and unanswered[1].startswith("the endpoint could not answer p99: ")
    assert "extended statistics are not supported" in unanswered[1]
    # what the module returns, and the review's verdict: unknown with the reason, never a pass or a zero
    keys = [("duration", "f", stat, "window") for stat in ("Average", "p99", "Maximum")]
    metrics = arrange(keys, series, unanswered)
    assert metrics["duration"]["f"]["p99"]["value"] is None and "could not answer p99" in \
        metrics["duration"]["f"]["p99"]["unanswered"]
    graded = lambda_review(metrics, {"f": {"exists": True, "timeout": 30, "memory_size": 512}}, names=["f"])
    duration = [c for c in graded["checks"] if c["check"] == "duration"][0]
    assert duration["status"] == "unknown" and duration["reason"].startswith("p99 duration unknown: the endpoint")


def test_after_one_refused_percentile_the_next_windows_read_only_the_plain_statistics():
    """metric_check reads one batch per window: the first refusal (after its retry budget) is remembered in
    ``refused``, and the next window's read leaves the percentile out at once - Stubber fails the test on any call
    it was not given, so a second percentile read (a second retry budget) would fail it."""
    later = START + datetime.timedelta(days=1)
    client = stubbed.client("cloudwatch")
    stub = Stubber(client)
    stub.add_client_error("get_metric_data", "InvalidParameterCombination", "percentiles are not implemented", 400)
    stub.add_response("get_metric_data", _answer((0, 800.0)))
    stub.add_response("get_metric_data", _answer((0, 700.0)), {
        "StartTime": later, "EndTime": END, "ScanBy": "TimestampAscending", "MetricDataQueries": [
            {"Id": "m0", "MetricStat": {"Metric": DURATION, "Period": 3600, "Stat": "Average"}, "ReturnData": True}]})
    refused = {}
    with stub:
        first = metric_series_or_unanswered(stubbed.retrying(client), [
            metric_query("AWS/Lambda", "Duration", {"FunctionName": "f"}, stat, 604800)
            for stat in ("Average", "p95")], START, END, refused)
        second = metric_series_or_unanswered(stubbed.retrying(client), [
            metric_query("AWS/Lambda", "Duration", {"FunctionName": "f"}, stat, 3600)
            for stat in ("Average", "p99")], later, END, refused)
    stub.assert_no_pending_responses()
    assert refused["reason"].startswith("the endpoint could not answer p95: ")
    assert first == ([((AT,), (800.0,)), ((), ())], {1: refused["reason"]})
    assert second == ([((AT,), (700.0,)), ((), ())], {1: refused["reason"]})


def test_a_failure_without_a_percentile_still_raises():
    client = stubbed.client("cloudwatch")
    stub = Stubber(client)
    stub.add_client_error("get_metric_data", "AccessDenied", "not allowed", 403)
    with stub, pytest.raises(ClientError):
        metric_series_or_unanswered(stubbed.retrying(client), [
            metric_query("AWS/Lambda", "Errors", {"FunctionName": "f"}, "Sum", 60)], START, END)
