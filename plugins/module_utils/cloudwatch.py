# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch reads shared by modules: the one GetMetricData batcher, metric sums over a window, alarm states."""

from __future__ import annotations

import re

try:
    import botocore
except ImportError:
    pass  # the modules that import this are AnsibleAWSModules: they report a missing botocore

from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line

METRIC_QUERIES_PER_CALL = 500  # GetMetricData accepts at most 500 queries per call
ALARM_NAMES_PER_CALL = 100  # DescribeAlarms takes at most 100 names
# A CloudWatch namespace: 1-255 of A-Z a-z 0-9 . - _ / # :, not starting with ':'.
NAMESPACE_RE = re.compile(r"^[0-9A-Za-z._/#-][0-9A-Za-z._/#:-]{0,254}$")
PERCENTILE_RE = re.compile(r"^p\d")


def metric_query(namespace, metric_name, dimensions, statistic, period):
    """One query for ``metric_series``."""
    return {"namespace": namespace, "metric_name": metric_name, "dimensions": dimensions, "statistic": statistic,
            "period": period}


def metric_series(client, queries, start, end):
    """Values of many metric queries over one window, batched 500 per GetMetricData call (all pages).

    ``queries`` are ``{namespace, metric_name, dimensions (dict), statistic, period}`` (see ``metric_query``);
    returns one ``(timestamps, values)`` pair per query, oldest first (``((), ())`` without data).
    """
    series = [([], []) for _query in queries]
    for offset in range(0, len(queries), METRIC_QUERIES_PER_CALL):
        chunk = queries[offset:offset + METRIC_QUERIES_PER_CALL]
        found = paginate(client, "get_metric_data", StartTime=start, EndTime=end, ScanBy="TimestampAscending",
                         MetricDataQueries=[{
                             "Id": "m%d" % (offset + i),
                             "MetricStat": {
                                 "Metric": {"Namespace": q["namespace"], "MetricName": q["metric_name"],
                                            "Dimensions": [{"Name": k, "Value": str(v)}
                                                           for k, v in sorted(q["dimensions"].items())]},
                                 "Period": q["period"],
                                 "Stat": q["statistic"],
                             },
                             "ReturnData": True,
                         } for i, q in enumerate(chunk)])
        for result in found.get("MetricDataResults", []):
            timestamps, values = series[int(result["Id"][1:])]
            timestamps.extend(result.get("Timestamps", []))
            values.extend(result.get("Values", []))
    return [tuple(zip(*sorted(zip(t, v)))) if t else ((), ()) for t, v in series]


def metric_series_or_unanswered(client, queries, start, end, refused=None):
    """``(series, unanswered)``: ``metric_series``, except that when a read asking for percentiles fails, the plain
    statistics are read alone and every percentile query is unanswered - ``{index: reason}``, its series empty. An
    endpoint that cannot answer a percentile (an emulator, a proxy, a region without it) costs those values, reported
    as such, not the whole read; a failure of the plain statistics still raises.

    ``refused``: a dict the caller keeps across its reads (one per window): once a read with percentiles has failed,
    ``refused["reason"]`` says why and the next reads leave the percentiles out at once - the retry budget a failing
    read may spend is spent once per module run, not once per window."""
    percentiles = [i for i, q in enumerate(queries) if PERCENTILE_RE.match(str(q["statistic"]))]
    reason = (refused or {}).get("reason") if percentiles else None
    if not reason:
        try:
            return metric_series(client, queries, start, end), {}
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            if not percentiles:
                raise
            asked = ", ".join(sorted(set(queries[i]["statistic"] for i in percentiles)))
            reason = "the endpoint could not answer %s: %s" % (asked, one_line(e, 300))
            if refused is not None:
                refused["reason"] = reason
    plain = [i for i in range(len(queries)) if i not in set(percentiles)]
    series = [((), ())] * len(queries)
    for index, found in zip(plain, metric_series(client, [queries[i] for i in plain], start, end) if plain else []):
        series[index] = found
    return series, dict((i, reason) for i in percentiles)


def metric_sum(client, namespace, metric, dimensions, start, end, period=60):
    """Sum of a metric's ``Sum`` statistic over [start, end]; None when there is no datapoint."""
    (_timestamps, values), = metric_series(client, [metric_query(namespace, metric, dimensions, "Sum", period)],
                                           start, end)
    return sum(values) if values else None


def alarm_states(client, names):
    """``{alarm name: state}`` of the named metric and composite alarms; names CloudWatch does not know are absent."""
    states = {}
    names = list(names)
    for start in range(0, len(names), ALARM_NAMES_PER_CALL):
        found = paginate(client, "describe_alarms", AlarmNames=names[start:start + ALARM_NAMES_PER_CALL],
                         AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        for alarm in found.get("MetricAlarms", []) + found.get("CompositeAlarms", []):
            states[alarm["AlarmName"]] = alarm["StateValue"]
    return states
