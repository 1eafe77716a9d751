# -*- coding: utf-8 -*-
"""xray_traces' logic the emulator cannot show (moto answers no GetTraceSummaries with a filter expression), with
botocore's Stubber: the pages followed and bounded by max_traces, the slowest listed, slow and failed traces a
warning, cold starts counted, the filter expressions the runbook's queries make."""
from __future__ import annotations

import datetime

import pytest
from botocore.stub import ANY, Stubber

from ansible_collections.ops.runbooks.plugins.modules import xray_traces

import stubbed

END = datetime.datetime(2026, 12, 7, 9, tzinfo=datetime.timezone.utc)
START = END - datetime.timedelta(hours=1)
PARAMS = {"min_response_time": 3.0}


def _trace(n, response_time, fault=False):
    return {"Id": "1-%08x-%024x" % (n, n), "Duration": response_time, "ResponseTime": response_time,
            "HasFault": fault, "HasError": False, "HasThrottle": False}


def _page(stub, traces, token=None, sent_token=None):
    expected = {"StartTime": ANY, "EndTime": ANY, "FilterExpression": ANY, "Sampling": False}
    if sent_token:
        expected["NextToken"] = sent_token
    answer = {"TraceSummaries": traces}
    if token:
        answer["NextToken"] = token
    stub.add_response("get_trace_summaries", answer, expected)


def test_pages_are_followed_until_max_traces_and_more_is_said():
    client = stubbed.client("xray")
    stub = Stubber(client)
    _page(stub, [_trace(i, 4 + i) for i in range(3)], token="t1")
    _page(stub, [_trace(i, 4 + i) for i in range(3, 6)], token="t2", sent_token="t1")
    with stub:
        traces, more = xray_traces.summaries(stubbed.retrying(client), START, END, "x", 5)
    assert len(traces) == 5 and more is True
    stub.assert_no_pending_responses()


def test_slow_traces_warn_naming_the_slowest_and_none_pass():
    traces = [_trace(1, 4.5), _trace(2, 9.25), _trace(3, 3.0)]
    entry = {"count": 3, "more": False, "top": xray_traces.listed(traces, 2), "error": None}
    assert [t["response_time"] for t in entry["top"]] == [9.25, 4.5]
    check = xray_traces.query_check("f", "slow", entry, PARAMS, "the last 1h")
    assert check["status"] == "warn" and check["reason"] == \
        "3 trace(s) at or above 3s in the last 1h; the slowest %s (9.25s)" % traces[1]["Id"]
    none = xray_traces.query_check("f", "fault", {"count": 0, "more": False, "top": [], "error": None}, PARAMS,
                                   "the last 1h")
    assert none["status"] == "pass" and none["reason"] == "no trace with a fault or an error in the last 1h"


def test_cold_starts_are_counted_and_an_unreadable_query_is_unknown():
    counted = xray_traces.query_check("f", "cold_start", {"count": 7, "more": True, "top": [], "error": None}, PARAMS,
                                      "the last 1h")
    assert counted["status"] == "pass" and counted["reason"] == "7+ cold start(s) in the last 1h"
    broken = xray_traces.query_check("f", "slow", {"count": 0, "more": False, "top": [], "error": "denied"}, PARAMS,
                                     "the last 1h")
    assert broken["status"] == "unknown" and broken["reason"] == "denied"


@pytest.mark.parametrize("query, tail", [
    ("slow", "AND responsetime >= 24"),
    ("fault", "AND (fault = true OR error = true)"),
    ("cold_start", "AND annotation.coldStart = true"),
])
def test_the_filter_expressions(query, tail):
    assert xray_traces.expression("agenticai-ApiHandler", query, 24.0) == \
        'service(id(name: "agenticai-ApiHandler", type: "AWS::Lambda::Function")) ' + tail
