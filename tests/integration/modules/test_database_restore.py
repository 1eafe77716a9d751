# -*- coding: utf-8 -*-
"""database_restore against the sandbox's PostgreSQL: a new database from a dump, never over one, the dump as
untrusted input (#30: restore_database, community.postgresql's psql restore, dropped and recreated the live database of
a ``pg_dump -C -c`` dump and ran a dump's meta-commands on the controller).

After every case no restore role remains and every database a case made is dropped.
"""
from __future__ import annotations

import gzip
import os
import subprocess
import uuid

import pytest
from pgadmin import admin as _admin


def query(sandbox, statement, dbname="postgres", *args):
    with _admin(sandbox, dbname) as cur:
        cur.execute(statement, args or None)
        return cur.fetchall()


@pytest.fixture
def pg(sandbox):
    conn = {"login_host": "127.0.0.1", "login_port": sandbox.pg_port, "login_user": "postgres",
            "maintenance_db": "postgres", "connect_timeout": 10}
    yield conn
    assert query(sandbox, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'ops\\_verify\\_%'") == []


@pytest.fixture
def target(sandbox):
    """A database name for the case; dropped afterwards whatever happened."""
    name = "restored_" + uuid.uuid4().hex[:8]
    yield name
    with _admin(sandbox) as cur:
        cur.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


def restore(run_module, args, **kwargs):
    return run_module("database_restore", args, aws=False, **kwargs)


def exists(sandbox, name):
    return bool(query(sandbox, "SELECT 1 FROM pg_database WHERE datname = %s", "postgres", name))


def test_restores_into_a_new_database_idempotently_owned_by_the_login_role(sandbox, pg, run_module, target):
    args = dict(pg, name=target, dump=sandbox.dumps["custom"], min_rows={"datasets": 120, "users": 15})
    planned = restore(run_module, args, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["restored"] is False and not exists(sandbox, target)
    assert planned["diff"]["before"] == {"database": None}
    result = restore(run_module, args)
    assert not result.get("failed"), result["msg"]
    assert result["changed"] is True and result["restored"] is True
    assert result["row_counts"] == {"public.datasets": 120, "public.quality_checks": 300, "public.users": 15}
    assert result["restored_as"].startswith("ops_verify_") and result["left_out"]["untrusted extension"] >= 2
    assert [c["status"] for c in result["checks"]] == ["pass", "pass"]
    # the database and every table belong to the login role; the restore role is gone (the pg fixture)
    assert query(sandbox, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", "postgres",
                 target) == [("postgres",)]
    assert set(query(sandbox, "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'", target)) == {
        ("postgres",)}
    again = restore(run_module, args)
    assert not again.get("failed") and again["changed"] is False and again["restored"] is False
    assert again["row_counts"]["public.datasets"] == 120


def test_never_over_a_database_it_did_not_restore(sandbox, pg, run_module, target):
    with _admin(sandbox) as cur:
        cur.execute("CREATE DATABASE %s" % target)
    with _admin(sandbox, target) as cur:
        cur.execute("CREATE TABLE precious (id int)")
    result = restore(run_module, dict(pg, name=target, dump=sandbox.dumps["plain_gz"]))
    assert result["failed"] is True and result["msg"].startswith("name: database %s exists" % target), result["msg"]
    assert query(sandbox, "SELECT count(*) FROM pg_tables WHERE tablename = 'precious'", target) == [(1,)]


def test_a_pg_dump_c_c_dump_never_touches_the_database_it_came_from(sandbox, pg, run_module, target, tmp_path):
    victim = "victim_" + uuid.uuid4().hex[:8]
    with _admin(sandbox) as cur:
        cur.execute("CREATE DATABASE %s" % victim)
    try:
        with _admin(sandbox, victim) as cur:
            cur.execute("CREATE TABLE items (id int)")
            cur.execute("INSERT INTO items SELECT generate_series(1, 3)")
        dump = tmp_path / "victim.sql"
        subprocess.run(["pg_dump", "-C", "-c", "--if-exists", "-f", str(dump), victim], check=True,
                       env=dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(sandbox.pg_port), PGUSER="postgres"))
        with _admin(sandbox, victim) as cur:
            cur.execute("INSERT INTO items VALUES (4)")  # after the backup
        result = restore(run_module, dict(pg, name=target, dump=str(dump), min_rows={"items": 3}))
        assert not result.get("failed"), result["msg"]
        assert query(sandbox, "SELECT count(*) FROM items", victim) == [(4,)]
        assert query(sandbox, "SELECT count(*) FROM items", target) == [(3,)]
        assert result["left_out"]["database"] >= 2
    finally:
        with _admin(sandbox) as cur:
            cur.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % victim)


