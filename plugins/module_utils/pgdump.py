# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plain SQL dump read as data: split into statements and COPY blocks, never handed to psql.

psql executes backslash meta-commands anywhere outside quotes (``\\! cmd``, ``\\o |cmd``, ``\\copy ... program``,
``\\connect other_db``): a plain dump given to ``psql -f`` runs whatever its author wrote on the host that restores it.
Here the dump is lexed as psql would (quotes, dollar quotes, comments, COPY data), every statement is sent to the
server by psycopg2 - which has no meta-commands - and:

- pg_dump's own ``\\restrict KEY`` / ``\\unrestrict KEY`` guard lines are dropped; any other meta-command is refused
  (``DumpRefused``), naming the line;
- the statements of a ``pg_dump -C`` dump that act on a database, not in it (``DROP/CREATE/ALTER DATABASE``, the
  ``\\connect`` into the database it made, ``COMMENT ON DATABASE``) are rewritten away: the restore stays in the
  database the module created; pg_dumpall output (roles, tablespaces, several databases) is refused;
- ownership and privileges (``ALTER ... OWNER TO``, ``GRANT``, ``REVOKE``, ``SET SESSION AUTHORIZATION``,
  ``SET ROLE``) are left out as ``pg_restore --no-owner --no-privileges`` does, event triggers and untrusted
  extensions as the custom-format path filters them.

