#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_replication
short_description: One replication rule of a bucket to its backup bucket, the bucket's other rules kept
version_added: 0.5.0
description:
  - Runbook 004 "S3 Backup Procedures" (cross-region replication) - the rule O(rule_id) of O(bucket) replicates the
    keys under O(prefix) to O(destination_bucket) with the role O(role_arn); the backup verification reads its status.
  - Every other rule of the bucket is kept as it is; nothing is removed. A bucket replicates with one role for all its
    rules - another role there is refused, naming it.
  - Both buckets must be versioned (AWS refuses otherwise) - checked first, the bucket named. A destination this
    account cannot read (another account's) is not checked.
  - Idempotent - a rule that is already as asked changes nothing. Check mode and diff (the rules before and after).
notes:
  - "IAM actions (least privilege): C(s3:GetReplicationConfiguration), C(s3:PutReplicationConfiguration),
    C(s3:GetBucketVersioning) (both buckets). AWS also checks C(iam:PassRole) on O(role_arn) (the emulator does not)."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  bucket:
    description: The source bucket.
    type: str
    required: true
  destination_bucket:
    description: The backup bucket - its name, or its ARN.
    type: str
    required: true
  role_arn:
    description: The role S3 assumes to replicate.
    type: str
    required: true
  rule_id:
    description: The rule's id (default C(ops-runbooks-to-<destination bucket>)).
    type: str
  prefix:
    description: Replicate only the keys under this prefix (all when empty).
    type: str
    default: ""
  storage_class:
    description: The storage class of the replicas (the source's when not given).
    type: str
    choices: [STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, GLACIER_IR, DEEP_ARCHIVE]
  delete_marker_replication:
    description: Replicate delete markers too (a deletion then hides the object in the backup as well).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Runbook 004 - replicate the generated code to its backup bucket
  ops.runbooks.s3_replication:
    bucket: agenticai-generated-code
    destination_bucket: agenticai-generated-code-replica
    role_arn: arn:aws:iam::123456789012:role/agenticai-s3-replication
"""

RETURN = r"""
rule:
  description: The rule as the bucket holds it after the run (as it would, in check mode).
  returned: always
  type: dict
rules:
  description: The ids of every rule of the bucket after the run.
  returned: always
  type: list
  elements: str
role:
  description: The replication role of the bucket.
  returned: always
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import Conflict
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error

ARGUMENT_SPEC = dict(
    bucket=dict(type="str", required=True),
    destination_bucket=dict(type="str", required=True),
    role_arn=dict(type="str", required=True),
    rule_id=dict(type="str"),
    prefix=dict(type="str", default=""),
    storage_class=dict(type="str", choices=["STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
                                            "GLACIER_IR", "DEEP_ARCHIVE"]),
    delete_marker_replication=dict(type="bool", default=False),
)
ARN_PREFIX = "arn:aws:s3:::"


def validate(params):
    """Returns ``(destination name, destination ARN, rule id)``."""
    name = params["destination_bucket"][len(ARN_PREFIX):] if params["destination_bucket"].startswith(ARN_PREFIX) \
        else params["destination_bucket"]
    if not params["bucket"] or "/" in params["bucket"] or ":" in params["bucket"]:
        raise InvalidInput("bucket: %r is no bucket name" % params["bucket"])
    if not name or "/" in name or ":" in name:
        raise InvalidInput("destination_bucket: %r is no bucket name or S3 bucket ARN" % params["destination_bucket"])
    if name == params["bucket"]:
        raise InvalidInput("destination_bucket: %s is the bucket itself" % name)
    if not params["role_arn"].startswith("arn:aws:iam::") or ":role/" not in params["role_arn"]:
        raise InvalidInput("role_arn: %r is no IAM role ARN" % params["role_arn"])
    rule_id = params["rule_id"] if params["rule_id"] is not None else "ops-runbooks-to-%s" % name
    if not rule_id or len(rule_id) > 255:
        raise InvalidInput("rule_id: give an id of 1 to 255 characters")
    return name, ARN_PREFIX + name, rule_id


def configuration(s3, bucket):
    """The bucket's replication configuration, or ``{"Role": None, "Rules": []}``."""
    try:
        return s3.get_bucket_replication(aws_retry=True, Bucket=bucket)["ReplicationConfiguration"]
    except is_boto3_error_code("ReplicationConfigurationNotFoundError"):
        return {"Role": None, "Rules": []}


def require_versioning(s3, bucket, option, may_be_foreign):
    try:
        status = s3.get_bucket_versioning(aws_retry=True, Bucket=bucket).get("Status")
    except is_boto3_error_code(["AccessDenied", "NoSuchBucket"]) as e:
        if may_be_foreign and e.response.get("Error", {}).get("Code") == "AccessDenied":
            return  # another account's bucket: its owner versions it
        raise
    if status != "Enabled":
        raise Conflict("%s: versioning of %s is %s - replication needs it Enabled on both buckets" % (
            option, bucket, status or "never enabled"))


def wanted_rule(params, rule_id, destination_arn, priority):
    destination = {"Bucket": destination_arn}
    if params["storage_class"]:
        destination["StorageClass"] = params["storage_class"]
    return {"ID": rule_id, "Priority": priority, "Status": "Enabled", "Filter": {"Prefix": params["prefix"]},
            "DeleteMarkerReplication": {"Status": "Enabled" if params["delete_marker_replication"] else "Disabled"},
            "Destination": destination}


def same(rule, wanted):
    """Whether an existing rule is the wanted one (the fields this module sets; its priority is kept)."""
    return all(rule.get(k) == wanted[k] for k in ("Status", "Filter", "DeleteMarkerReplication")) and \
        rule.get("Destination", {}).get("Bucket") == wanted["Destination"]["Bucket"] and \
        rule.get("Destination", {}).get("StorageClass") == wanted["Destination"].get("StorageClass")


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    result = dict(changed=False, rule={}, rules=[], role=None)
    with ending_on_error(module, result, "configure the replication"):
        destination, destination_arn, rule_id = validate(params)
        s3 = module.retrying_client("s3")
        before = configuration(s3, params["bucket"])
        rules = before.get("Rules") or []
        others = [r for r in rules if r.get("ID") != rule_id]
        if others and before.get("Role") not in (None, params["role_arn"]):
            raise Conflict("role_arn: %s replicates with the role %s for its other rules (%s) - one role serves every "
                           "rule of a bucket" % (params["bucket"], before["Role"], ", ".join(
                               r.get("ID") or "?" for r in others)))
        current = next((r for r in rules if r.get("ID") == rule_id), None)
        priority = current.get("Priority") if current and current.get("Priority") is not None else \
            max([r.get("Priority") or 0 for r in others] + [0]) + 1
        wanted = wanted_rule(params, rule_id, destination_arn, priority)
        unchanged = current is not None and same(current, wanted) and before.get("Role") == params["role_arn"]
        result.update(rule=current if unchanged else wanted, role=params["role_arn"],
                      rules=[r.get("ID") for r in others] + [rule_id])
        if not unchanged:
            require_versioning(s3, params["bucket"], "bucket", False)
            require_versioning(s3, destination, "destination_bucket", True)
            result["changed"] = True
            if not module.check_mode:
                s3.put_bucket_replication(aws_retry=True, Bucket=params["bucket"], ReplicationConfiguration={
                    "Role": params["role_arn"], "Rules": others + [wanted]})
                after = configuration(s3, params["bucket"])
                result["rule"] = next((r for r in after.get("Rules") or [] if r.get("ID") == rule_id), {})
                result["rules"] = [r.get("ID") for r in after.get("Rules") or []]
            if module._diff:  # pylint: disable=protected-access
                result["diff"] = dict(before={"role": before.get("Role"), "rule": current or {}},
                                      after={"role": params["role_arn"], "rule": wanted})
    module.exit_json(**result)


if __name__ == "__main__":
    main()
