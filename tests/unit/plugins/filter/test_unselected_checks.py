# -*- coding: utf-8 -*-
"""Filter ops.runbooks.unselected_checks (#30): with a minimal inventory the table, bucket and alias checks vanished
from the daily health without a word; each check asked for with nothing to check is a skipped check naming why."""
from __future__ import annotations

import pytest

from ansible_collections.ops.runbooks.plugins.filter.result_to_check import unselected_checks

PLAN = {
    "identity": {"runs": True, "health_check_expected_account": ""},
    "dynamodb": {"runs": False, "health_check_tables": [], "health_check_dynamodb_window": "1h"},
    "logs": {"runs": False, "health_check_log_group_prefix": "", "health_check_log_patterns": []},
    "host": {"runs": False, "health_check_disk_max_pct": 90},
    "s3": {"runs": False, "health_check_buckets": []},
}


def test_each_check_asked_for_with_nothing_to_check_is_skipped_with_the_empty_settings():
    found = unselected_checks(PLAN, ["identity", "dynamodb", "logs", "host"])
    assert [(c["resource"], c["check"], c["status"]) for c in found] == [
        ("dynamodb", "selection", "skipped"), ("logs", "selection", "skipped"), ("host", "selection", "skipped")]
    assert found[0]["reason"] == "not checked: health_check_tables is empty"
    assert found[1]["reason"] == "not checked: health_check_log_group_prefix, health_check_log_patterns are empty"
    assert found[2]["reason"] == "not checked: its settings select nothing"


def test_a_check_not_asked_for_or_running_adds_nothing():
    assert unselected_checks(PLAN, ["identity"]) == [] and unselected_checks(PLAN, []) == []


def test_not_a_plan():
    with pytest.raises(TypeError, match="expects a plan"):
        unselected_checks(["dynamodb"], ["dynamodb"])


def test_a_report_without_checks_gets_one_skipped_check_saying_why():
    from ansible_collections.ops.runbooks.plugins.filter.result_to_check import checked_or_empty
    found = [{"resource": "t", "check": "backup", "status": "pass"}]
    assert checked_or_empty(found, "backup", "no table") is found
    assert checked_or_empty([], "backup", "no table to back up - set ops_runbooks_backup_policy") == [{
        "resource": "backup", "check": "selection", "status": "skipped", "observed": 0, "expected": ">= 1",
        "reason": "nothing was checked: no table to back up - set ops_runbooks_backup_policy"}]


def test_a_loop_result_is_named_by_its_item_or_the_function_it_names():
    from ansible_collections.ops.runbooks.plugins.filter.result_to_check import result_to_check
    entry = {"function_name": "fn", "variable": "T"}
    named = result_to_check({"item": entry, "changed": True, "msg": "moved"}, "switch")
    assert (named["resource"], named["status"], named["reason"]) == ("fn", "pass", "moved")
    assert result_to_check({"item": {"bucket": "b"}, "function_name": "g"}, "x")["resource"] == "g"
    assert result_to_check({"item": "fn-2", "failed": True}, "rollback")["resource"] == "fn-2"
    assert result_to_check({"item": "x"}, "restore", "table-r")["resource"] == "table-r"
