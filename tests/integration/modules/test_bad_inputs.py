# -*- coding: utf-8 -*-
"""The bad-input corpus: every case fails clearly, names what is wrong, raises no traceback, changes nothing.

Each case runs a module for real against the sandbox with one bad value (or combination). ``run_module`` already
fails a case that prints a traceback or returns no JSON; here each case also asserts the message names the
parameter, that no AWS error reached the result (no ``exception`` key: the module refused the input itself, before
or instead of passing AWS's answer on), and that the emulator holds the same resources before and after
(``snapshot``: tables (paged), backups, exports, TTL, PITR, the world function's alias, concurrency and
configuration, queue depths, the objects of the buckets, the world's parameters, secret versions and log group
retentions; for the cases that connect to PostgreSQL, its databases and roles too).

Every resource a case points at is made here (the ``world`` fixture, names prefixed ``bi-``), or is part of the
sandbox's seed: no case depends on another test file.
"""
from __future__ import annotations

import collections
import concurrent.futures
import functools
import hashlib
import io
import json
import os
import uuid
import zipfile

import pytest
from pgadmin import admin

BUCKET = "ai-investment-curated-data"  # seeded, versioned
ARN_OK = "arn:aws:dynamodb:eu-central-1:123456789012:table/orders/backup/01700000000000-abcdef12"
ACCOUNT = "123456789012"  # the emulator's
ROLE = "arn:aws:iam::123456789012:role/ai-investment-lambda-exec"
WORLD_ENV = {"TABLE_NAME": "bi-signals", "API_KEY": "bi-not-a-real-key"}


def _zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buf.getvalue()


def _table(ddb, name):
    """A table of 2 items with PITR, one backup and TTL on ``expires``."""
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    for i in range(2):
        ddb.put_item(TableName=name, Item={"pk": {"S": "item-%03d" % i}, "n": {"N": str(i)}})
    ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    return ddb.create_backup(TableName=name, BackupName=name + "-bk")["BackupDetails"]["BackupArn"]


def _function(lam, name):
    """Versions 1 and 2, alias ``live`` on 2, an environment (WORLD_ENV)."""
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": _zip()}, Timeout=30, MemorySize=256,
                        Environment={"Variables": dict(WORLD_ENV)})
    for _build in range(2):
        lam.publish_version(FunctionName=name)
        lam.update_function_configuration(FunctionName=name, Description="build")  # a new version next time
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="2")


