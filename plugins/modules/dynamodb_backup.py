#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dynamodb_backup
short_description: Keep a DynamoDB table's backups fresh - PITR state, on-demand backups by age, retention, S3 export
version_added: 0.1.0
description:
  - A state, not an action - PITR enabled or disabled, an on-demand backup no older than O(max_backup_age) (one is
    created, named C(<table>-<UTC yyyymmdd-HHMMSS>.ops-runbooks), only when the newest AVAILABLE backup is older, so a daily
    schedule re-run changes nothing), the newest O(retain) backups of this module kept, and optionally a
    point-in-time export to S3.
  - >-
    Automates runbook 004 "DynamoDB Backup Procedures" (on-demand backup named with a timestamp, list and describe,
    PITR, export to S3) and runbook 000 "Data Loss Prevention" (continuous backups).
  - >-
    Retention deletes only backups whose names follow this module's pattern for this table
    (C(<table>-yyyymmdd-HHMMSS.ops-runbooks) - the suffix marks them as this module's); a backup with any other name,
    a person's C(<table>-yyyymmdd-HHMMSS) included, is never deleted.
notes:
  - "IAM actions (least privilege): C(dynamodb:DescribeContinuousBackups), C(dynamodb:ListBackups);
    C(dynamodb:UpdateContinuousBackups) (O(pitr)); C(dynamodb:CreateBackup) and C(dynamodb:DescribeBackup)
    (O(max_backup_age), O(force_backup)); C(dynamodb:DeleteBackup) (O(retain)); C(dynamodb:DescribeTable),
    C(dynamodb:ExportTableToPointInTime) and C(dynamodb:DescribeExport) (O(export_to_s3))."
  - An export also needs C(s3:PutObject), C(s3:AbortMultipartUpload) and C(s3:PutObjectAcl) on the target bucket
    (AWS documentation); the emulator does not check them.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  table_name:
    description: The table.
    type: str
    required: true
  pitr:
    description: Point-in-time recovery wanted.
    type: str
    choices: [enabled, disabled, unchanged]
    default: unchanged
  max_backup_age:
    description: Create an on-demand backup when the newest AVAILABLE one is older than this (for example V(24h)).
    type: str
  force_backup:
    description: Create an on-demand backup now whatever the age of the newest (runbook 004 "before major changes").
    type: bool
    default: false
  retain:
    description: Keep the newest N backups named by this module; delete its older ones. Other backups are never touched.
    type: int
  export_to_s3:
    description: Export the table (latest restorable time) to S3. Needs PITR; C(changed) when an export was started.
    type: dict
    suboptions:
      bucket:
        description: Target bucket.
        type: str
        required: true
      prefix:
        description: Key prefix.
        type: str
        default: ""
      export_format:
        description: Format of the export.
        type: str
        choices: [DYNAMODB_JSON, ION]
        default: DYNAMODB_JSON
  wait:
    description: Wait until a created backup is AVAILABLE and a started export is COMPLETED.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 900
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Daily - PITR on, a backup at most a day old, the last 7 kept (a re-run the same day changes nothing)
  ops.runbooks.dynamodb_backup:
    table_name: ai-investment-signals
    pitr: enabled
    max_backup_age: 24h
    retain: 7

- name: Before a major change (runbook 004), plus an export to S3
  ops.runbooks.dynamodb_backup:
    table_name: ai-investment-proposals
    force_backup: true
    export_to_s3:
      bucket: ai-investment-backups
      prefix: exports/proposals/
"""

RETURN = r"""
pitr:
  description: PITR status before and after.
  returned: always
  type: dict
  sample: {before: disabled, after: enabled}
backups_created:
  description: Backups made by this run (in check mode, the names it would use).
  returned: always
  type: list
  elements: dict
  sample: [{backup_name: ai-investment-signals-20261122-060000, backup_arn: "arn:aws:dynamodb:..."}]
backups_deleted:
  description: Backups deleted by retention (in check mode, those it would delete).
  returned: always
  type: list
  elements: dict
newest_backup:
  description: The newest AVAILABLE backup after the run (name, ARN, creation time, age in seconds).
  returned: always
  type: dict
export:
  description: The export started by this run (ARN, status, S3 location).
  returned: when O(export_to_s3) is set
  type: dict
checks:
  description:
    - One C(backup) check of the table in the common check model - PITR after the run, the newest backup, the backups
      made and deleted - the line of the backup report.
  returned: success
  type: list
  elements: dict
"""

import re

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import list_backups
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import newest_available_backup
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import pitr_status
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import require_table
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import wait_backup_available
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import wait_export_completed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import age_seconds
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import isoformat
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow

ARGUMENT_SPEC = dict(
    table_name=dict(type="str", required=True),
    pitr=dict(type="str", choices=["enabled", "disabled", "unchanged"], default="unchanged"),
    max_backup_age=dict(type="str"),
    force_backup=dict(type="bool", default=False),
    retain=dict(type="int"),
    export_to_s3=dict(type="dict", options=dict(
        bucket=dict(type="str", required=True), prefix=dict(type="str", default=""),
        export_format=dict(type="str", choices=["DYNAMODB_JSON", "ION"], default="DYNAMODB_JSON"))),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=900),
)


def validate(params):
    """The checks the argument spec cannot make; returns ``max_backup_age`` in seconds (or None)."""
    max_age = None
    if params["max_backup_age"] is not None:
        max_age = parse_duration(params["max_backup_age"], "max_backup_age")
    if params["retain"] is not None and params["retain"] < 1:
        raise InvalidInput("retain: %d must be 1 or more (retention never deletes every backup)" % params["retain"])
    if params["wait_timeout"] < 0:
        raise InvalidInput("wait_timeout: %d is negative" % params["wait_timeout"])
    if params["export_to_s3"] and params["pitr"] == "disabled":
        raise InvalidInput("export_to_s3: an export needs point-in-time recovery; pitr=disabled turns it off")
    return max_age


# The mark of this module's backups: a name suffix no person chooses (a backup cannot carry tags of its own). A
# person's backup named <table>-yyyymmdd-HHMMSS - the shape runbook 004 itself suggests - is never taken for one.
OWN_SUFFIX = ".ops-runbooks"


def own_name_re(table):
    """Names this module gives backups of ``table``: ``<table>-yyyymmdd-HHMMSS.ops-runbooks`` (nothing else is ever
    deleted)."""
    return re.compile(r"^%s-\d{8}-\d{6}%s$" % (re.escape(table), re.escape(OWN_SUFFIX)))


def backup_name(table, now):
    return "%s-%s%s" % (table, now.strftime("%Y%m%d-%H%M%S"), OWN_SUFFIX)


def summary(backup):
    if not backup:
        return None
    return {"backup_name": backup["BackupName"], "backup_arn": backup["BackupArn"],
            "created": isoformat(backup["BackupCreationDateTime"]),
            "age_seconds": round(age_seconds(backup["BackupCreationDateTime"]), 1)}


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"table_name": "table", "export_to_s3.bucket": "bucket"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    table = params["table_name"]
    ddb = module.retrying_client("dynamodb")
    ddb_once = module.single_attempt_client("dynamodb")
    result = dict(changed=False, backups_created=[], backups_deleted=[])
    with ending_on_error(module, result, "manage the backups of %s" % table):
        max_age = validate(params)
        # 1. PITR: read, and switch when asked.
        try:
            before = pitr_status(ddb, table)
        except NotFound as e:
            raise NotFound("table_name: %s" % e) from None
        pitr_after = {"enabled": True, "disabled": False}.get(params["pitr"], before["enabled"])
        result["pitr"] = {"before": _state(before["enabled"]), "after": _state(pitr_after)}
        if params["export_to_s3"] and not pitr_after:  # decided before the first change, not after it
            raise InvalidInput("export_to_s3: point-in-time recovery must be enabled on %s (pitr=enabled)" % table)
        if pitr_after != before["enabled"]:
            result["changed"] = True
            if not module.check_mode:
                ddb.update_continuous_backups(aws_retry=True, TableName=table, PointInTimeRecoverySpecification={
                    "PointInTimeRecoveryEnabled": pitr_after})
        # 2. An on-demand backup when the newest AVAILABLE one is too old (or when forced).
        backups = list_backups(ddb, table)
        newest = newest_available_backup(backups)
        too_old = max_age is not None and (newest is None or age_seconds(newest["BackupCreationDateTime"]) > max_age)
        if params["force_backup"] or too_old:
            name = backup_name(table, utcnow())
            result["changed"] = True
            if module.check_mode:
                result["backups_created"].append({"backup_name": name, "backup_arn": None})
            else:
                # A lost answer must not become a second backup: look for this name before creating again.
                arn = send_once(
                    lambda: ddb_once.create_backup(TableName=table, BackupName=name)["BackupDetails"]["BackupArn"],
                    lambda: next((b["BackupArn"] for b in list_backups(ddb, table) if b["BackupName"] == name), None))
                result["backups_created"].append({"backup_name": name, "backup_arn": arn})
                if params["wait"]:
                    wait_backup_available(ddb, arn, name, params["wait_timeout"])
                backups = list_backups(ddb, table)
        # 3. Retention: only backups this module named, oldest beyond the newest N.
        if params["retain"] is not None:
            ours = [b for b in backups if own_name_re(table).match(b["BackupName"])]
            planned = [b for b in result["backups_created"] if b["backup_arn"] is None]  # check mode: counts too
            for old in ours[max(0, params["retain"] - len(planned)):]:
                result["changed"] = True
                result["backups_deleted"].append({"backup_name": old["BackupName"], "backup_arn": old["BackupArn"]})
                if not module.check_mode:
                    ddb.delete_backup(aws_retry=True, BackupArn=old["BackupArn"])
            if result["backups_deleted"] and not module.check_mode:
                backups = list_backups(ddb, table)
        result["newest_backup"] = summary(newest_available_backup(backups))
        # 4. Export to S3 (latest restorable time).
        if params["export_to_s3"]:
            result["changed"] = True
            spec = params["export_to_s3"]
            result["export"] = {"bucket": spec["bucket"], "prefix": spec["prefix"], "export_arn": None, "status": None}
            if not module.check_mode:
                table_arn = require_table(ddb, table)["TableArn"]
                export = ddb.export_table_to_point_in_time(aws_retry=True, TableArn=table_arn, S3Bucket=spec["bucket"],
                                                           S3Prefix=spec["prefix"], ExportFormat=spec["export_format"])
                arn = export["ExportDescription"]["ExportArn"]
                result["export"].update(export_arn=arn, status=export["ExportDescription"]["ExportStatus"])
                if params["wait"]:
                    result["export"]["status"] = wait_export_completed(ddb, arn, params["wait_timeout"])
    result["checks"] = [backup_check(params["table_name"], result, params["max_backup_age"])]
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": {"pitr": result["pitr"]["before"]}, "after": {
            "pitr": result["pitr"]["after"], "backups_created": [b["backup_name"] for b in result["backups_created"]],
            "backups_deleted": [b["backup_name"] for b in result["backups_deleted"]]}}
    module.exit_json(**result)


def backup_check(table, result, max_backup_age):
    """The run as the table's ``backup`` check: PITR, the newest backup, what was made and deleted."""
    newest = result.get("newest_backup") or {}
    return checks.make_check(table, "backup", checks.PASS, "PITR %s; newest backup %s; created %s; deleted %s" % (
        result["pitr"]["after"], newest.get("backup_name") or "none",
        ", ".join(b["backup_name"] for b in result["backups_created"]) or "none",
        ", ".join(b["backup_name"] for b in result["backups_deleted"]) or "none"), result.get("newest_backup"),
        max_backup_age)


def _state(enabled):
    return "enabled" if enabled else "disabled"


if __name__ == "__main__":
    main()
