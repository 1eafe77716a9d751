# -*- coding: utf-8 -*-
"""dynamodb_restore against the emulator: restored tables are read back (items, settings) after every run.

The emulator's PITR window stays at the time PITR was enabled (Earliest == Latest) and its point-in-time restore
ignores the time; tests restore to exactly that time, and the window validation against other times is unit-tested
with Stubber (tests/unit/plugins/modules/test_dynamodb_restore_logic.py).
"""
from __future__ import annotations

import uuid

import pytest

from iam import assert_denied, documented_actions, policy

ROLE = "arn:aws:iam::123456789012:role/ai-investment-lambda-exec"


def make_table(ddb, items=5, pitr=False, backup=False, ttl=False, tags=None, stream=False):
    name = "rs-" + uuid.uuid4().hex[:10]
    extra = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}} if stream else {}
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST", Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
                     **extra)
    for i in range(items):
        ddb.put_item(TableName=name, Item={"pk": {"S": "item-%03d" % i}, "n": {"N": str(i)}})
    if pitr:
        ddb.update_continuous_backups(TableName=name,
                                      PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    if ttl:
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    arn = ddb.create_backup(TableName=name, BackupName=name + "-bk")["BackupDetails"]["BackupArn"] if backup else None
    return name, arn


def keys(ddb, name):
    return sorted(i["pk"]["S"] for i in ddb.scan(TableName=name)["Items"])


@pytest.fixture
def ddb(aws):
    return aws("dynamodb")


def test_restore_from_backup_arn_holds_the_items_at_backup_time(ddb, run_module):
    source, arn = make_table(ddb, items=4, backup=True)
    ddb.put_item(TableName=source, Item={"pk": {"S": "after-backup"}})
    target = source + "-r"
    result = run_module("dynamodb_restore", {"backup_arn": arn, "target_table_name": target,
                                             "verify": {"min_item_count": 4, "sample_keys": [{"pk": "item-003"}]}})
    assert not result.get("failed"), result["msg"]
    assert keys(ddb, target) == ["item-000", "item-001", "item-002", "item-003"]
    assert result["changed"] is True and result["restore"]["source_type"] == "backup"
    assert result["restore"]["backup_arn"] == arn and result["restore"]["created"] is True
    assert result["table"]["table_status"] == "ACTIVE" and result["table"]["table_name"] == target
    assert result["verification"]["passed"] is True and result["verification"]["item_count"] == 4
    # re-run: the same restore, nothing created, verification runs again
    again = run_module("dynamodb_restore", {"backup_arn": arn, "target_table_name": target,
                                            "verify": {"min_item_count": 4}})
    assert again["changed"] is False and again["restore"]["created"] is False
    assert again["verification"]["item_count"] == 4 and "already the product" in again["msg"]


def test_restore_from_latest_backup(ddb, run_module):
    source, _first = make_table(ddb, items=2, backup=True)
    ddb.put_item(TableName=source, Item={"pk": {"S": "later"}})
    newest = ddb.create_backup(TableName=source, BackupName="newest")["BackupDetails"]["BackupArn"]
    result = run_module("dynamodb_restore", {"source_table_name": source, "target_table_name": source + "-r",
                                             "latest_backup": True})
    assert result["restore"]["backup_arn"] == newest
    assert keys(ddb, source + "-r") == ["item-000", "item-001", "later"]


def test_restore_to_a_time_and_to_latest_restorable_time(ddb, run_module):
    source = make_table(ddb, items=3, pitr=True)[0]
    window = ddb.describe_continuous_backups(TableName=source)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]
    when = window["LatestRestorableDateTime"].isoformat()
    at_time = run_module("dynamodb_restore", {"source_table_name": source, "target_table_name": source + "-t",
                                              "restore_date_time": when})
    assert not at_time.get("failed"), at_time["msg"]
    assert at_time["restore"]["source_type"] == "point_in_time"
    assert keys(ddb, source + "-t") == ["item-000", "item-001", "item-002"]
    latest = run_module("dynamodb_restore", {"source_table_name": source, "target_table_name": source + "-l",
                                             "use_latest_restorable_time": True,
                                             "verify": {"expected_item_count_of_source": True}})
    assert not latest.get("failed"), latest["msg"]
    assert latest["verification"]["source_item_count"] == 3 and latest["verification"]["item_count"] == 3
    again = run_module("dynamodb_restore", {"source_table_name": source, "target_table_name": source + "-l",
                                            "use_latest_restorable_time": True})
    assert again["changed"] is False


