# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch reads shared by modules: metric sums over a window, alarm states."""

from __future__ import annotations

import datetime


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
    while True:
        page = client.get_metric_data(aws_retry=True, **params)
        for result in page.get("MetricDataResults", []):
            values.extend(result.get("Values", []))
        token = page.get("NextToken")
        if not token:
            break
        params["NextToken"] = token
    return sum(values) if values else None


def alarm_states(client, names):
    """``{alarm name: state}`` of the named metric and composite alarms; names CloudWatch does not know are absent."""
    states = {}
    names = list(names)
    for start in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
        params = {"AlarmNames": names[start:start + 100], "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}
        while True:
            page = client.describe_alarms(aws_retry=True, **params)
            for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                states[alarm["AlarmName"]] = alarm["StateValue"]
            token = page.get("NextToken")
            if not token:
                break
            params["NextToken"] = token
    return states


def window_start(end, seconds):
    return end - datetime.timedelta(seconds=seconds)
