# -*- coding: utf-8 -*-
"""security_audit against the emulator and the sandbox's PostgreSQL, on good and bad resources made here: a bucket
with SSE-S3 where KMS is required, a key without rotation, a role with "*", a console user without MFA. Backdated
access keys and CloudTrail's LookupEvents are in the unit tests (the emulator has neither)."""
from __future__ import annotations

import json
import uuid

import pytest
import seed

from iam import assert_denial_shown, assert_denied, documented_actions, policy

pytestmark = pytest.mark.moto_only("IAM, KMS and DynamoDB as the moto sandbox serves them")


def by(result):
    return dict(((c["resource"], c["check"]), c) for c in result["checks"])


@pytest.fixture
def world(aws):
    s3, kms, iam, ddb = aws("s3"), aws("kms"), aws("iam"), aws("dynamodb")
    tag = uuid.uuid4().hex[:6]
    key = kms.describe_key(KeyId=seed.KMS_ALIAS)["KeyMetadata"]["Arn"]
    good, bad = "sa-good-" + tag, "sa-bad-" + tag
    for bucket in (good, bad):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_bucket_encryption(Bucket=good, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})
    s3.put_public_access_block(Bucket=good, PublicAccessBlockConfiguration=dict(
        BlockPublicAcls=True, IgnorePublicAcls=True, BlockPublicPolicy=True, RestrictPublicBuckets=True))
    s3.put_bucket_encryption(Bucket=bad, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    unrotated = kms.create_key(Description="sa no rotation")["KeyMetadata"]["KeyId"]
    role = "sa-role-" + tag
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName=role, PolicyName="everything", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    extra = iam.create_policy(PolicyName="sa-extra-" + tag, PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                "Resource": "arn:aws:s3:::x/*"}]}))["Policy"]
    iam.attach_role_policy(RoleName=role, PolicyArn=extra["Arn"])
    user = "sa-user-" + tag
    iam.create_user(UserName=user)
    iam.create_login_profile(UserName=user, Password="Sandbox-only-1!")
    iam.create_access_key(UserName=user)
    table = "sa-table-" + tag
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
                     SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key})
    return dict(good=good, bad=bad, unrotated=unrotated, role=role, extra=extra["PolicyName"], user=user, table=table)


def test_good_and_bad_resources_are_told_apart(sandbox, world, run_module):
    result = run_module("security_audit", {
        "buckets": [{"bucket": world["good"], "kms_key_id": seed.KMS_ALIAS}, {"bucket": world["bad"]}],
        "tables": [world["table"], sorted(seed.TABLES)[0]],
        "kms_keys": [seed.KMS_ALIAS, world["unrotated"]],
        "roles": [{"role_name": world["role"], "allowed_policies": ["AWSLambdaBasicExecutionRole"]}],
        "credential_report": True, "access_key_max_age": "90d",
        "cloudtrail_events": ["DeleteTable"], "cloudtrail_window": "7d",
        "postgres_database": seed.PG_DATABASE, "login_host": "127.0.0.1", "login_port": sandbox.pg_port,
        "postgres_allowed_clients": ["10.0.0.0/8"], "fail_on": "never"})
    found = by(result)
    assert found[(world["good"], "encryption")]["status"] == "pass"
    assert found[(world["good"], "public access block")]["status"] == "pass"
    assert found[(world["bad"], "encryption")]["reason"] == "default encryption SSE-S3 (AES256), KMS expected"
    assert found[(world["bad"], "public access block")]["status"] == "fail"
    assert found[(world["table"], "encryption")]["status"] == "pass"
    assert found[(sorted(seed.TABLES)[0], "encryption")]["status"] == "fail"  # the AWS owned key
    assert found[(seed.KMS_ALIAS, "kms rotation")]["status"] == "pass"
    assert found[(world["unrotated"], "kms rotation")]["reason"] == "automatic rotation off"
    assert found[(world["role"], "attached policies")]["reason"] == "not allowed: " + world["extra"]
    assert found[(world["role"], "policy wildcards")]["status"] == "warn"
    assert "inline everything Everything: *, Resource *" in found[(world["role"], "policy wildcards")]["reason"]
    assert found[(world["user"], "console mfa")]["status"] == "fail"
    assert found[(world["user"] + " key 1", "access key")]["status"] == "pass"  # made just now
    trail = found[("cloudtrail", "event DeleteTable")]  # the emulator answers LookupEvents with NotImplemented
    assert trail["status"] == "unknown" and trail["reason"].startswith("LookupEvents unavailable: ")
    assert found[("127.0.0.1", "postgres clients")]["status"] == "fail"  # outside 10.0.0.0/8
    failing = run_module("security_audit", {"kms_keys": [world["unrotated"]]})
    assert failing["failed"] is True and "1 audit check(s) failed: %s | kms rotation" % world["unrotated"] in failing["msg"]
    allowed = run_module("security_audit", {"postgres_database": seed.PG_DATABASE, "login_host": "127.0.0.1",
                                            "login_port": sandbox.pg_port, "postgres_allowed_clients": ["127.0.0.0/8"],
                                            "maintenance_db": "postgres", "connect_timeout": 5})
    assert not allowed.get("failed") and allowed["summary"]["fail"] == 0


