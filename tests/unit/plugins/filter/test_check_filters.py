# -*- coding: utf-8 -*-
"""Filters ops.runbooks.failure_check, threshold_check, summarize and ordered: the check model for what a role grades
itself, with the modules' own judgement (module_utils/checks)."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.checks import failure_check, ordered, summarize, threshold_check
from ansible_collections.ops.runbooks.plugins.module_utils import checks


def test_a_failed_task_is_one_failed_check_with_its_message():
    found = failure_check({"failed": True, "msg": "AccessDenied: sts:GetCallerIdentity"}, "sts", "identity")
    assert found == {"resource": "sts", "check": "identity", "status": "fail", "observed": None, "expected": None,
                     "reason": "AccessDenied: sts:GetCallerIdentity"}
    assert failure_check({"failed": True}, "s3", "buckets")["reason"] == "buckets failed"
    with pytest.raises(AnsibleFilterError, match="ansible_failed_result"):
        failure_check("boom", "s3", "buckets")


@pytest.mark.parametrize("value, status, reason", [
    (95, "fail", "used % 95 > 90"),
    (85, "warn", "used % 85 > 80 (warning level)"),
    (80, "pass", "used % 80 <= 80"),
    (None, "unknown", "used %: no data"),
])
def test_threshold_is_the_modules_judgement(value, status, reason):
    found = threshold_check(value, "db1:/", "disk", max=90, warn=80, label="used %")
    assert (found["status"], found["reason"]) == (status, reason)
    assert (found["status"], found["reason"]) == checks.threshold(value, "used %", fail_above=90, warn_above=80)
    assert found["expected"] == 90 and found["observed"] == value


def test_threshold_refuses_what_would_pass_everything():
    with pytest.raises(AnsibleFilterError, match="max must be a finite number"):
        threshold_check(5, "x", "y", max=float("nan"))
    with pytest.raises(AnsibleFilterError, match="has no limit"):
        threshold_check(5, "x", "y")
    with pytest.raises(AnsibleFilterError, match="the value must be a number"):
        threshold_check("lots", "x", "y", max=1)
    assert threshold_check("5", "x", "y", max="4", detail="of 10")["reason"] == "y 5 > 4 (of 10)"


def test_summarize_counts_every_status_and_ordered_puts_failures_first():
    found = [checks.make_check(r, "c", s, "") for r, s in
             [("a", "pass"), ("b", "skipped"), ("c", "warn"), ("d", "fail"), ("e", "unknown"), ("f", "fail")]]
    assert summarize(found) == {"pass": 1, "warn": 1, "fail": 2, "unknown": 1, "skipped": 1}
    assert summarize([]) == {"pass": 0, "warn": 0, "fail": 0, "unknown": 0, "skipped": 0}
    assert [c["resource"] for c in ordered(found)] == ["d", "f", "c", "e", "a", "b"]
    with pytest.raises(AnsibleFilterError, match="list of checks"):
        summarize([{"status": "green"}])


def test_a_check_in_a_message_and_in_the_custom_stats():
    from ansible_collections.ops.runbooks.plugins.filter.checks import brief_checks, check_line
    short = checks.make_check("cloudwatch", "alarms in ALARM", "fail", "a-errors", ["a-errors"], [])
    assert check_line(short) == "cloudwatch | alarms in ALARM | a-errors"
    long = dict(short, reason="word " * 30)
    assert check_line(long) == "cloudwatch | alarms in ALARM | " + ("word " * 19).strip() + "..."
    assert check_line(dict(short, reason="x" * 105)).endswith("x" * 105)  # Jinja's truncate leeway: kept
    assert brief_checks([short]) == [{"resource": "cloudwatch", "check": "alarms in ALARM", "reason": "a-errors"}]


def test_make_check_keeps_the_model():
    from ansible_collections.ops.runbooks.plugins.filter.checks import make_check
    assert make_check("postgres", "slow_queries", "skipped", "no connection") == checks.make_check(
        "postgres", "slow_queries", "skipped", "no connection")
    with pytest.raises(AnsibleFilterError, match="status 'green' is not one of"):
        make_check("x", "y", "green", "")


def test_every_filter_of_the_collection_returns_data(monkeypatch):
    """On ansible-core 2.17/2.18 a string a Python filter composes is a template when a fact holding it is used: every
    filter plugin of the collection marks its results as data (plugin_utils.data), names from AWS included."""
    import glob
    import importlib
    import os
    from ansible_collections.ops.runbooks.plugins.plugin_utils import data
    marked = []
    monkeypatch.setattr(data, "wrap_var", lambda value: marked.append(value) or value)
    root = os.path.dirname(os.path.abspath(importlib.import_module(
        "ansible_collections.ops.runbooks.plugins.filter.checks").__file__))
    for path in sorted(glob.glob(os.path.join(root, "*.py"))):
        name = os.path.basename(path)[:-3]
        filters = importlib.import_module("ansible_collections.ops.runbooks.plugins.filter." + name).FilterModule()
        marks_itself = "as_data(" in open(path, encoding="utf-8").read()  # incident, alarm, report_html
        for filter_name, function in filters.filters().items():
            assert marks_itself or function.__qualname__.startswith("returning_data"), (name, filter_name)
    from ansible_collections.ops.runbooks.plugins.filter.health import FilterModule
    hostile = "{{ lookup('pipe', 'id') }}"
    found = FilterModule().filters()["alarms_check"]([{"alarm_name": hostile, "state_value": "ALARM"}])
    assert found["reason"] == hostile + " in ALARM (of 1 alarm(s) of the account and region)"
    assert marked and marked[-1] is found


def test_a_failure_about_a_module_option_names_the_inventory_variable():
    hints = {"log_group_name_prefix": "set ops_runbooks_log_groups or ops_runbooks_project"}
    about = failure_check({"msg": "log_group_name_prefix: no log group name starts with '/aws/lambda/pacloud'"},
                          "logs", "log search", hints=hints)
    assert about["reason"] == ("log_group_name_prefix: no log group name starts with '/aws/lambda/pacloud' - set "
                               "ops_runbooks_log_groups or ops_runbooks_project")
    other = failure_check({"msg": "AccessDenied: not allowed"}, "logs", "log search", hints=hints)
    assert other["reason"] == "AccessDenied: not allowed"  # no hint where the message is not about the option
