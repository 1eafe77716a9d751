#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_object_restore
short_description: Restore a deleted (or overwritten) S3 object from its versions
version_added: 0.1.0
description:
  - In a versioned bucket, makes an object current again - by default the newest version that is not a delete
    marker, or the version O(version_id). It copies that version over the key, so the history stays complete and
    nothing is deleted (the delete marker remains as history; removing it would delete something this module did
    not create).
  - "Automates runbook 004 \"Restore Deleted File\" (C(list-object-versions), then copy the old version back)."
  - Idempotent - when the current version already is the wanted content, nothing changes.
notes:
  - "IAM actions (least privilege): C(s3:ListBucketVersions), C(s3:PutObject), C(s3:GetObjectVersion) (AWS checks it
    on the version copied, CopyObject's source; the emulator used by the tests does not)."
  - "The copy is sent once (no automatic retry): when its answer is lost (a timeout, a 5xx after S3 made it), the
    module lists the key's versions again and takes a new current version it had not seen as its copy - it never
    copies a second time over it. Only when there is none is the copy sent again (a bounded number of times)."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  bucket:
    description: The bucket (versioning must be or have been enabled).
    type: str
    required: true
  key:
    description: The object key.
    type: str
    required: true
  version_id:
    description: Restore exactly this version (default the newest version that is not a delete marker).
    type: str
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
- name: Bring back a file someone deleted (runbook 004)
  ops.runbooks.s3_object_restore:
    bucket: ai-investment-raw-data
    key: feeds/2026-11-21.json
"""

RETURN = r"""
restored_version_id:
  description: The version made current (its copy is the new current version).
  returned: always
  type: str
new_version_id:
  description: Version id of the copy (null in check mode or when nothing changed).
  returned: always
  type: str
was_deleted:
  description: Whether the current version was a delete marker.
  returned: always
  type: bool
versions:
  description: Versions of the key, newest first (version_id, is_latest, delete_marker, last_modified, etag).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.s3 import validate_bucket_name

from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import isoformat

ARGUMENT_SPEC = dict(
    bucket=dict(type="str", required=True),
    key=dict(type="str", required=True, no_log=False),
    version_id=dict(type="str"),
)


MAX_KEY_BYTES = 1024  # S3's limit of an object key, in UTF-8 bytes


def validate(bucket, key):
    problem = validate_bucket_name(bucket)
    if problem:
        raise InvalidInput("bucket: %r: %s" % (bucket, problem))
    if not key or "\x00" in key or len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise InvalidInput("key: %r is not an S3 object key (1 to %d UTF-8 bytes, no NUL character)"
                           % (key, MAX_KEY_BYTES))


def object_versions(s3, bucket, key):
    """Versions and delete markers of exactly ``key`` (all pages), newest first."""
    try:
        listed = paginate(s3, "list_object_versions", Bucket=bucket, Prefix=key)
    except is_boto3_error_code("NoSuchBucket"):
        raise NotFound("bucket: bucket %s not found" % bucket) from None
    found = [{"version_id": v["VersionId"], "is_latest": v.get("IsLatest", False), "delete_marker": marker,
              "last_modified": v["LastModified"], "etag": v.get("ETag")}
             for kind, marker in (("Versions", False), ("DeleteMarkers", True))
             for v in listed.get(kind, []) if v["Key"] == key]
    return sorted(found, key=lambda v: (v["is_latest"], v["last_modified"]), reverse=True)


def choose_version(versions, wanted_id, where):
    """The version to bring back: ``wanted_id`` (which must be a version, not a delete marker) or the newest."""
    data = [v for v in versions if not v["delete_marker"]]
    if wanted_id:
        chosen = next((v for v in data if v["version_id"] == wanted_id), None)
        if chosen is None:
            raise NotFound("version_id: %s is not a version of %s" % (wanted_id, where))
        return chosen
    if not data:
        raise NotFound("%s has only delete markers: nothing to restore" % where)
    return data[0]


def copy_made(s3, bucket, key, seen):
    """After a copy whose answer was lost: the copy, if S3 made it - the key's current version, not a delete marker,
    that was not among the versions seen before the copy (``seen``). Else None (send it again)."""
    versions = object_versions(s3, bucket, key)
    if versions and not versions[0]["delete_marker"] and versions[0]["version_id"] not in seen:
        return {"VersionId": versions[0]["version_id"]}
    return None


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"bucket": "bucket"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    bucket, key, wanted_id = module.params["bucket"], module.params["key"], module.params["version_id"]
    where = "s3://%s/%s" % (bucket, key)
    s3 = module.retrying_client("s3")
    result = dict(changed=False, new_version_id=None)
    with ending_on_error(module, result, "restore %s" % where):
        validate(bucket, key)
        # 1. The versions of the key, newest first.
        versions = object_versions(s3, bucket, key)
        result["versions"] = [dict(v, last_modified=isoformat(v["last_modified"])) for v in versions]
        if not versions:
            raise NotFound("key: %s has no versions (never existed, or the bucket was never versioned)" % where)
        current = versions[0]
        result["was_deleted"] = current["delete_marker"]
        # 2. Which version to bring back.
        chosen = choose_version(versions, wanted_id, where)
        result["restored_version_id"] = chosen["version_id"]
        # 3. Already current with that content? (the copy of a version has the same ETag)
        if not current["delete_marker"] and (current["version_id"] == chosen["version_id"] or
                                             current["etag"] == chosen["etag"]):
            module.exit_json(msg="%s is present" % where, **result)
        if module._diff:  # pylint: disable=protected-access
            result["diff"] = {"before": {"current": "delete marker" if current["delete_marker"] else current["version_id"]},
                              "after": {"current": "copy of %s" % chosen["version_id"]}}
        if module.check_mode:
            result["changed"] = True
            module.exit_json(msg="would restore %s to version %s" % (where, chosen["version_id"]), **result)
        # 4. Copy the version over the key: a new current version, history intact - once (a lost answer is recognized
        # by the new version it made). Changed once the copy is made (a refused copy changes nothing and says so).
        s3_once, seen = module.single_attempt_client("s3"), set(v["version_id"] for v in versions)
        copied = send_once(
            lambda: s3_once.copy_object(Bucket=bucket, Key=key,
                                        CopySource={"Bucket": bucket, "Key": key, "VersionId": chosen["version_id"]}),
            lambda: copy_made(s3, bucket, key, seen))
        result.update(changed=True, new_version_id=copied.get("VersionId"))
    module.exit_json(msg="restored %s to version %s" % (where, chosen["version_id"]), **result)


if __name__ == "__main__":
    main()
