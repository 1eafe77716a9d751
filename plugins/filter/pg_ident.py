# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ops.runbooks.pg_ident``: a PostgreSQL identifier (``table`` or ``schema.table``) quoted for SQL text, the
way ``psycopg2.sql.Identifier`` quotes it - each part in double quotes, a double quote inside doubled - so that
role tasks composing ``VACUUM``/``REINDEX`` statements for community.postgresql.postgresql_query never interpolate
a name raw."""

from __future__ import annotations

from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data


def pg_ident(name):
    if not isinstance(name, str) or not name or "\x00" in name:
        raise ValueError("pg_ident expects a non-empty identifier, got %r" % (name,))
    return ".".join('"%s"' % part.replace('"', '""') for part in name.split("."))


class FilterModule:
    def filters(self):
        return returning_data({"pg_ident": pg_ident})