def test_existing_unrelated_target_fails_and_is_untouched(ddb, run_module):
    source, arn = make_table(ddb, items=2, backup=True)
    other = make_table(ddb, items=7)[0]
    result = run_module("dynamodb_restore", {"backup_arn": arn, "target_table_name": other})
    assert result["failed"] is True and "already exists and is not the product of this restore" in result["msg"]
    assert len(keys(ddb, other)) == 7
    # a restore of another backup of the same table is not "the same restore" either
    restored = source + "-r"
    assert not run_module("dynamodb_restore", {"backup_arn": arn, "target_table_name": restored}).get("failed")
    second = ddb.create_backup(TableName=source, BackupName="second")["BackupDetails"]["BackupArn"]
    clash = run_module("dynamodb_restore", {"backup_arn": second, "target_table_name": restored})
    assert clash["failed"] is True and "never overwritten" in clash["msg"]


def test_check_mode_creates_nothing(ddb, run_module):
    source, arn = make_table(ddb, items=2, backup=True)
    result = run_module("dynamodb_restore", {"backup_arn": arn, "target_table_name": source + "-r"}, check_mode=True)
    assert result["changed"] is True and result["restore"]["created"] is False
    assert "would restore" in result["msg"]
    assert source + "-r" not in ddb.list_tables()["TableNames"]


def test_reapply_copies_ttl_pitr_tags_and_stream(ddb, run_module):
    source, arn = make_table(ddb, items=1, pitr=True, backup=True, ttl=True, tags={"team": "data", "env": "local"},
                             stream=True)
    target = source + "-r"
    result = run_module("dynamodb_restore", {"backup_arn": arn, "target_table_name": target,
                                             "reapply": ["ttl", "pitr", "tags", "stream"]})
    assert not result.get("failed"), result["msg"]
    assert set(result["reapplied"]) == {"ttl", "pitr", "tags", "stream"}
    assert ddb.describe_time_to_live(TableName=target)["TimeToLiveDescription"]["AttributeName"] == "expires"
    assert ddb.describe_continuous_backups(TableName=target)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    arn_target = ddb.describe_table(TableName=target)["Table"]["TableArn"]
    assert {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn_target)["Tags"]} == {
        "team": "data", "env": "local"}
    assert ddb.describe_table(TableName=target)["Table"]["StreamSpecification"]["StreamEnabled"] is True
    again = run_module("dynamodb_restore", {"backup_arn": arn, "target_table_name": target,
                                            "reapply": ["ttl", "pitr", "tags", "stream"]})
    assert again["changed"] is False and again["reapplied"] == {}


def test_failed_verification_keeps_the_table_and_switches_nothing(ddb, aws, run_module):
    source, arn = make_table(ddb, items=2, backup=True)
    function = _function(aws("lambda"), {"TABLE_NAME": source})
    result = run_module("dynamodb_restore", {
        "backup_arn": arn, "target_table_name": source + "-r",
        "verify": {"min_item_count": 3, "sample_keys": [{"pk": "item-000"}, {"pk": "nope"}]},
        "switch_lambda_env": [{"function_name": function, "variable": "TABLE_NAME"}]})
    assert result["failed"] is True and "verification of %s-r failed" % source in result["msg"]
    assert result["verification"]["missing_sample_keys"] == [{"pk": "nope"}]
    assert "2 items, at least 3 expected" in result["msg"]
    assert source + "-r" in ddb.list_tables()["TableNames"]
    assert _env(aws("lambda"), function)["TABLE_NAME"] == source


