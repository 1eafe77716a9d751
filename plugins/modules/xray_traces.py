#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: xray_traces
short_description: X-Ray trace summaries of a Lambda function - slow, failed and cold-start invocations
version_added: 0.5.0
description:
  - Runbook 004 P2 "Lambda Function Timeout" (X-Ray traces of the slow invocations) and "Analyze Cold Starts"
    (C(annotation.coldStart)) - C(aws xray get-trace-summaries) over O(window) for the function, one query per entry of
    O(queries) - C(slow) (response time at or above O(min_response_time) seconds), C(fault) (a fault or an error),
    C(cold_start) (traces annotated C(coldStart = true)) - counted, the slowest listed.
  - The function's tracing is read first - without active tracing X-Ray holds no traces of it, so every check is
    C(unknown) with that reason (never a pass that read nothing); so is a query the endpoint does not answer.
  - Read only.
notes:
  - "IAM actions (least privilege): C(lambda:GetFunctionConfiguration) (the tracing mode), C(xray:GetTraceSummaries)."
  - The function name is checked against Lambda's name pattern before it goes into a filter expression, so a name is
    never part of the expression's syntax.
  - The emulator (moto) does not implement GetTraceSummaries - in the sandbox the checks are C(unknown) with the
    endpoint's answer; the counting and the listing are proven with botocore's Stubber
    (C(tests/unit/plugins/modules/test_xray_traces_logic.py)).
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  function_name:
    description: The function.
    type: str
    required: true
  queries:
    description: What to look for.
    type: list
    elements: str
    choices: [slow, fault, cold_start]
    default: [slow, fault]
  window:
    description: How far back (a duration such as V(1h); at most 24 hours a call, X-Ray's limit).
    type: str
    default: 1h
  min_response_time:
    description: Seconds from which a trace is slow (C(slow)); required with it.
    type: float
  max_traces:
    description: At most this many traces read per query (the count says when there were more).
    type: int
    default: 1000
  top:
    description: The slowest traces listed per query.
    type: int
    default: 5
extends_documentation_fragment:
  - ops.runbooks.checks
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Runbook 004 P2 - the slow and failed invocations of the last hour, and the cold starts
  ops.runbooks.xray_traces:
    function_name: agenticai-stack-ApiHandler-X1Y2
    queries: [slow, fault, cold_start]
    min_response_time: 24
"""

RETURN = r"""
tracing:
  description: The function's tracing mode (C(Active) or C(PassThrough)).
  returned: always
  type: str
traces:
  description: Per query - C(count) (traces read, at most O(max_traces)), C(more) (X-Ray had more), C(top) (the
    slowest - C(id), C(duration), C(response_time), C(has_fault), C(has_error), C(has_throttle)), C(error) (why it
    could not be read, else null).
  returned: always
  type: dict
checks:
  description: One check per query in the collection's common model - C(warn) slow or failed traces found, C(pass)
    none, C(unknown) not readable (tracing off, the endpoint's refusal); C(cold_start) reports its count as C(pass).
  returned: always
  type: list
  elements: dict
"""

import datetime
import re

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import get_configuration
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import format_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow

ARGUMENT_SPEC = dict(
    function_name=dict(type="str", required=True),
    queries=dict(type="list", elements="str", choices=["slow", "fault", "cold_start"], default=["slow", "fault"]),
    window=dict(type="str", default="1h"),
    min_response_time=dict(type="float"),
    max_traces=dict(type="int", default=1000),
    top=dict(type="int", default=5),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)
FUNCTION_NAME = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")
MAX_WINDOW = 24 * 3600  # GetTraceSummaries: a time range of at most 24 hours


def validate(params):
    """The checks the argument spec cannot make; returns the window in seconds."""
    if not FUNCTION_NAME.match(params["function_name"] or ""):
        raise InvalidInput("function_name: %r is no Lambda function name (letters, digits, - and _; 64 at most)" %
                           params["function_name"])
    if not params["queries"]:
        raise InvalidInput("queries: name at least one of slow, fault, cold_start")
    window = parse_duration(params["window"], "window")
    check_range("window", window, 1, MAX_WINDOW, " seconds")
    if "slow" in params["queries"]:
        if params["min_response_time"] is None:
            raise InvalidInput("min_response_time: give the seconds from which a trace is slow (queries: slow)")
        check_range("min_response_time", params["min_response_time"], 0.001, 900, " seconds")
    check_range("max_traces", params["max_traces"], 1, 100000)
    check_range("top", params["top"], 0, 100)
    return window


def expression(function, query, min_response_time):
    """The filter expression of a query; ``function`` matched Lambda's name pattern (no quote, no operator)."""
    service = 'service(id(name: "%s", type: "AWS::Lambda::Function"))' % function
    if query == "slow":
        return "%s AND responsetime >= %g" % (service, min_response_time)
    if query == "fault":
        return "%s AND (fault = true OR error = true)" % service
    return "%s AND annotation.coldStart = true" % service


def summaries(xray, start, end, filter_expression, max_traces):
    """``(traces, more)``: at most ``max_traces`` summaries, following NextToken, and whether X-Ray had more."""
    found, token = [], None
    while True:
        request = {"StartTime": start, "EndTime": end, "FilterExpression": filter_expression, "Sampling": False}
        if token:
            request["NextToken"] = token
        answer = xray.get_trace_summaries(aws_retry=True, **request)
        found.extend(answer.get("TraceSummaries") or [])
        token = answer.get("NextToken")
        if len(found) >= max_traces or not token:
            return found[:max_traces], bool(token) or len(found) > max_traces


def listed(traces, top):
    slowest = sorted(traces, key=lambda t: t.get("ResponseTime") or t.get("Duration") or 0, reverse=True)[:top]
    return [{"id": t.get("Id"), "duration": t.get("Duration"), "response_time": t.get("ResponseTime"),
             "has_fault": bool(t.get("HasFault")), "has_error": bool(t.get("HasError")),
             "has_throttle": bool(t.get("HasThrottle"))} for t in slowest]


def query_check(function, query, entry, params, window_text):
    name = {"slow": "slow traces", "fault": "failed traces", "cold_start": "cold starts"}[query]
    if entry["error"]:
        return checks.make_check(function, name, checks.UNKNOWN, entry["error"])
    count = "%d%s" % (entry["count"], "+" if entry["more"] else "")
    if query == "cold_start":
        return checks.make_check(function, name, checks.PASS, "%s cold start(s) in %s" % (count, window_text),
                                 entry["count"])
    what = "at or above %gs" % params["min_response_time"] if query == "slow" else "with a fault or an error"
    if not entry["count"]:
        return checks.make_check(function, name, checks.PASS, "no trace %s in %s" % (what, window_text), 0, 0)
    slowest = entry["top"][0] if entry["top"] else {}
    return checks.make_check(function, name, checks.WARN, "%s trace(s) %s in %s; the slowest %s (%ss)" % (
        count, what, window_text, slowest.get("id"), slowest.get("response_time")), entry["count"], 0)


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    result = dict(changed=False, tracing=None, traces={}, checks=[])
    with ending_on_error(module, result, "read the traces"):
        window = validate(params)
        function, window_text = params["function_name"], "the last %s" % format_duration(window)
        config = get_configuration(module.retrying_client("lambda"), function)
        result["tracing"] = (config.get("TracingConfig") or {}).get("Mode") or "PassThrough"
        xray = module.retrying_client("xray")
        end = utcnow()
        start = end - datetime.timedelta(seconds=window)
        for query in dict.fromkeys(params["queries"]):
            entry = {"count": 0, "more": False, "top": [], "error": None}
            if result["tracing"] != "Active":
                entry["error"] = "tracing is %s, not Active: X-Ray holds no traces of %s" % (
                    result["tracing"], function)
            else:
                try:
                    traces, entry["more"] = summaries(xray, start, end, expression(
                        function, query, params["min_response_time"]), params["max_traces"])
                    entry.update(count=len(traces), top=listed(traces, params["top"]))
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                    entry["error"] = "X-Ray did not answer GetTraceSummaries: %s" % one_line(e, 300)
            result["traces"][query] = entry
            result["checks"].append(query_check(function, query, entry, params, window_text))
    failing = [c for c in result["checks"] if c["status"] == checks.FAIL]
    checks.end_module(module, result, "; ".join(c["reason"] for c in failing) or None,
                      msg="; ".join("%s %s" % (c["check"], c["status"]) for c in result["checks"]))


if __name__ == "__main__":
    main()
