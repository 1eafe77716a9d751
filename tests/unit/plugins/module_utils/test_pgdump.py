# -*- coding: utf-8 -*-
"""module_utils/pgdump.py: a plain dump read as data - statements and COPY blocks out, psql's meta-commands refused
wherever psql would execute them, and only there; module_utils/postgres.py's table of contents filter."""
from __future__ import annotations

import io

import pytest

from ansible_collections.ops.runbooks.plugins.module_utils.pgdump import DumpRefused
from ansible_collections.ops.runbooks.plugins.module_utils.pgdump import PlainDump
from ansible_collections.ops.runbooks.plugins.module_utils.pgdump import judge
from ansible_collections.ops.runbooks.plugins.module_utils.postgres import filter_toc
from ansible_collections.ops.runbooks.plugins.module_utils.postgres import scram_verifier


def items(text):
    """Every item of a dump: ("sql", text, line) or ("copy", text, line, rows)."""
    out = []
    for item in PlainDump(io.BytesIO(text.encode("utf-8")), "t.sql"):
        if item[0] == "copy":
            out.append(("copy", item[1], item[2], item[3].read(1 << 20)))
        else:
            out.append(item)
    return out


def test_statements_copy_data_and_comments_as_pg_dump_writes_them():
    dump = ("--\n-- PostgreSQL database dump\n--\n\\restrict AbC123\nSET statement_timeout = 0;\n"
            "CREATE TABLE public.t (\n    id integer,\n    note text -- a comment; with a semicolon\n);\n"
            "COPY public.t (id, note) FROM stdin;\n1\t\\\\! not a command\n2\ta;b\n\\.\n"
            "SELECT pg_catalog.setval('public.t_id_seq', 2, true);\n\\unrestrict AbC123\n"
            "--\n-- PostgreSQL database dump complete\n--\n")
    got = items(dump)
    assert [i[0] for i in got] == ["sql", "sql", "copy", "sql"]
    assert got[1][1].startswith("CREATE TABLE public.t (") and got[1][2] == 6
    assert got[2][3] == b"1\t\\\\! not a command\n2\ta;b\n"  # COPY rows are data, backslashes and all


@pytest.mark.parametrize("text", [
    "SELECT 'a \\! b';\n", "SELECT $$ \\! id $$;\n", "SELECT $fn$ ; \\o |cmd $fn$;\n", "/* \\! id */ SELECT 1;\n",
    "SELECT E'it\\'s \\\\! fine';\n", "-- \\! id in a comment\nSELECT 1;\n", 'SELECT 1 AS "\\!";\n',
])
def test_backslashes_inside_quotes_and_comments_are_text(text):
    got = items(text)
    assert len(got) == 1 and got[0][0] == "sql"


@pytest.mark.parametrize("text, word", [
    ("\\! id > /tmp/x\n", "!"),
    ("\\o |id > /tmp/x\nSELECT 1;\n", "o"),
    ("\\copy (SELECT 1) TO PROGRAM 'id > /tmp/x'\n", "copy"),
    ("\\restrict k1\n\\unrestrict k1\n\\! id\n", "!"),
    ("SELECT 1; \\! id\n", "!"),
    ("SELECT 1 \\g |id\n", "g"),
    ("\\set x 1\n", "set"),
    ("\\i /etc/passwd\n", "i"),
])
def test_every_meta_command_but_the_guard_is_refused_naming_its_line(text, word):
    with pytest.raises(DumpRefused) as refused:
        items(text)
    assert "t.sql line" in str(refused.value) and ("\\%s" % word) in str(refused.value)


def test_the_first_connect_of_pg_dump_c_is_dropped_a_second_is_pg_dumpall():
    assert [i[1] for i in items("CREATE DATABASE v;\n\\connect v\nSELECT 1;\n")] == ["CREATE DATABASE v;", "SELECT 1;"]
    with pytest.raises(DumpRefused, match="second"):
        items("\\connect a\nSELECT 1;\n\\connect b\nSELECT 2;\n")


def test_a_dump_cut_inside_a_statement_or_copy_data_is_refused():
    with pytest.raises(DumpRefused, match="ends inside a statement"):
        items("CREATE TABLE t (id int\n")
    with pytest.raises(DumpRefused, match="ends inside COPY data"):
        items("COPY t (id) FROM stdin;\n1\n2\n")


@pytest.mark.parametrize("statement, verdict", [
    ("DROP DATABASE IF EXISTS victimdb;", "skip:database"),
    ("CREATE DATABASE victimdb WITH TEMPLATE = template0;", "skip:database"),
    ("ALTER DATABASE victimdb OWNER TO postgres;", "skip:database"),
    ("COMMENT ON DATABASE victimdb IS 'x';", "skip:database"),
    ("ALTER TABLE public.t OWNER TO app;", "skip:ownership"),
    ("SET SESSION AUTHORIZATION 'app';", "skip:ownership"),
    ("RESET ROLE;", "skip:ownership"),
    ("GRANT ALL ON TABLE public.t TO app;", "skip:privileges"),
    ("CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f();", "skip:event trigger"),
    ("CREATE EXTENSION IF NOT EXISTS pgstattuple WITH SCHEMA public;", "skip:untrusted extension"),
    ("COMMENT ON EXTENSION pgstattuple IS 'x';", "skip:untrusted extension"),
    ("CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;", "run"),
    ("CREATE ROLE app;", "refuse:"),
    ("ALTER SYSTEM SET work_mem = '1GB';", "refuse:"),
    ("COPY public.t TO PROGRAM 'id';", "refuse:"),
    ("CREATE TABLE public.t (id int);", "run"),
])
def test_judge_each_statement(statement, verdict):
    assert judge(statement, frozenset(["pgcrypto", "plpgsql"])).startswith(verdict)


def test_a_superuser_restore_keeps_every_extension():
    assert judge("CREATE EXTENSION pgstattuple;", None) == "run"


def test_the_table_of_contents_loses_event_triggers_and_untrusted_extensions():
    listing = ["; Archive created at 2026-12-07", "3; 3079 16385 EXTENSION - pgstattuple ",
               "3370; 0 0 COMMENT - EXTENSION pgstattuple ", "4; 3079 16386 EXTENSION - pgcrypto ",
               "215; 1259 16386 TABLE public datasets postgres", "3371; 3466 16400 EVENT TRIGGER - evt postgres"]
    kept, skipped = filter_toc(listing, frozenset(["pgcrypto"]))
    assert skipped == {"untrusted extension": 2, "event trigger": 1}
    assert [line for line in kept if not line.startswith(";")] == [listing[3], listing[4]]
    kept, skipped = filter_toc(listing, None)
    assert skipped == {"event trigger": 1}


def test_the_restore_roles_password_is_sent_as_a_scram_verifier_only():
    verifier = scram_verifier("s3cret-password")
    assert verifier.startswith("SCRAM-SHA-256$4096:") and "s3cret" not in verifier
    assert scram_verifier("s3cret-password") != verifier  # a new salt each time
