# -*- coding: utf-8 -*-
"""Production is an account, not a label (docs/threat-model.md): the first role of every play (ops.runbooks.fleet)
asks STS whose credentials these are; a declared account they contradict stops the host before anything runs; an
account listed in ops_runbooks_production_accounts makes every destructive step need confirmation whatever the
inventory calls the environment; an account nobody declared guards them too (fail closed); and a playbook that can
change many resources changes only those the run names. Each case asserts the emulator unchanged."""
from __future__ import annotations

import json
import uuid

import pytest

FUNCTION = "ai-investment-orchestrator"
STAGING = {"ops_runbooks_environment": "staging-lookalike", "ops_runbooks_production_accounts": ["123456789012"]}


def _alias(sandbox, function):
    return sandbox.client("lambda").get_alias(FunctionName=function, Name="live")["FunctionVersion"]


def test_a_declared_account_the_credentials_contradict_stops_the_host_before_anything_runs(sandbox, run_playbook):
    before = _alias(sandbox, FUNCTION)
    proc = run_playbook("playbooks/lambda_rollback.yml", {"lambda_rollback_functions": [FUNCTION],
                                                          "ops_runbooks_aws_account_id": "999999999999"})
    assert proc.returncode != 0
    assert ("local declares account 999999999999 but its credentials are of account 123456789012: stopping this "
            "host before anything runs") in proc.stdout
    assert _alias(sandbox, FUNCTION) == before and not list(proc.reports.glob("lambda_rollback-*"))


def _dlq_with_a_message(sqs):
    name = "pa-" + uuid.uuid4().hex[:6]
    dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": arn,
                                                                              "maxReceiveCount": "3"})})
    sqs.send_message(QueueUrl=dlq, MessageBody="failed")
    return name, dlq


def _visible(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
        "ApproximateNumberOfMessages"]


@pytest.mark.parametrize("step", ["rollback", "restore", "purge", "redrive"])
def test_a_production_account_needs_confirmation_in_an_inventory_labelled_staging(sandbox, run_playbook, step):
    sqs, ddb = sandbox.client("sqs"), sandbox.client("dynamodb")
    why = "staging-lookalike is production (account 123456789012 is in ops_runbooks_production_accounts)"
    if step == "rollback":
        before = _alias(sandbox, FUNCTION)
        proc = run_playbook("playbooks/lambda_rollback.yml", dict(STAGING, lambda_rollback_functions=[FUNCTION]))
        assert _alias(sandbox, FUNCTION) == before
    elif step == "restore":
        target = "pa-restored-" + uuid.uuid4().hex[:6]
        proc = run_playbook("playbooks/dynamodb_restore.yml", dict(
            STAGING, dynamodb_restore_source_table="ai-investment-signals", dynamodb_restore_latest_backup=True,
            dynamodb_restore_target_table=target))
        assert target not in ddb.list_tables()["TableNames"]
    else:
        name, dlq = _dlq_with_a_message(sqs)
        args = {"queue_ops_action": "purge", "queue_ops_purge_queue": name + "-dlq"} if step == "purge" else \
            {"queue_ops_action": "redrive", "queue_ops_dlq": name + "-dlq"}
        proc = run_playbook("playbooks/queue_ops.yml", dict(STAGING, **args))
        assert _visible(sqs, dlq) == "1"
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert why in proc.stdout and "needs -e ops_runbooks_confirm=true" in proc.stdout, proc.stdout[-2000:]


def test_an_account_nobody_declared_guards_destructive_steps_too(sandbox, run_playbook):
    before = _alias(sandbox, FUNCTION)
    proc = run_playbook("playbooks/lambda_rollback.yml", {"lambda_rollback_functions": [FUNCTION],
                                                          "ops_runbooks_aws_account_id": ""})
    assert proc.returncode != 0
    assert ("the account of local is not verified: no ops_runbooks_aws_account_id in its inventory (STS: "
            "123456789012)") in proc.stdout
    assert _alias(sandbox, FUNCTION) == before


def test_a_rollback_without_a_selection_moves_no_alias(sandbox, run_playbook):
    functions = [f for f in sandbox.client("lambda").list_functions()["Functions"]
                 if f["FunctionName"].startswith("ai-investment-")]
    before = {f["FunctionName"]: _alias(sandbox, f["FunctionName"]) for f in functions
              if f["FunctionName"] != "ai-investment-health-check"}
    for extra in ({}, {"lambda_rollback_functions": []}):
        proc = run_playbook("playbooks/lambda_rollback.yml", extra)
        assert proc.returncode != 0
        assert "name the functions to roll back" in proc.stdout and "lambda_rollback_functions is empty" in proc.stdout
    assert {f: _alias(sandbox, f) for f in before} == before


def test_a_lockdown_and_an_apply_without_a_selection_are_refused(run_playbook):
    lockdown = run_playbook("playbooks/security_lockdown.yml", {"security_incident_id": "SEC-PA-1",
                                                                "ops_runbooks_confirm": True})
    assert lockdown.returncode != 0 and "security_lockdown_functions must name the functions" in lockdown.stdout
    apply = run_playbook("playbooks/performance.yml", {"performance_apply": True, "performance_checks": ["lambda"]})
    assert apply.returncode != 0 and "performance_apply_resources is empty" in apply.stdout


def test_when_sts_does_not_answer_the_account_is_unknown_and_a_destructive_step_is_refused(
        sandbox, faults, run_playbook):
    """A missing answer fails closed: STS answers 503 (the fault proxy, every GetCallerIdentity), the role fleet's
    action plugin gives up after its 3 bounded attempts, and the rollback needs confirmation as in production."""
    before = _alias(sandbox, FUNCTION)
    faults.configure(rate=1.0, kinds=["503"], ops=["GetCallerIdentity"], seed=1)
    proc = run_playbook("playbooks/lambda_rollback.yml", {"lambda_rollback_functions": [FUNCTION],
                                                          "sandbox_aws_endpoint_url": faults.endpoint_url})
    assert proc.returncode != 0
    assert "the account of local is not verified: STS gave no answer (STS GetCallerIdentity failed" in proc.stdout, proc.stdout[-3000:]
    assert "needs -e ops_runbooks_confirm=true" in proc.stdout
    assert len([f for f in faults.faults_injected() if f["operation"] == "GetCallerIdentity"]) == 3  # bounded
    assert _alias(sandbox, FUNCTION) == before
