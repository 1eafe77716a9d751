#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dynamodb_restore
short_description: Restore a DynamoDB table from a backup or a point in time, verify it, and switch the application
version_added: 0.1.0
description:
  - Restores a table into a new table from an on-demand backup (by ARN, or the newest AVAILABLE backup of the source
    table) or from point-in-time recovery (a timestamp, a relative age such as V(2h), or the latest restorable time),
    waits until it is C(ACTIVE), copies the settings AWS does not carry over (O(reapply)), verifies it (O(verify)),
    and can then point Lambda functions at it (O(switch_lambda_env)).
  - >-
    Automates runbook 000 "Recovery Procedure" and runbook 004 "Restore from Backup", "Restore from Point-in-Time" and
    "Switch application". Neither amazon.aws nor community.aws restores DynamoDB tables.
  - The time is checked against the source's PITR window before AWS is called, and a future time is refused.
  - >-
    Never overwrites or deletes a table. When the target exists and its C(RestoreSummary) names the same backup (for
    backup sources) or the same source table restored from PITR (for time sources; the exact time is not compared,
    since a relative age resolves anew on every run), the result is C(changed=false) and verification still runs.
    Any other existing target is an error. A table that fails verification is left in place for investigation.
notes:
  - "IAM actions (least privilege): C(dynamodb:DescribeTable); C(dynamodb:DescribeBackup) and
    C(dynamodb:RestoreTableFromBackup) (backup sources); C(dynamodb:ListBackups) (O(latest_backup));
    C(dynamodb:DescribeContinuousBackups) and C(dynamodb:RestoreTableToPointInTime) (time sources);
    C(dynamodb:Scan) (O(verify.min_item_count), O(verify.expected_item_count_of_source)); C(dynamodb:GetItem)
    (O(verify.sample_keys)); C(dynamodb:DescribeTimeToLive) and C(dynamodb:UpdateTimeToLive) (O(reapply=ttl));
    C(dynamodb:UpdateContinuousBackups) (O(reapply=pitr)); C(dynamodb:ListTagsOfResource) and C(dynamodb:TagResource)
    (O(reapply=tags)); C(dynamodb:UpdateTable) (O(reapply=stream)); C(lambda:GetFunctionConfiguration) and
    C(lambda:UpdateFunctionConfiguration) (O(switch_lambda_env))."
  - "AWS also requires, for the data written into the target table by a restore, C(dynamodb:BatchWriteItem),
    C(dynamodb:PutItem), C(dynamodb:UpdateItem), C(dynamodb:DeleteItem), C(dynamodb:GetItem), C(dynamodb:Query) and
    C(dynamodb:Scan) on the target table (AWS documentation, 'IAM policies for backup and restore'); the emulator used
    by the tests does not check them."
  - Check mode resolves the source (which backup, which time), validates it and reports the plan; it creates nothing.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  source_table_name:
    description: The table whose backup or history is restored. Required except with O(backup_arn).
    type: str
  target_table_name:
    description: The new table. It must not exist, unless it is the product of this same restore.
    type: str
    required: true
  backup_arn:
    description: Restore from this on-demand backup. With O(source_table_name), the backup must belong to that table.
    type: str
  latest_backup:
    description: Restore from the newest AVAILABLE on-demand backup of O(source_table_name).
    type: bool
    default: false
  restore_date_time:
    description:
      - Restore to this point in time, an ISO 8601 timestamp (V(2026-11-22T08:00:00Z)) or a relative age meaning that
        long ago (V(2h), V(30m)). It must lie within the source's PITR window and not in the future.
    type: str
  use_latest_restorable_time:
    description: Restore to the source's latest restorable time.
    type: bool
    default: false
  billing_mode_override:
    description: Billing mode of the restored table.
    type: str
    choices: [PROVISIONED, PAY_PER_REQUEST]
  sse_specification_override:
    description: Server-side encryption of the restored table, passed through as C(SSESpecificationOverride).
    type: dict
    suboptions:
      enabled:
        description: Whether SSE is enabled.
        type: bool
      sse_type:
        description: C(KMS) for a KMS key.
        type: str
        choices: [AES256, KMS]
      kms_master_key_id:
        description: The KMS key (ID, ARN or alias).
        type: str
  wait:
    description: Wait until the restored table is C(ACTIVE). Required for O(reapply), O(verify) and O(switch_lambda_env).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the restore (and for each Lambda update of O(switch_lambda_env)).
    type: int
    default: 1800
  reapply:
    description:
      - Settings AWS does not restore, copied from the source to the restored table.
    type: list
    elements: str
    choices: [ttl, pitr, tags, stream]
    default: []
  verify:
    description: Checks of the restored table; the task fails when one fails (after the restore, before any switch).
    type: dict
    suboptions:
      min_item_count:
        description: The restored table must hold at least this many items (exact count by Scan).
        type: int
      expected_item_count_of_source:
        description: Compare the restored item count with the source's current count.
        type: bool
        default: false
      item_count_tolerance:
        description: Allowed relative difference for O(verify.expected_item_count_of_source), V(0.05) = 5%.
        type: float
        default: 0.0
      sample_keys:
        description: "Keys (attribute name to plain value, for example V({pk: item-001})) that must exist in the restored table."
        type: list
        elements: dict
        default: []
  switch_lambda_env:
    description:
      - After a verified restore, set this environment variable of each function to the restored table's name, keeping
        every other variable (runbook 004 "Switch application").
      - This changes C($LATEST) only. A function served through an alias on a published version keeps reading the
        old table until a version with the change is published and the alias moved - C(ops.runbooks.lambda_config)
        with C(alias) does that, with a health gate and an exact revert; C(playbooks/dynamodb_restore.yml) and the
        role C(ops.runbooks.backup_restore) use it whenever the inventory names an alias.
    type: list
    elements: dict
    default: []
    suboptions:
      function_name:
        description: The function.
        type: str
        required: true
      variable:
        description: The environment variable that holds the table name.
        type: str
        required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Restore yesterday's table state next to the live one, verify it, and point the app at it
  ops.runbooks.dynamodb_restore:
    source_table_name: ai-investment-signals
    target_table_name: ai-investment-signals-restored-20261122
    restore_date_time: 24h
    reapply: [ttl, pitr, tags]
    verify:
      min_item_count: 1000
      sample_keys:
        - {pk: "signal#2026-11-21#0001"}
    switch_lambda_env:
      - {function_name: ai-investment-score, variable: TABLE_NAME}

