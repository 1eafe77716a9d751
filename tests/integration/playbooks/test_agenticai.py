# -*- coding: utf-8 -*-
"""Runbook 004's agenticai system end to end, through inventories/local-agenticai, which names none of its functions:
the sandbox deploys the stack agenticai-stack by CloudFormation (tests/sandbox/agenticai.py) with generated names,
and the role fleet resolves them at play start (ops_runbooks_discovery: the stack and the tag Project=agenticai).

The daily health, the queue check, the rollback (by the function's logical id), the lambda-timeout troubleshooting,
the point-in-time restore and the weekly review each run against the discovered names, and each test asserts what
it changed or read in the emulator. A stack that cannot be read is a failed check of the daily health and stops a
procedure that acts. The redeploy test replaces the stack and shows that the next run checks the new functions, not
the old ones; every test reads the names from the stack (fixture ``names``), so the order of the tests is free.
"""
from __future__ import annotations

import pytest

import agenticai
import functions_as_found
import system_reports

pytestmark = pytest.mark.moto_only("CloudFormation with Lambda, DynamoDB and ECS: moto's services")

INVENTORY = system_reports.inventory("local-agenticai")


def _report(proc, name):
    return system_reports.report(proc, name, "local-agenticai")


_statuses = system_reports.statuses


@pytest.fixture
def names(aws):
    return agenticai.functions(aws("cloudformation"))


def test_the_daily_health_checks_what_the_stack_holds(run_playbook, names):
    proc = run_playbook("playbooks/daily_health.yml", inventory=INVENTORY)
    assert proc.returncode == 0, proc.stdout[-3000:]
    statuses = _statuses(_report(proc, "daily_health"))
    for name in names.values():  # generated names, never typed: only the stack knew them
        assert statuses[(name, "lambda state")] == "pass" and statuses[(name, "lambda alias")] == "pass"
    assert statuses[("stack agenticai-stack", "discovery")] == "pass"
    assert statuses[("tags Project=agenticai", "discovery")] == "pass"  # the export bucket: tagged, in no stack
    assert statuses[("agenticai-backups", "bucket reachable")] == "pass"
    assert statuses[("agenticai-data", "table status")] == "pass"
    assert [q for (q, check) in statuses if check == "queue depth"] == [
        "agenticai-dev-queue", "agenticai-ops-queue", "agenticai-pm-queue", "agenticai-qa-queue"]  # DLQs with them
    assert statuses[("cloudwatch", "alarms in ALARM")] == "pass"
    assert statuses[("2 log groups", "log ERROR")] == "pass"
    assert not [key for key in statuses if key[1] in ("disk", "memory")]  # the controller is not the system's host


def test_an_alarm_of_the_system_in_alarm_fails_the_daily_health(sandbox, run_playbook):
    alarm = "agenticai-DevAgentWorker-errors"
    sandbox.alarm_state(alarm, "ALARM", reason="Threshold Crossed: 9 errors")
    try:
        proc = run_playbook("playbooks/daily_health.yml", inventory=INVENTORY)
    finally:
        sandbox.alarm_state(alarm, "OK")
    assert proc.returncode != 0 and "FAILED!" in proc.stdout
    check = [c for c in _report(proc, "daily_health")["checks"] if c["check"] == "alarms in ALARM"][0]
    assert check["status"] == "fail" and alarm in check["reason"] and "named agenticai-*" in check["reason"]


def test_a_stack_that_cannot_be_read_fails_the_report_and_stops_a_procedure(run_playbook, aws, names):
    gone = {"ops_runbooks_discovery": {"stacks": ["agenticai-stack-gone"]}}
    health = run_playbook("playbooks/daily_health.yml", gone, inventory=INVENTORY)
    assert health.returncode != 0
    check = _statuses(_report(health, "daily_health"))
    assert check[("stack agenticai-stack-gone", "discovery")] == "fail"
    rollback = run_playbook("playbooks/lambda_rollback.yml", dict(gone, lambda_rollback_functions=["ApiHandler"],
                                                                  ops_runbooks_confirm=True), inventory=INVENTORY)
    assert rollback.returncode != 0 and "ops_runbooks_discovery: 1 source(s) failed" in rollback.stdout
    alias = aws("lambda").get_alias(FunctionName=names["ApiHandler"], Name="live")
    assert alias["FunctionVersion"] == "2"  # nothing moved


def test_the_queue_check_reads_each_queue_with_its_dlq(run_playbook):
    proc = run_playbook("playbooks/queue_check.yml", inventory=INVENTORY)
    assert proc.returncode == 0, proc.stdout[-3000:]
    report = _report(proc, "queue_check")
    assert sorted(c["resource"] for c in report["checks"]) == [
        "agenticai-dev-queue", "agenticai-ops-queue", "agenticai-pm-queue", "agenticai-qa-queue"]


