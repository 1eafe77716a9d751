# -*- coding: utf-8 -*-
"""A scratch bucket of a test: made in the sandbox's region, and afterwards emptied (every version and delete marker)
and removed, whatever the test wrote into it - the shared sandbox is left as it was found."""
from __future__ import annotations

import contextlib


def remove_bucket(s3, bucket):
    """Empty ``bucket`` (every version and delete marker) and remove it."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    s3.delete_bucket(Bucket=bucket)


@contextlib.contextmanager
def scratch_bucket(s3, bucket, objects=None):
    """``bucket`` created with ``objects`` ({key: body}); removed with all it holds on exit."""
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    try:
        for key, body in (objects or {}).items():
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        yield bucket
    finally:
        remove_bucket(s3, bucket)
