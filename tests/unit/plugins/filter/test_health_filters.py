# -*- coding: utf-8 -*-
"""The daily health's own judgements (filters in plugins/filter/health.py; they were Jinja in the role): the metric
batch built from the plan, and the checks of what amazon.aws, community.postgresql and the facts return."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter import health

LAMBDA = {"runs": True, "health_check_functions": ["fn-a", "fn-b", "fn-gone"], "health_check_lambda_window": "5m",
          "health_check_lambda_max_errors": "5", "health_check_lambda_max_throttles": 1,
          "health_check_lambda_max_duration_ms": 10000, "health_check_lambda_warn_error_rate_pct": 2,
          "health_check_lambda_max_error_rate_pct": 5, "health_check_lambda_warn_concurrency": 8,
          "health_check_lambda_max_concurrency": 10, "health_check_lambda_warn_timeout_pct": 70,
          "health_check_lambda_max_timeout_pct": 80}
PLAN = {"identity": {"runs": True},
        "api": {"runs": True, "health_check_api_name": "shop", "health_check_api_stage": "prod",
                "health_check_api_window": "5m", "health_check_api_warn_5xx_pct": 1, "health_check_api_max_5xx_pct": "5"},
        "lambda": LAMBDA,
        "dynamodb": {"runs": True, "health_check_tables": ["orders"], "health_check_dynamodb_window": "5m",
                     "health_check_dynamodb_max_throttled": 10, "health_check_dynamodb_warn_throttled": 5}}
FUNCTIONS = {"fn-a": {"exists": True, "timeout": 30}, "fn-b": {"exists": False, "timeout": None}}


def test_the_batch_of_a_plan_api_then_functions_then_tables():
    queries = health.health_metric_queries(PLAN, FUNCTIONS)
    labels = [q["label"] for q in queries]
    assert labels[0] == "shop prod 5xx rate (%)" and labels[-1] == "orders throttled requests"
    assert labels[1:7] == ["fn-a longest duration (ms, timeout 30 s)", "fn-a error rate (%)",
                           "fn-a concurrent executions", "fn-a errors", "fn-a throttles", "fn-a duration (ms)"]
    assert labels[7] == "fn-b longest duration (ms, timeout 3 s)"  # no timeout read: AWS's default, 3 s
    assert not [label for label in labels if label.startswith("fn-gone")]  # never read: the lambda area says why
    longest = queries[1]
    assert (longest["warn"], longest["max"], longest["statistic"], longest["period"]) == (21000, 24000, "Maximum", 60)
    assert queries[0]["max"] == 5.0 and queries[0]["per"] == {"metric_name": "Count"}
    assert queries[-1]["check"] == "throttling" and "check" not in queries[0]  # metric_check names it "metric"
    assert len(queries) == 1 + 2 * 6 + 1
    assert queries[0]["dimensions"] == {"ApiName": "shop", "Stage": "prod"}


def test_an_api_without_a_stage_is_read_as_a_whole():
    plan = dict(PLAN, api=dict(PLAN["api"], health_check_api_stage=""))
    api = health.health_metric_queries(plan, FUNCTIONS)[0]
    assert api["dimensions"] == {"ApiName": "shop"} and api["label"] == "shop 5xx rate (%)"  # no empty dimension


def test_only_the_areas_that_run_and_the_extra_metrics_last():
    plan = dict(PLAN, api=dict(PLAN["api"], runs=False), dynamodb=dict(PLAN["dynamodb"], runs="False"))
    extra = [{"label": "queue age", "namespace": "AWS/SQS", "metric_name": "ApproximateAgeOfOldestMessage"}]
    queries = health.health_metric_queries(plan, FUNCTIONS, extra)
    assert queries[-1] is extra[0] and {q["namespace"] for q in queries[:-1]} == {"AWS/Lambda"}
    assert health.health_metric_queries(plan, None) == []  # the functions could not be read: no guessed timeout
    with pytest.raises(AnsibleFilterError, match="health_check_lambda_max_errors must be a finite number"):
        health.health_metric_queries(dict(PLAN, **{"lambda": dict(LAMBDA, health_check_lambda_max_errors="nan")}),
                                     FUNCTIONS)
    with pytest.raises(AnsibleFilterError, match="the plan has no setting 'health_check_tables'"):
        health.health_metric_queries({"dynamodb": {"runs": True}})


def test_identity_alarms_and_invocation():
    who = {"account": "123456789012", "arn": "arn:aws:iam::123456789012:user/ops"}
    assert health.identity_check(who)["status"] == "pass"
    assert health.identity_check(who, 123456789012)["reason"] == "account 123456789012 as %s" % who["arn"]
    wrong = health.identity_check(who, "210987654321")
    assert (wrong["status"], wrong["reason"]) == ("fail", "account 123456789012, expected 210987654321")
    alarms = [{"alarm_name": "a", "state_value": "ALARM"}, {"alarm_name": "b", "state_value": "OK"}]
    assert (health.alarms_check(alarms)["status"], health.alarms_check(alarms)["reason"]) == (
        "fail", "a in ALARM (of 2 alarm(s) of the account and region)")
    assert health.alarms_check(alarms, "ai-")["reason"] == "a in ALARM (of 2 alarm(s) named ai-*)"
    quiet = health.alarms_check(alarms[1:], "ai-")
    assert (quiet["status"], quiet["reason"]) == ("pass", "none of 1 alarm(s) named ai-* in ALARM")
    # a selection that holds no alarm checked nothing: never a pass
    none_named = health.alarms_check([], "pacloud-")
    assert (none_named["status"], none_named["reason"]) == (
        "fail", "no alarm is named pacloud-*: the check watched nothing (health_check_alarm_name_prefix)")
    assert health.alarms_check([])["status"] == "warn"
    assert health.invoke_check({"result": {"status": 502}}, "hc")["status"] == "fail"
    assert health.invoke_check({"result": {"status": 200}}, "hc")["reason"] == "invocation returned 200"


def test_connections_disk_memory_and_the_application_log():
    pg = health.connections_check({"connections": 85, "max_connections": 100}, "db1", 80)
    assert (pg["resource"], pg["status"], pg["reason"]) == \
        ("postgresql db1", "fail", "85 of 100 connections (85%, max 80%)")
    facts = {"mounts": [{"mount": "/", "size_total": 100, "size_available": 5}, {"mount": "/proc", "size_total": 0}],
             "memory_mb": {"nocache": {"used": 500, "free": 1500}}}
    disk, memory = health.host_checks(facts, "h", 90, "90")
    assert (disk["resource"], disk["status"], disk["reason"]) == ("h:/", "fail", "95.0% used (max 90%)")
    assert (memory["status"], memory["reason"]) == ("pass", "25.0% used without caches (max 90%)")
    lines = ["ok", "ERROR db down", "Traceback (most recent call last):", "ok"]
    log = health.app_log_check(lines, "h:/var/log/app.log", "ERROR|Traceback", 1, 1000)
    assert (log["status"], log["observed"]) == ("fail", 2)
    assert log["reason"] == "2 line(s) matching ERROR|Traceback in the last 1000: Traceback (most recent call last):"
    with pytest.raises(AnsibleFilterError, match="health_check_app_log_pattern"):
        health.app_log_check(lines, "h", "(", 0, 10)


def test_metric_queries_put_the_name_in_as_text():
    hostile = "fn-{{ lookup('pipe', 'id') }}-{0}"
    queries = health.metric_queries(["a", hostile], "FunctionName", "{} errors (15m)",
                                    {"namespace": "AWS/Lambda", "metric_name": "Errors", "max": 0})
    assert [q["label"] for q in queries] == ["a errors (15m)", hostile + " errors (15m)"]
    assert queries[1]["dimensions"] == {"FunctionName": hostile} and queries[0]["max"] == 0


def test_the_last_error_line_is_cut_as_jinjas_truncate_cut_it():
    line = "ERROR " + "word " * 40
    check = health.app_log_check([line], "h:/log", "ERROR", 0, 10)
    assert check["reason"] == "1 line(s) matching ERROR in the last 10: " + line[:117].rsplit(" ", 1)[0] + "..."


def test_an_area_of_an_ops_runbooks_module_gives_the_modules_checks_as_they_are():
    checks = [{"resource": "fn-a", "check": "lambda state", "status": "warn", "reason": "Pending"}]
    assert health.health_area_checks({"checks": checks, "functions": {}}, "lambda") == checks
    assert health.health_area_checks({"skipped": True}, "metrics") == []  # an empty batch checked nothing
    with pytest.raises(AnsibleFilterError, match="the dynamodb area's result has no checks"):
        health.health_area_checks({"changed": False}, "dynamodb")


def test_the_other_areas_are_judged_here_with_their_settings():
    found = health.health_area_checks({"metric_alarms": [{"alarm_name": "a", "state_value": "ALARM"}]}, "alarms",
                                      {"prefix": "a"})
    assert [(c["check"], c["status"], c["reason"]) for c in found] == [
        ("alarms in ALARM", "fail", "a in ALARM (of 1 alarm(s) named a*)")]
    found = health.health_area_checks({"account": "123456789012", "arn": "arn:x"}, "identity",
                                      {"expected_account": "210987654321"})
    assert found[0]["status"] == "fail" and "expected 210987654321" in found[0]["reason"]
    found = health.health_area_checks({"patterns": [{"filter_pattern": "ERROR", "status": "pass", "counts": {}}]},
                                      "logs", {"resource": "/aws/lambda/*", "max_matches": 0})
    assert [(c["resource"], c["check"], c["expected"]) for c in found] == [("/aws/lambda/*", "log ERROR", 0)]
    found = health.health_area_checks({"query_result": [{"connections": 95, "max_connections": 100}]}, "postgres",
                                      {"host": "db", "max_pct": 80})
    assert (found[0]["resource"], found[0]["status"]) == ("postgresql db", "fail")
    found = health.health_area_checks({"stdout_lines": ["ok", "ERROR x"]}, "app_log",
                                      {"resource": "h:/log", "pattern": "ERROR", "max_matches": 0, "read": 2})
    assert found[0]["status"] == "fail"
    facts = {"mounts": [], "memory_mb": {"nocache": {"used": 1, "free": 3}}}
    found = health.health_area_checks({"ansible_facts": {}}, "host",
                                      {"facts": facts, "host": "h", "disk_max_pct": 90, "memory_max_pct": 90})
    assert [(c["check"], c["status"]) for c in found] == [("memory", "pass")]
    assert health.health_area_checks({"result": {"status": 500}}, "lambda_invoke", {"function": "f"})[0]["status"] \
        == "fail"


def test_an_unknown_area_a_missing_setting_or_no_result_fail_naming_it():
    with pytest.raises(AnsibleFilterError, match="unknown area 'api'"):
        health.health_area_checks({}, "api")
    with pytest.raises(AnsibleFilterError, match="area identity needs the setting expected_account"):
        health.health_area_checks({"account": "1"}, "identity", {})
    with pytest.raises(AnsibleFilterError, match="registered result"):
        health.health_area_checks(None, "s3")
