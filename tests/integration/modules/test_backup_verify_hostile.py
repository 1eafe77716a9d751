# -*- coding: utf-8 -*-
"""backup_verify on dumps written by someone hostile or careless, against the sandbox's PostgreSQL (#30): a dump is
untrusted input. Each case failed before: a ``pg_dump -C -c`` dump dropped and recreated the live database, psql
meta-commands ran shell commands on the controller, a function in a custom dump ran ``COPY ... TO PROGRAM`` on the
database server as the login role, a cancelled run's copy of the data stayed forever, pg_dumpall output passed.

After every case no scratch database and no restore role remains.
"""
from __future__ import annotations

import datetime
import os
import pathlib
import shutil
import subprocess
import tempfile
import uuid

import pytest
from pgadmin import admin as _admin


@pytest.fixture
def pg(sandbox):
    conn = {"login_host": "127.0.0.1", "login_port": sandbox.pg_port, "login_user": "postgres"}
    yield conn
    assert scratch(sandbox) == [], "a scratch database or restore role was left behind"


def scratch(sandbox):
    with _admin(sandbox) as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE 'ops\\_verify\\_%' UNION ALL "
                    "SELECT rolname FROM pg_roles WHERE rolname LIKE 'ops\\_verify\\_%' ORDER BY 1")
        return [r[0] for r in cur.fetchall()]


@pytest.fixture
def database(sandbox):
    """A fresh database with a table of 3 rows; dropped afterwards."""
    name = "hostile_" + uuid.uuid4().hex[:8]
    with _admin(sandbox) as cur:
        cur.execute("CREATE DATABASE %s" % name)
    with _admin(sandbox, name) as cur:
        cur.execute("CREATE TABLE items (id int PRIMARY KEY)")
        cur.execute("INSERT INTO items SELECT generate_series(1, 3)")
    yield name
    with _admin(sandbox) as cur:
        cur.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


def pg_dump(sandbox, dbname, target, *options, tool="pg_dump"):
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(sandbox.pg_port), PGUSER="postgres")
    subprocess.run([tool, *options, "-f", str(target)] + ([dbname] if dbname else []), env=env, check=True)
    return str(target)


def rows(sandbox, dbname):
    with _admin(sandbox, dbname) as cur:
        cur.execute("SELECT count(*) FROM items")
        return cur.fetchone()[0]


def restore_check(result):
    return [c for c in result["checks"] if c["check"] == "restore"][0]


def test_a_pg_dump_c_c_dump_never_touches_the_database_it_came_from(sandbox, pg, run_module, database, tmp_path):
    """The genuine ``pg_dump -C -c --if-exists victimdb`` plain dump: its DROP/CREATE DATABASE and \\connect are left
    out, the restore happens in the scratch database, the live database keeps the rows written after the backup."""
    path = pg_dump(sandbox, database, tmp_path / "victim.sql", "-C", "-c", "--if-exists")
    with _admin(sandbox, database) as cur:
        cur.execute("INSERT INTO items VALUES (4), (5)")  # written after the backup
    result = run_module("backup_verify", dict(pg, postgres=[{"path": path, "min_rows": {"items": 3}}]))
    assert not result.get("failed"), result["msg"]
    assert rows(sandbox, database) == 5
    [restore] = result["restores"]
    assert restore["row_counts"] == {"public.items": 3}
    assert restore["left_out"]["database"] >= 2 and restore["restored_as"] == restore["database"]
    assert "left out:" in restore_check(result)["reason"] and "database" in restore_check(result)["reason"]


@pytest.mark.parametrize("payload", [
    "\\! touch {marker}\n",
    "\\o |touch {marker}\nSELECT 1;\n",
    "\\copy (SELECT 1) TO PROGRAM 'touch {marker}'\n",
    "\\restrict k1\n\\unrestrict k1\n\\! touch {marker}\n",
    "SELECT 1 \\g |touch {marker}\n",
])
@pytest.mark.parametrize("gz", [False, True])
def test_a_meta_command_in_a_plain_dump_runs_nothing_and_fails_the_restore(pg, run_module, tmp_path, payload, gz):
    import gzip
    marker = tmp_path / "ran"
    text = ("SET statement_timeout = 0;\nCREATE TABLE public.t (id int);\n" + payload.format(marker=marker)
            + "INSERT INTO public.t VALUES (1);\n--\n-- PostgreSQL database dump complete\n--\n").encode()
    path = tmp_path / ("evil.sql.gz" if gz else "evil.sql")
    if gz:
        with gzip.open(path, "wb") as fh:
            fh.write(text)
    else:
        path.write_bytes(text)
    result = run_module("backup_verify", dict(pg, postgres=[{"path": str(path)}]))
    assert not marker.exists()
    assert result["failed"] is True
    check = restore_check(result)
    assert check["status"] == "fail" and "line" in check["reason"] and "meta-command" in check["reason"], check


