# -*- coding: utf-8 -*-
"""Soak: every mutating AWS module, 10 seeded runs each at 20% faults of every kind on every call (`make soak`).

Not part of `make test`: `make soak` runs it (a few minutes of retries and backoff) and CI runs `make soak` after
`make test`. Every run's end state is checked against what the run should have done (a run that failed, its retries
spent, may have done nothing or all of it - never half, never twice); the last test asserts that faults were
injected into every module's runs; the figures (runs, faults injected, inconsistent end states, messages lost,
duplicates) are printed at the end, for the closing note of a change that touches the plumbing.
"""
from __future__ import annotations

import collections
import json
import os
import sys
import time
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "modules"))

import seed  # noqa: E402  pylint: disable=wrong-import-position
from test_dynamodb_restore import make_table  # noqa: E402  pylint: disable=wrong-import-position
from test_dynamodb_ttl_state import make_table as make_ttl_table  # noqa: E402  pylint: disable=wrong-import-position
from test_lambda_config import make_function as make_configured  # noqa: E402  pylint: disable=wrong-import-position
from test_lambda_rollback import alias  # noqa: E402  pylint: disable=wrong-import-position
from test_lambda_rollback import make_function  # noqa: E402  pylint: disable=wrong-import-position
from test_sqs_redrive import dlq_holding  # noqa: E402  pylint: disable=wrong-import-position
from test_sqs_redrive import drain  # noqa: E402  pylint: disable=wrong-import-position

RUNS = 10
RATE = 0.2
MODULES = ("dynamodb_backup", "lambda_rollback", "dynamodb_restore", "sqs_redrive", "lambda_concurrency", "lambda_config",
           "s3_object_restore", "secret_rotate", "incident_record", "action_budget", "log_retention",
           "dynamodb_ttl_state", "dynamodb_billing_mode", "parameter_store_backup")
INCIDENTS = "ops-runbooks-incidents"
FIGURES = collections.defaultdict(collections.Counter)


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    print("\nsoak figures (rate %.0f%%, %d seeded runs per module):" % (RATE * 100, RUNS))
    for module, figures in sorted(FIGURES.items()):
        print("  %-18s %s" % (module, ", ".join("%s=%d" % kv for kv in sorted(figures.items()))))


def _soak(faults, module, seed_):
    faults.configure(rate=RATE, seed=seed_, budget=None, ops=None)
    FIGURES[module]["runs"] += 1
    return len(faults.faults_injected())


