# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL plumbing: connections, scratch databases the module owns, dump restores, exact row counts.

A scratch database is named ``SCRATCH_PREFIX`` + 8 random hex digits; ``drop_scratch`` refuses any other name, so
only databases this code created can ever be dropped. Identifiers go through ``psycopg2.sql``.

A dump is untrusted input (whoever controls the application database writes what is in it):

- it is restored as an unprivileged role made for the run (same name as the scratch database: no superuser, no
  CREATEDB/CREATEROLE, in no ``pg_*_server_*`` role, owner of the scratch database only), logged in as that role - not
  ``SET ROLE``, which a function in the dump could ``RESET`` - unless the login role is unprivileged itself or the
  caller allows a superuser restore;
- a plain dump is never handed to psql: ``pgdump`` reads it as data, psycopg2 sends its statements (psql's
  meta-commands cannot run), the database-level statements of ``pg_dump -C`` are left out (the restore stays in the
  scratch database), pg_dumpall output is refused;
- custom and directory dumps are restored from a filtered table of contents: event triggers always, extensions the
  server does not mark trusted when restoring unprivileged.

Each scratch database and role carries its creation time in its comment, so a later run can drop what a killed run
left behind (``leftovers``).
"""

from __future__ import annotations

import base64
import datetime
import functools
import gzip
import hashlib
import hmac
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

from ansible_collections.community.postgresql.plugins.module_utils.postgres import ensure_required_libs

from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.pgdump import DumpRefused
from ansible_collections.ops.runbooks.plugins.module_utils.pgdump import PlainDump
from ansible_collections.ops.runbooks.plugins.module_utils.pgdump import judge

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


MAX_RESTORE_TIMEOUT = 7 * 86400  # a week


def validate_restore(restore_timeout, min_rows, prefix=""):
    """The options every restore takes: ``restore_timeout`` (1 s to a week) and ``min_rows`` (table -> whole number);
    raises InvalidInput naming the option (``prefix``: where it sits, e.g. ``postgres[0].``)."""
    check_range("%srestore_timeout" % prefix, restore_timeout, 1, MAX_RESTORE_TIMEOUT, " seconds")
    for table, minimum in min_rows.items():
        if isinstance(minimum, bool) or not str(minimum).isdigit():
            raise InvalidInput("%smin_rows.%s: %r is not a whole number >= 0" % (prefix, table, minimum))


def require_psycopg2(module):
    """End the module as community.postgresql's modules do when the psycopg2 library is missing on the host that
    runs it (their ``ensure_required_libs``: one message for every module that talks to PostgreSQL)."""
    ensure_required_libs(module)


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


def is_scratch(name):
    return bool(_SCRATCH_RE.match(name or ""))


# Membership in these makes a role able to run programs or touch files on the database server (COPY ... PROGRAM,
# pg_read_file, lo_export): a restore never runs with them, nor as a superuser, unless the caller allows it.
SERVER_ROLES = ("pg_execute_server_program", "pg_write_server_files", "pg_read_server_files")
_CREATED_RE = re.compile(r"created (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")


@_database_errors
def login_privileges(conn):
    """What the login role may do that matters to a restore: superuser, createrole, createdb, server roles held."""
    [(superuser, createrole, createdb, held)] = _query(
        conn, "SELECT rolsuper, rolcreaterole, rolcreatedb, ARRAY(SELECT s FROM unnest(%s::text[]) s WHERE EXISTS "
              "(SELECT FROM pg_roles WHERE rolname = s) AND pg_has_role(current_user, s, 'USAGE')) FROM pg_roles "
              "WHERE rolname = current_user", (list(SERVER_ROLES),))
    return {"superuser": superuser, "createrole": createrole, "createdb": createdb, "server_roles": list(held)}


def privileged(privileges):
    """Why a restore as this role could reach the server's programs or files (superuser, pg_*_server_*), or ''."""
    if privileges["superuser"]:
        return "a superuser"
    if privileges["server_roles"]:
        return "a member of %s" % ", ".join(privileges["server_roles"])
    return ""


def scram_verifier(password, iterations=4096):
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802/7677), computed here so the password
    itself is never sent in a statement (a server that logs statements logs only the verifier)."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = base64.b64encode
    return "SCRAM-SHA-256$%d:%s$%s:%s" % (
        iterations, b64(salt).decode(), b64(stored_key).decode(), b64(server_key).decode())


