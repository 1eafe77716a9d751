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


def test_lockdown_changes_the_changed_functions_then_the_policy():
    from ansible_collections.ops.runbooks.plugins.filter.security import lockdown_changes

    results = [{"item": "a", "changed": True}, {"item": "b", "changed": False}, {"item": "c", "changed": True}]
    assert lockdown_changes(results, "lockdown", {"name": "Deny", "role": "app", "changed": True}) == [
        "EMERGENCY_MODE=true on a", "EMERGENCY_MODE=true on c", "policy Deny attached to app"]
    assert lockdown_changes(results, "lockdown", {"name": "Deny", "role": "app", "changed": False}) == [
        "EMERGENCY_MODE=true on a", "EMERGENCY_MODE=true on c"]


def test_lockdown_changes_of_an_unlock_reads_the_dict2items_key():
    from ansible_collections.ops.runbooks.plugins.filter.security import lockdown_changes

    results = [{"item": {"key": "a", "value": {}}, "changed": False}, {"item": {"key": "b", "value": {}}, "changed": True}]
    assert lockdown_changes(results, "unlock", {"name": "Deny", "role": "app", "changed": True}) == [
        "EMERGENCY_MODE restored on b", "policy Deny detached from app"]
    assert lockdown_changes([], "unlock", {"name": "Deny", "role": "app", "changed": False}) == []


def test_lockdown_changes_refuses_an_unknown_step():
    import pytest
    from ansible.errors import AnsibleFilterError
    from ansible_collections.ops.runbooks.plugins.filter.security import lockdown_changes

    with pytest.raises(AnsibleFilterError):
        lockdown_changes([], "open", {})
