# -*- coding: utf-8 -*-
"""The performance review's grading and recommendation rules (plugins/filter/performance.py), on readings shaped as
metric_series, lambda_state, lambda_usage and dynamodb_status return them."""
from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter import performance


def stat(value, days=(None,)):
    return {"value": value, "timestamps": ["2026-11-%02dT00:00:00Z" % (16 + i) for i in range(len(days))],
            "values": list(days)}


def week(name, p99, timeout_pct_note=None, calls=1000.0, errors=0.0, peak=2.0, average=1.0):
    del timeout_pct_note
    return {"duration": {name: {"Average": stat(p99 / 2), "p95": stat(p99 * 0.9, (p99 * 0.9,) * 7),
                                "p99": stat(p99), "Maximum": stat(p99)}},
            "invocations": {name: {"Sum": stat(calls)}}, "errors": {name: {"Sum": stat(errors)}},
            "throttles": {name: {"Sum": stat(None)}},
            "concurrency": {name: {"Maximum": stat(peak), "Average": stat(average)}}}


def config(timeout=30, memory=512):
    return {"exists": True, "timeout": timeout, "memory_size": memory}


def usage(used=200, size=512, cold=0, lines=40, init=None):
    return {"found": True, "lines": lines, "memory_size_mb": size, "max_memory_used_mb": used,
            "memory_used_percent": round(100.0 * used / size, 1), "cold_starts": cold,
            "cold_start_percent": round(100.0 * cold / lines, 1), "init_duration_avg_ms": init,
            "init_duration_max_ms": init}


def by(found):
    return dict(((c["resource"], c["check"]), c) for c in found)


def review(series, configs, lines=None, limits=None):
    return performance.lambda_review(series, configs, lines or {}, list(configs), limits)


def test_duration_bands_against_the_timeout_and_the_timeout_recommendations():
    for p99, status in ((20999, "pass"), (21001, "warn"), (24001, "fail")):  # 70 % and 80 % of 30 s
        result = review(week("f", p99), {"f": config()})
        assert by(result["checks"])[("f", "duration")]["status"] == status, p99
    raised = review(week("f", 22000), {"f": config()})["recommendations"]
    assert [(r["setting"], r["current"], r["recommended"]) for r in raised] == [("timeout", 30, 33)]
    assert raised[0]["apply"] == {"module": "ops.runbooks.lambda_config", "params": {"function_name": "f", "timeout": 33}}
    lowered = review(week("f", 400), {"f": config()})["recommendations"]
    assert [(r["setting"], r["recommended"]) for r in lowered] == [("timeout", 3)]  # at least 3 s
    short = review(week("f", 400), {"f": config(timeout=10)})["recommendations"]
    assert short == []  # a 10 s timeout is left alone
    capped = review(week("f", 800000), {"f": config(timeout=890)})["recommendations"]
    assert capped[0]["recommended"] == 900  # Lambda's maximum


def test_error_rate_throttles_and_concurrency():
    result = review(week("f", 1000, calls=1000, errors=30, peak=9), {"f": config()})
    checks = by(result["checks"])
    assert checks[("f", "error_rate")]["status"] == "warn" and "= 3.00 %" in checks[("f", "error_rate")]["reason"]
    assert checks[("f", "throttles")]["status"] == "pass"  # no datapoint: CloudWatch emits no zero throttles
    assert checks[("f", "concurrency")]["status"] == "warn"
    [cap] = [r for r in result["recommendations"] if r["setting"] == "reserved_concurrency"]
    assert cap["recommended"] == 9 and cap["apply"]["module"] == "ops.runbooks.lambda_concurrency"
    failing = by(review(week("f", 1000, calls=100, errors=6, peak=11), {"f": config()})["checks"])
    assert failing[("f", "error_rate")]["status"] == "fail" and failing[("f", "concurrency")]["status"] == "fail"
    idle = by(review(week("f", 1000, calls=0), {"f": config()})["checks"])
    assert idle[("f", "error_rate")]["status"] == "unknown"


def test_memory_and_cold_start_recommendations_from_report_lines():
    high = review(week("f", 6000), {"f": config()}, {"f": usage(used=470)})
    assert by(high["checks"])[("f", "memory")]["status"] == "warn"
    assert [(r["setting"], r["recommended"]) for r in high["recommendations"]] == [("memory_size", 1024)]
    low = review(week("f", 6000), {"f": config()}, {"f": usage(used=140)})["recommendations"]
    assert [(r["setting"], r["recommended"]) for r in low] == [("memory_size", 256)]
    fine = review(week("f", 6000), {"f": config()}, {"f": usage(used=300)})["recommendations"]
    assert fine == []
    cold = review(week("f", 6000, average=2.4), {"f": config()}, {"f": usage(cold=20, init=2200)},
                  {"alias": "prod"})["recommendations"]
    [warm] = [r for r in cold if r["setting"] == "provisioned_concurrency"]
    assert warm["recommended"] == 3 and warm["apply"]["params"]["qualifier"] == "prod"
    quick = review(week("f", 6000), {"f": config()}, {"f": usage(cold=20, init=600)})["recommendations"]
    assert not [r for r in quick if r["setting"] == "provisioned_concurrency"]  # a short init needs no warm pool
    none = by(review(week("f", 6000), {"f": config()}, {"f": {"found": False, "lines": 0}})["checks"])
    assert none[("f", "memory")]["status"] == "skipped" and "no log group" in none[("f", "memory")]["reason"]


