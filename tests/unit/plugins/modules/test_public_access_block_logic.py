# -*- coding: utf-8 -*-
"""s3:GetBucketPublicAccessBlock, shown needed with botocore's Stubber: the emulator (moto) authorizes
GetPublicAccessBlock as s3:ListBucket, so taking the documented action away in the IAM sandbox proves nothing.
Each module that documents the action reads the bucket's public access block, and its answer decides the result.
(tests/integration/iam_proofs.yml names these tests.)"""
from __future__ import annotations

from botocore.stub import Stubber

from ansible_collections.ops.runbooks.plugins.modules import s3_access_check
from ansible_collections.ops.runbooks.plugins.modules import s3_status
from ansible_collections.ops.runbooks.plugins.modules import security_audit

import stubbed

BUCKET = "ai-investment-raw"
ALL_ON = {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                             "BlockPublicPolicy": True, "RestrictPublicBuckets": True}}
ONE_OFF = {"PublicAccessBlockConfiguration": dict(ALL_ON["PublicAccessBlockConfiguration"], BlockPublicPolicy=False)}
ENCRYPTION = {"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {
    "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:aws:kms:eu-central-1:123456789012:key/k"}}]}}


def test_s3_status_reads_the_public_access_block():
    client = stubbed.client("s3")
    with Stubber(client) as stub:
        stub.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": BUCKET})
        stub.add_response("get_bucket_encryption", ENCRYPTION, {"Bucket": BUCKET})
        stub.add_response("get_public_access_block", ONE_OFF, {"Bucket": BUCKET})
        found = s3_status.bucket_details(stubbed.retrying(client), BUCKET)
        stub.assert_no_pending_responses()
    assert found["public_access_blocked"] is False  # the answer decides it


def test_s3_access_check_reads_the_public_access_block():
    client = stubbed.client("s3")
    with Stubber(client) as stub:
        stub.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", http_status_code=404)
        stub.add_response("get_public_access_block", ALL_ON, {"Bucket": BUCKET})
        stub.add_response("get_bucket_encryption", ENCRYPTION, {"Bucket": BUCKET})
        _policy, block, _encryption = s3_access_check.read_bucket(stubbed.retrying(client), BUCKET)
        stub.assert_no_pending_responses()
    assert block == ALL_ON["PublicAccessBlockConfiguration"]


def test_security_audit_reads_the_public_access_block():
    client = stubbed.client("s3")
    with Stubber(client) as stub:
        stub.add_response("get_public_access_block", ONE_OFF, {"Bucket": BUCKET})
        stub.add_response("get_bucket_encryption", ENCRYPTION, {"Bucket": BUCKET})
        found = security_audit.audit_bucket(stubbed.retrying(client), None, {"bucket": BUCKET, "kms_key_id": None})
        stub.assert_no_pending_responses()
    block = [c for c in found if c["check"] == "public access block"]
    assert block and block[0]["status"] == "fail" and "BlockPublicPolicy" in block[0]["reason"], found