def _stamp(what):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "ops.runbooks %s, created %s" % (what, now)


def restore_identity(conn, allow_superuser):
    """Who restores: ``{role: True}`` a role made for each restore, ``{role: False}`` the login role (unprivileged
    itself, or ``allow_superuser``), with ``trusted`` the extensions it may create (None: all); ``{refused: why}`` when
    no restore may run."""
    privileges = login_privileges(conn)
    why = privileged(privileges)
    if allow_superuser or not why:
        return {"role": False, "superuser": privileges["superuser"], "privileged": why,
                "trusted": None if allow_superuser else trusted_extensions(conn)}
    if not (privileges["superuser"] or (privileges["createrole"] and privileges["createdb"])):
        return {"refused": "the login role %s is %s and cannot make an unprivileged restore role (it needs CREATEROLE "
                           "and CREATEDB): grant them, log in as an unprivileged role with CREATEDB, or set "
                           "allow_superuser_restore for a dump you trust" % (conn["login_user"], why)}
    return {"role": True, "superuser": privileges["superuser"], "privileged": why,
            "trusted": trusted_extensions(conn)}


@_database_errors
def create_restore_role(conn, name, superuser=False):
    """A role for one restore: LOGIN with a random password and nothing else; returns the connection options that
    log in as it. A login role that is not a superuser grants itself the new role, which CREATE DATABASE ... OWNER
    and REASSIGN OWNED need (CREATEROLE allows it)."""
    password = secrets.token_urlsafe(24)
    ident = sql.Identifier(name)
    _admin(conn, sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                         "CONNECTION LIMIT 64 PASSWORD {}").format(ident, sql.Literal(scram_verifier(password))),
           sql.SQL("COMMENT ON ROLE {} IS {}").format(ident, sql.Literal(_stamp("restore role"))),
           *([] if superuser else [sql.SQL("GRANT {} TO CURRENT_USER").format(ident)]))
    return dict(conn, login_user=name, login_password=password)


@_database_errors
def create_database(conn, name, comment, owner=None):
    """CREATE DATABASE ``name`` (from template0, owned by ``owner`` if given) with ``comment``."""
    ident = sql.Identifier(name)
    _admin(conn, sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(ident, sql.Identifier(owner))
           if owner else sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(ident),
           sql.SQL("COMMENT ON DATABASE {} IS {}").format(ident, sql.Literal(comment)))


def create_scratch(conn, restore_role=False, superuser=False):
    """Create an empty scratch database; return its name and the connection options a restore into it uses. With
    ``restore_role`` a role of the same name is made first and owns the database: the restore logs in as it."""
    name = scratch_name()
    restore_conn = create_restore_role(conn, name, superuser) if restore_role else conn
    try:
        create_database(conn, name, _stamp("backup_verify scratch database"), name if restore_role else None)
    except DatabaseError:
        if restore_role:
            _admin(conn, sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
        raise
    return name, restore_conn


@_database_errors
def database_comment(conn, name):
    """The comment of database ``name`` ('' without one), or None when there is no such database."""
    rows = _query(conn, "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database"
                        " WHERE datname = %s", (name,))
    return rows[0][0] if rows else None


@_database_errors
def comment_database(conn, name, comment):
    _admin(conn, sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(comment)))


@_database_errors
def drop_database(conn, name, expected_comment):
    """Drop database ``name`` only while its comment is ``expected_comment`` (the run that made it says so)."""
    if database_comment(conn, name) == expected_comment:
        _admin(conn, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@_database_errors
def hand_over(conn, name, role, owner):
    """Give database ``name`` and every object the restore ``role`` made in it to ``owner`` (REASSIGN OWNED, in the
    database, as the login role); without a role, only the database."""
    db = connect(conn, name)
    try:
        db.autocommit = True
        with db.cursor() as cur:
            if role:
                cur.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(sql.Identifier(role), sql.Identifier(owner)))
            cur.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), sql.Identifier(owner)))
    finally:
        db.close()


