# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ops.runbooks.lockdown_snapshot``: what a security lockdown records of each function before it changes
anything (runbook 000 "Sicherheitsverfahren") - the names of its variables and its EMERGENCY_MODE, never a value of
another variable - so that the unlock restores exactly what was there."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data


def lockdown_snapshot(functions):
    """``{function: {variables: [names], emergency_mode: value or None}}`` of lambda_state's ``functions`` (read with
    ``environment_values: [EMERGENCY_MODE]``)."""
    if not isinstance(functions, dict):
        raise AnsibleFilterError("lockdown_snapshot expects lambda_state's functions (a dict)")
    return {name: {"variables": list(f.get("environment_names") or []),
                   "emergency_mode": (f.get("environment_values") or {}).get("EMERGENCY_MODE")}
            for name, f in functions.items()}


class FilterModule:
    def filters(self):
        return returning_data({"lockdown_snapshot": lockdown_snapshot})
