# -*- coding: utf-8 -*-
"""Filter ops.runbooks.timeout_diagnosis (it was Jinja in troubleshooting/tasks/lambda_timeout.yml, with a regex over
the log lines): which "Task timed out" lines count against the current timeout, and the next step of the ladder."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.troubleshooting import cut_at, timeout_diagnosis

CONFIG = {"exists": True, "timeout": 30, "memory_size": 512}
STEPS = [{"timeout": 300, "memory_size": 1024}, {"timeout": 900, "memory_size": 3008}]
QUIET = {"status": "pass", "filter_pattern": "ERROR", "matches": [], "counts": {}, "reason": "0 matches"}


def timeouts(*seconds):
    return {"status": "fail", "matches": [{"message": "Task timed out after %s seconds" % s} for s in seconds]}


def test_a_timeout_at_the_current_limit_fails_and_plans_the_next_step():
    found = timeout_diagnosis(CONFIG, "score", [timeouts("30.02", "3.00"), QUIET], [], "1h", STEPS, "live")
    by = {f["check"]: f for f in found["findings"]}
    assert by['log "Task timed out"']["status"] == "fail"
    assert by['log "Task timed out"']["observed"] == {"at_current_timeout": 1, "at_older_timeouts": 1}
    assert by['log "Task timed out"']["reason"] == \
        "1 timeout(s) at the current 30 s in the last 1h: Task timed out after 30.02 seconds"
    assert found["plan"] == [{"action": "lambda_config", "resource": "score:live", "detail":
                              "timeout 30 -> 300 s, memory 512 -> 1024 MB, publish and move alias live, health gate"}]
    assert found["next_step"] == STEPS[0]


def test_lines_of_an_older_timeout_are_the_past_and_errors_only_warn():
    raised = dict(CONFIG, timeout=300, memory_size=2048)
    errors = dict(QUIET, status="fail", matches=[{"message": "ERROR db"}], counts={"/aws/lambda/score": 1})
    found = timeout_diagnosis(raised, "score", [timeouts("30.01", "30.4"), errors], [], "1h", STEPS, "live")
    by = {f["check"]: f for f in found["findings"]}
    assert by['log "Task timed out"']["status"] == "pass"
    assert by['log "Task timed out"']["reason"] == "none at the current 300 s (2 at an older timeout: 30 s) in the last 1h"
    assert by["log ERROR"]["status"] == "warn" and found["plan"] == []


def test_at_the_last_step_there_is_no_fix_to_climb_and_bad_input_is_clear():
    top = dict(CONFIG, timeout=900)
    found = timeout_diagnosis(top, "f", [timeouts("900.0"), QUIET], [], "1h", STEPS, "live")
    assert found["next_step"] is None and found["plan"][0]["detail"].startswith("none - the timeout is at the last step")
    assert cut_at(["Task timed out after 1.2.3 seconds", "no number", "after 29.5 seconds"]) == [30]  # round half even
    with pytest.raises(AnsibleFilterError, match="existing function"):
        timeout_diagnosis({"exists": False}, "f", [QUIET, QUIET], [], "1h", STEPS, "live")


def test_a_throttled_table_gets_the_fix_its_billing_mode_allows():
    from ansible_collections.ops.runbooks.plugins.filter.troubleshooting import throttling_diagnosis
    provisioned = {"billing_mode": "PROVISIONED", "provisioned_throughput": {"read_capacity_units": 5,
                                                                             "write_capacity_units": 2}}
    throttled = [{"resource": "t throttled", "check": "metric", "status": "warn", "reason": "", "observed": 3,
                  "expected": None}]
    scaling = {"min": 5, "max": 100, "target_utilization": 70}
    found = throttling_diagnosis(provisioned, "t", throttled, "on_demand", scaling)
    assert found["findings"][0]["reason"] == "PROVISIONED (5 RCU / 2 WCU)" and found["findings"][1:] == throttled
    assert found["plan"][0]["action"] == "billing mode" and found["plan"][0]["resource"] == "t"
    assert "5-100 units, target 70 %" in throttling_diagnosis(provisioned, "t", throttled, "autoscaling",
                                                              scaling)["plan"][0]["detail"]
    assert throttling_diagnosis({"billing_mode": "PAY_PER_REQUEST"}, "t", throttled, "on_demand",
                                scaling)["plan"][0]["action"] == "none"
    assert throttling_diagnosis(provisioned, "t", [dict(throttled[0], status="pass")], "on_demand",
                                scaling)["plan"] == []
