#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: log_search
short_description: Search CloudWatch Logs groups for a pattern over a window and judge the number of matches
version_added: 0.1.0
description:
  - Runs C(FilterLogEvents) over one or many log groups (named, or every group whose name starts with a prefix) for
    a filter pattern such as V(ERROR) or V("Task timed out") over a window such as V(1h), following every page.
  - Returns the matches (at most O(max_events) of them, newest groups' order kept), the number of matches per group,
    and a status against O(max_matches).
  - >-
    Automates the log reads of runbook 000 "Lambda Timeout" (C(Task timed out) in the function's logs), runbook 003 "recent
    error log lines" and runbook 004 "Morning Health Check" (Lambda errors in logs).
  - Read-only.
notes:
  - "IAM actions (least privilege): C(logs:FilterLogEvents), C(logs:DescribeLogGroups) (only with
    O(log_group_name_prefix))."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  log_group_names:
    description:
      - Log groups to search. A group that does not exist is a failed check of its own (C(missing)) and fails the
        task (see O(fail_on)); the other groups are still searched.
    type: list
    elements: str
    default: []
  log_group_name_prefix:
    description: Search every log group whose name starts with this (a prefix that matches nothing fails the task).
    type: str
  filter_pattern:
    description: A CloudWatch Logs filter pattern; empty matches every event. Quote phrases, V('"Task timed out"').
    type: str
    default: ""
  filter_patterns:
    description:
      - Several filter patterns in one run, each searched and judged on its own (the daily health's V(ERROR) and
        V('"Task timed out"')) - C(patterns) holds each one's result; the top-level values add them up (C(status)
        fails when any pattern fails). Not together with O(filter_pattern).
    type: list
    elements: str
    version_added: 0.4.0
  window:
    description: How far back from now, for example V(15m), V(1h), V(24h).
    type: str
    default: 1h
  max_events:
    description: At most this many matching events are returned (the count covers all of them).
    type: int
    default: 50
  scan_limit:
    description: Stop counting a group's matches after this many (reported as C(truncated)).
    type: int
    default: 10000
  max_matches:
    description: More matches than this in all groups together is a C(fail). Without it, the status is C(pass).
    type: int
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
- name: Timeouts of the score function in the last hour (runbook 000 "Lambda Timeout")
  ops.runbooks.log_search:
    log_group_names: [/aws/lambda/ai-investment-score]
    filter_pattern: '"Task timed out"'
    window: 1h
    max_matches: 0
    fail_on: never
  register: timeouts

- name: Any ERROR line in any Lambda of the system today
  ops.runbooks.log_search:
    log_group_name_prefix: /aws/lambda/ai-investment-
    filter_pattern: ERROR
    window: 24h
"""

RETURN = r"""
patterns:
  description:
    - With O(filter_patterns), one entry per pattern in the order given - C(filter_pattern), C(matches), C(counts),
      C(total), C(truncated), C(missing), C(status), C(reason), C(checks) (each as the top-level value of a single-pattern run).
  returned: with O(filter_patterns)
  type: list
  elements: dict
matches:
  description: Matching events (at most O(max_events)).
  returned: always
  type: list
  elements: dict
  contains:
    log_group: {description: The group., type: str}
    log_stream: {description: The stream., type: str}
    timestamp: {description: Event time (ISO 8601)., type: str}
    message: {description: The log line., type: str}
counts:
  description: Matches per log group.
  returned: always
  type: dict
  sample: {/aws/lambda/ai-investment-score: 2}
total:
  description: Matches in all groups.
  returned: always
  type: int
truncated:
  description: Groups whose counting stopped at O(scan_limit).
  returned: always
  type: list
  elements: str
missing:
  description:
    - Groups that do not exist (named in O(log_group_names), or found by the prefix and deleted while searched). Each
      is a failed check of its own and fails the task (see O(fail_on)); the other groups are still searched.
  returned: always
  type: list
  elements: str
status:
  description: "C(pass) or C(fail) against O(max_matches)."
  returned: always
  type: str
reason:
  description: Why.
  returned: always
  type: str
checks:
  description: The result in the collection's common check model, one per log group.
  returned: always
  type: list
  elements: dict
