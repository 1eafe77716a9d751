# -*- coding: utf-8 -*-
"""Runbook 002's crypto trading system, environment test, end to end through inventories/local-crypto-trading. The
inventory types none of the system's names: the role fleet resolves them by the Terraform prefix
``test-crypto-trading-`` (tests/sandbox/crypto_trading.py creates them).

Each test asserts what it read or changed in the emulator: the daily health of the prefixed functions and table, the
rollback of one function's alias, the connectivity of the DynamoDB table and the Timestream database (002
"Troubleshooting"), the point-in-time restore of the trades table, the weekly review, and 002 "Managing Secrets" - a
rotation whose refresh reaches what the alias live serves.
"""
from __future__ import annotations

import json

import pytest

import crypto_trading
import functions_as_found
import system_reports

pytestmark = pytest.mark.moto_only("Lambda, DynamoDB, Timestream and Secrets Manager: moto's services")

INVENTORY = system_reports.inventory("local-crypto-trading")


def _report(proc, name):
    return system_reports.report(proc, name, "test")


_statuses = system_reports.statuses


def test_the_daily_health_checks_what_the_prefix_names(run_playbook):
    proc = run_playbook("playbooks/daily_health.yml", inventory=INVENTORY)
    assert proc.returncode == 0, proc.stdout[-3000:]
    statuses = _statuses(_report(proc, "daily_health"))
    for name in crypto_trading.FUNCTIONS:
        assert statuses[(name, "lambda state")] == "pass" and statuses[(name, "lambda alias")] == "pass"
    assert statuses[("prefix test-crypto-trading-", "discovery")] == "pass"
    assert statuses[(crypto_trading.TABLE, "table status")] == "pass"
    assert statuses[("cloudwatch", "alarms in ALARM")] == "pass"  # the system's alarms: test-crypto-trading-*
    assert not [key for key in statuses if key[0].startswith("ai-investment") or key[0].startswith("agenticai")]


def test_a_rollback_moves_the_alias_and_records_itself_in_a_tag(run_playbook, aws):
    lam, function = aws("lambda"), crypto_trading.PREFIX + "order-executor"
    arn = lam.get_function_configuration(FunctionName=function)["FunctionArn"]
    with functions_as_found.as_found(lam, [function]):
        proc = run_playbook("playbooks/lambda_rollback.yml", {"lambda_rollback_functions": [function],
                                                              "ops_runbooks_confirm": True}, inventory=INVENTORY)
        assert proc.returncode == 0, proc.stdout[-3000:]
        alias = lam.get_alias(FunctionName=function, Name="live")
        assert alias["FunctionVersion"] == "1" and alias.get("Description", "") == ""
        assert lam.list_tags(Resource=arn)["Tags"]["ops.runbooks:rollback:live"].startswith(
            "ops.runbooks rollback from=2 to=1 at=")


def test_connectivity_reaches_the_table_and_the_timestream_database(run_playbook):
    proc = run_playbook("playbooks/troubleshoot.yml", {"troubleshooting_problem": "connectivity"}, inventory=INVENTORY)
    assert proc.returncode == 0, proc.stdout[-3000:]
    statuses = _statuses(_report(proc, "troubleshoot-connectivity"))
    assert statuses[(crypto_trading.TIMESTREAM_DATABASE, "timestream database")] == "pass"
    assert statuses[(crypto_trading.TABLE, "dynamodb read")] == "pass"


def test_a_point_in_time_restore_of_the_trades_table(run_playbook, aws):
    ddb, target = aws("dynamodb"), crypto_trading.TABLE + "-restored"
    try:
        proc = run_playbook("playbooks/dynamodb_restore.yml", {
            "dynamodb_restore_source_table": crypto_trading.TABLE, "dynamodb_restore_use_latest_restorable_time": True,
            "ops_runbooks_confirm": True}, inventory=INVENTORY)
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert ddb.scan(TableName=target, Select="COUNT")["Count"] == 6
    finally:
        if target in ddb.list_tables()["TableNames"]:
            ddb.delete_table(TableName=target)


def test_the_weekly_review_reads_the_prefixed_functions(run_playbook):
    proc = run_playbook("playbooks/weekly_review.yml", inventory=INVENTORY)
    assert proc.returncode == 0, proc.stdout[-3000:]
    statuses = _statuses(_report(proc, "weekly_review"))
    for name in crypto_trading.FUNCTIONS:
        assert statuses[(name, "duration")] == "pass"
    # the system's own queue only: discovered by its prefix, not every queue of the (shared) account
    assert [r for (r, c) in statuses if c == "queue depth"] == [crypto_trading.PREFIX + "orders"]


def test_a_secret_rotation_reaches_what_the_alias_serves(run_playbook, aws):
    """Runbook 002 "Managing Secrets": update the secret, then FORCE_REFRESH the functions - through the alias live
    (a version published with it), with the inventory's secret and functions, no value in the output."""
    lam, sm = aws("lambda"), aws("secretsmanager")
    refreshed = [crypto_trading.PREFIX + "api", crypto_trading.PREFIX + "order-executor"]
    before = json.loads(sm.get_secret_value(SecretId=crypto_trading.SECRET)["SecretString"])
    try:
        with functions_as_found.as_found(lam, refreshed):
            _rotate_and_refresh(run_playbook, lam, sm, refreshed, before)
    finally:
        sm.put_secret_value(SecretId=crypto_trading.SECRET, SecretString=json.dumps(before))


def _rotate_and_refresh(run_playbook, lam, sm, refreshed, before):
    proc = run_playbook("playbooks/maintenance.yml", {"maintenance_tasks": ["secrets"]}, inventory=INVENTORY)
    assert proc.returncode == 0, proc.stdout[-3000:]
    after = json.loads(sm.get_secret_value(SecretId=crypto_trading.SECRET)["SecretString"])
    assert after["api_key"] != before["api_key"] and after["api_secret"] == before["api_secret"]
    assert after["api_key"] not in proc.stdout + proc.stderr
    current = [v for v, stages in sm.describe_secret(SecretId=crypto_trading.SECRET)["VersionIdsToStages"].items()
               if "AWSCURRENT" in stages][0]
    for function in refreshed:
        served = lam.get_alias(FunctionName=function, Name="live")["FunctionVersion"]
        assert served not in ("1", "2")
        variables = lam.get_function_configuration(FunctionName=function, Qualifier=served)["Environment"][
            "Variables"]
        assert variables == {"TRADES_TABLE": crypto_trading.TABLE, "FORCE_REFRESH": current}
