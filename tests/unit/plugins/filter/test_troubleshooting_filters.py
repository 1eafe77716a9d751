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
    assert found["next_step"] == STEPS[0] and found["fixable"] is True and found["no_fix"] == ""
    bigger = timeout_diagnosis(dict(CONFIG, memory_size=2048), "score", [timeouts("30.0"), QUIET], [], "1h", STEPS, "l")
    assert bigger["next_step"] == {"timeout": 300, "memory_size": 2048}  # the fix never lowers memory


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
    assert found["fixable"] is False and found["no_fix"].startswith("no fix left: the timeout is at the last step")
    assert cut_at(["Task timed out after 1.2.3 seconds", "no number", "after 29.5 seconds"]) == [30]  # round half even
    with pytest.raises(AnsibleFilterError, match="existing function"):
        timeout_diagnosis({"exists": False}, "f", [QUIET, QUIET], [], "1h", STEPS, "live")


def test_without_a_ladder_the_step_is_the_performance_reviews_recommendation():
    from ansible_collections.ops.runbooks.plugins.filter.performance import timeout_recommendation
    api = {"exists": True, "timeout": 10, "memory_size": 256}  # a 10 s API function, cut at 10 s
    found = timeout_diagnosis(api, "api", [timeouts("10.01"), QUIET], [], "1h", [], "live", "api p99", 70)
    assert found["next_step"]["timeout"] == 15 and found["next_step"]["memory_size"] == 256  # not runbook 000's 300 s
    assert found["fixable"] is True and "derived as the performance review recommends" in found["plan"][0]["detail"]
    review = timeout_recommendation("api", 10000.0, 10, {"duration_statistic": "p99", "duration_warn_pct": 70,
                                                         "timeout_low_pct": 10})
    assert review["recommended"] == found["next_step"]["timeout"]  # one rule: the review and the fix agree
    # not cut, but its p99 far into the warning band (the p99 check fails): 1.5 x the p99
    slow = [{"resource": "api p99", "check": "metric", "status": "fail", "observed": 9000.0}]
    p99 = timeout_diagnosis(api, "api", [QUIET, QUIET], slow, "1h", [], "live", "api p99", 70)
    assert p99["next_step"]["timeout"] == 14
    top = timeout_diagnosis(dict(api, timeout=900), "api", [timeouts("900.0"), QUIET], [], "1h", [], "live", "p", 70)
    assert top["fixable"] is False and top["no_fix"] == "no fix left: the timeout is at AWS's maximum (900 s)"


def test_a_throttled_table_gets_the_fix_its_billing_mode_allows():
    from ansible_collections.ops.runbooks.plugins.filter.troubleshooting import throttling_diagnosis
    provisioned = {"billing_mode": "PROVISIONED", "provisioned_throughput": {"read_capacity_units": 5,
                                                                             "write_capacity_units": 2}}
    throttled = [{"resource": "t throttled", "check": "metric", "status": "warn", "reason": "", "observed": 3,
                  "expected": None}]
    scaling = {"min": 5, "max": 100, "target_utilization": 70}
    found = throttling_diagnosis(provisioned, "t", throttled, "on_demand", scaling)
    assert found["findings"][0]["reason"] == "PROVISIONED (5 RCU / 2 WCU)" and found["findings"][1:] == throttled
    assert found["plan"][0]["action"] == "billing mode" and found["plan"][0]["resource"] == "t" and found["fixable"]
    assert "5-100 units, target 70 %" in throttling_diagnosis(provisioned, "t", throttled, "autoscaling",
                                                              scaling)["plan"][0]["detail"]
    on_demand = throttling_diagnosis({"billing_mode": "PAY_PER_REQUEST"}, "t", throttled, "on_demand", scaling)
    assert on_demand["plan"][0]["action"] == "none" and on_demand["fixable"] is False
    assert on_demand["no_fix"] == "no fix: the table is on demand already (see the plan)"
    assert throttling_diagnosis(provisioned, "t", [dict(throttled[0], status="pass")], "on_demand",
                                scaling)["plan"] == []


def _metric(status):
    return {"resource": "orders-api live", "check": "metric", "status": status}


STATE = {"checks": [{"resource": "orders", "check": "lambda alias", "status": "pass"}],
         "functions": {"orders": {"alias_version": "7"}}}


def test_api_5xx_diagnosis_plans_the_rollback_of_the_served_version_when_a_metric_fails():
    from ansible_collections.ops.runbooks.plugins.filter.troubleshooting import api_5xx_diagnosis

    found = api_5xx_diagnosis([_metric("fail"), _metric("pass")], "orders-api", "orders", "live", STATE)
    assert found["findings"] == [_metric("fail"), _metric("pass")] + STATE["checks"]
    assert found["plan"] == [{"action": "lambda_rollback", "resource": "orders:live",
                              "detail": "roll orders:live back from version 7 to the previous one, health gate"}]


def test_api_5xx_diagnosis_plans_nothing_when_nothing_fails():
    from ansible_collections.ops.runbooks.plugins.filter.troubleshooting import api_5xx_diagnosis

    assert api_5xx_diagnosis([_metric("warn")], "orders-api", "orders", "live", STATE)["plan"] == []


