# -*- coding: utf-8 -*-
"""Filter ops.runbooks.runtime_checks: runbook 004's runtime deprecation judgement (it was Jinja in the role)."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.runtime_checks import runtime_checks

TABLE = {"python3.9": "2025-12-15", "python3.12": "2028-10-31", "nodejs22.x": "2027-04-30"}


def fn(runtime, exists=True):
    return {"exists": exists, "runtime": runtime}


def test_deprecated_fails_near_warns_later_passes_unknown_without_a_date_missing_left_out():
    found = runtime_checks({"a": fn("python3.9"), "b": fn("nodejs22.x"), "c": fn("python3.12"), "d": fn("go1.x"),
                            "e": fn(None), "gone": fn("python3.9", exists=False)}, TABLE, 90, "2027-03-01")
    got = dict((c["resource"], (c["status"], c["reason"])) for c in found)
    assert got == {"a": ("fail", "python3.9 deprecated since 2025-12-15"),
                   "b": ("warn", "nodejs22.x deprecated on 2027-04-30, in 60 days"),
                   "c": ("pass", "python3.12 deprecated on 2028-10-31, in 610 days"),
                   "d": ("unknown", "go1.x: no deprecation date in the role's table (vars/main.yml)"),
                   "e": ("unknown", "None: no deprecation date in the role's table (vars/main.yml)")}
    assert found[0]["observed"] == "python3.9" and found[0]["expected"] == "2025-12-15"
    # the day itself is deprecated already
    assert runtime_checks({"a": fn("python3.9")}, TABLE, 90, "2025-12-15")[0]["status"] == "fail"


def test_bad_input_is_named():
    with pytest.raises(AnsibleFilterError, match="not a date"):
        runtime_checks({"a": fn("python3.9")}, TABLE, 90, "tomorrow")
    with pytest.raises(AnsibleFilterError, match="give lambda_state's functions"):
        runtime_checks([], TABLE, 90)


def test_no_function_no_check():
    assert runtime_checks({}, TABLE, 90, "2027-03-01") == []
