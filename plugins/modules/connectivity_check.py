#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: connectivity_check
short_description: Can the application reach its data stores? One bounded probe each, with latency
version_added: 0.1.0
description:
  - Runbook 002 "Database Connection Issues" as one read-only report - for each DynamoDB table, C(DescribeTable)
    (status) and one bounded read (C(Scan) with C(Limit=1)); PostgreSQL, connect and C(SELECT 1); ElastiCache
    clusters and Timestream databases, their status. Each probe reports its latency in ms against O(max_latency_ms).
  - A store the task names nothing of is not probed (its check is C(skipped), not failed).
notes:
  - "IAM actions (least privilege): C(dynamodb:DescribeTable), C(dynamodb:Scan) (O(dynamodb_tables));
    C(elasticache:DescribeCacheClusters) (O(elasticache_clusters)); C(timestream:DescribeDatabase),
    C(timestream:DescribeEndpoints) (O(timestream_databases))."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  dynamodb_tables:
    description: Tables to describe and read one item from.
    type: list
    elements: str
    default: []
  postgres_database:
    description: Database to connect to and run C(SELECT 1) in (the connection options below); empty - no probe.
    type: str
    default: ""
  elasticache_clusters:
    description: ElastiCache cluster ids whose status must be C(available).
    type: list
    elements: str
    default: []
  timestream_databases:
    description: Timestream databases that must exist.
    type: list
    elements: str
    default: []
  max_latency_ms:
    description: A probe slower than this is a warning.
    type: int
    default: 1000
extends_documentation_fragment:
  - ops.runbooks.checks
  - ops.runbooks.postgres
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Runbook 002 "Database Connection Issues"
  ops.runbooks.connectivity_check:
    dynamodb_tables: [ai-investment-signals, ai-investment-proposals]
    postgres_database: ai_data_readiness
    login_host: db.internal
    login_user: backup_verifier
    login_password: "{{ vault_ops_runbooks_pg_password }}"
    ssl_mode: require
    fail_on: never
"""

RETURN = r"""
checks:
  description: One check per store probed or skipped (common model); C(observed) holds C(latency_ms).
  returned: always
  type: list
  elements: dict
summary:
  description: Count of checks by status.
  returned: always
  type: dict
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

try:
    import psycopg2
    HAS_PSYCOPG2 = True
except ImportError:
    HAS_PSYCOPG2 = False

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils import postgres
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line

ARGUMENT_SPEC = dict(
    dynamodb_tables=dict(type="list", elements="str", default=[]),
    postgres_database=dict(type="str", default=""),
    elasticache_clusters=dict(type="list", elements="str", default=[]),
    timestream_databases=dict(type="list", elements="str", default=[]),
    max_latency_ms=dict(type="int", default=1000),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
    **postgres.POSTGRES_CONNECTION_SPEC
)


def timed(probe):
    """(result, latency ms, error text or None) of one probe; an AWS or database error is the probe's answer."""
    started = time.monotonic()
    expected = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, LookupError, OSError)
    if HAS_PSYCOPG2:
        expected += (psycopg2.Error,)
    try:
        value, error = probe(), None
    except expected as e:  # the store's answer, not a bug
        value, error = None, one_line(e, 400) or type(e).__name__
    return value, round((time.monotonic() - started) * 1000, 1), error


def judged(resource, check, ok, latency, limit, reason, error=None):
    observed = {"latency_ms": latency}
    if error:
        return checks.make_check(resource, check, checks.FAIL, "%s (%.0f ms)" % (error, latency), observed)
    if not ok:
        return checks.make_check(resource, check, checks.FAIL, reason, observed)
    status = checks.WARN if latency > limit else checks.PASS
    return checks.make_check(resource, check, status, "%s in %.0f ms%s" % (
        reason, latency, " > %d ms (warning level)" % limit if status == checks.WARN else ""), observed,
        {"latency_ms_max": limit})


