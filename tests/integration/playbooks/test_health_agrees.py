# -*- coding: utf-8 -*-
"""The daily health reports what the modules judge, never a judgement of its own (issue #31): the same evidence - a
function still Pending, a table UPDATING, a function without the environment's alias, a log search that fails - goes
through the module and through playbooks/daily_health.yml, and both give the same status under the same check name.

The emulator cannot leave a function Pending or a table UPDATING: the fault proxy rewrites those answers
(``patches``, tests/sandbox/faults.py), the same for the module run and the playbook run."""
from __future__ import annotations

import json
import os
import shutil
import uuid

import seed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

FUNCTION, TABLE = seed.FUNCTIONS[0], sorted(seed.TABLES)[0]
EVIDENCE = {"GetFunctionConfiguration": {"State": "Pending", "StateReason": "still creating"},
            "DescribeTable": {"Table": {"TableStatus": "UPDATING"}}}
NO_GROUP = "/aws/lambda/no-such-system"


def test_the_report_gives_the_modules_status_under_the_modules_check_name(faults, run_module_faulty, run_playbook,
                                                                          sandbox):
    faults.configure(patches=EVIDENCE)
    function = run_module_faulty("lambda_state", {"functions": [FUNCTION], "alias": "production", "fail_on": "never"})
    table = run_module_faulty("dynamodb_status", {"tables": [TABLE], "fail_on": "never"})
    search = run_module_faulty("log_search", {"log_group_name_prefix": NO_GROUP, "filter_patterns": ["ERROR"],
                                              "window": "1h", "fail_on": "never"})
    modules = {(c["resource"], c["check"]): c["status"] for c in function["checks"] + table["checks"]}
    assert modules == {(FUNCTION, "lambda state"): "warn", (FUNCTION, "lambda alias"): "fail",
                       (TABLE, "table status"): "warn"}, modules
    assert search["failed"] is True and "no log group name starts with" in search["msg"], search

    proc = run_playbook("playbooks/daily_health.yml", {
        "sandbox_aws_endpoint_url": faults.endpoint_url, "health_check_checks": ["lambda", "dynamodb", "logs"],
        "health_check_functions": [FUNCTION], "health_check_tables": [TABLE], "health_check_lambda_alias": "production",
        "health_check_log_group_prefix": NO_GROUP, "health_check_log_patterns": ["ERROR"],
        "health_check_fail_on_failure": False})
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    report = json.loads((proc.reports / "daily_health-local.json").read_text())["checks"]
    reported = {(c["resource"], c["check"]): c for c in report}
    for key, status in modules.items():
        assert reported[key]["status"] == status, (key, reported[key])
    assert reported[(FUNCTION, "lambda state")]["reason"] == function["checks"][0]["reason"]
    assert reported[("logs", "log search")]["status"] == "fail"
    # the module's message, then the inventory variables that select the log groups (health_check failure hints)
    assert reported[("logs", "log search")]["reason"].startswith(search["msg"] + " - the prefix is /aws/lambda/")
    assert "ops_runbooks_log_groups" in reported[("logs", "log search")]["reason"]
    assert set(EVIDENCE) <= {entry["operation"] for entry in faults.log}  # the evidence was served


def _collection_with(tmp_path, role, edit):
    """A copy of the collection whose role ``role`` is a copy ``edit(role_dir)`` may change (everything else linked)."""
    real = os.path.join(ROOT, ".build", "collections", "ansible_collections", "ops", "runbooks")
    copy = tmp_path / "collections" / "ansible_collections" / "ops" / "runbooks"
    copy.mkdir(parents=True)
    for entry in os.listdir(real):
        if entry not in ("roles", ".git", ".build", ".venv"):
            os.symlink(os.path.join(real, entry), copy / entry)
    (copy / "roles").mkdir()
    for name in os.listdir(os.path.join(real, "roles")):
        if name == role:
            shutil.copytree(os.path.join(real, "roles", name), copy / "roles" / name)
        else:
            os.symlink(os.path.join(real, "roles", name), copy / "roles" / name)
    edit(copy / "roles" / role)
    return tmp_path / "collections"


def test_a_metric_check_queued_in_any_task_file_runs(tmp_path, run_playbook):
    """A role author adds a metric check to any area's task file - the first one, one after the metrics' place in the
    report, the last one - by queueing it in health_check_metric_queries: the batch runs after every area, so each is
    read and judged, under the check name it gives."""
    files = ["identity.yml", "s3.yml", "app_log.yml"]

    def add_metric_checks(role):
        for name in files:
            with open(role / "tasks" / name, "a", encoding="utf-8") as tasks:
                tasks.write(ADDED % (name, name))

    log = tmp_path / "app.log"
    log.write_text("all good\n")
    proc = run_playbook("playbooks/daily_health.yml", {
        "health_check_checks": ["identity", "s3", "app_log"], "health_check_app_log_path": str(log),
        "health_check_fail_on_failure": False}, collections=_collection_with(tmp_path, "health_check", add_metric_checks))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    report = json.loads((proc.reports / "daily_health-local.json").read_text())["checks"]
    added = {c["resource"]: (c["check"], c["status"], c["reason"]) for c in report if c["check"] == "added metric"}
    assert added == {"added in %s" % name: ("added metric", "pass", "added in %s: no datapoint in the last 5m" % name)
                     for name in files}, report


ADDED = '''
- name: A metric check added to %s
  ansible.builtin.set_fact:
    health_check_metric_queries: >-
      {{ health_check_metric_queries + [{'label': 'added in %s', 'check': 'added metric', 'namespace': 'Test/Added',
         'metric_name': 'Anything', 'statistic': 'Sum', 'window': '5m', 'max': 1, 'no_data': 'pass'}] }}
'''


def test_an_alarm_in_alarm_outside_any_prefix_fails_and_a_prefix_that_names_none_is_no_pass(aws, run_playbook):
    """The daily health reads every alarm of the account and region by default: a user whose alarms are named
    otherwise than the project (a stack's generated names) sees their alarm in ALARM fail the run; a prefix that
    names no alarm checked nothing and fails too, instead of "no alarm in ALARM"."""
    cloudwatch, name = aws("cloudwatch"), "pacloud-api-errors-" + uuid.uuid4().hex[:6]
    cloudwatch.put_metric_alarm(AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                                Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
    try:
        proc = run_playbook("playbooks/daily_health.yml", {"health_check_checks": ["alarms"]})
        assert proc.returncode != 0, proc.stdout[-2000:]
        alarms = [c for c in json.loads((proc.reports / "daily_health-local.json").read_text())["checks"]
                  if c["check"] == "alarms in ALARM"]
        assert [c["status"] for c in alarms] == ["fail"] and name in alarms[0]["observed"], alarms
        assert "alarm(s) of the account and region)" in alarms[0]["reason"]
        none_named = {"health_check_checks": ["alarms"], "health_check_alarm_name_prefix": "no-alarm-is-named-"}
        prefixed = run_playbook("playbooks/daily_health.yml", none_named)
        assert prefixed.returncode != 0
        alarms = [c for c in json.loads((prefixed.reports / "daily_health-local.json").read_text())["checks"]
                  if c["check"] == "alarms in ALARM"]
        watched_nothing = "no alarm is named no-alarm-is-named-*: the check watched nothing (health_check_alarm_name_prefix)"
        assert [(c["status"], c["reason"]) for c in alarms] == [("fail", watched_nothing)]
    finally:
        cloudwatch.delete_alarms(AlarmNames=[name])
