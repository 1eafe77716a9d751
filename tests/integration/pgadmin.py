# -*- coding: utf-8 -*-
"""A superuser cursor on the sandbox's PostgreSQL, for the tests that set up or read back databases and roles."""
from __future__ import annotations

import psycopg2


class admin:  # noqa: N801  pylint: disable=invalid-name
    """A superuser cursor on ``dbname`` (autocommit); the connection is closed at the end of the block."""

    def __init__(self, sandbox, dbname="postgres"):
        self.db = psycopg2.connect(dbname=dbname, **sandbox.pg_dsn)
        self.db.autocommit = True

    def __enter__(self):
        return self.db.cursor()

    def __exit__(self, *exc):
        self.db.close()
