# -*- coding: utf-8 -*-
"""dynamodb_backup against the emulator: backups and PITR are read back from the emulator after every run."""
from __future__ import annotations

import gzip
import json
import re

import pytest

from iam import assert_denied, documented_actions, policy
from test_dynamodb_restore import make_table


def names(ddb, table):
    return sorted(b["BackupName"] for b in ddb.list_backups(TableName=table)["BackupSummaries"])


def pitr(ddb, table):
    return ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]


@pytest.fixture
def ddb(aws):
    return aws("dynamodb")


def test_backup_by_age_is_idempotent_and_pitr_is_managed(ddb, run_module):
    table = make_table(ddb, items=2)[0]
    args = {"table_name": table, "pitr": "enabled", "max_backup_age": "24h"}
    planned = run_module("dynamodb_backup", args, check_mode=True, diff=True)
    assert planned["changed"] is True and names(ddb, table) == [] and pitr(ddb, table) == "DISABLED"
    assert planned["pitr"] == {"before": "disabled", "after": "enabled"}
    first = run_module("dynamodb_backup", args)
    second = run_module("dynamodb_backup", args)
    assert first["changed"] is True and second["changed"] is False
    [created] = first["backups_created"]
    assert re.match(r"^%s-\d{8}-\d{6}\.ops-runbooks$" % re.escape(table), created["backup_name"])
    assert names(ddb, table) == [created["backup_name"]]  # exactly one backup after two runs
    assert pitr(ddb, table) == "ENABLED"
    assert second["newest_backup"]["backup_name"] == created["backup_name"]
    # the run as the backup report's line (the role reports it as it is)
    [check] = first["checks"]
    assert (check["resource"], check["check"], check["status"], check["expected"]) == (table, "backup", "pass", "24h")
    assert check["reason"] == "PITR enabled; newest backup %s; created %s; deleted none" % (
        created["backup_name"], created["backup_name"])
    assert second["checks"][0]["reason"].endswith("; created none; deleted none")


def test_retention_never_deletes_a_backup_with_a_foreign_name(ddb, run_module):
    """#30: a person's backup named <table>-yyyymmdd-HHMMSS (runbook 004's own shape) was deleted as the module's."""
    table = make_table(ddb, items=1)[0]
    ddb.create_backup(TableName=table, BackupName="manual-before-migration")
    ddb.create_backup(TableName=table, BackupName=table + "-20191231-000000")  # a person's, in the timestamp shape
    ddb.create_backup(TableName=table, BackupName=table + "-20200101-000000.ops-runbooks")
    ddb.create_backup(TableName=table, BackupName=table + "-20200102-000000.ops-runbooks")
    result = run_module("dynamodb_backup", {"table_name": table, "force_backup": True, "retain": 1})
    assert not result.get("failed"), result["msg"]
    kept = names(ddb, table)
    assert "manual-before-migration" in kept and table + "-20191231-000000" in kept
    assert len(kept) == 3 and result["backups_created"][0]["backup_name"] in kept
    assert sorted(b["backup_name"] for b in result["backups_deleted"]) == [
        table + "-20200101-000000.ops-runbooks", table + "-20200102-000000.ops-runbooks"]


def test_disable_pitr_and_export_requires_it(ddb, run_module):
    table = make_table(ddb, items=1, pitr=True)[0]
    off = run_module("dynamodb_backup", {"table_name": table, "pitr": "disabled"})
    assert off["changed"] is True and pitr(ddb, table) == "DISABLED"
    refused = run_module("dynamodb_backup", {"table_name": table, "export_to_s3": {"bucket": "ai-investment-backtests"}})
    assert refused["failed"] is True and "point-in-time recovery must be enabled" in refused["msg"]


def test_export_with_pitr_off_changes_nothing_before_it_fails(ddb, run_module):
    """Every option combination is decided before the first change: no PITR switch, no backup, then a failure."""
    table = make_table(ddb, items=1, pitr=True)[0]
    export = {"bucket": "ai-investment-backtests"}
    refused = run_module("dynamodb_backup", {"table_name": table, "pitr": "disabled", "force_backup": True,
                                             "export_to_s3": export})
    assert refused["failed"] is True and refused["msg"].startswith("export_to_s3: ")
    assert pitr(ddb, table) == "ENABLED" and names(ddb, table) == []
    table_off = make_table(ddb, items=1)[0]  # PITR off on the table, pitr left unchanged
    refused = run_module("dynamodb_backup", {"table_name": table_off, "force_backup": True, "export_to_s3": export})
    assert refused["failed"] is True and "point-in-time recovery must be enabled" in refused["msg"]
    assert names(ddb, table_off) == []


@pytest.mark.parametrize("export_format", ["DYNAMODB_JSON", "ION"])
def test_export_to_s3(ddb, aws, run_module, export_format):
    """The export holds every item of the table (the data files' lines), not merely some object. (The emulator
    writes DynamoDB JSON lines for both formats; the format asked for is checked on the export's description.)"""
    table = make_table(ddb, items=3, pitr=True)[0]
    result = run_module("dynamodb_backup", {"table_name": table, "wait": True, "wait_timeout": 60, "export_to_s3": {
        "bucket": "ai-investment-backtests", "prefix": "exports/%s" % table, "export_format": export_format}})
    assert not result.get("failed"), result["msg"]
    assert result["export"]["status"] == "COMPLETED" and result["export"]["export_arn"]
    s3 = aws("s3")
    listing = s3.list_objects_v2(Bucket="ai-investment-backtests", Prefix="exports/%s/" % table)
    data = [o["Key"] for o in listing.get("Contents", []) if "/data/" in o["Key"]]
    items = [json.loads(line)["Item"] for key in data for line in gzip.decompress(
        s3.get_object(Bucket="ai-investment-backtests", Key=key)["Body"].read()).decode().splitlines() if line]
    assert sorted(i["pk"]["S"] for i in items) == ["item-000", "item-001", "item-002"]
    described = ddb.describe_export(ExportArn=result["export"]["export_arn"])["ExportDescription"]
    assert described["ExportFormat"] == export_format


@pytest.mark.parametrize("args, message", [
    ({"max_backup_age": "yesterday"}, "max_backup_age"),
    ({"retain": 0}, "retain: 0 must be 1 or more"),
    ({"table_name": "nope-table"}, "table nope-table not found"),
])
def test_bad_input(ddb, run_module, args, message):
    table = make_table(ddb, items=1)[0]
    result = run_module("dynamodb_backup", dict({"table_name": table}, **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("dynamodb_backup")
    assert set(actions) == {"dynamodb:DescribeContinuousBackups", "dynamodb:ListBackups",
                            "dynamodb:UpdateContinuousBackups", "dynamodb:CreateBackup", "dynamodb:DescribeBackup",
                            "dynamodb:DeleteBackup", "dynamodb:DescribeTable", "dynamodb:ExportTableToPointInTime",
                            "dynamodb:DescribeExport"}
    ddb = iam_sandbox.client("dynamodb")

    def main_path():
        table = make_table(ddb, items=1)[0]
        ddb.create_backup(TableName=table, BackupName=table + "-20200101-000000.ops-runbooks")
        return {"table_name": table, "pitr": "enabled", "force_backup": True, "retain": 1,
                "export_to_s3": {"bucket": "ai-investment-backtests", "prefix": "lp/"}}

    allowed = run_module_iam("dynamodb_backup", main_path(), iam_sandbox.iam_user(policy(actions)))
    assert not allowed.get("failed"), allowed["msg"]
    for missing in actions:
        denied = run_module_iam("dynamodb_backup", main_path(),
                                iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denied(denied, missing)
