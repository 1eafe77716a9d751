#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lambda_usage
short_description: Memory use, durations and cold starts of Lambda functions from their REPORT log lines
version_added: 0.4.0
description:
  - Reads the C(REPORT) lines the Lambda platform writes after every invocation (C(Duration), C(Billed Duration),
    C(Memory Size), C(Max Memory Used), and C(Init Duration) on a cold start) from the log groups of many functions
    over a window, concurrently, and summarizes them per function - what CloudWatch metrics do not say - how much of
    the configured memory a function really uses, and how often and how long it starts cold.
  - >-
    Automates the memory and cold-start reads of runbook 000 "Lambda Timeout" (raise memory), runbook 004's monthly
    performance review ("Analyze Lambda cold start times", "Optimize Lambda memory allocation").
  - Read-only. A function whose log group does not exist, or whose read fails, is reported with C(found=false) or an
    C(error) - the other functions are still read.
notes:
  - "IAM actions (least privilege): C(logs:FilterLogEvents)."
  - Functions that log in JSON format (advanced logging controls) write C(platform.report) records instead of C(REPORT)
    lines; those are not read.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  functions:
    description: Function names (their log groups are O(log_group_prefix) + name).
    type: list
    elements: str
    required: true
  log_group_prefix:
    description: Prefix of the functions' log groups.
    type: str
    default: /aws/lambda/
  window:
    description: How far back from now, for example V(7d), V(24h).
    type: str
    default: 7d
  max_lines:
    description: Read at most this many REPORT lines per function (the newest windows of a busy function are a sample).
    type: int
    default: 5000
  concurrency:
    description: Log groups read at the same time.
    type: int
    default: 4
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
- name: Memory and cold starts of the week (runbook 004 monthly performance review)
  ops.runbooks.lambda_usage:
    functions: [ai-investment-score, ai-investment-orchestrator]
    window: 7d
  register: usage

- name: Functions that use more than 90 % of their memory
  ansible.builtin.debug:
    msg: "{{ item.key }} uses {{ item.value.memory_used_percent }} % of {{ item.value.memory_size_mb }} MB"
  loop: "{{ usage.functions | dict2items }}"
  when: (item.value.memory_used_percent | default(0, true)) > 90
