# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters ``ops.runbooks.lockdown_snapshot``: what a security lockdown records of each function before it changes
anything (runbook 000 "Sicherheitsverfahren") - the names of its variables and its EMERGENCY_MODE, never a value of
another variable - so that the unlock restores exactly what was there - and ``ops.runbooks.lockdown_changes``: what a
lockdown or an unlock changed, as the lines of the incident record."""

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


CHANGES = {"lockdown": ("EMERGENCY_MODE=true on ", "attached to"),
           "unlock": ("EMERGENCY_MODE restored on ", "detached from")}


def lockdown_changes(results, step, policy):
    """The lines of what ``step`` (``lockdown`` or ``unlock``) changed: one per function whose lambda_config call
    changed (``results``: the loop's results, each ``item`` the function's name or a ``{key: name}`` of dict2items),
    in their order, then the policy's when ``policy`` (``{name, role, changed}``) changed."""
    if step not in CHANGES or not isinstance(results, list) or not isinstance(policy, dict):
        raise AnsibleFilterError("lockdown_changes: give the loop's results, 'lockdown' or 'unlock', and the policy "
                                 "{name, role, changed}")
    prefix, verb = CHANGES[step]
    names = [r["item"]["key"] if isinstance(r.get("item"), dict) else r["item"] for r in results if r.get("changed")]
    lines = [prefix + str(name) for name in names]
    if policy.get("changed"):
        lines.append("policy %s %s %s" % (policy.get("name"), verb, policy.get("role")))
    return lines


class FilterModule:
    def filters(self):
        return returning_data({"lockdown_changes": lockdown_changes, "lockdown_snapshot": lockdown_snapshot})