- name: Restore the newest on-demand backup (runbook 000 "Recovery Procedure")
  ops.runbooks.dynamodb_restore:
    source_table_name: ai-investment-signals
    target_table_name: ai-investment-signals-restored
    latest_backup: true
    verify:
      expected_item_count_of_source: true
      item_count_tolerance: 0.05
"""

RETURN = r"""
table:
  description: The restored table (DescribeTable, snake_cased).
  returned: when the table exists (not in check mode before a restore)
  type: dict
  sample: {table_name: ai-investment-signals-restored, table_status: ACTIVE}
restore:
  description: What was (or would be) restored.
  returned: always
  type: dict
  contains:
    source_type: {description: "C(backup), C(latest_backup), C(point_in_time) or C(latest_restorable_time).", type: str}
    source_table_name: {description: The source table., type: str}
    backup_arn: {description: The backup used (backup sources)., type: str}
    restore_date_time: {description: The time restored to (time sources; null for the latest restorable time)., type: str}
    pitr_window: {description: "Earliest and latest restorable times of the source (time sources).", type: dict}
    created: {description: Whether this run started the restore., type: bool}
verification:
  description: Checks of the restored table (the common check model), item counts, missing sample keys.
  returned: when O(verify) is set and the table exists
  type: dict
  contains:
    passed: {description: All checks passed., type: bool}
    item_count: {description: Items in the restored table., type: int}
    source_item_count: {description: Items in the source (with O(verify.expected_item_count_of_source))., type: int}
    missing_sample_keys: {description: Sample keys not found., type: list, elements: dict}
    checks: {description: "One entry per check: resource, check, status, observed, expected, reason.", type: list, elements: dict}
