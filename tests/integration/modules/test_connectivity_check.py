# -*- coding: utf-8 -*-
"""connectivity_check against the emulator and the sandbox's real PostgreSQL (runbook 002 "Database Connection
Issues"): probes answer with latency, a missing store fails naming it, stores not named are skipped."""
from __future__ import annotations

import uuid

import pytest
import seed

from iam import assert_denial_shown, documented_actions, policy

pytestmark = pytest.mark.moto_only("DynamoDB, ElastiCache and Timestream are not among LocalStack's sandbox services")


def by_resource(result):
    return dict(((c["resource"], c["check"]), c) for c in result["checks"])


def test_tables_postgres_cache_and_timestream_answer(sandbox, aws, run_module):
    cache = "cc-" + uuid.uuid4().hex[:8]
    aws("elasticache").create_cache_cluster(CacheClusterId=cache, Engine="redis", CacheNodeType="cache.t3.micro",
                                            NumCacheNodes=1)
    stream = "ts_" + uuid.uuid4().hex[:8]
    aws("timestream-write").create_database(DatabaseName=stream)
    table = sorted(seed.TABLES)[0]
    result = run_module("connectivity_check", {
        "dynamodb_tables": [table], "postgres_database": seed.PG_DATABASE, "login_host": "127.0.0.1",
        "login_port": sandbox.pg_port, "login_user": "postgres", "login_password": "", "maintenance_db": "postgres",
        "ssl_mode": "prefer", "connect_timeout": 5, "elasticache_clusters": [cache], "timestream_databases": [stream],
        "max_latency_ms": 5000})
    assert not result.get("failed"), result
    checks = by_resource(result)
    assert checks[(table, "dynamodb describe")]["reason"].startswith("status ACTIVE in ")
    assert checks[(table, "dynamodb read")]["reason"].startswith("read 1 item(s) in ")
    assert checks[("127.0.0.1/%s" % seed.PG_DATABASE, "postgres select 1")]["status"] == "pass"
    assert checks[(cache, "elasticache status")]["status"] == "pass"
    assert checks[(stream, "timestream database")]["status"] == "pass"
    assert all(c["observed"]["latency_ms"] >= 0 for c in result["checks"])
    assert result["summary"]["pass"] == 5 and result["summary"]["fail"] == 0


def test_a_slow_probe_warns_and_missing_stores_fail_by_name(sandbox, run_module):
    result = run_module("connectivity_check", {"dynamodb_tables": ["no-such-table-conn"],
                                               "postgres_database": "no_such_db", "login_host": "127.0.0.1",
                                               "login_port": sandbox.pg_port, "fail_on": "never"})
    checks = by_resource(result)
    assert checks[("no-such-table-conn", "dynamodb describe")]["status"] == "fail"
    assert "table no-such-table-conn not found" in checks[("no-such-table-conn", "dynamodb describe")]["reason"]
    assert 'database "no_such_db" does not exist' in checks[("127.0.0.1/no_such_db", "postgres select 1")]["reason"]
    assert checks[("elasticache", "connectivity")]["status"] == "skipped"  # not named: skipped, not failed
    failing = run_module("connectivity_check", {"dynamodb_tables": ["no-such-table-conn"]})
    assert failing["failed"] is True and "1 store(s) unreachable: no-such-table-conn" in failing["msg"]
    slow = run_module("connectivity_check", {"dynamodb_tables": [sorted(seed.TABLES)[0]], "max_latency_ms": 1})
    # a local emulator answers within a millisecond only rarely; either way the verdict follows the latency
    for check in slow["checks"]:
        if check["check"].startswith("dynamodb"):
            assert check["status"] == ("warn" if check["observed"]["latency_ms"] > 1 else "pass"), check


def test_bad_input(run_module):
    result = run_module("connectivity_check", {"max_latency_ms": 0})
    assert result["failed"] is True and "max_latency_ms: 0 is out of range" in result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("connectivity_check")
    assert set(actions) == {"dynamodb:DescribeTable", "dynamodb:Scan", "elasticache:DescribeCacheClusters",
                            "timestream:DescribeDatabase", "timestream:DescribeEndpoints"}
    table = sorted(seed.TABLES)[0]
    done = run_module_iam("connectivity_check", {"dynamodb_tables": [table]}, iam_sandbox.iam_user(policy(actions)))
    assert not done.get("failed"), done
    for missing in ("dynamodb:DescribeTable", "dynamodb:Scan"):
        refused = run_module_iam("connectivity_check", {"dynamodb_tables": [table], "fail_on": "never"},
                                 iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        [check] = [c for c in refused["checks"] if c["status"] == "fail"]
        assert "not authorized to perform: %s" % missing in check["reason"], check
        assert_denial_shown(refused, missing)
    # The cache and the time-series database: each action taken away is shown denied in its check.
    # (timestream:DescribeEndpoints is botocore's endpoint discovery, which an endpoint_url - the emulator - skips.)
    cache, stream = "lpcc-" + uuid.uuid4().hex[:6], "lpts" + uuid.uuid4().hex[:6]
    iam_sandbox.client("elasticache").create_cache_cluster(CacheClusterId=cache, Engine="redis",
                                                           CacheNodeType="cache.t3.micro", NumCacheNodes=1)
    iam_sandbox.client("timestream-write").create_database(DatabaseName=stream)
    wider = {"elasticache_clusters": [cache], "timestream_databases": [stream], "fail_on": "never"}
    for missing in ("elasticache:DescribeCacheClusters", "timestream:DescribeDatabase"):
        refused = run_module_iam("connectivity_check", wider,
                                 iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denial_shown(refused, missing)
