# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of ops.runbooks.warn: a warning in the play's output (documentation in plugins/modules/warn.py)."""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("msg",))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        message = self._task.args.get("msg")
        if not isinstance(message, str) or not message.strip():
            result.update(failed=True, msg="msg: a warning needs a non-empty text")
            return result
        result.update(changed=False, msg=message, warnings=[message])
        return result
