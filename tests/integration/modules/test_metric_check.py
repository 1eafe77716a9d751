# -*- coding: utf-8 -*-
"""metric_check against the emulator, with metric data put by the test."""
from __future__ import annotations

import datetime
import time
import uuid

import pytest

from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.localstack


def put(cw, namespace, name, dims, values, minutes_ago=1):
    now = datetime.datetime.now(datetime.timezone.utc)
    cw.put_metric_data(Namespace=namespace, MetricData=[{
        "MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
        "Timestamp": now - datetime.timedelta(minutes=minutes_ago, seconds=i), "Value": value,
    } for i, value in enumerate(values)])


@pytest.fixture
def fn():
    return "mc-" + uuid.uuid4().hex[:8]


def test_thresholds_aggregates_and_no_data(aws, run_module, fn):
    cw = aws("cloudwatch")
    put(cw, "AWS/Lambda", "Errors", {"FunctionName": fn}, [4, 3])
    put(cw, "AWS/Lambda", "Duration", {"FunctionName": fn}, [800, 12000])
    put(cw, "AWS/Lambda", "Throttles", {"FunctionName": fn}, [0])
    result = run_module("metric_check", {"fail_on": "never", "metrics": [
        {"label": "errors", "namespace": "AWS/Lambda", "metric_name": "Errors", "dimensions": {"FunctionName": fn},
         "max": 5},
        {"label": "duration", "namespace": "AWS/Lambda", "metric_name": "Duration", "statistic": "Maximum",
         "dimensions": {"FunctionName": fn}, "window": "1h", "max": 10000},
        {"label": "throttles", "namespace": "AWS/Lambda", "metric_name": "Throttles",
         "dimensions": {"FunctionName": fn}, "max": 1},
        {"label": "invocations", "namespace": "AWS/Lambda", "metric_name": "Invocations",
         "dimensions": {"FunctionName": fn}, "min": 1},
    ]})
    by_label = {m["label"]: m for m in result["metrics"]}
    assert (by_label["errors"]["aggregate"], by_label["errors"]["status"]) == (7, "fail")
    assert by_label["errors"]["reason"] == "errors 7 > 5"
    assert (by_label["duration"]["aggregate"], by_label["duration"]["status"]) == (12000, "fail")
    assert by_label["throttles"]["status"] == "pass" and by_label["throttles"]["reason"] == "throttles 0 <= 1"
    assert by_label["invocations"]["status"] == "unknown" and by_label["invocations"]["aggregate"] is None
    assert result["summary"] == {"pass": 1, "warn": 0, "fail": 2, "unknown": 1}
    assert len(by_label["errors"]["values"]) >= 1 and len(by_label["errors"]["timestamps"]) == len(
        by_label["errors"]["values"])
    failing = run_module("metric_check", {"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors",
                                                       "dimensions": {"FunctionName": fn}, "max": 5}]})
    assert failing["failed"] is True and "1 metric(s) out of bounds" in failing["msg"]


def test_no_data_can_fail(run_module, fn):
    result = run_module("metric_check", {"metrics": [{"namespace": "Custom/App", "metric_name": "Heartbeat",
                                                      "dimensions": {"Host": fn}, "fail_on_no_data": True}]})
    assert result["failed"] is True and "no datapoint in the last 5m" in result["msg"]


def test_a_metric_names_its_check_and_reads_its_period(aws, run_module, fn):
    cw = aws("cloudwatch")
    # four minutes ago: inside a whole past 120-second period whatever the clock (the window ends on a period bound)
    cw.put_metric_data(Namespace="Custom/App", MetricData=[{"MetricName": "Latency", "Value": 120, "Unit": "Count",
                                                            "Timestamp": time.time() - 240,
                                                            "Dimensions": [{"Name": "Host", "Value": fn}]}])
    result = run_module("metric_check", {"metrics": [{"namespace": "Custom/App", "metric_name": "Latency",
                                                      "dimensions": {"Host": fn}, "statistic": "Maximum",
                                                      "period": 120, "window": "10m", "max": 100,
                                                      "check": "latency p100"}], "fail_on": "never"})
    [check] = result["checks"]
    assert (check["check"], check["status"], check["observed"]) == ("latency p100", "fail", 120.0), check
    assert result["metrics"][0]["values"] == [120.0]  # one 120-second period of the window held the datapoint