def _function(lam, variables):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "def handler(e, c):\n    return 1\n")
    name = "rs-fn-" + uuid.uuid4().hex[:8]
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": buf.getvalue()}, Environment={"Variables": variables})
    return name


def _env(lam, name):
    return lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]


def test_switch_lambda_env_changes_only_the_named_variable(ddb, aws, run_module):
    source, arn = make_table(ddb, items=2, backup=True)
    lam = aws("lambda")
    function = _function(lam, {"TABLE_NAME": source, "LOG_LEVEL": "INFO", "OTHER_TABLE": source})
    args = {"backup_arn": arn, "target_table_name": source + "-r", "verify": {"min_item_count": 2},
            "switch_lambda_env": [{"function_name": function, "variable": "TABLE_NAME"}]}
    result = run_module("dynamodb_restore", args)
    assert not result.get("failed"), result["msg"]
    assert _env(lam, function) == {"TABLE_NAME": source + "-r", "LOG_LEVEL": "INFO", "OTHER_TABLE": source}
    assert result["switched"] == [{"function_name": function, "variable": "TABLE_NAME", "previous": source,
                                   "current": source + "-r"}]
    again = run_module("dynamodb_restore", args)
    assert again["changed"] is False and again["switched"] == []


def test_a_missing_function_to_switch_fails_before_any_restore(ddb, aws, run_module):
    source, arn = make_table(ddb, items=2, backup=True)
    function = _function(aws("lambda"), {"TABLE_NAME": source})
    result = run_module("dynamodb_restore", {
        "backup_arn": arn, "target_table_name": source + "-r",
        "switch_lambda_env": [{"function_name": function, "variable": "TABLE_NAME"},
                              {"function_name": "no-such-function-x", "variable": "TABLE_NAME"}]})
    assert result["failed"] is True and "switch_lambda_env: function no-such-function-x not found" in result["msg"]
    assert source + "-r" not in ddb.list_tables()["TableNames"]  # nothing restored
    assert _env(aws("lambda"), function) == {"TABLE_NAME": source}  # nothing switched


