# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ops.runbooks.runtime_checks``: Lambda runtimes against their deprecation dates (runbook 004
"Maintenance"), one check per function - deprecated is a failure, within ``warn_days`` a warning, a runtime without a
date in the table unknown."""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data


def runtime_checks(functions, deprecations, warn_days, today=None):
    """``functions``: ops.runbooks.lambda_state's ``functions`` (name -> state; those that do not exist are left out);
    ``deprecations``: runtime -> ``YYYY-MM-DD``; ``today``: a ``YYYY-MM-DD`` (UTC today when not given)."""
    if not isinstance(functions, dict) or not isinstance(deprecations, dict):
        raise AnsibleFilterError("runtime_checks: give lambda_state's functions and the deprecation table (dicts)")
    today = _date(today) if today else datetime.datetime.now(datetime.timezone.utc).date()
    found = []
    for name, state in functions.items():
        if not state.get("exists"):
            continue
        runtime = state.get("runtime")
        until = deprecations.get(runtime)
        days = (_date(until) - today).days if until else None
        if days is None:
            status, reason = "unknown", "%s: no deprecation date in the role's table (vars/main.yml)" % runtime
        elif days <= 0:
            status, reason = "fail", "%s deprecated since %s" % (runtime, until)
        else:
            status = "warn" if days <= int(warn_days) else "pass"
            reason = "%s deprecated on %s, in %d days" % (runtime, until, days)
        found.append({"resource": name, "check": "runtime", "status": status, "observed": runtime,
                      "expected": until, "reason": reason})
    return found


def _date(text):
    try:
        return datetime.datetime.strptime(str(text), "%Y-%m-%d").date()
    except ValueError:
        raise AnsibleFilterError("runtime_checks: %r is not a date YYYY-MM-DD" % (text,)) from None


class FilterModule:
    def filters(self):
        return returning_data({"runtime_checks": runtime_checks})
