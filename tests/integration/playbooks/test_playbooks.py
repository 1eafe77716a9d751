# -*- coding: utf-8 -*-
"""Playbooks against inventories/local pointed at the sandbox: the chain emulator -> module_defaults -> module -> report."""
from __future__ import annotations

import base64
import datetime
import gzip
import hashlib
import json
import re
import sys

import pytest
import seed
from buckets import scratch_bucket
from queues import take


def test_daily_health_reports_the_seeded_problems_and_fails(sandbox, run_playbook):
    proc = run_playbook("playbooks/daily_health.yml")
    assert proc.returncode != 0, proc.stdout
    assert "3 check(s) failed: cloudwatch | alarms in ALARM | ai-investment-score-errors in ALARM (of " in proc.stdout, \
        proc.stdout
    # The run's custom stats (AWX's artifacts): the report's summary and its failed checks with their reasons.
    stats = proc.stdout[proc.stdout.index("CUSTOM STATS"):]
    assert '"ops_runbooks_reports"' in stats and '"daily_health"' in stats and '"fail": 3' in stats, stats[:800]
    assert '"reason": "ai-investment-score-errors in ALARM (of ' in stats, stats[:800]
    report = (proc.reports / "daily_health-local.md").read_text()
    lines = [line for line in report.splitlines() if line.startswith("| ") and not line.startswith("| status")]
    # failures first (the seeded alarm, ERROR and timeout log lines), then warnings: one message in a DLQ is
    # runbook 004's warning band (> 0), not yet its critical one (> 10).
    assert re.match(r"^\| FAIL \| cloudwatch \| alarms in ALARM \| ai-investment-score-errors in ALARM \(of \d+ "
                    r"alarm\(s\) of the account and region\) \|$", lines[0]), lines[0]
    assert lines[1].startswith("| FAIL | /aws/lambda/ai-investment* | log ERROR |")
    assert lines[2].startswith('| FAIL | /aws/lambda/ai-investment* | log "Task timed out" |')
    # Then the warnings, runbook 004's warning bands in the seeded data: the orchestrator close to its timeout
    # (longest 22 s of 30 s > 70 %), the evaluation function's error rate (2.4-3.2 % > 2 %), a message in a DLQ.
    warnings = [line for line in lines if line.startswith("| WARN ")]
    assert lines[3:6] == warnings and len(warnings) == 3, lines[:7]
    assert warnings[0].startswith("| WARN | ai-investment-orchestrator longest duration (ms, timeout 30 s) | metric |")
    assert "22000 > 21000 (warning level)" in warnings[0]
    assert warnings[1].startswith("| WARN | ai-investment-evaluation error rate (%) | metric |")
    assert re.search(r"error rate \(%\) (2\.400|3\.200) > 2 \(warning level\)", warnings[1]), warnings[1]
    assert warnings[2].startswith("| WARN | ai-investment-score | queue depth |"), warnings
    assert "dlq ai-investment-score-dlq: visible 1 > 0 (warning level)" in warnings[2]
    assert "| PASS | sts | identity | account 123456789012" in report
    result = json.loads((proc.reports / "daily_health-local.json").read_text())
    statuses = [c["status"] for c in result["checks"]]
    assert statuses.count("fail") == 3 and statuses.count("warn") == 3
    assert [c["reason"] for c in result["checks"] if c["status"] == "unknown"] == []  # the seed leaves no gap
    order = {"fail": 0, "warn": 1, "unknown": 2, "pass": 3, "skipped": 4}
    assert [order[s] for s in statuses] == sorted(order[s] for s in statuses)  # fail, warn, unknown, pass
    # Every check ran - the API probe and the health invocation too - and the run changed nothing.
    ran = {(c["check"], c["resource"]): c["status"] for c in result["checks"]}
    assert ran[("http", "api health")] == "pass" and ran[("invoke", "ai-investment-health-check")] == "pass"
    assert ran[("metric", "ai-investment sandbox 5xx rate (%)")] == "pass"  # the seeded API: 0.33 % 5xx
    aliases = [c for c in result["checks"] if c["check"] == "lambda alias"]
    assert len(aliases) == 6 and {(c["status"], c["reason"]) for c in aliases} == {("pass", "alias live -> version 3")}
    assert re.search(r"localhost\s+: ok=\d+\s+changed=0\s", proc.stdout), proc.stdout[-400:]


def test_daily_health_can_report_without_failing(run_playbook):
    proc = run_playbook("playbooks/daily_health.yml", {"health_check_fail_on_failure": False,
                                                       "health_check_checks": ["identity", "s3"]})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads((proc.reports / "daily_health-local.json").read_text())
    assert {c["check"] for c in result["checks"]} == {"identity", "bucket reachable"}


def test_the_data_readiness_host_of_local_is_checked_even_when_the_aws_checks_fail(run_playbook):
    """inventories/local names runbook 003's host (this machine, the sandbox's /health, the log the sandbox writes).
    The seeded problems fail the AWS checks; the readiness host's play runs all the same, and the run fails after it."""
    proc = run_playbook("playbooks/daily_health.yml")
    assert proc.returncode != 0 and "check(s) failed: cloudwatch | alarms in ALARM" in proc.stdout
    readiness = json.loads((proc.reports / "daily_health_data-readiness-local-local.json").read_text())
    assert sorted((c["check"], c["status"]) for c in readiness["checks"]) == [
        ("app log errors", "pass"), ("disk", "pass"), ("http", "pass"), ("memory", "pass")]


def test_a_log_prefix_that_finds_nothing_names_the_inventory_variables(run_playbook):
    """A project named otherwise than its functions (the issue's /aws/lambda/pacloud): the log search fails, and the
    reason says which inventory variables select the log groups - not only the module's option."""
    proc = run_playbook("playbooks/daily_health.yml", {"health_check_checks": ["logs"], "ops_runbooks_project": "pacloud"})
    assert proc.returncode != 0
    result = json.loads((proc.reports / "daily_health-local.json").read_text())
    [failed] = [c for c in result["checks"] if c["status"] == "fail"]
    assert failed["reason"].startswith("log_group_name_prefix: no log group name starts with '/aws/lambda/pacloud'")
    assert "set ops_runbooks_log_groups" in failed["reason"] and "ops_runbooks_project" in failed["reason"]


