# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters ``ops.runbooks.result_to_check`` (a registered task result or loop item) and ``ops.runbooks.log_to_check``
(a log_search result) as checks of the common model."""

from __future__ import annotations

from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data


def result_to_check(result, check="task", resource=None):
    """``{resource, check, status, observed, expected, reason}`` from a registered result.

    ``status`` is ``fail`` for a failed result, ``skipped`` for a skipped one, ``pass`` otherwise; ``reason`` is the
    result's ``msg``; ``resource`` defaults to the loop item - an item that is a dict by the ``function_name`` (or
    ``name``) of the result or of the item.
    """
    if not isinstance(result, dict):
        raise TypeError("result_to_check expects a registered result (a dict), got %s" % type(result).__name__)
    if result.get("failed"):
        status = "fail"
    elif result.get("skipped"):
        status = "skipped"
    else:
        status = "pass"
    return {
        "resource": resource if resource is not None else _named(result),
        "check": check,
        "status": status,
        "observed": {"changed": bool(result.get("changed"))},
        "expected": None,
        "reason": result.get("msg") or ("changed" if result.get("changed") else "ok"),
    }


def _named(result):
    """The loop item, or for a dict item the function (or name) it stands for."""
    item = result.get("item", "")
    if isinstance(item, dict):
        return result.get("function_name") or item.get("function_name") or item.get("name") or item
    return item


def log_to_check(result, resource, expected=None):
    """A registered ``ops.runbooks.log_search`` result (or loop item, or one of its ``patterns``) as a check:
    ``log <pattern>`` with its status, the match counts per group, ``expected`` (the matches allowed) and the first
    matching line in the reason."""
    if not isinstance(result, dict):
        raise TypeError("log_to_check expects a registered log_search result (a dict), got %s" % type(result).__name__)
    pattern = result.get("filter_pattern") or result.get("item") or ""
    matches = result.get("matches") or []
    first = matches[0].get("message", "").strip() if matches else ""
    return {
        "resource": resource,
        "check": "log %s" % pattern,
        "status": "fail" if result.get("failed") and not result.get("status") else result.get("status", "unknown"),
        "observed": dict((g, n) for g, n in (result.get("counts") or {}).items() if n),
        "expected": expected,
        "reason": (result.get("reason") or result.get("msg") or "") + (": %s" % first[:120] if first else ""),
    }


def unselected_checks(plan, requested):
    """A ``skipped`` check for every check of a plan that was asked for (``requested``) but does not run, naming the
    settings that are empty - a check whose selection is empty says so in the report instead of vanishing from it.

    ``plan``: ``{check: {runs: bool, <variable>: <value>, ...}}`` (the health check's plan)."""
    if not isinstance(plan, dict):
        raise TypeError("unselected_checks expects a plan (a dict of checks), got %s" % type(plan).__name__)
    found = []
    for name, entry in plan.items():
        if name not in (requested or []) or not isinstance(entry, dict) or entry.get("runs"):
            continue
        empty = sorted(k for k, v in entry.items() if k != "runs" and v in ("", None, [], {}))
        found.append(_selection_check(name, "not checked: %s" % (
            "%s %s empty" % (", ".join(empty), "is" if len(empty) == 1 else "are") if empty
            else "its settings select nothing")))
    return found


def checked_or_empty(checks, resource, reason):
    """The checks of a report, or - when there are none - one ``skipped`` check ``selection`` saying that nothing was
    checked and why (``reason``: the variable that selects what to check): never an empty green report."""
    if checks:
        return checks
    return [_selection_check(resource, "nothing was checked: %s" % reason, observed=0, expected=">= 1")]


def _selection_check(resource, reason, observed=None, expected=None):
    return {"resource": resource, "check": "selection", "status": "skipped", "observed": observed,
            "expected": expected, "reason": reason}


class FilterModule:
    def filters(self):
        return returning_data({"result_to_check": result_to_check, "log_to_check": log_to_check,
                               "unselected_checks": unselected_checks, "checked_or_empty": checked_or_empty})