def test_a_rollback_by_logical_id_moves_the_generated_functions_alias(run_playbook, aws, names):
    lam, function = aws("lambda"), names["ApiHandler"]
    with functions_as_found.as_found(lam, [function]):
        proc = run_playbook("playbooks/lambda_rollback.yml", {"lambda_rollback_functions": ["ApiHandler"],
                                                              "ops_runbooks_confirm": True}, inventory=INVENTORY)
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert lam.get_alias(FunctionName=function, Name="live")["FunctionVersion"] == "1"
        assert [c["resource"] for c in _report(proc, "lambda_rollback")["checks"]] == [function]


def test_troubleshooting_a_timeout_of_a_function_named_by_logical_id(run_playbook, names):
    proc = run_playbook("playbooks/troubleshoot.yml", {"troubleshooting_problem": "lambda_timeout",
                                                       "troubleshooting_function": "DevAgentWorker"},
                        inventory=INVENTORY)
    assert proc.returncode == 0, proc.stdout[-3000:]
    resources = {c["resource"] for c in _report(proc, "troubleshoot-lambda_timeout")["checks"]}
    assert names["DevAgentWorker"] in resources and "DevAgentWorker" not in resources


def test_a_point_in_time_restore_switches_what_the_alias_serves(run_playbook, aws, names):
    """Runbook 004 "Restore from Point-in-Time", then "Switch application" (update-function-configuration
    --environment DYNAMODB_TABLE_NAME=agenticai-data-restored): here through the alias live, which serves a published
    version - a version with the restored table is published and the alias moved to it."""
    ddb, lam, function = aws("dynamodb"), aws("lambda"), names["ApiHandler"]
    try:
        with functions_as_found.as_found(lam, [function]):
            _restore_and_switch(run_playbook, ddb, lam, function)
    finally:
        if "agenticai-data-restored" in ddb.list_tables()["TableNames"]:
            ddb.delete_table(TableName="agenticai-data-restored")


def _restore_and_switch(run_playbook, ddb, lam, function):
    proc = run_playbook("playbooks/dynamodb_restore.yml", {
        "dynamodb_restore_source_table": "agenticai-data", "dynamodb_restore_use_latest_restorable_time": True,
        "dynamodb_restore_switch_lambda_env": [{"function_name": "ApiHandler", "variable": "DYNAMODB_TABLE_NAME"}],
        "ops_runbooks_confirm": True}, inventory=INVENTORY)
    assert proc.returncode == 0, proc.stdout[-3000:]
    restored = ddb.scan(TableName="agenticai-data-restored", Select="COUNT")["Count"]
    assert restored == ddb.scan(TableName="agenticai-data", Select="COUNT")["Count"] == 5
    served = lam.get_alias(FunctionName=function, Name="live")["FunctionVersion"]
    assert served not in ("1", "2")
    variables = lam.get_function_configuration(FunctionName=function, Qualifier=served)["Environment"]["Variables"]
    assert variables == {"DYNAMODB_TABLE_NAME": "agenticai-data-restored"}
    checks = [(c["resource"], c["check"], c["status"]) for c in _report(proc, "dynamodb_restore")["checks"]]
    assert (function, "switch", "pass") in checks


def test_the_weekly_review_and_the_backups_of_the_discovered_system(run_playbook, names):
    review = run_playbook("playbooks/weekly_review.yml", inventory=INVENTORY)
    assert review.returncode == 0, review.stdout[-3000:]
    statuses = _statuses(_report(review, "weekly_review"))
    assert statuses[(names["ApiHandler"], "duration")] == "pass"  # the week's metrics of the generated name
    backups = run_playbook("playbooks/verify_backups.yml", inventory=INVENTORY)
    assert backups.returncode == 0, backups.stdout[-3000:]
    statuses = _statuses(_report(backups, "verify_backups"))
    assert statuses[("agenticai-generated-code", "versioning")] == "pass"


def test_a_redeploy_changes_the_generated_names_and_the_next_run_checks_the_new_ones(run_playbook, aws, sandbox, names):
    renamed = agenticai.redeploy(sandbox.client, sandbox.details()["sandbox_aws_region"])
    # the week of metrics again, for the new names: the worker's sandbox stays as complete as it was
    assert set(renamed) == set(names) and not set(renamed.values()) & set(names.values())
    proc = run_playbook("playbooks/daily_health.yml", inventory=INVENTORY)
    assert proc.returncode == 0, proc.stdout[-3000:]
    resources = {c["resource"] for c in _report(proc, "daily_health")["checks"]}
    assert set(renamed.values()) <= resources and not set(names.values()) & resources
    assert not [f for f in aws("lambda").list_functions()["Functions"] if f["FunctionName"] in names.values()]