def test_daily_health_fails_a_function_without_the_environments_alias(run_playbook):
    """Runbook 000's production alias does not exist in the sandbox (its functions serve live): each one fails."""
    proc = run_playbook("playbooks/daily_health.yml", {"health_check_checks": ["lambda"],
                                                       "health_check_lambda_alias": "production"})
    assert proc.returncode != 0 and "6 check(s) failed" in proc.stdout, proc.stdout[-1500:]
    result = json.loads((proc.reports / "daily_health-local.json").read_text())
    failed = [(c["resource"], c["check"], c["reason"]) for c in result["checks"] if c["status"] == "fail"]
    assert failed == [(fn, "lambda alias", "alias production not found") for fn in seed.FUNCTIONS]


def test_daily_health_fails_when_the_api_answers_500_and_passes_once_it_heals(sandbox, run_playbook):
    """The sandbox's API health endpoint answers 500 on demand: the HTTP check fails with the status, then passes."""
    args = {"health_check_checks": ["http"],
            "health_check_http_endpoints": [{"name": "api", "url": sandbox.api_health_url}]}
    sandbox.set_api_health(500)
    try:
        down = run_playbook("playbooks/daily_health.yml", args)
        [check] = json.loads((down.reports / "daily_health-local.json").read_text())["checks"]
    finally:
        sandbox.set_api_health(200)
    assert down.returncode != 0 and "1 check(s) failed" in down.stdout, down.stdout[-1500:]
    assert (check["resource"], check["status"]) == ("api", "fail") and "500" in check["reason"], check
    up = run_playbook("playbooks/daily_health.yml", args)
    assert up.returncode == 0, up.stdout[-1500:]


def test_queue_check_playbook_judges_the_environment(sandbox, run_playbook):
    proc = run_playbook("playbooks/queue_check.yml", {"queue_ops_thresholds": {"ai-investment-ingest": {"max_visible": 2}}})
    assert proc.returncode != 0
    assert "Queues failed: ai-investment-ingest;" in proc.stdout, proc.stdout
    result = json.loads((proc.reports / "queue_check-local.json").read_text())
    # ai-investment-score: one message in its DLQ is runbook 004's warning band (> 0, critical > 10)
    assert {c["resource"]: c["status"] for c in result["checks"]} == {
        "ai-investment-ingest": "fail", "ai-investment-score": "warn", "ai-investment-orchestrator": "pass"}


def test_queue_check_without_a_selection_reads_no_queue_and_fails(sandbox, run_playbook):
    """An inventory that names no queue and no prefix: the check reads nothing - not every queue of the account,
    which ListQueues with an empty prefix would give (other systems' and other tests' queues) - reports one skipped
    check naming the variables to set, and fails: a check of nothing is no pass. The drain refuses the same way."""
    empty = {"ops_runbooks_queues": [], "ops_runbooks_queue_name_prefix": ""}
    proc = run_playbook("playbooks/queue_check.yml", empty)
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert "not checked: ops_runbooks_queue_name_prefix, ops_runbooks_queues are empty - set ops_runbooks_queues" \
        in proc.stdout, proc.stdout[-2000:]
    result = json.loads((proc.reports / "queue_check-local.json").read_text())
    assert [(c["resource"], c["check"], c["status"]) for c in result["checks"]] == [("queues", "selection", "skipped")]
    drain = run_playbook("playbooks/queue_ops.yml", dict(empty, queue_ops_action="drain"))
    assert drain.returncode != 0 and "set ops_runbooks_queues (or discover them" in drain.stdout, drain.stdout[-2000:]
    assert "Drain | Refuse without a selection" in drain.stdout and "Drain | Wait until" not in drain.stdout


def _alias_version(sandbox, function):
    return sandbox.client("lambda").get_alias(FunctionName=function, Name="live")["FunctionVersion"]


def test_lambda_rollback_playbook_rolls_back_the_selected_functions(sandbox, run_playbook):
    functions = ["ai-investment-ingest-news", "ai-investment-evaluation"]
    proc = run_playbook("playbooks/lambda_rollback.yml", {"lambda_rollback_functions": functions,
                                                          "lambda_rollback_health_check": {"invoke": {}, "retries": 0}})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [_alias_version(sandbox, f) for f in functions] == ["2", "2"]
    assert _alias_version(sandbox, "ai-investment-streaming") == "3"  # not selected, not touched
    report = json.loads((proc.reports / "lambda_rollback-local.json").read_text())
    assert [(c["resource"], c["status"]) for c in report["checks"]] == [(f, "pass") for f in functions]
    assert "back from 3 to 2" in report["checks"][0]["reason"]
    # the same run again changes nothing (no second step)
    again = run_playbook("playbooks/lambda_rollback.yml", {"lambda_rollback_functions": functions})
    assert again.returncode == 0, again.stdout
    report = json.loads((again.reports / "lambda_rollback-local.json").read_text())
    assert [c["observed"]["changed"] for c in report["checks"]] == [False, False]
    assert all(c["reason"].startswith("already rolled back from 3 to 2") for c in report["checks"])
    assert [_alias_version(sandbox, f) for f in functions] == ["2", "2"]


def test_lambda_rollback_playbook_needs_confirmation_in_production(sandbox, run_playbook):
    args = {"lambda_rollback_functions": ["ai-investment-orchestrator"], "ops_runbooks_production": True}
    refused = run_playbook("playbooks/lambda_rollback.yml", args)
    assert refused.returncode != 0 and "ops_runbooks_confirm=true" in refused.stdout
    assert _alias_version(sandbox, "ai-investment-orchestrator") == "3"
    planned = run_playbook("playbooks/lambda_rollback.yml", args, check=True)
    assert planned.returncode == 0, planned.stdout
    assert _alias_version(sandbox, "ai-investment-orchestrator") == "3"
    confirmed = run_playbook("playbooks/lambda_rollback.yml", dict(args, ops_runbooks_confirm=True))
    assert confirmed.returncode == 0, confirmed.stdout
    assert _alias_version(sandbox, "ai-investment-orchestrator") == "2"


