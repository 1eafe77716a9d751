# -*- coding: utf-8 -*-
"""metric_series against the emulator's seeded week (tests/sandbox/history.py): daily series and the window's
statistics - percentiles included - of many resources in one GetMetricData batch. The emulator computes percentiles
from raw values as CloudWatch does (tests/sandbox/moto_server.py adds what moto lacks)."""
from __future__ import annotations

import datetime
import uuid

import history
import pytest

from iam import assert_denial_shown, documented_actions, policy

pytestmark = pytest.mark.moto_only("percentiles come from the sandbox's own addition to moto")

WEEK = [{"label": "duration", "namespace": "AWS/Lambda", "metric_name": "Duration", "dimension": "FunctionName",
         "resources": ["ai-investment-orchestrator", "ai-investment-streaming", "no-such-function-series"],
         "statistics": ["Average", "p95", "p99", "Maximum"]},
        {"label": "invocations", "namespace": "AWS/Lambda", "metric_name": "Invocations", "dimension": "FunctionName",
         "resources": ["ai-investment-orchestrator"], "statistics": ["Sum"]}]


def test_a_week_of_many_functions_in_one_call(run_module):
    result = run_module("metric_series", {"window": "7d", "period": "1d", "metrics": WEEK})
    assert not result.get("failed"), result
    assert result["queries"] == 2 * (3 * 4 + 1)  # the series and the window per resource and statistic
    duration = result["metrics"]["duration"]
    orchestrator = duration["ai-investment-orchestrator"]
    # The seeded spread: the longest run (22 s) is 1 in 34 values - above p95, at p99.
    assert orchestrator["p99"]["value"] == 22000 and orchestrator["p95"]["value"] == 20000
    assert orchestrator["Maximum"]["value"] == 22000
    assert 13000 < orchestrator["Average"]["value"] < 14000
    assert len(orchestrator["p95"]["values"]) == 7 and len(orchestrator["p95"]["timestamps"]) == 7
    assert duration["ai-investment-streaming"]["p99"]["value"] == 400
    missing = duration["no-such-function-series"]["p99"]
    assert missing == {"value": None, "timestamps": [], "values": []}
    # The window's Sum is the sum of the days (the days follow the working week).
    calls = result["metrics"]["invocations"]["ai-investment-orchestrator"]["Sum"]
    assert calls["value"] == pytest.approx(sum(calls["values"]))
    assert min(calls["values"]) < max(calls["values"])
    window = result["window"]
    start, end = (datetime.datetime.fromisoformat(window[k].replace("Z", "+00:00")) for k in ("start", "end"))
    assert (end - start).total_seconds() == window["seconds"] == 7 * 86400 and end.minute == 0


def test_fixed_dimensions_and_a_family_without_resources(aws, run_module):
    namespace = "OpsRunbooks/Series" + uuid.uuid4().hex[:8]
    two_hours_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=2)
    aws("cloudwatch").put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "Backlog", "Value": 7.0,
                                                                        "Timestamp": two_hours_ago}])
    result = run_module("metric_series", {"window": "7d", "metrics": [
        {"label": "size", "namespace": "AWS/S3", "metric_name": "BucketSizeBytes", "dimension": "BucketName",
         "resources": ["ai-investment-raw-data"], "dimensions": {"StorageType": "StandardStorage"},
         "statistics": ["Average"]},
        {"namespace": namespace, "metric_name": "Backlog", "statistics": ["Maximum"]}]})
    assert not result.get("failed"), result
    sizes = result["metrics"]["size"]["ai-investment-raw-data"]["Average"]["values"]
    start, daily = history.BUCKET_WEEK["ai-investment-raw-data"][:2]
    assert sizes == sorted(sizes) and sizes[-1] - sizes[0] == (len(sizes) - 1) * daily and sizes[0] >= start
    # Without a dimension: one series, keyed "all" (two hours back: inside the window, which ends at the last full hour).
    assert list(result["metrics"]["Backlog"]) == ["all"]
    assert result["metrics"]["Backlog"]["all"]["Maximum"]["value"] == 7.0


def test_a_metric_put_now_is_in_an_hourly_series(aws, run_module):
    name = "series-" + uuid.uuid4().hex[:8]
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    aws("cloudwatch").put_metric_data(Namespace="OpsRunbooks/Test", MetricData=[
        {"MetricName": "Latency", "Dimensions": [{"Name": "Api", "Value": name}], "Timestamp": now,
         "Values": [100.0, 200.0, 300.0, 400.0], "Counts": [25.0, 25.0, 49.0, 1.0]}])
    result = run_module("metric_series", {"window": "6h", "period": "1h", "metrics": [
        {"namespace": "OpsRunbooks/Test", "metric_name": "Latency", "dimension": "Api", "resources": [name],
         "statistics": ["p50", "p99", "p99.5", "SampleCount"]}]})
    stats = result["metrics"]["Latency"][name]
    assert (stats["p50"]["value"], stats["p99"]["value"], stats["p99.5"]["value"]) == (200, 300, 400)
    assert stats["SampleCount"]["value"] == 100 and stats["SampleCount"]["values"] == [100]


@pytest.mark.parametrize("args, message", [
    ({"window": "1h", "period": "1d"}, "window: 1h must be a multiple of 60 seconds and at least the period"),
    ({"period": "90s"}, "period: 90s is not a multiple of 60 seconds"),
    ({"window": "70d"}, "window: 70d is longer than 63d"),
    ({"metrics": []}, "metrics: give at least one metric family"),
    ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "statistics": ["Median"]}]},
     "metrics[0].statistics: 'Median' is not a statistic"),
    ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "statistics": []}]},
     "metrics[0].statistics: give at least one statistic"),
    ({"metrics": [{"namespace": ":bad", "metric_name": "Errors"}]}, "metrics[0].namespace: ':bad' is not"),
    ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "resources": ["a"]}]},
     "metrics[0].resources: name the dimension"),
    ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors"},
                  {"namespace": "AWS/SQS", "metric_name": "Errors"}]}, "metrics[1].label: 'Errors' is used twice"),
])
def test_bad_input_names_the_parameter(run_module, args, message):
    params = {"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors"}]}
    params.update(args)
    result = run_module("metric_series", params)
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("metric_series")
    assert actions == ["cloudwatch:GetMetricData"]
    args = {"window": "1h", "period": "1h", "metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors"}]}
    assert not run_module_iam("metric_series", args, iam_sandbox.iam_user(policy(actions))).get("failed")
    refused = run_module_iam("metric_series", args, iam_sandbox.iam_user(policy(["cloudwatch:ListMetrics"])))
    assert refused["failed"] is True
    assert_denial_shown(refused, "cloudwatch:GetMetricData")
