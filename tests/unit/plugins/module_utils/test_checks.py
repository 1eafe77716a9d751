# -*- coding: utf-8 -*-
from __future__ import annotations

import pytest

from ansible_collections.ops.runbooks.plugins.module_utils import checks


def test_make_check_shape():
    assert checks.make_check("t", "pitr", "fail", "disabled", observed=False, expected=True) == {
        "resource": "t", "check": "pitr", "status": "fail", "observed": False, "expected": True, "reason": "disabled",
    }
    with pytest.raises(ValueError):
        checks.make_check("t", "pitr", "bad", "x")


def test_worst_and_summary():
    assert checks.worst(["pass", "warn", "skipped"]) == "warn"
    assert checks.worst(["pass", "unknown"]) == "unknown"
    assert checks.worst(["warn", "fail", "pass"]) == "fail"
    assert checks.worst([]) == "pass"
    results = [{"status": s} for s in ("pass", "pass", "fail", "skipped")]
    assert checks.summarize(results) == {"pass": 2, "warn": 0, "fail": 1, "skipped": 1, "unknown": 0}


@pytest.mark.parametrize(
    "value, fail_above, warn_above, status",
    [(5, 10, 3, "warn"), (11, 10, 3, "fail"), (10, 10, None, "pass"), (0, 0, None, "pass"), (1, 0, None, "fail"),
     (None, 1, None, "unknown"), (7, None, None, "pass")],
)
def test_threshold(value, fail_above, warn_above, status):
    got, reason = checks.threshold(value, "visible", fail_above, warn_above)
    assert got == status
    assert reason.startswith("visible")