def _count(faults, module, before, consistent):
    FIGURES[module]["faults"] += len(faults.faults_injected()) - before
    FIGURES[module]["inconsistent"] += 0 if consistent else 1
    faults.configure(rate=0)


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_dynamodb_backup(aws, faults, run_module_faulty, seed_):
    ddb = aws("dynamodb")
    table = make_table(ddb, items=1)[0]
    before = _soak(faults, "dynamodb_backup", seed_)
    result = run_module_faulty("dynamodb_backup", {"table_name": table, "force_backup": True, "pitr": "enabled"})
    names = [b["BackupName"] for b in ddb.list_backups(TableName=table)["BackupSummaries"]]
    pitr = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
    # Succeeded: exactly one backup and PITR on. Failed (retries spent): at most one backup, and it says so.
    consistent = (len(names) == 1 and pitr == "ENABLED") if not result.get("failed") else len(names) <= 1
    _count(faults, "dynamodb_backup", before, consistent)
    assert consistent, (result.get("msg"), names, pitr)


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_lambda_rollback(aws, faults, run_module_faulty, seed_):
    lam = aws("lambda")
    name = make_function(lam, versions=3)
    before = _soak(faults, "lambda_rollback", seed_)
    result = run_module_faulty("lambda_rollback", {"function_name": name, "alias": "live"})
    version = alias(lam, name)[0]
    consistent = version == "2" if not result.get("failed") else version in ("2", "3")
    _count(faults, "lambda_rollback", before, consistent)
    assert consistent, (result.get("msg"), version)


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_dynamodb_restore(aws, faults, run_module_faulty, seed_):
    ddb = aws("dynamodb")
    source, arn = make_table(ddb, items=3, backup=True)
    before = _soak(faults, "dynamodb_restore", seed_)
    result = run_module_faulty("dynamodb_restore", {"backup_arn": arn, "target_table_name": source + "-s",
                                                    "verify": {"min_item_count": 3}})
    tables = [t for t in ddb.list_tables()["TableNames"] if t.startswith(source + "-s")]
    consistent = tables == [source + "-s"] if not result.get("failed") else len(tables) <= 1
    _count(faults, "dynamodb_restore", before, consistent)
    assert consistent, (result.get("msg"), tables)


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_sqs_redrive(aws, faults, run_module_faulty, seed_):
    sqs = aws("sqs")
    name, url, dlq_url, sent = dlq_holding(sqs, "soak-", 30)
    before = _soak(faults, "sqs_redrive", seed_)
    result = run_module_faulty("sqs_redrive", {"queue": name + "-dlq", "method": "receive_send",
                                               "visibility_timeout": 2, "wait_timeout": 120})
    faults.configure(rate=0)
    if result.get("failed"):
        time.sleep(2.5)  # messages a failed run left hidden reappear after its visibility timeout (2 s)
    arrived, left = collections.Counter(drain(sqs, url)), collections.Counter(drain(sqs, dlq_url))
    lost = len(set(sent) - set(arrived) - set(left))
    FIGURES["sqs_redrive"]["messages_lost"] += lost
    FIGURES["sqs_redrive"]["duplicates"] += sum(arrived.values()) - len(set(arrived))
    consistent = lost == 0 and (bool(result.get("failed")) or not left)
    _count(faults, "sqs_redrive", before, consistent)
    assert consistent, (result.get("msg"), lost, dict(left))


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_lambda_concurrency(aws, faults, run_module_faulty, seed_):
    lam = aws("lambda")
    name = make_function(lam, versions=1)
    before = _soak(faults, "lambda_concurrency", seed_)
    result = run_module_faulty("lambda_concurrency", {"function_name": name, "reserved_concurrency": 4})
    reserved = lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
    consistent = reserved == 4 if not result.get("failed") else reserved in (None, 4)
    _count(faults, "lambda_concurrency", before, consistent)
    assert consistent, (result.get("msg"), reserved)


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_lambda_config(aws, faults, run_module_faulty, seed_):
    lam = aws("lambda")
    name = make_configured(lam, env={"KEEP": "k"})
    before = _soak(faults, "lambda_config", seed_)
    result = run_module_faulty("lambda_config", {"function_name": name, "timeout": 120, "environment": {"NEW": "n"},
                                                 "alias": "live"})
    served = lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"]
    config = lam.get_function_configuration(FunctionName=name, Qualifier=served)
    variables, timeout = config["Environment"]["Variables"], config["Timeout"]
    new = (timeout, variables) == (120, {"KEEP": "k", "NEW": "n"})
    consistent = new if not result.get("failed") else new or (timeout, variables) == (30, {"KEEP": "k"})
    _count(faults, "lambda_config", before, consistent)
    assert consistent, (result.get("msg"), timeout, sorted(variables))


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_s3_object_restore(aws, faults, run_module_faulty, seed_):
    s3, bucket, key = aws("s3"), "ai-investment-curated-data", "soak/%s.csv" % uuid.uuid4().hex[:8]
    s3.put_object(Bucket=bucket, Key=key, Body=b"the data")
    s3.delete_object(Bucket=bucket, Key=key)
    before = _soak(faults, "s3_object_restore", seed_)
    result = run_module_faulty("s3_object_restore", {"bucket": bucket, "key": key})
    faults.configure(rate=0)
    listed = s3.list_object_versions(Bucket=bucket, Prefix=key)
    versions = [v for v in listed.get("Versions", []) if v["Key"] == key]
    consistent = len(versions) == 2 if not result.get("failed") else len(versions) <= 2
    _count(faults, "s3_object_restore", before, consistent)
    for v in versions + [m for m in listed.get("DeleteMarkers", []) if m["Key"] == key]:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=v["VersionId"])  # the seeded bucket as it was
    assert consistent, (result.get("msg"), len(versions))


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_secret_rotate(aws, faults, run_module_faulty, seed_):
    ssm, name = aws("ssm"), "/soak-rot-%s/key" % uuid.uuid4().hex[:8]
    ssm.put_parameter(Name=name, Value="old-value-1", Type="SecureString", KeyId=seed.KMS_ALIAS)
    before = _soak(faults, "secret_rotate", seed_)
    result = run_module_faulty("secret_rotate", {"parameter_name": name, "value": "new-value-22"})
    history = ssm.get_parameter_history(Name=name, WithDecryption=True)["Parameters"]
    consistent = [h["Value"] for h in history] == ["old-value-1", "new-value-22"] if not result.get("failed") \
        else len(history) <= 2
    _count(faults, "secret_rotate", before, consistent)
    ssm.delete_parameter(Name=name)
    assert consistent, (result.get("msg"), len(history))


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_incident_record(aws, faults, run_module_faulty, seed_):
    ddb, key = aws("dynamodb"), "soak/INC-%s" % uuid.uuid4().hex[:8]
    record = {"id": key, "notified": [], "timeline": []}
    assert not run_module_faulty("incident_record", {"table": INCIDENTS, "key": key, "state": "present",
                                                     "record": record}).get("failed")
    before = _soak(faults, "incident_record", seed_)
    result = run_module_faulty("incident_record", {"table": INCIDENTS, "key": key, "state": "present", "record": record,
                                                   "revision": 1, "claim": "P1"})
    faults.configure(rate=0)
    item = ddb.get_item(TableName=INCIDENTS, Key={"id": {"S": key}})["Item"]
    notified, revision = json.loads(item["record"]["S"])["notified"], int(item["revision"]["N"])
    landed = (notified, revision) == (["P1"], 2)
    consistent = landed and result.get("claimed") is True if not result.get("failed") else \
        landed or (notified, revision) == ([], 1)
    _count(faults, "incident_record", before, consistent)
    ddb.delete_item(TableName=INCIDENTS, Key={"id": {"S": key}})
    assert consistent, (result.get("msg"), notified, revision)


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_action_budget(aws, faults, run_module_faulty, seed_):
    ddb, key = aws("dynamodb"), "soak-%s/alarm-actions" % uuid.uuid4().hex[:6]
    before = _soak(faults, "action_budget", seed_)
    result = run_module_faulty("action_budget", {"table": INCIDENTS, "key": key, "limit": 1, "claims": ["rollback f"]})
    faults.configure(rate=0)
    item = ddb.get_item(TableName=INCIDENTS, Key={"id": {"S": key}}).get("Item")
    claims = [c["id"] for c in json.loads(item["record"]["S"])["claims"]] if item else []
    consistent = claims == ["rollback f"] and result.get("granted") is True if not result.get("failed") else \
        claims in ([], ["rollback f"])
    _count(faults, "action_budget", before, consistent)
    ddb.delete_item(TableName=INCIDENTS, Key={"id": {"S": key}})
    assert consistent, (result.get("msg"), claims)


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_log_retention(aws, faults, run_module_faulty, seed_):
    logs, group = aws("logs"), "/soak-lr-%s/svc" % uuid.uuid4().hex[:8]
    logs.create_log_group(logGroupName=group)
    logs.put_retention_policy(logGroupName=group, retentionInDays=7)
    before = _soak(faults, "log_retention", seed_)
    result = run_module_faulty("log_retention", {"rules": [{"prefix": group, "days": 30}]})
    days = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0].get("retentionInDays")
    consistent = days == 30 if not result.get("failed") else days in (7, 30)
    _count(faults, "log_retention", before, consistent)
    logs.delete_log_group(logGroupName=group)
    assert consistent, (result.get("msg"), days)


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_dynamodb_ttl_state(aws, faults, run_module_faulty, seed_):
    ddb = aws("dynamodb")
    name = make_ttl_table(ddb)
    before = _soak(faults, "dynamodb_ttl_state", seed_)
    result = run_module_faulty("dynamodb_ttl_state", {"table_name": name, "attribute_name": "expires_at"})
    spec = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    state = (spec.get("TimeToLiveStatus"), spec.get("AttributeName"))
    consistent = state == ("ENABLED", "expires_at") if not result.get("failed") else \
        state[0] == "DISABLED" or state == ("ENABLED", "expires_at")
    _count(faults, "dynamodb_ttl_state", before, consistent)
    assert consistent, (result.get("msg"), state)


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_dynamodb_billing_mode(aws, faults, run_module_faulty, seed_):
    ddb, name = aws("dynamodb"), "soak-bm-" + uuid.uuid4().hex[:8]
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    before = _soak(faults, "dynamodb_billing_mode", seed_)
    result = run_module_faulty("dynamodb_billing_mode", {"table_name": name, "billing_mode": "PAY_PER_REQUEST"})
    summary = ddb.describe_table(TableName=name)["Table"].get("BillingModeSummary") or {}
    mode = summary.get("BillingMode", "PROVISIONED")
    consistent = mode == "PAY_PER_REQUEST" if not result.get("failed") else mode in ("PROVISIONED", "PAY_PER_REQUEST")
    _count(faults, "dynamodb_billing_mode", before, consistent)
    assert consistent, (result.get("msg"), mode)