@pytest.mark.parametrize("args, message", [
    ({"access_key_max_age": "soon"}, "access_key_max_age"),
    ({"cloudtrail_window": "-1d"}, "cloudtrail_window"),
    ({"postgres_allowed_clients": ["10.0.0.300/8"]}, "postgres_allowed_clients: "),
])
def test_bad_input(run_module, args, message):
    result = run_module("security_audit", args)
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("security_audit")
    assert set(actions) == {"s3:GetEncryptionConfiguration", "s3:GetBucketPublicAccessBlock", "kms:DescribeKey",
                            "kms:GetKeyRotationStatus", "dynamodb:DescribeTable", "iam:ListAttachedRolePolicies",
                            "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:GetPolicy", "iam:GetPolicyVersion",
                            "iam:GenerateCredentialReport", "iam:GetCredentialReport", "cloudtrail:LookupEvents"}
    args = {"kms_keys": [seed.KMS_ALIAS], "tables": [sorted(seed.TABLES)[0]], "credential_report": True,
            "roles": [{"role_name": "ai-investment-lambda-exec"}], "fail_on": "never"}
    done = run_module_iam("security_audit", args, iam_sandbox.iam_user(policy(actions)))
    assert not done.get("failed"), done.get("msg")
    for missing in ("kms:GetKeyRotationStatus", "dynamodb:DescribeTable", "iam:GetCredentialReport",
                    "iam:ListAttachedRolePolicies"):
        refused = run_module_iam("security_audit", args, iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denied(refused, missing)
    # With a bucket and the role's policies read: each denial is shown, the action named. (moto authorizes
    # GetPublicAccessBlock as s3:ListBucket, granted here; a role of its own carries an inline policy.)
    iam = iam_sandbox.client("iam")
    inline = "lpsa-" + uuid.uuid4().hex[:6]
    iam.create_role(RoleName=inline, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName=inline, PolicyName="read-raw", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    wider = dict(args, buckets=[{"bucket": sorted(seed.BUCKETS)[0]}], roles=args["roles"] + [{"role_name": inline}])
    for missing in ("iam:ListRolePolicies", "iam:GetRolePolicy", "iam:GetPolicy", "iam:GetPolicyVersion",
                    "kms:DescribeKey", "s3:GetEncryptionConfiguration"):
        refused = run_module_iam("security_audit", wider, iam_sandbox.iam_user(policy(
            [a for a in actions if a != missing] + ["s3:ListBucket"])))
        assert_denial_shown(refused, missing)