def test_dynamodb_restore_playbook_restores_verifies_and_switches(sandbox, run_playbook):
    ddb, lam = sandbox.client("dynamodb"), sandbox.client("lambda")
    args = {"dynamodb_restore_source_table": "ai-investment-proposals", "dynamodb_restore_latest_backup": True,
            "dynamodb_restore_verify": {"min_item_count": 10, "sample_keys": [{"pk": "item-009"}]},
            "dynamodb_restore_switch_lambda_env": [{"function_name": "ai-investment-orchestrator",
                                                    "variable": "TABLE_NAME"}]}
    refused = run_playbook("playbooks/dynamodb_restore.yml", dict(args, ops_runbooks_production=True))
    assert refused.returncode != 0 and "ops_runbooks_confirm=true" in refused.stdout
    assert "ai-investment-proposals-restored" not in ddb.list_tables()["TableNames"]

    proc = run_playbook("playbooks/dynamodb_restore.yml", args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ddb.scan(TableName="ai-investment-proposals-restored", Select="COUNT")["Count"] == 10
    env = lam.get_function_configuration(FunctionName="ai-investment-orchestrator")["Environment"]["Variables"]
    assert env == {"TABLE_NAME": "ai-investment-proposals-restored", "LOG_LEVEL": "INFO"}
    # what the alias serves reads the restored table too: a version published with it, the alias moved (from 3)
    served = lam.get_alias(FunctionName="ai-investment-orchestrator", Name="live")
    assert served["FunctionVersion"] not in ("1", "2", "3") and served.get("Description", "") == ""
    served_env = lam.get_function_configuration(FunctionName="ai-investment-orchestrator",
                                                Qualifier=served["FunctionVersion"])
    assert served_env["Environment"]["Variables"]["TABLE_NAME"] == "ai-investment-proposals-restored"
    report = json.loads((proc.reports / "dynamodb_restore-local.json").read_text())
    assert [(c["check"], c["status"]) for c in report["checks"]] == [
        ("restore", "pass"), ("min item count", "pass"), ("sample keys", "pass"), ("switch", "pass")]


def test_verify_backups_playbook_reports_the_environment(sandbox, run_playbook):
    proc = run_playbook("playbooks/verify_backups.yml")
    # The seeded environment has four real findings: ai-investment-backtests is not versioned, ai-investment-eval is
    # encrypted with SSE-S3 where runbook 001 says every bucket uses KMS, and the backup policy's on-demand backups of
    # ai-investment-outcomes (daily) and ai-investment-agents-config (weekly) were never taken.
    assert proc.returncode != 0 and "4 backup check(s) failed" in proc.stdout, proc.stdout
    report = (proc.reports / "verify_backups-local.md").read_text()
    failed = [line.split(" | ")[1:3] for line in report.splitlines() if line.startswith("| FAIL ")]
    assert failed == [["ai-investment-outcomes", "backup age"], ["ai-investment-agents-config", "backup age"],
                      ["ai-investment-backtests", "versioning"], ["ai-investment-eval", "encryption"]], failed
    assert "| FAIL | ai-investment-eval | encryption | default encryption SSE-S3 (AES256, AWS's default), KMS " \
        "expected |" in report
    assert "| PASS | ai-investment-raw-data | encryption | default encryption aws:kms" in report
    result = json.loads((proc.reports / "verify_backups-local.json").read_text())
    restores = [c for c in result["checks"] if c["check"] == "restore"]
    assert [c["status"] for c in restores] == ["pass", "pass"]
    assert {c["check"] for c in result["checks"] if c["resource"] == "ai-investment-db"} == {"automated snapshot age"}


def _inbox(sandbox):
    """An SQS queue subscribed to the alert topic: what the incident really published arrives here."""
    sqs, sns = sandbox.client("sqs"), sandbox.client("sns")
    url = sqs.create_queue(QueueName="pb-incident-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":ai-investment-alerts")][0]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    take(sqs, url)  # another test's messages are not this one's (PurgeQueue: once a minute only)

    def arrived():
        return [json.loads(m["Body"]) for m in take(sqs, url)]

    return arrived


def custom_stats(proc):
    """The run's custom stats (set_stats, what AWX keeps as the job's artifacts), as printed by the callback."""
    stats = proc.stdout[proc.stdout.index("CUSTOM STATS"):]
    return json.loads(stats[stats.index("RUN: ") + 5:].strip())


def test_incident_jobs_in_fresh_directories_notify_once(sandbox, run_playbook, tmp_path):
    """Two jobs for the same incident, each in its own empty directory (two AWX jobs): the record lives in the
    incident table, so the second continues it and sends nothing."""
    inbox = _inbox(sandbox)
    args = {"incident_response_severity": "P1", "incident_response_title": "Fresh directories"}
    first = run_playbook("playbooks/incident.yml", args, reports=tmp_path / "job-1")
    second = run_playbook("playbooks/incident.yml", args, reports=tmp_path / "job-2")
    assert first.returncode == 0 and second.returncode == 0, first.stdout + second.stdout
    [notification] = inbox()
    assert "Fresh directories" in notification["Message"]
    assert custom_stats(first)["ops_runbooks_incident"]["notified_now"] == ["P1"]
    assert custom_stats(second)["ops_runbooks_incident"]["notified_now"] == []
    key = "local/" + custom_stats(first)["ops_runbooks_incident"]["id"]
    item = sandbox.client("dynamodb").get_item(TableName=seed.INCIDENT_TABLE, Key={"id": {"S": key}})["Item"]
    record = json.loads(item["record"]["S"])
    assert record["notified"] == ["P1"] and sum("notified [P1]" in e["event"] for e in record["timeline"]) == 1
    [second_report] = (tmp_path / "job-2").glob("incident-INC-*-fresh-directories-local.json")
    assert json.loads(second_report.read_text())["incident"]["notified"] == ["P1"]  # continued, not reopened


def test_a_p1_exports_the_affected_functions_logs_and_a_p1_without_a_bucket_says_so(sandbox, run_playbook, tmp_path):
    """Runbook 004 "Export Logs for Analysis" for a P1: the affected function's log group, from an hour before the
    incident opened, lands in the bucket under incidents/<id>/; without a bucket the report holds a skipped check
    naming ops_runbooks_log_export_bucket (no silent nothing); a P2 exports nothing and says nothing of it."""
    s3, logs = sandbox.client("s3"), sandbox.client("logs")
    bucket, group = "ops-log-exports-" + tmp_path.name.lower().replace("_", "-")[-12:], "/aws/lambda/ai-investment-score"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    stream = "export-test-%d" % datetime.datetime.now().microsecond
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": int(datetime.datetime.now().timestamp() * 1000) - 120000, "message": "ERROR the incident's line"}])
    args = {"incident_response_severity": "P1", "incident_response_title": "Export %s" % stream,
            "incident_response_functions": ["ai-investment-score"], "ops_runbooks_log_export_bucket": bucket}
    try:
        proc = run_playbook("playbooks/incident.yml", args)
        assert proc.returncode == 0, proc.stdout[-3000:]
        incident = custom_stats(proc)["ops_runbooks_incident"]["id"]
        [report] = proc.reports.glob("incident-%s-local.json" % incident)
        [check] = [c for c in json.loads(report.read_text())["checks"] if c["check"] == "log export"]
        assert (check["resource"], check["status"]) == (group, "pass"), check
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        prefix = "incidents/%s/aws/lambda/ai-investment-score/" % incident
        exported = [k for k in keys if k.startswith(prefix)]
        assert exported, keys
        assert any("ERROR the incident's line" in gzip.decompress(s3.get_object(Bucket=bucket, Key=k)["Body"].read())
                   .decode() for k in exported)
        unset = run_playbook("playbooks/incident.yml", dict(args, ops_runbooks_log_export_bucket="",
                                                            incident_response_title="No bucket %s" % stream))
        assert unset.returncode == 0, unset.stdout[-3000:]
        [report] = unset.reports.glob("incident-*-no-bucket-*-local.json")
        [check] = [c for c in json.loads(report.read_text())["checks"] if c["resource"] == "log export"]
        assert (check["check"], check["status"]) == ("selection", "skipped")
        assert "ops_runbooks_log_export_bucket is empty" in check["reason"]
        minor = run_playbook("playbooks/incident.yml", dict(args, incident_response_severity="P3",
                                                            incident_response_title="Minor %s" % stream))
        assert minor.returncode == 0, minor.stdout[-3000:]
        [report] = minor.reports.glob("incident-*-minor-*-local.json")
        assert not [c for c in json.loads(report.read_text())["checks"] if "export" in c["check"] + c["resource"]]
    finally:
        for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
        s3.delete_bucket(Bucket=bucket)
        logs.delete_log_stream(logGroupName=group, logStreamName=stream)


def test_a_check_mode_run_writes_its_report_as_a_plan_and_uploads_it_encrypted(sandbox, run_playbook, tmp_path):
    s3 = sandbox.client("s3")
    bucket = "ops-reports-" + tmp_path.name.lower().replace("_", "-")[-20:]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    proc = run_playbook("playbooks/daily_health.yml", {"ops_runbooks_reports_s3_bucket": bucket,
                                                       "ops_runbooks_reports_s3_kms_key": seed.KMS_ALIAS,
                                                       "health_check_fail_on_failure": False}, check=True)
    assert proc.returncode == 0, proc.stdout
    assert re.search(r"localhost\s+: ok=\d+\s+changed=0\s", proc.stdout), proc.stdout[-400:]
    plan = proc.reports / "daily_health-local-plan.md"
    assert plan.read_text().startswith("# Plan (check mode, nothing changed): Health check: local")
    assert json.loads((proc.reports / "daily_health-local-plan.json").read_text())["plan"] is True
    assert not (proc.reports / "daily_health-local.md").exists()  # the last real report is not overwritten
    uris = custom_stats(proc)["ops_runbooks_reports"]["daily_health"]["s3_uris"]
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    assert len(uris) == 3 and all(u.startswith("s3://%s/ops-runbooks-reports/local/%s/" % (bucket, today))
                                  for u in uris), uris
    for uri, local in zip(uris, (plan, proc.reports / "daily_health-local-plan.json",
                                 proc.reports / "daily_health-local-plan.html")):
        obj = s3.get_object(Bucket=bucket, Key=uri.split("/", 3)[3])
        assert obj["ServerSideEncryption"] == "aws:kms" and obj["Body"].read().decode() == local.read_text()


def test_incident_playbook_in_production_without_confirmation_only_triages_and_notifies(sandbox, run_playbook):
    inbox = _inbox(sandbox)
    args = {"incident_response_severity": "P2", "incident_response_title": "Orchestrator errors",
            "incident_response_functions": ["ai-investment-streaming"], "incident_response_actions": ["rollback"],
            "ops_runbooks_production": True}
    proc = run_playbook("playbooks/incident.yml", args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _alias_version(sandbox, "ai-investment-streaming") == "3"  # held back without confirmation
    [record_file] = list(proc.reports.glob("incident-INC-*-orchestrator-errors-local.json"))
    incident = json.loads(record_file.read_text())["incident"]
    assert incident["notified"] == ["P2"] and incident["changes"] == []
    [notification] = inbox()  # one message really published
    assert "P2" in notification.get("Subject", "") + notification["Message"]
    assert "Orchestrator errors" in notification["Message"]
    assert any("not run, production needs ops_runbooks_confirm=true" in e["event"] for e in incident["timeline"])
    # what the held-back rollback would do, from check mode (the alias did not move: asserted above)
    assert [(p["resource"], p["from"], p["to"]) for p in incident["plan"]] == [("ai-investment-streaming:live", "3", "2")]
    held = custom_stats(proc)["ops_runbooks_incident"]  # the held-back actions survive the job too
    assert held["held_back"] == ["rollback"] and held["notified_now"] == ["P2"] and held["changes"] == []
    assert "[WARNING]: held back: " in proc.stdout + proc.stderr
    confirmed = run_playbook("playbooks/incident.yml", dict(args, ops_runbooks_confirm=True))
    assert confirmed.returncode == 0, confirmed.stdout
    assert _alias_version(sandbox, "ai-investment-streaming") == "2"
    incident = json.loads(record_file.read_text())["incident"]
    assert incident["notified"] == ["P2"] and inbox() == []  # not notified twice: nothing more arrived
    assert incident["changes"][0]["from"] == "3" and incident["changes"][0]["to"] == "2"
    resolved = run_playbook("playbooks/incident.yml", dict(args, incident_response_resolve=True,
                                                           incident_response_resolution="Rolled back",
                                                           incident_response_root_cause="bad build 3"))
    assert resolved.returncode == 0, resolved.stdout
    incident = json.loads(record_file.read_text())["incident"]
    assert incident["status"] == "Resolved" and incident["root_cause"] == "bad build 3"
    assert "resolved: Rolled back" in record_file.with_suffix(".md").read_text()
    [resolution] = inbox()
    assert "Rolled back" in resolution["Message"]


def test_restore_playbook_takes_the_role_variable_and_still_the_deprecated_one(sandbox, run_playbook):
    s3, bucket = sandbox.client("s3"), "ai-investment-curated-data"
    for key in ("deprecated.csv", "current.csv"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"v1")
        s3.delete_object(Bucket=bucket, Key=key)
    old = run_playbook("playbooks/restore.yml", {"restore_action": "restore_object",
                                                 "backup_restore_object": {"bucket": bucket, "key": "deprecated.csv"}})
    assert old.returncode == 0, old.stdout + old.stderr
    assert "[DEPRECATION WARNING] restore_action is deprecated" in old.stdout
    new = run_playbook("playbooks/restore.yml", {"backup_restore_action": "restore_object",
                                                 "backup_restore_object": {"bucket": bucket, "key": "current.csv"}})
    assert new.returncode == 0, new.stdout + new.stderr
    assert "DEPRECATION" not in new.stdout
    published = custom_stats(new)["ops_runbooks_actions"]["backup_restore_restore_object"]  # AWX artifacts
    assert published["object"] == "s3://%s/current.csv" % bucket and published["was_deleted"] is True
    for key in ("deprecated.csv", "current.csv"):
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"v1"


def test_purge_needs_confirmation_outside_production_too(sandbox, run_playbook):
    sqs = sandbox.client("sqs")
    url = sqs.create_queue(QueueName="pb-purge-me")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="keep me")
    args = {"queue_ops_action": "purge", "queue_ops_purge_queue": "pb-purge-me"}
    refused = run_playbook("playbooks/queue_ops.yml", args)
    assert refused.returncode != 0 and "purge of pb-purge-me needs -e ops_runbooks_confirm=true" in refused.stdout, \
        refused.stdout
    assert "is production" not in refused.stdout  # local is not production: the purge itself needs it
    visible = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert visible["ApproximateNumberOfMessages"] == "1"
    confirmed = run_playbook("playbooks/queue_ops.yml", dict(args, ops_runbooks_confirm=True))
    assert confirmed.returncode == 0, confirmed.stdout + confirmed.stderr
    visible = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert visible["ApproximateNumberOfMessages"] == "0"
    assert custom_stats(confirmed)["ops_runbooks_actions"]["queue_ops_purge"]["queue"] == "pb-purge-me"


def _own_backups(ddb, table):
    return sorted(b["BackupName"] for b in ddb.list_backups(TableName=table)["BackupSummaries"])


def test_backup_retention_in_production_is_held_back_with_a_warning_until_confirmed(sandbox, run_playbook):
    ddb, table = sandbox.client("dynamodb"), "pb-retention"
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    old = [table + "-20200101-000000.ops-runbooks", table + "-20200102-000000.ops-runbooks"]  # the collection's own
    for name in old:
        ddb.create_backup(TableName=table, BackupName=name)
    args = {"backup_restore_tables": [{"table": table, "max_backup_age": "1h", "retain": 1}],
            "ops_runbooks_production": True}
    held = run_playbook("playbooks/backup.yml", args)
    assert held.returncode == 0, held.stdout + held.stderr
    output = " ".join((held.stdout + held.stderr).split())  # ansible-playbook prints warnings on stderr
    assert "[WARNING]: held back: local is production (ops_runbooks_production): retention of pb-retention" in output, output
    assert _own_backups(ddb, table) == old  # nothing deleted (the emulator dates both backups now: none is added)
    confirmed = run_playbook("playbooks/backup.yml", dict(args, ops_runbooks_confirm=True))
    assert confirmed.returncode == 0, confirmed.stdout + confirmed.stderr
    assert "[WARNING]: held back" not in confirmed.stdout + confirmed.stderr
    assert len(_own_backups(ddb, table)) == 1  # retain: 1 of this collection's backups


def test_force_backup_takes_one_now_however_fresh_the_newest_is(sandbox, run_playbook):
    """Runbook 004 "before major changes": the daily backup leaves a fresh backup alone; -e force_backup=true (the
    AWX survey's answer is the string "true") takes one more now, and says so in the report."""
    ddb, table = sandbox.client("dynamodb"), "pb-force-%d" % datetime.datetime.now().microsecond
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    try:
        args = {"backup_restore_tables": [{"table": table, "max_backup_age": "24h"}]}
        first = run_playbook("playbooks/backup.yml", args)
        assert first.returncode == 0 and len(_own_backups(ddb, table)) == 1, first.stdout[-2000:]
        fresh = run_playbook("playbooks/backup.yml", args)
        assert fresh.returncode == 0 and len(_own_backups(ddb, table)) == 1, fresh.stdout[-2000:]
        forced = run_playbook("playbooks/backup.yml", dict(args, force_backup="true"))
        assert forced.returncode == 0, forced.stdout[-2000:]
        taken = _own_backups(ddb, table)
        assert len(taken) == 2, taken
        [check] = json.loads((forced.reports / "backup-local.json").read_text())["checks"]
        assert check["status"] == "pass" and "created " + taken[-1] in check["reason"], check
    finally:
        for backup in ddb.list_backups(TableName=table)["BackupSummaries"]:
            ddb.delete_backup(BackupArn=backup["BackupArn"])
        ddb.delete_table(TableName=table)


def test_scaling_consumers_in_production_needs_confirmation(sandbox, run_playbook):
    lam = sandbox.client("lambda")
    function = "ai-investment-score"
    before = lam.get_function_concurrency(FunctionName=function).get("ReservedConcurrentExecutions")
    args = {"queue_ops_action": "scale", "queue_ops_consumer_function": function,
            "queue_ops_reserved_concurrency": 7, "ops_runbooks_production": True}
    refused = run_playbook("playbooks/queue_ops.yml", args)
    assert refused.returncode != 0 and "scale of ai-investment-score needs -e ops_runbooks_confirm=true" in \
        refused.stdout.replace("\n", " "), refused.stdout
    assert lam.get_function_concurrency(FunctionName=function).get("ReservedConcurrentExecutions") == before
    confirmed = run_playbook("playbooks/queue_ops.yml", dict(args, ops_runbooks_confirm=True))
    assert confirmed.returncode == 0, confirmed.stdout + confirmed.stderr
    assert lam.get_function_concurrency(FunctionName=function)["ReservedConcurrentExecutions"] == 7
    scaled = custom_stats(confirmed)["ops_runbooks_actions"]["queue_ops_scale"]
    assert scaled["function"] == function and scaled["reserved_concurrency"] == {"from": before, "to": 7}


def _put(sandbox, namespace, metric, dimensions, value, minutes_ago=1):
    sandbox.client("cloudwatch").put_metric_data(Namespace=namespace, MetricData=[{
        "MetricName": metric, "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
        "Timestamp": datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minutes_ago),
        "Value": value}])


def test_daily_health_applies_the_inventorys_queue_age(sandbox, run_playbook):
    """inventories/local sets queue_max_age 15m (runbook 004): a queue whose oldest message is older fails."""
    sqs = sandbox.client("sqs")
    sqs.create_queue(QueueName="pb-age-old")
    sqs.create_queue(QueueName="pb-age-young")
    _put(sandbox, "AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": "pb-age-old"}, 1000)
    _put(sandbox, "AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": "pb-age-young"}, 60)
    proc = run_playbook("playbooks/daily_health.yml", {"health_check_checks": ["queues"],
                                                       "health_check_queue_name_prefix": "pb-age-",
                                                       "health_check_fail_on_failure": False})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads((proc.reports / "daily_health-local.json").read_text())
    queues = dict((c["resource"], c) for c in result["checks"])
    assert queues["pb-age-old"]["status"] == "fail" and "oldest message age (s) 1000 > 900" in queues["pb-age-old"]["reason"]
    assert queues["pb-age-young"]["status"] == "pass"


