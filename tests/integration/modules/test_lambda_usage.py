# -*- coding: utf-8 -*-
"""lambda_usage against the seeded REPORT lines (tests/sandbox/history.py): memory used, durations and cold starts
per function, all functions in one run; a function without a log group is reported, not fatal."""
from __future__ import annotations

import time
import uuid

import history
import pytest

from iam import assert_denial_shown, documented_actions, policy

pytestmark = pytest.mark.moto_only("the seeded week lives in the moto sandbox")


def test_memory_and_cold_starts_of_many_functions(run_module):
    result = run_module("lambda_usage", {"functions": ["ai-investment-score", "ai-investment-ingest-news",
                                                       "no-such-function-usage"], "window": "7d"})
    assert not result.get("failed"), result
    score = result["functions"]["ai-investment-score"]
    # 7 days x 6 lines, the oldest at the window's edge
    assert score["found"] is True and 40 <= score["lines"] <= 42 and score["truncated"] is False
    assert score["memory_size_mb"] == 512 and score["max_memory_used_mb"] == 470
    assert score["memory_used_percent"] == pytest.approx(91.8)
    assert score["duration_max_ms"] == 6500.25 and score["duration_p50_ms"] <= score["duration_p95_ms"]
    assert score["cold_starts"] == pytest.approx(score["lines"] / 2, abs=1)  # 3 of every 6 lines start cold
    assert 2200 <= score["init_duration_avg_ms"] <= 2220 and score["init_duration_max_ms"] == 2220
    news = result["functions"]["ai-investment-ingest-news"]
    assert news["max_memory_used_mb"] == history.FUNCTION_WEEK["ai-investment-ingest-news"][4]
    missing = result["functions"]["no-such-function-usage"]
    assert missing["found"] is False and missing["lines"] == 0 and missing["memory_used_percent"] is None


def test_only_report_lines_count_and_max_lines_caps(aws, run_module):
    name = "usage-" + uuid.uuid4().hex[:8]
    logs = aws("logs")
    logs.create_log_group(logGroupName="/custom/" + name)
    logs.create_log_stream(logGroupName="/custom/" + name, logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName="/custom/" + name, logStreamName="s", logEvents=[
        {"timestamp": now - 3000, "message": "START RequestId: 1 Version: $LATEST"},
        {"timestamp": now - 2000, "message": "REPORT RequestId: 1\tDuration: 10.50 ms\tBilled Duration: 11 ms\t"
                                             "Memory Size: 128 MB\tMax Memory Used: 64 MB\tInit Duration: 300.00 ms\t"},
        {"timestamp": now - 1000, "message": "REPORT RequestId: 2\tDuration: 20.00 ms\tBilled Duration: 20 ms\t"
                                             "Memory Size: 128 MB\tMax Memory Used: 70 MB\t"}])
    result = run_module("lambda_usage", {"functions": [name], "log_group_prefix": "/custom/", "window": "1h",
                                         "concurrency": 1})
    usage = result["functions"][name]
    assert (usage["lines"], usage["cold_starts"], usage["cold_start_percent"]) == (2, 1, 50.0)
    assert usage["max_memory_used_mb"] == 70 and usage["duration_p99_ms"] == 20.0
    assert usage["init_duration_avg_ms"] == 300.0
    capped = run_module("lambda_usage", {"functions": [name], "log_group_prefix": "/custom/", "window": "1h",
                                         "max_lines": 1})["functions"][name]
    assert capped["truncated"] is True and capped["lines"] <= 1


@pytest.mark.parametrize("args, message", [
    ({"functions": []}, "functions: name at least one"),
    ({"window": "soon"}, "window"),
    ({"max_lines": 0}, "max_lines: 0 is out of range"),
    ({"concurrency": 99}, "concurrency: 99 is out of range"),
])
def test_bad_input_names_the_parameter(run_module, args, message):
    params = {"functions": ["ai-investment-score"]}
    params.update(args)
    result = run_module("lambda_usage", params)
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("lambda_usage")
    assert actions == ["logs:FilterLogEvents"]
    done = run_module_iam("lambda_usage", {"functions": ["ai-investment-score"]},
                          iam_sandbox.iam_user(policy(actions)))
    assert not done.get("failed") and done["functions"]["ai-investment-score"]["lines"] > 0, done
    refused = run_module_iam("lambda_usage", {"functions": ["ai-investment-score"]},
                             iam_sandbox.iam_user(policy(["logs:DescribeLogGroups"])))
    # one function's failure is its result, not the task's
    assert "not authorized to perform: logs:FilterLogEvents" in refused["functions"]["ai-investment-score"]["error"]
    assert_denial_shown(refused, "logs:FilterLogEvents")