def test_pg_dumpall_output_is_refused(sandbox, pg, run_module, tmp_path):
    path = pg_dump(sandbox, None, tmp_path / "cluster.sql", "--no-role-passwords", "-l", "postgres",
                   tool="pg_dumpall")
    result = run_module("backup_verify", dict(pg, postgres=[{"path": path}]))
    assert result["failed"] is True
    assert "pg_dumpall" in restore_check(result)["reason"], restore_check(result)


def test_a_function_in_a_custom_dump_cannot_run_a_program_on_the_database_server(sandbox, pg, run_module, database,
                                                                                 tmp_path):
    """A table whose CHECK constraint calls a plpgsql function doing COPY ... TO PROGRAM: loaded as the restore role
    made for the run, the server refuses the COPY - no file is written on the server, and the restore fails."""
    server_dir = tempfile.mkdtemp(prefix="ops-runbooks-server-")
    os.chmod(server_dir, 0o777)  # the server runs as postgres: it can write here, were the COPY allowed
    marker = pathlib.Path(server_dir) / "ran"
    with _admin(sandbox, database) as cur:
        cur.execute("CREATE FUNCTION public.pwn(i int) RETURNS boolean LANGUAGE plpgsql AS $f$ BEGIN "
                    "EXECUTE format('COPY (SELECT 1) TO PROGRAM %%L', 'touch %s'); RETURN true; END $f$" % marker)
        cur.execute("CREATE TABLE public.loot (id int CHECK (public.pwn(id)))")
        cur.execute("INSERT INTO public.loot VALUES (1)")
    assert marker.exists()  # the INSERT above ran it as the superuser: that is what a restore must not do
    marker.unlink()
    path = pg_dump(sandbox, database, tmp_path / "evil.dump", "-Fc")
    result = run_module("backup_verify", dict(pg, postgres=[{"path": path}]))
    assert not marker.exists()
    shutil.rmtree(server_dir)
    assert result["failed"] is True
    reason = restore_check(result)["reason"]
    assert "ERROR:" in reason and "pg_execute_server_program" in reason, reason


def test_event_triggers_are_left_out_and_untrusted_extensions_too_when_unprivileged(
        sandbox, pg, run_module, database, tmp_path):
    with _admin(sandbox, database) as cur:
        cur.execute("CREATE EXTENSION pgstattuple")
        cur.execute("CREATE FUNCTION public.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $f$ BEGIN "
                    "RAISE EXCEPTION 'no DDL here'; END $f$")
        cur.execute("CREATE EVENT TRIGGER no_ddl ON ddl_command_start EXECUTE FUNCTION public.on_ddl()")
    try:
        for fmt, name in (("-Fc", "e.dump"), ("-Fp", "e.sql")):
            path = pg_dump(sandbox, database, tmp_path / name, fmt)
            result = run_module("backup_verify", dict(pg, postgres=[{"path": path, "min_rows": {"items": 3}}]))
            assert not result.get("failed"), result["msg"]
            assert result["restores"][0]["left_out"]["event trigger"] >= 1
            assert result["restores"][0]["left_out"]["untrusted extension"] >= 1
    finally:
        with _admin(sandbox, database) as cur:
            cur.execute("DROP EVENT TRIGGER no_ddl")


def test_allow_superuser_restore_restores_as_the_login_role_with_every_extension(sandbox, pg, run_module):
    result = run_module("backup_verify", dict(pg, allow_superuser_restore=True,
                                              postgres=[{"path": sandbox.dumps["custom"]}]))
    assert not result.get("failed"), result["msg"]
    [restore] = result["restores"]
    assert restore["restored_as"] == "postgres" and "untrusted extension" not in restore["left_out"]
    default = run_module("backup_verify", dict(pg, postgres=[{"path": sandbox.dumps["custom"]}]))
    assert default["restores"][0]["restored_as"] == default["restores"][0]["database"]
    assert default["restores"][0]["left_out"]["untrusted extension"] >= 2  # pgstattuple, pg_stat_statements


@pytest.fixture
def login_role(sandbox):
    """Make a login role with the given attributes and server roles; dropped afterwards."""
    made = []

    def make(attributes, *member_of):
        name = "bv_login_" + uuid.uuid4().hex[:6]
        with _admin(sandbox) as cur:
            cur.execute("CREATE ROLE %s LOGIN %s" % (name, attributes))
            for role in member_of:
                cur.execute("GRANT %s TO %s" % (role, name))
        made.append(name)
        return name

    yield make
    with _admin(sandbox) as cur:
        for name in made:
            cur.execute("DROP ROLE IF EXISTS %s" % name)