def test_a_missing_or_unreadable_function_and_unknown_limits():
    result = review({}, {"gone": {"exists": False}, "denied": {"exists": None, "error": "AccessDenied"}})
    checks = by(result["checks"])
    assert checks[("gone", "configuration")]["status"] == "fail"
    assert checks[("denied", "configuration")]["status"] == "unknown"
    with pytest.raises(AnsibleFilterError, match="unknown limit"):
        review({}, {"f": config()}, limits={"duraton_warn_pct": 5})


def test_charts_have_one_series_per_function_with_short_names():
    series = {"duration": {"app-one": {"p95": stat(1, (1, 2))}, "app-two": {"p95": stat(2, (3, None))}}}
    charts = performance.lambda_review(series, {"app-one": config(), "app-two": config()}, {}, ["app-one", "app-two"])
    [duration] = [c for c in charts["charts"] if c["title"].startswith("Lambda Duration p95")]
    assert duration["x"] == ["11-16", "11-17"]
    assert duration["series"] == [{"name": "one", "values": [1, 2]}, {"name": "two", "values": [3, None]}]


def table(mode="PAY_PER_REQUEST", rcu=0, wcu=0):
    return {"exists": True, "billing_mode": mode, "read_capacity_units": rcu, "write_capacity_units": wcu}


def tseries(name, reads_per_s, writes_per_s, throttled=0, days=7):
    per_day = [reads_per_s * 86400.0] * days
    return {"read": {name: {"Sum": {"value": reads_per_s * 604800.0, "values": per_day,
                                    "timestamps": ["2026-11-%02dT00:00:00Z" % (16 + i) for i in range(days)]}}},
            "write": {name: {"Sum": {"value": writes_per_s * 604800.0, "values": [writes_per_s * 86400.0] * days,
                                     "timestamps": []}}},
            "throttled": {name: {"Sum": {"value": throttled, "values": [], "timestamps": []}}}}


def test_capacity_mode_recommendations():
    steady = performance.table_review(tseries("t", 15, 6), {"t": table()}, ["t"])
    [advice] = steady["recommendations"]
    assert (advice["current"], advice["recommended"]) == ("PAY_PER_REQUEST", "PROVISIONED")
    assert advice["apply"]["params"] == {"table_name": "t", "billing_mode": "PROVISIONED", "read_capacity": 22,
                                         "write_capacity": 9}
    assert performance.table_review(tseries("t", 2, 1), {"t": table()}, ["t"])["recommendations"] == []
    idle = performance.table_review(tseries("t", 1, 0.5), {"t": table("PROVISIONED", 100, 100)}, ["t"])
    [advice] = idle["recommendations"]
    assert advice["recommended"] == "PAY_PER_REQUEST" and "1 % of the provisioned capacity" in advice["reason"]
    throttled = performance.table_review(tseries("t", 50, 5, throttled=40), {"t": table("PROVISIONED", 60, 10)},
                                         ["t"])
    checks = by(throttled["checks"])
    assert checks[("t", "throttling")]["status"] == "warn" and checks[("t", "capacity")]["status"] == "warn"
    assert throttled["recommendations"][0]["setting"] == "auto_scaling"
    missing = by(performance.table_review({}, {"gone": {"exists": False}}, ["gone"])["checks"])
    assert missing[("gone", "capacity")]["status"] == "fail"


def test_a_recommendation_names_the_region_of_its_prices():
    idle = tseries("t", 1, 0.5)
    state = {"t": table("PROVISIONED", 100, 100)}
    default = performance.table_review(idle, state, ["t"])["recommendations"][0]["reason"]
    assert default.endswith("(us-east-1 list prices)")
    elsewhere = performance.table_review(idle, state, ["t"], {"region": "eu-west-1"})["recommendations"][0]["reason"]
    assert elsewhere.endswith("(us-east-1 list prices - the tables are in eu-west-1: set ops_runbooks_dynamodb_prices "
                              "for its prices)")
    own = performance.table_review(idle, state, ["t"], {"region": "eu-west-1", "prices": {
        "region": "eu-west-1", "provisioned_read": 0.000147, "provisioned_write": 0.000735}})["recommendations"][0]
    assert own["reason"].endswith("(eu-west-1 list prices)")
    assert "instead of $%.2f" % (730 * (100 * 0.000147 + 100 * 0.000735)) in own["reason"]  # its region's figure
    with pytest.raises(AnsibleFilterError, match="prices: unknown key"):
        performance.table_review(idle, state, ["t"], {"prices": {"storage": 0.25}})
    with pytest.raises(AnsibleFilterError, match="prices.on_demand_read must be a number"):
        performance.table_review(idle, state, ["t"], {"prices": {"on_demand_read": "cheap"}})  # a number, not words


