# -*- coding: utf-8 -*-
"""playbooks/maintenance.yml against the sandbox: each task on its own good and bad resources, outcomes read back
from the emulator and PostgreSQL; what deletes or stops something is held back until confirmed."""
from __future__ import annotations

import json
import uuid

import psycopg2
import pytest

pytestmark = pytest.mark.moto_only("DynamoDB and Lambda are not among the services the LocalStack sandbox runs")


def report(proc):
    return json.loads((proc.reports / "maintenance-local.json").read_text())


def by_resource(result, check):
    return dict((c["resource"], c) for c in result["checks"] if c["check"] == check)


def retention(logs, group):
    return logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0].get("retentionInDays")


@pytest.fixture
def groups(sandbox):
    """Three groups under a prefix of their own: 14 days, never expire (a debug group), 60 days."""
    logs, base = sandbox.client("logs"), "/mt-%s/" % uuid.uuid4().hex[:8]
    made = {"app": base + "app", "debug": base + "app-debug-trace", "long": base + "archive"}
    for name in made.values():
        logs.create_log_group(logGroupName=name)
    logs.put_retention_policy(logGroupName=made["app"], retentionInDays=14)
    logs.put_retention_policy(logGroupName=made["long"], retentionInDays=60)
    logs.tag_log_group(logGroupName=made["app"], tags={"team": "ops"})
    rules = [{"prefix": base, "days": 30}, {"prefix": base + "app-debug", "days": 7}]
    return logs, made, rules


def test_log_retention_outside_production_applies_the_longest_prefix_and_keeps_tags(groups, run_playbook):
    logs, made, rules = groups
    proc = run_playbook("playbooks/maintenance.yml", {"maintenance_tasks": ["log_retention"],
                                                      "maintenance_log_retention": rules})
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert retention(logs, made["app"]) == 30 and retention(logs, made["debug"]) == 7
    assert retention(logs, made["long"]) == 30
    assert logs.list_tags_log_group(logGroupName=made["app"])["tags"] == {"team": "ops"}
    checks = by_resource(report(proc), "log retention")
    assert checks[made["app"]]["reason"] == "14 days -> 30 days" and checks[made["debug"]]["reason"] == "never expire -> 7 days"
    again = run_playbook("playbooks/maintenance.yml", {"maintenance_tasks": ["log_retention"],
                                                       "maintenance_log_retention": rules})
    assert again.returncode == 0 and report(again)["changes"] == []
    assert by_resource(report(again), "log retention")[made["long"]]["reason"] == "30 days"


def test_log_retention_in_production_holds_back_what_deletes_logs(groups, run_playbook):
    logs, made, rules = groups
    args = {"maintenance_tasks": ["log_retention"], "maintenance_log_retention": rules, "ops_runbooks_production": True}
    held = run_playbook("playbooks/maintenance.yml", args)
    assert held.returncode == 0, held.stdout[-3000:]
    assert "[WARNING]: held back: local is production (ops_runbooks_production): a shorter log retention" in " ".join(
        (held.stdout + held.stderr).split())
    assert retention(logs, made["app"]) == 30  # lengthening needs no confirmation
    assert retention(logs, made["long"]) == 60 and retention(logs, made["debug"]) is None  # held back
    result = report(held)
    assert sorted(result["held_back"]) == sorted("log retention of " + made[k] for k in ("long", "debug"))
    assert by_resource(result, "log retention")[made["long"]]["status"] == "warn"
    confirmed = run_playbook("playbooks/maintenance.yml", dict(args, ops_runbooks_confirm=True))
    assert confirmed.returncode == 0
    assert retention(logs, made["long"]) == 30 and retention(logs, made["debug"]) == 7


