# -*- coding: utf-8 -*-
"""Filter ops.runbooks.lockdown_snapshot (it was a namespace loop in the lockdown): names only, EMERGENCY_MODE's
value, nothing else of the environment."""
from __future__ import annotations

from ansible_collections.ops.runbooks.plugins.filter.security import lockdown_snapshot


def test_names_and_emergency_mode_only():
    functions = {"a": {"environment_names": ["DB_PASSWORD", "EMERGENCY_MODE"],
                       "environment_values": {"EMERGENCY_MODE": "false"}},
                 "b": {"environment_names": [], "environment_values": {}}}
    assert lockdown_snapshot(functions) == {"a": {"variables": ["DB_PASSWORD", "EMERGENCY_MODE"], "emergency_mode": "false"},
                                            "b": {"variables": [], "emergency_mode": None}}