@pytest.mark.parametrize("errors, status", [(3, "pass"), (7, "fail")])
def test_incident_triage_uses_the_inventorys_error_threshold(sandbox, run_playbook, errors, status):
    """Runbook 001's alarm: more than 5 errors in 5 minutes (inventories/local lambda_errors_5m), not any error."""
    function = "pb-triage-%d" % errors
    sandbox.client("logs").create_log_group(logGroupName="/aws/lambda/" + function)  # triage also reads its logs
    _put(sandbox, "AWS/Lambda", "Errors", {"FunctionName": function}, errors)
    proc = run_playbook("playbooks/incident.yml", {"incident_response_severity": "P3",
                                                   "incident_response_title": "Triage threshold %d" % errors,
                                                   "incident_response_functions": [function]})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [record_file] = list(proc.reports.glob("incident-INC-*-triage-threshold-%d-local.json" % errors))
    [triage] = [c for c in json.loads(record_file.read_text())["checks"] if c["resource"].startswith(function)]
    assert triage["status"] == status, triage


def test_runbook_004_tiers_warn_then_fail_in_the_health_report(sandbox, run_playbook):
    """DynamoDB throttled requests (warning > 5, critical > 10 in 5 minutes), Lambda concurrent executions
    (warning > 8, critical > 10), error rate (> 2 %, > 5 %) and longest invocation against the timeout (> 70 %,
    > 80 %), each once in the warning band and once in the failure band, and an API's 5xx rate
    in its failure band (> 5 %) - on tables, functions and an API of the test's own, so the seeded environment's
    report stays as it is."""
    ddb, lam, cw = sandbox.client("dynamodb"), sandbox.client("lambda"), sandbox.client("cloudwatch")
    role = sandbox.client("iam").get_role(RoleName="ai-investment-lambda-exec")["Role"]["Arn"]
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    tables, functions = ["tier-throttled-7", "tier-throttled-12"], ["tier-concurrency-9", "tier-concurrency-11"]
    for table in tables:
        ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        cw.put_metric_data(Namespace="AWS/DynamoDB", MetricData=[{
            "MetricName": "ThrottledRequests", "Dimensions": [{"Name": "TableName", "Value": table}],
            "Timestamp": now, "Value": int(table.rsplit("-", 1)[1])}])
    for function in functions:
        lam.create_function(FunctionName=function, Runtime="python3.11", Role=role, Handler="index.handler",
                            Code={"ZipFile": seed._zip(0)}, Timeout=30)  # pylint: disable=protected-access
        warn_band = function.endswith("-9")  # the other function is in the failure band of each tier
        dims = [{"Name": "FunctionName", "Value": function}]
        cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[
            {"MetricName": "ConcurrentExecutions", "Dimensions": dims, "Timestamp": now,
             "Value": int(function.rsplit("-", 1)[1])},
            {"MetricName": "Invocations", "Dimensions": dims, "Timestamp": now, "Value": 100},
            {"MetricName": "Errors", "Dimensions": dims, "Timestamp": now, "Value": 3 if warn_band else 6},
            {"MetricName": "Duration", "Dimensions": dims, "Timestamp": now, "StatisticValues": {  # of a 30 s timeout
                "SampleCount": 10, "Sum": 10000, "Minimum": 100, "Maximum": 22000 if warn_band else 25000}}])
    for metric, value in (("Count", 100), ("5XXError", 7)):  # 7 % of the requests: above the failure level of 5 %
        cw.put_metric_data(Namespace="AWS/ApiGateway", MetricData=[{
            "MetricName": metric, "Timestamp": now, "Value": value,
            "Dimensions": [{"Name": "ApiName", "Value": "tier-api"}, {"Name": "Stage", "Value": "t"}]}])
    proc = run_playbook("playbooks/daily_health.yml", {
        "health_check_checks": ["api", "lambda", "dynamodb"], "health_check_tables": tables,
        "health_check_functions": functions, "health_check_lambda_alias": "", "health_check_fail_on_failure": False,
        "health_check_api_name": "tier-api", "health_check_api_stage": "t"})
    assert proc.returncode == 0, proc.stdout[-2000:]
    result = json.loads((proc.reports / "daily_health-local.json").read_text())
    tiers = dict((c["resource"], c["status"]) for c in result["checks"] if c["check"] == "throttling" or c[
        "resource"].endswith(("concurrent executions", "5xx rate (%)", "error rate (%)", "(ms, timeout 30 s)")))
    assert tiers == {"tier-throttled-7 throttled requests": "warn", "tier-throttled-12 throttled requests": "fail",
                     "tier-concurrency-9 concurrent executions": "warn",
                     "tier-concurrency-11 concurrent executions": "fail",
                     "tier-concurrency-9 error rate (%)": "warn", "tier-concurrency-11 error rate (%)": "fail",
                     "tier-concurrency-9 longest duration (ms, timeout 30 s)": "warn",
                     "tier-concurrency-11 longest duration (ms, timeout 30 s)": "fail",
                     "tier-api t 5xx rate (%)": "fail"}, tiers


