# -*- coding: utf-8 -*-
"""s3_status against the emulator: every bucket of the environment in one run, with their settings; a missing bucket
fails by name while the others are still read."""
from __future__ import annotations

import json

import pytest
import seed

from iam import assert_denial_shown, documented_actions, policy

pytestmark = pytest.mark.localstack


def blocked(s3, name):
    """What the emulator itself says (AWS and LocalStack block public access on new buckets; moto does not)."""
    try:
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    except s3.exceptions.ClientError:
        return False
    return all(block.values())


def test_all_buckets_with_their_settings(aws, run_module):
    result = run_module("s3_status", {"buckets": list(seed.BUCKETS), "details": True, "concurrency": 4})
    assert not result.get("failed"), result
    assert list(result["buckets"]) == list(seed.BUCKETS)
    for name, (versioning, encryption, _replicated) in seed.BUCKETS.items():
        bucket = result["buckets"][name]
        assert bucket["reachable"] is True and "error" not in bucket, bucket
        assert bucket["versioning"] == ("Enabled" if versioning else "Disabled"), name
        if encryption:
            assert bucket["encryption"] == "aws:kms" and bucket["kms_key_id"], name
        assert bucket["public_access_blocked"] is blocked(aws("s3"), name)
    assert result["summary"] == {"pass": 5, "warn": 0, "fail": 0, "unknown": 0}


def test_a_missing_bucket_fails_by_name_and_hides_nothing(run_module):
    result = run_module("s3_status", {"buckets": ["no-such-bucket-status", "ai-investment-raw-data"],
                                      "fail_on": "never"})
    checks = dict((c["resource"], c) for c in result["checks"])
    assert checks["no-such-bucket-status"]["status"] == "fail"
    assert checks["no-such-bucket-status"]["reason"] == "bucket no-such-bucket-status does not exist"
    assert checks["ai-investment-raw-data"]["status"] == "pass"
    assert result["buckets"]["ai-investment-raw-data"]["versioning"] is None  # details not asked
    failing = run_module("s3_status", {"buckets": ["no-such-bucket-status", "ai-investment-raw-data"]})
    assert failing["failed"] is True and failing["msg"].startswith("1 bucket(s) unreachable: bucket no-such")


@pytest.mark.parametrize("args, message", [
    ({"buckets": []}, "buckets: name at least one"),
    ({"concurrency": 0}, "concurrency: 0 is out of range"),
])
def test_bad_input_names_the_parameter(run_module, args, message):
    params = {"buckets": ["ai-investment-raw-data"]}
    params.update(args)
    result = run_module("s3_status", params)
    assert result["failed"] is True and message in result["msg"], result["msg"]


@pytest.mark.moto_only("IAM enforcement is the moto sandbox's")
def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("s3_status")
    assert actions == ["s3:ListBucket", "s3:GetBucketVersioning", "s3:GetEncryptionConfiguration",
                       "s3:GetBucketPublicAccessBlock"]
    bucket = sorted(seed.BUCKETS)[0]
    done = run_module_iam("s3_status", {"buckets": [bucket], "details": True}, iam_sandbox.iam_user(policy(actions)))
    assert not done.get("failed") and "error" not in done["buckets"][bucket], done
    assert "Access Denied" not in json.dumps(done)
    # S3 names no action: one removed at a time, its denial shows in the bucket's result (GetBucketPublicAccessBlock:
    # moto answers "no configuration" without checking the policy - not enforceable here)
    for missing in ("s3:ListBucket", "s3:GetBucketVersioning", "s3:GetEncryptionConfiguration"):
        refused = run_module_iam("s3_status", {"buckets": [bucket], "details": True, "fail_on": "never"},
                                 iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denial_shown(refused, missing)
