# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DynamoDB reads shared by the backup and restore modules: tables, backups, PITR window, item counts."""

from __future__ import annotations

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.common import pages

# arn:aws:dynamodb:eu-central-1:123456789012:table/orders/backup/01700000000000-abcdef12
_BACKUP_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/(?P<table>[A-Za-z0-9_.-]{3,255})/backup/(?P<id>[0-9]{14,}-[0-9a-z]{8,})$"
)


class NotFound(Exception):
    """A table or backup that does not exist."""


def backup_table_name(arn):
    """The table name in a backup ARN; ValueError for anything that is not a DynamoDB backup ARN."""
    match = _BACKUP_ARN_RE.match(arn or "")
    if not match:
        raise ValueError("backup_arn: %r is not a DynamoDB backup ARN "
                         "(arn:aws:dynamodb:<region>:<account>:table/<table>/backup/<id>)" % (arn,))
    return match.group("table")


def describe_table(client, name):
    """The table description, or None when the table does not exist."""
    try:
        return client.describe_table(aws_retry=True, TableName=name)["Table"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def require_table(client, name, what="table"):
    table = describe_table(client, name)
    if table is None:
        raise NotFound("%s %s not found" % (what, name))
    return table


def describe_backup(client, arn):
    try:
        return client.describe_backup(aws_retry=True, BackupArn=arn)["BackupDescription"]
    except is_boto3_error_code(("BackupNotFoundException", "ResourceNotFoundException")):
        raise NotFound("backup %s not found" % arn) from None


def list_backups(client, table_name):
    """Every on-demand backup summary of a table (all pages), newest first."""
    backups = []
    for page in pages(client.list_backups, "LastEvaluatedBackupArn", "ExclusiveStartBackupArn",
                      TableName=table_name, BackupType="ALL"):
        backups.extend(page.get("BackupSummaries", []))
    return sorted(backups, key=lambda b: b["BackupCreationDateTime"], reverse=True)


def newest_available_backup(client, table_name):
    for backup in list_backups(client, table_name):
        if backup.get("BackupStatus") == "AVAILABLE":
            return backup
    return None


def pitr_status(client, table_name):
    """``{enabled, earliest, latest}`` of a table's point-in-time recovery (times aware, None when disabled)."""
    try:
        desc = client.describe_continuous_backups(aws_retry=True, TableName=table_name)["ContinuousBackupsDescription"]
    except is_boto3_error_code(("TableNotFoundException", "ResourceNotFoundException")):
        raise NotFound("table %s not found" % table_name) from None
    pitr = desc.get("PointInTimeRecoveryDescription") or {}
    return {
        "enabled": pitr.get("PointInTimeRecoveryStatus") == "ENABLED",
        "earliest": pitr.get("EarliestRestorableDateTime"),
        "latest": pitr.get("LatestRestorableDateTime"),
    }


def count_items(client, table_name):
    """Exact item count by a paginated ``Scan`` with ``Select=COUNT`` (DescribeTable's ItemCount lags by hours)."""
    scanned = pages(client.scan, "LastEvaluatedKey", "ExclusiveStartKey", TableName=table_name, Select="COUNT")
    return sum(page.get("Count", 0) for page in scanned)