def test_daily_health_runs_runbook_003s_checks_on_the_data_readiness_host(sandbox, run_playbook, tmp_path):
    """A host in the data_readiness group gets runbook 003's checks (group_vars/data_readiness): its API, disk,
    memory, the last 100 lines of its error log - in a report of its own. Here the host is this machine, its API the
    sandbox's endpoint and its log a file of 150 lines with an ERROR line outside the last 100 and one inside."""
    log = tmp_path / "error.log"
    lines = ["2026-11-22 07:%02d:00 INFO batch %d ok" % (i % 60, i) for i in range(150)]
    lines[10] = "2026-11-22 07:10:00 ERROR dataset 3 failed validation (old)"
    lines[140] = "2026-11-22 08:20:00 ERROR dataset 17 failed validation"
    log.write_text("\n".join(lines) + "\n")
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "health_check_http_endpoints": [{"name": "data-readiness api", "url": sandbox.health_url}],
            "health_check_app_log_path": str(log)}
    proc = run_playbook("playbooks/daily_health.yml", {"health_check_fail_on_failure": False},
                        extra_inventory={"data_readiness": {"hosts": {"readiness-1": host}}})
    assert proc.returncode == 0, proc.stdout[-2000:]
    result = json.loads((proc.reports / "daily_health_readiness-1-local.json").read_text())
    by_check = dict((c["check"], c) for c in result["checks"])
    assert sorted(by_check) == ["app log errors", "disk", "http", "memory"], sorted(by_check)
    assert by_check["http"]["status"] == "pass" and by_check["http"]["resource"] == "data-readiness api"
    assert (by_check["app log errors"]["status"], by_check["app log errors"]["observed"]) == ("fail", 1)
    assert "dataset 17 failed validation" in by_check["app log errors"]["reason"]
    assert "in the last 100" in by_check["app log errors"]["reason"]
    # The controller's own report is there too, unchanged in shape.
    assert (proc.reports / "daily_health-local.json").exists()


