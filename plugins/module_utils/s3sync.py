# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bucket synced to another (runbook 000 "Recovery Procedure": ``aws s3 sync s3://a s3://a-backup``): which objects
differ, and the copy of one object - CopyObject up to 5 GiB, a multipart copy above (CopyObject's limit)."""

from __future__ import annotations

from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate

COPY_OBJECT_LIMIT = 5 * 2 ** 30  # CopyObject copies at most 5 GiB; larger objects are copied in parts
PART_SIZE = 512 * 2 ** 20  # 5 MiB to 5 GiB per part, at most 10,000 parts: 512 MiB covers 5 TiB, S3's object limit


def objects(s3, bucket, prefix):
    """``{key: {size, etag, last_modified}}`` of the bucket's current objects under ``prefix`` (all pages)."""
    found = paginate(s3, "list_objects_v2", Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {o["Key"]: {"size": o.get("Size", 0), "etag": o.get("ETag", ""), "last_modified": o.get("LastModified")}
            for o in found}


def difference(source, destination):
    """Why the destination's copy of each source object is not the source's: ``missing``, ``size`` or ``etag``.

    An ETag that differs while the sizes agree is a difference only when the destination's object is older than the
    source's: a copy into a bucket encrypted with KMS, or one copied in parts, has an ETag of its own (it is no MD5 of
    the content), so a copy made after the source was written is the source's content (``aws s3 sync``'s rule).
    """
    there = destination.get
    reasons = {}
    for key, obj in source.items():
        other = there(key)
        if other is None:
            reasons[key] = "missing"
        elif other["size"] != obj["size"]:
            reasons[key] = "size"
        elif other["etag"] != obj["etag"] and not _newer_or_same(other["last_modified"], obj["last_modified"]):
            reasons[key] = "etag"
    return reasons


def _newer_or_same(mine, theirs):
    return mine is not None and theirs is not None and mine >= theirs


def extra(source, destination):
    """The keys only the destination holds (under the prefix), sorted."""
    return sorted(set(destination) - set(source))


def copy(s3, source_bucket, destination_bucket, key, size, part_size=PART_SIZE):
    """Copy one object (its current version; metadata, tags and content type copied; the destination bucket's default
    encryption applies). Sending it twice writes the same content twice: the calls may be retried."""
    source = {"Bucket": source_bucket, "Key": key}
    if size <= COPY_OBJECT_LIMIT:
        s3.copy_object(aws_retry=True, Bucket=destination_bucket, Key=key, CopySource=source)
        return
    head = s3.head_object(aws_retry=True, Bucket=source_bucket, Key=key)
    create = {"Bucket": destination_bucket, "Key": key, "Metadata": head.get("Metadata") or {}}
    for name in ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage", "CacheControl"):
        if head.get(name):
            create[name] = head[name]
    upload = s3.create_multipart_upload(aws_retry=True, **create)["UploadId"]
    try:
        parts = []
        for number, start in enumerate(range(0, size, part_size), 1):
            answer = s3.upload_part_copy(aws_retry=True, Bucket=destination_bucket, Key=key, UploadId=upload,
                                         PartNumber=number, CopySource=source,
                                         CopySourceRange="bytes=%d-%d" % (start, min(start + part_size, size) - 1))
            parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
        s3.complete_multipart_upload(aws_retry=True, Bucket=destination_bucket, Key=key, UploadId=upload,
                                     MultipartUpload={"Parts": parts})
    except BaseException:
        # the upload is this run's own: abort it, so that no part it copied stays billed in the bucket
        s3.abort_multipart_upload(aws_retry=True, Bucket=destination_bucket, Key=key, UploadId=upload)
        raise