def test_discovery_of_the_stack_reads_every_kind_it_holds(run_module, names):
    """Every kind of the stack (its nested stack's ECS service too) and the tag-only export bucket; a kind the stack
    lacks (KMS keys) is simply absent."""
    found = run_module("resource_discovery", {"stacks": [agenticai.STACK], "tags": agenticai.TAGS})
    assert not found.get("failed"), found.get("msg")
    assert found["functions"] == sorted(names.values())
    assert found["tables"] == [agenticai.TABLE]
    assert found["buckets"] == [agenticai.TAGGED_BUCKET, agenticai.BUCKET]  # the tag-only one, and the stack's
    assert found["sources"]["buckets"][agenticai.TAGGED_BUCKET] == ["tags"]
    assert found["queues"] == sorted("agenticai-%s-%s" % (a, k) for a in agenticai.AGENTS for k in ("dlq", "queue"))
    assert found["dead_letter_queues"] == dict(("agenticai-%s-queue" % a, "agenticai-%s-dlq" % a)
                                               for a in agenticai.AGENTS)
    assert [t.rsplit(":", 1)[1] for t in found["topics"]] == [agenticai.TOPIC]
    assert found["log_groups"] == sorted("/aws/lambda/" + n for n in names.values())
    assert [s.rsplit("/", 1)[1] for s in found["ecs_services"]] == ["agenticai-websocket"]  # nested stack
    assert [a["name"] for a in found["apis"]] == ["agenticai-api"]
    assert len(found["roles"]) == 1 and found["roles"][0].startswith("agenticai-stack-ExecRole-")
    assert found["aliases"] == dict((n, [agenticai.ALIAS]) for n in names.values())
    assert found["kms_keys"] == []


def test_websocket_troubleshooting_restarts_the_ecs_service_with_the_count_asked_for(run_playbook, aws):
    """Runbook 004 P3 "WebSocket Connection Issues" against the stack's agenticai-websocket (fewer tasks running than
    desired in the emulator): diagnosed, then - asked and confirmed - a new deployment with two tasks, read back from
    ECS (desired count, a new PRIMARY deployment); the service is set back as it was afterwards."""
    ecs = aws("ecs")

    def service():
        return ecs.describe_services(cluster="agenticai-cluster", services=["agenticai-websocket"],
                                     include=["TAGS"])["services"][0]

    before = service()
    primary = [d["id"] for d in before["deployments"] if d["status"] == "PRIMARY"][0]
    args = {"troubleshooting_problem": "websocket", "troubleshooting_fail_on_failure": False}
    try:
        diagnosed = run_playbook("playbooks/troubleshoot.yml", args, inventory=INVENTORY)
        assert diagnosed.returncode == 0, diagnosed.stdout[-3000:]
        report = _report(diagnosed, "troubleshoot-websocket")
        found = {c["check"]: c["status"] for c in report["checks"]}
        assert found["tasks running"] == ("fail" if before["runningCount"] < before["desiredCount"] else "pass")
        assert found["security groups"] == "unknown"  # the stack's service is not awsvpc: nothing read, no pass
        assert service()["desiredCount"] == before["desiredCount"]  # diagnosis changes nothing
        fixed = run_playbook("playbooks/troubleshoot.yml", dict(args, troubleshooting_fix=True, ops_runbooks_confirm=True,
                                                                troubleshooting_ecs_desired_count=2),
                             inventory=INVENTORY)
        assert fixed.returncode == 0, fixed.stdout[-3000:]
        after = service()
        assert after["desiredCount"] == 2 and after["runningCount"] == 2
        new = [d["id"] for d in after["deployments"] if d["status"] == "PRIMARY"][0]
        assert new != primary
        report = _report(fixed, "troubleshoot-websocket")
        assert report["fix"]["status"] == "applied", report["fix"]
        assert [(c["action"], c["to"]["deployment_id"], c["to"]["desired_count"]) for c in report["changes"]] == [
            ("ecs_service_redeploy", new, 2)]
    finally:
        ecs.update_service(cluster="agenticai-cluster", service="agenticai-websocket",
                           desiredCount=before["desiredCount"])
        ecs.untag_resource(resourceArn=before["serviceArn"], tagKeys=["ops.runbooks:restart"])
