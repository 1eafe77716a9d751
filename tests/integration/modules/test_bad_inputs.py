# -*- coding: utf-8 -*-
"""The bad-input corpus: every case fails clearly, names what is wrong, raises no traceback, changes nothing.

Each case runs a module for real against the sandbox with one bad value (or combination). ``run_module`` already
fails a case that prints a traceback or returns no JSON; here each case also asserts the message names the
parameter, and that the emulator holds the same tables, backups, aliases, reservations, queue depths and object
versions before and after.
"""
from __future__ import annotations

import pytest

from test_dynamodb_restore import make_table
from test_lambda_rollback import make_function

BUCKET = "ai-investment-curated-data"
ARN_OK = "arn:aws:dynamodb:eu-central-1:123456789012:table/orders/backup/01700000000000-abcdef12"


@pytest.fixture(scope="module")
def world(sandbox):
    """Resources the cases point at (made once for this file's worker)."""
    ddb, lam, sqs = sandbox.client("dynamodb"), sandbox.client("lambda"), sandbox.client("sqs")
    table = make_table(ddb, items=2, pitr=True, backup=True)
    function = make_function(lam, versions=2)
    sqs.create_queue(QueueName="bi-queue-dlq")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="bi-queue-dlq")["QueueUrl"], MessageBody="keep")
    return {"table": table[0], "backup_arn": table[1], "function": function}


