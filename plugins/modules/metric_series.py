#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: metric_series
short_description: Read a metric family of many resources as series and window statistics (percentiles too)
version_added: 0.4.0
description:
  - Reads CloudWatch metrics of many resources at once - one metric family (for example C(AWS/Lambda Duration)) for
    every function of an environment - with C(GetMetricData) in batches of 500 queries, not one call per resource.
  - For every resource and statistic it returns the series at O(period) resolution (for example one value a day over
    V(7d), for a chart) and the statistic over the whole window (CloudWatch computes it with the window as the period,
    so a window's C(p95) is the true 95th percentile of all the window's values, not an average of daily ones).
  - Statistics are C(Sum), C(Average), C(Maximum), C(Minimum), C(SampleCount) and percentiles such as C(p95), C(p99).
  - >-
    Automates the metric reads of runbook 000 "Wöchentliche Wartung" 1 (Performance Review - Duration, consumed
    capacity, BucketSizeBytes over 7 days) and runbook 004's monthly performance review, for all resources at once.
  - Read-only. It judges nothing; the C(ops.runbooks.performance) role grades the values.
notes:
  - "IAM actions (least privilege): C(cloudwatch:GetMetricData)."
  - A resource without a datapoint in the window has C(value) null and empty series.
  - A percentile an endpoint cannot answer (an error for a read asking for it, after the retry budget) is
    C(unanswered) with the reason and the plain statistics are read alone. The emulator answers percentiles, so this
    path is tested with botocore's Stubber (tests/unit/plugins/modules/test_metric_series_unanswered.py).
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  metrics:
    description: The metric families to read.
    type: list
    elements: dict
    required: true
    suboptions:
      label:
        description: Key of the family in RV(metrics) (default the metric name).
        type: str
      namespace:
        description: Namespace, for example V(AWS/Lambda).
        type: str
        required: true
      metric_name:
        description: Metric name, for example V(Duration).
        type: str
        required: true
      dimension:
        description:
          - The dimension that names a resource, for example V(FunctionName), V(TableName), V(BucketName). One series
            per value in O(metrics[].resources). Without it, one series of the metric without that dimension, keyed
            V(all).
        type: str
      resources:
        description: The values of O(metrics[].dimension), one series each.
        type: list
        elements: str
        default: []
      dimensions:
        description: "Further dimensions every series has, for example V({StorageType: StandardStorage})."
        type: dict
        default: {}
      statistics:
        description: Statistics to read, for example V([Average, p95, p99, Maximum]).
        type: list
        elements: str
        default: [Average]
  window:
    description: How far back from now, for example V(7d), V(24h). At most V(63d) (CloudWatch's one-hour data).
    type: str
    default: 7d
  period:
    description:
      - Resolution of the series, for example V(1d) or V(1h) (a multiple of 60 seconds, at most the window). Each
        resource and statistic gives at most window / period values.
    type: str
    default: 1d
extends_documentation_fragment:
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
- name: A week of Lambda Duration per function, daily, with the week's percentiles (runbook 000 weekly review)
  ops.runbooks.metric_series:
    window: 7d
    period: 1d
    metrics:
      - label: duration
        namespace: AWS/Lambda
        metric_name: Duration
        dimension: FunctionName
        resources: [ai-investment-score, ai-investment-orchestrator]
        statistics: [Average, p95, p99, Maximum]
      - label: errors
        namespace: AWS/Lambda
        metric_name: Errors
        dimension: FunctionName
        resources: [ai-investment-score, ai-investment-orchestrator]
        statistics: [Sum]
  register: lambda_week

- name: The week's p99 of the score function
  ansible.builtin.debug:
    msg: "{{ lambda_week.metrics.duration['ai-investment-score'].p99.value }} ms"

- name: Bucket sizes (S3 daily storage metrics)
  ops.runbooks.metric_series:
    window: 7d
    period: 1d
    metrics:
      - label: size
        namespace: AWS/S3
        metric_name: BucketSizeBytes
        dimension: BucketName
        resources: [ai-investment-raw-data]
        dimensions: {StorageType: StandardStorage}
        statistics: [Average]
"""

RETURN = r"""
metrics:
  description:
    - "Family label -> resource -> statistic -> C({value, timestamps, values}): C(value) the statistic over the whole
      window (null without data), C(values) the series at O(period) resolution, oldest first, C(timestamps) their
      times (ISO 8601)."
    - C(unanswered) (the reason) on a percentile the endpoint could not answer - its value is null then, unknown,
      not zero.
  returned: always
  type: dict
  sample:
    duration:
      ai-investment-score:
        p99: {value: 6500.0, timestamps: ["2026-11-16T10:00:00+00:00"], values: [6500.0]}
window:
  description: The window read.
  returned: always
  type: dict
  contains:
    start: {description: Start (ISO 8601)., type: str}
    end: {description: End (ISO 8601)., type: str}
    seconds: {description: Its length., type: int}
    period: {description: Seconds per series value., type: int}
queries:
  description: Number of metric queries sent (two per resource and statistic - the series and the window's value).
  returned: always
  type: int
unanswered:
  description:
    - C(<label> <resource> <statistic>) of each percentile the endpoint could not answer. When a read asking for
      percentiles fails (after the retry budget), the plain statistics are read again alone, so that one statistic
      an endpoint cannot give costs those values only, named here and in C(metrics), not the whole read.
  returned: always
  type: list
  elements: str
  sample: [duration ai-investment-score p99]
"""

import datetime
import re

from ansible_collections.ops.runbooks.plugins.module_utils.cloudwatch import NAMESPACE_RE
from ansible_collections.ops.runbooks.plugins.module_utils.cloudwatch import metric_query
from ansible_collections.ops.runbooks.plugins.module_utils.cloudwatch import metric_series_or_unanswered
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import isoformat
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow

_STATISTIC_RE = re.compile(r"^(Sum|Average|Maximum|Minimum|SampleCount|p\d{1,2}(\.\d+)?)$")
MAX_WINDOW = 63 * 86400  # CloudWatch keeps one-hour datapoints for 63 days
ALL = "all"


def validate(params):
    """Checks the argument spec cannot make; returns ``(window seconds, period seconds)``."""
    window = int(parse_duration(params["window"], "window"))
    period = int(parse_duration(params["period"], "period"))
    if period <= 0 or period % 60:
        raise InvalidInput("period: %s is not a multiple of 60 seconds (1m, 1h, 1d, ...)" % params["period"])
    if window < period or window % 60:
        raise InvalidInput("window: %s must be a multiple of 60 seconds and at least the period (%s)"
                           % (params["window"], params["period"]))
    if window > MAX_WINDOW:
        raise InvalidInput("window: %s is longer than 63d (CloudWatch keeps one-hour data for 63 days)" % params["window"])
    if not params["metrics"]:
        raise InvalidInput("metrics: give at least one metric family")
    labels = set()
    for index, family in enumerate(params["metrics"]):
        where = "metrics[%d]" % index
        if not NAMESPACE_RE.match(family["namespace"]):
            raise InvalidInput("%s.namespace: %r is not a CloudWatch namespace, e.g. AWS/Lambda"
                               % (where, family["namespace"]))
        if not family["statistics"]:
            raise InvalidInput("%s.statistics: give at least one statistic" % where)
        for statistic in family["statistics"]:
            if not _STATISTIC_RE.match(statistic):
                raise InvalidInput("%s.statistics: %r is not a statistic (Sum, Average, Maximum, Minimum, SampleCount, "
                                   "p95, p99, ...)" % (where, statistic))
        if family["resources"] and not family["dimension"]:
            raise InvalidInput("%s.resources: name the dimension they are values of (dimension: FunctionName, ...)"
                               % where)
        label = family["label"] or family["metric_name"]
        if label in labels:
            raise InvalidInput("%s.label: %r is used twice (give each family its own label)" % (where, label))
        labels.add(label)
    return window, period


def plan(families, window, period):
    """``(keys, queries)``: for every family, resource and statistic two queries - the series at ``period`` and the
    whole window as one period - and their keys ``(label, resource, statistic, "series"|"window")``."""
    keys, queries = [], []
    for family in families:
        label = family["label"] or family["metric_name"]
        resources = family["resources"] if family["dimension"] else [ALL]
        for resource in resources:
            dimensions = dict(family["dimensions"])
            if family["dimension"]:
                dimensions[family["dimension"]] = resource
            for statistic in family["statistics"]:
                for part, seconds in (("series", period), ("window", window)):
                    keys.append((label, resource, statistic, part))
                    queries.append(metric_query(family["namespace"], family["metric_name"], dimensions, statistic,
                                                seconds))
    return keys, queries


def arrange(keys, found, unanswered=None):
    """The RETURN structure from the answers of ``plan``'s queries (``unanswered``: ``{query index: reason}``)."""
    metrics = {}
    for index, ((label, resource, statistic, part), (timestamps, values)) in enumerate(zip(keys, found)):
        entry = metrics.setdefault(label, {}).setdefault(resource, {}).setdefault(
            statistic, {"value": None, "timestamps": [], "values": []})
        if index in (unanswered or {}):
            entry["unanswered"] = unanswered[index]
        if part == "series":
            entry["timestamps"] = [isoformat(t) for t in timestamps]
            entry["values"] = list(values)
        elif values:
            entry["value"] = values[0]  # the window is one period: one value
    return metrics


ARGUMENT_SPEC = dict(
    metrics=dict(type="list", elements="dict", required=True, options=dict(
        label=dict(type="str"),
        namespace=dict(type="str", required=True),
        metric_name=dict(type="str", required=True),
        dimension=dict(type="str"),
        resources=dict(type="list", elements="str", default=[]),
        dimensions=dict(type="dict", default={}),
        statistics=dict(type="list", elements="str", default=["Average"]),
    )),
    window=dict(type="str", default="7d"),
    period=dict(type="str", default="1d"),
)


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    result = dict(changed=False)
    with ending_on_error(module, result, "read CloudWatch metrics"):
        window, period = validate(params)
        # The window ends at the last full hour (minute, for periods under an hour): CloudWatch rounds the start of
        # hour-long periods down to the hour, and an aligned window is exactly one period of the window's query.
        end = utcnow().replace(second=0, microsecond=0)
        if period % 3600 == 0:
            end = end.replace(minute=0)
        start = end - datetime.timedelta(seconds=window)
        result["window"] = {"start": isoformat(start), "end": isoformat(end), "seconds": window, "period": period}
        keys, queries = plan(params["metrics"], window, period)
        result["queries"] = len(queries)
        found, unanswered = metric_series_or_unanswered(module.retrying_client("cloudwatch"), queries, start, end)
        result["metrics"] = arrange(keys, found, unanswered)
        result["unanswered"] = sorted(set("%s %s %s" % keys[i][:3] for i in unanswered))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
