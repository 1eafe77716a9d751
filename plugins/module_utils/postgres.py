# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL plumbing: connections, scratch databases the module owns, dump restores, exact row counts.

A scratch database is named ``SCRATCH_PREFIX`` + 8 random hex digits; ``drop_scratch`` refuses any other name, so
only databases this code created can ever be dropped. Identifiers go through ``psycopg2.sql``.
"""

from __future__ import annotations

import functools
import gzip
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time

try:
    import psycopg2
    from psycopg2 import sql

    HAS_PSYCOPG2 = True
except ImportError:
    HAS_PSYCOPG2 = False

from ansible.module_utils.basic import env_fallback

from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range

SCRATCH_PREFIX = "ops_verify_"
_SCRATCH_RE = re.compile(r"^%s[0-9a-f]{8}$" % SCRATCH_PREFIX)

# The connection options, as community.postgresql names and defaults them (doc fragment ops.runbooks.postgres).
POSTGRES_CONNECTION_SPEC = dict(
    login_host=dict(type="str", default="", fallback=(env_fallback, ["PGHOST"])),
    login_port=dict(type="int", default=5432, fallback=(env_fallback, ["PGPORT"])),
    login_user=dict(type="str", default="postgres", fallback=(env_fallback, ["PGUSER"])),
    login_password=dict(type="str", default="", no_log=True, fallback=(env_fallback, ["PGPASSWORD"])),
    maintenance_db=dict(type="str", default="postgres"),
    ssl_mode=dict(type="str", default="prefer",
                  choices=["allow", "disable", "prefer", "require", "verify-ca", "verify-full"]),
    ca_cert=dict(type="path", aliases=["ssl_rootcert"]),
    connect_timeout=dict(type="int", default=10),
)


class RestoreFailed(OperationFailed):
    """The restore tool failed; the message holds its error output."""


class DatabaseError(OperationFailed):
    """PostgreSQL refused a connection or a statement; the message holds its error."""


def _database_errors(function):
    """Raise psycopg2's errors as DatabaseError ("PostgreSQL: <its message>")."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except psycopg2.Error as e:
            raise DatabaseError("PostgreSQL: %s" % str(e).strip()) from None

    return wrapper


def validate_connection(conn):
    """What the argument spec cannot check; raises InvalidInput naming the option."""
    check_range("connect_timeout", conn["connect_timeout"], 1, 3600, " seconds")
    if conn["ssl_mode"] in ("verify-ca", "verify-full") and not conn.get("ca_cert"):
        raise InvalidInput("ca_cert: ssl_mode=%s checks the server's certificate against ca_cert; give it"
                           % conn["ssl_mode"])
    if conn.get("ca_cert") and not os.path.isfile(conn["ca_cert"]):
        raise InvalidInput("ca_cert: %s is not a file" % conn["ca_cert"])


def connect(conn, dbname):
    """A psycopg2 connection from module-style options (``login_host`` empty = local socket)."""
    kwargs = {"dbname": dbname, "user": conn["login_user"], "port": conn["login_port"],
              "connect_timeout": conn.get("connect_timeout", 10), "sslmode": conn.get("ssl_mode", "prefer")}
    if conn.get("login_host"):
        kwargs["host"] = conn["login_host"]
    if conn.get("login_password"):
        kwargs["password"] = conn["login_password"]
    if conn.get("ca_cert"):
        kwargs["sslrootcert"] = conn["ca_cert"]
    return psycopg2.connect(**kwargs)


def client_env(conn, dbname=None):
    """Environment for libpq command-line tools (pg_restore, psql): the same connection as ``connect``."""
    env = dict(os.environ, PGPORT=str(conn["login_port"]), PGUSER=conn["login_user"],
               PGCONNECT_TIMEOUT=str(conn.get("connect_timeout", 10)), PGSSLMODE=conn.get("ssl_mode", "prefer"))
    if conn.get("login_host"):
        env["PGHOST"] = conn["login_host"]
    if conn.get("login_password"):
        env["PGPASSWORD"] = conn["login_password"]
    if conn.get("ca_cert"):
        env["PGSSLROOTCERT"] = conn["ca_cert"]
    if dbname:
        env["PGDATABASE"] = dbname
    return env


def scratch_name():
    return SCRATCH_PREFIX + secrets.token_hex(4)


@_database_errors
def create_scratch(conn):
    """Create an empty scratch database and return its name."""
    name = scratch_name()
    _admin(conn, sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    return name


@_database_errors
def drop_scratch(conn, name):
    """Drop a scratch database created by ``create_scratch`` (never any other name); sessions are terminated."""
    if not _SCRATCH_RE.match(name or ""):
        raise ValueError("refusing to drop %r: not a scratch database of this module" % (name,))
    _admin(conn, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _admin(conn, statement):
    """Run one statement that cannot run in a transaction (CREATE/DROP DATABASE) on the maintenance database."""
    admin = connect(conn, conn["maintenance_db"])
    try:
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(statement)
    finally:
        admin.close()


@_database_errors
def list_scratch(conn):
    """Names of the scratch databases that exist (leftovers of a killed run, for example)."""
    admin = connect(conn, conn["maintenance_db"])
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (SCRATCH_PREFIX + "%",))
            return sorted(r[0] for r in cur.fetchall() if _SCRATCH_RE.match(r[0]))
    finally:
        admin.close()


def dump_format(path):
    """``directory``, ``custom``, ``plain_gz`` or ``plain`` (by content for custom, by name for .gz)."""
    if os.path.isdir(path):
        return "directory"
    with open(path, "rb") as fh:
        head = fh.read(5)
    if head == b"PGDMP":
        return "custom"
    if head[:2] == b"\x1f\x8b":
        return "plain_gz"
    return "plain"


# pg_dump ends a plain dump with "-- PostgreSQL database dump complete" (pg_dumpall: "... cluster dump complete"):
# a plain dump without it was cut off, even when every statement before the cut restores.
PLAIN_DUMP_TRAILER = b"dump complete"
_TOC_TABLE_RE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA |ATTACH )(?P<schema>\S+) (?P<table>\S+) ")