def test_a_check_mode_run_lists_the_changes_and_makes_none(groups, run_playbook):
    logs, made, rules = groups
    proc = run_playbook("playbooks/maintenance.yml", {"maintenance_tasks": ["log_retention"],
                                                      "maintenance_log_retention": rules}, check=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    plan = json.loads((proc.reports / "maintenance-local-plan.json").read_text())
    assert by_resource(plan, "log retention")[made["app"]]["reason"] == "14 days -> 30 days (planned, check mode)"
    assert retention(logs, made["app"]) == 14 and plan["changes"] == []


def test_ttl_enabled_and_disabling_only_when_confirmed(sandbox, run_playbook):
    ddb, name = sandbox.client("dynamodb"), "mt-ttl-" + uuid.uuid4().hex[:6]
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    enable = {"maintenance_tasks": ["ttl"], "maintenance_ttl": {name: {"attribute": "expires_at"}}}
    assert run_playbook("playbooks/maintenance.yml", enable).returncode == 0
    state = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert (state["TimeToLiveStatus"], state["AttributeName"]) == ("ENABLED", "expires_at")
    disable = {"maintenance_tasks": ["ttl"], "maintenance_ttl": {name: {"attribute": "expires_at", "enabled": False}}}
    held = run_playbook("playbooks/maintenance.yml", disable)
    assert held.returncode == 0 and report(held)["held_back"] == ["TTL of " + name]
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
    confirmed = run_playbook("playbooks/maintenance.yml", dict(disable, ops_runbooks_confirm=True))
    assert confirmed.returncode == 0
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"


def test_runtimes_past_their_deprecation_fail_the_report(run_playbook):
    """The seeded functions run python3.11, deprecated on 2026-06-30 (vars/main.yml, from AWS's runtime table)."""
    proc = run_playbook("playbooks/maintenance.yml", {"maintenance_tasks": ["runtimes"]})
    assert proc.returncode != 0 and "check(s) failed" in proc.stdout
    checks = by_resource(report(proc), "runtime")
    assert len(checks) == 6 and all(c["status"] == "fail" for c in checks.values())
    assert checks["ai-investment-score"]["reason"] == "python3.11 deprecated since 2026-06-30"


def _pg(sandbox):
    conn = psycopg2.connect(host="127.0.0.1", port=sandbox.pg_port, user="postgres", dbname="ai_data_readiness")
    conn.autocommit = True
    return conn


def test_postgres_vacuum_bloat_and_reindex_with_confirmation(sandbox, run_playbook):
    table = 'mt_odd"name_%s' % uuid.uuid4().hex[:6]  # a name that needs quoting
    quoted = '"%s"' % table.replace('"', '""')
    conn = _pg(sandbox)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE %s (id int PRIMARY KEY) WITH (autovacuum_enabled = false)" % quoted)
        cur.execute("INSERT INTO %s SELECT generate_series(1, 100)" % quoted)
        cur.execute("DELETE FROM %s WHERE id > 20" % quoted)
        cur.execute("SELECT pg_stat_force_next_flush()")
    args = {"maintenance_tasks": ["postgres"], "maintenance_vacuum_tables": ["public.datasets"],
            "maintenance_reindex_tables": ["public." + table]}
    before = run_playbook("playbooks/maintenance.yml", args)
    assert before.returncode != 0  # 80 dead of 100 rows > 50 %
    bloated = by_resource(report(before), "postgres bloat")["ai_data_readiness/public." + table]
    assert bloated["status"] == "fail" and bloated["reason"].startswith("dead tuples 80.0 % of 100 rows > 50 %")
    assert report(before)["held_back"] == ["REINDEX of public." + table]
    confirmed = run_playbook("playbooks/maintenance.yml", dict(args, ops_runbooks_confirm=True,
                                                               maintenance_vacuum_tables=["public." + table]))
    assert confirmed.returncode == 0, confirmed.stdout[-3000:]
    after = by_resource(report(confirmed), "postgres bloat")["ai_data_readiness/public." + table]
    assert after["status"] == "pass" and after["observed"]["dead"] == 0
    assert report(confirmed)["changes"] == ["reindex public." + table]
    indexes = by_resource(report(confirmed), "postgres index bloat")  # pgstatindex: the sandbox installs pgstattuple
    assert indexes["ai_data_readiness/public.datasets_pkey"]["reason"].startswith("under 1 MB")
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM %s" % quoted)
        assert cur.fetchone()[0] == 20
    conn.close()


def test_secrets_rotate_only_when_confirmed_in_production(sandbox, run_playbook):
    sm, name = sandbox.client("secretsmanager"), "mt-secret-" + uuid.uuid4().hex[:6]
    sm.create_secret(Name=name, SecretString=json.dumps({"api_key": "before-rotation-1"}))
    args = {"maintenance_tasks": ["secrets"], "ops_runbooks_production": True,
            "maintenance_secrets": [{"secret_id": name, "json_key": "api_key", "generate": {"length": 24}}]}
    held = run_playbook("playbooks/maintenance.yml", args)
    assert held.returncode == 0 and report(held)["held_back"] == ["secret rotations"]
    assert json.loads(sm.get_secret_value(SecretId=name)["SecretString"])["api_key"] == "before-rotation-1"
    confirmed = run_playbook("playbooks/maintenance.yml", dict(args, ops_runbooks_confirm=True))
    assert confirmed.returncode == 0, confirmed.stdout[-3000:]
    value = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])["api_key"]
    assert value != "before-rotation-1" and len(value) == 24
    assert value not in confirmed.stdout + confirmed.stderr + json.dumps(report(confirmed))


