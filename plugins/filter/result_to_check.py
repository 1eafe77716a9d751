# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ops.runbooks.result_to_check``: one registered task result (or loop item) as a check of the common model."""

from __future__ import annotations


def result_to_check(result, check="task", resource=None):
    """``{resource, check, status, observed, expected, reason}`` from a registered result.

    ``status`` is ``fail`` for a failed result, ``skipped`` for a skipped one, ``pass`` otherwise; ``reason`` is the
    result's ``msg``; ``resource`` defaults to the loop item.
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
        "resource": resource if resource is not None else result.get("item", ""),
        "check": check,
        "status": status,
        "observed": {"changed": bool(result.get("changed"))},
        "expected": None,
        "reason": result.get("msg") or ("changed" if result.get("changed") else "ok"),
    }


class FilterModule:
    def filters(self):
        return {"result_to_check": result_to_check}
