# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The result model of every check: ``pass`` / ``warn`` / ``fail`` (or ``unknown`` / ``skipped``) with a reason.

``backup_verify``, ``queue_depth`` and the health roles report lists of these dicts, so reports,
summaries and "fail the task?" decisions work the same everywhere.
"""

from __future__ import annotations

PASS = "pass"
WARN = "warn"
FAIL = "fail"
UNKNOWN = "unknown"
SKIPPED = "skipped"

STATUSES = (PASS, WARN, FAIL, UNKNOWN, SKIPPED)
# Severity order used to combine statuses: the worst one wins.
_SEVERITY = {SKIPPED: 0, PASS: 1, UNKNOWN: 2, WARN: 3, FAIL: 4}


def make_check(resource, check, status, reason, observed=None, expected=None):
    """One check result: ``{resource, check, status, observed, expected, reason}``."""
    if status not in STATUSES:
        raise ValueError("unknown check status %r" % (status,))
    return {
        "resource": resource,
        "check": check,
        "status": status,
        "observed": observed,
        "expected": expected,
        "reason": reason,
    }


def worst(statuses, default=PASS):
    """The most severe of some statuses (``fail`` > ``warn`` > ``unknown`` > ``pass`` > ``skipped``)."""
    statuses = list(statuses)
    if not statuses:
        return default
    return max(statuses, key=lambda s: _SEVERITY[s])


def summarize(results, keys=(PASS, WARN, FAIL, SKIPPED, UNKNOWN)):
    """Counts by status of dicts that carry a ``status`` key (every key in ``keys`` present, zero or more)."""
    summary = dict((k, 0) for k in keys)
    for result in results:
        summary[result["status"]] = summary.get(result["status"], 0) + 1
    return summary


def threshold(value, name, fail_above=None, warn_above=None):
    """Judge ``value`` against upper limits: ``(status, reason)``; the limits are inclusive (value == limit passes).

    ``value`` None means no data: ``unknown``.
    """
    if value is None:
        return UNKNOWN, "%s: no data" % name
    if fail_above is not None and value > fail_above:
        return FAIL, "%s %s > %s" % (name, format_number(value), format_number(fail_above))
    if warn_above is not None and value > warn_above:
        return WARN, "%s %s > %s (warning level)" % (name, format_number(value), format_number(warn_above))
    limits = [x for x in (warn_above, fail_above) if x is not None]
    if limits:
        return PASS, "%s %s <= %s" % (name, format_number(value), format_number(min(limits)))
    return PASS, "%s %s" % (name, format_number(value))


def format_number(value, places=None):
    """A number for a reason text: ``7`` for 7.0, else the value as is or with ``places`` decimals."""
    if float(value).is_integer():
        return str(int(value))
    return str(value) if places is None else "%.*f" % (places, value)


def end_module(module, result, failure=None, msg=None):
    """End a check module (one with the ``ops.runbooks.checks`` doc fragment): fail with the message ``failure``
    when there is one and ``fail_on`` is ``fail``, otherwise exit with the result (and ``msg`` when given)."""
    if failure and module.params["fail_on"] == "fail":
        module.fail_json(msg=failure, **result)
    if msg is not None:
        result = dict(result, msg=msg)
    module.exit_json(**result)