reapplied:
  description: Settings copied to the restored table by this run, by name.
  returned: always
  type: dict
  sample: {ttl: {attribute_name: expires_at}, pitr: {enabled: true}}
switched:
  description: Lambda functions whose variable was (or would be) changed, with the value before and after.
  returned: always
  type: list
  elements: dict
  sample: [{function_name: ai-investment-score, variable: TABLE_NAME, previous: ai-investment-signals, current: x}]
"""

try:
    from boto3.dynamodb.types import TypeSerializer
except ImportError:
    pass  # handled by AnsibleAWSModule

from decimal import Decimal

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils import awslambda
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import backup_table_name
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import count_items
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import describe_backup
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import describe_table
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import list_backups
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import newest_available_backup
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import pitr_status
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import require_table
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import table_tags
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import wait_table_active
from ansible_collections.ops.runbooks.plugins.module_utils.errors import Conflict
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import isoformat
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_point_in_time
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow

SOURCES = ("backup_arn", "latest_backup", "restore_date_time", "use_latest_restorable_time")


def validate(params):
    chosen = [k for k in SOURCES if params[k] not in (None, False)]
    if len(chosen) != 1:
        raise InvalidInput("exactly one restore source is required: one of %s (got %s)" % (
            ", ".join(SOURCES), ", ".join(chosen) or "none"))
    if params["source_table_name"] is None and not params["backup_arn"]:
        raise InvalidInput("source_table_name is required unless backup_arn is given")
    if params["wait_timeout"] < 0:
        raise InvalidInput("wait_timeout: %d is negative" % params["wait_timeout"])
    if not params["wait"] and (params["reapply"] or params["verify"] or params["switch_lambda_env"]):
        raise InvalidInput("wait=false: reapply, verify and switch_lambda_env need the restored table ACTIVE (wait=true)")
    verify = params["verify"] or {}
    if (verify.get("min_item_count") or 0) < 0:
        raise InvalidInput("verify.min_item_count: %d is negative" % verify["min_item_count"])
    if not 0 <= (verify.get("item_count_tolerance") or 0) <= 1:
        raise InvalidInput("verify.item_count_tolerance: %s must be between 0 and 1" % verify["item_count_tolerance"])
    if params["source_table_name"] == params["target_table_name"]:
        raise InvalidInput("target_table_name: the target must differ from the source (a restore never overwrites)")


def resolve_source(ddb, params):
    """The restore plan: which backup, or which time (validated against the PITR window)."""
    source = params["source_table_name"]
    if params["backup_arn"]:
        owner = backup_table_name(params["backup_arn"])
        if source is not None and owner != source:
            raise InvalidInput("backup_arn: the backup belongs to table %s, not to source_table_name %s" % (owner, source))
        backup = describe_backup(ddb, params["backup_arn"])
        status = backup["BackupDetails"]["BackupStatus"]
        if status != "AVAILABLE":
            raise Conflict("backup_arn: backup %s is %s, not AVAILABLE" % (params["backup_arn"], status))
        return {"source_type": "backup", "source_table_name": owner, "backup_arn": params["backup_arn"],
                "source_table_arn": backup["SourceTableDetails"].get("TableArn")}
    table = require_table(ddb, source, "source_table_name: source table")
    if params["latest_backup"]:
        backup = newest_available_backup(list_backups(ddb, source))
        if backup is None:
            raise NotFound("latest_backup: table %s has no AVAILABLE on-demand backup" % source)
        return {"source_type": "latest_backup", "source_table_name": source, "backup_arn": backup["BackupArn"],
                "backup_created": isoformat(backup["BackupCreationDateTime"]), "source_table_arn": table["TableArn"]}
    pitr = pitr_status(ddb, source)
    window = {"earliest": isoformat(pitr["earliest"]), "latest": isoformat(pitr["latest"])}
    if not pitr["enabled"]:
        raise Conflict("point-in-time recovery is not enabled on %s: restore from a backup instead" % source)
    plan = {"source_table_name": source, "source_table_arn": table["TableArn"], "pitr_window": window}
    if params["use_latest_restorable_time"]:
        return dict(plan, source_type="latest_restorable_time", restore_date_time=None)
    now = utcnow()
    when = parse_point_in_time(params["restore_date_time"], "restore_date_time", now=now)
    if when > now:
        raise InvalidInput("restore_date_time: %s is in the future" % isoformat(when))
    if not pitr["earliest"] <= when <= pitr["latest"]:
        raise InvalidInput("restore_date_time: %s is outside the PITR window of %s (%s to %s)" % (
            isoformat(when), source, window["earliest"], window["latest"]))
    return dict(plan, source_type="point_in_time", restore_date_time=isoformat(when), _when=when)


def is_same_restore(existing, plan):
    """Whether an existing table is the product of the planned restore, from its RestoreSummary."""
    summary = existing.get("RestoreSummary") or {}
    if plan.get("backup_arn"):
        return summary.get("SourceBackupArn") == plan["backup_arn"]
    return not summary.get("SourceBackupArn") and summary.get("SourceTableArn") == plan["source_table_arn"]


def start_restore(ddb, ddb_once, params, plan):
    """Start the restore exactly once: after a lost answer, a target that is the product of this restore means the
    first request took effect (it is not sent again, which would fail with TableAlreadyExistsException)."""

    def own_restore():
        table = describe_table(ddb, params["target_table_name"])
        return table if table is not None and is_same_restore(table, plan) else None

    send_once(lambda: _send_restore(ddb_once, params, plan), own_restore)


def _send_restore(ddb, params, plan):
    extra = {}
    if params["billing_mode_override"]:
        extra["BillingModeOverride"] = params["billing_mode_override"]
    sse = params["sse_specification_override"]
    if sse:
        extra["SSESpecificationOverride"] = dict((k, v) for k, v in (
            ("Enabled", sse.get("enabled")), ("SSEType", sse.get("sse_type")),
            ("KMSMasterKeyId", sse.get("kms_master_key_id"))) if v is not None)
    target = params["target_table_name"]
    if plan.get("backup_arn"):
        ddb.restore_table_from_backup(TargetTableName=target, BackupArn=plan["backup_arn"], **extra)
    elif plan["source_type"] == "latest_restorable_time":
        ddb.restore_table_to_point_in_time(SourceTableName=plan["source_table_name"], TargetTableName=target,
                                           UseLatestRestorableTime=True, **extra)
    else:
        ddb.restore_table_to_point_in_time(SourceTableName=plan["source_table_name"], TargetTableName=target,
                                           RestoreDateTime=plan["_when"], **extra)


def reapply_settings(ddb, params, source_name, target, check_mode):
    """Copy TTL, PITR, tags and stream settings from the source; only what differs. ``{setting: what}``."""
    applied = {}
    source = require_table(ddb, source_name, "source_table_name: source table")
    settings = params["reapply"]
    if "ttl" in settings:
        src = ddb.describe_time_to_live(aws_retry=True, TableName=source_name)["TimeToLiveDescription"]
        dst = ddb.describe_time_to_live(aws_retry=True, TableName=target["TableName"])["TimeToLiveDescription"]
        if src.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") and dst.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            applied["ttl"] = {"attribute_name": src["AttributeName"]}
            if not check_mode:
                ddb.update_time_to_live(aws_retry=True, TableName=target["TableName"], TimeToLiveSpecification={
                    "Enabled": True, "AttributeName": src["AttributeName"]})
    if "pitr" in settings and pitr_status(ddb, source_name)["enabled"] and not pitr_status(ddb, target["TableName"])["enabled"]:
        applied["pitr"] = {"enabled": True}
        if not check_mode:
            ddb.update_continuous_backups(aws_retry=True, TableName=target["TableName"],
                                          PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    if "tags" in settings:
        missing, _extra = compare_aws_tags(table_tags(ddb, target["TableArn"]), table_tags(ddb, source["TableArn"]),
                                           purge_tags=False)
        if missing:
            applied["tags"] = missing
            if not check_mode:
                ddb.tag_resource(aws_retry=True, ResourceArn=target["TableArn"],
                                 Tags=ansible_dict_to_boto3_tag_list(dict(sorted(missing.items()))))
    if "stream" in settings:
        spec = source.get("StreamSpecification") or {}
        if spec.get("StreamEnabled") and not (target.get("StreamSpecification") or {}).get("StreamEnabled"):
            applied["stream"] = {"stream_view_type": spec.get("StreamViewType")}
            if not check_mode:
                ddb.update_table(aws_retry=True, TableName=target["TableName"], StreamSpecification={
                    "StreamEnabled": True, "StreamViewType": spec["StreamViewType"]})
    return applied


def verify_table(ddb, options, source_name, target_name):
    """Item counts and sample keys of the restored table as checks of the common model."""
    found = []
    item_count = source_count = None
    if options.get("min_item_count") is not None or options.get("expected_item_count_of_source"):
        item_count = count_items(ddb, target_name)
    if options.get("min_item_count") is not None:
        minimum = options["min_item_count"]
        found.append(checks.make_check(target_name, "min item count", checks.PASS if item_count >= minimum else checks.FAIL,
                                       "%d items, at least %d expected" % (item_count, minimum), item_count, minimum))
    if options.get("expected_item_count_of_source"):
        source_count = count_items(ddb, source_name)
        allowed = options["item_count_tolerance"] * source_count
        diff = abs(item_count - source_count)
        found.append(checks.make_check(
            target_name, "item count of source", checks.PASS if diff <= allowed else checks.FAIL,
            "%d items, source %d (difference %d, allowed %s)" % (item_count, source_count, diff, checks.format_number(allowed, 2)),
            item_count, source_count))
    missing = []
    serializer = TypeSerializer()
    for key in options.get("sample_keys") or []:
        item = ddb.get_item(aws_retry=True, TableName=target_name, ConsistentRead=True, Key=dict(
            (k, serializer.serialize(_decimal(v))) for k, v in key.items())).get("Item")
        if item is None:
            missing.append(key)
    if options.get("sample_keys"):
        total = len(options["sample_keys"])
        found.append(checks.make_check(target_name, "sample keys", checks.FAIL if missing else checks.PASS,
                                       "%d of %d sample keys missing" % (len(missing), total), total - len(missing), total))
    return {"item_count": item_count, "source_item_count": source_count, "missing_sample_keys": missing,
            "checks": found, "passed": all(c["status"] == checks.PASS for c in found)}


def function_configuration(lam, entry):
    """The configuration of a function named in ``switch_lambda_env`` (NotFound names the option)."""
    try:
        return awslambda.get_configuration(lam, entry["function_name"])
    except NotFound as e:
        raise NotFound("switch_lambda_env: %s" % e) from None


def switch_application(lam, targets, table_name, timeout, check_mode):
    """Point each function's variable at the restored table, keeping its other variables."""
    switched = []
    for entry in targets:
        config = function_configuration(lam, entry)
        variables = dict((config.get("Environment") or {}).get("Variables") or {})
        previous = variables.get(entry["variable"])
        if previous == table_name:
            continue
        switched.append(dict(entry, previous=previous, current=table_name))
        if check_mode:
            continue
        variables[entry["variable"]] = table_name
        update = {"FunctionName": entry["function_name"], "Environment": {"Variables": variables}}
        if config.get("RevisionId"):  # fail rather than overwrite a concurrent configuration change
            update["RevisionId"] = config["RevisionId"]
        lam.update_function_configuration(aws_retry=True, **update)
        awslambda.wait_active(lam, entry["function_name"], None, timeout)
    return switched


