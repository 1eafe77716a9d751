# -*- coding: utf-8 -*-
"""s3_object_restore against the emulator: the object is read back after the restore."""
from __future__ import annotations

import uuid

import pytest

from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.localstack

BUCKET = "ai-investment-curated-data"  # versioned in the seed


def test_restore_a_deleted_object_and_idempotence(aws, run_module):
    s3 = aws("s3")
    key = "restore/%s.json" % uuid.uuid4().hex[:8]
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"v1")
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"v2")
    s3.delete_object(Bucket=BUCKET, Key=key)
    planned = run_module("s3_object_restore", {"bucket": BUCKET, "key": key}, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["was_deleted"] is True
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=BUCKET, Key=key)
    result = run_module("s3_object_restore", {"bucket": BUCKET, "key": key})
    assert result["changed"] is True
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"v2"
    markers = s3.list_object_versions(Bucket=BUCKET, Prefix=key).get("DeleteMarkers", [])
    assert len(markers) == 1  # the delete marker stays as history: nothing was deleted
    again = run_module("s3_object_restore", {"bucket": BUCKET, "key": key})
    assert again["changed"] is False


def test_restore_an_older_version(aws, run_module):
    s3 = aws("s3")
    key = "restore/%s.json" % uuid.uuid4().hex[:8]
    first = s3.put_object(Bucket=BUCKET, Key=key, Body=b"good")["VersionId"]
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"corrupted")
    result = run_module("s3_object_restore", {"bucket": BUCKET, "key": key, "version_id": first})
    assert result["changed"] is True and result["restored_version_id"] == first
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"good"


@pytest.mark.parametrize("args, message", [
    ({"key": "restore/never-existed"}, "has no versions"),
    ({"bucket": "no-such-bucket-x", "key": "a"}, "bucket no-such-bucket-x not found"),
    ({"key": "a\x00b"}, "key: 'a\\x00b' is not an S3 object key"),
    ({"key": "k" * 1025}, "is not an S3 object key (1 to 1024 UTF-8 bytes"),
    ({"bucket": "Bad_Bucket", "key": "a"}, "bucket: 'Bad_Bucket': invalid character"),
])
def test_bad_input(run_module, args, message):
    result = run_module("s3_object_restore", dict({"bucket": BUCKET}, **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("s3_object_restore")
    assert set(actions) == {"s3:ListBucketVersions", "s3:PutObject", "s3:GetObjectVersion"}
    s3 = iam_sandbox.client("s3")

    def deleted_key():
        key = "lp/%s" % uuid.uuid4().hex[:8]
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        s3.delete_object(Bucket=BUCKET, Key=key)
        return {"bucket": BUCKET, "key": key}

    allowed = run_module_iam("s3_object_restore", deleted_key(), iam_sandbox.iam_user(policy(actions)))
    assert not allowed.get("failed"), allowed["msg"]
    for missing in [a for a in actions if a != "s3:GetObjectVersion"]:  # the emulator does not check the copy source
        args = deleted_key()
        denied = run_module_iam("s3_object_restore", args,
                                iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denied(denied, missing)
        # A refused restore changed nothing and says so (the copy is where s3:PutObject is needed).
        assert denied["changed"] is False and not s3.list_objects_v2(Bucket=BUCKET, Prefix=args["key"]).get("Contents")