def test_a_run_that_checks_nothing_says_so_instead_of_an_empty_green_report(run_playbook):
    """#30: backup.yml without a backup policy reported "0 pass, 0 warn, 0 fail"; the report now holds one skipped
    check naming the variable that selects the tables."""
    proc = run_playbook("playbooks/backup.yml", {"backup_restore_tables": []})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((proc.reports / "backup-local.json").read_text())
    assert [(c["check"], c["status"]) for c in report["checks"]] == [("selection", "skipped")]
    assert "ops_runbooks_backup_policy" in report["checks"][0]["reason"]
    assert "| SKIPPED | backup | selection |" in (proc.reports / "backup-local.md").read_text()
    # and the run's one-line summary says it too: no green "0 pass, 0 warn, 0 fail"
    assert "0 pass, 0 warn, 0 fail, 0 unknown (no data), 1 skipped (nothing checked)" in proc.stdout, proc.stdout[-1500:]


@pytest.fixture
def rds_source(sandbox):
    """An instance of its own (class db.t3.small, not the old default db.t3.micro) with a manual snapshot, and
    everything a restore of it made removed afterwards."""
    rds, name = sandbox.client("rds"), "test-rds-src-%d" % (datetime.datetime.now().microsecond)
    rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.small", Engine="postgres",
                           AllocatedStorage=20, MasterUsername="app", MasterUserPassword="sandbox-only-1",
                           BackupRetentionPeriod=7)
    rds.create_db_snapshot(DBInstanceIdentifier=name, DBSnapshotIdentifier=name + "-before-upgrade")
    yield rds, name
    for instance in (name + "-restored", name):
        try:
            rds.delete_db_instance(DBInstanceIdentifier=instance, SkipFinalSnapshot=True, DeleteAutomatedBackups=True)
        except rds.exceptions.DBInstanceNotFoundFault:
            pass
    rds.delete_db_snapshot(DBSnapshotIdentifier=name + "-before-upgrade")
    left = [s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]
            if s["DBSnapshotIdentifier"].startswith(name) or s.get("DBInstanceIdentifier", "").startswith(name)]
    for snapshot in left:
        rds.delete_db_snapshot(DBSnapshotIdentifier=snapshot)


