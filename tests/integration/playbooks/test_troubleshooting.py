# -*- coding: utf-8 -*-
"""playbooks/troubleshoot.yml on problems seeded by tests/sandbox/problems.py: each is found with its evidence; a
fix is applied and verified in the emulator; a failing gate reverts exactly; production without confirmation
changes nothing."""
from __future__ import annotations

import json
import uuid

import problems
import pytest

pytestmark = pytest.mark.moto_only("Lambda and DynamoDB are not among the services the LocalStack sandbox runs")


def seeded(sandbox, problem, prefix):
    return problems.PROBLEMS[problem](sandbox.session(), sandbox.endpoint_url, prefix + "-" + uuid.uuid4().hex[:8])


def report(proc, problem):
    return json.loads((proc.reports / ("troubleshoot-%s-local.json" % problem)).read_text())


def by_check(result):
    return dict((c["check"], c) for c in result["checks"])


def configuration(sandbox, name, qualifier=None):
    raw = sandbox.client("lambda").get_function_configuration(
        FunctionName=name, **({"Qualifier": qualifier} if qualifier else {}))
    return raw["Timeout"], raw["MemorySize"], raw["Environment"]["Variables"]


def served(sandbox, name):
    return sandbox.client("lambda").get_alias(FunctionName=name, Name="live")["FunctionVersion"]


def test_lambda_timeout_is_diagnosed_with_its_evidence_and_changes_nothing(sandbox, run_playbook):
    made = seeded(sandbox, "lambda_timeout", "ts-timeout")
    proc = run_playbook("playbooks/troubleshoot.yml", {"troubleshooting_problem": "lambda_timeout",
                                                       "troubleshooting_function": made["function"],
                                                       "ops_runbooks_lambda_alias": "live"})
    assert proc.returncode != 0 and "finding(s) failed" in proc.stdout, proc.stdout[-2000:]
    result = report(proc, "lambda_timeout")
    checks = by_check(result)
    assert checks['log "Task timed out"']["status"] == "fail"
    assert checks['log "Task timed out"']["reason"].startswith("2 timeout(s) at the current 30 s")
    assert checks["log ERROR"]["status"] == "warn"
    longest = [c for c in result["checks"] if c["check"] == "metric" and "longest" in c["resource"]][0]
    assert longest["status"] == "fail" and "29500 > 24000" in longest["reason"]
    # runbook 004 P2's X-Ray traces: evidence read, never a pass the sandbox cannot give (moto answers no filtered
    # GetTraceSummaries; without active tracing X-Ray holds none)
    assert checks["slow traces"]["status"] == "unknown" and checks["failed traces"]["status"] == "unknown"
    assert result["fix_plan"][0]["detail"].startswith("timeout 30 -> 300 s, memory 512 -> 1024 MB")
    assert result["fix"] == {"requested": False, "status": "not requested", "error": ""} and result["changes"] == []
    assert configuration(sandbox, made["function"])[:2] == (30, 512) and served(sandbox, made["function"]) == "1"
    assert "Fix: timeout 30 -> 300 s" in proc.stdout


def test_lambda_timeout_fix_raises_timeout_and_memory_on_the_alias_then_is_idempotent(sandbox, run_playbook):
    made = seeded(sandbox, "lambda_timeout", "ts-fix")
    args = {"troubleshooting_problem": "lambda_timeout", "troubleshooting_function": made["function"],
            "troubleshooting_fix": True, "ops_runbooks_lambda_alias": "live",
            "troubleshooting_health_check": {"invoke": {}, "retries": 0}}
    proc = run_playbook("playbooks/troubleshoot.yml", args)
    assert proc.returncode == 0, proc.stdout[-3000:]
    version = served(sandbox, made["function"])
    assert version == "2"
    env = {"TABLE_NAME": "ai-investment-signals", "LOG_LEVEL": "INFO"}
    assert configuration(sandbox, made["function"]) == (300, 1024, env)  # other variables untouched
    assert configuration(sandbox, made["function"], version) == (300, 1024, env)
    result = report(proc, "lambda_timeout")
    assert result["fix"]["status"] == "applied" and result["changes"][0]["to"]["alias_version"] == "2"
    again = run_playbook("playbooks/troubleshoot.yml", args)  # the old timeouts were cut at 30 s, not at 300 s
    assert again.returncode == 0, again.stdout[-3000:]
    assert served(sandbox, made["function"]) == "2" and report(again, "lambda_timeout")["changes"] == []
    assert "none at the current 300 s (2 at an older timeout: 30 s)" in by_check(
        report(again, "lambda_timeout"))['log "Task timed out"']["reason"]