@pytest.mark.parametrize("seed_", range(RUNS))
def test_soak_parameter_store_backup(aws, faults, run_module_faulty, seed_):
    ssm, s3 = aws("ssm"), aws("s3")
    path, bucket = "/soak-psb-%s/" % uuid.uuid4().hex[:8], "soak-psb-" + uuid.uuid4().hex[:8]
    ssm.put_parameter(Name=path + "db/password", Value="s3cret-soak", Type="SecureString", KeyId=seed.KMS_ALIAS)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    export = {"action": "export", "path": path, "bucket": bucket, "key": "p.json", "kms_key_id": seed.KMS_ALIAS}
    assert not run_module_faulty("parameter_store_backup", export).get("failed")
    ssm.put_parameter(Name=path + "db/password", Value="changed", Type="SecureString", KeyId=seed.KMS_ALIAS,
                      Overwrite=True)
    before = _soak(faults, "parameter_store_backup", seed_)
    result = run_module_faulty("parameter_store_backup", {"action": "import", "path": path, "bucket": bucket,
                                                          "key": "p.json"})
    faults.configure(rate=0)
    history = [h["Value"] for h in ssm.get_parameter_history(Name=path + "db/password",
                                                             WithDecryption=True)["Parameters"]]
    restored = history == ["s3cret-soak", "changed", "s3cret-soak"]
    consistent = restored if not result.get("failed") else restored or history == ["s3cret-soak", "changed"]
    _count(faults, "parameter_store_backup", before, consistent)
    ssm.delete_parameter(Name=path + "db/password")
    s3.delete_object(Bucket=bucket, Key="p.json")
    s3.delete_bucket(Bucket=bucket)
    assert consistent, (result.get("msg"), len(history))


def test_soak_injected_faults_into_every_module():
    """Runs last (file order): a soak that injected nothing proved nothing."""
    ran = [m for m in MODULES if FIGURES[m]["runs"]]
    if len(ran) < len(MODULES):
        pytest.skip("not every module's soak ran (a -k selection): %s" % ", ".join(sorted(set(MODULES) - set(ran))))
    assert [m for m in MODULES if FIGURES[m]["faults"] == 0] == []
    assert sum(FIGURES[m]["inconsistent"] for m in MODULES) == 0