def test_rds_restore_of_a_named_snapshot_made_like_its_source(rds_source, run_playbook):
    """Runbook 000 "RDS Snapshot Restore": the snapshot named (not the newest), the class of the source instance (not
    a default), the new instance tagged with the snapshot it came from; a second run leaves it untouched; a snapshot
    of another instance is refused before anything is created."""
    rds, name = rds_source
    target, snapshot = name + "-restored", name + "-before-upgrade"
    args = {"backup_restore_action": "restore_rds", "ops_runbooks_confirm": True, "backup_restore_rds": {
        "db_instance_identifier": name, "target_db_instance_identifier": target, "rds_snapshot_identifier": snapshot}}
    proc = run_playbook("playbooks/restore.yml", args)
    assert proc.returncode == 0, proc.stdout[-3000:]
    [restored] = rds.describe_db_instances(DBInstanceIdentifier=target)["DBInstances"]
    assert restored["DBInstanceClass"] == "db.t3.small"
    tags = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=restored["DBInstanceArn"])["TagList"]}
    assert tags["ops.runbooks:restored-from"] == snapshot
    report = json.loads((proc.reports / "restore_rds-local.json").read_text())
    assert [(c["check"], c["status"]) for c in report["checks"]] == [("restore", "pass"), ("restored instance", "pass")]
    assert report["checks"][0]["reason"].startswith("restored from snapshot %s (given, taken " % snapshot)
    again = run_playbook("playbooks/restore.yml", args)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]
    assert "restored from %s by an earlier run" % snapshot in (again.reports / "restore_rds-local.json").read_text()
    other = dict(args["backup_restore_rds"], target_db_instance_identifier=name + "-other",
                 rds_snapshot_identifier=[s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots(
                     DBInstanceIdentifier=seed.RDS_INSTANCE)["DBSnapshots"]][0])
    refused = run_playbook("playbooks/restore.yml", dict(args, backup_restore_rds=other))
    assert refused.returncode != 0 and "is no snapshot of %s" % name in refused.stdout, refused.stdout[-3000:]
    assert not [i for i in rds.describe_db_instances()["DBInstances"] if i["DBInstanceIdentifier"] == name + "-other"]


def test_rds_restore_of_a_hostile_snapshot_name_refuses_it_as_data(rds_source, run_playbook, tmp_path):
    """A snapshot name with shell metacharacters (as a survey answer could give it) reaches no shell and no call that
    creates: the run fails naming the variable and quoting the name; nothing is evaluated, no instance is made."""
    rds, name = rds_source
    marker = tmp_path / "evaluated"
    hostile = "x; touch %s $(touch %s) `touch %s` | touch %s" % ((marker,) * 4)
    refused = run_playbook("playbooks/restore.yml", {
        "backup_restore_action": "restore_rds", "ops_runbooks_confirm": True, "backup_restore_rds": {
            "db_instance_identifier": name, "target_db_instance_identifier": name + "-hostile",
            "rds_snapshot_identifier": hostile}})
    assert refused.returncode != 0 and "backup_restore_rds.rds_snapshot_identifier: %s is no snapshot of %s" % (
        hostile, name) in refused.stdout, refused.stdout[-3000:]
    assert not marker.exists()
    assert not [i for i in rds.describe_db_instances()["DBInstances"] if i["DBInstanceIdentifier"].startswith(
        name + "-hostile")]