def test_a_privileged_login_that_cannot_make_a_restore_role_is_refused(sandbox, pg, run_module, login_role):
    name = login_role("CREATEDB", "pg_execute_server_program")
    result = run_module("backup_verify", dict(pg, login_user=name, postgres=[{"path": sandbox.dumps["custom"]}]))
    assert result["failed"] is True and result["restores"] == []
    reason = restore_check(result)["reason"]
    assert "pg_execute_server_program" in reason and "allow_superuser_restore" in reason, reason


def test_an_unprivileged_login_restores_as_itself_and_a_createrole_login_makes_the_restore_role(sandbox, pg,
                                                                                                run_module,
                                                                                                login_role):
    plain = login_role("CREATEDB")
    result = run_module("backup_verify", dict(pg, login_user=plain, postgres=[{"path": sandbox.dumps["plain_gz"]}]))
    assert not result.get("failed"), result["msg"]
    assert result["restores"][0]["restored_as"] == plain
    admin = login_role("CREATEDB CREATEROLE", "pg_write_server_files")
    result = run_module("backup_verify", dict(pg, login_user=admin, postgres=[{"path": sandbox.dumps["custom"]}]))
    assert not result.get("failed"), result["msg"]
    assert result["restores"][0]["restored_as"] == result["restores"][0]["database"]


def test_leftovers_of_a_killed_run_are_dropped_and_reported(sandbox, pg, run_module):
    """A scratch database and role older than scratch_max_age are dropped (check mode: reported only); one without a
    creation time is reported and left alone; a young one is nobody's business."""
    old, young, unknown = ("ops_verify_%s" % uuid.uuid4().hex[:8] for _i in range(3))
    stamp = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with _admin(sandbox) as cur:
        for name, when in ((old, stamp), (young, now), (unknown, None)):
            cur.execute("CREATE ROLE %s" % name)
            cur.execute("CREATE DATABASE %s OWNER %s" % (name, name))
            if when:
                cur.execute("COMMENT ON DATABASE %s IS 'ops.runbooks backup_verify scratch database, created %s'"
                            % (name, when))
                cur.execute("COMMENT ON ROLE %s IS 'ops.runbooks backup_verify restore role, created %s'" % (name, when))
    try:
        options = dict(pg, restore_in_check_mode=True, postgres=[{"path": sandbox.dumps["custom"]}])
        planned = run_module("backup_verify", options, check_mode=True)
        assert sorted((i["kind"], i["name"], i["dropped"]) for i in planned["leftovers"]) == sorted(
            [("database", old, False), ("role", old, False), ("database", unknown, False), ("role", unknown, False)])
        assert old in scratch(sandbox) and planned["changed"] is False
        result = run_module("backup_verify", dict(options, restore_in_check_mode=False))
        assert not result.get("failed"), result["msg"]
        assert sorted((i["kind"], i["name"], i["dropped"]) for i in result["leftovers"]) == sorted(
            [("database", old, True), ("role", old, True), ("database", unknown, False), ("role", unknown, False)])
        assert result["changed"] is True
        warned = {(c["resource"], c["reason"].split(" ")[0]) for c in result["checks"] if c["check"] == "leftover"}
        assert warned == {(old, "dropped"), (unknown, "scratch")}
        assert sorted(scratch(sandbox)) == sorted([young, young, unknown, unknown])
    finally:
        with _admin(sandbox) as cur:
            for name in (old, young, unknown):
                cur.execute("DROP DATABASE IF EXISTS %s" % name)
                cur.execute("DROP ROLE IF EXISTS %s" % name)


def test_scratch_max_age_must_outlast_every_restore(sandbox, pg, run_module):
    result = run_module("backup_verify", dict(pg, scratch_max_age="30m", postgres=[{"path": sandbox.dumps["custom"]}]))
    assert result["failed"] is True and result["msg"].startswith("scratch_max_age:"), result["msg"]


def test_a_dump_newer_than_pg_restore_fails_with_what_to_install(sandbox, pg, run_module, tmp_path):
    """The archive version in the header is what pg_restore checks: a version from the future stands in for a dump
    of PostgreSQL 17 read by Stream 9's pg_restore 13."""
    data = bytearray(open(sandbox.dumps["custom"], "rb").read())
    data[6] = 99  # archive format 1.99
    path = tmp_path / "future.dump"
    path.write_bytes(bytes(data))
    result = run_module("backup_verify", dict(pg, postgres=[{"path": str(path)}]))
    assert result["failed"] is True
    reason = restore_check(result)["reason"]
    assert "cannot read this dump: its archive format is 1.99" in reason and "install a PostgreSQL client" in reason, \
        reason
