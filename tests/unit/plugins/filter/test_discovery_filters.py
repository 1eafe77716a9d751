# -*- coding: utf-8 -*-
"""Filters ops.runbooks.inventory_drift (the inventory's names against the discovery, both ways) and
ops.runbooks.discovered_inventory (the variables the fleet role sets from a discovery)."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.discovery import discovered_inventory
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


AGENTICAI = {"functions": ["agenticai-stack-ApiHandler-X1", "agenticai-stack-DevAgentWorker-Y2"],
             "tables": ["agenticai-data"], "buckets": [], "log_groups": ["/aws/lambda/agenticai-stack-ApiHandler-X1"],
             "queues": ["agenticai-dev-dlq", "agenticai-dev-queue", "agenticai-orphan-dlq"],
             "dead_letter_queues": {"agenticai-dev-queue": "agenticai-dev-dlq"},
             "topics": ["arn:aws:sns:us-east-1:123456789012:agenticai-alerts"],
             "apis": [{"id": "a1", "name": "agenticai-api"}, {"id": "b2", "name": "agenticai-admin"}]}


def test_the_inventory_first_then_the_discovered_names_without_the_dead_letter_queues():
    got = discovered_inventory(AGENTICAI, {"functions": ["legacy-fn", "agenticai-stack-ApiHandler-X1"], "tables": [],
                                           "queues": None, "alert_topic": "", "api_name": ""})
    assert got["functions"] == ["legacy-fn", "agenticai-stack-ApiHandler-X1", "agenticai-stack-DevAgentWorker-Y2"]
    assert got["tables"] == ["agenticai-data"] and got["buckets"] == []
    # a DLQ of a discovered queue is read with its queue; a queue that is no DLQ of another (even named -dlq) stays
    assert got["queues"] == ["agenticai-dev-queue", "agenticai-orphan-dlq"]
    assert got["alert_topic"] == "arn:aws:sns:us-east-1:123456789012:agenticai-alerts"
    assert got["api_name"] == "" and got["ambiguous"] == [
        "api_name: 2 apis discovered (agenticai-admin, agenticai-api); set ops_runbooks_api_name"]


def test_what_the_inventory_sets_wins_and_bad_input_is_named():
    got = discovered_inventory(AGENTICAI, {"api_name": "agenticai-api", "alert_topic": "mine"})
    assert (got["api_name"], got["alert_topic"], got["ambiguous"]) == ("agenticai-api", "mine", [])
    with pytest.raises(AnsibleFilterError, match="ops_runbooks_tables: give a list of names"):
        discovered_inventory(AGENTICAI, {"tables": "agenticai-data"})
    with pytest.raises(AnsibleFilterError, match="give resource_discovery's result"):
        discovered_inventory([], {})


def test_a_function_named_by_its_logical_id_is_the_generated_one():
    from ansible_collections.ops.runbooks.plugins.filter.discovery import resolved_function
    known = AGENTICAI["functions"] + ["other-stack-Api-Z9"]
    assert resolved_function("ApiHandler", known) == "agenticai-stack-ApiHandler-X1"
    assert resolved_function("agenticai-stack-DevAgentWorker-Y2", known) == "agenticai-stack-DevAgentWorker-Y2"
    assert resolved_function("Handler", known) == "Handler"  # a part of a logical id is no logical id
    assert resolved_function("ai-investment-score", known) == "ai-investment-score"  # not known: left to the module
    assert resolved_function("", known) == ""
    with pytest.raises(AnsibleFilterError, match=r"Api names 2 functions \(a-Api-1, b-Api-2\): give the full name"):
        resolved_function("Api", ["a-Api-1", "b-Api-2"])
    with pytest.raises(AnsibleFilterError, match="give a function name"):
        resolved_function(["ApiHandler"], known)


def test_entries_naming_functions_are_resolved_and_keep_their_other_keys():
    from ansible_collections.ops.runbooks.plugins.filter.discovery import resolved_functions
    entries = [{"function_name": "ApiHandler", "variable": "DYNAMODB_TABLE_NAME"}, {"function_name": "x", "variable": "T"}]
    assert resolved_functions(entries, AGENTICAI["functions"]) == [
        {"function_name": "agenticai-stack-ApiHandler-X1", "variable": "DYNAMODB_TABLE_NAME"},
        {"function_name": "x", "variable": "T"}]
    with pytest.raises(AnsibleFilterError, match="a function_name each"):
        resolved_functions([{"variable": "T"}], [])


def test_a_name_with_regex_or_jinja_is_matched_literally_and_returned_verbatim():
    """Names are data in the filter too: a logical id with regex metacharacters matches only itself, and a known
    name carrying Jinja comes back as it is (tests/integration/cores shows it is never evaluated on any core)."""
    from ansible_collections.ops.runbooks.plugins.filter.discovery import resolved_function
    jinja = "{{ lookup('pipe', 'id') }}-Api-1"
    assert resolved_function(".*", ["a-Api-1", "b-Worker-2"]) == ".*"  # no wildcard
    assert resolved_function("Api(", ["a-Api(-1"]) == "a-Api(-1"  # matched as the characters it is, no regex error
    assert resolved_function("Api(", ["a-Api-1"]) == "Api("
    assert resolved_function("A.i", ["s-Api-1"]) == "A.i"
    assert resolved_function("Api", [jinja, "other"]) == jinja
    assert resolved_function(jinja, [jinja]) == jinja


def test_discovery_sources_is_the_one_rule_for_naming_a_source():
    from ansible_collections.ops.runbooks.plugins.filter.discovery import discovery_sources
    assert discovery_sources({}) == {"stacks": [], "tags": {}, "name_prefixes": [], "named": False}
    assert discovery_sources(None)["named"] is False
    assert discovery_sources({"stacks": [], "tags": {}, "name_prefixes": []})["named"] is False
    assert discovery_sources({"tags": {"Project": "agenticai"}}) == {
        "stacks": [], "tags": {"Project": "agenticai"}, "name_prefixes": [], "named": True}
    assert discovery_sources({"name_prefixes": ["crypto-"]})["named"] is True
    with pytest.raises(AnsibleFilterError, match=r"ops_runbooks_discovery: stack: not a source \(stacks, tags"):
        discovery_sources({"stack": ["agenticai-stack"]})
    with pytest.raises(AnsibleFilterError, match=r"ops_runbooks_discovery.stacks: give a list, got str"):
        discovery_sources({"stacks": "agenticai-stack"})
    with pytest.raises(AnsibleFilterError, match=r"ops_runbooks_discovery.tags: give a mapping, got list"):
        discovery_sources({"tags": ["Project=agenticai"]})
    with pytest.raises(AnsibleFilterError, match=r"ops_runbooks_discovery: give \{stacks"):
        discovery_sources(["agenticai-stack"])


def test_discovery_failure_says_what_failed_in_one_line_or_nothing():
    from ansible_collections.ops.runbooks.plugins.filter.discovery import discovery_failure
    found = {"checks": [{"resource": "stack a", "status": "pass", "reason": "12 resources"},
                        {"resource": "stack b", "status": "fail", "reason": "stack b: does not exist"},
                        {"resource": "tags", "status": "fail", "reason": "Project=x matches nothing"}]}
    assert discovery_failure(found) == ("ops_runbooks_discovery: 2 source(s) failed - stack b: does not exist; "
                                        "Project=x matches nothing")
    assert discovery_failure({"checks": found["checks"][:1]}) == ""
    assert discovery_failure({"failed": True, "msg": "AccessDenied"}) == \
        "ops_runbooks_discovery: 1 source(s) failed - AccessDenied"
    with pytest.raises(AnsibleFilterError, match="give resource_discovery's result"):
        discovery_failure("x")


@pytest.mark.parametrize("status, verdict, note", [
    ("CREATE_COMPLETE", "pass", ""), ("UPDATE_COMPLETE", "pass", ""), ("IMPORT_COMPLETE", "pass", ""),
    ("UPDATE_ROLLBACK_COMPLETE", "warn", "its last update failed and was rolled back"),
    ("UPDATE_IN_PROGRESS", "warn", "changing now"), ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "warn", "changing now"),
    ("ROLLBACK_COMPLETE", "fail", "not a working stack"), ("CREATE_FAILED", "fail", "not a working stack"),
    ("DELETE_IN_PROGRESS", "fail", "not a working stack"), ("UPDATE_ROLLBACK_FAILED", "fail", "not a working stack"),
    (None, "warn", "an unknown status"),
])
def test_a_stacks_status_is_judged_once(status, verdict, note):
    """Runbook 000 startup (describe-stacks): module_utils/discovery.stack_state, part of each stack's check of
    resource_discovery - so the daily health's discovery area, inventory_check and the fleet role's stop see it."""
    from ansible_collections.ops.runbooks.plugins.module_utils.discovery import stack_state
    assert stack_state(status) == (verdict, note)
