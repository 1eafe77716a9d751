# -*- coding: utf-8 -*-
"""playbooks/security_audit.yml, security_lockdown.yml and security_unlock.yml against the sandbox: the audit finds
the seeded environment's gaps; lockdown then unlock returns every function's environment and the role's policies
exactly to the snapshot (compared field by field); a second lockdown changes nothing."""
from __future__ import annotations

import json
import uuid

import problems
import pytest
import seed

pytestmark = pytest.mark.moto_only("Lambda, IAM and DynamoDB as the moto sandbox serves them")


def variables(lam, name, qualifier=None):
    raw = lam.get_function_configuration(FunctionName=name, **({"Qualifier": qualifier} if qualifier else {}))
    return (raw.get("Environment") or {}).get("Variables") or {}


def served(lam, name):
    return lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"]


def policies(iam, role):
    return sorted(p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"])


def test_the_audit_reports_the_seeded_environment(run_playbook):
    proc = run_playbook("playbooks/security_audit.yml")
    assert proc.returncode != 0 and "audit check(s) failed" in proc.stdout  # the sandbox's gaps are real
    checks = dict(((c["resource"], c["check"]), c) for c in json.loads(
        (proc.reports / "security_audit-local.json").read_text())["checks"])
    assert checks[("ai-investment-lambda-exec", "attached policies")]["status"] == "pass"
    assert checks[(seed.KMS_ALIAS, "kms rotation")]["status"] == "pass"
    assert checks[("ai-investment-raw-data", "encryption")]["status"] == "pass"
    assert checks[("ai-investment-raw-data", "public access block")]["status"] == "fail"
    assert checks[("ai-investment-signals", "encryption")]["status"] == "fail"  # AWS owned key, KMS expected
    assert checks[("cloudtrail", "event DeleteTable")]["status"] == "unknown"


@pytest.fixture
def locked_world(sandbox):
    tag = uuid.uuid4().hex[:6]
    plain, flagged = "sec-plain-" + tag, "sec-flagged-" + tag
    lam = sandbox.client("lambda")
    problems._function(lam, plain)  # pylint: disable=protected-access
    problems._function(lam, flagged)  # pylint: disable=protected-access
    # One function had EMERGENCY_MODE before the incident: the unlock must leave it as it was.
    lam.update_function_configuration(FunctionName=flagged, Environment={"Variables": {
        "TABLE_NAME": "ai-investment-signals", "LOG_LEVEL": "INFO", "EMERGENCY_MODE": "false"}})
    version = lam.publish_version(FunctionName=flagged)["Version"]
    lam.update_alias(FunctionName=flagged, Name="live", FunctionVersion=version)
    iam, role = sandbox.client("iam"), "sec-role-" + tag
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    return {"functions": [plain, flagged], "role": role, "id": "SEC-TEST-" + tag}


def _args(world, **extra):
    return dict({"security_incident_id": world["id"], "security_lockdown_functions": world["functions"],
                 "security_lockdown_role": world["role"], "ops_runbooks_lambda_alias": "live"}, **extra)


def test_lockdown_needs_confirmation_everywhere(sandbox, locked_world, run_playbook):
    lam = sandbox.client("lambda")
    before = [variables(lam, f) for f in locked_world["functions"]]
    refused = run_playbook("playbooks/security_lockdown.yml", _args(locked_world))
    assert refused.returncode != 0 and "the security lockdown %s needs -e ops_runbooks_confirm=true" % \
        locked_world["id"] in refused.stdout.replace("\n", " ")
    assert [variables(lam, f) for f in locked_world["functions"]] == before


def test_lockdown_then_unlock_restores_exactly_and_a_second_lockdown_changes_nothing(sandbox, locked_world,
                                                                                     run_playbook):
    lam, iam = sandbox.client("lambda"), sandbox.client("iam")
    plain, flagged = locked_world["functions"]
    before = {f: (variables(lam, f), variables(lam, f, served(lam, f))) for f in locked_world["functions"]}
    policies_before = policies(iam, locked_world["role"])
    args = _args(locked_world, ops_runbooks_confirm=True)

    locked = run_playbook("playbooks/security_lockdown.yml", args)
    assert locked.returncode == 0, locked.stdout[-3000:]
    for function in locked_world["functions"]:
        now = variables(lam, function, served(lam, function))  # what the alias serves
        assert now.pop("EMERGENCY_MODE") == "true"
        assert now == dict((k, v) for k, v in before[function][1].items() if k != "EMERGENCY_MODE")
    assert policies(iam, locked_world["role"]) == sorted(policies_before + [seed.LOCKDOWN_POLICY])
    item = sandbox.client("dynamodb").get_item(TableName=seed.INCIDENT_TABLE, Key={
        "id": {"S": "local/" + locked_world["id"]}})["Item"]
    record = json.loads(item["record"]["S"])
    assert record["snapshot"]["functions"][flagged]["emergency_mode"] == "false"
    assert record["snapshot"]["functions"][plain]["emergency_mode"] is None
    assert record["snapshot"]["managed_policies"] == policies_before

    again = run_playbook("playbooks/security_lockdown.yml", args)
    assert again.returncode == 0 and json.loads((again.reports / (
        "security-lockdown-%s-local.json" % locked_world["id"])).read_text())["changed_now"] == []
    assert json.loads(sandbox.client("dynamodb").get_item(TableName=seed.INCIDENT_TABLE, Key={
        "id": {"S": "local/" + locked_world["id"]}})["Item"]["record"]["S"])["snapshot"] == record["snapshot"]

    unlocked = run_playbook("playbooks/security_unlock.yml", args)
    assert unlocked.returncode == 0, unlocked.stdout[-3000:]
    for function in locked_world["functions"]:  # field by field, $LATEST and what the alias serves
        assert variables(lam, function) == before[function][0]
        assert variables(lam, function, served(lam, function)) == before[function][1]
    assert policies(iam, locked_world["role"]) == policies_before
    twice = run_playbook("playbooks/security_unlock.yml", args)
    assert twice.returncode == 0 and json.loads((twice.reports / (
        "security-unlock-%s-local.json" % locked_world["id"])).read_text())["changed_now"] == []


def test_unlock_without_a_lockdown_is_refused(locked_world, run_playbook):
    refused = run_playbook("playbooks/security_unlock.yml", _args(locked_world, ops_runbooks_confirm=True))
    assert refused.returncode != 0 and "no lockdown snapshot" in refused.stdout