def test_lambda_timeout_fix_with_a_failing_gate_reverts_exactly(sandbox, run_playbook):
    made = seeded(sandbox, "lambda_timeout", "ts-revert")
    proc = run_playbook("playbooks/troubleshoot.yml", {
        "troubleshooting_problem": "lambda_timeout", "troubleshooting_function": made["function"],
        "troubleshooting_fix": True, "ops_runbooks_lambda_alias": "live",
        "troubleshooting_health_check": {"alarms": ["no-such-alarm-ts"], "retries": 0}})
    assert proc.returncode != 0 and "failed and reverted" in proc.stdout, proc.stdout[-2000:]
    assert served(sandbox, made["function"]) == "1"
    assert configuration(sandbox, made["function"]) == (30, 512, {"TABLE_NAME": "ai-investment-signals",
                                                                  "LOG_LEVEL": "INFO"})
    assert report(proc, "lambda_timeout")["fix"]["status"] == "failed and reverted"


def test_lambda_timeout_fix_in_production_without_confirmation_changes_nothing(sandbox, run_playbook):
    made = seeded(sandbox, "lambda_timeout", "ts-prod")
    proc = run_playbook("playbooks/troubleshoot.yml", {
        "troubleshooting_problem": "lambda_timeout", "troubleshooting_function": made["function"],
        "troubleshooting_fix": True, "ops_runbooks_lambda_alias": "live", "ops_runbooks_production": True})
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert "[WARNING]: held back: " in proc.stdout + proc.stderr
    assert report(proc, "lambda_timeout")["fix"]["status"].startswith("held back: local is production")
    assert configuration(sandbox, made["function"])[:2] == (30, 512) and served(sandbox, made["function"]) == "1"


def test_dynamodb_throttling_found_and_switched_to_on_demand(sandbox, run_playbook):
    made = seeded(sandbox, "dynamodb_throttling", "ts-ddb")
    args = {"troubleshooting_problem": "dynamodb_throttling", "troubleshooting_table": made["table"]}
    diagnosis = run_playbook("playbooks/troubleshoot.yml", args)
    assert diagnosis.returncode != 0
    result = report(diagnosis, "dynamodb_throttling")
    throttled = [c for c in result["checks"] if "throttled requests" in c["resource"]][0]
    assert throttled["status"] == "fail" and "75 > 10" in throttled["reason"]
    assert by_check(result)["billing mode"]["reason"] == "PROVISIONED (5 RCU / 5 WCU)"
    assert result["fix_plan"][0]["action"] == "billing mode"
    fixed = run_playbook("playbooks/troubleshoot.yml", dict(args, troubleshooting_fix=True))
    assert fixed.returncode == 0, fixed.stdout[-3000:]
    table = sandbox.client("dynamodb").describe_table(TableName=made["table"])["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["ItemCount"] == 3 or sandbox.client("dynamodb").scan(TableName=made["table"])["Count"] == 3


def test_dynamodb_throttling_fix_by_auto_scaling(sandbox, run_playbook):
    made = seeded(sandbox, "dynamodb_throttling", "ts-scale")
    proc = run_playbook("playbooks/troubleshoot.yml", {
        "troubleshooting_problem": "dynamodb_throttling", "troubleshooting_table": made["table"],
        "troubleshooting_fix": True, "troubleshooting_dynamodb_fix": "autoscaling"})
    assert proc.returncode == 0, proc.stdout[-3000:]
    targets = sandbox.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="dynamodb", ResourceIds=["table/" + made["table"]])["ScalableTargets"]
    assert sorted((t["ScalableDimension"], t["MinCapacity"], t["MaxCapacity"]) for t in targets) == [
        ("dynamodb:table:ReadCapacityUnits", 5, 100), ("dynamodb:table:WriteCapacityUnits", 5, 100)]


