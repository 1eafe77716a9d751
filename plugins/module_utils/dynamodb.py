# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DynamoDB reads and waits shared by the backup and restore modules: tables, backups, PITR, tags, item counts."""

from __future__ import annotations

import re

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import wait_with_waiter

# The resource part of a backup ARN: table/orders/backup/01700000000000-abcdef12
_BACKUP_RESOURCE_RE = re.compile(r"^table/(?P<table>[A-Za-z0-9_.-]{3,255})/backup/(?P<id>[0-9]{14,}-[0-9a-z]{8,})$")


def backup_table_name(arn):
    """The table name in a backup ARN; InvalidInput for anything that is not a DynamoDB backup ARN."""
    parts = parse_aws_arn(arn or "") or {}
    match = _BACKUP_RESOURCE_RE.match(parts.get("resource", "")) if parts.get("service") == "dynamodb" else None
    if not match or not parts.get("region") or not re.match(r"^\d{12}$", parts.get("account_id", "")):
        raise InvalidInput("backup_arn: %r is not a DynamoDB backup ARN "
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
    backups = paginate(client, "list_backups", TableName=table_name, BackupType="ALL").get("BackupSummaries", [])
    return sorted(backups, key=lambda b: b["BackupCreationDateTime"], reverse=True)


def newest_available_backup(backups):
    """The newest AVAILABLE backup of a ``list_backups`` answer, or None."""
    return next((b for b in backups if b.get("BackupStatus") == "AVAILABLE"), None)


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


def table_tags(client, arn):
    """The tags of a table as a dict (all pages)."""
    return boto3_tag_list_to_ansible_dict(paginate(client, "list_tags_of_resource", ResourceArn=arn).get("Tags", []))


def count_items(client, table_name):
    """Exact item count by a paginated ``Scan`` with ``Select=COUNT`` (DescribeTable's ItemCount lags by hours)."""
    return paginate(client, "scan", TableName=table_name, Select="COUNT").get("Count", 0)


def wait_table_active(client, name, timeout):
    """Wait until a (restored) table is ACTIVE and no longer restoring; its description."""
    wait_with_waiter(client, "dynamodb_restored_table_active", timeout, "table %s to be ACTIVE" % name, pause=5,
                     custom=True, TableName=name)
    return require_table(client, name)


def wait_backup_available(client, arn, name, timeout):
    wait_with_waiter(client, "dynamodb_backup_available", timeout, "backup %s to be AVAILABLE" % name, custom=True,
                     BackupArn=arn)


def wait_export_completed(client, arn, timeout):
    """Wait until an export is COMPLETED (the waiter's only success state); its final status."""
    wait_with_waiter(client, "export_completed", timeout, "export %s to be COMPLETED" % arn, ExportArn=arn)
    return "COMPLETED"