def test_a_rotation_reaches_what_the_alias_serves(sandbox, run_playbook):
    """FORCE_REFRESH on $LATEST alone leaves the alias live (version 3) on the old secret: the refresh is published
    and the alias moved (lambda_config), FORCE_REFRESH being the rotation's new version."""
    sm, lam, name = sandbox.client("secretsmanager"), sandbox.client("lambda"), "mt-secret-" + uuid.uuid4().hex[:6]
    function = "ai-investment-evaluation"
    sm.create_secret(Name=name, SecretString=json.dumps({"api_key": "before-rotation-2"}))
    try:
        proc = run_playbook("playbooks/maintenance.yml", {"maintenance_tasks": ["secrets"], "maintenance_secrets": [
            {"secret_id": name, "json_key": "api_key", "generate": {"length": 24}, "refresh_functions": [function]}]})
        assert proc.returncode == 0, proc.stdout[-3000:]
        current = [v for v, stages in sm.describe_secret(SecretId=name)["VersionIdsToStages"].items()
                   if "AWSCURRENT" in stages][0]
        served = lam.get_alias(FunctionName=function, Name="live")
        assert served["FunctionVersion"] not in ("1", "2", "3")  # a version published with the refresh
        variables = lam.get_function_configuration(FunctionName=function, Qualifier=served["FunctionVersion"])[
            "Environment"]["Variables"]
        assert variables["FORCE_REFRESH"] == current and variables["TABLE_NAME"] == "ai-investment-signals"
        found = [(f["resource"], f["check"], f["status"]) for f in report(proc)["checks"]]
        assert (function + ":live", "secret refresh", "pass") in found
        assert "refreshed %s:live" % function in report(proc)["changes"]
    finally:
        sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


def test_parameters_exported_encrypted_and_imported_only_when_confirmed(sandbox, run_playbook):
    ssm, s3 = sandbox.client("ssm"), sandbox.client("s3")
    path, bucket = "/mt-%s/" % uuid.uuid4().hex[:8], "mt-params-" + uuid.uuid4().hex[:6]
    ssm.put_parameter(Name=path + "api/token", Value="token-before-1f", Type="SecureString",
                      KeyId="alias/ai-investment-key")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    args = {"maintenance_parameter_path": path, "maintenance_parameter_bucket": bucket}
    exported = run_playbook("playbooks/maintenance.yml", dict(args, maintenance_tasks=["parameter_export"]))
    assert exported.returncode == 0, exported.stdout[-3000:]
    assert "token-before-1f" not in exported.stdout + exported.stderr + json.dumps(report(exported))
    assert s3.head_object(Bucket=bucket, Key="parameters/local.json")["ServerSideEncryption"] == "aws:kms"
    ssm.put_parameter(Name=path + "api/token", Value="token-broken", Type="SecureString", Overwrite=True)
    held = run_playbook("playbooks/maintenance.yml", dict(args, maintenance_tasks=["parameter_import"]))
    assert held.returncode == 0 and report(held)["held_back"] == ["parameter import"]
    assert ssm.get_parameter(Name=path + "api/token", WithDecryption=True)["Parameter"]["Value"] == "token-broken"
    confirmed = run_playbook("playbooks/maintenance.yml", dict(args, maintenance_tasks=["parameter_import"],
                                                               ops_runbooks_confirm=True))
    assert confirmed.returncode == 0 and report(confirmed)["changes"] == ["parameter restored %sapi/token" % path]
    assert ssm.get_parameter(Name=path + "api/token", WithDecryption=True)["Parameter"]["Value"] == "token-before-1f"


def test_a_sparse_index_is_found_and_reindexing_it_helps(sandbox, run_playbook):
    table = "mt_sparse_%s" % uuid.uuid4().hex[:6]
    conn = _pg(sandbox)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE %s (id int PRIMARY KEY) WITH (autovacuum_enabled = false)" % table)
        cur.execute("INSERT INTO %s SELECT generate_series(1, 100000)" % table)  # a 2 MB primary key
        cur.execute("DELETE FROM %s WHERE id %% 10 <> 0" % table)
        cur.execute("VACUUM %s" % table)  # the entries go, the leaf pages stay: about 9 %% full
    conn.close()
    args = {"maintenance_tasks": ["postgres"], "maintenance_vacuum_tables": ["public." + table]}
    sparse = run_playbook("playbooks/maintenance.yml", args)
    index = by_resource(report(sparse), "postgres index bloat")["ai_data_readiness/public.%s_pkey" % table]
    assert sparse.returncode != 0 and index["status"] == "fail" and index["reason"].endswith(": REINDEX " + table)
    assert index["observed"]["leaf_density_pct"] < 40
    rebuilt = run_playbook("playbooks/maintenance.yml", dict(args, maintenance_reindex_tables=["public." + table],
                                                             ops_runbooks_confirm=True))
    index = by_resource(report(rebuilt), "postgres index bloat")["ai_data_readiness/public.%s_pkey" % table]
    assert index["status"] == "pass", index  # rebuilt: under 1 MB, or dense again
