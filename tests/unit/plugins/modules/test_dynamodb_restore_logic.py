# -*- coding: utf-8 -*-
"""Unit tests of dynamodb_restore's source resolution.

The emulator keeps Earliest/LatestRestorableDateTime at the moment PITR was enabled and ignores the restore time,
so the PITR window validation is tested here with botocore's Stubber and a realistic 35-day window.
"""
from __future__ import annotations

import datetime

import pytest
from stubbed import retrying
from stubbed import client as make_client
from botocore.stub import Stubber

from ansible_collections.ops.runbooks.plugins.module_utils import errors
from ansible_collections.ops.runbooks.plugins.module_utils import dynamodb
from ansible_collections.ops.runbooks.plugins.modules import dynamodb_restore

UTC = datetime.timezone.utc
NOW = datetime.datetime.now(UTC)
TABLE_ARN = "arn:aws:dynamodb:eu-central-1:123456789012:table/orders"
ARN = TABLE_ARN + "/backup/01700000000000-abcdef12"


def _params(**kw):
    base = {"source_table_name": "orders", "target_table_name": "orders-r", "backup_arn": None,
            "latest_backup": False, "restore_date_time": None, "use_latest_restorable_time": False,
            "wait": True, "wait_timeout": 60, "reapply": [], "verify": None, "switch_lambda_env": []}
    base.update(kw)
    return base


def _resolve(when, earliest=NOW - datetime.timedelta(days=35), latest=NOW - datetime.timedelta(minutes=5),
             enabled=True):
    client = make_client("dynamodb")
    with Stubber(client) as stub:
        stub.add_response("describe_table", {"Table": {"TableName": "orders", "TableArn": TABLE_ARN,
                                                       "TableStatus": "ACTIVE"}}, {"TableName": "orders"})
        pitr = {"PointInTimeRecoveryStatus": "ENABLED" if enabled else "DISABLED"}
        if enabled:
            pitr.update(EarliestRestorableDateTime=earliest, LatestRestorableDateTime=latest)
        stub.add_response("describe_continuous_backups", {"ContinuousBackupsDescription": {
            "ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": pitr}}, {"TableName": "orders"})
        return dynamodb_restore.resolve_source(retrying(client), _params(restore_date_time=when))


def test_time_inside_the_window():
    when = (NOW - datetime.timedelta(days=2)).replace(microsecond=0)
    plan = _resolve(when.isoformat())
    assert plan["source_type"] == "point_in_time" and plan["_when"] == when
    assert plan["restore_date_time"] == when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_relative_age_inside_the_window():
    plan = _resolve("2h")
    assert abs((NOW - datetime.timedelta(hours=2) - plan["_when"]).total_seconds()) < 60


@pytest.mark.parametrize("when, message", [
    ((NOW - datetime.timedelta(days=40)).isoformat(), "outside the PITR window"),
    ("1m", "outside the PITR window"),  # newer than LatestRestorableDateTime (5 minutes ago)
    ((NOW + datetime.timedelta(hours=1)).isoformat(), "is in the future"),
    ("yesterday", "neither an ISO 8601 timestamp nor a relative age"),
])
def test_times_refused_before_calling_aws(when, message):
    with pytest.raises(errors.OpsRunbooksError, match=message):
        _resolve(when)


def test_pitr_disabled_is_a_clear_error():
    with pytest.raises(errors.OpsRunbooksError, match="point-in-time recovery is not enabled on orders"):
        _resolve("2h", enabled=False)


@pytest.mark.parametrize("arn, table", [
    ("arn:aws:dynamodb:eu-central-1:123456789012:table/orders/backup/01700000000000-abcdef12", "orders"),
    ("arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/a.b_c-d/backup/01795327037968-c96e9bc1", "a.b_c-d"),
])
def test_backup_arn_table(arn, table):
    assert dynamodb.backup_table_name(arn) == table


@pytest.mark.parametrize("arn", ["", "orders", "arn:aws:dynamodb:eu-central-1:123456789012:table/orders",
                                 "arn:aws:s3:::bucket/backup/01700000000000-abcdef12"])
def test_malformed_backup_arn(arn):
    with pytest.raises(errors.InvalidInput, match="backup_arn"):
        dynamodb.backup_table_name(arn)


def test_same_restore_rules():
    plan_backup = {"backup_arn": "b1", "source_table_arn": TABLE_ARN}
    plan_time = {"backup_arn": None, "source_table_arn": TABLE_ARN}
    assert dynamodb_restore.is_same_restore({"RestoreSummary": {"SourceBackupArn": "b1"}}, plan_backup)
    assert not dynamodb_restore.is_same_restore({"RestoreSummary": {"SourceBackupArn": "b2"}}, plan_backup)
    assert not dynamodb_restore.is_same_restore({}, plan_backup)
    assert dynamodb_restore.is_same_restore({"RestoreSummary": {"SourceTableArn": TABLE_ARN}}, plan_time)
    assert not dynamodb_restore.is_same_restore({"RestoreSummary": {"SourceTableArn": TABLE_ARN,
                                                                    "SourceBackupArn": "b1"}}, plan_time)


@pytest.mark.parametrize("params, message", [
    ({"latest_backup": True, "use_latest_restorable_time": True}, "exactly one restore source"),
    ({"target_table_name": "orders", "latest_backup": True}, "must differ from the source"),
    ({"source_table_name": None, "latest_backup": True}, "source_table_name is required"),
    ({"latest_backup": True, "verify": {"min_item_count": 1, "item_count_tolerance": 2.0}}, "item_count_tolerance"),
])
def test_validate(params, message):
    with pytest.raises(errors.OpsRunbooksError, match=message):
        dynamodb_restore.validate(_params(**params))


def test_billing_mode_and_sse_overrides_reach_the_restore_request():
    """billing_mode_override and sse_specification_override (sse_type, kms_master_key_id): the emulator ignores both
    on a restore, so the request itself is checked here with botocore's Stubber."""
    client = make_client("dynamodb")
    params = dict(_params(backup_arn=ARN), target_table_name="orders-r", billing_mode_override="PROVISIONED",
                  sse_specification_override={"enabled": True, "sse_type": "KMS", "kms_master_key_id": "alias/ops"})
    with Stubber(client) as stub:
        stub.add_response("restore_table_from_backup", {}, {
            "TargetTableName": "orders-r", "BackupArn": ARN, "BillingModeOverride": "PROVISIONED",
            "SSESpecificationOverride": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "alias/ops"}})
        dynamodb_restore._send_restore(client, params, {"backup_arn": ARN, "source_type": "backup"})
        stub.assert_no_pending_responses()