@pytest.mark.parametrize("args, message", [
    ({"backup_arn": "arn:aws:dynamodb:eu-central-1:123456789012:table/x"}, "backup_arn: 'arn:aws:dynamodb"),
    ({"backup_arn": "not-an-arn"}, "is not a DynamoDB backup ARN"),
    ({"latest_backup": True, "restore_date_time": "2h"}, "exactly one restore source"),
    ({}, "exactly one restore source"),
    ({"restore_date_time": "last tuesday"}, "restore_date_time: 'last tuesday' is neither an ISO 8601"),
    ({"restore_date_time": "2999-01-01T00:00:00Z"}, "is in the future"),
    ({"restore_date_time": "99999999999d"}, "restore_date_time: '99999999999d' is longer than the longest duration"),
    ({"restore_date_time": "0001-01-01T00:00:00+05:00"}, "is out of the range of dates"),
    ({"restore_date_time": "2000-01-01T00:00:00Z"}, "outside the PITR window"),
    ({"verify": {"min_item_count": -1}, "latest_backup": True}, "verify.min_item_count"),
    ({"wait": False, "verify": {"min_item_count": 1}, "latest_backup": True}, "wait=false"),
])
def test_bad_input_fails_clearly(ddb, run_module, args, message):
    source = make_table(ddb, items=1, pitr=True, backup=True)[0]
    result = run_module("dynamodb_restore", dict({"source_table_name": source, "target_table_name": source + "-x"},
                                                 **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert source + "-x" not in ddb.list_tables()["TableNames"]


def test_backup_of_another_table_unknown_table_and_no_pitr(ddb, run_module):
    one, arn = make_table(ddb, items=1, backup=True)
    two = make_table(ddb, items=1)[0]
    wrong = run_module("dynamodb_restore", {"source_table_name": two, "backup_arn": arn, "target_table_name": two + "-r"})
    assert wrong["failed"] is True and "belongs to table %s, not to source_table_name %s" % (one, two) in wrong["msg"]
    missing = run_module("dynamodb_restore", {"source_table_name": "rs-missing", "latest_backup": True,
                                              "target_table_name": "rs-missing-r"})
    assert missing["failed"] is True and "source table rs-missing not found" in missing["msg"]
    no_pitr = run_module("dynamodb_restore", {"source_table_name": two, "use_latest_restorable_time": True,
                                              "target_table_name": two + "-r"})
    assert no_pitr["failed"] is True and "point-in-time recovery is not enabled" in no_pitr["msg"]
    no_backup = run_module("dynamodb_restore", {"source_table_name": two, "latest_backup": True,
                                                "target_table_name": two + "-r"})
    assert no_backup["failed"] is True and "no AVAILABLE on-demand backup" in no_backup["msg"]


# The least-privilege proof runs the two main paths; together they use every documented action.
BACKUP_PATH_ACTIONS = {"dynamodb:DescribeTable", "dynamodb:ListBackups", "dynamodb:RestoreTableFromBackup",
                       "dynamodb:Scan", "dynamodb:GetItem", "dynamodb:DescribeTimeToLive", "dynamodb:UpdateTimeToLive",
                       "dynamodb:DescribeContinuousBackups", "dynamodb:UpdateContinuousBackups",
                       "dynamodb:ListTagsOfResource", "dynamodb:TagResource", "dynamodb:UpdateTable",
                       "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionConfiguration"}
ARN_PATH_ACTIONS = {"dynamodb:DescribeTable", "dynamodb:DescribeBackup", "dynamodb:RestoreTableFromBackup"}
PITR_PATH_ACTIONS = {"dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups",
                     "dynamodb:RestoreTableToPointInTime"}


def test_least_privilege_policy_is_enough_and_each_action_is_needed(iam_sandbox, run_module_iam):
    actions = documented_actions("dynamodb_restore")
    assert set(actions) == BACKUP_PATH_ACTIONS | ARN_PATH_ACTIONS | PITR_PATH_ACTIONS
    ddb, lam = iam_sandbox.client("dynamodb"), iam_sandbox.client("lambda")

    def backup_path():
        source = make_table(ddb, items=2, pitr=True, backup=True, ttl=True, tags={"a": "b"}, stream=True)[0]
        function = _function(lam, {"TABLE_NAME": source})
        return source, {"source_table_name": source, "target_table_name": source + "-r", "latest_backup": True,
                        "reapply": ["ttl", "pitr", "tags", "stream"],
                        "verify": {"min_item_count": 2, "sample_keys": [{"pk": "item-000"}]},
                        "switch_lambda_env": [{"function_name": function, "variable": "TABLE_NAME"}]}

    def arn_path():
        source, arn = make_table(ddb, items=1, backup=True)
        return source, {"backup_arn": arn, "target_table_name": source + "-r"}

    def pitr_path():
        source = make_table(ddb, items=1, pitr=True)[0]
        return source, {"source_table_name": source, "target_table_name": source + "-r",
                        "use_latest_restorable_time": True}

    for path, needed in ((backup_path, BACKUP_PATH_ACTIONS), (arn_path, ARN_PATH_ACTIONS),
                         (pitr_path, PITR_PATH_ACTIONS)):
        source, args = path()
        allowed = run_module_iam("dynamodb_restore", args, iam_sandbox.iam_user(policy(actions)))
        assert not allowed.get("failed"), allowed["msg"]
        assert source + "-r" in ddb.list_tables()["TableNames"]
        for missing in sorted(needed):
            source, args = path()
            denied = run_module_iam("dynamodb_restore", args,
                                    iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
            assert_denied(denied, missing)
