# -*- coding: utf-8 -*-
"""log_search against the emulator, with log events put by the test (and the seeded Lambda log groups)."""
from __future__ import annotations

import time
import uuid

import pytest

from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.localstack


@pytest.fixture
def groups(aws):
    logs = aws("logs")
    prefix = "/test/ls-%s/" % uuid.uuid4().hex[:8]
    now = int(time.time() * 1000)
    for name, lines in (("api", ["INFO ok", "ERROR boom", "ERROR again"]),
                        ("worker", ["Task timed out after 30.00 seconds", "INFO fine"]),
                        ("old", [])):
        logs.create_log_group(logGroupName=prefix + name)
        logs.create_log_stream(logGroupName=prefix + name, logStreamName="s1")
        if lines:
            logs.put_log_events(logGroupName=prefix + name, logStreamName="s1", logEvents=[
                {"timestamp": now - 60000 + i, "message": line} for i, line in enumerate(lines)])
    logs.put_log_events(logGroupName=prefix + "old", logStreamName="s1",
                        logEvents=[{"timestamp": now - 3 * 3600 * 1000, "message": "ERROR long ago"}])
    return prefix


@pytest.mark.moto_only("LocalStack's community edition ignores filter patterns: every event matches")
def test_several_patterns_in_one_run_are_judged_each_on_its_own(run_module, groups):
    """The daily health's two patterns in one module run: each its counts, matches and status; the top level adds
    them up and fails with the failing pattern's reason only."""
    result = run_module("log_search", {"log_group_name_prefix": groups, "filter_patterns": ["ERROR", '"Task timed out"'],
                                       "window": "1h", "max_matches": 1, "max_events": 1})
    errors, timeouts = result["patterns"]
    assert errors["filter_pattern"] == "ERROR" and errors["total"] == 2 and errors["status"] == "fail"
    assert errors["counts"] == {groups + "api": 2, groups + "old": 0, groups + "worker": 0}
    assert [m["message"] for m in errors["matches"]] == ["ERROR boom"]  # max_events per pattern
    assert timeouts["filter_pattern"] == '"Task timed out"' and timeouts["total"] == 1 and timeouts["status"] == "pass"
    assert timeouts["counts"][groups + "worker"] == 1
    assert result["total"] == 3 and result["counts"][groups + "api"] == 2 and result["status"] == "fail"
    assert [c["check"] for c in result["checks"]] == ['log matches ERROR'] * 3 + ['log matches "Task timed out"'] * 3
    assert result["failed"] is True and result["msg"].startswith("2 match(es) of 'ERROR'") and "Task" not in result["msg"]


@pytest.mark.moto_only("LocalStack's community edition ignores filter patterns: every event matches")
def test_counts_per_group_matches_and_threshold(run_module, groups):
    result = run_module("log_search", {"log_group_name_prefix": groups, "filter_pattern": "ERROR", "window": "1h",
                                       "max_matches": 1, "fail_on": "never"})
    assert result["counts"] == {groups + "api": 2, groups + "old": 0, groups + "worker": 0}
    assert result["total"] == 2 and result["status"] == "fail"
    assert [m["message"] for m in result["matches"]] == ["ERROR boom", "ERROR again"]
    assert result["matches"][0]["log_group"] == groups + "api" and result["matches"][0]["log_stream"] == "s1"
    assert result["matches"][0]["timestamp"].endswith("Z")
    assert [c["status"] for c in result["checks"]] == ["fail", "pass", "pass"]


def test_a_missing_group_is_a_failed_check_and_the_others_are_still_searched(run_module, groups):
    """A named group that does not exist (a function never invoked, a renamed group): its own failed check naming
    the parameter, in ``missing``; the groups that exist are searched and counted as ever."""
    result = run_module("log_search", {"log_group_names": [groups + "gone", groups + "worker"],
                                       "filter_patterns": ['"Task timed out"', "ERROR"], "fail_on": "never"})
    assert result["missing"] == [groups + "gone"] and result["status"] == "fail"
    assert list(result["counts"]) == [groups + "worker"]  # the one that exists, counted
    by = dict(((c["resource"], c["check"]), c) for c in result["checks"])
    assert by[(groups + "worker", 'log matches "Task timed out"')]["status"] == "pass"
    gone = by[(groups + "gone", "log matches ERROR")]
    assert gone["status"] == "fail" and gone["reason"].startswith("log group not found: log_group_names names it")
    assert result["patterns"][0]["reason"].endswith("; 1 log group(s) not found: %sgone" % groups)
    failed = run_module("log_search", {"log_group_names": [groups + "gone"]})
    assert failed["failed"] is True and "1 log group(s) not found: %sgone" % groups in failed["msg"]


