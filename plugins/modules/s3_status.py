#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_status
short_description: Reachability, versioning, encryption and public access block of many S3 buckets at once
version_added: 0.4.0
description:
  - Reads many S3 buckets concurrently in one module run - not one module start per bucket - and returns, per bucket,
    whether it can be listed (C(ListObjectsV2) of one key), and with O(details) its versioning status, default
    encryption and public access block.
  - One C(bucket reachable) check per bucket in the collection's common model - a bucket that can be listed passes, one
    that does not exist or cannot be listed fails with the reason; an error on one bucket never hides the others.
  - >-
    Automates runbook 000's daily check "S3 access" (aws s3 ls per bucket) and the bucket reads of runbook 004's
    backup and security reviews.
  - Read-only.
notes:
  - "IAM actions (least privilege): C(s3:ListBucket); with O(details) C(s3:GetBucketVersioning),
    C(s3:GetEncryptionConfiguration), C(s3:GetBucketPublicAccessBlock)."
  - "Least-privilege proof: C(s3:GetBucketPublicAccessBlock) is shown needed with botocore's Stubber (the emulator
    authorizes GetPublicAccessBlock as C(s3:ListBucket)); the other actions are each removed from a policy in a test."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  buckets:
    description: Bucket names.
    type: list
    elements: str
    required: true
  details:
    description: Also read versioning, default encryption and the public access block (three more calls per bucket).
    type: bool
    default: false
  concurrency:
    description: Buckets read at the same time.
    type: int
    default: 8
extends_documentation_fragment:
  - ops.runbooks.checks
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Read-only; check mode runs the same reads.
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Every bucket of the environment reachable (runbook 000 daily check), in one call
  ops.runbooks.s3_status:
    buckets: "{{ ops_runbooks_buckets }}"
  register: buckets

- name: With versioning, encryption and the public access block
  ops.runbooks.s3_status:
    buckets: "{{ ops_runbooks_buckets }}"
    details: true
    fail_on: never
  register: buckets
"""

RETURN = r"""
buckets:
  description: Bucket name -> what was read (null where not read or not readable).
  returned: always
  type: dict
  contains:
    reachable: {description: Whether one key could be listed., type: bool}
    error: {description: Why the bucket could not be listed (absent when it could)., type: str}
    versioning: {description: "With O(details), C(Enabled), C(Suspended) or C(Disabled) (never enabled).", type: str}
    encryption: {description: "With O(details), the default encryption algorithm (C(AES256), C(aws:kms), C(aws:kms:dsse)).", type: str}
    kms_key_id: {description: "With O(details), the KMS key of the default encryption.", type: str}
    public_access_blocked: {description: "With O(details), whether all four public access block settings are on.", type: bool}
  sample:
    ai-investment-raw-data: {reachable: true, versioning: Enabled, encryption: "aws:kms",
                             kms_key_id: "arn:aws:kms:eu-central-1:123456789012:key/x", public_access_blocked: false}
checks:
  description: One C(bucket reachable) check per bucket in the common check model.
  returned: always
  type: list
  elements: dict
summary:
  description: Counts by status.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.batch import run_batched
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line

EMPTY = {"versioning": None, "encryption": None, "kms_key_id": None, "public_access_blocked": None}
BLOCK_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def bucket_details(s3, name):
    """Versioning, default encryption and public access block of a bucket (each None where it is not configured)."""
    found = dict(EMPTY)
    found["versioning"] = s3.get_bucket_versioning(aws_retry=True, Bucket=name).get("Status") or "Disabled"
    try:
        rules = s3.get_bucket_encryption(aws_retry=True, Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
        found.update(encryption=default.get("SSEAlgorithm"), kms_key_id=default.get("KMSMasterKeyID"))
    except is_boto3_error_code("ServerSideEncryptionConfigurationNotFoundError"):
        pass  # AWS encrypts with SSE-S3 anyway since 2023; the emulator has no configuration to show
    try:
        block = s3.get_public_access_block(aws_retry=True, Bucket=name)["PublicAccessBlockConfiguration"]
        found["public_access_blocked"] = all(block.get(k) for k in BLOCK_SETTINGS)
    except is_boto3_error_code("NoSuchPublicAccessBlockConfiguration"):
        found["public_access_blocked"] = False
    return found


def read_bucket(s3, name, details):
    """One bucket's RETURN entry; an AWS error is its ``error`` (the other buckets go on)."""
    try:
        s3.list_objects_v2(aws_retry=True, Bucket=name, MaxKeys=1)
    except is_boto3_error_code("NoSuchBucket"):
        return dict(EMPTY, reachable=False, error="bucket %s does not exist" % name)
    except Exception as e:  # pylint: disable=broad-exception-caught  # one bucket's failure is its result
        return dict(EMPTY, reachable=False, error=one_line(e, 300))
    state = dict(EMPTY, reachable=True)
    if details:
        try:
            state.update(bucket_details(s3, name))
        except Exception as e:  # pylint: disable=broad-exception-caught
            state["error"] = "listed, but its settings could not be read: %s" % one_line(e, 300)
    return state


def bucket_check(name, state):
    if state["reachable"]:
        return checks.make_check(name, "bucket reachable", checks.PASS, "listed", True, True)
    return checks.make_check(name, "bucket reachable", checks.FAIL, state["error"], False, True)


ARGUMENT_SPEC = dict(
    buckets=dict(type="list", elements="str", required=True),
    details=dict(type="bool", default=False),
    concurrency=dict(type="int", default=8),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"buckets[]": "bucket"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    details = module.params["details"]
    run_batched(module, "s3", "buckets", "read the buckets", lambda client, name: read_bucket(client, name, details),
                lambda name, state: [bucket_check(name, state)], "bucket(s) unreachable")


if __name__ == "__main__":
    main()
