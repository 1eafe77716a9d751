# -*- coding: utf-8 -*-
"""The sentinel sweep (#30): no secret value leaves the run. Unique sentinels are planted in every secret-bearing
place a job reads - a function's environment value, the PostgreSQL password (as AWX's credential injects it), a
SecureString, a Secrets Manager value, a URL's query token - and the playbooks that read them run as AWX runs them
(ansible_runner, a fresh project update). Then everything the runs left is searched: the job events and stdout
(what AWX stores), the reports (markdown, JSON, HTML), ``set_stats`` (in the events), the incident records and the
messages published to the alert topic. Goal: 0 hits; the figure is printed (``-s``) for the closing note.

The webhook URL (awx_configure.yml) is swept in tests/unit/test_awx_configure.py (no AWX server here); the assumed
role's temporary credentials in tests/integration/playbooks/test_fleet.py.
"""
from __future__ import annotations

import json
import os
import uuid

import pytest
import seed
from queues import take
from test_awx_runner import job, project_update  # noqa: F401  pylint: disable=unused-import

pytestmark = pytest.mark.moto_only("the jobs run the full playbooks (Lambda, DynamoDB, SSM, Secrets Manager)")

FUNCTION = "ai-investment-score"


@pytest.fixture
def planted(sandbox):
    """The sentinels, each where a secret lives; everything put back afterwards."""
    tag = uuid.uuid4().hex[:10]
    s = {place: "sntl-%s-%s" % (place, tag) for place in ("fnenv", "pgpass", "ssm", "secret", "urltoken")}
    lam, ssm, sm, s3 = (sandbox.client(c) for c in ("lambda", "ssm", "secretsmanager", "s3"))
    before = lam.get_function_configuration(FunctionName=FUNCTION)["Environment"]["Variables"]
    lam.update_function_configuration(FunctionName=FUNCTION, Environment={"Variables": dict(
        before, SWEEP_DB_PASSWORD=s["fnenv"])})
    parameter = "/%s/sweep-%s/db-password" % (seed.PROJECT, tag)
    ssm.put_parameter(Name=parameter, Value=s["ssm"], Type="SecureString", KeyId=seed.KMS_ALIAS)
    secret = sm.create_secret(Name="%s-sweep-%s" % (seed.PROJECT, tag),
                              SecretString=json.dumps({"password": s["secret"], "api": "rotate-me-%s" % tag}))["ARN"]
    bucket = "sweep-%s" % tag
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    yield dict(s, parameter=parameter, secret_arn=secret, bucket=bucket)
    lam.update_function_configuration(FunctionName=FUNCTION, Environment={"Variables": before})
    ssm.delete_parameter(Name=parameter)
    sm.delete_secret(SecretId=secret, ForceDeleteWithoutRecovery=True)
    for version in s3.list_object_versions(Bucket=bucket).get("Versions", []):
        s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    s3.delete_bucket(Bucket=bucket)