def test_sync_bucket_copies_to_the_backup_and_deletes_only_when_told(sandbox, run_playbook, tmp_path):
    """Runbook 000 "Recovery Procedure" (aws s3 sync to the backup bucket) through playbooks/restore.yml: refused
    unconfirmed in production (nothing copied); confirmed, the backup gets what it lacks - a hostile key as data in
    the report - and keeps what only it holds; with delete that goes too; a second run copies nothing."""
    s3, tag = sandbox.client("s3"), datetime.datetime.now().strftime("%H%M%S%f")
    source, backup, marker = "pb-sync-src-" + tag, "pb-sync-bak-" + tag, tmp_path / "evaluated"
    hostile = "feeds/{{ lookup('ansible.builtin.pipe', 'touch %s') }}.json" % marker

    def keys():
        return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=backup).get("Contents", []))

    args = {"backup_restore_action": "sync_bucket", "backup_restore_sync": {"source": source, "destination": backup}}
    with scratch_bucket(s3, source, {"feeds/a.json": b"a", hostile: b"h"}), \
            scratch_bucket(s3, backup, {"feeds/old.json": b"o"}):
        refused = run_playbook("playbooks/restore.yml", dict(args, ops_runbooks_confirm=False,
                                                             ops_runbooks_production_accounts=["123456789012"]))
        assert refused.returncode != 0 and keys() == ["feeds/old.json"], refused.stdout[-3000:]
        assert "sync_bucket" in refused.stdout and "ops_runbooks_confirm" in refused.stdout
        done = run_playbook("playbooks/restore.yml", dict(args, ops_runbooks_confirm=True))
        assert done.returncode == 0, done.stdout[-3000:]
        assert keys() == sorted(["feeds/a.json", hostile, "feeds/old.json"]) and not marker.exists()
        report = json.loads((done.reports / "sync_bucket-local.json").read_text())
        assert sorted(report["copied"]) == sorted(["feeds/a.json", hostile]) and report["extra"] == ["feeds/old.json"]
        assert [c["status"] for c in report["checks"]] == ["warn"]
        deleting = dict(args, ops_runbooks_confirm=True, backup_restore_sync=dict(args["backup_restore_sync"],
                                                                                  delete=True))
        pruned = run_playbook("playbooks/restore.yml", deleting)
        assert pruned.returncode == 0 and keys() == sorted(["feeds/a.json", hostile]), pruned.stdout[-3000:]
        again = run_playbook("playbooks/restore.yml", deleting)
        assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]
        assert not marker.exists()


def test_backup_exports_the_code_each_alias_serves_when_the_inventory_names_a_bucket(sandbox, run_playbook):
    """Runbook 004 "Export Function Code" in playbooks/backup.yml: with ops_runbooks_code_export_bucket the package
    of the version each function's alias serves lands in the bucket, its SHA-256 the version's CodeSha256, encrypted
    with the inventory's key; the report holds a passed check per version; a second run stores nothing again."""
    s3, lam = sandbox.client("s3"), sandbox.client("lambda")
    bucket = "pb-code-%s" % datetime.datetime.now().strftime("%H%M%S%f")
    functions = ["ai-investment-score", "ai-investment-streaming"]
    args = {"backup_restore_tables": [], "ops_runbooks_code_export_bucket": bucket,
            "backup_restore_functions": functions}
    with scratch_bucket(s3, bucket):
        first = run_playbook("playbooks/backup.yml", args)
        assert first.returncode == 0, first.stdout[-3000:]
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
        expected = []
        for function in functions:
            version = lam.get_alias(FunctionName=function, Name="live")["FunctionVersion"]
            sha = lam.get_function(FunctionName=function, Qualifier=version)["Configuration"]["CodeSha256"]
            key = "lambda-code/%s/%s/%s.zip" % (function, version, base64.b64decode(sha).hex())
            body = s3.get_object(Bucket=bucket, Key=key)
            assert base64.b64encode(hashlib.sha256(body["Body"].read()).digest()).decode() == sha
            assert body["ServerSideEncryption"] == "aws:kms"
            expected.append(key)
        assert keys == sorted(expected)
        report = json.loads((first.reports / "backup-local.json").read_text())
        assert [(c["check"], c["status"]) for c in report["checks"]] == [("code export", "pass")] * 2
        again = run_playbook("playbooks/backup.yml", args)
        assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]


def test_replication_on_request_writes_the_rule_and_is_idempotent(sandbox, run_playbook):
    """Runbook 004 cross-region replication on request, through playbooks/restore.yml: the rule to the backup bucket
    read back from S3 (in production only when confirmed); a second run changes nothing."""
    s3, tag = sandbox.client("s3"), datetime.datetime.now().strftime("%H%M%S%f")
    role = "arn:aws:iam::123456789012:role/s3-replication"
    with scratch_bucket(s3, "pb-rep-src-" + tag) as source, scratch_bucket(s3, "pb-rep-bak-" + tag) as backup:
        for bucket in (source, backup):
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        args = {"backup_restore_action": "replication", "backup_restore_replication": {
            "bucket": source, "destination_bucket": backup, "role_arn": role, "prefix": "feeds/"}}
        refused = run_playbook("playbooks/restore.yml", dict(args, ops_runbooks_production_accounts=["123456789012"]))
        assert refused.returncode != 0 and "ops_runbooks_confirm" in refused.stdout, refused.stdout[-3000:]
        with pytest.raises(s3.exceptions.ClientError, match="ReplicationConfigurationNotFound"):
            s3.get_bucket_replication(Bucket=source)
        done = run_playbook("playbooks/restore.yml", dict(args, ops_runbooks_confirm=True))
        assert done.returncode == 0, done.stdout[-3000:]
        [rule] = s3.get_bucket_replication(Bucket=source)["ReplicationConfiguration"]["Rules"]
        assert (rule["ID"], rule["Filter"], rule["Destination"]["Bucket"]) == (
            "ops-runbooks-to-" + backup, {"Prefix": "feeds/"}, "arn:aws:s3:::" + backup)
        again = run_playbook("playbooks/restore.yml", dict(args, ops_runbooks_confirm=True))
        assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]
        s3.delete_bucket_replication(Bucket=source)
