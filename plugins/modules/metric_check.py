#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: metric_check
short_description: Read CloudWatch metrics over a window and judge them against thresholds
version_added: 0.1.0
description:
  - Reads one or many CloudWatch metrics with C(GetMetricData) (up to 500 per call, not one call per metric) over a
    window such as V(5m), V(1h) or V(7d), aggregates each series over the window, and judges the aggregate against
    O(metrics[].max) / O(metrics[].min) with C(pass), C(fail) or C(unknown) (no datapoint) and a reason.
  - >-
    Automates the metric reads of runbook 000 "Sofortmassnahmen" (Lambda Errors), runbook 002 "High Error Rate" and
    "Performance Degradation", and runbook 004 "Morning Health Check" (errors, throttles, duration).
  - Read-only. No datapoint in the window is C(unknown), not zero, unless O(metrics[].fail_on_no_data).
notes:
  - "IAM actions (least privilege): C(cloudwatch:GetMetricData)."
  - A percentile (C(p99), ...) the endpoint cannot answer - an error for the read asking for it, after the retry
    budget - is C(unknown) with the reason, whatever O(metrics[].no_data) says; the other metrics are read alone,
    and the reads of the other windows leave percentiles out at once (the budget is spent once per run)
    (module_utils/cloudwatch.py C(metric_series_or_unanswered), tested with botocore's Stubber).
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  metrics:
    description: The metrics to read.
    type: list
    elements: dict
    required: true
    suboptions:
      label:
        description: Name of the result (default C(namespace/metric_name) with the dimension values).
        type: str
      check:
        description: The name of its check in RV(checks) (for example V(throttling)).
        type: str
        default: metric
        version_added: 0.5.0
      namespace:
        description: Namespace, for example V(AWS/Lambda).
        type: str
        required: true
      metric_name:
        description: Metric name, for example V(Errors).
        type: str
        required: true
      dimensions:
        description: "Dimension name to value, for example V({FunctionName: ai-investment-score})."
        type: dict
        default: {}
      statistic:
        description: C(Sum), C(Average), C(Maximum), C(Minimum), C(SampleCount) or a percentile such as C(p99).
        type: str
        default: Sum
      period:
        description: Seconds per datapoint (1, 5, 10, 30 or a multiple of 60).
        type: int
        default: 60
      window:
        description: How far back from now, for example V(5m), V(1h), V(7d).
        type: str
        default: 5m
      aggregate:
        description:
          - How the window's datapoints become one value - V(auto) sums a C(Sum) or C(SampleCount) statistic and
            takes the maximum of the others (the worst datapoint), V(sum), V(max), V(min), V(avg) or V(latest).
        type: str
        choices: [auto, sum, max, min, avg, latest]
        default: auto
      max:
        description: The aggregate must not exceed this.
        type: float
      min:
        description: The aggregate must not be below this.
        type: float
      warn:
        description:
          - A warning level before O(metrics[].max) or O(metrics[].min) (runbook 004 grades most signals in two
            steps), in the direction of the limit - with O(metrics[].max), or no limit, an aggregate above it is
            C(warn); with only O(metrics[].min), below it. A warning never fails the task.
        type: float
        version_added: 0.2.0
      per:
        description:
          - Judge a rate instead of the metric - 100 times the metric's aggregate divided by this metric's aggregate
            over the same window, in percent (runbook 004's Lambda error rate is C(Errors) per C(Invocations), warning
            above 2 %, critical above 5 %). Without datapoints of it, or with 0, the rate has no data.
        type: dict
        version_added: 0.2.0
        suboptions:
          metric_name:
            description: The denominator's metric name, for example V(Invocations).
            type: str
            required: true
          namespace:
            description: Its namespace (default the metric's).
            type: str
          dimensions:
            description: Its dimensions (default the metric's).
            type: dict
          statistic:
            description: Its statistic (default the metric's).
            type: str
      fail_on_no_data:
        description: No datapoint in the window is C(fail) instead of C(unknown) (the same as O(metrics[].no_data=fail)).
        type: bool
        default: false
      no_data:
        description:
          - Status when the window has no datapoint. V(pass) suits counters CloudWatch does not emit as zero
            (C(ThrottledRequests), C(Errors)).
        type: str
        choices: [unknown, pass, fail]
        default: unknown
extends_documentation_fragment:
  - ops.runbooks.checks
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Read-only; check mode runs the same reads.
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Lambda errors and throttles of the last 5 minutes (runbook 001 alarm thresholds)
  ops.runbooks.metric_check:
    metrics:
      - {namespace: AWS/Lambda, metric_name: Errors, dimensions: {FunctionName: ai-investment-score}, max: 5}
      - {namespace: AWS/Lambda, metric_name: Throttles, dimensions: {FunctionName: ai-investment-score}, max: 1}
      - namespace: AWS/Lambda
        metric_name: Duration
        statistic: Average
        dimensions: {FunctionName: ai-investment-score}
        window: 1h
        max: 10000

- name: DLQ depth in two steps (runbook 004 - warn above 0, fail above 10)
  ops.runbooks.metric_check:
    metrics:
      - namespace: AWS/SQS
        metric_name: ApproximateNumberOfMessagesVisible
        statistic: Maximum
        dimensions: {QueueName: ai-investment-score-dlq}
        warn: 0
        max: 10

- name: Lambda error rate (runbook 004 - Errors per Invocations, warning > 2 %, critical > 5 %)
  ops.runbooks.metric_check:
    metrics:
      - label: score error rate (%)
        namespace: AWS/Lambda
        metric_name: Errors
        dimensions: {FunctionName: ai-investment-score}
        per: {metric_name: Invocations}
        warn: 2
        max: 5
  register: lambda_metrics
"""

RETURN = r"""
metrics:
  description: One entry per metric, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    label: {description: Name of the result., type: str}
    values: {description: "Datapoints in the window, oldest first.", type: list, elements: float}
    timestamps: {description: Their times (ISO 8601)., type: list, elements: str}
    aggregate: {description: "The value judged (null without data); with O(metrics[].per), the rate in percent.", type: float}
    denominator: {description: "With O(metrics[].per), the aggregate of that metric (null without data).", type: float}
    status: {description: "C(pass), C(warn), C(fail) or C(unknown).", type: str}
    reason: {description: Why., type: str}
summary:
  description: Counts by status.
  returned: always
  type: dict
  sample: {pass: 2, warn: 0, fail: 1, unknown: 0}
checks:
  description: The same results in the collection's common check model.
  returned: always
  type: list
  elements: dict
"""

import datetime
import re

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.cloudwatch import NAMESPACE_RE
from ansible_collections.ops.runbooks.plugins.module_utils.cloudwatch import metric_series_or_unanswered
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import isoformat
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow

_STATISTIC_RE = re.compile(r"^(Sum|Average|Maximum|Minimum|SampleCount|(p|tm|wm|tc|ts)\d{1,2}(\.\d+)?|IQM)$")
_SUMMED = ("Sum", "SampleCount")


def validate(metric, index):
    """Checks the argument spec cannot make; returns the window in seconds."""
    where = "metrics[%d]" % index
    if not NAMESPACE_RE.match(metric["namespace"]):
        raise InvalidInput("%s.namespace: %r is not a CloudWatch namespace (1-255 of A-Z a-z 0-9 . - _ / # :, "
                           "not starting with ':'), e.g. AWS/Lambda" % (where, metric["namespace"]))
    if not _STATISTIC_RE.match(metric["statistic"]):
        raise InvalidInput("%s.statistic: %r is not a statistic (Sum, Average, Maximum, Minimum, SampleCount, p99, ...)"
                           % (where, metric["statistic"]))
    per = metric.get("per") or {}
    if per.get("namespace") is not None and not NAMESPACE_RE.match(per["namespace"]):
        raise InvalidInput("%s.per.namespace: %r is not a CloudWatch namespace" % (where, per["namespace"]))
    if per.get("statistic") is not None and not _STATISTIC_RE.match(per["statistic"]):
        raise InvalidInput("%s.per.statistic: %r is not a statistic" % (where, per["statistic"]))
    period = metric["period"]
    if period not in (1, 5, 10, 30) and (period <= 0 or period % 60):
        raise InvalidInput("%s.period: %d must be 1, 5, 10, 30 or a multiple of 60" % (where, period))
    window = parse_duration(metric["window"], "%s.window" % where)
    if window < period:
        raise InvalidInput("%s.window: %s is shorter than the period of %ds" % (where, metric["window"], period))
    if metric["max"] is not None and metric["min"] is not None and metric["min"] > metric["max"]:
        raise InvalidInput("%s: min %s is above max %s" % (where, metric["min"], metric["max"]))
    if metric.get("warn") is not None:
        if metric["max"] is not None and metric["warn"] > metric["max"]:
            raise InvalidInput("%s.warn: %s is above max %s (a warning comes before the failure)"
                               % (where, metric["warn"], metric["max"]))
        if metric["max"] is None and metric["min"] is not None and metric["warn"] < metric["min"]:
            raise InvalidInput("%s.warn: %s is below min %s (a warning comes before the failure)"
                               % (where, metric["warn"], metric["min"]))
    return window


def aggregate(values, how, statistic):
    if not values:
        return None
    if how == "auto":
        how = "sum" if statistic in _SUMMED else "max"
    return {"sum": sum, "max": max, "min": min, "avg": lambda v: sum(v) / len(v), "latest": lambda v: v[-1]}[how](values)


def metric_status(metric, value):
    label = metric["label"]

    def num(number):
        return checks.format_number(number, 3)

    if value is None:
        status = checks.FAIL if metric["fail_on_no_data"] else metric["no_data"]
        return status, "%s: no datapoint in the last %s" % (label, metric["window"])
    if metric["max"] is not None and value > metric["max"]:
        return checks.FAIL, "%s %s > %s" % (label, num(value), num(metric["max"]))
    if metric["min"] is not None and value < metric["min"]:
        return checks.FAIL, "%s %s < %s" % (label, num(value), num(metric["min"]))
    warn = metric.get("warn")
    if warn is not None:
        if metric["max"] is None and metric["min"] is not None:
            if value < warn:
                return checks.WARN, "%s %s < %s (warning level)" % (label, num(value), num(warn))
        elif value > warn:
            return checks.WARN, "%s %s > %s (warning level)" % (label, num(value), num(warn))
    limits = " ".join(p for p in ("<= %s" % num(metric["max"]) if metric["max"] is not None else "",
                                  ">= %s" % num(metric["min"]) if metric["min"] is not None else "") if p)
    return checks.PASS, ("%s %s %s" % (label, num(value), limits)).strip()


def denominator(metric):
    """The query of a rate's denominator: ``per`` over the metric's own namespace, dimensions and statistic."""
    per = metric["per"]
    return dict(metric, metric_name=per["metric_name"], namespace=per["namespace"] or metric["namespace"],
                dimensions=metric["dimensions"] if per["dimensions"] is None else per["dimensions"],
                statistic=per["statistic"] or metric["statistic"], per=None)


def rate(value, per_value):
    """100 * value / per_value, or None when either has no data or the denominator is 0."""
    if value is None or not per_value:
        return None
    return 100.0 * value / per_value


def default_label(metric):
    dims = ",".join("%s=%s" % (k, v) for k, v in sorted(metric["dimensions"].items()))
    return "%s/%s%s %s" % (metric["namespace"], metric["metric_name"], "[%s]" % dims if dims else "",
                           metric["statistic"])


ARGUMENT_SPEC = dict(
    metrics=dict(type="list", elements="dict", required=True, options=dict(
        label=dict(type="str"),
        check=dict(type="str", default="metric"),
        namespace=dict(type="str", required=True),
        metric_name=dict(type="str", required=True),
        dimensions=dict(type="dict", default={}),
        statistic=dict(type="str", default="Sum"),
        period=dict(type="int", default=60),
        window=dict(type="str", default="5m"),
        aggregate=dict(type="str", default="auto", choices=["auto", "sum", "max", "min", "avg", "latest"]),
        max=dict(type="float"),
        min=dict(type="float"),
        warn=dict(type="float"),
        per=dict(type="dict", options=dict(metric_name=dict(type="str", required=True), namespace=dict(type="str"),
                                           dimensions=dict(type="dict"), statistic=dict(type="str"))),
        fail_on_no_data=dict(type="bool", default=False),
        no_data=dict(type="str", choices=["unknown", "pass", "fail"], default="unknown"),
    )),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    metrics = module.params["metrics"]
    cloudwatch = module.retrying_client("cloudwatch")
    result = dict(changed=False)
    with ending_on_error(module, result, "read CloudWatch metrics"):
        if not metrics:
            raise InvalidInput("metrics: give at least one metric")
        windows = [validate(m, i) for i, m in enumerate(metrics)]
        for metric in metrics:
            metric["label"] = metric["label"] or default_label(metric)
        # A rate's denominator is one more query, read in the same batch as its metric.
        queries = list(metrics) + [denominator(m) for m in metrics if m["per"]]
        windows += [w for m, w in zip(metrics, windows) if m["per"]]
        # One GetMetricData batch per distinct window (the window is per call), 500 queries per call.
        end = utcnow()
        series, unanswered, refused = [None] * len(queries), {}, {}
        for window in sorted(set(windows)):
            indexes = [i for i, w in enumerate(windows) if w == window]
            start = end - datetime.timedelta(seconds=window)
            found, missing = metric_series_or_unanswered(cloudwatch, [queries[i] for i in indexes], start, end,
                                                         refused)
            for i, answer in zip(indexes, found):
                series[i] = answer
            unanswered.update((indexes[j], reason) for j, reason in missing.items())
        denominators = iter(series[len(metrics):])

    results = []
    for index, (metric, (timestamps, values)) in enumerate(zip(metrics, series)):
        value = aggregate(list(values), metric["aggregate"], metric["statistic"])
        entry = {}
        if metric["per"]:
            _per_timestamps, per_values = next(denominators)
            entry["denominator"] = aggregate(list(per_values), metric["aggregate"], metric["statistic"])
            value = rate(value, entry["denominator"])
        status, reason = metric_status(metric, value)
        if index in unanswered:  # a percentile the endpoint could not give: unknown, whatever no_data says
            status, reason = checks.UNKNOWN, "%s: %s" % (metric["label"], unanswered[index])
        elif metric["per"] and value is None:
            reason = "%s: no %s in the last %s to divide by" % (metric["label"], metric["per"]["metric_name"],
                                                                metric["window"])
        entry.update({
            "label": metric["label"], "namespace": metric["namespace"], "metric_name": metric["metric_name"],
            "dimensions": metric["dimensions"], "statistic": metric["statistic"], "window": metric["window"],
            "values": list(values), "timestamps": [isoformat(t) for t in timestamps], "aggregate": value,
            "status": status, "reason": reason,
        })
        results.append(entry)
    found = [checks.make_check(r["label"], m["check"], r["status"], r["reason"], r["aggregate"],
                               {"max": m["max"], "min": m["min"], "warn": m["warn"]}) for r, m in zip(results, metrics)]
    result.update(metrics=results, checks=found,
                  summary=checks.summarize(results, keys=(checks.PASS, checks.WARN, checks.FAIL, checks.UNKNOWN)))
    failed = [r["reason"] for r in results if r["status"] == checks.FAIL]
    checks.end_module(module, result, failed and "%d metric(s) out of bounds: %s" % (len(failed), "; ".join(failed)))


if __name__ == "__main__":
    main()
