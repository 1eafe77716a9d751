# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of ops.runbooks.report_files: write a report's files on the controller in one step, without a
module run (documentation in plugins/modules/report_files.py)."""

from __future__ import annotations

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("directory", "files", "mode"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        directory, files, mode = args.get("directory"), args.get("files"), args.get("mode", "0600")
        problem = _invalid(directory, files, mode)
        if problem:
            result.update(failed=True, msg=problem)
            return result
        written = []
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)  # reports can name resources and findings: private
            for entry in files:
                _write(os.path.join(directory, entry["path"]), entry["content"], int(str(mode), 8))
                written.append(os.path.join(directory, entry["path"]))
        except OSError as e:
            result.update(failed=True, msg="report_files: cannot write %s: %s" % (e.filename or directory, e.strerror),
                          paths=written)
            return result
        # The report is the run's output, not a change to the managed system (a read-only run stays changed=0).
        result.update(changed=False, paths=written)
        return result


def _invalid(directory, files, mode):
    if not isinstance(directory, str) or not directory:
        return "directory: give the directory of the report files"
    if not isinstance(files, list) or not files:
        return "files: give a list of {path, content}"
    for index, entry in enumerate(files):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not entry["path"]:
            return "files[%d].path: give the file's name" % index
        if os.path.isabs(entry["path"]) or ".." in entry["path"].split(os.sep):
            return "files[%d].path: %s is not a name inside directory" % (index, entry["path"])
        if not isinstance(entry.get("content"), str):
            return "files[%d].content: give the file's text" % index
    if not str(mode).isdigit() or len(str(mode)) > 4 or any(c in "89" for c in str(mode)):
        return "mode: %s is not an octal file mode such as 0644" % mode
    return None


def _write(path, content, mode):
    """Write atomically: a reader (AWX, a browser, the S3 upload) never sees half a report."""
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".%s." % os.path.basename(path))
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(to_bytes(content, errors="surrogate_or_strict"))
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
