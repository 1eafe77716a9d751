# -*- coding: utf-8 -*-
"""s3_bucket_sync against the emulator: runbook 000 "Recovery Procedure" (aws s3 sync of a bucket to its backup) -
the objects copied byte for byte, a second run that copies nothing, check mode that writes nothing, objects only in
the backup left unless delete is given, an empty source that is no pass, hostile keys copied as data, and the IAM
actions it needs."""
from __future__ import annotations

import contextlib
import uuid

import pytest

from buckets import scratch_bucket
from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.localstack


@contextlib.contextmanager
def _buckets(client, objects=None, backup=None):
    """A source bucket with ``objects`` ({key: body}) and a backup bucket with ``backup``; both emptied (every version)
    and removed afterwards. ``client``: the sandbox's (service -> client)."""
    s3, tag = client("s3"), uuid.uuid4().hex[:8]
    with scratch_bucket(s3, "sync-src-" + tag, objects) as source, scratch_bucket(s3, "sync-bak-" + tag, backup) as bak:
        yield [source, bak]


def _content(s3, bucket):
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
            for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


SOURCE = {"feeds/a.json": b'{"a": 1}', "feeds/b.json": b"b" * 2048, "models/m.bin": b"\x00\x01" * 300,
          "top.txt": b"top"}


def test_the_backup_gets_what_it_lacks_and_a_second_run_copies_nothing(run_module, aws):
    backup = {"feeds/a.json": b'{"a": 1}', "feeds/b.json": b"stale", "only-in-backup.txt": b"old"}
    with _buckets(aws, SOURCE, backup) as (source, destination):
        s3, args = aws("s3"), {"source": source, "destination": destination}
        planned = run_module("s3_bucket_sync", args, check_mode=True, diff=True)
        assert planned["changed"] is True and planned["checks"][0]["status"] == "skipped", planned
        assert planned["copied"] == ["feeds/b.json", "models/m.bin", "top.txt"] and planned["deleted"] == []
        assert _content(s3, destination) == backup  # check mode wrote nothing
        done = run_module("s3_bucket_sync", args, diff=True)
        assert done["changed"] is True and not done.get("failed"), done
        assert done["to_copy"] == {"missing": 2, "size": 1, "etag": 0} and done["copied_count"] == 3
        assert done["bytes_copied"] == len(SOURCE["feeds/b.json"]) + len(SOURCE["models/m.bin"]) + 3
        assert _content(s3, destination) == dict(SOURCE, **{"only-in-backup.txt": b"old"})
        assert done["extra"] == ["only-in-backup.txt"] and done["deleted_count"] == 0
        assert done["checks"][0]["status"] == "warn" and done["checks"][0]["reason"].endswith(
            "1 object(s) only in the destination, left (delete: false)")
        assert done["diff"]["before"]["copied"]["models/m.bin"] is None
        again = run_module("s3_bucket_sync", args)
        assert again["changed"] is False and again["copied_count"] == 0 and again["destination_objects"] == 5


def test_delete_removes_only_what_the_source_lacks_under_the_prefix(run_module, aws):
    backup = {"feeds/gone.json": b"x", "elsewhere/keep.txt": b"k"}
    with _buckets(aws, SOURCE, backup) as (source, destination):
        s3, args = aws("s3"), {"source": source, "destination": destination, "prefix": "feeds/", "delete": True}
        planned = run_module("s3_bucket_sync", args, check_mode=True)
        assert planned["deleted"] == ["feeds/gone.json"] and "feeds/gone.json" in _content(s3, destination)
        done = run_module("s3_bucket_sync", args)
        assert done["checks"][0]["status"] == "pass" and done["deleted"] == ["feeds/gone.json"], done
        assert _content(s3, destination) == {"feeds/a.json": SOURCE["feeds/a.json"],
                                             "feeds/b.json": SOURCE["feeds/b.json"], "elsewhere/keep.txt": b"k"}
        assert run_module("s3_bucket_sync", args)["changed"] is False


def test_the_lists_are_bounded_the_counts_complete_and_without_wait_the_check_says_so(run_module, aws):
    with _buckets(aws, SOURCE) as (source, destination):
        result = run_module("s3_bucket_sync", {"source": source, "destination": destination, "max_listed": 2,
                                               "wait": False, "concurrency": 1})
        assert result["copied"] == ["feeds/a.json", "feeds/b.json"] and result["copied_count"] == 4, result
        assert result["checks"][0]["status"] == "pass" and result["checks"][0]["reason"].endswith(
            "(not listed again: wait false)")
        assert _content(aws("s3"), destination) == SOURCE


def test_an_empty_source_is_no_pass(run_module, aws):
    with _buckets(aws, {}, {"kept.txt": b"k"}) as (source, destination):
        result = run_module("s3_bucket_sync", {"source": source, "destination": destination, "delete": True,
                                               "prefix": "nothing-here/"})
        assert result["changed"] is False and result["checks"][0]["status"] == "warn", result
        assert "the source holds no object under the prefix" in result["checks"][0]["reason"]
        assert _content(aws("s3"), destination) == {"kept.txt": b"k"}


def test_hostile_keys_are_copied_as_data(run_module, aws, tmp_path):
    marker = tmp_path / "evaluated"
    hostile = {"{{ lookup('ansible.builtin.pipe', 'touch %s') }}.json" % marker: b"j",
               "x; touch %s $(touch %s) `id`.txt" % (marker, marker): b"s", "c?d=1&e#f%%20 .txt": b"n"}
    with _buckets(aws, hostile) as (source, destination):
        result = run_module("s3_bucket_sync", {"source": source, "destination": destination})
        assert result["copied_count"] == 3 and result["checks"][0]["status"] == "pass", result
        assert _content(aws("s3"), destination) == hostile and not marker.exists()


def test_a_missing_bucket_fails_naming_it(run_module, aws):
    with _buckets(aws, {"a": b"a"}) as (source, _destination):
        result = run_module("s3_bucket_sync", {"source": source, "destination": "sync-none-%s" % uuid.uuid4().hex[:6]})
        assert result["failed"] is True and "NoSuchBucket" in result["msg"], result["msg"]


@pytest.mark.moto_only("IAM enforcement is the moto sandbox's")
def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("s3_bucket_sync")
    assert set(actions) == {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
    checked = [a for a in actions if a != "s3:GetObject"]  # AWS checks it on CopyObject's source; moto does not
    for missing in [None] + checked:
        with _buckets(iam_sandbox.client, {"a.txt": b"a"}, {"b.txt": b"b"}) as (source, destination):
            args = {"source": source, "destination": destination, "delete": True}
            result = run_module_iam("s3_bucket_sync", args,
                                    iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
            if missing is None:
                assert not result.get("failed"), result["msg"]
                assert _content(iam_sandbox.client("s3"), destination) == {"a.txt": b"a"}
            else:
                assert_denied(result, missing)
