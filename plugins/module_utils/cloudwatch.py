# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch reads shared by modules: metric sums over a window, alarm states."""

from __future__ import annotations

import datetime

from ansible_collections.ops.runbooks.plugins.module_utils.common import pages


def metric_sum(client, namespace, metric, dimensions, start, end, period=60):
    """Sum of a metric's ``Sum`` statistic over [start, end] (all pages); None when there is no datapoint."""
    params = {
        "MetricDataQueries": [{
            "Id": "m0",
            "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": metric,
                           "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]},
                "Period": period,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }],
        "StartTime": start,
        "EndTime": end,
    }
    values = []
    for page in pages(client.get_metric_data, **params):
        for result in page.get("MetricDataResults", []):
            values.extend(result.get("Values", []))
    return sum(values) if values else None


def alarm_states(client, names):
    """``{alarm name: state}`` of the named metric and composite alarms; names CloudWatch does not know are absent."""
    states = {}
    names = list(names)
    for start in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
        for page in pages(client.describe_alarms, AlarmNames=names[start:start + 100],
                          AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
            for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                states[alarm["AlarmName"]] = alarm["StateValue"]
    return states


def window_start(end, seconds):
    return end - datetime.timedelta(seconds=seconds)


METRIC_QUERIES_PER_CALL = 500  # GetMetricData accepts at most 500 queries per call


def metric_series(client, queries, start, end):
    """Values of many metric queries over one window, batched 500 per GetMetricData call (all pages).

    ``queries`` are ``{namespace, metric_name, dimensions (dict), statistic, period}``; returns one
    ``(timestamps, values)`` pair per query, oldest first.
    """
    series = [([], []) for _query in queries]
    for offset in range(0, len(queries), METRIC_QUERIES_PER_CALL):
        chunk = queries[offset:offset + METRIC_QUERIES_PER_CALL]
        params = {
            "MetricDataQueries": [{
                "Id": "m%d" % (offset + i),
                "MetricStat": {
                    "Metric": {"Namespace": q["namespace"], "MetricName": q["metric_name"],
                               "Dimensions": [{"Name": k, "Value": str(v)} for k, v in sorted(q["dimensions"].items())]},
                    "Period": q["period"],
                    "Stat": q["statistic"],
                },
                "ReturnData": True,
            } for i, q in enumerate(chunk)],
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        for page in pages(client.get_metric_data, **params):
            for result in page.get("MetricDataResults", []):
                timestamps, values = series[int(result["Id"][1:])]
                timestamps.extend(result.get("Timestamps", []))
                values.extend(result.get("Values", []))
    return [tuple(zip(*sorted(zip(t, v)))) if t else ((), ()) for t, v in series]
