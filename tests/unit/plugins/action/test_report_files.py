# -*- coding: utf-8 -*-
"""ops.runbooks.report_files (plugins/action/report_files.py): every file written whole, into the directory (made
when missing), with the mode asked for; never outside it; bad input named; never "changed"."""
from __future__ import annotations

import os
import stat
from unittest import mock

import pytest

from ansible_collections.ops.runbooks.plugins.action.report_files import ActionModule


def _run(args, check_mode=False):
    task = mock.MagicMock(args=args, async_val=0, check_mode=check_mode, diff=False)
    action = ActionModule(task, mock.MagicMock(), mock.MagicMock(check_mode=check_mode), loader=None, templar=None,
                          shared_loader_obj=None)
    return action.run(task_vars={})


def test_writes_every_file_into_a_new_directory_with_the_mode(tmp_path):
    directory = tmp_path / "reports" / "nested"
    result = _run({"directory": str(directory), "mode": "0600", "files": [
        {"path": "daily_health-prod.md", "content": "# Health check: prod\n\n| ü |\n"},
        {"path": "daily_health-prod.json", "content": "{}\n"}]})
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert result["paths"] == [str(directory / "daily_health-prod.md"), str(directory / "daily_health-prod.json")]
    assert (directory / "daily_health-prod.md").read_text(encoding="utf-8") == "# Health check: prod\n\n| ü |\n"
    assert stat.S_IMODE(os.stat(directory / "daily_health-prod.json").st_mode) == 0o600
    assert sorted(os.listdir(directory)) == ["daily_health-prod.json", "daily_health-prod.md"]  # no temporary left


def test_by_default_the_files_are_private_and_a_new_directory_too(tmp_path):
    """#30: reports were 0644 in a 0755 directory whatever the umask - readable by every user of the controller."""
    directory = tmp_path / "reports"
    result = _run({"directory": str(directory), "files": [{"path": "r.json", "content": "{}"}]})
    assert not result.get("failed"), result
    assert stat.S_IMODE(os.stat(directory / "r.json").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700


def test_replaces_an_older_report_and_writes_in_check_mode_too(tmp_path):
    (tmp_path / "r.md").write_text("old")
    result = _run({"directory": str(tmp_path), "files": [{"path": "r.md", "content": "new"}]}, check_mode=True)
    assert not result.get("failed") and (tmp_path / "r.md").read_text() == "new"
    assert stat.S_IMODE(os.stat(tmp_path / "r.md").st_mode) == 0o600  # the default: private


@pytest.mark.parametrize("args, message", [
    ({"files": [{"path": "a", "content": ""}]}, "directory: give the directory"),
    ({"directory": "D", "files": []}, "files: give a list"),
    ({"directory": "D", "files": [{"content": "x"}]}, "files[0].path: give the file's name"),
    ({"directory": "D", "files": [{"path": "/etc/passwd", "content": "x"}]}, "files[0].path: /etc/passwd is not a name"),
    ({"directory": "D", "files": [{"path": "../up.md", "content": "x"}]}, "files[0].path: ../up.md is not a name"),
    ({"directory": "D", "files": [{"path": "a.md", "content": None}]}, "files[0].content: give the file's text"),
    ({"directory": "D", "files": [{"path": "a.md", "content": "x"}], "mode": "rw"}, "mode: rw is not an octal"),
])
def test_bad_input_is_named_and_nothing_is_written(tmp_path, args, message):
    if "directory" in args:
        args = dict(args, directory=str(tmp_path / args["directory"]))
    result = _run(args)
    assert result["failed"] is True and message in result["msg"], result
    assert not (tmp_path / "D").exists()


def test_a_directory_that_cannot_be_written_fails_with_the_path(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    result = _run({"directory": str(blocked), "files": [{"path": "a.md", "content": "x"}]})
    assert result["failed"] is True and "report_files: cannot write %s" % blocked in result["msg"], result