def test_many_metrics_in_one_batch(aws, run_module, fn):
    cw = aws("cloudwatch")
    for i in range(30):
        put(cw, "Custom/App", "Depth", {"Queue": "%s-%02d" % (fn, i)}, [i])
    result = run_module("metric_check", {"metrics": [
        dict({"namespace": "Custom/App", "metric_name": "Depth", "dimensions": {"Queue": "%s-%02d" % (fn, i)},
              "statistic": "Maximum", "max": 20}, **({"check": "queue depth"} if i % 2 else {})) for i in range(30)],
        "fail_on": "never"})
    assert [m["aggregate"] for m in result["metrics"]] == [float(i) for i in range(30)]
    assert result["summary"]["fail"] == 9
    # each result under the check name its metric gives (metric unless it names one)
    assert [c["check"] for c in result["checks"]] == ["queue depth" if i % 2 else "metric" for i in range(30)]


@pytest.mark.parametrize("metric, message", [
    ({"namespace": ":bad"}, "metrics[0].namespace"),
    ({"namespace": "has space"}, "metrics[0].namespace"),
    ({"window": "-5m"}, "metrics[0].window: '-5m' is negative"),
    ({"window": "fortnight"}, "metrics[0].window: 'fortnight' is not a duration"),
    ({"window": "99999999999d"}, "metrics[0].window: '99999999999d' is longer than the longest duration"),
    ({"window": "30s"}, "metrics[0].window: 30s is shorter than the period"),
    ({"period": 45}, "metrics[0].period"),
    ({"statistic": "Median"}, "metrics[0].statistic"),
    ({"min": 5, "max": 1}, "min 5.0 is above max 1.0"),
])
def test_bad_input_fails_clearly(run_module, metric, message):
    result = run_module("metric_check", {"metrics": [dict({"namespace": "AWS/Lambda", "metric_name": "Errors"},
                                                          **metric)]})
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("metric_check")
    assert actions == ["cloudwatch:GetMetricData"]
    args = {"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors"}]}
    assert not run_module_iam("metric_check", args, iam_sandbox.iam_user(policy(actions))).get("failed")
    denied = run_module_iam("metric_check", args, iam_sandbox.iam_user(policy(["cloudwatch:DescribeAlarms"])))
    assert_denied(denied, "cloudwatch:GetMetricData")


@pytest.mark.parametrize("how, expected", [("max", 9.0), ("min", 1.0), ("sum", 15.0), ("avg", 5.0)])
def test_aggregate_of_the_window(aws, run_module, fn, how, expected):
    """metrics.aggregate over the values CloudWatch returns for the window (1, 5, 9 put one minute apart)."""
    cw = aws("cloudwatch")
    for minutes_ago, value in ((3, 1), (2, 5), (1, 9)):
        put(cw, "Custom/Ops", "Depth", {"Queue": fn}, [value], minutes_ago=minutes_ago)
    result = run_module("metric_check", {"metrics": [{
        "namespace": "Custom/Ops", "metric_name": "Depth", "dimensions": {"Queue": fn}, "statistic": "Maximum",
        "window": "10m", "aggregate": how}]})
    assert result["metrics"][0]["aggregate"] == expected and sorted(result["metrics"][0]["values"]) == [1, 5, 9]


@pytest.mark.localstack_only("moto ignores Namespace when dimensions are given: both queries would match both series")
def test_the_same_metric_and_dimensions_in_two_namespaces_are_two_metrics(aws, run_module, fn):
    """Each query reads its own namespace. (Elsewhere the test data is unambiguous on moto too: every test puts its
    metrics under dimension values of its own, so the namespace moto ignores cannot pick another test's series.)"""
    cw = aws("cloudwatch")
    put(cw, "Custom/Blue", "Depth", {"Queue": fn}, [3])
    put(cw, "Custom/Green", "Depth", {"Queue": fn}, [40])
    result = run_module("metric_check", {"fail_on": "never", "metrics": [
        {"namespace": namespace, "metric_name": "Depth", "dimensions": {"Queue": fn}, "statistic": "Maximum",
         "max": 10} for namespace in ("Custom/Blue", "Custom/Green")]})
    assert [(m["aggregate"], m["status"]) for m in result["metrics"]] == [(3, "pass"), (40, "fail")]