"""

RETURN = r"""
functions:
  description: Function name -> what its REPORT lines say (null values without lines).
  returned: always
  type: dict
  contains:
    found: {description: Whether the log group exists., type: bool}
    error: {description: Why it could not be read (absent when it could)., type: str}
    lines: {description: REPORT lines read., type: int}
    truncated: {description: Whether O(max_lines) stopped the read., type: bool}
    memory_size_mb: {description: Configured memory (the newest line's)., type: int}
    max_memory_used_mb: {description: The most memory any invocation used., type: int}
    memory_used_percent: {description: That as a percentage of the configured memory., type: float}
    duration_p50_ms: {description: Median duration., type: float}
    duration_p95_ms: {description: 95th percentile duration., type: float}
    duration_p99_ms: {description: 99th percentile duration., type: float}
    duration_max_ms: {description: Longest duration., type: float}
    cold_starts: {description: Lines with an Init Duration., type: int}
    cold_start_percent: {description: Cold starts per 100 lines., type: float}
    init_duration_avg_ms: {description: Average Init Duration of the cold starts., type: float}
    init_duration_max_ms: {description: Longest Init Duration., type: float}
  sample:
    ai-investment-score: {found: true, lines: 42, truncated: false, memory_size_mb: 512, max_memory_used_mb: 470,
                          memory_used_percent: 91.8, duration_p50_ms: 2200.25, duration_p95_ms: 4200.25,
                          duration_p99_ms: 6500.25, duration_max_ms: 6500.25, cold_starts: 21,
                          cold_start_percent: 50.0, init_duration_avg_ms: 2210.0, init_duration_max_ms: 2220.0}
window:
  description: The window read (ISO 8601 C(start) and C(end)).
  returned: always
  type: dict
"""

import datetime
import math

from ansible_collections.ops.runbooks.plugins.module_utils.batch import read_concurrently
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line
from ansible_collections.ops.runbooks.plugins.module_utils.logs import filter_events
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import isoformat
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow

REPORT_PATTERN = '"REPORT RequestId"'


def parse_report(message):
    """The fields of one REPORT line as numbers: ``{"Duration": 102.25, "Memory Size": 128, ...}`` (units dropped);
    None when the line is not a REPORT line."""
    if not message.startswith("REPORT "):
        return None
    fields = {}
    for part in message.strip().split("\t"):
        key, _sep, value = part.partition(": ")
        number = value.split(" ")[0]
        try:
            fields[key.strip()] = float(number)
        except ValueError:
            continue
    return fields if "Duration" in fields else None


def percentile(values, rank):
    """Nearest-rank percentile (as CloudWatch's pNN) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(rank / 100.0 * len(ordered))) - 1]


def summarize(reports):
    """One function's summary from its parsed REPORT lines (oldest first)."""
    summary = {"lines": len(reports), "memory_size_mb": None, "max_memory_used_mb": None, "memory_used_percent": None,
               "duration_p50_ms": None, "duration_p95_ms": None, "duration_p99_ms": None, "duration_max_ms": None,
               "cold_starts": 0, "cold_start_percent": None, "init_duration_avg_ms": None,
               "init_duration_max_ms": None}
    if not reports:
        return summary
    durations = [r["Duration"] for r in reports]
    used = [r["Max Memory Used"] for r in reports if "Max Memory Used" in r]
    sizes = [r["Memory Size"] for r in reports if "Memory Size" in r]
    inits = [r["Init Duration"] for r in reports if "Init Duration" in r]
    summary.update(duration_p50_ms=percentile(durations, 50), duration_p95_ms=percentile(durations, 95),
                   duration_p99_ms=percentile(durations, 99), duration_max_ms=max(durations),
                   cold_starts=len(inits), cold_start_percent=round(100.0 * len(inits) / len(reports), 1))
    if sizes:
        summary["memory_size_mb"] = int(sizes[-1])
    if used:
        summary["max_memory_used_mb"] = int(max(used))
    if used and sizes:
        summary["memory_used_percent"] = round(100.0 * max(used) / sizes[-1], 1)
    if inits:
        summary.update(init_duration_avg_ms=round(sum(inits) / len(inits), 2), init_duration_max_ms=max(inits))
    return summary


def read_function(logs, group, start_ms, end_ms, max_lines):
    """``{found, lines, truncated, ...}`` of one function; an AWS error becomes ``error`` (the others go on)."""
    try:
        events, _seen, truncated = filter_events(logs, group, REPORT_PATTERN, start_ms, end_ms, max_lines, max_lines)
    except NotFound:
        return dict(summarize([]), found=False, truncated=False)
    except Exception as e:  # pylint: disable=broad-exception-caught  # one function's failure is its result
        return dict(summarize([]), found=True, truncated=False, error=one_line(e, 300))
    reports = [r for r in (parse_report(e.get("message", "")) for e in events) if r]
    return dict(summarize(reports), found=True, truncated=truncated)


ARGUMENT_SPEC = dict(
    functions=dict(type="list", elements="str", required=True),
    log_group_prefix=dict(type="str", default="/aws/lambda/"),
    window=dict(type="str", default="7d"),
    max_lines=dict(type="int", default=5000),
    concurrency=dict(type="int", default=4),
)


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"functions[]": "function"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    result = dict(changed=False)
    with ending_on_error(module, result, "read the functions' REPORT lines"):
        window = parse_duration(params["window"], "window")
        check_range("max_lines", params["max_lines"], 1, 1000000)
        end = utcnow()
        start = end - datetime.timedelta(seconds=window)
        result["window"] = {"start": isoformat(start), "end": isoformat(end)}
        logs = module.retrying_client("logs")
        result["functions"] = read_concurrently(
            params["functions"], lambda name: read_function(logs, params["log_group_prefix"] + name,
                                                            int(start.timestamp() * 1000), int(end.timestamp() * 1000),
                                                            params["max_lines"]),
            params["concurrency"], "functions")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