@_database_errors
def drop_role(conn, name):
    """Drop a restore role of this module (never any other name)."""
    if not is_scratch(name):
        raise ValueError("refusing to drop %r: not a restore role of this module" % (name,))
    _admin(conn, sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@_database_errors
def drop_scratch(conn, name, role=False):
    """Drop a scratch database created by ``create_scratch`` (never any other name), sessions terminated, and with
    ``role`` its restore role (DROP ROLE needs CREATEROLE even when the role does not exist)."""
    if not is_scratch(name):
        raise ValueError("refusing to drop %r: not a scratch database of this module" % (name,))
    ident = sql.Identifier(name)
    _admin(conn, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident),
           *([sql.SQL("DROP ROLE IF EXISTS {}").format(ident)] if role else []))


def _query(conn, statement, args=None):
    """Every row of one read on the maintenance database."""
    admin = connect(conn, conn["maintenance_db"])
    try:
        with admin.cursor() as cur:
            cur.execute(statement, args)
            return cur.fetchall()
    finally:
        admin.close()


def _admin(conn, *statements):
    """Run statements that cannot run in a transaction (CREATE/DROP DATABASE) on the maintenance database."""
    admin = connect(conn, conn["maintenance_db"])
    try:
        admin.autocommit = True
        with admin.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        admin.close()


@_database_errors
def scratch_objects(conn):
    """Every scratch database and restore role: ``{kind, name, created}`` (created: a UTC datetime from its comment,
    None when it has none - made by an older version, or by hand)."""
    rows = _query(conn, "SELECT 'database', datname, shobj_description(oid, 'pg_database') FROM pg_database"
                        " WHERE datname LIKE %s UNION ALL SELECT 'role', rolname, shobj_description(oid, 'pg_authid')"
                        " FROM pg_roles WHERE rolname LIKE %s", (SCRATCH_PREFIX + "%",) * 2)
    found = []
    for kind, name, comment in sorted(rows):
        if not is_scratch(name):
            continue
        created = _CREATED_RE.search(comment or "")
        found.append({"kind": kind, "name": name, "created": created and datetime.datetime.strptime(
            created.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)})
    return found


