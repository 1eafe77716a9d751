#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: database_restore
short_description: Restore a PostgreSQL dump into a new database, as an unprivileged role, never over an existing one
version_added: 0.2.0
description:
  - >-
    Runbook 003 "Disaster Recovery": restore the database from a dump - into a new database O(name) that this module
    creates, never over one. A database of that name that is not this dump's restore (its comment says which dump
    restored it) fails the task; one that is returns C(changed=false) and is checked again.
  - >-
    The dump is untrusted input, as in M(ops.runbooks.backup_verify): it is restored as an unprivileged role made for
    the restore (LOGIN with a random password and nothing else; the restore logs in as it, so a function in the dump
    that does C(COPY ... TO PROGRAM) fails instead of running a command on the database server); a plain dump is never
    given to C(psql) - it is read as data and its statements sent one by one, so no psql meta-command can run on the
    controller, and any but pg_dump's C(\restrict)/C(\unrestrict) pair fails the restore naming its line; the
    statements of C(pg_dump -C -c) that act on a database (C(DROP/CREATE/ALTER DATABASE), the C(\connect)) are left
    out, so the database the dump came from is never touched; pg_dumpall output is refused; event triggers and
    extensions the server does not mark trusted are left out (RV(left_out)).
  - >-
    After a successful restore the database and everything in it is given to O(owner) (C(REASSIGN OWNED)) and the
    restore role dropped. A restore that fails drops the database it created, and only that one.
  - A table of O(min_rows) with fewer rows fails the task; the restored database stays (it is the restore).
notes:
  - >-
    The login role needs C(CREATEDB) and C(CREATEROLE) (it makes the restore role, grants itself membership, and gives
    the result to O(owner), which it must be a member of unless it is a superuser) - or is unprivileged itself with
    C(CREATEDB), and then restores as itself. A superuser login role also restores through a role made for it.
  - Needs C(psycopg2) on the host that runs the module and, for custom and directory dumps, C(pg_restore) as new as
    the C(pg_dump) that made the dump.
  - No AWS API is called.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  name:
    description: The new database.
    type: str
    required: true
  dump:
    description: The dump on the host that runs the module - custom (C(-Fc)), directory (C(-Fd)), plain C(.sql) or
      C(.sql.gz).
    type: path
    required: true
  owner:
    description: The role that owns the restored database and its objects; the login role when not given.
    type: str
  min_rows:
    description: Table (C(schema.table), or C(table) in C(public)) to its minimum row count after the restore.
    type: dict
    default: {}
  jobs:
    description: Parallel C(pg_restore) jobs for custom and directory dumps (1 to 64).
    type: int
    default: 1
  restore_timeout:
    description: Seconds the restore may take (1 to 604800, a week).
    type: int
    default: 3600
  allow_superuser_restore:
    description:
      - Restore as the login role even when it is a superuser or in a C(pg_*_server_*) role, with every extension of
        the dump. Only for a dump whose every byte you trust.
    type: bool
    default: false
  pg_bin_dir:
    description: Directory of C(pg_restore) when it is not on the PATH.
    type: path
extends_documentation_fragment:
  - ops.runbooks.postgres
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reports whether the database would be created and restored; creates nothing.
  diff_mode:
    support: full
  platform:
    platforms: posix
"""

EXAMPLES = r"""
- name: Restore last night's dump into a new database (runbook 003 Disaster Recovery)
  ops.runbooks.database_restore:
    name: ai_data_readiness_restored
    dump: /backups/latest.dump
    owner: app
    min_rows: {datasets: 1000, users: 10}
    login_host: db.internal
    login_user: restore_admin
    login_password: "{{ vault_restore_admin_password }}"
"""

RETURN = r"""
database:
  description: The database.
  returned: always
  type: str