def snapshot(sandbox, world):
    """What a bad input must not change."""
    ddb, lam, sqs, s3 = (sandbox.client(s) for s in ("dynamodb", "lambda", "sqs", "s3"))
    tables = sorted(ddb.list_tables()["TableNames"])
    backups = sorted(b["BackupName"] for b in ddb.list_backups()["BackupSummaries"])
    pitr = ddb.describe_continuous_backups(TableName=world["table"])["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
    function = world["function"]
    aliases = lam.get_alias(FunctionName=function, Name="live")
    reserved = lam.get_function_concurrency(FunctionName=function).get("ReservedConcurrentExecutions")
    queues = {}
    for url in sqs.list_queues(QueueNamePrefix="bi-").get("QueueUrls", []):
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        queues[url] = attrs["Attributes"]["ApproximateNumberOfMessages"]
    versions = len(s3.list_object_versions(Bucket=BUCKET).get("Versions", []))
    return (tables, backups, pitr, aliases["FunctionVersion"], aliases.get("Description"), reserved, queues,
            versions)


def _cases():
    """(module, args (with placeholders), fragment the message must contain)."""
    T, F, Q = "{table}", "{function}", "bi-queue-dlq"  # noqa: N806
    lr = [
        ({"function_name": "score; rm -rf /", "alias": "live"},
         "function_name: 'score; rm -rf /' is not a valid Lambda"),
        ({}, "missing required arguments: alias, function_name"),
        ({"function_name": F}, "missing required arguments: alias"),
        ({"function_name": F, "alias": "live", "target_version": "$LATEST"}, "target_version: '$LATEST'"),
        ({"function_name": F, "alias": "live", "target_version": "abc"}, "target_version: 'abc'"),
        ({"function_name": F, "alias": "live", "target_version": "0"}, "target_version: '0'"),
        ({"function_name": F, "alias": "live", "target_version": "-1"}, "target_version: '-1'"),
        ({"function_name": F, "alias": "live", "target_version": "1.5"}, "target_version: '1.5'"),
        ({"function_name": F, "alias": "live", "target_version": "99"}, "target_version: version 99"),
        ({"function_name": F, "alias": "live", "from_version": "v2"}, "from_version: 'v2'"),
        ({"function_name": F, "alias": "live", "from_version": " 3"}, "from_version: ' 3'"),
        ({"function_name": F, "alias": "live", "health_check": {"retries": 0}}, "health_check: configure at least"),
        ({"function_name": F, "alias": "live", "health_check": {"alarms": ["a"], "retries": -1}}, "health_check.retries"),
        ({"function_name": F, "alias": "live", "health_check": {"alarms": ["a"], "delay": -1}}, "health_check.delay"),
        ({"function_name": F, "alias": "live", "health_check": {"url": "http://x", "url_timeout": -1}},
         "health_check.url_timeout"),
        ({"function_name": F, "alias": "live", "health_check": {"metric_errors": {"window": "soon"}}},
         "health_check.metric_errors.window"),
        ({"function_name": F, "alias": "live", "health_check": {"metric_errors": {"max": -1}}},
         "health_check.metric_errors.max"),
        ({"function_name": F, "alias": "live", "health_check": {"url": "ftp://x"}}, "health_check.url"),
        ({"function_name": F, "alias": "live", "health_check": {"url": "no url"}}, "health_check.url"),
        ({"function_name": F, "alias": "live", "health_check": {"alarms": ["a"], "delay": 100000}},
         "do not fit in wait_timeout"),
        ({"function_name": F, "alias": "live", "wait_timeout": -1}, "wait_timeout"),
        ({"function_name": F, "alias": "live", "clear_routing": "maybe"}, "clear_routing"),
        ({"function_name": F, "alias": "live", "bogus": 1}, "Unsupported parameters"),
        ({"function_name": "bi-no-such-fn", "alias": "live"}, "function bi-no-such-fn not found"),
        ({"function_name": F, "alias": "nope"}, "alias nope of function"),
    ]
    dr = [
        # #30: the emulator created a table of this name
        ({"source_table_name": "{table}", "target_table_name": "x; DROP TABLE y", "use_latest_restorable_time": True},
         "target_table_name: 'x; DROP TABLE y' is not a valid DynamoDB table"),
        ({"target_table_name": T + "-x", "latest_backup": True}, "source_table_name is required unless backup_arn"),
        ({"source_table_name": T, "target_table_name": T + "-x"}, "exactly one restore source"),
        ({"source_table_name": T, "target_table_name": T + "-x", "latest_backup": True, "restore_date_time": "2h"},
         "exactly one restore source"),
        ({"target_table_name": "x-r", "backup_arn": "not-an-arn"}, "backup_arn: 'not-an-arn'"),
        ({"target_table_name": "x-r", "backup_arn": "arn:aws:dynamodb:eu-central-1:123456789012:table/x"},
         "backup_arn: "),
        ({"target_table_name": "x-r", "backup_arn": "arn:aws:s3:::bucket/backup/01700000000000-abcdef12"},
         "backup_arn: "),
        ({"target_table_name": "x-r", "backup_arn": ARN_OK, "source_table_name": "other"},
         "backup_arn: the backup belongs to table orders"),
        ({"source_table_name": T, "target_table_name": T + "-x", "restore_date_time": "last tuesday"},
         "restore_date_time: 'last tuesday'"),
        ({"source_table_name": T, "target_table_name": T + "-x", "restore_date_time": "2999-01-01T00:00:00Z"},
         "restore_date_time: 2999-01-01T00:00:00Z is in the future"),
        ({"source_table_name": T, "target_table_name": T + "-x", "restore_date_time": "2000-01-01T00:00:00Z"},
         "restore_date_time: 2000-01-01T00:00:00Z is outside the PITR window"),
        ({"source_table_name": T, "target_table_name": T + "-x", "restore_date_time": "99999999999d"},
         "restore_date_time: '99999999999d' is longer"),
        ({"source_table_name": T, "target_table_name": T + "-x", "restore_date_time": "0001-01-01T00:00:00+05:00"},
         "restore_date_time: '0001-01-01T00:00:00+05:00' is out of the range"),
        ({"source_table_name": T, "target_table_name": T + "-x", "latest_backup": True,
          "verify": {"min_item_count": -1}}, "verify.min_item_count"),
        ({"source_table_name": T, "target_table_name": T + "-x", "latest_backup": True,
          "verify": {"item_count_tolerance": 2}}, "verify.item_count_tolerance"),
        ({"source_table_name": T, "target_table_name": T + "-x", "latest_backup": True,
          "verify": {"item_count_tolerance": -0.1}}, "verify.item_count_tolerance"),
        ({"source_table_name": T, "target_table_name": T + "-x", "latest_backup": True, "wait": False,
          "verify": {"min_item_count": 1}}, "wait=false"),
        ({"source_table_name": T, "target_table_name": T, "latest_backup": True}, "target_table_name: the target"),
        ({"source_table_name": T, "target_table_name": T + "-x", "latest_backup": True,
          "billing_mode_override": "FREE"}, "billing_mode_override"),
        ({"source_table_name": T, "target_table_name": T + "-x", "latest_backup": True, "reapply": ["colour"]},
         "reapply"),
        ({"source_table_name": T, "target_table_name": T + "-x", "latest_backup": True,
          "switch_lambda_env": [{"function_name": "bi-no-such-fn", "variable": "T"}]},
         "switch_lambda_env: function bi-no-such-fn not found"),
        ({"source_table_name": T, "target_table_name": T + "-x", "latest_backup": True,
          "switch_lambda_env": [{"function_name": F}]}, "variable"),
        ({"source_table_name": T, "target_table_name": T + "-x", "latest_backup": True, "wait_timeout": -1},
         "wait_timeout"),
        ({"source_table_name": "bi-no-such-table", "target_table_name": "bi-x", "latest_backup": True},
         "source table bi-no-such-table not found"),
        ({"source_table_name": T, "target_table_name": "ai-investment-signals", "latest_backup": True},
         "target_table_name: table ai-investment-signals already exists"),
    ]
    db = [
        # #30: reported success with no change (the emulator accepts names AWS refuses)
        ({"table_name": "x; DROP TABLE y", "force_backup": True},
         "table_name: 'x; DROP TABLE y' is not a valid DynamoDB table"),
        ({}, "missing required arguments: table_name"),
        ({"table_name": T, "pitr": "maybe"}, "pitr"),
        ({"table_name": T, "max_backup_age": "forever"}, "max_backup_age: 'forever'"),
        ({"table_name": T, "max_backup_age": "-1h"}, "max_backup_age: '-1h'"),
        ({"table_name": T, "max_backup_age": "99999999999d"}, "max_backup_age: '99999999999d'"),
        ({"table_name": T, "retain": 0}, "retain: 0"),
        ({"table_name": T, "retain": -3}, "retain: -3"),
        ({"table_name": T, "retain": "many"}, "retain"),
        ({"table_name": T, "wait_timeout": -1}, "wait_timeout: -1"),
        ({"table_name": T, "pitr": "disabled", "export_to_s3": {"bucket": BUCKET}}, "export_to_s3: "),
        ({"table_name": T, "export_to_s3": {"prefix": "x/"}}, "bucket"),
        ({"table_name": T, "export_to_s3": {"bucket": BUCKET, "export_format": "CSV"}}, "export_format"),
        ({"table_name": "bi-no-such-table"}, "table bi-no-such-table not found"),
    ]
    bv = [
        ({}, "nothing to verify"),
        ({"dynamodb": [{"require_pitr": True}]}, "table"),
        ({"dynamodb": [{"table": T, "max_restore_lag": "soon"}]}, "dynamodb[0].max_restore_lag: 'soon'"),
        ({"dynamodb": [{"table": T, "max_backup_age": "-1d"}]}, "dynamodb[0].max_backup_age: '-1d'"),
        ({"dynamodb": [{"table": T, "max_backup_age": "3000000d"}]}, "dynamodb[0].max_backup_age: '3000000d'"),
        ({"rds": [{"db_instance_identifier": "x", "max_snapshot_age": "x"}]}, "rds[0].max_snapshot_age: 'x'"),
        ({"rds": [{"db_instance_identifier": "x", "snapshot_type": "weekly"}]}, "snapshot_type"),
        ({"rds": [{}]}, "db_instance_identifier"),
        ({"s3": [{"require_versioning": True}]}, "bucket"),
        ({"postgres": [{"path": "/x", "jobs": 0}]}, "postgres[0].jobs: 0"),
        ({"postgres": [{"path": "/x", "min_rows": {"t": -1}}]}, "postgres[0].min_rows.t"),
        ({"postgres": [{"path": "/x", "min_rows": {"t": "many"}}]}, "postgres[0].min_rows.t"),
        ({"postgres": [{"path": "/x", "min_rows": {"t": True}}]}, "postgres[0].min_rows.t"),
        ({"postgres": [{"path": "/x", "restore_timeout": -1}]}, "postgres[0].restore_timeout: -1"),
        ({"postgres": [{"path": "/x", "restore_timeout": 1000000000000}]}, "postgres[0].restore_timeout"),
        ({"postgres": [{"path": "/x", "max_age": "forever"}]}, "postgres[0].max_age: 'forever'"),
        ({"postgres": [{"max_age": "1d"}]}, "path"),
        ({"s3": [{"bucket": BUCKET}], "fail_on": "sometimes"}, "fail_on"),
        ({"postgres": [{"path": "/x"}], "login_port": "abc"}, "login_port"),
    ]
    qd = [
        ({}, "one of queues or queue_name_prefix is required"),
        ({"queues": [Q], "wait_until_below": 0}, "wait_until_below: 0"),
        ({"queues": [Q], "wait_timeout": -1}, "wait_timeout: -1"),
        ({"queues": [Q], "poll_interval": -1}, "poll_interval: -1"),
        ({"queues": [Q], "concurrency": 0}, "concurrency: 0"),
        ({"queues": [Q], "concurrency": 300}, "concurrency: 300"),
        ({"queues": [Q], "page_size": 0}, "page_size: 0"),
        ({"queues": [Q], "page_size": 1001}, "page_size: 1001"),
        ({"queues": [Q], "max_visible": -1}, "max_visible: -1"),
        ({"queues": [Q], "max_age": "soon"}, "max_age: 'soon'"),
        ({"queues": [Q], "max_age": "99999999999d"}, "max_age: '99999999999d'"),
        ({"queues": [Q], "thresholds": {Q: "notadict"}}, "thresholds.bi-queue-dlq: must be a dict"),
        ({"queues": [Q], "thresholds": {Q: {"max_visible": -1}}}, "thresholds.bi-queue-dlq.max_visible: -1"),
        ({"queues": [Q], "thresholds": {Q: {"bogus": 1}}}, "thresholds.bi-queue-dlq.bogus: unknown threshold"),
        ({"queues": [Q], "thresholds": {Q: {"max_visible": True}}}, "thresholds.bi-queue-dlq.max_visible: True"),
        ({"queues": [Q], "thresholds": {Q: {"max_visible": "many"}}}, "thresholds.bi-queue-dlq.max_visible: 'many'"),
        ({"queues": [Q], "thresholds": {Q: {"max_age": "-1m"}}}, "thresholds.bi-queue-dlq.max_age: '-1m'"),
        ({"queue_name_prefix": "bi-no-such-prefix-"}, "queue_name_prefix: no queue name starts with"),
        ({"queues": [Q], "fail_on": "sometimes"}, "fail_on"),
    ]
    rd = [
        ({"queue": "bi-queue-dlq/../other"}, "queue: 'bi-queue-dlq/../other' is not a valid SQS queue name"),
        ({}, "missing required arguments: queue"),
        ({"queue": "bi-no-such-queue"}, "queue bi-no-such-queue not found"),
        ({"queue": Q, "max_messages": 0}, "max_messages: 0"),
        ({"queue": Q, "rate": 0.5}, "rate: 0.5"),
        ({"queue": Q, "rate": float("inf")}, "rate: inf"),
        ({"queue": Q, "rate": 1000}, "rate: 1000"),
        ({"queue": Q, "wait_timeout": -1}, "wait_timeout: -1"),
        ({"queue": Q, "wait_timeout": 100000}, "wait_timeout: 100000"),
        ({"queue": Q, "visibility_timeout": 0}, "visibility_timeout: 0"),
        ({"queue": Q, "purge": True}, "purge: purging"),
        ({"queue": Q, "purge": True, "confirm": True, "destination": "x"}, "purge and destination are exclusive"),
        ({"queue": Q, "destination": Q}, "destination: bi-queue-dlq is the queue itself"),
        ({"queue": Q, "destination": "bi-no-such-queue"}, "queue bi-no-such-queue not found"),
        ({"queue": Q}, "destination: "),  # a DLQ no queue names: the destination must be given
        ({"queue": Q, "method": "teleport"}, "method"),
    ]
    lc = [
        ({"function_name": F, "reserved_concurrency": -1}, "reserved_concurrency: -1"),
        ({"function_name": F, "reserved_concurrency": 500, "max_value": 100}, "reserved_concurrency: 500 is above"),
        ({"function_name": F, "reserved_concurrency": 1, "min_value": 5}, "reserved_concurrency: 1 is below"),
        ({"function_name": F}, "reserved_concurrency"),
        ({"function_name": F, "state": "absent", "reserved_concurrency": 5}, "reserved_concurrency: 5 cannot go"),
        ({"reserved_concurrency": 5}, "missing required arguments: function_name"),
        ({"function_name": F, "reserved_concurrency": 5, "wait_timeout": -1}, "wait_timeout: -1"),
        ({"function_name": F, "state": "gone"}, "state"),
        ({"function_name": F, "reserved_concurrency": "lots"}, "reserved_concurrency"),
        ({"function_name": "bi-no-such-fn", "reserved_concurrency": 1}, "function bi-no-such-fn not found"),
    ]
    so = [
        ({"bucket": BUCKET, "key": "a\x00b"}, "key: "),
        ({"bucket": BUCKET, "key": "k" * 1025}, "key: "),
        ({"bucket": BUCKET, "key": ""}, "key: "),
        ({"bucket": "Bad_Bucket", "key": "a"}, "bucket: 'Bad_Bucket'"),
        ({"bucket": "ab", "key": "a"}, "bucket: 'ab'"),
        ({"bucket": "bi-no-such-bucket", "key": "a"}, "bucket bi-no-such-bucket not found"),
        ({"bucket": BUCKET, "key": "bi/never-existed"}, "key: s3://"),
        ({"bucket": BUCKET}, "missing required arguments: key"),
    ]
    mc = [
        ({"metrics": []}, "metrics: give at least one metric"),
        ({"metrics": [{"namespace": ":bad", "metric_name": "Errors"}]}, "metrics[0].namespace: ':bad'"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "statistic": "Median"}]},
         "metrics[0].statistic: 'Median'"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "period": 0}]}, "metrics[0].period: 0"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "period": 45}]}, "metrics[0].period: 45"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "period": -60}]}, "metrics[0].period: -60"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "window": "-5m"}]},
         "metrics[0].window: '-5m'"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "window": "fortnight"}]},
         "metrics[0].window: 'fortnight'"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "window": "30s"}]},
         "metrics[0].window: 30s is shorter"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "window": "99999999999d"}]},
         "metrics[0].window: '99999999999d'"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "min": 5, "max": 1}]},
         "metrics[0]: min 5.0 is above max 1.0"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "max": "nan"}]},  # passed "1 <= nan"
         "metrics[0].max: nan is not a finite number"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "warn": "inf", "min": "-inf"}]},
         "metrics[0].min: -inf is not a finite number; metrics[0].warn: inf is not a finite number"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "window": "inf"}]},
         "metrics[0].window: 'inf' is not a duration"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "aggregate": "median"}]}, "aggregate"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "no_data": "maybe"}]}, "no_data"),
        ({"metrics": [{"namespace": "AWS/Lambda"}]}, "metric_name"),
        ({"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors"}, {"namespace": "", "metric_name": "E"}]},
         "metrics[1].namespace: ''"),
    ]
    ls = [
        ({}, "one of log_group_names or log_group_name_prefix is required"),
        ({"log_group_names": ["/x"], "window": "-1h"}, "window: '-1h'"),
        ({"log_group_names": ["/x"], "window": "0"}, "window: '0' must be longer than zero"),
        ({"log_group_names": ["/x"], "window": "soonish"}, "window: 'soonish'"),
        ({"log_group_names": ["/x"], "window": "3000000d"}, "window: '3000000d'"),
        ({"log_group_names": ["/x"], "max_events": -1}, "max_events: -1"),
        ({"log_group_names": ["/x"], "scan_limit": 0}, "scan_limit: 0"),
        ({"log_group_names": ["/x"], "max_matches": -1}, "max_matches: -1"),
        ({"log_group_name_prefix": "/bi/no-such-prefix"}, "log_group_name_prefix: no log group name starts with"),
        ({"log_group_names": ["/bi/no-such-group"]}, "log group /bi/no-such-group not found"),
    ]
    hc = [
        ({"endpoints": [{"url": "ftp://x"}]}, "endpoints[0].url: 'ftp://x'"),
        ({"endpoints": [{"url": "not a url"}]}, "endpoints[0].url: 'not a url'"),
        ({"endpoints": [{"url": "http://127.0.0.1:9", "max_latency_ms": 0}]}, "endpoints[0].max_latency_ms: 0"),
        ({"endpoints": [{"url": "http://127.0.0.1:9"}], "max_latency_ms": -5}, "endpoints[0].max_latency_ms: -5"),
        ({"endpoints": [{"url": "http://127.0.0.1:9"}], "timeout": 0}, "timeout: 0"),
        ({"endpoints": [{"url": "http://127.0.0.1:9"}], "max_latency_ms": "nan"}, "max_latency_ms: nan is not a finite"),
        ({"endpoints": [{"url": "http://127.0.0.1:9", "max_latency_ms": "inf"}]},
         "endpoints[0].max_latency_ms: inf is not a finite number"),
        ({}, "missing required arguments: endpoints"),
        ({"endpoints": []}, "endpoints: give at least one endpoint"),
        ({"endpoints": [{"url": "http://127.0.0.1:9", "expected_status": ["x"]}]}, "expected_status"),
        ({"endpoints": [{"url": "http://127.0.0.1:9"}], "validate_certs": "maybe"}, "validate_certs"),
        ({"endpoints": [{"name": "no url"}]}, "url"),
    ]
    for module, cases in (("lambda_rollback", lr), ("dynamodb_restore", dr), ("dynamodb_backup", db),
                          ("backup_verify", bv), ("queue_depth", qd), ("sqs_redrive", rd), ("lambda_concurrency", lc),
                          ("s3_object_restore", so), ("metric_check", mc), ("log_search", ls), ("http_check", hc)):
        for args, fragment in cases:
            yield module, args, fragment


CASES = list(_cases())


def _fill(value, world):
    if isinstance(value, str):
        return value.replace("{table}", world["table"]).replace("{function}", world["function"])
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    if isinstance(value, dict):
        return dict((_fill(k, world), _fill(v, world)) for k, v in value.items())
    return value


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 150


@pytest.mark.parametrize("module, args, fragment", CASES,
                         ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_bad_input_fails_clearly_and_changes_nothing(sandbox, world, run_module, module, args, fragment):
    args, fragment = _fill(args, world), _fill(fragment, world)
    before = snapshot(sandbox, world)
    result = run_module(module, args, aws=module != "http_check")
    assert result.get("failed") is True, (module, args, result)
    assert fragment in result["msg"], (fragment, result["msg"])
    assert "Traceback" not in result["msg"] and "exception" not in result or "boto3_version" in result
    assert snapshot(sandbox, world) == before