def probe_table(ddb, table, limit):
    def describe():
        try:
            return ddb.describe_table(aws_retry=True, TableName=table)["Table"]["TableStatus"]
        except is_boto3_error_code("ResourceNotFoundException"):
            raise LookupError("table %s not found" % table) from None

    status, latency, error = timed(describe)
    found = [judged(table, "dynamodb describe", status == "ACTIVE", latency, limit, "status %s" % status, error)]
    if status == "ACTIVE":
        read, latency, error = timed(lambda: ddb.scan(aws_retry=True, TableName=table, Limit=1)["Count"])
        found.append(judged(table, "dynamodb read", True, latency, limit, "read %s item(s)" % read, error))
    return found


def probe_postgres(params, limit):
    def select_one():
        conn = postgres.connect(params, params["postgres_database"])
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                return cur.fetchone()[0]
        finally:
            conn.close()

    value, latency, error = timed(select_one)
    return judged("%s/%s" % (params["login_host"] or "local socket", params["postgres_database"]), "postgres select 1",
                  value == 1, latency, limit, "SELECT 1 answered", error)


def probe_cache(client, cluster, limit):
    def status():
        try:
            return client.describe_cache_clusters(aws_retry=True, CacheClusterId=cluster)["CacheClusters"][0][
                "CacheClusterStatus"]
        except is_boto3_error_code("CacheClusterNotFound"):
            raise LookupError("cluster %s not found" % cluster) from None

    value, latency, error = timed(status)
    return judged(cluster, "elasticache status", value == "available", latency, limit, "status %s" % value, error)


def probe_timestream(client, database, limit):
    def describe():
        try:
            return client.describe_database(aws_retry=True, DatabaseName=database)["Database"]["DatabaseName"]
        except is_boto3_error_code("ResourceNotFoundException"):
            raise LookupError("database %s not found" % database) from None

    value, latency, error = timed(describe)
    return judged(database, "timestream database", value == database, latency, limit, "exists", error)


def skipped(store, option):
    return checks.make_check(store, "connectivity", checks.SKIPPED, "not probed: the inventory names no %s" % option)


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"dynamodb_tables[]": "table"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    limit = params["max_latency_ms"]
    result = dict(changed=False, checks=[])
    with ending_on_error(module, result, "probe the data stores"):
        check_range("max_latency_ms", limit, 1)
        found = []
        # 1. DynamoDB: describe, then one bounded read.
        ddb = module.retrying_client("dynamodb") if params["dynamodb_tables"] else None
        for table in params["dynamodb_tables"]:
            found.extend(probe_table(ddb, table, limit))
        if not params["dynamodb_tables"]:
            found.append(skipped("dynamodb", "dynamodb_tables"))
        # 2. PostgreSQL: connect and SELECT 1.
        if params["postgres_database"]:
            postgres.validate_connection(params)
            postgres.require_psycopg2(module)
            found.append(probe_postgres(params, limit))
        else:
            found.append(skipped("postgres", "postgres_database"))
        # 3. ElastiCache and Timestream, when named.
        cache = module.retrying_client("elasticache") if params["elasticache_clusters"] else None
        found.extend(probe_cache(cache, c, limit) for c in params["elasticache_clusters"])
        if not params["elasticache_clusters"]:
            found.append(skipped("elasticache", "elasticache_clusters"))
        stream = module.retrying_client("timestream-write") if params["timestream_databases"] else None
        found.extend(probe_timestream(stream, d, limit) for d in params["timestream_databases"])
        if not params["timestream_databases"]:
            found.append(skipped("timestream", "timestream_databases"))
        result.update(checks=found, summary=checks.summarize(found))
    failed = [c for c in found if c["status"] == checks.FAIL]
    checks.end_module(module, result, failed and "%d store(s) unreachable: %s" % (
        len(failed), "; ".join("%s %s: %s" % (c["resource"], c["check"], c["reason"]) for c in failed)))


if __name__ == "__main__":
    main()