restored:
  description: Whether this run restored it (false when it was this dump's restore already, and in check mode).
  returned: always
  type: bool
restored_as:
  description: The role the restore logged in as (a role made for it and dropped afterwards, or the login role).
  returned: when restored
  type: str
left_out:
  description: Statements or table of contents entries left out of the restore, by kind.
  returned: when restored
  type: dict
  sample: {database: 3, ownership: 12, untrusted extension: 1}
row_counts:
  description: Rows per table of the restored database.
  returned: when the database exists after the run
  type: dict
checks:
  description: "One check per table of O(min_rows): resource, check, status, observed, expected, reason."
  returned: always
  type: list
  elements: dict
summary:
  description: Counts of checks by status.
  returned: always
  type: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils import postgres
from ansible_collections.ops.runbooks.plugins.module_utils.checks import make_check
from ansible_collections.ops.runbooks.plugins.module_utils.errors import Conflict
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OpsRunbooksError

MARKER = "restored by ops.runbooks from %s"
IN_PROGRESS = "ops.runbooks restore in progress from %s"
_RESERVED = ("postgres", "template0", "template1")


def validate(params):
    name = params["name"]
    if not name or len(name.encode("utf-8")) > 63 or "\x00" in name:
        raise InvalidInput("name: %r is not a PostgreSQL database name (1 to 63 bytes)" % name)
    if name in _RESERVED or name == params["maintenance_db"] or name.startswith(postgres.SCRATCH_PREFIX):
        raise InvalidInput("name: %s is not a database to restore into (a system database, the maintenance database, "
                           "or this collection's scratch prefix)" % name)
    check_range("jobs", params["jobs"], 1, 64)
    postgres.validate_restore(params["restore_timeout"], params["min_rows"])
    postgres.validate_connection(params)
    dump = params["dump"]
    if not os.path.exists(dump):
        raise InvalidInput("dump: %s not found" % dump)
    if not (os.path.isdir(dump) or os.path.isfile(dump)):
        raise InvalidInput("dump: %s is not a regular file or a directory" % dump)


def row_checks(counts, min_rows):
    found = []
    for table, minimum in sorted(min_rows.items()):
        name = postgres.qualified(table)
        if name not in counts:
            found.append(make_check(name, "rows", checks.FAIL, "table %s missing after restore" % name, None,
                                    int(minimum)))
            continue
        found.append(make_check(name, "rows", checks.PASS if counts[name] >= int(minimum) else checks.FAIL,
                                "%d rows (minimum %s)" % (counts[name], minimum), counts[name], int(minimum)))
    return found


def restore_new(conn, params, how):
    """Create the database, restore into it as the restore role, hand it to the owner; on failure drop what this
    run created (the database only while its comment says this run's restore is in progress)."""
    name, dump = params["name"], params["dump"]
    owner = params["owner"] or conn["login_user"]
    role = postgres.scratch_name() if how["role"] else None
    restore_conn = postgres.create_restore_role(conn, role, how["superuser"]) if role else conn
    created = False
    try:
        postgres.create_database(conn, name, IN_PROGRESS % dump, role)
        created = True
        fmt = postgres.dump_format(dump)
        left_out = postgres.restore(restore_conn, name, dump, fmt, params["jobs"], params["restore_timeout"],
                                    params["pg_bin_dir"], how["trusted"])
        postgres.hand_over(conn, name, role, owner)
        postgres.comment_database(conn, name, MARKER % dump)
    except Exception:
        # what this run made goes; the restore's own error is the one reported
        if created:
            _quietly(postgres.drop_database, conn, name, IN_PROGRESS % dump)
        if role:
            _quietly(postgres.drop_role, conn, role)
        raise
    if role:
        postgres.drop_role(conn, role)
    return {"restored_as": restore_conn["login_user"], "left_out": left_out, "format": fmt}


def run(module, conn, result):
    """Validate, then restore unless this dump's restore is there already (check mode: say so); the row checks."""
    params = module.params
    validate(params)
    comment = postgres.database_comment(conn, params["name"])
    exists = comment is not None
    if exists and comment != MARKER % params["dump"]:
        raise Conflict("name: database %s exists and is not a restore of %s (%s): choose another name"
                       % (params["name"], params["dump"], "a restore that never finished"
                          if comment.startswith(IN_PROGRESS % "") else "not made by this module"))
    result["diff"] = {"before": {"database": params["name"] if exists else None},
                      "after": {"database": params["name"], "restored_from": params["dump"]}}
    if not exists:
        result["changed"] = True
        if module.check_mode:
            result["checks"] = [make_check(params["name"], "restore", checks.SKIPPED,
                                           "check mode: would create it and restore %s" % params["dump"])]
            result["summary"] = checks.summarize(result["checks"])
            return
        how = postgres.restore_identity(conn, params["allow_superuser_restore"])
        if how.get("refused"):
            raise InvalidInput("login_user: %s" % how["refused"])
        result.update(restore_new(conn, params, how), restored=True)
    result["row_counts"] = postgres.row_counts(conn, params["name"])
    result["checks"] = row_checks(result["row_counts"], params["min_rows"])
    result["summary"] = checks.summarize(result["checks"])


def _quietly(function, *args):
    try:
        function(*args)
    except postgres.DatabaseError:
        pass  # a leftover role is dropped by a later run's leftover sweep (backup_verify scratch_max_age)


def main():
    spec = dict(
        name=dict(type="str", required=True),
        dump=dict(type="path", required=True),
        owner=dict(type="str"),
        min_rows=dict(type="dict", default={}),
        jobs=dict(type="int", default=1),
        restore_timeout=dict(type="int", default=3600),
        allow_superuser_restore=dict(type="bool", default=False),
        pg_bin_dir=dict(type="path"),
        **postgres.POSTGRES_CONNECTION_SPEC
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    conn = dict((k, params[k]) for k in postgres.POSTGRES_CONNECTION_SPEC)
    result = dict(changed=False, database=params["name"], restored=False, checks=[], summary={})
    postgres.require_psycopg2(module)
    try:
        run(module, conn, result)
    except OpsRunbooksError as e:  # bad input, a conflict, PostgreSQL's or the restore's error: named, no traceback
        module.fail_json(msg=e.message or str(e), **result)
    failed = [c for c in result["checks"] if c["status"] == checks.FAIL]
    if failed:
        module.fail_json(msg="%d table(s) below their minimum rows in %s: %s" % (len(failed), params["name"], "; ".join(
            "%s: %s" % (c["resource"], c["reason"]) for c in failed)), **result)
    if module.check_mode and result["changed"]:
        module.exit_json(msg="%s would be created and restored from %s" % (params["name"], params["dump"]), **result)
    module.exit_json(msg="%s %s" % (params["name"], "restored from %s" % params["dump"] if result["restored"]
                                    else "is already the restore of %s" % params["dump"]), **result)


if __name__ == "__main__":
    main()