ARGUMENT_SPEC = dict(
    source_table_name=dict(type="str"),
    target_table_name=dict(type="str", required=True),
    backup_arn=dict(type="str"),
    latest_backup=dict(type="bool", default=False),
    restore_date_time=dict(type="str"),
    use_latest_restorable_time=dict(type="bool", default=False),
    billing_mode_override=dict(type="str", choices=["PROVISIONED", "PAY_PER_REQUEST"]),
    sse_specification_override=dict(type="dict", options=dict(
        enabled=dict(type="bool"), sse_type=dict(type="str", choices=["AES256", "KMS"]),
        kms_master_key_id=dict(type="str"))),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1800),
    reapply=dict(type="list", elements="str", choices=["ttl", "pitr", "tags", "stream"], default=[]),
    verify=dict(type="dict", options=dict(
        min_item_count=dict(type="int"),
        expected_item_count_of_source=dict(type="bool", default=False),
        item_count_tolerance=dict(type="float", default=0.0),
        sample_keys=dict(type="list", elements="dict", default=[], no_log=False),
    )),
    switch_lambda_env=dict(type="list", elements="dict", default=[], options=dict(
        function_name=dict(type="str", required=True), variable=dict(type="str", required=True))),
)


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"source_table_name": "table", "target_table_name": "table",
                  "switch_lambda_env[].function_name": "function"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    target_name = params["target_table_name"]
    result = dict(changed=False, restore={}, reapplied={}, switched=[])
    ddb = module.retrying_client("dynamodb")
    ddb_once = module.single_attempt_client("dynamodb")
    lam = module.retrying_client("lambda")
    with ending_on_error(module, result, "restore %s" % target_name):
        validate(params)
        # 1. Resolve the source: which backup, or which point in time (checked against the PITR window).
        plan = resolve_source(ddb, params)
        result["restore"] = dict([(k, v) for k, v in plan.items() if not k.startswith("_")], created=False)
        # 2. Every function to switch exists, before anything changes (a missing one must not leave a restored table
        #    and a failed run behind).
        for entry in params["switch_lambda_env"]:
            function_configuration(lam, entry)
        # 3. The target: absent, the product of this same restore (nothing to create), or anything else (refuse).
        table = describe_table(ddb, target_name)
        if table is not None and not is_same_restore(table, plan):
            raise Conflict("target_table_name: table %s already exists and is not the product of this restore "
                           "(RestoreSummary: %s); it is never overwritten: choose another target name" % (
                               target_name, camel_dict_to_snake_dict(table.get("RestoreSummary") or {}) or "none"))
        # 4. Restore (check mode: the plan is the result).
        if table is None:
            result.update(changed=True)
            result["restore"]["created"] = not module.check_mode
            if module.check_mode:
                module.exit_json(msg="would restore %s into %s" % (_describe(plan), target_name), **result)
            start_restore(ddb, ddb_once, params, plan)
            # 5. Wait until ACTIVE.
            if not params["wait"]:
                module.exit_json(msg="restore of %s into %s started" % (_describe(plan), target_name), **result)
            table = wait_table_active(ddb, target_name, params["wait_timeout"])
        elif params["wait"]:
            table = wait_table_active(ddb, target_name, params["wait_timeout"])
        # 6. Settings AWS does not restore: TTL, PITR, tags, stream.
        if params["reapply"]:
            result["reapplied"] = reapply_settings(ddb, params, plan["source_table_name"], table, module.check_mode)
            result["changed"] = result["changed"] or bool(result["reapplied"])
        result["table"] = camel_dict_to_snake_dict(describe_table(ddb, target_name) or table)
        # 7. Verify: item counts and sample keys; stop before any switch when it fails.
        if params["verify"]:
            result["verification"] = verify_table(ddb, params["verify"], plan["source_table_name"], target_name)
            if not result["verification"]["passed"]:
                failed = [c["reason"] for c in result["verification"]["checks"] if c["status"] != checks.PASS]
                raise OperationFailed("verification of %s failed: %s (table kept for investigation; nothing switched)"
                                      % (target_name, "; ".join(failed)))
        # 8. Switch the application to the restored table (runbook 004 "Switch application").
        if params["switch_lambda_env"]:
            result["switched"] = switch_application(lam, params["switch_lambda_env"], target_name,
                                                    params["wait_timeout"], module.check_mode)
            result["changed"] = result["changed"] or bool(result["switched"])
    done = "restored %s into %s" % (_describe(plan), target_name) if result["restore"]["created"] else \
        "%s is already the product of this restore" % target_name
    module.exit_json(msg=done, **result)


def _describe(plan):
    if plan.get("backup_arn"):
        return "backup %s" % plan["backup_arn"]
    return "%s at %s" % (plan["source_table_name"], plan.get("restore_date_time") or "its latest restorable time")


def _decimal(value):
    return Decimal(str(value)) if isinstance(value, float) else value


if __name__ == "__main__":
    main()
