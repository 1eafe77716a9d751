# -*- coding: utf-8 -*-
"""s3_access_check against the emulator: runbook 000's "S3 Access Denied" problem seeded by tests/sandbox/problems.py,
then variations of the policies - the verdict names the statement that denies or is missing."""
from __future__ import annotations

import json
import uuid

import problems
import pytest
import seed

from iam import assert_denial_shown, assert_denied, documented_actions, policy

pytestmark = pytest.mark.moto_only("IAM and KMS policies as the IAM sandbox reads them; run on moto only")


@pytest.fixture
def denied(sandbox):
    return problems.s3_access_denied(sandbox.session(), sandbox.endpoint_url, "acc-" + uuid.uuid4().hex[:10])


def by_check(result):
    return dict((c["check"], c) for c in result["checks"])


def test_the_seeded_problem_names_the_denying_statement_and_the_missing_key_permission(denied, run_module):
    result = run_module("s3_access_check", {"bucket": denied["bucket"], "role_name": denied["role_name"],
                                            "actions": ["s3:GetObject"], "key": "features/*", "fail_on": "never"})
    assert result["changed"] is False and result["role_arn"] == denied["role_arn"]
    checks = by_check(result)
    assert checks["bucket policy"]["status"] == "fail"
    assert checks["bucket policy"]["reason"] == "bucket policy: DenyLambdaReads denies s3:GetObject to " + denied["role_arn"]
    assert checks["role policy"]["status"] == "pass" and "inline read-features: ReadFeatures" in checks["role policy"]["reason"]
    assert checks["encryption key"]["status"] == "fail" and denied["key_arn"] in checks["encryption key"]["reason"]
    assert result["missing_statements"] == [{"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [denied["key_arn"]]}]
    assert result["verdict"].startswith("bucket policy: DenyLambdaReads denies s3:GetObject")
    failing = run_module("s3_access_check", {"bucket": denied["bucket"], "role_name": denied["role_name"]})
    assert failing["failed"] is True and "DenyLambdaReads" in failing["msg"]


def test_a_role_without_an_allow_gets_the_statement_to_add(sandbox, denied, run_module):
    s3, iam = sandbox.client("s3"), sandbox.client("iam")
    s3.delete_bucket_policy(Bucket=denied["bucket"])
    iam.delete_role_policy(RoleName=denied["role_name"], PolicyName="read-features")
    arn = iam.create_policy(PolicyName=denied["role_name"] + "-kms", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}))[
        "Policy"]["Arn"]
    iam.attach_role_policy(RoleName=denied["role_name"], PolicyArn=arn)
    result = run_module("s3_access_check", {"bucket": denied["bucket"], "role_name": denied["role_name"],
                                            "actions": ["s3:PutObject"], "key": "out/x.json", "fail_on": "never"})
    checks = by_check(result)
    assert checks["bucket policy"]["status"] == "pass"
    assert checks["role policy"]["reason"] == "no statement allows s3:PutObject on arn:aws:s3:::%s/out/x.json" % denied["bucket"]
    assert checks["encryption key"]["reason"].startswith("no statement allows kms:GenerateDataKey")  # a write
    assert {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::%s/out/x.json" % denied["bucket"]]} \
        in result["missing_statements"]
    allowed = run_module("s3_access_check", {"bucket": denied["bucket"], "role_name": denied["role_name"],
                                             "actions": ["s3:GetObject"]})  # managed policy: kms:Decrypt on *
    assert by_check(allowed)["encryption key"]["status"] == "pass"
    assert "kms:Decrypt allowed on %s" % denied["key_arn"] == by_check(allowed)["encryption key"]["reason"]


@pytest.mark.parametrize("args, message", [
    ({"actions": []}, "actions: give at least one S3 action"),
    ({"actions": ["GetObject"]}, "actions: 'GetObject' is not an S3 action"),
    ({"bucket": "no-such-bucket-acc"}, "bucket: no-such-bucket-acc not found"),
    ({"role_name": "no-such-role-acc"}, "role_name: role no-such-role-acc not found"),
])
def test_bad_input(denied, run_module, args, message):
    result = run_module("s3_access_check", dict({"bucket": denied["bucket"], "role_name": denied["role_name"]}, **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]


PROVEN_BY_ITS_DENIAL = ("iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "s3:GetEncryptionConfiguration")


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("s3_access_check")
    assert set(actions) == {"s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock", "s3:GetEncryptionConfiguration",
                            "iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies",
                            "iam:GetPolicy", "iam:GetPolicyVersion", "kms:DescribeKey"}
    made = problems.s3_access_denied(iam_sandbox.session(), iam_sandbox.endpoint_url, "lpacc-" + uuid.uuid4().hex[:8])
    args = {"bucket": made["bucket"], "role_name": made["role_name"], "fail_on": "never"}
    # moto authorizes GetPublicAccessBlock as s3:ListBucket (its action map misses the publicAccessBlock query key);
    # AWS's action, documented, is s3:GetBucketPublicAccessBlock. Both are granted here; the documented list stays AWS's.
    emulated = ["s3:ListBucket"]
    done = run_module_iam("s3_access_check", args, iam_sandbox.iam_user(policy(actions + emulated)))
    assert not done.get("failed") and by_check(done)["bucket policy"]["status"] == "fail", done.get("msg")
    for missing in ("iam:GetRole", "iam:GetRolePolicy", "s3:GetBucketPolicy"):
        allowed = [a for a in actions + emulated if a != missing]
        refused = run_module_iam("s3_access_check", args, iam_sandbox.iam_user(policy(allowed)))
        assert_denied(refused, missing)
    for missing in PROVEN_BY_ITS_DENIAL:  # reported in the check it was needed for, the action named
        allowed = [a for a in actions + emulated if a != missing]
        refused = run_module_iam("s3_access_check", args, iam_sandbox.iam_user(policy(allowed)))
        assert_denial_shown(refused, missing)
    # A customer managed policy on the role and the bucket's key named by its alias: GetPolicy, GetPolicyVersion and
    # DescribeKey are called too
    iam, s3 = iam_sandbox.client("iam"), iam_sandbox.client("s3")
    managed = iam.create_policy(PolicyName=made["role_name"] + "-managed", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                                                "Resource": "arn:aws:s3:::" + made["bucket"]}]}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=made["role_name"], PolicyArn=managed)
    s3.put_bucket_encryption(Bucket=made["bucket"], ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": seed.KMS_ALIAS}}]})
    for missing in ("iam:GetPolicy", "iam:GetPolicyVersion", "kms:DescribeKey"):
        allowed = [a for a in actions + emulated if a != missing]
        refused = run_module_iam("s3_access_check", args, iam_sandbox.iam_user(policy(allowed)))
        assert_denial_shown(refused, missing)