Every statement left out is counted by kind, for the report. Even if this lexer and the server disagreed on where a
statement ends, nothing reaches a shell: the statements run as the restore's unprivileged role (postgres.py).
"""

from __future__ import annotations

import re

from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed


class DumpRefused(OperationFailed):
    """The dump holds something a restore must not run; the message names the line and what it is."""


_GUARD_RE = re.compile(r"^\\(restrict|unrestrict)\s+[A-Za-z0-9]+\s*$")
_CONNECT_RE = re.compile(r"^\\(connect|c)\b")
_META_WORD_RE = re.compile(r"\\([^\s\\]{0,20})")
_COPY_STDIN_RE = re.compile(r"^COPY\b.*\bFROM\s+STDIN\b", re.I | re.S)
_WORDS_RE = re.compile(r"[A-Za-z_]+|\S")
_IDENT_CHAR = re.compile(r"[A-Za-z0-9_$]")
_DOLLAR_TAG_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")

# The first words of a statement -> what is done with it. ``skip:<kind>`` leaves it out (counted), ``refuse:<why>``.
_CLUSTER = "refuse:a cluster-wide statement (pg_dumpall output: roles, tablespaces, system settings)"
RULES = (
    (("DROP", "DATABASE"), "skip:database"), (("CREATE", "DATABASE"), "skip:database"),
    (("ALTER", "DATABASE"), "skip:database"), (("COMMENT", "ON", "DATABASE"), "skip:database"),
    (("SECURITY", "LABEL"), "skip:security label"),
    (("CREATE", "ROLE"), _CLUSTER), (("CREATE", "USER"), _CLUSTER), (("CREATE", "GROUP"), _CLUSTER),
    (("ALTER", "ROLE"), _CLUSTER), (("ALTER", "USER"), _CLUSTER), (("ALTER", "GROUP"), _CLUSTER),
    (("DROP", "ROLE"), _CLUSTER), (("DROP", "USER"), _CLUSTER), (("DROP", "GROUP"), _CLUSTER),
    (("CREATE", "TABLESPACE"), _CLUSTER), (("DROP", "TABLESPACE"), _CLUSTER), (("ALTER", "TABLESPACE"), _CLUSTER),
    (("ALTER", "SYSTEM"), _CLUSTER),
    (("GRANT",), "skip:privileges"), (("REVOKE",), "skip:privileges"),
    (("ALTER", "DEFAULT", "PRIVILEGES"), "skip:privileges"),
    (("SET", "SESSION", "AUTHORIZATION"), "skip:ownership"), (("SET", "ROLE"), "skip:ownership"),
    (("RESET", "ROLE"), "skip:ownership"), (("RESET", "SESSION", "AUTHORIZATION"), "skip:ownership"),
    (("CREATE", "EVENT", "TRIGGER"), "skip:event trigger"), (("ALTER", "EVENT", "TRIGGER"), "skip:event trigger"),
    (("COMMENT", "ON", "EVENT", "TRIGGER"), "skip:event trigger"),
)
_OWNER_TO_RE = re.compile(r"^ALTER\b.*\bOWNER\s+TO\b", re.I | re.S)
_EXTENSION_RE = re.compile(r"^(?:CREATE\s+EXTENSION(?:\s+IF\s+NOT\s+EXISTS)?|COMMENT\s+ON\s+EXTENSION)\s+"
                           r"(\"(?:[^\"]|\"\")+\"|[A-Za-z_][A-Za-z0-9_$]*)", re.I)
_SCS_RE = re.compile(r"^SET\s+standard_conforming_strings\s*(?:=|TO)\s*'?(on|off)'?\s*;?\s*$", re.I)


def judge(statement, trusted_extensions):
    """``run``, ``skip:<kind>`` or ``refuse:<why>`` for one statement (text without comments at its start)."""
    words = tuple(w.upper() for w in _WORDS_RE.findall(statement[:200])[:4])
    for prefix, verdict in RULES:
        if words[:len(prefix)] == prefix:
            return verdict
    if _OWNER_TO_RE.match(statement):
        return "skip:ownership"
    ext = _EXTENSION_RE.match(statement)
    if ext and trusted_extensions is not None:
        name = ext.group(1)
        name = name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()
        if name not in trusted_extensions:
            return "skip:untrusted extension"
    if words[:1] == ("COPY",) and re.search(r"\bPROGRAM\b", statement, re.I):
        return "refuse:COPY ... PROGRAM runs a command on the database server"
    return "run"


class PlainDump:
    """Iterate a plain dump (a binary stream) as ``("sql", text, line)`` and ``("copy", text, line, data)`` items,
    where ``data`` is a file-like object giving the COPY block's rows (read it to the end before the next item).
    Raises DumpRefused for a meta-command other than pg_dump's guard and a ``\\connect`` after the first."""

    def __init__(self, stream, name):
        self._stream = stream
        self.name = name
        self.line = 0
        self.connects = 0
        self.standard_strings = True
        self._pending = None

    def _readline(self):
        raw = self._stream.readline()
        if raw:
            self.line += 1
        return raw

    def refuse(self, line, what):
        raise DumpRefused("%s line %d: %s" % (self.name, line, what))

    def __iter__(self):
        buf = []  # the statement's text so far
        start = None  # its first line
        state = None  # None, "'", "E'", '"', "$tag$", "/*" (with depth), in a statement
        depth = 0
        while True:
            raw = self._readline()
            if not raw:
                break
            text = raw.decode("utf-8", "replace")
            i, n = 0, len(text)
            while i < n:
                ch = text[i]
                if state is None:
                    if ch == "-" and text.startswith("--", i):
                        if buf:
                            buf.append(text[i:].rstrip("\r\n") + "\n")
                        break
                    if ch == "/" and text.startswith("/*", i):
                        state, depth = "/*", 1
                        buf.append("/*")
                        i += 2
                        continue
                    if ch == "\\":
                        self._meta(text[i:].rstrip("\r\n"), bool("".join(buf).strip()))
                        break  # a meta-command takes the rest of the line
                    if ch == ";":
                        buf.append(";")
                        statement = "".join(buf).strip()
                        buf = []
                        item = self._statement(statement, start)
                        if item:
                            yield item
                            if item[0] == "copy":
                                item[3].drain()  # its rows are data, never lexed
                        i += 1
                        continue
                    if not buf and ch.isspace():
                        i += 1
                        continue
                    if not buf:
                        start = self.line
                    if ch == "'":
                        escape = (i > 0 and text[i - 1] in "eE" and (i < 2 or not _IDENT_CHAR.match(text[i - 2])))
                        state = "E'" if escape or not self.standard_strings else "'"
                    elif ch == '"':
                        state = '"'
                    elif ch == "$" and not (i > 0 and _IDENT_CHAR.match(text[i - 1])):
                        tag = _DOLLAR_TAG_RE.match(text, i)
                        if tag:
                            state = tag.group(0)
                            buf.append(state)
                            i += len(state)
                            continue
                    buf.append(ch)
                    i += 1
                elif state == "/*":
                    if text.startswith("*/", i):
                        depth -= 1
                        buf.append("*/")
                        i += 2
                        if depth == 0:
                            state = None
                        continue
                    if text.startswith("/*", i):
                        depth += 1
                        buf.append("/*")
                        i += 2
                        continue
                    buf.append(ch)
                    i += 1
                elif state in ("'", '"', "E'"):
                    quote = state[-1]
                    if state == "E'" and ch == "\\":
                        buf.append(text[i:i + 2])
                        i += 2
                        continue
                    buf.append(ch)
                    i += 1
                    if ch == quote:
                        if i < n and text[i] == quote:  # a doubled quote stays inside
                            buf.append(quote)
                            i += 1
                        else:
                            state = None
                else:  # a dollar-quoted string
                    end = text.find(state, i)
                    if end < 0:
                        buf.append(text[i:])
                        break
                    buf.append(text[i:end + len(state)])
                    i = end + len(state)
                    state = None
        if "".join(buf).strip() and not all(
                ln.strip().startswith("--") or not ln.strip() for ln in "".join(buf).splitlines()):
            self.refuse(start or self.line, "the dump ends inside a statement (cut off?)")

    def _meta(self, command, in_statement):
        if not in_statement and _GUARD_RE.match(command):
            return  # pg_dump's own \restrict / \unrestrict pair: nothing to execute without psql
        if not in_statement and _CONNECT_RE.match(command) and self.connects == 0:
            self.connects += 1  # pg_dump -C: into the database it has just created - this restore stays put
            return
        word = _META_WORD_RE.match(command).group(1)
        if _CONNECT_RE.match(command):
            self.refuse(self.line, "a second \\%s: a dump of more than one database (pg_dumpall?) is not restored"
                        % word)
        self.refuse(self.line, "psql meta-command \\%s: a dump's meta-commands are never executed (only pg_dump's "
                               "\\restrict/\\unrestrict pair is accepted, outside COPY data)" % word)

    def _statement(self, statement, line):
        body = _strip_leading_comments(statement)
        scs = _SCS_RE.match(body)
        if scs:
            self.standard_strings = scs.group(1).lower() == "on"
        if _COPY_STDIN_RE.match(body):
            return ("copy", body, line, CopyData(self))
        return ("sql", body, line) if body.strip(" ;\n") else None


class CopyData:
    """The rows of one ``COPY ... FROM stdin`` block, up to the ``\\.`` line (file-like, for copy_expert)."""

    def __init__(self, dump):
        self._dump = dump
        self._done = False
        self._buffer = b""
        self.start = dump.line + 1

    def read(self, size=-1):
        size = 1 << 16 if size is None or size < 0 else size
        while not self._done and len(self._buffer) < size:
            raw = self._dump._readline()
            if not raw:
                self._dump.refuse(self.start, "the dump ends inside COPY data (cut off?)")
            if raw.rstrip(b"\r\n") == b"\\.":
                self._done = True
                break
            self._buffer += raw
        chunk, self._buffer = self._buffer[:size], self._buffer[size:]
        return chunk

    readline = read

    def drain(self):
        while self.read(1 << 20):
            pass


def _strip_leading_comments(statement):
    text = statement.lstrip()
    while text.startswith("--") or text.startswith("/*"):
        if text.startswith("--"):
            text = text.split("\n", 1)[1].lstrip() if "\n" in text else ""
        else:
            end, depth, i = None, 0, 0
            while i < len(text):
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                    if depth == 0:
                        end = i
                        break
                else:
                    i += 1
            text = text[end:].lstrip() if end else ""
    return text
