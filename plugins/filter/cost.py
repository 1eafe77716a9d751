# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ops.runbooks.cost_rows``: cost_usage's services of a month as the rows of the cost review's table."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data


def cost_rows(services):
    """``[service, USD, share, against the month before]`` per service: amounts with two decimals, the share in
    percent, the change signed with one decimal (``-`` when the month before had nothing to compare)."""
    if not isinstance(services, list):
        raise AnsibleFilterError("cost_rows expects cost_usage's services of a month (a list)")
    rows = []
    for s in services:
        change = s.get("change_percent")
        rows.append([s.get("service"), "%.2f" % float(s.get("amount") or 0), "%s %%" % s.get("share_percent"),
                     "%+.1f %%" % float(change) if change is not None else "-"])
    return rows


class FilterModule:
    def filters(self):
        return returning_data({"cost_rows": cost_rows})
