# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on the common check model (``module_utils/checks``), for what a role still has to grade itself:
``failure_check`` (a rescued task as a check), ``threshold_check`` (a number against limits), ``summarize`` (counts
by status), ``ordered`` (failures first), ``check_line`` and ``brief_checks`` (a check in a message, in the custom
stats). A role takes a module's ``checks`` as they are; these make the few
checks a module does not, with the same statuses and the same judgement as the modules."""

from __future__ import annotations

import math

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data

# The order of a report: what needs a person first.
ORDER = (checks.FAIL, checks.WARN, checks.UNKNOWN, checks.PASS, checks.SKIPPED)


def failure_check(result, resource, check, expected=None, hints=None):
    """A task that failed (``ansible_failed_result`` in a rescue) as one ``fail`` check with its message. ``hints``:
    ``{module option: what to set}`` - a message about that option (``log_group_name_prefix: no log group ...``) is
    followed by the inventory variable that sets it, since the user writes the inventory, not the module call."""
    if not isinstance(result, dict):
        raise AnsibleFilterError("failure_check expects a task result (ansible_failed_result), got %s"
                                 % type(result).__name__)
    reason = str(result.get("msg") or "%s failed" % check)
    for option, hint in (hints or {}).items():
        if reason.startswith(option + ":") or (": %s:" % option) in reason:
            reason = "%s - %s" % (reason, hint)
            break
    return checks.make_check(resource, check, checks.FAIL, reason, None, expected)


def finite_number(value, name):
    """``value`` as a finite float; an AnsibleFilterError naming ``name`` otherwise (a NaN limit passes everything)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise AnsibleFilterError("%s must be a number, got %r" % (name, value)) from None
    if not math.isfinite(number):
        raise AnsibleFilterError("%s must be a finite number, got %r" % (name, value))
    return number


def _number(value, name):
    return None if value is None or value == "" else finite_number(value, "threshold_check: " + name)


def threshold_check(value, resource, check, max=None, warn=None, label=None, detail=None):  # pylint: disable=redefined-builtin
    """``value`` against the upper limits ``max`` (fail above) and ``warn`` (warn above), inclusive, as the modules
    judge (``module_utils/checks.threshold``): no value is ``unknown``. ``label`` names the value in the reason
    (default the check's name); ``detail`` is added to the reason in parentheses."""
    number = _number(value, "the value")
    limit, warning = _number(max, "max"), _number(warn, "warn")
    if limit is None and warning is None:
        raise AnsibleFilterError("threshold_check: give max or warn (the check %s has no limit)" % check)
    status, reason = checks.threshold(number, label or check, fail_above=limit, warn_above=warning)
    if detail:
        reason = "%s (%s)" % (reason, detail)
    return checks.make_check(resource, check, status, reason, number, limit if limit is not None else warning)


def _checks(value, name):
    if not isinstance(value, list) or not all(isinstance(c, dict) and c.get("status") in checks.STATUSES
                                              for c in value):
        raise AnsibleFilterError("%s expects a list of checks (dicts with a status of %s)"
                                 % (name, ", ".join(checks.STATUSES)))
    return value


def summarize(found):
    """Counts by status, every status present: ``{pass, warn, fail, unknown, skipped}``."""
    return checks.summarize(_checks(found, "summarize"), keys=checks.STATUSES)


def ordered(found):
    """The checks failures first, then warnings, unknowns, passes and skipped ones (stable within a status)."""
    return sorted(_checks(found, "ordered"), key=lambda c: ORDER.index(c["status"]))


def make_check(resource, check, status, reason, observed=None, expected=None):
    """One check of the common model (``module_utils/checks.make_check``): the status one of pass, warn, fail,
    unknown, skipped - for a fact a role states without judging it (a configuration read, a step not taken)."""
    try:
        return checks.make_check(resource, check, status, reason, observed, expected)
    except ValueError:
        raise AnsibleFilterError("make_check: status %r is not one of %s" % (status, ", ".join(checks.STATUSES))) \
            from None


def shortened(text, width=100, leeway=5):
    """Jinja's ``truncate(width)``: as it is up to ``width + leeway`` characters, else cut at a word and ``...``."""
    text = str(text)
    if len(text) <= width + leeway:
        return text
    return text[:width - 3].rsplit(" ", 1)[0] + "..."


def check_line(check):
    """One check in one line for a message: ``resource | check | reason`` (the reason shortened to 100 characters)."""
    if not isinstance(check, dict):
        raise AnsibleFilterError("check_line expects a check (a dict), got %s" % type(check).__name__)
    return "%s | %s | %s" % (check.get("resource"), check.get("check"), shortened(check.get("reason") or ""))


def brief_checks(found):
    """The checks with only ``resource``, ``check`` and ``reason`` - what a run's custom stats keep of them."""
    return [{"resource": c.get("resource"), "check": c.get("check"), "reason": c.get("reason")}
            for c in _checks(found, "brief_checks")]


class FilterModule:
    def filters(self):
        return returning_data({
            "failure_check": failure_check,
            "threshold_check": threshold_check,
            "summarize": summarize,
            "ordered": ordered,
            "check_line": check_line,
            "brief_checks": brief_checks,
            "make_check": make_check,
        })
