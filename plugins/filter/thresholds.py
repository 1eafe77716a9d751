# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ops.runbooks.thresholds``: an inventory's ``ops_runbooks_thresholds`` over the runbooks' documented
defaults (``module_utils/thresholds.py``, the one place they live) - the roles' defaults read every threshold
through it, so no role keeps a number of its own."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.module_utils.thresholds import merged
from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data


def thresholds(given):
    try:
        return merged(given)
    except ValueError as e:
        raise AnsibleFilterError(str(e)) from None


class FilterModule:
    def filters(self):
        return returning_data({"thresholds": thresholds})