@_database_errors
def drop_leftovers(conn, max_age_seconds, dry_run=False):
    """Drop the scratch databases and restore roles older than ``max_age_seconds`` (a run that never finished: a
    cancelled job, a killed controller). Returns ``{kind, name, created, age_seconds, dropped}`` for each scratch
    object found older, or without a creation time (left alone: nothing says how old it is). ``dry_run``: report
    only (check mode)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    report = []
    for found in scratch_objects(conn):
        age = (now - found["created"]).total_seconds() if found["created"] else None
        if age is not None and age <= max_age_seconds:
            continue
        entry = dict(found, created=found["created"] and found["created"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                     age_seconds=age and int(age), dropped=False)
        if age is not None and not dry_run:
            ident = sql.Identifier(found["name"])
            try:
                _admin(conn, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)" if found["kind"] == "database"
                                     else "DROP ROLE IF EXISTS {}").format(ident))
                entry["dropped"] = True
            except psycopg2.Error as e:  # a role that still owns something elsewhere: say so, go on
                entry["error"] = _primary(e)
        report.append(entry)
    return report


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
CLUSTER_DUMP_TRAILER = b"cluster dump complete"
_TOC_TABLE_RE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA |ATTACH )(?P<schema>\S+) (?P<table>\S+) ")
# Table of contents entries left out of every restore (event triggers run their function on every later DDL) and,
# restoring unprivileged, extensions the server does not mark trusted (only a superuser may create them).
_TOC_EVENT_TRIGGER_RE = re.compile(r"^\d+; \d+ \d+ (?:EVENT TRIGGER |COMMENT - EVENT TRIGGER )")
_TOC_EXTENSION_RE = re.compile(r"^\d+; \d+ \d+ (?:EXTENSION - |COMMENT - EXTENSION )(?P<name>\S+)")
# The archive versions of pg_dump's custom/directory formats and the first PostgreSQL that writes each.
ARCHIVE_VERSIONS = {(1, 12): 9.0, (1, 13): 11, (1, 14): 14, (1, 15): 16, (1, 16): 17}


def toc_list(path, bindir=None, timeout=300):
    """The table of contents of a custom or directory dump (``pg_restore -l``), as lines."""
    cmd = [_tool("pg_restore", bindir), "-l", path]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RestoreFailed("pg_restore -l: timed out after %ds" % timeout) from None
    if proc.returncode != 0:
        raise RestoreFailed(_version_problem(path, bindir, proc.stderr) or "pg_restore -l: %s" % _tail(proc.stderr))
    return proc.stdout.decode("utf-8", "replace").splitlines()


def toc_tables(path, bindir=None, timeout=300, listing=None):
    """``schema.table`` of every TABLE in the table of contents of a custom or directory dump (``pg_restore -l``)."""
    found = (_TOC_TABLE_RE.match(line) for line in (listing if listing is not None else toc_list(path, bindir, timeout)))
    return sorted(set("%s.%s" % (m.group("schema"), m.group("table")) for m in found if m))


def filter_toc(listing, trusted_extensions):
    """The listing without event triggers and (``trusted_extensions`` not None) untrusted extensions, each left out
    line commented (pg_restore -L skips lines starting with ';'), and the count left out by kind."""
    kept, skipped = [], {}
    for line in listing:
        kind = None
        if _TOC_EVENT_TRIGGER_RE.match(line):
            kind = "event trigger"
        else:
            ext = _TOC_EXTENSION_RE.match(line)
            if ext and trusted_extensions is not None and ext.group("name") not in trusted_extensions:
                kind = "untrusted extension"
        if kind:
            skipped[kind] = skipped.get(kind, 0) + 1
            line = ";" + line
        kept.append(line)
    return kept, skipped


def archive_version(path):
    """``(major, minor)`` of a custom or directory dump's archive format, from its header; None if unreadable."""
    header = os.path.join(path, "toc.dat") if os.path.isdir(path) else path
    try:
        with open(header, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return None
    return (head[5], head[6]) if head[:5] == b"PGDMP" and len(head) >= 7 else None


def tool_version(name, bindir=None):
    """The major version of a client program (``pg_restore --version``), or None."""
    try:
        out = subprocess.run([_tool(name, bindir), "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             timeout=30, check=False).stdout.decode("utf-8", "replace")
    except (subprocess.TimeoutExpired, OSError):
        return None
    found = re.search(r"(\d+)(?:\.(\d+))?", out)
    return found and int(found.group(1))


def _version_problem(path, bindir, stderr):
    """pg_restore older than the pg_dump that wrote the dump cannot read it: say which versions and what to install."""
    if b"unsupported version" not in (stderr or b""):
        return None
    version = archive_version(path)
    made_by = ARCHIVE_VERSIONS.get(version)
    client = tool_version("pg_restore", bindir)
    return ("pg_restore %s cannot read this dump: its archive format is %s, written by pg_dump %s - install a "
            "PostgreSQL client at least as new as the pg_dump that made it (the execution environment's bindep, or "
            "pg_bin_dir)" % (client or "(unknown version)", "%d.%d" % version if version else "unknown",
                             ("%s or newer" % made_by) if made_by else "newer than this client"))


@_database_errors
def trusted_extensions(conn):
    """Extensions a non-superuser database owner may create on this server (pg_available_extension_versions)."""
    return frozenset(r[0] for r in _query(conn, "SELECT DISTINCT name FROM pg_available_extension_versions WHERE trusted"))


def _plain_tail(path, size=512):
    with open(path, "rb") as fh:
        fh.seek(max(0, os.path.getsize(path) - size))
        return fh.read()


def _check_trailer(path, tail):
    """A plain dump's last bytes must hold pg_dump's closing line (else it was cut off); pg_dumpall's is refused."""
    if CLUSTER_DUMP_TRAILER in tail:
        raise DumpRefused("%s: pg_dumpall output (a cluster: roles, tablespaces, several databases) is not restored; "
                          "dump the one database with pg_dump" % os.path.basename(path))
    if PLAIN_DUMP_TRAILER not in tail:
        raise RestoreFailed("%s: incomplete dump: it does not end with pg_dump's \"dump complete\" line (cut off?)"
                            % os.path.basename(path))


class _Tail:
    """A binary stream that remembers its last bytes (a plain dump's closing line, read as it streams)."""

    def __init__(self, stream, size=512):
        self._stream = stream
        self._size = size
        self.tail = b""

    def readline(self):
        line = self._stream.readline()
        if line:
            self.tail = (self.tail + line)[-self._size:]
        return line


def restore(conn, dbname, path, fmt, jobs, timeout, bindir=None, trusted=None, listing=None):
    """Restore a dump into ``dbname`` as ``conn``'s role; stop at the first error. Returns what was left out, by kind.

    Raises RestoreFailed (with the tool's or the server's error) - also for a plain dump that lacks pg_dump's closing
    line (a dump cut off between two statements restores cleanly) - and DumpRefused for what no restore may run.
    ``trusted``: the extensions that may be created (None: all, a superuser restore)."""
    if timeout <= 0:
        raise RestoreFailed("restore_timeout: %s must be positive" % timeout)
    if fmt in ("custom", "directory"):
        kept, skipped = filter_toc(listing if listing is not None else toc_list(path, bindir), trusted)
        with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as toc:
            toc.write("\n".join(kept) + "\n")
            toc.flush()
            cmd = [_tool("pg_restore", bindir), "--exit-on-error", "--no-owner", "--no-privileges", "-L", toc.name,
                   "-d", dbname]
            if jobs > 1:
                cmd += ["-j", str(jobs)]
            _run(cmd + [path], client_env(conn, dbname), timeout)
        return skipped
    if fmt == "plain" and os.path.getsize(path):  # empty: nothing was cut
        _check_trailer(path, _plain_tail(path))
    opener = gzip.open if fmt == "plain_gz" else open
    try:
        with opener(path, "rb") as raw:
            stream = _Tail(raw)
            skipped = run_plain(conn, dbname, PlainDump(stream, os.path.basename(path)), timeout, trusted)
    except (OSError, EOFError) as e:  # not a complete gzip stream
        raise RestoreFailed("%s: %s" % (os.path.basename(path), e)) from None
    if fmt == "plain_gz" and stream.tail:
        _check_trailer(path, stream.tail)
    return skipped


def run_plain(conn, dbname, dump, timeout, trusted):
    """Send a plain dump's statements to the server one by one (psycopg2: no psql, so no meta-command can run), COPY
    data as COPY data; stop at the first error, naming the dump's line. Returns the statements left out, by kind."""
    deadline = time.monotonic() + timeout
    skipped = {}
    try:
        db = connect(conn, dbname)
    except psycopg2.Error as e:
        raise RestoreFailed("PostgreSQL: %s" % str(e).strip()) from None
    try:
        db.autocommit = True  # as psql runs a dump: each statement on its own
        with db.cursor() as cur:
            cur.execute("SELECT set_config('statement_timeout', %s, false)", ("%ds" % timeout,))
            for item in dump:
                if time.monotonic() >= deadline:
                    raise RestoreFailed("restore: timed out after %ds" % timeout)
                verdict = judge(item[1], trusted)
                if verdict.startswith("refuse:"):
                    dump.refuse(item[2], verdict[len("refuse:"):])
                if verdict.startswith("skip:"):
                    kind = verdict[len("skip:"):]
                    skipped[kind] = skipped.get(kind, 0) + 1
                    continue
                try:
                    if item[0] == "copy":
                        cur.copy_expert(item[1], item[3])
                    else:
                        cur.execute(item[1])
                except psycopg2.Error as e:
                    # the server's message only: its LINE/DETAIL context may quote the dump's data
                    raise RestoreFailed("%s line %d: %s" % (dump.name, item[2], _primary(e))) from None
    finally:
        db.close()
    return skipped


def _primary(error):
    diag = getattr(error, "diag", None)
    message = (diag and diag.message_primary) or (str(error).strip().splitlines() or ["failed"])[0]
    return message.replace("\n", " ")


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
    """The tool's last lines, after its first ERROR line when that is further up (pg_restore's HINT and CONTEXT
    lines follow the error and would hide it)."""
    text = (stderr or b"").decode("utf-8", "replace").strip().splitlines()
    errors = [line for line in text if "ERROR:" in line]
    shown = text[-lines:]
    if errors and errors[0] not in shown:
        shown = errors[:1] + shown
    return " / ".join(shown) or "failed without a message"