def test_buckets_and_postgres():
    gib = 2.0 ** 30
    series = {"size": {"b": {"Average": {"values": [1 * gib, 3 * gib], "timestamps": ["2026-11-16T00", "2026-11-17T00"]}}},
              "objects": {"b": {"Average": {"values": [10.0, 20.0], "timestamps": []}}}}
    found = by(performance.bucket_review(series, ["b", "empty"])["checks"])
    assert found[("b", "storage")]["reason"] == "3.0 GiB, 20 objects, +2.00 GiB in 1 days"
    assert found[("empty", "storage")]["status"] == "unknown"
    slow = performance.postgres_review([{"query": "SELECT  pg_sleep(1)", "calls": 2, "mean_ms": 1500.0},
                                        {"query": "SELECT 1", "calls": 9, "mean_ms": 3.0}], 98.5, "db")
    checks = by(slow["checks"])
    assert checks[("db", "slow_queries")]["status"] == "warn"
    assert checks[("db", "slow_queries")]["reason"] == \
        "1 statement(s) with a mean above 1000 ms: 1,500 ms x 2: SELECT pg_sleep(1)"
    assert checks[("db", "cache_hit_ratio")]["status"] == "warn"
    assert by(performance.postgres_review([], 80.0, "db")["checks"])[("db", "cache_hit_ratio")]["status"] == "fail"
    missing = by(performance.postgres_review(None, 99.9, "db", error="pg_stat_statements is not installed")["checks"])
    assert missing[("db", "slow_queries")]["status"] == "unknown"


def test_postgres_without_a_connection_is_one_skipped_check():
    for database in ("", None):
        assert performance.postgres_review([], None, database, {"slow_query_ms": 500}) == {
            "checks": [{"resource": "postgres", "check": "slow_queries", "status": "skipped", "observed": None,
                        "expected": None, "reason": "no PostgreSQL connection (ops_runbooks_postgres)"}],
            "recommendations": [], "charts": []}


@pytest.mark.parametrize("installed", [False, 0, "false", "no"])
def test_postgres_without_pg_stat_statements_says_how_to_install_it(installed):
    found = performance.postgres_review([], None, "app", installed=installed)["checks"]
    reason = ("pg_stat_statements is not installed in app (shared_preload_libraries and CREATE EXTENSION "
              "pg_stat_statements)")
    assert [(c["check"], c["status"], c["reason"]) for c in found] == [
        ("slow_queries", "unknown", reason), ("cache_hit_ratio", "unknown", reason)]
    with_ratio = by(performance.postgres_review([], 99.5, "app", installed=installed)["checks"])
    assert with_ratio[("app", "cache_hit_ratio")]["status"] == "pass"
    # an error given is the reason, installed or not
    given = by(performance.postgres_review([], None, "app", error="timeout", installed=installed)["checks"])
    assert given[("app", "slow_queries")]["reason"] == "timeout"


@pytest.mark.parametrize("installed", [True, 1, "true", "yes"])
def test_postgres_with_pg_stat_statements_grades_the_statements(installed):
    found = by(performance.postgres_review([{"query": "SELECT 1", "calls": 1, "mean_ms": 2.0}], None, "app",
                                           installed=installed)["checks"])
    assert found[("app", "slow_queries")]["status"] == "pass"
    assert found[("app", "cache_hit_ratio")]["reason"] == "no blocks read yet"


def test_the_apply_plan_takes_only_what_the_run_names_and_one_config_change_per_function():
    from ansible_collections.ops.runbooks.plugins.filter.performance import applied_changes, apply_plan
    recs = [{"resource": "f", "setting": "memory_size", "recommended": 1024, "apply": {"module": "lambda_config"}},
            {"resource": "f", "setting": "timeout", "recommended": 60, "apply": {"module": "lambda_config"}},
            {"resource": "g", "setting": "timeout", "recommended": 60, "apply": {"module": "lambda_config"}},
            {"resource": "f", "setting": "reserved_concurrency", "recommended": 5, "apply": {"params": {}}},
            {"resource": "t", "setting": "autoscaling", "recommended": "on", "apply": None}]
    plan = apply_plan(recs, ["memory_size", "timeout", "reserved_concurrency", "autoscaling"], ["f", "t"])
    assert plan["to_apply"] == [recs[0], recs[1], recs[3]]  # g not named, autoscaling advice has no module call
    assert plan["config_changes"] == [{"key": "f", "value": {"memory_size": 1024, "timeout": 60}}]
    done = applied_changes([{"changed": True, "item": plan["config_changes"][0]}],
                           [{"changed": False, "item": recs[3]}, {"changed": True, "item": recs[3]}], True)
    assert done == [{"resource": "f", "change": {"memory_size": 1024, "timeout": 60}, "planned": True},
                    {"resource": "f", "change": {"reserved_concurrency": 5}, "planned": True}]