def build_world(client):
    """Every resource the cases point at; ``client(service)`` gives a boto3 client on the sandbox."""
    tag = uuid.uuid4().hex[:8]
    world = {"table": "bi-" + tag, "function": "bi-fn-" + tag, "bucket": "bi-bucket-" + tag, "path": "/bi-" + tag,
             "secret": "bi-secret-" + tag, "log_prefix": "/bi-" + tag, "queue": "bi-queue-dlq"}
    ddb, lam, sqs, s3 = client("dynamodb"), client("lambda"), client("sqs"), client("s3")
    world["backup_arn"] = _table(ddb, world["table"])
    world["table_arn"] = ddb.describe_table(TableName=world["table"])["Table"]["TableArn"]
    _function(lam, world["function"])
    url = sqs.create_queue(QueueName=world["queue"])["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="keep")
    s3.create_bucket(Bucket=world["bucket"], CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_bucket_versioning(Bucket=world["bucket"], VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=world["bucket"], Key="bi/not-an-export.json", Body=b"[1, 2, 3]")
    s3.put_object(Bucket=world["bucket"], Key="bi/outside.json", Body=json.dumps({"path": "/elsewhere", "parameters": {
        "/elsewhere/x": {"type": "String", "value": "v", "key_id": None}}}).encode())
    ssm = client("ssm")
    ssm.put_parameter(Name=world["path"] + "/db/password", Type="SecureString", Value="bi-old-password")
    ssm.put_parameter(Name=world["path"] + "/plain", Type="String", Value="bi-plain")
    client("secretsmanager").create_secret(Name=world["secret"], SecretString=json.dumps({"api_key": "bi-old"}))
    client("secretsmanager").create_secret(Name=world["secret"] + "-text", SecretString="not json")
    logs = client("logs")
    for group, days in (("/app", 30), ("/jobs", 7)):
        logs.create_log_group(logGroupName=world["log_prefix"] + group)
        logs.put_retention_policy(logGroupName=world["log_prefix"] + group, retentionInDays=days)
    return world


@pytest.fixture(scope="module")
def world(sandbox):
    """Resources the cases point at (made once for this file's worker)."""
    return build_world(sandbox.client)


def _digest(value):
    return hashlib.sha256(str(value).encode()).hexdigest()[:16]


def _paged(client, operation, key, **params):
    """Every item of a listing, through boto3's paginator or, for an operation without one, by NextToken."""
    if client.can_paginate(operation):
        return [item for page in client.get_paginator(operation).paginate(**params) for item in page.get(key, [])]
    items, token = [], None
    while True:
        page = getattr(client, operation)(**dict(params, **({"NextToken": token} if token else {})))
        items += page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return items


def _exports(ddb, table_arn):
    """The world table's DynamoDB exports (``list_exports``; moto answers only with a TableArn), or "unsupported"
    when the emulator lacks the API - recorded in the snapshot, not skipped."""
    try:
        return sorted((e["ExportArn"], e.get("ExportStatus")) for e in _paged(
            ddb, "list_exports", "ExportSummaries", TableArn=table_arn))
    except Exception as e:  # pylint: disable=broad-exception-caught  # an emulator without the API
        return "unsupported: %s" % type(e).__name__


def _objects(s3, bucket):
    """Every version of every object of a bucket (key, version id, ETag), paged."""
    found = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        found += [(v["Key"], v["VersionId"], v["ETag"]) for v in page.get("Versions", [])]
        found += [(m["Key"], m["VersionId"], "delete marker") for m in page.get("DeleteMarkers", [])]
    return sorted(found)


@functools.lru_cache(maxsize=None)
def _client(sandbox, service):
    """One client per service for the snapshots (a new boto3 session each time costs more than the calls)."""
    return sandbox.client(service)


def _read_dynamodb(ddb, world):
    table = ddb.describe_table(TableName=world["table"])["Table"]
    return {"tables": sorted(_paged(ddb, "list_tables", "TableNames")),
            "backups": sorted(b["BackupName"] for b in _paged(ddb, "list_backups", "BackupSummaries")),
            "exports": _exports(ddb, world["table_arn"]),
            "pitr": ddb.describe_continuous_backups(TableName=world["table"])["ContinuousBackupsDescription"][
                "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"],
            "ttl": ddb.describe_time_to_live(TableName=world["table"])["TimeToLiveDescription"],
            "items": table.get("ItemCount"), "billing": table.get("BillingModeSummary")}


def _read_function(lam, world):
    function = world["function"]
    alias = lam.get_alias(FunctionName=function, Name="live")
    config = lam.get_function_configuration(FunctionName=function)
    variables = (config.get("Environment") or {}).get("Variables") or {}
    return {"alias": (alias["FunctionVersion"], alias.get("Description"), alias.get("RoutingConfig")),
            "reserved": lam.get_function_concurrency(FunctionName=function).get("ReservedConcurrentExecutions"),
            "timeout": config["Timeout"], "memory": config["MemorySize"],
            "tags": lam.list_tags(Resource=config["FunctionArn"]).get("Tags") or {},  # a rollback's record
            "environment": sorted((k, _digest(v)) for k, v in variables.items()),  # names, and values hashed
            "versions": sorted(v["Version"] for v in _paged(lam, "list_versions_by_function", "Versions",
                                                            FunctionName=function))}


def _read_queues(sqs, _world):
    urls = _paged(sqs, "list_queues", "QueueUrls", QueueNamePrefix="bi-")
    return dict((url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"]) for url in urls)


def _read_parameters(ssm, world):
    return sorted((p["Name"], p["Type"], p["Version"], _digest(p["Value"])) for p in _paged(
        ssm, "get_parameters_by_path", "Parameters", Path=world["path"], Recursive=True, WithDecryption=True))


def _read_secrets(sm, world):
    return dict((name, sorted((v["VersionId"], tuple(sorted(v.get("VersionStages", [])))) for v in _paged(
        sm, "list_secret_version_ids", "Versions", SecretId=name))) for name in (world["secret"], world["secret"] + "-text"))


def _read_log_groups(logs, world):
    return sorted((g["logGroupName"], g.get("retentionInDays")) for g in _paged(
        logs, "describe_log_groups", "logGroups", logGroupNamePrefix=world["log_prefix"]))


# what the snapshot reads: (key, service, reader(client, world)); read concurrently (the calls are independent)
_PARTS = [("dynamodb", "dynamodb", _read_dynamodb), ("function", "lambda", _read_function), ("queues", "sqs", _read_queues),
          ("objects " + BUCKET, "s3", lambda s3, _world: _objects(s3, BUCKET)),
          ("objects world", "s3", lambda s3, world: _objects(s3, world["bucket"])),
          ("parameters", "ssm", _read_parameters), ("secrets", "secretsmanager", _read_secrets), ("log_groups", "logs", _read_log_groups)]
_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=len(_PARTS))


def snapshot(sandbox, world):
    """What a bad input must not change: the tables (paged), backups, the world table's exports, PITR, TTL, item
    count and billing mode; the world function's alias, reserved concurrency, versions and configuration (timeout,
    memory, environment variable names with their values hashed); the depth of every bi- queue; every object version
    (key, version id, ETag) of the seeded bucket and the world's; the world's parameters (values hashed), its secrets'
    versions and stages, and the retention of its log groups."""
    futures = [(key, _POOL.submit(reader, _client(sandbox, service), world)) for key, service, reader in _PARTS]
    return dict((key, future.result()) for key, future in futures)


def _postgres(sandbox):
    """The sandbox PostgreSQL's databases and roles (for the cases that connect to it)."""
    with admin(sandbox) as cur:
        cur.execute("SELECT datname FROM pg_database UNION ALL SELECT 'role ' || rolname FROM pg_roles ORDER BY 1")
        return [row[0] for row in cur.fetchall()]


def _cases():  # pylint: disable=too-many-locals,too-many-statements
    """(module, args (with placeholders), fragment the message must contain, options) - options: ``aws`` (False: no
    AWS connection options), ``pg`` (the sandbox's PostgreSQL connection options)."""
    T, F, Q, B, S = "{table}", "{function}", "bi-queue-dlq", "{bucket}", "{secret}"  # noqa: N806
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
        ({"function_name": "bi-no-such-fn", "alias": "live"}, "function_name: function bi-no-such-fn not found"),
        ({"function_name": F, "alias": "nope"}, "alias: alias nope of function"),
    ]
    dr = [
        # #30: the emulator created a table of this name
        ({"source_table_name": "{table}", "target_table_name": "x; DROP TABLE y", "use_latest_restorable_time": True},
         "target_table_name: 'x; DROP TABLE y' is not a valid DynamoDB table"),
        ({"target_table_name": T + "-x", "latest_backup": True}, "source_table_name is required unless backup_arn"),
        ({"source_table_name": T, "target_table_name": T + "-x"},
         "one of backup_arn, latest_backup, restore_date_time, use_latest_restorable_time (got none)"),
        ({"source_table_name": T, "target_table_name": T + "-x", "latest_backup": True, "restore_date_time": "2h"},
         "one of backup_arn, latest_backup, restore_date_time, use_latest_restorable_time (got latest_backup, "
         "restore_date_time)"),
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
         "source_table_name: source table bi-no-such-table not found"),
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
        ({"table_name": "bi-no-such-table"}, "table_name: table bi-no-such-table not found"),
    ]
    bv = [
        ({}, "nothing to verify: give at least one of dynamodb, s3, rds, postgres"),
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
        ({"queue_name_prefix": ""}, "queue_name_prefix: an empty prefix would select every queue of the account"),
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
        ({"queue": "bi-no-such-queue"}, "queue: queue bi-no-such-queue not found"),
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
        ({"queue": Q, "destination": "bi-no-such-queue"}, "destination: queue bi-no-such-queue not found"),
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
        ({"function_name": "bi-no-such-fn", "reserved_concurrency": 1},
         "function_name: function bi-no-such-fn not found"),
    ]
    so = [
        ({"bucket": BUCKET, "key": "a\x00b"}, "key: "),
        ({"bucket": BUCKET, "key": "k" * 1025}, "key: "),
        ({"bucket": BUCKET, "key": ""}, "key: "),
        ({"bucket": "Bad_Bucket", "key": "a"}, "bucket: 'Bad_Bucket'"),
        ({"bucket": "ab", "key": "a"}, "bucket: 'ab'"),
        ({"bucket": "bi-no-such-bucket", "key": "a"}, "bucket: bucket bi-no-such-bucket not found"),
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
        ({"log_group_names": ["/bi/no-such-group"]}, "1 log group(s) not found: /bi/no-such-group"),
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
    ab = [
        ({"table": T, "key": "k", "limit": -1, "claims": ["a"]}, "limit: -1 is out of range"),
        ({"table": T, "key": "k", "limit": "many", "claims": ["a"]}, "argument 'limit' is of type str"),
        ({"table": T, "key": " ", "limit": 1, "claims": ["a"]}, "key: must not be empty"),
        ({"table": T, "key": "k", "limit": 1, "claims": ["a", ""]}, "claims: an empty claim id"),
        ({"table": T, "key": "k", "limit": 1, "claims": ["a"], "window": "soon"}, "window: 'soon' is not a duration"),
        ({"table": T, "key": "k", "limit": 1, "claims": ["a"], "window": "30d"}, "window: 2592000 is out of range"),
        ({"table": T, "key": "k", "limit": 1, "claims": ["a"], "window": "0s"}, "window: 0 is out of range"),
        ({"table": T, "path": "/tmp/bi-claims.json", "key": "k", "limit": 1, "claims": ["a"]},
         "parameters are mutually exclusive: table|path"),
        ({"key": "k", "limit": 1, "claims": ["a"]}, "one of the following is required: table, path"),
        ({"path": "/bi/no/such/dir/claims.json", "key": "k", "limit": 1, "claims": ["a"]},
         "path: directory /bi/no/such/dir does not exist"),
        ({"table": "x; rm -rf /", "key": "k", "limit": 1, "claims": ["a"]},
         "table: 'x; rm -rf /' is not a valid DynamoDB table name"),
        ({"table": "bi-no-such-table", "key": "k", "limit": 1, "claims": ["a"]}, "table: bi-no-such-table not found"),
        ({"table": T, "key": "k", "limit": 1, "claims": ["a"]},  # a table made for something else (key pk)
         "table: {table} refused the key (its partition key must be the string id)"),
        ({"table": T, "key": "k" * 3000, "limit": 1, "claims": ["a"]},
         "key: 3000 bytes is longer than a DynamoDB partition key may be (2048)"),
        ({"table": T, "key": "k", "limit": 1}, "missing required arguments: claims"),
    ]
    alarm = {"alarm": {"name": "ai-investment-score-errors", "state": "ALARM"}}
    catalogue = [{"alarm": "ai-investment-*", "kind": "lambda", "procedure": "incident"}]
    av = [
        ({"event": alarm, "catalogue": catalogue, "account_id": "12345"}, "account_id: 12345 is not a 12-digit"),
        ({"event": alarm, "catalogue": catalogue, "account_id": "$(id)"}, "account_id: $(id) is not a 12-digit"),
        ({"event": alarm, "catalogue": catalogue}, "missing required arguments: account_id"),
        ({"event": {}, "catalogue": catalogue, "account_id": ACCOUNT}, "event: no alarm in the event"),
        ({"event": {"alarm": {"name": "x"}}, "catalogue": catalogue, "account_id": ACCOUNT},
         "event: event.alarm.state is missing"),
        ({"event": {"alarm": {"name": "x", "state": "PANIC"}}, "catalogue": catalogue, "account_id": ACCOUNT},
         "event: event.alarm.state PANIC is not one of"),
        ({"event": "notadict", "catalogue": catalogue, "account_id": ACCOUNT}, "argument 'event' is of type str"),
        ({"event": alarm, "catalogue": [dict(catalogue[0], procedure="reboot")], "account_id": ACCOUNT},
         "catalogue[0].procedure must be one of"),
        ({"event": alarm, "catalogue": [{"kind": "lambda", "procedure": "incident"}], "account_id": ACCOUNT},
         "catalogue[0].alarm is required"),
        ({"event": alarm, "catalogue": [dict(catalogue[0], functions="f")], "account_id": ACCOUNT},
         "catalogue[0].functions must be a list of strings"),
        ({"event": alarm, "catalogue": ["x"], "account_id": ACCOUNT}, "Elements value for option 'catalogue'"),
        ({"event": alarm, "catalogue": catalogue, "account_id": ACCOUNT, "procedures": ["reboot"]},
         "value of procedures must be one or more of"),
    ]
    cu = [
        ({"budget": 0}, "budget: 0.0 is out of range"),
        ({"budget": -5}, "budget: -5.0 is out of range"),
        ({"budget": "nan"}, "budget: nan is not a finite number"),
        ({"budget": "lots"}, "argument 'budget' is of type str"),
        ({"budget": 100, "warn_percent": 0}, "warn_percent: 0.0 is out of range"),
        ({"budget": 100, "warn_percent": 90, "fail_percent": 80}, "fail_percent: 80.0 is out of range (90.0 to 1000)"),
        ({"budget": 100, "fail_percent": "inf"}, "fail_percent: inf is not a finite number"),
        ({"history_months": 13}, "history_months: 13 is out of range"),
        ({"history_months": 0}, "history_months: 0 is out of range"),
        ({"top": 0}, "top: 0 is out of range"),
        ({"top": 500}, "top: 500 is out of range"),
        ({"metric": "Cheap"}, "value of metric must be one of"),
        ({"fail_on": "sometimes"}, "value of fail_on must be one of"),
    ]
    pg = {"pg": True}
    cc = [
        ({"dynamodb_tables": [T], "max_latency_ms": 0}, "max_latency_ms: 0 is out of range"),
        ({"dynamodb_tables": [T], "max_latency_ms": -1}, "max_latency_ms: -1 is out of range"),
        ({"dynamodb_tables": [T], "max_latency_ms": "fast"}, "argument 'max_latency_ms' is of type str"),
        ({"dynamodb_tables": [T, "x y"]}, "dynamodb_tables[1]: 'x y' is not a valid DynamoDB table name"),
        ({"dynamodb_tables": [T], "fail_on": "x"}, "value of fail_on must be one of"),
        ({"postgres_database": "postgres", "connect_timeout": 0}, "connect_timeout: 0 is out of range", pg),
        ({"postgres_database": "postgres", "connect_timeout": 100000}, "connect_timeout: 100000 is out of range", pg),
        ({"postgres_database": "postgres", "ssl_mode": "verify-full"}, "ca_cert: ssl_mode=verify-full checks", pg),
        ({"postgres_database": "postgres", "ssl_mode": "sometimes"}, "value of ssl_mode must be one of", pg),
        ({"postgres_database": "postgres", "ca_cert": "/bi/no/such/ca.pem"}, "ca_cert: /bi/no/such/ca.pem is not a file",
         pg),
        ({"postgres_database": "postgres", "login_port": "fivefour"}, "argument 'login_port' is of type str", pg),
    ]
    plain_pg = {"pg": True, "aws": False}
    restore = {"name": "bi_restore", "dump": "/bi/no/such.dump"}
    dbr = [
        (dict(restore, name="postgres"), "name: postgres is not a database to restore into"),
        (dict(restore, name="ops_verify_bi"), "name: ops_verify_bi is not a database to restore into"),
        (dict(restore, name="x" * 64), "name: '%s' is not a PostgreSQL database name" % ("x" * 64)),
        (dict(restore, name="a\x00b"), "name: 'a\\x00b' is not a PostgreSQL database name"),
        (dict(restore, name=""), "name: '' is not a PostgreSQL database name"),
        (restore, "dump: /bi/no/such.dump not found"),
        (dict(restore, dump="/dev/null"), "dump: /dev/null is not a regular file or a directory"),
        (dict(restore, jobs=0), "jobs: 0 is out of range"),
        (dict(restore, jobs=65), "jobs: 65 is out of range"),
        (dict(restore, restore_timeout=-1), "restore_timeout: -1 is out of range"),
        (dict(restore, min_rows={"users": -1}), "min_rows.users: -1 is not a whole number"),
        (dict(restore, min_rows={"users": "{{ 7*7 }}"}), "min_rows.users: '{{ 7*7 }}' is not a whole number"),
        (dict(restore, ssl_mode="verify-ca"), "ca_cert: ssl_mode=verify-ca checks"),
        (dict(restore, connect_timeout=0), "connect_timeout: 0 is out of range"),
        ({"name": "bi_restore"}, "missing required arguments: dump"),
    ]
    dbr = [(args, fragment, plain_pg) for args, fragment in dbr]
    bm = [
        ({"table_name": T, "billing_mode": "FREE"}, "value of billing_mode must be one of"),
        ({"table_name": T, "billing_mode": "PROVISIONED"}, "read_capacity: required with billing_mode=PROVISIONED"),
        ({"table_name": T, "billing_mode": "PROVISIONED", "read_capacity": 5}, "write_capacity: required with"),
        ({"table_name": T, "billing_mode": "PROVISIONED", "read_capacity": 0, "write_capacity": 1},
         "read_capacity: 0 is out of range"),
        ({"table_name": T, "billing_mode": "PROVISIONED", "read_capacity": 5, "write_capacity": -1},
         "write_capacity: -1 is out of range"),
        ({"table_name": T, "billing_mode": "PAY_PER_REQUEST", "read_capacity": 5},
         "read_capacity, write_capacity: only with billing_mode=PROVISIONED"),
        ({"table_name": T, "billing_mode": "PAY_PER_REQUEST", "wait_timeout": -1}, "wait_timeout: -1 is out of range"),
        ({"table_name": "bi-no-such-table", "billing_mode": "PAY_PER_REQUEST"},
         "table_name: table bi-no-such-table not found"),
        ({"table_name": "{{ lookup('pipe', 'id') }}", "billing_mode": "PAY_PER_REQUEST"},
         "table_name: \"{{ lookup('pipe', 'id') }}\" is not a valid DynamoDB table name"),
        ({"billing_mode": "PAY_PER_REQUEST"}, "missing required arguments: table_name"),
    ]
    ds = [
        ({"tables": []}, "tables: name at least one"),
        ({"tables": [T], "concurrency": 0}, "concurrency: 0 is out of range (1 to 32)"),
        ({"tables": [T], "concurrency": 1000}, "concurrency: 1000 is out of range (1 to 32)"),
        ({"tables": ["t" * 256]}, "tables[0]: '%s' is not a valid DynamoDB table name" % ("t" * 256)),
        ({"tables": [T, "x\x00y"]}, "tables[1]: 'x\\x00y' is not a valid DynamoDB table name"),
        ({"tables": [T], "fail_on": "sometimes"}, "value of fail_on must be one of"),
        ({"tables": [T], "pitr": "perhaps"}, "argument 'pitr' is of type str"),
        ({}, "missing required arguments: tables"),
    ]
    tt = [
        ({"table_name": T, "attribute_name": "expires", "wait_timeout": -1}, "wait_timeout: -1 is out of range"),
        ({"table_name": T, "attribute_name": "other"}, "attribute_name: TTL of {table} is on expires, not other"),
        ({"table_name": T, "attribute_name": "a" * 300}, "attribute_name: TTL of {table} is on expires, not aaaa"),
        ({"table_name": "bi-no-such-table", "attribute_name": "expires"}, "table_name: table bi-no-such-table not found"),
        ({"table_name": "t/../x", "attribute_name": "expires"}, "table_name: 't/../x' is not a valid DynamoDB table"),
        ({"table_name": T, "attribute_name": "expires", "enabled": "perhaps"}, "argument 'enabled' is of type str"),
        ({"table_name": T}, "missing required arguments: attribute_name"),
    ]
    ir = [
        ({"table": T, "key": ""}, "key: must not be empty"),
        ({"table": T, "key": "k" * 3000}, "key: 3000 bytes is longer than a DynamoDB partition key may be (2048)"),
        ({"table": T, "key": "k", "state": "present", "record": {"a": 1}, "revision": -1},
         "revision: -1 is out of range"),
        ({"table": T, "key": "k", "wait_timeout": -1}, "wait_timeout: -1 is out of range"),
        ({"table": T, "key": "k", "state": "present", "claim": " "}, "claim: must not be empty"),
        ({"table": T, "key": "k", "state": "present", "claim": "a", "release": "b"},
         "parameters are mutually exclusive: claim|release"),
        ({"table": T, "key": "k", "state": "gone"}, "value of state must be one of"),
        ({"table": T, "key": "k", "state": "present"},
         "state is present but any of the following are missing: record, claim, release"),
        ({"table": T, "key": "k", "on_conflict": "ignore"}, "value of on_conflict must be one of"),
        ({"table": "a b", "key": "k"}, "table: 'a b' is not a valid DynamoDB table name"),
        ({"table": "bi-no-such-table", "key": "k"}, "table: bi-no-such-table not found"),
        ({"table": T, "key": "k", "state": "present", "record": {"a": 1}},  # a table made for something else
         "table: {table} refused the key (its partition key must be the string id)"),
        ({"key": "k"}, "missing required arguments: table"),
    ]
    lcf = [
        ({"function_name": F, "timeout": 0}, "timeout: 0 is out of range (1 to 900 seconds)"),
        ({"function_name": F, "timeout": 901}, "timeout: 901 is out of range (1 to 900 seconds)"),
        ({"function_name": F, "timeout": "long"}, "argument 'timeout' is of type str"),
        ({"function_name": F, "memory_size": 64}, "memory_size: 64 is out of range (128 to 10240 MB)"),
        ({"function_name": F, "memory_size": 20000}, "memory_size: 20000 is out of range (128 to 10240 MB)"),
        ({"function_name": F, "environment": {"1BAD": "x"}}, "environment: '1BAD' is not a variable name"),
        ({"function_name": F, "environment": {"A-B; rm": "x"}}, "environment: 'A-B; rm' is not a variable name"),
        ({"function_name": F, "environment": {"TABLE_NAME": "x"}, "remove_environment": ["TABLE_NAME"]},
         "remove_environment: TABLE_NAME also in environment"),
        ({"function_name": F}, "timeout, memory_size, environment, remove_environment: give at least one change"),
        ({"function_name": F, "timeout": 60, "health_check": {"alarms": ["a"]}}, "health_check: needs alias"),
        ({"function_name": F, "timeout": 60, "wait_timeout": -1}, "wait_timeout: -1 is negative"),
        ({"function_name": "bi-no-such-fn", "timeout": 60}, "function_name: function bi-no-such-fn not found"),
        ({"function_name": F, "timeout": 60, "alias": "nope"}, "alias: alias nope of function"),
        ({"function_name": "fn:{{ 7*7 }}", "timeout": 60}, "function_name: 'fn:{{ 7*7 }}' is not a valid Lambda"),
        ({"timeout": 60}, "missing required arguments: function_name"),
    ]
    lst = [
        ({"functions": []}, "functions: name at least one"),
        ({"functions": [F], "concurrency": 0}, "concurrency: 0 is out of range (1 to 32)"),
        ({"functions": ["f" * 65]}, "functions[0]: '%s' is not a valid Lambda function name" % ("f" * 65)),
        ({"functions": [F, "$(reboot)"]}, "functions[1]: '$(reboot)' is not a valid Lambda function name"),
        ({"functions": [F], "fail_on": "x"}, "value of fail_on must be one of"),
        ({}, "missing required arguments: functions"),
    ]
    lu = [
        ({"functions": []}, "functions: name at least one"),
        ({"functions": [F], "window": "forever"}, "window: 'forever' is not a duration"),
        ({"functions": [F], "window": "-1d"}, "window: '-1d' is negative"),
        ({"functions": [F], "max_lines": 0}, "max_lines: 0 is out of range"),
        ({"functions": [F], "max_lines": 10000000}, "max_lines: 10000000 is out of range"),
        ({"functions": [F], "concurrency": 99}, "concurrency: 99 is out of range (1 to 32)"),
        ({"functions": ["a b"]}, "functions[0]: 'a b' is not a valid Lambda function name"),
    ]
    L = "{log_prefix}"  # noqa: N806
    lrt = [
        ({"rules": []}, "rules: give at least one {prefix, days}"),
        ({"rules": [{"prefix": "", "days": 7}]}, "rules.prefix: must not be empty"),
        ({"rules": [{"prefix": L, "days": 8}]}, "rules.days: 8 for {log_prefix} is not a retention CloudWatch accepts"),
        ({"rules": [{"prefix": L, "days": -1}]}, "rules.days: -1 for {log_prefix} is not a retention"),
        ({"rules": [{"prefix": L, "days": 0}]}, "rules.days: 0 for {log_prefix} is not a retention"),
        ({"rules": [{"prefix": L, "days": 30}, {"prefix": L + "/jobs", "days": 4000}]},
         "rules.days: 4000 for {log_prefix}/jobs is not a retention"),
        ({"rules": [{"prefix": L}]}, "missing required arguments: days found in rules"),
        ({"rules": [{"days": 7}]}, "missing required arguments: prefix found in rules"),
        ({"rules": [{"prefix": L, "days": "week"}]}, "argument 'days' is of type str found in 'rules'"),
        ({"rules": [{"prefix": L, "days": 7}], "allow_shorten": "maybe"}, "argument 'allow_shorten' is of type str"),
        ({"rules": [{"prefix": L, "days": 7, "bogus": 1}]}, "rules.bogus"),
        ({}, "missing required arguments: rules"),
    ]
    M = {"namespace": "AWS/Lambda", "metric_name": "Errors"}  # noqa: N806
    ms = [
        ({"metrics": []}, "metrics: give at least one metric family"),
        ({"metrics": [M], "period": "90s"}, "period: 90s is not a multiple of 60 seconds"),
        ({"metrics": [M], "period": "0"}, "period: 0 is not a multiple of 60 seconds"),
        ({"metrics": [M], "period": "soon"}, "period: 'soon' is not a duration"),
        ({"metrics": [M], "window": "1h", "period": "1d"}, "window: 1h must be a multiple of 60 seconds and at least"),
        ({"metrics": [M], "window": "90d"}, "window: 90d is longer than 63d"),
        ({"metrics": [M], "window": "-7d"}, "window: '-7d' is negative"),
        ({"metrics": [dict(M, namespace="bad ns{{x}}")]}, "metrics[0].namespace: 'bad ns{{x}}' is not a CloudWatch"),
        ({"metrics": [dict(M, statistics=[])]}, "metrics[0].statistics: give at least one statistic"),
        ({"metrics": [dict(M, statistics=["Median"])]}, "metrics[0].statistics: 'Median' is not a statistic"),
        ({"metrics": [dict(M, resources=["f"])]}, "metrics[0].resources: name the dimension"),
        ({"metrics": [dict(M, label="x"), dict(M, label="x")]}, "metrics[1].label: 'x' is used twice"),
        ({"metrics": [{"namespace": "AWS/Lambda"}]}, "missing required arguments: metric_name found in metrics"),
    ]
    P = "{path}"  # noqa: N806
    imp = {"action": "import", "path": P, "bucket": B}
    psb = [
        ({"action": "export", "path": P, "bucket": B, "key": "bi/k.json"},
         "action is export but all of the following are missing: kms_key_id"),
        ({"action": "sync", "path": P, "bucket": B, "key": "bi/k.json"}, "value of action must be one of"),
        (dict(imp, path="bi-relative", key="bi/k.json"), "path: 'bi-relative' must start with /"),
        (dict(imp, bucket="Bad Bucket!", key="bi/k.json"), "bucket: 'Bad Bucket!' is not a valid S3 bucket name"),
        (dict(imp, bucket="bi-no-such-bucket", key="bi/k.json"), "bucket: bi-no-such-bucket not found"),
        ({"action": "export", "path": P, "bucket": "bi-no-such-bucket", "key": "bi/k.json", "kms_key_id": "alias/x"},
         "bucket: bi-no-such-bucket not found"),
        (dict(imp, key="bi/never.json"), "key: no export at s3://{bucket}/bi/never.json"),
        (dict(imp, key="bi/not-an-export.json"), "key: s3://{bucket}/bi/not-an-export.json is not an export"),
        (dict(imp, key="bi/outside.json"), "path: the export holds parameters outside {path} (/elsewhere/x); refused"),
        (dict(imp, key=""), "key: must not be empty"),
        (imp, "missing required arguments: key"),
    ]
    sac = [
        ({"bucket": B, "role_name": "x", "actions": []}, "actions: give at least one S3 action"),
        ({"bucket": B, "role_name": "x", "actions": ["ec2:RunInstances"]}, "actions: 'ec2:RunInstances' is not an S3"),
        ({"bucket": "bi-no-such-bucket", "role_name": "x"}, "bucket: bi-no-such-bucket not found"),
        ({"bucket": "Bad Bucket!", "role_name": "x"}, "bucket: 'Bad Bucket!' is not a valid S3 bucket name"),
        ({"bucket": B, "role_name": "bi-no-such-role"}, "role_name: role bi-no-such-role not found"),
        ({"bucket": B, "role_name": ""}, "role_name: must not be empty"),
        ({"bucket": B}, "missing required arguments: role_name"),
        ({"bucket": B, "role_name": "x", "fail_on": "warn"}, "value of fail_on must be one of"),
    ]
    s3s = [
        ({"buckets": []}, "buckets: name at least one"),
        ({"buckets": [B], "concurrency": -1}, "concurrency: -1 is out of range (1 to 32)"),
        ({"buckets": ["ab"]}, "buckets[0]: 'ab' is not a valid S3 bucket name"),
        ({"buckets": [B, "x;y"]}, "buckets[1]: 'x;y' is not a valid S3 bucket name"),
        ({"buckets": ["b" * 300]}, "buckets[0]: '%s' is not a valid S3 bucket name" % ("b" * 300)),
        ({"buckets": [B], "details": "lots"}, "argument 'details' is of type str"),
        ({}, "missing required arguments: buckets"),
    ]
    new = "bi-new-value-1"
    sr = [
        ({"secret_id": S, "value": new, "wait_timeout": -1}, "wait_timeout: -1 is out of range"),
        ({"secret_id": S, "parameter_name": P + "/db/password", "value": new},
         "parameters are mutually exclusive: secret_id|parameter_name"),
        ({"secret_id": S, "value": new, "generate": {"length": 16}}, "parameters are mutually exclusive: value|generate"),
        ({"value": new}, "one of the following is required: secret_id, parameter_name"),
        ({"secret_id": S}, "one of the following is required: value, generate"),
        ({"secret_id": S, "value": ""}, "value: must not be empty"),
        ({"secret_id": S, "generate": {"length": 4}}, "generate.length: 4 is out of range (8 to 4096)"),
        ({"secret_id": S, "generate": {"length": 100000}}, "generate.length: 100000 is out of range (8 to 4096)"),
        ({"secret_id": S, "generate": {"exclude_characters": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                                       "exclude_punctuation": True}},
         "generate.exclude_characters: leaves fewer than 10 characters"),
        ({"secret_id": "bi-no-such-secret", "value": new}, "secret_id: secret bi-no-such-secret not found"),
        ({"parameter_name": P + "/no-such", "value": new}, "parameter_name: parameter {path}/no-such not found"),
        ({"parameter_name": P + "/plain", "value": new}, "parameter_name: {path}/plain is a String, not a SecureString"),
        ({"secret_id": S + "-text", "json_key": "api_key", "value": new},
         "json_key: the current value is not a JSON object"),
        ({"secret_id": S, "value": new, "refresh_functions": ["bad name!"]},
         "refresh_functions[0]: 'bad name!' is not a valid Lambda function name"),
    ]
    disc = [
        ({}, "stacks, tags, name_prefixes: give at least one source"),
        ({"stacks": [""]}, "stacks: an empty name discovers nothing"),
        ({"name_prefixes": ["  "]}, "name_prefixes: an empty name"),
        ({"tags": {"a": {"b": 1}}, "stacks": ["s"]}, "tags: 'a': a tag is a key with a value"),
        ({"tags": {"": "x"}}, "tags: '': a tag is a key with a value"),
        ({"stacks": ["s"], "kinds": []}, "kinds: name at least one kind"),
        ({"stacks": ["s"], "kinds": ["lambdas"]}, "value of kinds must be one or more of"),
        ({"stacks": ["s"], "concurrency": 0}, "concurrency: 0 is out of range"),
        ({"stacks": ["s"], "concurrency": 33}, "concurrency: 33 is out of range"),
        ({"stacks": ["s"], "fail_on": "maybe"}, "value of fail_on must be one of"),
    ]
    sa = [
        ({"access_key_max_age": "forever"}, "access_key_max_age: 'forever' is not a duration"),
        ({"access_key_max_age": "-1d"}, "access_key_max_age: '-1d' is negative"),
        ({"cloudtrail_window": "soon"}, "cloudtrail_window: 'soon' is not a duration"),
        ({"postgres_allowed_clients": ["10.0.0.0/33"]}, "postgres_allowed_clients: '10.0.0.0/33' does not appear"),
        ({"postgres_allowed_clients": ["; rm -rf /"]}, "postgres_allowed_clients: '; rm -rf /' does not appear"),
        ({"buckets": [{"bucket": "x"}]}, "buckets[0].bucket: 'x' is not a valid S3 bucket name"),
        ({"buckets": [{"kms_key_id": "k"}]}, "missing required arguments: bucket found in buckets"),
        ({"buckets": [{"bucket": "bi-no-such-bucket"}]}, "buckets: bucket bi-no-such-bucket not found"),
        ({"tables": ["{{ evil }}"]}, "tables[0]: '{{ evil }}' is not a valid DynamoDB table name"),
        ({"roles": [{"allowed_policies": []}]}, "missing required arguments: role_name found in roles"),
        ({"fail_on": "maybe"}, "value of fail_on must be one of"),
        ({"postgres_database": "postgres", "connect_timeout": 0}, "connect_timeout: 0 is out of range", pg),
    ]
    rep_ok = {"bucket": "{bucket}", "destination_bucket": "bi-replica", "role_arn": "arn:aws:iam::123456789012:role/r"}
    rep = [
        (dict(rep_ok, bucket="a/b"), "bucket: 'a/b' is no bucket name"),
        (dict(rep_ok, destination_bucket="arn:aws:s3:::"), "destination_bucket: 'arn:aws:s3:::' is no bucket name"),
        (dict(rep_ok, destination_bucket="{bucket}"), "destination_bucket: {bucket} is the bucket itself"),
        (dict(rep_ok, role_arn="r"), "role_arn: 'r' is no IAM role ARN"),
        (dict(rep_ok, rule_id=""), "rule_id: give an id of 1 to 255 characters"),
        (dict(rep_ok, storage_class="COLD"), "value of storage_class must be one of"),
        (dict(rep_ok, bucket="bi-no-such-bucket"), "NoSuchBucket"),
    ]
    xr_ok = {"function_name": "{function}", "queries": ["fault"]}
    xr = [
        (dict(xr_ok, function_name="a b"), "function_name: 'a b' is no Lambda function name"),
        (dict(xr_ok, queries=[]), "queries: name at least one of slow, fault, cold_start"),
        (dict(xr_ok, queries=["latency"]), "value of queries must be one or more of"),
        (dict(xr_ok, queries=["slow"]), "min_response_time: give the seconds from which a trace is slow"),
        (dict(xr_ok, window="2d"), "window: 172800.0 is out of range (1 to 86400 seconds)"),
        (dict(xr_ok, max_traces=0), "max_traces: 0 is out of range"),
        (dict(xr_ok, top=-1), "top: -1 is out of range"),
        (dict(xr_ok, function_name="bi-no-such-function"), "function bi-no-such-function not found"),
    ]
    cb_ok = {"budget_name": "bi-budget", "limit": 100, "sns_topic_arn": "arn:aws:sns:us-east-1:123456789012:t"}
    cb = [
        (dict(cb_ok, budget_name="a:b"), "budget_name: 'a:b' is no budget name"),
        (dict(cb_ok, limit=0), "limit: 0.0 is out of range"),
        (dict(cb_ok, alert_percents=[]), "alert_percents: give at least one percentage"),
        (dict(cb_ok, alert_percents=[80, -1]), "alert_percents: -1.0 is out of range"),
        (dict(cb_ok, sns_topic_arn="my-topic"), "sns_topic_arn: 'my-topic' is no SNS topic ARN"),
        ({"budget_name": "b", "limit": 1}, "sns_topic_arn: give the topic (or emails) the alerts go to"),
        (dict(cb_ok, emails=["not-an-address"]), "emails: 'not-an-address' is no email address"),
        (dict(cb_ok, fail_on="maybe"), "value of fail_on must be one of"),
    ]
    ecs_ok = {"cluster": "bi-cluster", "service": "bi-ws", "desired_count": 2}
    ecs = [
        (dict(ecs_ok, cluster=""), "cluster: give the cluster's name"),
        (dict(ecs_ok, service=""), "service: give the service's name"),
        ({"cluster": "c", "service": "s"}, "force_new_deployment: give force_new_deployment: true or a desired_count"),
        (dict(ecs_ok, desired_count=-1), "desired_count: -1 is out of range"),
        (dict(ecs_ok, min_interval="soon"), "min_interval: 'soon' is not a duration"),
        (dict(ecs_ok, wait_timeout=-5), "wait_timeout: -5 is out of range"),
        (dict(ecs_ok, poll_interval=0), "poll_interval: 0 is out of range"),
        (dict(ecs_ok, cluster="bi-no-such-cluster"), "ClusterNotFound"),
    ]
    ce_ok = {"function_name": "{function}", "alias": "live", "destination": "{bucket}"}
    ce = [
        (dict(ce_ok, function_name=""), "function_name: give the function"),
        (dict(ce_ok, versions=["1"]), "alias: give either alias or versions"),
        ({"function_name": "{function}", "destination": "{bucket}"}, "alias: give either alias or versions"),
        ({"function_name": "{function}", "versions": ["v1"], "destination": "{bucket}"},
         "versions: 'v1' is no version (a published number or $LATEST)"),
        (dict(ce_ok, destination="s3://b"), "destination: give a bucket name ('s3://b' is none)"),
        (dict(ce_ok, kms_key_id=""), "kms_key_id: give a key, or leave it out for SSE-S3"),
        (dict(ce_ok, wait_timeout=0), "wait_timeout: 0 is out of range"),
        (dict(ce_ok, alias="no-such-alias"), "alias no-such-alias of function {function} not found"),
        (dict(ce_ok, fail_on="maybe"), "value of fail_on must be one of"),
    ]
    sync_ok = {"source": "{bucket}", "destination": "bi-sync-backup"}
    sync = [
        (dict(sync_ok, source=""), "source: give a bucket name ('' is none)"),
        (dict(sync_ok, destination="s3://x/y"), "destination: give a bucket name ('s3://x/y' is none)"),
        (dict(sync_ok, destination="{bucket}"), "destination: {bucket} is the source itself"),
        (dict(sync_ok, concurrency=0), "concurrency: 0 is out of range"),
        (dict(sync_ok, wait_timeout=0), "wait_timeout: 0 is out of range"),
        (dict(sync_ok, max_listed=-1), "max_listed: -1 is out of range"),
        (dict(sync_ok, destination="bi-no-such-bucket"), "NoSuchBucket"),
        (dict(sync_ok, fail_on="maybe"), "value of fail_on must be one of"),
    ]
    le_ok = {"log_group_names": ["/aws/lambda/x"], "destination": "b", "destination_prefix": "p", "start_time": "1h"}
    le = [
        (dict(le_ok, log_group_names=[]), "log_group_names: give at least one log group"),
        (dict(le_ok, log_group_names=["/a", "/a"]), "log_group_names: /a is given twice"),
        (dict(le_ok, log_group_names=["/a", "/aws/lambda/x;touch /tmp/le"]),
         "log_group_names: '/aws/lambda/x;touch /tmp/le' is no log group name"),
        (dict(le_ok, destination_prefix="/"), "destination_prefix: give a key prefix"),
        (dict(le_ok, start_time="yesterday"), "start_time: 'yesterday' is neither an ISO 8601 timestamp"),
        (dict(le_ok, start_time="2026-12-07T10:00:00Z", end_time="2026-12-07T09:00:00Z"),
         "start_time: 2026-12-07T10:00:00Z is not before end_time 2026-12-07T09:00:00Z"),
        (dict(le_ok, wait_timeout=-1), "wait_timeout: -1 is out of range"),
        (dict(le_ok, poll_interval=0), "poll_interval: 0 is out of range"),
        (dict(le_ok, fail_on="maybe"), "value of fail_on must be one of"),
    ]
    for module, cases in (("log_export", le), ("lambda_rollback", lr), ("dynamodb_restore", dr), ("dynamodb_backup", db),
                          ("backup_verify", bv), ("queue_depth", qd), ("sqs_redrive", rd), ("lambda_concurrency", lc),
                          ("s3_object_restore", so), ("metric_check", mc), ("log_search", ls), ("http_check", hc),
                          ("action_budget", ab), ("alarm_verify", av), ("cost_usage", cu), ("connectivity_check", cc),
                          ("database_restore", dbr), ("dynamodb_billing_mode", bm), ("dynamodb_status", ds),
                          ("dynamodb_ttl_state", tt), ("incident_record", ir), ("lambda_config", lcf),
                          ("lambda_state", lst), ("lambda_usage", lu), ("log_retention", lrt), ("metric_series", ms),
                          ("parameter_store_backup", psb), ("s3_access_check", sac), ("s3_status", s3s),
                          ("secret_rotate", sr), ("security_audit", sa), ("resource_discovery", disc),
                          ("s3_bucket_sync", sync), ("lambda_code_export", ce),
                          ("ecs_service_redeploy", ecs), ("cost_budget", cb),
                          ("xray_traces", xr), ("s3_replication", rep)):
        for case in cases:
            args, fragment = case[0], case[1]
            options = dict(case[2]) if len(case) > 2 else {}
            if module == "http_check":
                options["aws"] = False
            yield module, args, fragment, options


CASES = list(_cases())
# Modules without cases here, and why (every other module in plugins/modules/ needs MIN_CASES_PER_MODULE).
EXCLUDED = {
    "caller_account": "takes no option of its own (only the AWS connection); an action plugin",
    "warn": "an action plugin printing its one option, msg; no value of it is bad",
    "report_files": "an action plugin (the controller writes the files; run_module cannot run it) - its bad inputs are "
                    "tests/unit/plugins/action/test_report_files.py::test_bad_input_is_named_and_nothing_is_written",
}
MIN_CASES_PER_MODULE = 5
MODULES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "plugins", "modules")


def _fill(value, world):
    """The case's placeholders ({table}, {function}, {bucket}, {path}, {secret}, {log_prefix}) made concrete."""
    if isinstance(value, str):
        for key in ("table", "function", "bucket", "path", "secret", "log_prefix"):
            value = value.replace("{%s}" % key, world[key])
        return value
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    if isinstance(value, dict):
        return dict((_fill(k, world), _fill(v, world)) for k, v in value.items())
    return value


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 250, len(CASES)


def test_every_module_has_bad_inputs():
    modules = sorted(name[:-3] for name in os.listdir(MODULES_DIR) if name.endswith(".py") and name != "__init__.py")
    assert set(EXCLUDED) <= set(modules), sorted(set(EXCLUDED) - set(modules))  # an exclusion of a module gone
    counts = collections.Counter(case[0] for case in CASES)
    assert not set(counts) & set(EXCLUDED), sorted(set(counts) & set(EXCLUDED))
    short = dict((m, counts[m]) for m in modules if m not in EXCLUDED and counts[m] < MIN_CASES_PER_MODULE)
    assert not short, "modules with fewer than %d bad-input cases: %s" % (MIN_CASES_PER_MODULE, short)


def test_the_snapshot_sees_what_the_cases_could_change(sandbox, world):
    """The snapshot covers what it claims (and records an emulator without DynamoDB exports, not skips it)."""
    state = snapshot(sandbox, world)
    tables = state["dynamodb"]
    assert world["table"] in tables["tables"] and world["table"] + "-bk" in tables["backups"]
    assert tables["pitr"] == "ENABLED" and tables["ttl"]["AttributeName"] == "expires" and tables["items"] == 2
    assert isinstance(tables["exports"], list) or tables["exports"].startswith("unsupported: ")
    assert state["function"]["timeout"] == 30 and state["function"]["memory"] == 256
    assert [name for name, _digest in state["function"]["environment"]] == sorted(WORLD_ENV)
    assert all(WORLD_ENV[name] not in digest for name, digest in state["function"]["environment"])  # hashed
    assert len(state["objects world"]) == 2 and all(etag for _k, _v, etag in state["objects world"])
    assert state["queues"] and all(url.rsplit("/", 1)[1].startswith("bi-") for url in state["queues"])
    assert [p[0] for p in state["parameters"]] == [world["path"] + "/db/password", world["path"] + "/plain"]
    assert all(len(versions) == 1 for versions in state["secrets"].values())
    assert state["log_groups"] == [(world["log_prefix"] + "/app", 30), (world["log_prefix"] + "/jobs", 7)]


@pytest.mark.parametrize("module, args, fragment, options", CASES,
                         ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_bad_input_fails_clearly_and_changes_nothing(sandbox, world, run_module, module, args, fragment, options):
    args, fragment = _fill(args, world), _fill(fragment, world)
    if options.get("pg"):
        args = dict({"login_host": "127.0.0.1", "login_port": sandbox.pg_port, "login_user": "postgres",
                     "login_password": ""}, **args)
    before = dict(snapshot(sandbox, world), postgres=_postgres(sandbox) if options.get("pg") else None)
    result = run_module(module, args, aws=options.get("aws", True))
    assert result.get("failed") is True, (module, args, result)
    assert fragment in result["msg"], (fragment, result["msg"])
    assert "Traceback" not in result["msg"], result["msg"]
    assert "exception" not in result, result  # no AWS error passed on: the module named the bad input itself
    assert dict(snapshot(sandbox, world), postgres=_postgres(sandbox) if options.get("pg") else None) == before