def toc_tables(path, bindir=None, timeout=300):
    """``schema.table`` of every TABLE in the table of contents of a custom or directory dump (``pg_restore -l``)."""
    cmd = [_tool("pg_restore", bindir), "-l", path]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RestoreFailed("pg_restore -l: timed out after %ds" % timeout) from None
    if proc.returncode != 0:
        raise RestoreFailed("pg_restore -l: %s" % _tail(proc.stderr))
    found = (_TOC_TABLE_RE.match(line) for line in proc.stdout.decode("utf-8", "replace").splitlines())
    return sorted(set("%s.%s" % (m.group("schema"), m.group("table")) for m in found if m))


def _plain_tail(path, size=512):
    with open(path, "rb") as fh:
        fh.seek(max(0, os.path.getsize(path) - size))
        return fh.read()


def _incomplete(path):
    return RestoreFailed("%s: incomplete dump: it does not end with pg_dump's \"dump complete\" line (cut off?)"
                         % os.path.basename(path))


def restore(conn, dbname, path, fmt, jobs, timeout, bindir=None):
    """Restore a dump into ``dbname``; stop at the first error. Raises RestoreFailed (with the tool's error), also
    for a plain dump that lacks pg_dump's closing line (a dump cut off between two statements restores cleanly)."""
    if timeout <= 0:
        raise RestoreFailed("restore_timeout: %s must be positive" % timeout)
    env = client_env(conn, dbname)
    deadline = time.monotonic() + timeout
    if fmt in ("custom", "directory"):
        cmd = [_tool("pg_restore", bindir), "--exit-on-error", "--no-owner", "--no-privileges", "-d", dbname]
        if jobs > 1:
            cmd += ["-j", str(jobs)]
        _run(cmd + [path], env, timeout)
        return
    cmd = [_tool("psql", bindir), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dbname, "-o", os.devnull]
    if fmt == "plain":
        if os.path.getsize(path) and PLAIN_DUMP_TRAILER not in _plain_tail(path):  # empty: nothing was cut
            raise _incomplete(path)
        _run(cmd + ["-f", path], env, timeout)
        return
    # stderr goes to a file, not a pipe: nothing can block while the dump is streamed into psql's stdin.
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors) as proc:
            tail = b""
            try:
                with gzip.open(path, "rb") as src:
                    while time.monotonic() < deadline:
                        chunk = src.read(1 << 20)
                        if not chunk:
                            break
                        tail = (tail + chunk)[-512:]
                        proc.stdin.write(chunk)
            except BrokenPipeError:
                pass  # psql stopped reading: it failed, its error is in the file
            except (OSError, EOFError) as e:  # not a complete gzip stream
                proc.kill()
                raise RestoreFailed("%s: %s" % (os.path.basename(path), e)) from None
            finally:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
            try:
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                raise RestoreFailed("psql: timed out after %ds" % timeout) from None
        if time.monotonic() >= deadline:
            raise RestoreFailed("psql: timed out after %ds" % timeout)
        if proc.returncode != 0:
            errors.seek(0)
            raise RestoreFailed("psql: %s" % _tail(errors.read()))
        if tail and PLAIN_DUMP_TRAILER not in tail:
            raise _incomplete(path)


@_database_errors
def row_counts(conn, dbname):
    """``{schema.table: exact count(*)}`` of every user table."""
    db = connect(conn, dbname)
    try:
        with db.cursor() as cur:
            cur.execute(
                "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
                " AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
            )
            tables = cur.fetchall()
            counts = {}
            for schema, table in tables:
                cur.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
                counts["%s.%s" % (schema, table)] = cur.fetchone()[0]
            return counts
    finally:
        db.close()


def qualified(name):
    """``schema.table`` for a table named with or without its schema (``public`` by default)."""
    return name if "." in name else "public." + name


def _tool(name, bindir):
    path = os.path.join(bindir, name) if bindir else shutil.which(name)
    if not path or not os.path.exists(path):
        raise RestoreFailed("%s not found (install the PostgreSQL client or set pg_bin_dir)" % name)
    return path


def _run(cmd, env, timeout):
    try:
        proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise RestoreFailed("%s: timed out after %ds" % (os.path.basename(cmd[0]), timeout)) from None
    if proc.returncode != 0:
        raise RestoreFailed("%s: %s" % (os.path.basename(cmd[0]), _tail(proc.stderr)))


def _tail(stderr, lines=5):
    text = (stderr or b"").decode("utf-8", "replace").strip().splitlines()
    return " / ".join(text[-lines:]) or "failed without a message"
