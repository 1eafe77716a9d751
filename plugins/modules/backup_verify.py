#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: backup_verify
short_description: Verify that backups exist, are fresh, and actually restore
version_added: 0.1.0
description:
  - One report of checks, each C(pass), C(warn), C(fail) or C(skipped) with a reason, over any subset of four sections
    DynamoDB (PITR and its restore lag, newest on-demand backup age), S3 (versioning, replication, default
    encryption), RDS (newest snapshot age) and PostgreSQL dumps (exists, age, restores into a throwaway database,
    row counts per table against minimums). The task fails when a check fails (see O(fail_on)).
  - >-
    Automates runbook 000 "Backup Verification" and "Data Loss Prevention", runbook 003 "Database Backup Verification" and
    runbook 004 "Verify Backups" / monthly "test restore". The shell versions describe resources and leave judging to a
    human; runbook 003 restores serially with C(gunzip | psql) and leaves the temporary database behind when it fails.
  - >-
    PostgreSQL: each dump is restored into a scratch database named C(ops_verify_) plus 8 random hex digits, with
    C(pg_restore -j N --exit-on-error) for custom and directory formats and statement by statement for plain SQL
    (a C(.gz) is streamed), then every user table is counted exactly with C(count(*)). The scratch database is always
    dropped afterwards (also on failure and timeout) unless O(postgres[].keep_scratch); only databases with that
    prefix are ever dropped.
  - >-
    A dump is untrusted input - whoever controls the application database writes what is in it. It is restored as an
    unprivileged role made for the run (the scratch database's name; LOGIN with a random password and nothing else:
    no superuser, no CREATEDB/CREATEROLE, in no C(pg_*_server_*) role; owner of the scratch database only), logged in
    as that role - so a function in the dump that does C(COPY ... TO PROGRAM) fails instead of running a command on
    the database server. A login role that is unprivileged itself restores as itself. A privileged login role that
    cannot create roles fails the restore unless O(allow_superuser_restore).
  - >-
    A plain dump is never given to C(psql): it is read as data and its statements sent one by one, so no psql
    meta-command (C(\! cmd), C(\o |cmd), C(\copy ... program), C(\connect)) can run on the controller; any
    meta-command but pg_dump's own C(\restrict)/C(\unrestrict) pair fails the restore, naming its line. The statements
    of C(pg_dump -C -c) that act on a database rather than in it (C(DROP/CREATE/ALTER DATABASE), the C(\connect) to it)
    are left out - the restore stays in the scratch database - and counted in RV(restores[].left_out); pg_dumpall
    output is refused. Ownership and privileges are left out as C(pg_restore --no-owner --no-privileges) does.
  - >-
    Every format: event triggers are left out of the restore; restoring unprivileged, so are extensions the server
    does not mark trusted (C(pg_available_extension_versions)) - a dump whose tables need one needs
    O(allow_superuser_restore). C(pg_restore) older than the C(pg_dump) that made a dump fails with the versions and
    what to install.
  - >-
    Leftovers: each scratch database and restore role records its creation time in its comment; at the start of a
    restoring run those older than O(scratch_max_age) (a cancelled job, a killed controller) are dropped and reported
    (RV(leftovers), a C(warn) check each). One without a creation time (an older version's) is reported and left alone.
  - Never changes anything it did not create; C(changed) is true only when a leftover scratch database was dropped.
notes:
  - "IAM actions (least privilege): C(dynamodb:DescribeContinuousBackups), C(dynamodb:ListBackups) (O(dynamodb));
    C(s3:GetBucketVersioning), C(s3:GetReplicationConfiguration), C(s3:GetEncryptionConfiguration) (O(s3));
    C(kms:DescribeKey) (O(s3[].kms_key_id) in another form than the bucket's configuration, e.g. an alias);
    C(rds:DescribeDBInstances), C(rds:DescribeDBSnapshots) (O(rds))."
  - >-
    PostgreSQL needs C(psycopg2) on the host that runs the module, the C(pg_restore) client program (or O(pg_bin_dir))
    as new as the C(pg_dump) that made the dumps, and a login role with C(CREATEDB) and C(CREATEROLE) (it makes the
    restore role and the scratch database, and drops both) - or an unprivileged role with C(CREATEDB), which restores
    as itself. A superuser works too (the restore still runs as the role made for it).
  - Check mode runs the read-only checks; PostgreSQL restores are reported as C(skipped) unless O(restore_in_check_mode).
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  dynamodb:
    description: DynamoDB tables to check.
    type: list
    elements: dict
    default: []
    suboptions:
      table:
        description: Table name.
        type: str
        required: true
      require_pitr:
        description: Point-in-time recovery must be enabled.
        type: bool
        default: true
      max_restore_lag:
        description: Recovery point objective, for example V(15m) - now minus C(LatestRestorableDateTime) must not exceed it.
        type: str
      max_backup_age:
        description: The newest AVAILABLE on-demand backup must be younger than this, for example V(1d).
        type: str
  s3:
    description: S3 buckets to check.
    type: list
    elements: dict
    default: []
    suboptions:
      bucket:
        description: Bucket name.
        type: str
        required: true
      require_versioning:
        description: Versioning must be C(Enabled).
        type: bool
        default: true
      require_replication:
        description: At least one enabled replication rule.
        type: bool
        default: false
      require_encryption:
        description:
          - Check the bucket's default encryption against O(s3[].encryption) and O(s3[].kms_key_id). With V(false)
            the check only reports what is configured.
          - Every bucket has default encryption on AWS since January 2023 (SSE-S3 when nothing else is configured), so
            the question is not whether a bucket is encrypted but with what, and under whose key.
        type: bool
        default: true
      encryption:
        description:
          - The default encryption the bucket must have. V(sse-s3) accepts any (SSE-S3, the AWS default, or KMS);
            V(kms) requires SSE-KMS or DSSE-KMS (C(aws:kms), C(aws:kms:dsse)) - SSE-S3 then fails, because the
            backup's readers are not controlled by a key policy.
        type: str
        choices: [sse-s3, kms]
        default: sse-s3
      kms_key_id:
        description:
          - The KMS key the bucket's default encryption must use (implies O(s3[].encryption=kms)) - a key ARN, key
            id, alias ARN or C(alias/name), e.g. runbook 000's C(alias/ai-investment-key). Compared with the bucket's
            C(KMSMasterKeyID) as written first; when the two name the key differently, both are resolved with
            C(kms:DescribeKey) and the key ARNs compared. No key in the configuration means the AWS managed key
            C(aws/s3), which fails this check.
        type: str
  rds:
    description: RDS instances to check.
    type: list
    elements: dict
    default: []
    suboptions:
      db_instance_identifier:
        description: The instance.
        type: str
        required: true
      max_snapshot_age:
        description: The newest available snapshot must be younger than this.
        type: str
        default: 1d
      snapshot_type:
        description: Which snapshots count.
        type: str
        choices: [automated, manual, shared, public, awsbackup]
        default: automated
  postgres:
    description: PostgreSQL dumps to check and restore.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description:
          - A dump on the host that runs the module - custom format (C(pg_dump -Fc)), directory format (C(-Fd)),
            plain C(.sql) or C(.sql.gz).
        type: path
        required: true
      max_age:
        description: By the file's modification time.
        type: str
        default: 1d
      min_rows:
        description: Table (C(schema.table), or C(table) in C(public)) to the minimum row count; the tables must exist.
        type: dict
        default: {}
      tables_required:
        description: Tables that must exist after the restore.
        type: list
        elements: str
        default: []
      jobs:
        description:
          - Parallel restore jobs for custom and directory formats (default the number of CPUs, divided by the dumps
            restored at the same time - O(concurrency)).
        type: int
      keep_scratch:
        description: Keep the scratch database (named in the result) for investigation.
        type: bool
        default: false
      restore_timeout:
        description: Seconds the restore may take (1 to 604800, a week).
        type: int
        default: 3600
      allow_empty:
        description:
          - Accept an empty dump (0 bytes, or one that restores no table). By default it fails, as does a dump whose
            restore leaves out a table of its table of contents (custom and directory formats) or a plain dump without
            pg_dump's closing C(dump complete) line (cut off).
        type: bool
        default: false
  pg_bin_dir:
    description: Directory of C(pg_restore) when it is not on the PATH.
    type: path
  allow_superuser_restore:
    description:
      - Restore as the login role even when it is a superuser or in a C(pg_*_server_*) role, without a restore role
        and with every extension of the dump. Only for dumps whose every byte you trust - a restore then runs
        whatever functions the dump defines with those privileges.
      - Meta-commands, database-level statements, pg_dumpall output and event triggers are refused or left out all
        the same.
    type: bool
    default: false
  scratch_max_age:
    description:
      - A scratch database or restore role of this module older than this is a leftover of a run that never
        finished, dropped at the start of the next restoring run (for example V(6h), V(1d)). It must be longer than
        every O(postgres[].restore_timeout) - a restore still running is never taken for a leftover. A database kept
        with O(postgres[].keep_scratch) lives until then.
    type: str
    default: 6h
  concurrency:
    description:
      - How many PostgreSQL dumps are verified at the same time (1 to 32), each in a scratch database of its own - the
        monthly test restore of several databases. V(1) restores them one after another, each with all CPUs.
      - Every restore loads the database server; raise it on a server sized for it. The checks and C(restores) keep
        the order of O(postgres).
    type: int
    default: 1
  restore_in_check_mode:
    description: Also restore dumps in check mode (scratch databases are still dropped).
    type: bool
    default: false
extends_documentation_fragment:
  - ops.runbooks.checks
  - ops.runbooks.postgres
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
    platforms: aws, posix
"""

EXAMPLES = r"""
- name: Monthly backup verification (runbook 000) with a real test restore of the nightly dump (runbook 003)
  ops.runbooks.backup_verify:
    dynamodb:
      - {table: ai-investment-signals, max_restore_lag: 15m, max_backup_age: 1d}
    s3:
      - {bucket: ai-investment-raw-data, require_replication: true}
    rds:
      - {db_instance_identifier: ai-investment-db, max_snapshot_age: 1d}
    postgres:
      - path: /backups/latest.sql.gz
        max_age: 1d
        min_rows: {datasets: 1000}
        tables_required: [users]
    login_host: db.internal
    login_password: "{{ vault_pg_password }}"
  register: backups
"""

RETURN = r"""
checks:
  description: "One entry per check: resource, check, status (pass, warn, fail, skipped), observed, expected, reason."
  returned: always
  type: list
  elements: dict
  sample:
    - {resource: ai-investment-signals, check: pitr, status: pass, observed: ENABLED, expected: ENABLED, reason: enabled}
summary:
  description: Counts of checks by status.
  returned: always
  type: dict
  sample: {pass: 9, warn: 1, fail: 0, skipped: 0}
restores:
  description: One entry per PostgreSQL restore attempted.
  returned: always
  type: list
  elements: dict
  contains:
    path: {description: The dump., type: str}
    format: {description: "C(custom), C(directory), C(plain) or C(plain_gz).", type: str}
    database: {description: The scratch database (dropped unless kept)., type: str}
    jobs: {description: Parallel jobs used., type: int}
    duration_seconds: {description: Wall time of restore and counts., type: float}
    row_counts: {description: Rows per table., type: dict}
    dropped: {description: Whether the scratch database was dropped., type: bool}
    restored_as:
      description: The role the restore logged in as - the restore role made for it (the scratch database's name) or
        the login role (unprivileged itself, or O(allow_superuser_restore)).
      type: str
    left_out:
      description: "Statements or table of contents entries left out of the restore, by kind (C(database),
        C(ownership), C(privileges), C(event trigger), C(untrusted extension), C(security label))."
      type: dict
      sample: {database: 3, ownership: 12, untrusted extension: 1}
leftovers:
  description: Scratch databases and restore roles of earlier runs found older than O(scratch_max_age), or without a
    creation time.
  returned: when PostgreSQL dumps are restored
  type: list
  elements: dict
  contains:
    kind: {description: C(database) or C(role)., type: str}
    name: {description: Its name., type: str}
    created: {description: "When it was made (UTC), or null when it records no time.", type: str}
    age_seconds: {description: "Its age, or null.", type: int}
    dropped: {description: "Whether it was dropped (false in check mode, or without a creation time).", type: bool}
"""

import datetime
import functools
import os
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.rds import describe_db_instances
from ansible_collections.amazon.aws.plugins.module_utils.rds import describe_db_snapshots
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_encryption

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils import postgres
from ansible_collections.ops.runbooks.plugins.module_utils.batch import MAX_CONCURRENCY
from ansible_collections.ops.runbooks.plugins.module_utils.batch import read_concurrently
from ansible_collections.ops.runbooks.plugins.module_utils.checks import make_check
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import list_backups
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import newest_available_backup
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import pitr_status
from ansible_collections.ops.runbooks.plugins.module_utils.encryption import encryption_check
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import age_seconds
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import format_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_duration


def duration(value, name):
    return None if value is None else parse_duration(value, name)


def age_check(resource, check, when, limit, what):
    """pass/fail of an age against a limit (``when`` None: nothing found)."""
    if when is None:
        return make_check(resource, check, checks.FAIL, "no %s found" % what, None, format_duration(limit))
    age = age_seconds(when)
    status = checks.PASS if age <= limit else checks.FAIL
    return make_check(resource, check, status, "newest %s is %s old (max %s)" % (what, format_duration(age), format_duration(limit)),
                      format_duration(age), format_duration(limit))


# ---- DynamoDB ----------------------------------------------------------------------------------------------------
def check_dynamodb(ddb, entry, index):
    table = entry["table"]
    lag = duration(entry.get("max_restore_lag"), "dynamodb[%d].max_restore_lag" % index)
    max_backup = duration(entry.get("max_backup_age"), "dynamodb[%d].max_backup_age" % index)
    try:
        pitr = pitr_status(ddb, table)
    except NotFound:
        return [make_check(table, "table", checks.FAIL, "table %s not found" % table, None, "exists")]
    found = []
    if pitr["enabled"]:
        found.append(make_check(table, "pitr", checks.PASS, "point-in-time recovery enabled", "ENABLED", "ENABLED"))
    elif entry["require_pitr"]:
        found.append(make_check(table, "pitr", checks.FAIL, "point-in-time recovery disabled", "DISABLED", "ENABLED"))
    else:
        found.append(make_check(table, "pitr", checks.PASS, "point-in-time recovery disabled (not required)", "DISABLED", None))
    if lag is not None:
        if not pitr["enabled"]:
            found.append(make_check(table, "restore lag", checks.FAIL, "no point-in-time recovery, so no restore point", None,
                                    format_duration(lag)))
        else:
            age = age_seconds(pitr["latest"])
            found.append(make_check(table, "restore lag", checks.PASS if age <= lag else checks.FAIL,
                                    "latest restorable time is %s old (RPO %s)" % (format_duration(age), format_duration(lag)),
                                    format_duration(age), format_duration(lag)))
    if max_backup is not None:
        backup = newest_available_backup(list_backups(ddb, table))
        found.append(age_check(table, "backup age", backup and backup["BackupCreationDateTime"], max_backup,
                               "AVAILABLE on-demand backup"))
    return found


# ---- S3 ----------------------------------------------------------------------------------------------------------
def check_s3(s3, entry, kms):
    bucket = entry["bucket"]
    try:  # also the existence check: s3:GetBucketVersioning is needed anyway, s3:ListBucket (HeadBucket) is not
        versioning = s3.get_bucket_versioning(aws_retry=True, Bucket=bucket).get("Status", "Disabled")
    except is_boto3_error_code("NoSuchBucket"):
        return [make_check(bucket, "bucket", checks.FAIL, "bucket %s not found" % bucket, None, "exists")]
    found = []
    if versioning == "Enabled":
        found.append(make_check(bucket, "versioning", checks.PASS, "versioning enabled", versioning, "Enabled"))
    else:
        found.append(make_check(bucket, "versioning", checks.FAIL if entry["require_versioning"] else checks.PASS,
                                "versioning %s%s" % (versioning.lower(), "" if entry["require_versioning"] else " (not required)"),
                                versioning, "Enabled" if entry["require_versioning"] else None))
    try:
        rules = s3.get_bucket_replication(aws_retry=True, Bucket=bucket)["ReplicationConfiguration"].get("Rules", [])
    except is_boto3_error_code("ReplicationConfigurationNotFoundError"):
        rules = []
    enabled = [r.get("ID", "?") for r in rules if r.get("Status") == "Enabled"]
    if enabled:
        found.append(make_check(bucket, "replication", checks.PASS, "%d enabled replication rule(s): %s" % (
            len(enabled), ", ".join(enabled)), len(enabled), 1))
    else:
        found.append(make_check(bucket, "replication", checks.FAIL if entry["require_replication"] else checks.PASS,
                                "no enabled replication rule%s" % ("" if entry["require_replication"] else " (not required)"),
                                0, 1 if entry["require_replication"] else None))
    found.append(encryption_check(bucket, get_s3_bucket_encryption(s3, bucket), entry, kms))
    return found


# ---- RDS ---------------------------------------------------------------------------------------------------------
def check_rds(rds, entry, index):
    instance = entry["db_instance_identifier"]
    limit = duration(entry["max_snapshot_age"], "rds[%d].max_snapshot_age" % index)
    if not describe_db_instances(rds, DBInstanceIdentifier=instance):
        return [make_check(instance, "instance", checks.FAIL, "DB instance %s not found" % instance, None, "exists")]
    snapshots = [s for s in describe_db_snapshots(rds, DBInstanceIdentifier=instance, SnapshotType=entry["snapshot_type"])
                 if s.get("Status") == "available" and s.get("SnapshotCreateTime")]
    newest = max((s["SnapshotCreateTime"] for s in snapshots), default=None)
    return [age_check(instance, "%s snapshot age" % entry["snapshot_type"], newest, limit,
                      "available %s snapshot" % entry["snapshot_type"])]


# ---- PostgreSQL --------------------------------------------------------------------------------------------------


def dump_file_problem(path, allow_empty):
    """Why a dump path cannot be restored before anything runs (not a file, empty), or None."""
    if os.path.isdir(path):
        return None if os.listdir(path) or allow_empty else "empty dump directory"
    if not os.path.isfile(path):  # a FIFO or a device would block the restore before its timeout applies
        return "not a regular file or a directory"
    if os.path.getsize(path) == 0 and not allow_empty:
        return "empty dump (0 bytes)"
    return None


def restored_table_checks(path, expected, counts, allow_empty):
    """The restore really restored: some table (unless allow_empty), and every table of the dump's TOC."""
    if not counts and not allow_empty:
        return [make_check(path, "tables restored", checks.FAIL, "the restore restored no table", 0, ">= 1")]
    missing = [t for t in expected if t not in counts]
    if missing:
        return [make_check(path, "tables restored", checks.FAIL, "restored %d of the %d tables in the dump's table of "
                           "contents; missing: %s" % (len(expected) - len(missing), len(expected), ", ".join(missing)),
                           len(expected) - len(missing), len(expected))]
    return [make_check(path, "tables restored", checks.PASS, "%d table(s) restored%s" % (
        len(counts), ", as the table of contents lists" if expected else ""), len(counts), len(expected) or None)]


def check_postgres_dump(conn, entry, index, restore_now, bindir, default_jobs, how=None):
    """Checks of one dump and, when restored, the restore record. The scratch database is dropped in ``finally``.
    ``how``: the restore's identity (``postgres.restore_identity``) - a role made for it, or the login role."""
    path = entry["path"]
    max_age = duration(entry["max_age"], "postgres[%d].max_age" % index)
    if not os.path.exists(path):
        return [make_check(path, "exists", checks.FAIL, "dump %s not found" % path, None, "exists")], None
    found = [make_check(path, "exists", checks.PASS, "dump found", True, True),
             age_check(path, "age", _mtime(path), max_age, "dump")]
    found[-1]["reason"] = found[-1]["reason"].replace("newest dump", "dump")
    if not restore_now:
        found.append(make_check(path, "restore", checks.SKIPPED, "check mode: restore skipped (restore_in_check_mode=false)",
                                None, None))
        return found, None
    problem = dump_file_problem(path, entry["allow_empty"]) or (how or {}).get("refused")
    if problem:
        found.append(make_check(path, "restore", checks.FAIL, "%s: %s" % (os.path.basename(path), problem), None,
                                "restores"))
        return found, None
    how = how or {"role": False, "superuser": False, "trusted": None}
    fmt = postgres.dump_format(path)
    jobs = entry["jobs"] or default_jobs
    record = {"path": path, "format": fmt, "database": None, "jobs": jobs if fmt in ("custom", "directory") else 1,
              "duration_seconds": None, "row_counts": {}, "dropped": False, "restored_as": None, "left_out": {}}
    started = time.monotonic()
    try:
        listing = postgres.toc_list(path, bindir) if fmt in ("custom", "directory") else None
        expected = postgres.toc_tables(path, listing=listing) if listing is not None else []
        record["database"], restore_conn = postgres.create_scratch(conn, how["role"], how["superuser"])
        record["restored_as"] = restore_conn["login_user"]
        record["left_out"] = postgres.restore(restore_conn, record["database"], path, fmt, record["jobs"],
                                              entry["restore_timeout"], bindir, how["trusted"], listing)
        record["row_counts"] = postgres.row_counts(restore_conn, record["database"])
        took = record["duration_seconds"] = round(time.monotonic() - started, 3)
        found.append(make_check(path, "restore", checks.PASS, "restored %s dump into %s as %s in %.1fs (%d tables%s)" % (
            fmt, record["database"], "its restore role" if how["role"] else "the login role", took,
            len(record["row_counts"]), left_out_text(record["left_out"])), fmt, "restores"))
    except (postgres.RestoreFailed, postgres.DatabaseError, postgres.DumpRefused) as e:
        record["duration_seconds"] = round(time.monotonic() - started, 3)
        found.append(make_check(path, "restore", checks.FAIL, str(e), fmt, "restores"))
        return found, record
    finally:
        if record["database"] and not entry["keep_scratch"]:
            postgres.drop_scratch(conn, record["database"], how["role"])
            record["dropped"] = True
    counts = record["row_counts"]
    found.extend(restored_table_checks(path, expected, counts, entry["allow_empty"]))
    for table in entry["tables_required"]:
        name = postgres.qualified(table)
        found.append(make_check(path, "table %s" % name, checks.PASS if name in counts else checks.FAIL,
                                "present" if name in counts else "table %s missing after restore" % name, name in counts, True))
    for table, minimum in sorted(entry["min_rows"].items()):
        name = postgres.qualified(table)
        if name not in counts:
            found.append(make_check(path, "rows %s" % name, checks.FAIL, "table %s missing after restore" % name, None, minimum))
            continue
        rows = counts[name]
        found.append(make_check(path, "rows %s" % name, checks.PASS if rows >= int(minimum) else checks.FAIL,
                                "%d rows (minimum %s)" % (rows, minimum), rows, int(minimum)))
    return found, record


def left_out_text(left_out):
    return "; left out: %s" % ", ".join("%d %s" % (n, kind) for kind, n in sorted(left_out.items())) if left_out else ""


def leftover_checks(leftovers, check_mode):
    found = []
    for item in leftovers:
        if item["dropped"] or (check_mode and item["age_seconds"] is not None):
            reason = "%s a leftover scratch %s created %s (%s old, older than scratch_max_age): a run that never " \
                     "finished" % ("would drop" if check_mode else "dropped", item["kind"], item["created"],
                                   format_duration(item["age_seconds"]))
        elif item.get("error"):
            reason = "leftover scratch %s created %s could not be dropped: %s" % (item["kind"], item["created"],
                                                                                  item["error"])
        else:
            reason = "scratch %s without a creation time (made by an older version or by hand): left alone, drop it " \
                     "when no restore is running" % item["kind"]
        found.append(make_check(item["name"], "leftover", checks.WARN, reason, item["created"], None))
    return found


def _mtime(path):
    return datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)


ARGUMENT_SPEC = dict(
    dynamodb=dict(type="list", elements="dict", default=[], options=dict(
        table=dict(type="str", required=True), require_pitr=dict(type="bool", default=True),
        max_restore_lag=dict(type="str"), max_backup_age=dict(type="str"))),
    s3=dict(type="list", elements="dict", default=[], options=dict(
        bucket=dict(type="str", required=True), require_versioning=dict(type="bool", default=True),
        require_replication=dict(type="bool", default=False), require_encryption=dict(type="bool", default=True),
        encryption=dict(type="str", choices=["sse-s3", "kms"], default="sse-s3"), kms_key_id=dict(type="str"))),
    rds=dict(type="list", elements="dict", default=[], options=dict(
        db_instance_identifier=dict(type="str", required=True), max_snapshot_age=dict(type="str", default="1d"),
        snapshot_type=dict(type="str", default="automated",
                           choices=["automated", "manual", "shared", "public", "awsbackup"]))),
    postgres=dict(type="list", elements="dict", default=[], options=dict(
        path=dict(type="path", required=True), max_age=dict(type="str", default="1d"),
        min_rows=dict(type="dict", default={}), tables_required=dict(type="list", elements="str", default=[]),
        jobs=dict(type="int"), keep_scratch=dict(type="bool", default=False),
        restore_timeout=dict(type="int", default=3600), allow_empty=dict(type="bool", default=False))),
    pg_bin_dir=dict(type="path"),
    allow_superuser_restore=dict(type="bool", default=False),
    scratch_max_age=dict(type="str", default="6h"),
    concurrency=dict(type="int", default=1),
    restore_in_check_mode=dict(type="bool", default=False),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
    **postgres.POSTGRES_CONNECTION_SPEC
)


def validate(params):
    if not (params["dynamodb"] or params["s3"] or params["rds"] or params["postgres"]):
        raise InvalidInput("nothing to verify: give at least one of dynamodb, s3, rds, postgres")
    check_range("concurrency", params["concurrency"], 1, MAX_CONCURRENCY)
    if params["postgres"]:
        postgres.validate_connection(params)
    max_age = parse_duration(params["scratch_max_age"], "scratch_max_age")
    for i, entry in enumerate(params["postgres"]):
        duration(entry["max_age"], "postgres[%d].max_age" % i)
        postgres.validate_restore(entry["restore_timeout"], entry["min_rows"], "postgres[%d]." % i)
        if entry["restore_timeout"] >= max_age:
            raise InvalidInput("scratch_max_age: %s is not longer than postgres[%d].restore_timeout (%ds) - a restore "
                               "still running would be taken for a leftover"
                               % (params["scratch_max_age"], i, entry["restore_timeout"]))
        if entry["jobs"] is not None and entry["jobs"] < 1:
            raise InvalidInput("postgres[%d].jobs: %d must be 1 or more" % (i, entry["jobs"]))


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"dynamodb[].table": "table", "s3[].bucket": "bucket"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    conn = dict((k, params[k]) for k in postgres.POSTGRES_CONNECTION_SPEC)
    found, restores, leftovers = [], [], []
    with ending_on_error(module, dict(checks=found, restores=restores, leftovers=leftovers), "verify backups"):
        validate(params)
        if params["postgres"]:
            postgres.require_psycopg2(module)
        # 1. DynamoDB: PITR on and recent enough (RPO), newest on-demand backup young enough.
        if params["dynamodb"]:
            ddb = module.retrying_client("dynamodb")
            for i, entry in enumerate(params["dynamodb"]):
                found.extend(check_dynamodb(ddb, entry, i))
        # 2. S3: versioning, replication, default encryption.
        if params["s3"]:
            s3 = module.retrying_client("s3")
            kms = functools.lru_cache(maxsize=None)(lambda: module.retrying_client("kms"))  # only when needed
            for entry in params["s3"]:
                found.extend(check_s3(s3, entry, kms))
        # 3. RDS: newest snapshot young enough.
        if params["rds"]:
            rds = module.retrying_client("rds")
            for i, entry in enumerate(params["rds"]):
                found.extend(check_rds(rds, entry, i))
        # 4. PostgreSQL dumps: exist, fresh, and restore into a scratch database that is always dropped.
        #    Several at a time with `concurrency`, the CPUs shared out between them.
        restore_now = not module.check_mode or params["restore_in_check_mode"]
        if params["postgres"]:
            how = None
            if restore_now:
                # What killed runs left behind goes first (dropped only outside check mode), then who restores.
                leftovers.extend(postgres.drop_leftovers(conn, parse_duration(params["scratch_max_age"]),
                                                         dry_run=module.check_mode))
                found.extend(leftover_checks(leftovers, module.check_mode))
                how = postgres.restore_identity(conn, params["allow_superuser_restore"])
            width = min(params["concurrency"], len(params["postgres"]))
            default_jobs = max(1, (os.cpu_count() or 1) // width)
            verified = read_concurrently(list(range(len(params["postgres"]))), lambda i: check_postgres_dump(
                conn, params["postgres"][i], i, restore_now, params["pg_bin_dir"], default_jobs, how), width, "postgres")
            for dump_checks, record in verified.values():
                found.extend(dump_checks)
                if record:
                    restores.append(record)

    # 5. One report; the task fails when a check failed.
    summary = checks.summarize(found, keys=(checks.PASS, checks.WARN, checks.FAIL, checks.SKIPPED))
    result = dict(changed=any(item["dropped"] for item in leftovers), checks=found, summary=summary,
                  restores=restores, leftovers=leftovers)
    failed = [c for c in found if c["status"] == checks.FAIL]
    checks.end_module(module, result, failed and "%d backup check(s) failed: %s" % (len(failed), "; ".join(
        "%s %s: %s" % (c["resource"], c["check"], c["reason"]) for c in failed)),
        msg="%(pass)d passed, %(warn)d warnings, %(fail)d failed, %(skipped)d skipped" % summary)


if __name__ == "__main__":
    main()