@pytest.fixture
def alert_inbox(sandbox):
    """Every message published to the alert topic during the test."""
    sqs, sns = sandbox.client("sqs"), sandbox.client("sns")
    url = sqs.create_queue(QueueName="sweep-inbox-%s" % uuid.uuid4().hex[:8])["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":%s-alerts" % seed.PROJECT)][0]
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    yield lambda: [m["Body"] for m in take(sqs, url)]
    sns.unsubscribe(SubscriptionArn=subscription)
    sqs.delete_queue(QueueUrl=url)


def _hits(text, sentinels):
    return dict((place, text.count(value)) for place, value in sentinels.items() if value in text)


def _job_files(pdd):
    """Every file a job left (events, stdout, reports, facts) - not its inputs (env/) nor the project."""
    for root, dirs, files in os.walk(pdd):
        dirs[:] = [d for d in dirs if d not in ("env", "project", "requirements_collections", "inventory")]
        for name in files:
            yield os.path.join(root, name)


def test_no_planted_secret_reaches_events_reports_stats_records_or_messages(sandbox, job, planted, alert_inbox):
    sentinels = dict((k, planted[k]) for k in ("fnenv", "pgpass", "ssm", "secret", "urltoken"))
    postgres = {"login_host": sandbox.pg_dsn["host"],
                "login_port": sandbox.pg_port, "login_user": "postgres", "database": "ai_data_readiness",
                "login_password": "{{ vault_ops_runbooks_pg_password }}"}  # as inventories/production has it
    credential = {"vault_ops_runbooks_pg_password": planted["pgpass"]}  # as AWX's credential type injects it
    health_url = sandbox.details()["sandbox_health_url"]
    runs = [
        ("playbooks/daily_health.yml", dict(credential, ops_runbooks_postgres=postgres, health_check_http_endpoints=[
            {"name": "api health", "url": "%s?api_key=%s&page=1" % (health_url, planted["urltoken"])}])),
        ("playbooks/maintenance.yml", {"maintenance_tasks": ["runtimes", "parameter_export", "secrets"],
                                       "maintenance_parameter_bucket": planted["bucket"],
                                       "maintenance_parameter_kms_key": seed.KMS_ALIAS,
                                       "maintenance_secrets": [{"secret_id": planted["secret_arn"], "json_key": "api",
                                                                "generate": {"length": 24},
                                                                "refresh_functions": [FUNCTION]}],
                                       "ops_runbooks_confirm": True}),
        ("playbooks/security_audit.yml", {}),
        ("playbooks/troubleshoot.yml", {"troubleshooting_problem": "lambda_timeout",
                                        "troubleshooting_function": FUNCTION}),
        ("playbooks/troubleshoot.yml", {"troubleshooting_problem": "api_5xx", "troubleshooting_function": FUNCTION}),
        ("playbooks/verify_backups.yml", dict(credential, ops_runbooks_postgres=postgres)),
        ("playbooks/incident.yml", {"incident_response_title": "sweep %s" % uuid.uuid4().hex[:6],
                                    "incident_response_functions": [FUNCTION], "incident_response_plan_only": True}),
    ]
    hits, files = {}, 0
    for playbook, survey in runs:
        runner, _artifacts, pdd = job(playbook, survey)
        assert "was not found" not in runner.output, (playbook, runner.output[-2000:])
        assert runner.rc in (0, 2), (playbook, runner.output[-3000:])  # a check that fails is a finding, not an error
        for path in _job_files(pdd):
            files += 1
            with open(path, "rb") as fh:
                found = _hits(fh.read().decode("utf-8", "replace"), sentinels)
            if found:
                hits["%s: %s" % (playbook, os.path.relpath(path, pdd))] = found
    records = json.dumps(sandbox.client("dynamodb").scan(TableName="ops-runbooks-incidents")["Items"])
    if _hits(records, sentinels):
        hits["incident records"] = _hits(records, sentinels)
    messages = alert_inbox()
    if _hits(json.dumps(messages), sentinels):
        hits["alert topic"] = _hits(json.dumps(messages), sentinels)
    print("\nsentinel sweep: %d places planted, %d playbooks run as AWX jobs, %d files, %d records, %d messages "
          "searched: %d hits" % (len(sentinels), len(runs), files, len(json.loads(records)), len(messages),
                                 sum(sum(h.values()) for h in hits.values())))
    assert hits == {}, json.dumps(hits, indent=1)
    # the sweep searched real material: the runs read what was planted
    secret = sandbox.client("secretsmanager").get_secret_value(SecretId=planted["secret_arn"])["SecretString"]
    assert json.loads(secret)["password"] == planted["secret"] and not json.loads(secret)["api"].startswith("rotate-me")
    exported = sandbox.client("s3").list_objects_v2(Bucket=planted["bucket"]).get("Contents", [])
    assert exported, "the parameter export wrote nothing: the SecureString was never read"