def test_api_5xx_found_and_fixed_by_the_rollback(sandbox, run_playbook):
    made = seeded(sandbox, "api_5xx", "ts-api")
    args = {"troubleshooting_problem": "api_5xx", "troubleshooting_api_name": made["api"],
            "troubleshooting_api_stage": made["stage"], "troubleshooting_function": made["function"],
            "ops_runbooks_lambda_alias": "live"}
    diagnosis = run_playbook("playbooks/troubleshoot.yml", args)
    assert diagnosis.returncode != 0
    result = report(diagnosis, "api_5xx")
    rate = [c for c in result["checks"] if c["resource"].endswith("5xx rate (%)")][0]
    assert rate["status"] == "fail" and "6 > 5" in rate["reason"]
    assert by_check(result)["lambda alias"]["reason"] == "alias live -> version 3"
    fixed = run_playbook("playbooks/troubleshoot.yml", dict(args, troubleshooting_fix=True,
                                                            troubleshooting_health_check={"invoke": {}, "retries": 0}))
    assert fixed.returncode == 0, fixed.stdout[-3000:]
    assert served(sandbox, made["function"]) == "2"
    assert report(fixed, "api_5xx")["changes"] == [{"action": "lambda_rollback", "resource": made["function"] + ":live",
                                                    "from": "3", "to": "2"}]


def test_s3_access_denied_names_the_statement_and_changes_nothing(sandbox, run_playbook):
    made = seeded(sandbox, "s3_access_denied", "ts-s3")
    policy_before = sandbox.client("s3").get_bucket_policy(Bucket=made["bucket"])["Policy"]
    proc = run_playbook("playbooks/troubleshoot.yml", {
        "troubleshooting_problem": "s3_access_denied", "troubleshooting_bucket": made["bucket"],
        "troubleshooting_role_name": made["role_name"], "troubleshooting_fix": True})
    assert proc.returncode != 0
    result = report(proc, "s3_access_denied")
    assert "DenyLambdaReads denies s3:GetObject" in result["fix_plan"][0]["detail"]
    assert '"kms:Decrypt"' in result["fix_plan"][0]["detail"]
    assert result["fix"]["status"] == "no fix: the policy change is in the plan"
    assert sandbox.client("s3").get_bucket_policy(Bucket=made["bucket"])["Policy"] == policy_before


def test_connectivity_probes_the_inventorys_stores(sandbox, run_playbook):
    proc = run_playbook("playbooks/troubleshoot.yml", {"troubleshooting_problem": "connectivity"})
    assert proc.returncode == 0, proc.stdout[-3000:]
    result = report(proc, "connectivity")
    reads = [c for c in result["checks"] if c["check"] == "dynamodb read"]
    assert len(reads) == 5 and all(c["status"] in ("pass", "warn") for c in reads)
    assert [c["status"] for c in result["checks"] if c["check"] == "postgres select 1"] in (["pass"], ["warn"])
    assert {c["resource"] for c in result["checks"] if c["status"] == "skipped"} == {"elasticache", "timestream"}


def test_a_check_mode_fix_is_a_plan_and_changes_nothing(sandbox, run_playbook):
    made = seeded(sandbox, "lambda_timeout", "ts-check")
    proc = run_playbook("playbooks/troubleshoot.yml", {
        "troubleshooting_problem": "lambda_timeout", "troubleshooting_function": made["function"],
        "troubleshooting_fix": True, "ops_runbooks_lambda_alias": "live",
        "troubleshooting_fail_on_failure": False}, check=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    plan = json.loads((proc.reports / "troubleshoot-lambda_timeout-local-plan.json").read_text())
    assert plan["plan"] is True and plan["fix"]["status"] == "planned (check mode)" and plan["changes"] == []
    assert configuration(sandbox, made["function"])[:2] == (30, 512) and served(sandbox, made["function"]) == "1"