def test_a_meta_command_runs_nothing_and_the_failed_restore_leaves_no_database(sandbox, pg, run_module, target,
                                                                               tmp_path):
    marker = tmp_path / "ran"
    dump = tmp_path / "evil.sql.gz"
    with gzip.open(dump, "wb") as fh:
        fh.write(("CREATE TABLE public.t (id int);\n\\! touch %s\n--\n-- PostgreSQL database dump complete\n--\n"
                  % marker).encode())
    result = restore(run_module, dict(pg, name=target, dump=str(dump)))
    assert result["failed"] is True and "meta-command" in result["msg"], result["msg"]
    assert not marker.exists() and not exists(sandbox, target)


def test_min_rows_not_met_fails_and_keeps_the_restore(sandbox, pg, run_module, target):
    result = restore(run_module, dict(pg, name=target, dump=sandbox.dumps["custom"],
                                      min_rows={"users": 1000, "missing": 0}))
    assert result["failed"] is True and result["restored"] is True and exists(sandbox, target)
    assert "2 table(s) below their minimum rows" in result["msg"], result["msg"]


def test_pg_bin_dir_names_the_tools_and_a_failed_restore_leaves_nothing(sandbox, pg, run_module, target, tmp_path):
    from sandbox import pg_bindir
    empty = restore(run_module, dict(pg, name=target, dump=sandbox.dumps["custom"], pg_bin_dir=str(tmp_path)))
    assert empty["failed"] is True and "pg_restore not found" in empty["msg"], empty["msg"]
    assert not exists(sandbox, target)
    good = restore(run_module, dict(pg, name=target, dump=sandbox.dumps["custom"], pg_bin_dir=pg_bindir()))
    assert not good.get("failed"), good["msg"]


@pytest.mark.parametrize("args, message", [
    ({"name": "postgres"}, "name: postgres is not a database to restore into"),
    ({"name": "ops_verify_12345678"}, "name: ops_verify_12345678 is not a database to restore into"),
    ({"name": "x" * 64}, "is not a PostgreSQL database name"),
    ({"dump": "/nonexistent/latest.dump"}, "dump: /nonexistent/latest.dump not found"),
    ({"min_rows": {"t": "lots"}}, "min_rows.t"),
    ({"jobs": 0}, "jobs: 0 is out of range"),
    ({"restore_timeout": 0}, "restore_timeout: 0 is out of range"),
])
def test_bad_input_fails_clearly_and_creates_nothing(sandbox, pg, run_module, target, args, message):
    result = restore(run_module, dict(dict(pg, name=target, dump=sandbox.dumps["custom"]), **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert "Traceback" not in result["msg"] and not exists(sandbox, target)


def test_a_hostile_database_name_and_dump_path_are_data(sandbox, pg, run_module, tmp_path):
    """Shell and SQL metacharacters in the new database's name and in the dump's path reach PostgreSQL as one
    identifier and the tools as one argument: the database of exactly that name is made, nothing else runs."""
    import shutil
    marker = "ops-runbooks-marker-" + uuid.uuid4().hex[:8]  # a shell would make it in its working directory
    name = 'x"; DROP DATABASE postgres; --{{ 7*7 }}'
    dump = tmp_path / ("$(touch %s); `touch %s`.dump" % (marker, marker))
    shutil.copy(sandbox.dumps["custom"], dump)
    try:
        result = restore(run_module, dict(pg, name=name, dump=str(dump), min_rows={"users": 15}))
        assert not result.get("failed"), result["msg"]
        assert exists(sandbox, name) and exists(sandbox, "postgres")
        assert not os.path.exists(marker) and not (tmp_path / marker).exists()
        assert result["database"] == name
    finally:
        with _admin(sandbox) as cur:
            cur.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name.replace('"', '""'))