@pytest.mark.parametrize("value, status, reason", [
    (0, "pass", "dlq 0 <= 10"),
    (3, "warn", "dlq 3 > 0 (warning level)"),
    (11, "fail", "dlq 11 > 10"),
])
def test_warn_tier_before_max(aws, run_module, fn, value, status, reason):
    """Runbook 004's DLQ tiers: warn above 0, fail above 10. A warning does not fail the task."""
    put(aws("cloudwatch"), "Custom/Tiers", "Depth", {"Queue": fn}, [value])
    result = run_module("metric_check", {"metrics": [
        {"label": "dlq", "namespace": "Custom/Tiers", "metric_name": "Depth", "dimensions": {"Queue": fn},
         "statistic": "Maximum", "warn": 0, "max": 10}]})
    [metric] = result["metrics"]
    assert (metric["status"], metric["reason"]) == (status, reason)
    assert bool(result.get("failed")) == (status == "fail")
    assert result["summary"][status] == 1 and result["checks"][0]["expected"] == {"max": 10, "min": None, "warn": 0}


def test_warn_tier_above_min(aws, run_module, fn):
    """With only a lower limit the warning level is a lower one too: fewer than warn invocations warns."""
    put(aws("cloudwatch"), "Custom/Tiers", "Invocations", {"Fn": fn}, [4])
    result = run_module("metric_check", {"metrics": [
        {"label": "invocations", "namespace": "Custom/Tiers", "metric_name": "Invocations", "dimensions": {"Fn": fn},
         "min": 1, "warn": 10}]})
    assert (result["metrics"][0]["status"], result["metrics"][0]["reason"]) == (
        "warn", "invocations 4 < 10 (warning level)")
    assert not result.get("failed")


@pytest.mark.parametrize("metric, message", [
    ({"max": 5, "warn": 6}, "metrics[0].warn: 6.0 is above max 5.0"),
    ({"min": 5, "warn": 4}, "metrics[0].warn: 4.0 is below min 5.0"),
])
def test_a_warning_level_beyond_the_limit_is_refused(run_module, metric, message):
    result = run_module("metric_check", {"metrics": [dict({"namespace": "Custom/Tiers", "metric_name": "X"},
                                                          **metric)]})
    assert result["failed"] is True and message in result["msg"], result["msg"]


@pytest.mark.parametrize("errors, status, reason", [
    ([1, 0], "pass", "error rate 0.500 <= 5"),
    ([3, 2], "warn", "error rate 2.500 > 2 (warning level)"),
    ([8, 4], "fail", "error rate 6 > 5"),
])
def test_a_rate_per_another_metric(aws, run_module, fn, errors, status, reason):
    """Runbook 004's Lambda error rate: Errors per Invocations over the window, warn above 2 %, fail above 5 %."""
    cw = aws("cloudwatch")
    put(cw, "AWS/Lambda", "Errors", {"FunctionName": fn}, errors)
    put(cw, "AWS/Lambda", "Invocations", {"FunctionName": fn}, [100, 100])
    result = run_module("metric_check", {"fail_on": "never", "metrics": [
        {"label": "error rate", "namespace": "AWS/Lambda", "metric_name": "Errors", "dimensions": {"FunctionName": fn},
         "per": {"metric_name": "Invocations"}, "warn": 2, "max": 5}]})
    [metric] = result["metrics"]
    assert (metric["status"], metric["reason"]) == (status, reason)
    assert metric["denominator"] == 200 and metric["aggregate"] == pytest.approx(100.0 * sum(errors) / 200)


def test_a_rate_without_its_denominator_has_no_data(aws, run_module, fn):
    """No Invocations in the window: the rate is unknown (or what no_data says), never a division by zero."""
    put(aws("cloudwatch"), "AWS/Lambda", "Errors", {"FunctionName": fn}, [2])
    result = run_module("metric_check", {"metrics": [
        {"label": "error rate", "namespace": "AWS/Lambda", "metric_name": "Errors", "dimensions": {"FunctionName": fn},
         "per": {"metric_name": "Invocations", "namespace": "AWS/Lambda", "dimensions": {"FunctionName": fn},
                 "statistic": "Sum"}, "max": 5}]})
    [metric] = result["metrics"]
    assert (metric["status"], metric["aggregate"], metric["denominator"]) == ("unknown", None, None)
    assert metric["reason"] == "error rate: no Invocations in the last 5m to divide by"
