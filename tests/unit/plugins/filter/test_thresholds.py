# -*- coding: utf-8 -*-
"""One source per threshold (#31): the documented defaults live in plugins/module_utils/thresholds.py alone; the
inventory overrides them; no role or filter keeps a number of its own."""
from __future__ import annotations

import glob
import os
import re

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.performance import LAMBDA_LIMITS
from ansible_collections.ops.runbooks.plugins.filter.thresholds import thresholds
from ansible_collections.ops.runbooks.plugins.module_utils.thresholds import THRESHOLDS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def test_the_inventory_over_the_defaults_and_a_typo_is_an_error():
    merged = thresholds({"queue_max_dlq_visible": 3})
    assert merged["queue_max_dlq_visible"] == 3 and merged["queue_warn_visible"] == 500
    assert thresholds(None) == thresholds({}) == {k: v[0] for k, v in THRESHOLDS.items()}
    with pytest.raises(AnsibleFilterError, match="unknown threshold.s. queue_max_dlq_visibel"):
        thresholds({"queue_max_dlq_visibel": 3})


def test_the_defaults_are_the_runbooks_values_the_shared_inventory_names():
    with open(os.path.join(ROOT, "inventories", "shared", "runbook_001_resources.yml"), encoding="utf-8") as fh:
        shared = yaml.safe_load(fh)["ops_runbooks_thresholds"]
    assert set(shared) == set(THRESHOLDS)
    # the one value ai-investment's own runbook gives otherwise: 001 "Alarms", DLQ > 1 message (the default is 004's 10)
    assert {k: v for k, v in shared.items() if v != THRESHOLDS[k][0]} == {"queue_max_dlq_visible": 1}


def test_no_role_keeps_a_threshold_of_its_own():
    own = []
    for path in glob.glob(os.path.join(ROOT, "roles", "*", "*", "*.yml")):
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if "{{" in line and re.search(r"ops_runbooks_thresholds\.\w+", line):  # a use, not a description
                    own.append("%s:%d" % (os.path.relpath(path, ROOT), number))
    assert own == [], "read thresholds through <role>_runbook_thresholds (filter ops.runbooks.thresholds)"
    assert (LAMBDA_LIMITS["error_rate_warn_pct"], LAMBDA_LIMITS["concurrency_fail"]) == (
        THRESHOLDS["lambda_error_rate_warn_pct"][0], THRESHOLDS["lambda_concurrency_max"][0])
