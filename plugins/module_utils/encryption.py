# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Encryption at rest, judged the same way wherever it is checked (backup_verify, security_audit): which KMS key a
configuration names, whether two names are the same key, and a bucket's default encryption against what is
expected."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.checks import make_check

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def key_part(key):
    """``key/<id>`` or ``alias/<name>`` of a key ARN, alias ARN, alias name or bare key id."""
    tail = key.split(":", 5)[-1] if key.startswith("arn:") else key
    return tail if tail.startswith(("key/", "alias/")) else "key/" + tail


def key_arn(kms, key):
    """The key ARN an id, ARN or alias names (None when there is no such key). ``kms`` makes the client."""
    try:
        return kms().describe_key(aws_retry=True, KeyId=key)["KeyMetadata"]["Arn"]
    except is_boto3_error_code("NotFoundException"):
        return None


def same_key(kms, configured, expected):
    if key_part(configured) == key_part(expected):
        return True
    expected_arn = key_arn(kms, expected)
    return expected_arn is not None and key_arn(kms, configured) == expected_arn


def encryption_check(bucket, config, entry, kms):
    """The default encryption against what the entry expects: SSE-S3 or KMS, and the expected key."""
    defaults = [r["ApplyServerSideEncryptionByDefault"] for r in (config or {}).get("Rules", [])
                if "ApplyServerSideEncryptionByDefault" in r]
    # No configuration returned (an emulator; never on AWS since 2023): the bucket gets AWS's default, SSE-S3.
    algorithm = defaults[0]["SSEAlgorithm"] if defaults else "AES256"
    key = defaults[0].get("KMSMasterKeyID") if defaults else None
    observed = {"algorithm": algorithm, "kms_key_id": key}
    described = "SSE-S3 (AES256%s)" % ("" if defaults else ", AWS's default") if algorithm == "AES256" else \
        "%s with %s" % (algorithm, key or "the AWS managed key aws/s3")
    wants_kms = entry["encryption"] == "kms" or bool(entry["kms_key_id"])
    expected = {"algorithm": "aws:kms" if wants_kms else "any", "kms_key_id": entry["kms_key_id"]}
    if not entry["require_encryption"]:
        return make_check(bucket, "encryption", checks.PASS, "default encryption %s (not checked)" % described,
                          observed, None)
    if wants_kms and algorithm not in KMS_ALGORITHMS:
        return make_check(bucket, "encryption", checks.FAIL, "default encryption %s, KMS expected" % described,
                          observed, expected)
    if entry["kms_key_id"] and (not key or not same_key(kms, key, entry["kms_key_id"])):
        return make_check(bucket, "encryption", checks.FAIL, "default encryption %s, key %s expected" % (
            described, entry["kms_key_id"]), observed, expected)
    return make_check(bucket, "encryption", checks.PASS, "default encryption %s" % described, observed, expected)
