# -*- coding: utf-8 -*-
"""s3_bucket_sync's logic the emulator cannot show, with botocore's Stubber where it needs AWS: an object above
CopyObject's 5 GiB copied in parts (the sandbox holds no such object), a multipart copy that fails aborted (no part
left billed), a throttled copy retried; and the rule that tells a differing object from a copy whose ETag is its own
(a KMS-encrypted or multipart copy)."""
from __future__ import annotations

import datetime

import pytest
from botocore.stub import ANY, Stubber

from ansible_collections.ops.runbooks.plugins.module_utils import s3sync

import stubbed

T0 = datetime.datetime(2026, 12, 7, 8, tzinfo=datetime.timezone.utc)
T1 = T0 + datetime.timedelta(hours=1)


def _obj(size, etag, when):
    return {"size": size, "etag": etag, "last_modified": when}


@pytest.mark.parametrize("source, destination, reason", [
    (_obj(3, '"a"', T0), None, "missing"),
    (_obj(3, '"a"', T0), _obj(4, '"a"', T1), "size"),
    (_obj(3, '"a"', T1), _obj(3, '"b"', T0), "etag"),  # the source changed after the copy
    (_obj(3, '"a"', T0), _obj(3, '"kms-etag"', T1), None),  # a copy made later: its own ETag (KMS, multipart)
    (_obj(3, '"a"', T1), _obj(3, '"a"', T0), None),  # same content, whatever the times
    (_obj(3, '"a"', T0), _obj(3, '"b"', None), "etag"),  # no time to compare: the ETag decides
])
def test_what_differs(source, destination, reason):
    found = s3sync.difference({"k": source}, {"k": destination} if destination else {})
    assert found.get("k") == reason


def test_extra_keys_are_only_the_destinations():
    assert s3sync.extra({"a": {}, "b": {}}, {"b": {}, "z": {}, "c": {}}) == ["c", "z"]


def _stubbed():
    client = stubbed.client("s3")
    return client, Stubber(client)


def test_an_object_above_5_gib_is_copied_in_parts_with_its_content_type_and_metadata():
    client, stub = _stubbed()
    size, part = 5 * 2 ** 30 + 10, 2 * 2 ** 30
    stub.add_response("head_object", {"ContentType": "application/x-parquet", "Metadata": {"origin": "feed"}},
                      {"Bucket": "src", "Key": "big.parquet"})
    stub.add_response("create_multipart_upload", {"UploadId": "u-1"},
                      {"Bucket": "bak", "Key": "big.parquet", "Metadata": {"origin": "feed"},
                       "ContentType": "application/x-parquet"})
    ranges = ["bytes=0-2147483647", "bytes=2147483648-4294967295", "bytes=4294967296-5368709129"]
    for number, byte_range in enumerate(ranges, 1):
        stub.add_response("upload_part_copy", {"CopyPartResult": {"ETag": '"p%d"' % number}},
                          {"Bucket": "bak", "Key": "big.parquet", "UploadId": "u-1", "PartNumber": number,
                           "CopySource": {"Bucket": "src", "Key": "big.parquet"}, "CopySourceRange": byte_range})
    stub.add_response("complete_multipart_upload", {}, {
        "Bucket": "bak", "Key": "big.parquet", "UploadId": "u-1",
        "MultipartUpload": {"Parts": [{"PartNumber": n, "ETag": '"p%d"' % n} for n in (1, 2, 3)]}})
    with stub:
        s3sync.copy(stubbed.retrying(client), "src", "bak", "big.parquet", size, part_size=part)
    stub.assert_no_pending_responses()


def test_a_multipart_copy_that_fails_is_aborted():
    client, stub = _stubbed()
    stub.add_response("head_object", {}, {"Bucket": "src", "Key": "big"})
    stub.add_response("create_multipart_upload", {"UploadId": "u-2"}, {"Bucket": "bak", "Key": "big", "Metadata": {}})
    stub.add_client_error("upload_part_copy", "AccessDenied", "denied", 403)
    stub.add_response("abort_multipart_upload", {}, {"Bucket": "bak", "Key": "big", "UploadId": "u-2"})
    with stub, pytest.raises(Exception, match="AccessDenied"):
        s3sync.copy(stubbed.retrying(client), "src", "bak", "big", 6 * 2 ** 30)
    stub.assert_no_pending_responses()


def test_a_throttled_copy_is_sent_again():
    client, stub = _stubbed()
    expected = {"Bucket": "bak", "Key": "a", "CopySource": {"Bucket": "src", "Key": "a"}}
    stub.add_client_error("copy_object", "SlowDown", "Please reduce your request rate.", 503,
                          expected_params=expected)
    stub.add_response("copy_object", {"CopyObjectResult": {"ETag": '"a"'}}, expected)
    with stub:
        s3sync.copy(stubbed.retrying(client), "src", "bak", "a", 3)
    stub.assert_no_pending_responses()


def test_small_objects_take_one_call():
    client, stub = _stubbed()
    stub.add_response("copy_object", {}, {"Bucket": "bak", "Key": "a", "CopySource": ANY})
    with stub:
        s3sync.copy(stubbed.retrying(client), "src", "bak", "a", s3sync.COPY_OBJECT_LIMIT)
    stub.assert_no_pending_responses()