def test_api_5xx_diagnosis_without_a_function_or_a_served_version_has_nothing_to_roll_back():
    from ansible_collections.ops.runbooks.plugins.filter.troubleshooting import api_5xx_diagnosis

    none = [{"action": "none", "resource": "orders-api",
             "detail": "none - name the backing function (troubleshooting_function) to roll it back"}]
    skipped = {"skipped": True, "changed": False}  # lambda_state did not run: no function named
    without = api_5xx_diagnosis([_metric("fail")], "orders-api", "", "live", skipped)
    assert without == {"findings": [_metric("fail")], "plan": none, "fixable": False,
                       "no_fix": "no fix: no backing function with a served version to roll back"}
    no_alias = dict(STATE, functions={"orders": {"alias_version": None}})
    assert api_5xx_diagnosis([_metric("fail")], "orders-api", "orders", "live", no_alias)["plan"] == none
    with pytest.raises(AnsibleFilterError):
        api_5xx_diagnosis(None, "orders-api", "orders", "live", STATE)


def test_access_diagnosis_names_the_policy_change_with_the_missing_statements():
    from ansible_collections.ops.runbooks.plugins.filter.troubleshooting import access_diagnosis

    failed = [{"resource": "b", "check": "role policy", "status": "fail"}]
    missing = [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}]
    found = access_diagnosis({"checks": failed, "verdict": "role app: no Allow", "missing_statements": missing}, "app")
    assert found["findings"] == failed and found["fixable"] is False
    assert found["no_fix"] == "no fix: the policy change is in the plan"
    assert found["plan"] == [{"action": "policy change (manual)", "resource": "app", "detail":
                              'role app: no Allow; add to the role: [{"Effect": "Allow", "Action": ["s3:GetObject"], '
                              '"Resource": "arn:aws:s3:::b/*"}]'}]
    denied = access_diagnosis({"checks": failed, "verdict": "bucket policy denies", "missing_statements": []}, "app")
    assert denied["plan"][0]["detail"] == "bucket policy denies"


def test_access_diagnosis_plans_nothing_when_access_is_allowed():
    from ansible_collections.ops.runbooks.plugins.filter.troubleshooting import access_diagnosis

    allowed = [{"resource": "b", "check": "role policy", "status": "pass"}]
    assert access_diagnosis({"checks": allowed, "verdict": "allowed", "missing_statements": []}, "app") == {
        "findings": allowed, "plan": [], "fixable": False, "no_fix": ""}
    with pytest.raises(AnsibleFilterError):
        access_diagnosis(None, "app")


# ops.runbooks.fix_outcome: what became of the fix (it was five set_facts over the procedures and fix_guard.yml).
FIXABLE = {"findings": [], "plan": [{"action": "lambda_config"}], "fixable": True, "no_fix": ""}
ALLOWED = {"needed": True, "allowed": True, "message": "m"}


def _attempt(**result):
    return {"action": "lambda_config", "resource": "f:live", "from": {"timeout": 30}, "to": {"timeout": 300},
            "result": result}


def test_fix_outcome_before_the_fix_runs():
    from ansible_collections.ops.runbooks.plugins.filter.troubleshooting import fix_outcome

    assert fix_outcome(FIXABLE, False) == {"status": "not requested", "error": "", "changes": []}
    nothing = {"findings": [], "plan": [], "fixable": False, "no_fix": ""}
    assert fix_outcome(nothing, True, [], ALLOWED)["status"] == "not needed (no failure found)"
    stuck = dict(FIXABLE, fixable=False, no_fix="no fix left: x")
    assert fix_outcome(stuck, True, [_attempt(changed=True)], ALLOWED) == {"status": "no fix left: x", "error": "",
                                                                           "changes": []}
    held = fix_outcome(FIXABLE, True, [_attempt(skipped=True)], {"needed": True, "allowed": False,
                                                                 "message": "local is production: confirm"})
    assert held == {"status": "held back: local is production: confirm", "error": "", "changes": []}
    assert fix_outcome(FIXABLE, True, [], None)["status"] == "held back: not confirmed"  # fails closed


def test_fix_outcome_applied_planned_failed():
    from ansible_collections.ops.runbooks.plugins.filter.troubleshooting import fix_outcome

    applied = fix_outcome(FIXABLE, True, [_attempt(changed=True), dict(_attempt(skipped=True), action="other")],
                          ALLOWED)
    assert applied == {"status": "applied", "error": "", "changes": [
        {"action": "lambda_config", "resource": "f:live", "from": {"timeout": 30}, "to": {"timeout": 300}}]}
    assert fix_outcome(FIXABLE, True, [_attempt(changed=False)], ALLOWED)["changes"] == []  # idempotent
    assert fix_outcome(FIXABLE, True, [_attempt(changed=True)], ALLOWED, True) == {
        "status": "planned (check mode)", "error": "", "changes": []}
    reverted = fix_outcome(FIXABLE, True, [_attempt(failed=True, changed=True, reverted=True, msg="gate failed")],
                           ALLOWED)
    assert reverted == {"status": "failed and reverted", "error": "gate failed", "changes": []}
    assert fix_outcome(FIXABLE, True, [_attempt(failed=True)], ALLOWED) == {"status": "failed",
                                                                            "error": "the fix failed", "changes": []}


def test_fix_outcome_refuses_what_is_not_a_diagnosis():
    from ansible_collections.ops.runbooks.plugins.filter.troubleshooting import fix_outcome

    with pytest.raises(AnsibleFilterError, match="give a diagnosis"):
        fix_outcome({"findings": []}, True)
    with pytest.raises(AnsibleFilterError, match="attempts must be a list"):
        fix_outcome(FIXABLE, True, {"result": {}}, ALLOWED)
