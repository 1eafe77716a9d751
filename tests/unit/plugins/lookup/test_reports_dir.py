# -*- coding: utf-8 -*-
"""Lookup ``ops.runbooks.reports_dir``: where the reports go when nobody says (AWX, ansible-runner, CLI, a user who
cannot write the repository)."""
from __future__ import annotations

import os

from ansible_collections.ops.runbooks.plugins.lookup import reports_dir as lookup


def test_the_environment_variable_always_wins(tmp_path):
    assert lookup.reports_dir([str(tmp_path)], {"OPS_RUNBOOKS_REPORTS_DIR": "/x/y", "AWX_ISOLATED_DATA_DIR": "/a"}) \
        == "/x/y"


def test_an_ansible_runner_job_writes_into_its_own_artifact_dir(tmp_path):
    artifacts = tmp_path / "artifacts" / "1"
    artifacts.mkdir(parents=True)
    assert lookup.reports_dir(["/reports"], {"AWX_ISOLATED_DATA_DIR": str(artifacts),
                                             "AWX_PRIVATE_DATA_DIR": str(tmp_path)}) == str(artifacts / "reports")
    assert lookup.reports_dir(["/reports"], {"AWX_PRIVATE_DATA_DIR": str(tmp_path)}) == str(tmp_path / "reports")


def test_the_first_writable_candidate(tmp_path, monkeypatch):
    """As a user who may not write /srv (AWX resolving the inventory's default to /reports): the next candidate,
    then the temporary directory. os.access is what decides (root may write anywhere, so it is stubbed here)."""
    writable = tmp_path / "repo"
    writable.mkdir()
    real_access = os.access
    monkeypatch.setattr(lookup.os, "access", lambda path, mode: str(path).startswith(str(tmp_path))
                        and real_access(path, mode))
    assert lookup.reports_dir(["/srv/reports", str(writable / "reports")], {}) == str(writable / "reports")
    assert lookup.reports_dir([str(writable / "a" / "b")], {}) == str(writable / "a" / "b")  # creatable below
    monkeypatch.setattr(lookup.tempfile, "gettempdir", lambda: "/tmp-of-the-job")
    monkeypatch.setattr(lookup, "user_name", lambda: "awx")
    assert lookup.reports_dir(["/srv/reports"], {}) == "/tmp-of-the-job/ops-runbooks-reports-awx"


def test_a_file_in_the_way_is_no_directory(tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("not a directory")
    assert lookup.reports_dir([str(blocker / "sub")], {}).startswith(lookup.tempfile.gettempdir())


def test_a_uid_without_a_name(monkeypatch):
    def no_user():
        raise KeyError("uid 1000680000 not in passwd")
    monkeypatch.setattr(lookup.getpass, "getuser", no_user)
    assert lookup.user_name() == str(os.getuid())
