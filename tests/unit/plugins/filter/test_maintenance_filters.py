# -*- coding: utf-8 -*-
"""The maintenance role's judgements (filters maintenance_outcome and ttl_changes; they were Jinja in the role):
what is found, what is held back without a confirmation, what changed - per step, in milliseconds."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.maintenance import maintenance_outcome, refresh_targets, ttl_changes

EMPTY = {"findings": [], "held_back": [], "changes": []}


def ttl_result(table, enabled, changed, previous="DISABLED"):
    return {"item": {"key": table, "value": {"attribute": "expires", "enabled": enabled}}, "changed": changed,
            "previous": previous}


def test_ttl_enabling_is_routine_disabling_waits_for_a_confirmation():
    plan = [ttl_result("a", True, True), ttl_result("b", False, True, "ENABLED"), ttl_result("c", True, False)]
    assert [i["key"] for i in ttl_changes(plan)["enable"]] == ["a"]
    assert [i["key"] for i in ttl_changes(plan)["disable"]] == ["b"]
    held = maintenance_outcome(EMPTY, "ttl", {"plan": plan, "applied": [dict(plan[0])], "allowed": False})
    assert [(f["resource"], f["status"], f["reason"]) for f in held["findings"]] == [
        ("a", "pass", "TTL on expires enabled now"),
        ("b", "warn", "held back: disabling TTL needs ops_runbooks_confirm=true"),
        ("c", "pass", "TTL on expires enabled")]
    assert (held["held_back"], held["changes"]) == (["TTL of b"], ["ttl a"])
    planned = maintenance_outcome(EMPTY, "ttl", {"plan": plan, "applied": [], "allowed": True}, True)
    assert planned["findings"][1]["reason"] == "TTL on expires disabled (planned, check mode)"
    assert (planned["held_back"], planned["changes"]) == ([], [])


def test_postgres_bloat_is_the_modules_threshold_and_index_density_a_lower_limit():
    evidence = {"database": "app", "limits": {"bloat_warn_pct": 10, "bloat_max_pct": "20",
                                              "index_warn_density_pct": 70, "index_min_density_pct": 50},
                "bloat": [{"name": "public.big", "live": 70, "dead": 30, "dead_pct": 30.0, "vacuumed": None},
                          {"name": "public.mid", "live": 85, "dead": 15, "dead_pct": 15.0, "vacuumed": "2026-12-01"},
                          {"name": "public.ok", "live": 100, "dead": 0, "dead_pct": 0.0, "vacuumed": None}],
                "indexes": [{"name": "public.i1", "table_name": "public.big", "bytes": 9e6, "density": 40.0},
                            {"name": "public.i2", "table_name": "public.mid", "bytes": 8192, "density": None}],
                "reindex": ["public.big"], "allowed": False, "reindexed": []}
    found = maintenance_outcome(EMPTY, "postgres", evidence)
    got = [(f["resource"], f["check"], f["status"], f["reason"]) for f in found["findings"]]
    assert got == [
        ("app/public.big", "postgres bloat", "fail", "dead tuples 30.0 % of 100 rows > 20 %"),
        ("app/public.mid", "postgres bloat", "warn",
         "dead tuples 15.0 % of 100 rows > 10 % (warning level); vacuumed 2026-12-01"),
        ("app/public.ok", "postgres bloat", "pass", "dead tuples 0.0 % of 100 rows"),
        ("app/public.i1", "postgres index bloat", "fail", "leaf pages 40.0 % full < 50 %: REINDEX public.big"),
        ("app/public.i2", "postgres index bloat", "pass", "under 1 MB (8192 bytes): too small to judge"),
        ("app/public.big", "postgres reindex", "warn", "held back: REINDEX needs ops_runbooks_confirm=true")]
    assert found["held_back"] == ["REINDEX of public.big"]
    none = maintenance_outcome(EMPTY, "postgres", dict(evidence, indexes=[], reindex=[], bloat=[]))
    assert [(f["check"], f["status"]) for f in none["findings"]] == [("postgres index bloat", "skipped")]


def test_log_retention_secrets_and_parameters():
    retention = {"groups": [{"name": "/g/a", "current": None, "target": 30, "action": "set", "applied": False},
                            {"name": "/g/b", "current": 7, "target": 30, "action": "lengthen", "applied": True},
                            {"name": "/g/c", "current": 30, "target": 30, "action": "unchanged"}],
                 "held_back": ["/g/a"]}
    found = maintenance_outcome(EMPTY, "log_retention", {"result": retention})
    assert [f["reason"] for f in found["findings"]] == [
        "held back: never expire -> 30 days deletes older logs; production needs ops_runbooks_confirm=true",
        "7 days -> 30 days", "30 days"]
    assert (found["held_back"], found["changes"]) == (["log retention of /g/a"], ["log retention /g/b"])
    rotated = maintenance_outcome(found, "secrets", {"results": [
        {"target": "secret db", "changed": True, "version": "v2", "msg": "rotated"},
        {"item": 1, "failed": True, "msg": "refresh failed", "not_refreshed": [{"function": "f"}]}], "allowed": True})
    assert [f["status"] for f in rotated["findings"][3:]] == ["pass", "fail"]
    assert rotated["findings"][4]["resource"] == "secret 1" and rotated["changes"][-1] == "rotated secret db"
    assert rotated["findings"][4]["observed"]["not_refreshed"] == ["f"]
    held = maintenance_outcome(EMPTY, "parameter_import", {"plan": {"changed": True, "parameters": [
        {"name": "/p/a", "action": "updated", "type": "String"}, {"name": "/p/b", "action": "unchanged"}]},
        "imported": {"skipped": True}, "allowed": False})
    assert [f["status"] for f in held["findings"]] == ["warn", "pass"] and held["held_back"] == ["parameter import"]
    assert held["changes"] == []


def test_a_rotation_refreshes_what_the_alias_serves():
    secrets = [{"secret_id": "db", "refresh_functions": ["ApiHandler", "plain-fn"]},
               {"parameter_name": "/p/key", "refresh_functions": ["other"]}, {"secret_id": "none"}]
    results = [{"item": 0, "changed": True, "version": "v-2", "target": "secret db"},
               {"item": 1, "failed": True, "msg": "denied"}, {"item": 2, "changed": True, "version": "3"}]
    targets = refresh_targets(results, secrets, ["agenticai-stack-ApiHandler-X1", "plain-fn"])
    assert targets == [  # the failed rotation refreshes nothing; a secret without refresh_functions neither
        {"function_name": "agenticai-stack-ApiHandler-X1", "version": "v-2", "target": "secret db"},
        {"function_name": "plain-fn", "version": "v-2", "target": "secret db"}]
    with pytest.raises(AnsibleFilterError, match="item 7 is no position"):
        refresh_targets([{"item": 7, "version": "1"}], secrets)
    refreshed = maintenance_outcome(EMPTY, "secrets", {"results": results[:1], "allowed": True, "alias": "live",
                                                       "refreshes": [
        {"item": targets[0], "changed": True, "msg": "changed x:live now on version 4"},
        {"item": targets[1], "failed": True, "msg": "health check failed"}, {"item": targets[1], "skipped": True}]})
    assert [(f["resource"], f["check"], f["status"]) for f in refreshed["findings"]] == [
        ("secret db", "secret rotation", "pass"),
        ("agenticai-stack-ApiHandler-X1:live", "secret refresh", "pass"), ("plain-fn:live", "secret refresh", "fail")]
    assert refreshed["changes"] == ["rotated secret db", "refreshed agenticai-stack-ApiHandler-X1:live"]


def test_runtimes_is_the_step_checks_by_the_roles_name_for_it():
    checks = [{"resource": "fn", "check": "runtime", "status": "fail",
               "reason": "python3.8 deprecated since 2024-10-14"}]
    start = {"findings": [{"resource": "earlier"}], "held_back": ["x"], "changes": ["y"]}
    for check_mode in (False, True):  # report only: check mode plans nothing here
        runtimes = maintenance_outcome(start, "runtimes", {"checks": checks}, check_mode)
        assert runtimes == maintenance_outcome(start, "checks", {"checks": checks})
        assert runtimes == {"findings": [{"resource": "earlier"}] + checks, "held_back": ["x"], "changes": ["y"]}
    assert maintenance_outcome(EMPTY, "runtimes", {"checks": []}) == EMPTY
    with pytest.raises(AnsibleFilterError, match="the evidence of step runtimes must be a dict"):
        maintenance_outcome(EMPTY, "runtimes", checks)


def test_bad_evidence_is_a_clear_error():
    with pytest.raises(AnsibleFilterError, match="step 'vacuum' is not one of"):
        maintenance_outcome(EMPTY, "vacuum", {})
    with pytest.raises(AnsibleFilterError, match="the evidence of step postgres lacks"):
        limits = {"bloat_warn_pct": 1, "bloat_max_pct": 2, "index_warn_density_pct": 1, "index_min_density_pct": 1}
        maintenance_outcome(EMPTY, "postgres", {"database": "d", "limits": limits, "bloat": [{"name": "t"}]})
    with pytest.raises(AnsibleFilterError, match="bloat_max_pct must be a number"):
        maintenance_outcome(EMPTY, "postgres", {"limits": {"bloat_warn_pct": 1, "bloat_max_pct": "high"}})


def test_enabled_is_read_as_jinjas_bool_and_a_nan_limit_is_refused():
    plan = [ttl_result("a", "no", True), ttl_result("b", "yes", True)]
    assert [i["key"] for i in ttl_changes(plan)["disable"]] == ["a"]
    limits = {"bloat_warn_pct": "nan", "bloat_max_pct": 20, "index_warn_density_pct": 70, "index_min_density_pct": 50}
    with pytest.raises(AnsibleFilterError, match="bloat_warn_pct must be a finite number"):
        maintenance_outcome(EMPTY, "postgres", {"database": "d", "limits": limits})
