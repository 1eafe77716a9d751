# -*- coding: utf-8 -*-
"""metric_check with percentile statistics, which neither emulator serves (moto and LocalStack answer GetMetricData
for ``p99`` with a 500): the request and the evaluation are tested with botocore's Stubber."""
from __future__ import annotations

import datetime

from botocore.stub import ANY
from botocore.stub import Stubber
from stubbed import client as make_client
from stubbed import retrying

from ansible_collections.ops.runbooks.plugins.module_utils.cloudwatch import metric_series
from ansible_collections.ops.runbooks.plugins.modules import metric_check

END = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.timezone.utc)
START = END - datetime.timedelta(minutes=5)


def test_a_p99_query_asks_for_the_percentile_and_is_judged_on_its_maximum():
    metric = {"label": "score p99", "namespace": "AWS/Lambda", "metric_name": "Duration",
              "dimensions": {"FunctionName": "ai-investment-score"}, "statistic": "p99", "period": 60,
              "window": "5m", "aggregate": "auto", "max": 10000.0, "min": None, "fail_on_no_data": False,
              "no_data": "unknown"}
    assert metric_check.validate(metric, 0) == 300
    client = make_client("cloudwatch")
    with Stubber(client) as stub:
        stub.add_response("get_metric_data", {"MetricDataResults": [{
            "Id": "m0", "StatusCode": "Complete", "Values": [12500.0, 8000.0],
            "Timestamps": [END - datetime.timedelta(minutes=1), END - datetime.timedelta(minutes=2)]}]}, {
            "StartTime": START, "EndTime": END, "ScanBy": "TimestampAscending", "MetricDataQueries": [{
                "Id": "m0", "ReturnData": True, "MetricStat": {
                    "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Duration",
                               "Dimensions": [{"Name": "FunctionName", "Value": "ai-investment-score"}]},
                    "Period": 60, "Stat": "p99"}}]})
        [(timestamps, values)] = metric_series(retrying(client), [metric], START, END)
        stub.assert_no_pending_responses()
    assert values == (8000.0, 12500.0) and timestamps[0] < timestamps[1]  # oldest first
    value = metric_check.aggregate(list(values), "auto", "p99")
    assert value == 12500.0  # a percentile is never summed over the window
    assert metric_check.metric_status(metric, value) == ("fail", "score p99 12500 > 10000")


def test_other_percentile_forms_are_accepted_and_nonsense_is_refused():
    for statistic in ("p50", "p99.9", "tm90", "wm99", "tc10", "ts5", "IQM"):
        assert metric_check.validate({"namespace": "App", "statistic": statistic, "period": 60, "window": "5m",
                                      "max": None, "min": None}, 0) == 300
    for statistic in ("P99", "p", "p999", "median"):
        try:
            metric_check.validate({"namespace": "App", "statistic": statistic, "period": 60, "window": "5m",
                                   "max": None, "min": None}, 3)
        except ValueError as e:
            assert "metrics[3].statistic" in str(e)
        else:
            raise AssertionError("%s was accepted" % statistic)


def test_partial_answers_from_several_pages_are_joined():
    client = make_client("cloudwatch")
    query = {"namespace": "AWS/Lambda", "metric_name": "Duration", "dimensions": {}, "statistic": "p95", "period": 60}
    with Stubber(client) as stub:
        stub.add_response("get_metric_data", {"NextToken": "t1", "MetricDataResults": [
            {"Id": "m0", "StatusCode": "PartialData", "Values": [1.0], "Timestamps": [START]}]}, {
            "StartTime": START, "EndTime": END, "ScanBy": "TimestampAscending", "MetricDataQueries": ANY})
        stub.add_response("get_metric_data", {"MetricDataResults": [
            {"Id": "m0", "StatusCode": "Complete", "Values": [2.0], "Timestamps": [END]}]}, {
            "StartTime": START, "EndTime": END, "ScanBy": "TimestampAscending", "MetricDataQueries": ANY,
            "NextToken": "t1"})
        [(_timestamps, values)] = metric_series(retrying(client), [query], START, END)
    assert values == (1.0, 2.0)
