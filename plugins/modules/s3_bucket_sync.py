#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_bucket_sync
short_description: Copy a bucket's objects to another bucket (its backup), verified, deleting only when told to
version_added: 0.5.0
description:
  - Runbook 000 "Recovery Procedure" (C(aws s3 sync s3://ai-investment-raw-data s3://ai-investment-raw-data-backup)) -
    every current object of O(source) under O(prefix) that O(destination) lacks, or holds with another size or
    content, is copied to the same key. An object whose ETag differs while the sizes agree is copied only when the
    destination's object is older than the source's (a copy into a KMS-encrypted bucket, or one copied in parts,
    has an ETag of its own; this is C(aws s3 sync)'s rule).
  - Objects only the destination holds are reported (C(extra)) and left alone - they are deleted only with
    O(delete=true). In a versioned destination a deletion leaves a delete marker; the versions stay.
  - Idempotent - a second run finds nothing to copy. Check mode lists what would be copied and deleted; diff shows
    the keys. With O(wait) the destination is listed again after the copies and compared once more - the check
    passes only when nothing differs.
notes:
  - "IAM actions (least privilege): C(s3:ListBucket) (both buckets), C(s3:GetObject) (the source's objects, checked
    by AWS on CopyObject's source; the emulator does not check it), C(s3:PutObject) (the destination),
    C(s3:DeleteObject) (only with O(delete=true)). A KMS-encrypted source or destination also needs KMS's Decrypt and
    GenerateDataKey on its key (the emulator does not check them)."
  - A copy writes the same content when it is sent twice, so copies are retried (throttling, 5xx, a lost answer).
  - "Objects above 5 GiB (CopyObject's limit) are copied in parts of 512 MiB (content type, encoding and metadata
    kept; object tags are not copied for them). A multipart copy that fails is aborted - no part of it stays billed.
    The emulator's objects are small, so the multipart path is proven with botocore's Stubber
    (C(tests/unit/plugins/modules/test_s3_bucket_sync_logic.py))."
  - Only current versions are copied (C(ListObjectsV2)); the destination's versioning keeps its own history.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  source:
    description: The bucket copied from.
    type: str
    required: true
  destination:
    description: The bucket copied to (its backup bucket), another bucket than O(source).
    type: str
    required: true
  prefix:
    description: Only keys under this prefix (in both buckets); all keys when empty.
    type: str
    default: ""
  delete:
    description: Delete the objects under O(prefix) that only the destination holds (C(aws s3 sync --delete)). The
      playbooks set it only when a production run was confirmed.
    type: bool
    default: false
  concurrency:
    description: Copies in flight at once (1 to 32).
    type: int
    default: 8
  wait:
    description: List the destination again after the copies and compare it with the source once more.
    type: bool
    default: true
  wait_timeout:
    description: Seconds the copies may take; copies not started by then are left for the next run and the check
      fails naming their count.
    type: int
    default: 3600
  max_listed:
    description: At most this many keys in C(copied), C(extra), C(deleted) and the diff (the counts are complete).
    type: int
    default: 100
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
    support: full
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Runbook 000 "Recovery Procedure" - the raw data to its backup bucket
  ops.runbooks.s3_bucket_sync:
    source: ai-investment-raw-data
    destination: ai-investment-raw-data-backup

- name: One prefix, and what only the backup holds removed (confirmed)
  ops.runbooks.s3_bucket_sync:
    source: ai-investment-raw-data
    destination: ai-investment-raw-data-backup
    prefix: feeds/
    delete: true
"""

RETURN = r"""
source_objects:
  description: The source's objects under the prefix.
  returned: always
  type: int
destination_objects:
  description: The destination's objects under the prefix - after the run when it copied or deleted (and O(wait)).
  returned: always
  type: int
to_copy:
  description: How many objects differed, by reason (C(missing), C(size), C(etag)).
  returned: always
  type: dict
  sample: {missing: 2, size: 0, etag: 1}
copied:
  description: The keys copied (in check mode, that would be), at most O(max_listed).
  returned: always
  type: list
  elements: str
copied_count:
  description: How many objects were copied (would be, in check mode).
  returned: always
  type: int
bytes_copied:
  description: Their size.
  returned: always
  type: int
extra:
  description: Keys only the destination holds (before any deletion), at most O(max_listed).
  returned: always
  type: list
  elements: str
extra_count:
  description: How many.
  returned: always
  type: int
deleted:
  description: The keys deleted (would be, in check mode), at most O(max_listed).
  returned: always
  type: list
  elements: str
deleted_count:
  description: How many.
  returned: always
  type: int
not_copied:
  description: Objects left for a later run because O(wait_timeout) ran out.
  returned: always
  type: int
checks:
  description: One C(sync) check in the collection's common model - C(pass) the destination holds every source
    object, C(warn) it also holds objects the source has not (left, O(delete=false)), C(fail) an object still
    differs or was not copied, C(skipped) check mode.
  returned: always
  type: list
  elements: dict
"""

import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils import s3sync
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error

ARGUMENT_SPEC = dict(
    source=dict(type="str", required=True),
    destination=dict(type="str", required=True),
    prefix=dict(type="str", default=""),
    delete=dict(type="bool", default=False),
    concurrency=dict(type="int", default=8),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=3600),
    max_listed=dict(type="int", default=100),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)


def validate(params):
    for name in ("source", "destination"):
        if not params[name] or "/" in params[name]:
            raise InvalidInput("%s: give a bucket name (%r is none)" % (name, params[name]))
    if params["source"] == params["destination"]:
        raise InvalidInput("destination: %s is the source itself" % params["destination"])
    check_range("concurrency", params["concurrency"], 1, 32)
    check_range("wait_timeout", params["wait_timeout"], 1, 86400, " seconds")
    check_range("max_listed", params["max_listed"], 0, 100000)


def copy_all(s3, params, keys, sizes, deadline):
    """Copy ``keys`` ``concurrency`` at a time; a copy not started by ``deadline`` is not started. Returns the keys
    copied, in the order given."""
    def one(key):
        if time.monotonic() >= deadline:
            return None
        s3sync.copy(s3, params["source"], params["destination"], key, sizes[key])
        return key

    with ThreadPoolExecutor(max_workers=params["concurrency"]) as pool:
        return [k for k in pool.map(one, keys) if k is not None]


def delete_all(s3, bucket, keys):
    for start in range(0, len(keys), 1000):  # DeleteObjects takes 1,000 keys a call
        answer = s3.delete_objects(aws_retry=True, Bucket=bucket, Delete={
            "Objects": [{"Key": k} for k in keys[start:start + 1000]], "Quiet": True})
        if answer.get("Errors"):
            error = answer["Errors"][0]
            raise OperationFailed("delete: %d object(s) of %s not deleted, first %s: %s %s" % (
                len(answer["Errors"]), bucket, error.get("Key"), error.get("Code"), error.get("Message")))


def sync_check(result, params, remaining, check_mode):
    where = "s3://%s/%s -> s3://%s/%s" % (params["source"], params["prefix"], params["destination"], params["prefix"])
    extra_left = result["extra_count"] - (0 if check_mode else result["deleted_count"])
    if check_mode:
        return checks.make_check(where, "sync", checks.SKIPPED, "would copy %d object(s) (%d bytes)%s (check mode)" % (
            result["copied_count"], result["bytes_copied"], ", delete %d" % result["deleted_count"]
            if params["delete"] else ""))
    if result["not_copied"]:
        return checks.make_check(where, "sync", checks.FAIL, "%d object(s) not copied within wait_timeout %ds" % (
            result["not_copied"], params["wait_timeout"]), result["not_copied"], 0)
    if remaining is not None and remaining:
        first = sorted(remaining)[0]
        return checks.make_check(where, "sync", checks.FAIL, "%d object(s) still differ after the copy (first %s: %s)"
                                 % (len(remaining), first, remaining[first]), len(remaining), 0)
    held = "%d object(s) in sync%s" % (result["source_objects"], " (%d copied)" % result["copied_count"]
                                       if result["copied_count"] else "")
    if not result["source_objects"]:
        return checks.make_check(where, "sync", checks.WARN, "the source holds no object under the prefix: nothing "
                                 "to back up", 0, ">= 1")
    if extra_left:
        return checks.make_check(where, "sync", checks.WARN, "%s; %d object(s) only in the destination, left (delete: "
                                 "false)" % (held, extra_left), extra_left, 0)
    return checks.make_check(where, "sync", checks.PASS, held + ("" if remaining is not None else
                                                                 " (not listed again: wait false)"))


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    result = dict(changed=False, source_objects=0, destination_objects=0, to_copy={}, copied=[], copied_count=0,
                  bytes_copied=0, extra=[], extra_count=0, deleted=[], deleted_count=0, not_copied=0, checks=[])
    remaining = None
    with ending_on_error(module, result, "sync the bucket"):
        validate(params)
        deadline = time.monotonic() + params["wait_timeout"]
        s3, listed = module.retrying_client("s3"), params["max_listed"]
        source = s3sync.objects(s3, params["source"], params["prefix"])
        destination = s3sync.objects(s3, params["destination"], params["prefix"])
        reasons = s3sync.difference(source, destination)
        extra = s3sync.extra(source, destination)
        todo = sorted(reasons)
        result.update(source_objects=len(source), destination_objects=len(destination),
                      to_copy={r: sum(1 for v in reasons.values() if v == r) for r in ("missing", "size", "etag")},
                      extra=extra[:listed], extra_count=len(extra))
        deleting = extra if params["delete"] else []
        if module.check_mode:
            copied = todo
        else:
            copied = copy_all(s3, params, todo, {k: source[k]["size"] for k in todo}, deadline)
            if deleting:
                delete_all(s3, params["destination"], deleting)
        result.update(copied=copied[:listed], copied_count=len(copied), not_copied=len(todo) - len(copied),
                      bytes_copied=sum(source[k]["size"] for k in copied), deleted=deleting[:listed],
                      deleted_count=len(deleting), changed=bool(copied or deleting))
        if module._diff and result["changed"]:  # pylint: disable=protected-access
            result["diff"] = dict(
                before={"copied": {k: destination[k]["etag"] if k in destination else None for k in copied[:listed]},
                        "deleted": deleting[:listed]},
                after={"copied": {k: source[k]["etag"] for k in copied[:listed]}, "deleted": []})
        if module.check_mode or not result["changed"]:
            remaining = {}  # nothing was written: the listing is the state
        elif params["wait"]:
            after = s3sync.objects(s3, params["destination"], params["prefix"])
            remaining = s3sync.difference(source, after)
            result["destination_objects"] = len(after)
        result["checks"] = [sync_check(result, params, remaining, module.check_mode)]
    failing = [c for c in result["checks"] if c["status"] == checks.FAIL]
    checks.end_module(module, result, "; ".join(c["reason"] for c in failing) or None,
                      msg=result["checks"][0]["reason"])


if __name__ == "__main__":
    main()
