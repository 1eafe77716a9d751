#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_access_check
short_description: Diagnose why a role is denied access to an S3 bucket - name the statement that denies or is missing
version_added: 0.1.0
description:
  - Runbook 000 "S3 Access Denied" (C(aws s3api get-bucket-policy), C(aws iam get-role-policy)) as one read-only
    verdict - reads the bucket policy, the public access block, the default encryption, and the role's inline and
    attached policies, and matches each of O(actions) on the bucket or O(key) against them.
  - Checks, in the collection's common model - C(bucket policy) (an explicit Deny naming the role fails, naming the
    statement), C(role policy) (an explicit Deny, or no Allow - then RV(missing_statements) holds the statement to
    add), C(encryption key) (with SSE-KMS, the role must be allowed C(kms:Decrypt) for reads and
    C(kms:GenerateDataKey) for writes on the key), and C(public access block) (evidence only).
  - Read only - it prints the policy change to make and changes nothing.
notes:
  - "IAM actions (least privilege): C(s3:GetBucketPolicy), C(s3:GetBucketPublicAccessBlock) (C(GetPublicAccessBlock)),
    C(s3:GetEncryptionConfiguration), C(iam:GetRole), C(iam:ListRolePolicies), C(iam:GetRolePolicy),
    C(iam:ListAttachedRolePolicies), C(iam:GetPolicy), C(iam:GetPolicyVersion); C(kms:DescribeKey) when the bucket's
    key is an alias."
  - "Least-privilege proof: C(s3:GetBucketPublicAccessBlock) is shown needed with botocore's Stubber (the emulator
    authorizes GetPublicAccessBlock as C(s3:ListBucket)); the other actions are each removed from a policy in a test."
  - Conditions, C(NotAction), C(NotResource) and C(NotPrincipal) are not evaluated; statements using them are listed
    in the reason as not evaluated. Service control policies, permission boundaries, session policies, ACLs and the
    key policy are not read - when every check passes and access is still denied, look there next.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  bucket:
    description: The bucket.
    type: str
    required: true
  role_name:
    description: The IAM role that is denied (for a Lambda function, its execution role's name).
    type: str
    required: true
  actions:
    description: The S3 actions that fail, for example V(s3:GetObject) or V(s3:PutObject).
    type: list
    elements: str
    default: [s3:GetObject]
  key:
    description: The object key (or a prefix ending in V(*)) the access is for.
    type: str
    default: "*"
extends_documentation_fragment:
  - ops.runbooks.checks
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Why can ai-investment-score not read its features? (runbook 000 "S3 Access Denied")
  ops.runbooks.s3_access_check:
    bucket: ai-investment-features
    role_name: ai-investment-lambda-exec
    actions: [s3:GetObject]
    key: "features/*"
    fail_on: never
  register: access

- name: The statement to add
  ansible.builtin.debug:
    var: access.missing_statements
"""

RETURN = r"""
checks:
  description: One check per aspect (common model), failures naming the statement.
  returned: always
  type: list
  elements: dict
summary:
  description: Count of checks by status.
  returned: always
  type: dict
verdict:
  description: One line - what denies the access, or that nothing read here does.
  returned: always
  type: str
  sample: "bucket policy statement DenyLambda denies s3:GetObject to arn:aws:iam::123456789012:role/ai-investment-lambda-exec"
missing_statements:
  description: IAM statements to add to the role's policy so that it allows what is missing (empty when none).
  returned: always
  type: list
  elements: dict
  sample: [{Effect: Allow, Action: [s3:GetObject], Resource: ["arn:aws:s3:::ai-investment-features/*"]}]
role_arn:
  description: The role's ARN.
  returned: always
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.iam_policy import evaluate
from ansible_collections.ops.runbooks.plugins.module_utils.iam_policy import object_or_bucket_arn

ARGUMENT_SPEC = dict(
    bucket=dict(type="str", required=True),
    role_name=dict(type="str", required=True),
    actions=dict(type="list", elements="str", default=["s3:GetObject"]),
    key=dict(type="str", default="*", no_log=False),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)
WRITES = ("s3:putobject", "s3:putobjectacl", "s3:createmultipartupload")


def validate(params):
    if not params["role_name"]:
        raise InvalidInput("role_name: must not be empty")
    if not params["actions"]:
        raise InvalidInput("actions: give at least one S3 action, like s3:GetObject")
    for action in params["actions"]:
        if not action.lower().startswith("s3:") or len(action) < 4:
            raise InvalidInput("actions: %r is not an S3 action (s3:GetObject, s3:PutObject, ...)" % action)


def read_bucket(s3, bucket):
    """(policy document or None, public access block or None, (sse algorithm, key id) or None)."""
    try:
        policy = s3.get_bucket_policy(aws_retry=True, Bucket=bucket)["Policy"]
    except is_boto3_error_code("NoSuchBucket"):
        raise NotFound("bucket: %s not found" % bucket) from None
    except is_boto3_error_code("NoSuchBucketPolicy"):
        policy = None
    try:
        block = s3.get_public_access_block(aws_retry=True, Bucket=bucket)["PublicAccessBlockConfiguration"]
    except is_boto3_error_code("NoSuchPublicAccessBlockConfiguration"):
        block = None
    try:
        rules = s3.get_bucket_encryption(aws_retry=True, Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        default = rules[0]["ApplyServerSideEncryptionByDefault"] if rules else {}
        encryption = (default.get("SSEAlgorithm"), default.get("KMSMasterKeyID"))
    except is_boto3_error_code("ServerSideEncryptionConfigurationNotFoundError"):
        encryption = None
    return policy, block, encryption


def read_role(iam, role_name):
    """(role ARN, [(policy name, document)]) - inline and attached managed policies."""
    try:
        role = iam.get_role(aws_retry=True, RoleName=role_name)["Role"]
    except is_boto3_error_code("NoSuchEntity"):
        raise NotFound("role_name: role %s not found" % role_name) from None
    documents = []
    for name in paginate(iam, "list_role_policies", RoleName=role_name).get("PolicyNames", []):
        documents.append(("inline %s" % name, iam.get_role_policy(aws_retry=True, RoleName=role_name,
                                                                  PolicyName=name)["PolicyDocument"]))
    for attached in paginate(iam, "list_attached_role_policies", RoleName=role_name).get("AttachedPolicies", []):
        arn = attached["PolicyArn"]
        version = iam.get_policy(aws_retry=True, PolicyArn=arn)["Policy"]["DefaultVersionId"]
        documents.append(("managed %s" % attached["PolicyName"], iam.get_policy_version(
            aws_retry=True, PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]))
    return role["Arn"], documents


def key_arn(kms, key_id, region_arn_prefix):
    """The ARN a bucket's KMS key id stands for (aliases resolved through kms:DescribeKey)."""
    if key_id.startswith("arn:") and ":key/" in key_id:
        return key_id
    if key_id.startswith("alias/") or ":alias/" in key_id:
        return kms.describe_key(aws_retry=True, KeyId=key_id)["KeyMetadata"]["Arn"]
    return "%s:key/%s" % (region_arn_prefix, key_id)


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"bucket": "bucket"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    bucket, role_name = params["bucket"], params["role_name"]
    result = dict(changed=False, checks=[], missing_statements=[], verdict="", role_arn=None)
    with ending_on_error(module, result, "diagnose access of %s to %s" % (role_name, bucket)):
        validate(params)
        s3, iam = module.retrying_client("s3"), module.retrying_client("iam")
        # 1. The bucket's side: policy, public access block, default encryption.
        policy, block, encryption = read_bucket(s3, bucket)
        # 2. The role's side: every identity policy it has.
        role_arn, role_documents = read_role(iam, role_name)
        result["role_arn"] = role_arn
        account = role_arn.split(":")[4]
        found, missing, verdicts = [], [], []

        # 3. Each action: a Deny in the bucket policy, then a Deny or no Allow in the role's policies.
        for action in params["actions"]:
            resource = object_or_bucket_arn(bucket, params["key"], action)
            bucket_side = evaluate([("bucket policy", policy)], action, resource, role_arn, account) if policy \
                else {"deny": [], "allow": [], "unevaluated": []}
            if bucket_side["deny"]:
                reason = "%s denies %s to %s" % (bucket_side["deny"][0], action, role_arn)
                verdicts.append(reason)
                found.append(checks.make_check(bucket, "bucket policy", checks.FAIL, reason, bucket_side))
            else:
                found.append(checks.make_check(bucket, "bucket policy", checks.PASS, "no statement denies %s to the "
                                               "role%s" % (action, _unevaluated(bucket_side)), bucket_side))
            role_side = evaluate(role_documents, action, resource)
            if role_side["deny"]:
                reason = "%s denies %s on %s" % (role_side["deny"][0], action, resource)
                verdicts.append("role %s: %s" % (role_name, reason))
                found.append(checks.make_check(role_name, "role policy", checks.FAIL, reason, role_side))
            elif not role_side["allow"] and not bucket_side["allow"]:
                reason = "no statement allows %s on %s" % (action, resource)
                verdicts.append("role %s: %s" % (role_name, reason))
                missing.append({"Effect": "Allow", "Action": [action], "Resource": [resource]})
                found.append(checks.make_check(role_name, "role policy", checks.FAIL, reason, role_side))
            else:
                found.append(checks.make_check(role_name, "role policy", checks.PASS, "allowed by %s%s" % (
                    (role_side["allow"] or bucket_side["allow"])[0], _unevaluated(role_side)), role_side))

        # 4. SSE-KMS: the key must let the role decrypt (reads) and generate data keys (writes).
        if encryption and encryption[0] == "aws:kms" and encryption[1]:
            arn = key_arn(module.retrying_client("kms"), encryption[1],
                          "arn:aws:kms:%s:%s" % (module.region, account))
            needed = sorted({"kms:GenerateDataKey" if a.lower() in WRITES else "kms:Decrypt" for a in params["actions"]})
            lacking = [a for a in needed if not evaluate(role_documents, a, arn)["allow"]]
            if lacking:
                reason = "no statement allows %s on the bucket's key %s" % (", ".join(lacking), arn)
                verdicts.append("role %s: %s" % (role_name, reason))
                missing.append({"Effect": "Allow", "Action": lacking, "Resource": [arn]})
                found.append(checks.make_check(role_name, "encryption key", checks.FAIL, reason, {"key": arn}))
            else:
                found.append(checks.make_check(role_name, "encryption key", checks.PASS,
                                               "%s allowed on %s" % (", ".join(needed), arn), {"key": arn}))
        else:
            found.append(checks.make_check(bucket, "encryption key", checks.PASS, "default encryption %s: no key "
                                           "permission needed" % (encryption[0] if encryption else "none"),
                                           {"sse": encryption[0] if encryption else None}))
        found.append(checks.make_check(bucket, "public access block", checks.PASS,
                                       "evidence only (it never blocks a role of the account)", block))
        result.update(checks=found, summary=checks.summarize(found), missing_statements=missing,
                      verdict="; ".join(verdicts) or "nothing read here denies the access (see the module's notes "
                      "for what is not read)")
    checks.end_module(module, result, verdicts and result["verdict"], msg=result["verdict"])


def _unevaluated(found):
    return " (%s)" % "; ".join(found["unevaluated"]) if found["unevaluated"] else ""


if __name__ == "__main__":
    main()