"""

import datetime

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.logs import filter_events
from ansible_collections.ops.runbooks.plugins.module_utils.logs import log_groups_by_prefix
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import isoformat
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow


ARGUMENT_SPEC = dict(
    log_group_names=dict(type="list", elements="str", default=[]),
    log_group_name_prefix=dict(type="str"),
    filter_pattern=dict(type="str", default=""),
    filter_patterns=dict(type="list", elements="str"),
    window=dict(type="str", default="1h"),
    max_events=dict(type="int", default=50),
    scan_limit=dict(type="int", default=10000),
    max_matches=dict(type="int"),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)


def validate(params):
    """The checks the argument spec cannot make; returns the window in seconds."""
    if not params["log_group_names"] and params["log_group_name_prefix"] is None:
        raise InvalidInput("one of log_group_names or log_group_name_prefix is required")
    if params["filter_patterns"] is not None and (params["filter_pattern"] or not params["filter_patterns"]):
        raise InvalidInput("filter_patterns: give a non-empty list, and not together with filter_pattern")
    window = parse_duration(params["window"], "window")
    if window <= 0:
        raise InvalidInput("window: %r must be longer than zero" % params["window"])
    for key, low in (("max_events", 0), ("scan_limit", 1), ("max_matches", 0)):
        if params[key] is not None and params[key] < low:
            raise InvalidInput("%s: %d must be %d or more" % (key, params[key], low))
    return window


def search(logs, groups, pattern, start, end, params):
    """One pattern over the groups: every page of matches in the window, per group; the first max_events kept, all
    counted; judged against max_matches. A group that does not exist is a failed check of its own (``missing``), and
    the others are still searched."""
    matches, counts, truncated, missing = [], {}, [], []
    for group in groups:
        try:
            kept, seen, capped = filter_events(logs, group, pattern, int(start.timestamp() * 1000),
                                               int(end.timestamp() * 1000), params["max_events"] - len(matches),
                                               params["scan_limit"])
        except NotFound:
            missing.append(group)
            continue
        counts[group] = seen
        if capped:
            truncated.append(group)
        matches.extend({
            "log_group": group, "log_stream": e.get("logStreamName"), "message": e.get("message", "").rstrip("\n"),
            "timestamp": isoformat(datetime.datetime.fromtimestamp(e["timestamp"] / 1000.0, datetime.timezone.utc)),
        } for e in kept)
    total = sum(counts.values())
    what = "%d match(es) of %r in %d group(s) in the last %s%s" % (
        total, pattern, len(counts), params["window"], " (counting capped)" if truncated else "")
    over = params["max_matches"] is not None and total > params["max_matches"]
    reason = "%s > %d" % (what, params["max_matches"]) if over else what
    if missing:
        reason += "; %d log group(s) not found: %s" % (len(missing), ", ".join(missing))
    status = checks.FAIL if over or missing else checks.PASS
    check = "log matches %s" % (pattern or "(all)")
    per_group = [checks.make_check(g, check, checks.FAIL if over and counts[g] else checks.PASS,
                                   "%d match(es) in the last %s" % (counts[g], params["window"]), counts[g],
                                   params["max_matches"]) if g in counts
                 else checks.make_check(g, check, checks.FAIL, "log group not found: %s names it, and it does not "
                                        "exist (or it was deleted while searched)" % _source(g, params))
                 for g in groups]
    return dict(filter_pattern=pattern, matches=matches, counts=counts, total=total, truncated=truncated,
                missing=missing, status=status, reason=reason, checks=per_group)


def _source(group, params):
    return "log_group_names" if group in params["log_group_names"] else "log_group_name_prefix"


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    logs = module.retrying_client("logs")
    results = []
    with ending_on_error(module, {}, "search log events"):
        window = validate(params)
        end = utcnow()
        start = end - datetime.timedelta(seconds=window)
        # 1. The groups: named ones, then every group the prefix matches.
        groups = list(params["log_group_names"])
        if params["log_group_name_prefix"] is not None:
            found = log_groups_by_prefix(logs, params["log_group_name_prefix"])
            if not found:
                raise NotFound("log_group_name_prefix: no log group name starts with %r" % params["log_group_name_prefix"])
            groups += [g for g in found if g not in groups]
        # 2. Each pattern over every group, judged against max_matches.
        for pattern in params["filter_patterns"] or [params["filter_pattern"]]:
            results.append(search(logs, groups, pattern, start, end, params))

    # 3. One pattern: its result. Several: each in `patterns`, the top level adds them up.
    if params["filter_patterns"] is None:
        result = dict(results[0], changed=False)
        del result["filter_pattern"]
    else:
        failed = [r for r in results if r["status"] == checks.FAIL]
        result = dict(changed=False, patterns=results, matches=[m for r in results for m in r["matches"]],
                      counts=dict((g, sum(r["counts"].get(g, 0) for r in results)) for g in groups
                                  if any(g in r["counts"] for r in results)),
                      total=sum(r["total"] for r in results),
                      truncated=sorted({g for r in results for g in r["truncated"]}),
                      missing=sorted({g for r in results for g in r["missing"]}),
                      status=checks.FAIL if failed else checks.PASS,
                      reason="; ".join(r["reason"] for r in results), checks=[c for r in results for c in r["checks"]])
    failing = "; ".join(r["reason"] for r in results if r["status"] == checks.FAIL)
    checks.end_module(module, result, failing or None, msg=result["reason"])


if __name__ == "__main__":
    main()