def test_window_reaches_back(run_module, groups):
    result = run_module("log_search", {"log_group_names": [groups + "old"], "filter_pattern": "ERROR", "window": "4h"})
    assert result["total"] == 1 and result["status"] == "pass"


@pytest.mark.moto_only("LocalStack's community edition ignores filter patterns: every event matches")
def test_phrase_and_cap_on_events(run_module, groups):
    timeouts = run_module("log_search", {"log_group_names": [groups + "worker"],
                                         "filter_pattern": '"Task timed out"', "max_matches": 0, "fail_on": "never"})
    assert timeouts["total"] == 1 and timeouts["status"] == "fail"
    capped = run_module("log_search", {"log_group_names": [groups + "api"], "max_events": 1})
    assert capped["total"] == 3 and len(capped["matches"]) == 1


@pytest.mark.moto_only("LocalStack's community edition ignores filter patterns: every event matches")
def test_seeded_lambda_errors(run_module):
    result = run_module("log_search", {"log_group_names": ["/aws/lambda/ai-investment-score"],
                                       "filter_pattern": "ERROR", "max_matches": 0})
    assert result["failed"] is True and result["total"] == 1
    assert result["matches"][0]["message"] == "ERROR model endpoint returned 500"


@pytest.mark.parametrize("args, message", [
    ({}, "one of log_group_names or log_group_name_prefix"),
    ({"log_group_names": ["/x"], "window": "-1h"}, "window: '-1h' is negative"),
    ({"log_group_names": ["/x"], "window": "0"}, "window: '0' must be longer than zero"),
    ({"log_group_names": ["/x"], "window": "soonish"}, "window: 'soonish' is not a duration"),
    ({"log_group_names": ["/x"], "window": "3000000d"}, "window: '3000000d' is longer than the longest duration"),
    ({"log_group_names": ["/nope/none"]}, "1 log group(s) not found: /nope/none"),
    ({"log_group_name_prefix": "/nope/"}, "log_group_name_prefix: no log group"),
    ({"log_group_names": ["/x"], "max_events": -1}, "max_events"),
    ({"log_group_names": ["/x"], "filter_patterns": []}, "filter_patterns: give a non-empty list"),
    ({"log_group_names": ["/x"], "filter_patterns": ["a"], "filter_pattern": "b"}, "not together with filter_pattern"),
])
def test_bad_input_fails_clearly(run_module, args, message):
    result = run_module("log_search", args)
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("log_search")
    assert set(actions) == {"logs:FilterLogEvents", "logs:DescribeLogGroups"}
    args = {"log_group_name_prefix": "/aws/lambda/ai-investment-", "filter_pattern": "ERROR"}
    allowed = run_module_iam("log_search", args, iam_sandbox.iam_user(policy(actions)))
    assert not allowed.get("failed"), allowed["msg"]
    for missing in actions:
        denied = run_module_iam("log_search", args, iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denied(denied, missing)


def test_scan_limit_caps_the_counting_and_says_so(run_module, groups):
    """scan_limit=2 on a group with 3 lines: counting stops at the page that reaches the cap (here the only page)
    and the group is reported as truncated; without the cap it is not."""
    capped = run_module("log_search", {"log_group_names": [groups + "api"], "scan_limit": 2})
    assert capped["truncated"] == [groups + "api"] and capped["total"] >= 2
    assert "(counting capped)" in capped["reason"]
    full = run_module("log_search", {"log_group_names": [groups + "api"], "scan_limit": 3})
    assert full["truncated"] == [groups + "api"] and full["total"] == 3  # the cap reached exactly
    assert run_module("log_search", {"log_group_names": [groups + "api"]})["truncated"] == []
