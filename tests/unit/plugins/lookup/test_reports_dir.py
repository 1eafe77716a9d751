# -*- coding: utf-8 -*-
"""Lookup ``ops.runbooks.reports_dir``: where the reports go when nobody says (AWX, ansible-runner, CLI, a user who
cannot write the repository)."""
from __future__ import annotations

import os

import pytest

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
    shared_tmp = tmp_path / "tmp-of-the-job"
    shared_tmp.mkdir()
    monkeypatch.setattr(lookup.tempfile, "gettempdir", lambda: str(shared_tmp))
    monkeypatch.setattr(lookup, "user_name", lambda: "awx")
    assert lookup.reports_dir(["/srv/reports"], {}) == str(shared_tmp / "ops-runbooks-reports-awx")
    assert oct(os.stat(shared_tmp / "ops-runbooks-reports-awx").st_mode & 0o777) == "0o700"  # made private


def test_a_file_in_the_way_is_no_directory(tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("not a directory")
    assert lookup.reports_dir([str(blocker / "sub")], {}).startswith(lookup.tempfile.gettempdir())


def test_a_uid_without_a_name(monkeypatch):
    def no_user():
        raise KeyError("uid 1000680000 not in passwd")
    monkeypatch.setattr(lookup.getpass, "getuser", no_user)
    assert lookup.user_name() == str(os.getuid())


@pytest.mark.parametrize("planted", ["symlink", "other_owner", "group_writable"])
def test_the_shared_fallback_is_used_only_when_it_is_this_users_private_directory(tmp_path, monkeypatch, planted):
    """#30: /tmp/ops-runbooks-reports-<user> was used whoever had made it: another user's directory, or a symlink to
    one, received every report (and incident records were read back from it). Then the home directory is used."""
    shared_tmp, home = tmp_path / "tmp", tmp_path / "home"
    shared_tmp.mkdir()
    home.mkdir()
    planted_path = shared_tmp / "ops-runbooks-reports-awx"
    if planted == "symlink":
        (tmp_path / "attacker").mkdir()
        planted_path.symlink_to(tmp_path / "attacker")
    else:
        planted_path.mkdir(mode=0o777 if planted == "group_writable" else 0o700)
        os.chmod(planted_path, 0o777 if planted == "group_writable" else 0o700)
        if planted == "other_owner":
            os.chown(planted_path, 65534, 65534)  # the tests run as root: nobody's directory
    monkeypatch.setattr(lookup.tempfile, "gettempdir", lambda: str(shared_tmp))
    monkeypatch.setattr(lookup, "user_name", lambda: "awx")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(lookup.os, "access", lambda path, mode: False)  # no candidate is writable
    chosen = lookup.reports_dir(["/srv/reports"], {})
    assert chosen == str(home / ".cache" / "ops-runbooks-reports")
    assert oct(os.stat(chosen).st_mode & 0o777) == "0o700"


def test_never_into_an_installed_collection(tmp_path, monkeypatch):
    """ansible-playbook ops.runbooks.daily_health: playbook_dir/../reports is inside the installed collection; the
    reports go to reports/ of the directory the user runs from."""
    installed = tmp_path / "collections" / "ansible_collections" / "ops" / "runbooks"
    (installed / "playbooks").mkdir(parents=True)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    assert lookup.reports_dir([str(installed / "playbooks" / ".." / "reports")], {}) == str(project / "reports")
    assert lookup.reports_dir([str(tmp_path / "checkout" / "reports")], {}) == str(tmp_path / "checkout" / "reports")
