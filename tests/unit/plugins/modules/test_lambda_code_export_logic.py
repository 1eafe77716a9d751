# -*- coding: utf-8 -*-
"""lambda_code_export's paths the emulator cannot show, with botocore's Stubber and a local HTTP server in the place
of Lambda's presigned address: a download whose checksum is not the version's CodeSha256 (moto computes it from the
bytes it serves) - not stored; an answer longer than CodeSize - refused; an address that does not answer - a failure
naming the version, bounded by wait_timeout; an image function - nothing to download; the bytes stored with S3's own
checksum check (ChecksumSHA256) and SSE; the function's environment never read into the result."""
from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import threading

import pytest
from botocore.stub import Stubber

from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.modules import lambda_code_export as lce

import stubbed

PACKAGE = b"PK\x03\x04 the package"
PARAMS = {"destination": "bak", "destination_prefix": "lambda-code", "kms_key_id": None, "wait_timeout": 2}


def _sha(body):
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


@contextlib.contextmanager
def _serving(body, delay=None):
    """A local HTTP server answering every GET with ``body`` (after waiting for ``delay`` to be set, when given)."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
            if delay is not None:
                delay.wait(5)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # pylint: disable=arguments-differ
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield "http://127.0.0.1:%d/code.zip" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _get_function(stub, location, sha, size, package_type="Zip", image=None):
    code = {"RepositoryType": "ECR", "ImageUri": image} if image else {"RepositoryType": "S3", "Location": location}
    stub.add_response("get_function", {
        "Configuration": {"FunctionName": "f", "CodeSha256": sha, "CodeSize": size, "PackageType": package_type,
                          "Environment": {"Variables": {"API_KEY": "s3cr3t"}}},
        "Code": code}, {"FunctionName": "f", "Qualifier": "3"})


def _stubs():
    lam, s3 = stubbed.client("lambda"), stubbed.client("s3")
    return lam, s3, Stubber(lam), Stubber(s3)


def _not_exported(s3_stub, key):
    s3_stub.add_response("list_objects_v2", {"KeyCount": 0}, {"Bucket": "bak", "Prefix": key, "MaxKeys": 1})


def test_a_download_whose_checksum_differs_is_not_stored():
    lam, s3, lam_stub, s3_stub = _stubs()
    claimed = _sha(b"what Lambda says it runs")
    with _serving(PACKAGE) as url:
        _get_function(lam_stub, url, claimed, len(PACKAGE))
        key = lce.export_key("lambda-code", "f", "3", claimed)
        _not_exported(s3_stub, key)  # and no put_object: the Stubber fails on any call not queued
        with lam_stub, s3_stub:
            entry = lce.export_version(stubbed.retrying(lam), stubbed.retrying(s3), PARAMS, "f", "3", False)
    assert entry["status"] == "mismatch" and entry["downloaded_sha256"] == _sha(PACKAGE)
    check = lce.export_check("f", entry, "s3://bak/")
    assert check["status"] == "fail" and check["reason"] == "the download's SHA-256 %s is not the version's " \
        "CodeSha256 %s: not stored" % (_sha(PACKAGE), claimed)
    s3_stub.assert_no_pending_responses()


def test_the_package_is_stored_with_s3s_checksum_check_and_encryption_and_no_environment():
    lam, s3, lam_stub, s3_stub = _stubs()
    sha = _sha(PACKAGE)
    with _serving(PACKAGE) as url:
        _get_function(lam_stub, url, sha, len(PACKAGE))
        key = lce.export_key("lambda-code", "f", "3", sha)
        _not_exported(s3_stub, key)
        s3_stub.add_response("put_object", {}, {
            "Bucket": "bak", "Key": key, "Body": PACKAGE, "ChecksumSHA256": sha, "ContentType": "application/zip",
            "Metadata": {"code-sha256": sha, "function": "f", "version": "3"}, "ServerSideEncryption": "aws:kms",
            "SSEKMSKeyId": "alias/k"})
        with lam_stub, s3_stub:
            entry = lce.export_version(stubbed.retrying(lam), stubbed.retrying(s3), dict(PARAMS, kms_key_id="alias/k"),
                                       "f", "3", False)
    assert entry["status"] == "exported" and key == "lambda-code/f/3/%s.zip" % hashlib.sha256(PACKAGE).hexdigest()
    assert "s3cr3t" not in repr(entry)
    s3_stub.assert_no_pending_responses()


def test_an_answer_longer_than_code_size_is_refused():
    with _serving(PACKAGE + b"more") as url:
        with pytest.raises(OperationFailed, match="longer than the version's CodeSize %d" % len(PACKAGE)):
            lce.download(url, len(PACKAGE), 2)


def test_an_address_that_does_not_answer_in_time_fails_naming_the_version():
    lam, s3, lam_stub, s3_stub = _stubs()
    release = threading.Event()
    with _serving(PACKAGE, delay=release) as url:
        _get_function(lam_stub, url, _sha(PACKAGE), len(PACKAGE))
        _not_exported(s3_stub, lce.export_key("lambda-code", "f", "3", _sha(PACKAGE)))
        with lam_stub, s3_stub, pytest.raises(OperationFailed, match="download of f:3's package failed: .*timed out"):
            lce.export_version(stubbed.retrying(lam), stubbed.retrying(s3), dict(PARAMS, wait_timeout=1), "f", "3",
                               False)
        release.set()


def test_an_image_function_has_nothing_to_download_and_is_unknown():
    lam, s3, lam_stub, s3_stub = _stubs()
    _get_function(lam_stub, None, _sha(b"image"), 0, package_type="Image", image="1234.dkr.ecr/app:v3")
    with lam_stub, s3_stub:
        entry = lce.export_version(stubbed.retrying(lam), stubbed.retrying(s3), PARAMS, "f", "3", False)
    assert (entry["status"], entry["key"], entry["image_uri"]) == ("image", None, "1234.dkr.ecr/app:v3")
    check = lce.export_check("f", entry, "s3://bak/")
    assert check["status"] == "unknown" and "its code is the image 1234.dkr.ecr/app:v3" in check["reason"]


def test_an_earlier_export_is_found_without_a_download():
    lam, s3, lam_stub, s3_stub = _stubs()
    sha = _sha(PACKAGE)
    key = lce.export_key("lambda-code", "f", "3", sha)
    _get_function(lam_stub, "http://127.0.0.1:9/never-fetched", sha, len(PACKAGE))
    s3_stub.add_response("list_objects_v2", {"Contents": [{"Key": key}], "KeyCount": 1},
                         {"Bucket": "bak", "Prefix": key, "MaxKeys": 1})
    with lam_stub, s3_stub:
        assert lce.export_version(stubbed.retrying(lam), stubbed.retrying(s3), PARAMS, "f", "3", False)["status"] == \
            "found"
