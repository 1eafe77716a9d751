# -*- coding: utf-8 -*-
"""Filter ops.runbooks.inventory_drift: the inventory's names against the discovery, both ways."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.discovery import inventory_drift

FOUND = {"functions": ["stack-Api-NEW"], "tables": ["t1"], "buckets": [],
         "sources": {"functions": {"stack-Api-NEW": ["stack stack"]}, "tables": {"t1": ["tags"]}}}


def test_a_stale_name_fails_an_unnamed_resource_warns_agreement_passes():
    made = inventory_drift(FOUND, {"functions": ["stack-Api-OLD"], "tables": ["t1"], "buckets": []})
    assert [(c["resource"], c["status"]) for c in made] == [
        ("stack-Api-OLD", "fail"), ("stack-Api-NEW", "warn"), ("tables", "pass"), ("buckets", "skipped")]
    assert made[0]["reason"] == ("ops_runbooks_functions names stack-Api-OLD, which the discovery's sources do not "
                                 "hold (renamed by a redeploy, or gone)")
    assert made[1]["reason"] == "stack stack has stack-Api-NEW, which ops_runbooks_functions does not name: no role " \
                                "checks it"
    assert made[2]["reason"] == "the 1 tables of ops_runbooks_tables are the ones discovered"
    assert all(c["check"] == "inventory drift" for c in made)


def test_bad_input_is_named():
    with pytest.raises(AnsibleFilterError, match="lambdas: not a kind"):
        inventory_drift(FOUND, {"lambdas": []})
    with pytest.raises(AnsibleFilterError, match="functions: give a list of names"):
        inventory_drift(FOUND, {"functions": "f"})
    with pytest.raises(AnsibleFilterError, match="give resource_discovery's result"):
        inventory_drift(None, {})
