#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lambda_code_export
short_description: Back up the code a Lambda alias serves to S3, checksum-verified and encrypted
version_added: 0.5.0
description:
  - Runbook 004 "Export Function Code" (C(aws lambda get-function --query Code.Location | xargs curl -o
    function-backup.zip)) - for each version the alias O(alias) serves (its version and the versions of its routing
    weights) or each version in O(versions), the deployment package is downloaded from the address Lambda answers,
    its SHA-256 compared with the version's C(CodeSha256), and stored in O(destination) under
    C(<destination_prefix>/<function>/<version>/<sha256 hex>.zip) with server-side encryption (O(kms_key_id), else
    SSE-S3). S3 checks the stored bytes against the same checksum (C(ChecksumSHA256)).
  - A package whose checksum differs is not stored (a C(fail) check). An image function has no package to download
    (its code is the image C(ImageUri)) - its check is C(unknown), naming the image.
  - Idempotent - the key holds the package's SHA-256 and S3 stores an object only when its bytes match that checksum,
    so a key that exists is the export, and a second run downloads nothing. Check mode reports what would be exported; diff shows the keys.
  - Only the code is read - never the function's configuration or environment (it may hold secret values).
notes:
  - "IAM actions (least privilege): C(lambda:GetAlias) (with O(alias)), C(lambda:GetFunction) (the code's address
    and checksum), C(s3:ListBucket) (an earlier export's key), C(s3:PutObject). With O(kms_key_id) also KMS's
    GenerateDataKey on the key (the emulator does not check it). The download itself is a presigned URL: no IAM."
  - The download is bounded by O(wait_timeout) seconds and by the version's C(CodeSize) (a longer answer is refused).
  - "The sandbox's moto answers C(Code.Location) with an address on AWS's S3 that serves nothing; the sandbox
    (C(tests/sandbox/moto_server.py)) answers one on 127.0.0.1 serving the bytes moto keeps, as Lambda would. A
    package whose checksum differs cannot be made in the emulator - that path is proven with botocore's Stubber and
    a local HTTP server (C(tests/unit/plugins/modules/test_lambda_code_export_logic.py))."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  function_name:
    description: The function.
    type: str
    required: true
  alias:
    description: Export every version this alias serves (its version and those of its routing weights).
    type: str
  versions:
    description: Export these versions (published numbers or V($LATEST)) instead of an alias's.
    type: list
    elements: str
  destination:
    description: The bucket of the exports.
    type: str
    required: true
  destination_prefix:
    description: The key prefix of the exports.
    type: str
    default: lambda-code
  kms_key_id:
    description: Encrypt with this KMS key (SSE-KMS); SSE-S3 (AES256) without it.
    type: str
  wait_timeout:
    description: Seconds each download may take.
    type: int
    default: 120
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
- name: Runbook 004 "Export Function Code" - what the alias live serves
  ops.runbooks.lambda_code_export:
    function_name: agenticai-stack-ApiHandler-X1Y2
    alias: live
    destination: agenticai-backups
    kms_key_id: alias/agenticai-key
"""

RETURN = r"""
exports:
  description: One entry per version, in the order the alias serves them (or given).
  returned: always
  type: list
  elements: dict
  contains:
    version: {description: The version., type: str}
    code_sha256: {description: The version's CodeSha256 (base64)., type: str}
    code_size: {description: Its size in bytes., type: int}
    key: {description: The object's key (null for an image function)., type: str}
    status: {description: "C(exported), C(found) (an earlier run's), C(planned) (check mode), C(mismatch) (the
             download's checksum differs: not stored), C(image) (nothing to download).", type: str}
    image_uri: {description: The image of an image function., type: str}
checks:
  description: One check per version in the collection's common model.
  returned: always
  type: list
  elements: dict
"""

import base64
import hashlib

from ansible.module_utils.urls import open_url
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import LATEST
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import get_alias
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import is_version_number
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error

ARGUMENT_SPEC = dict(
    function_name=dict(type="str", required=True),
    alias=dict(type="str"),
    versions=dict(type="list", elements="str"),
    destination=dict(type="str", required=True),
    destination_prefix=dict(type="str", default="lambda-code"),
    kms_key_id=dict(type="str"),
    wait_timeout=dict(type="int", default=120),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)
SHA_META = "code-sha256"


def validate(params):
    if not params["function_name"]:
        raise InvalidInput("function_name: give the function")
    if bool(params["alias"]) == bool(params["versions"]):
        raise InvalidInput("alias: give either alias or versions (the versions to export)")
    for version in params["versions"] or []:
        if version != LATEST and not is_version_number(version):
            raise InvalidInput("versions: %r is no version (a published number or $LATEST)" % version)
    if not params["destination"] or "/" in params["destination"]:
        raise InvalidInput("destination: give a bucket name (%r is none)" % params["destination"])
    if params["kms_key_id"] == "":
        raise InvalidInput("kms_key_id: give a key, or leave it out for SSE-S3")
    check_range("wait_timeout", params["wait_timeout"], 1, 3600, " seconds")


def served_versions(lam, function, alias):
    """The versions the alias serves: its version first, then those of its routing weights."""
    state = get_alias(lam, function, alias)
    return [state["version"]] + sorted(v for v in state["weights"] if v != state["version"])


def code_of(lam, function, version):
    """``{version, code_sha256, code_size, location, image_uri}`` - the code only, never the configuration."""
    try:
        found = lam.get_function(aws_retry=True, FunctionName=function, Qualifier=version)
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("versions: version %s of function %s not found" % (version, function)) from None
    config, code = found.get("Configuration") or {}, found.get("Code") or {}
    return {"version": version, "code_sha256": config.get("CodeSha256") or "", "code_size": config.get("CodeSize"),
            "location": code.get("Location") if config.get("PackageType", "Zip") == "Zip" else None,
            "image_uri": code.get("ImageUri") if config.get("PackageType") == "Image" else None}


def export_key(prefix, function, version, code_sha256):
    digest = base64.b64decode(code_sha256).hex() if code_sha256 else "unknown"
    return "/".join(p for p in (prefix.strip("/"), function, version.replace("$", ""), digest + ".zip") if p)


def exported(s3, bucket, key):
    """Whether the key exists: its name holds the package's SHA-256 and S3 stored it only when the bytes matched that
    checksum (ChecksumSHA256), so an object there is this package's export (an earlier run's)."""
    listed = s3.list_objects_v2(aws_retry=True, Bucket=bucket, Prefix=key, MaxKeys=1).get("Contents") or []
    return any(o.get("Key") == key for o in listed)


def download(location, size, timeout):
    """The package's bytes - at most ``size`` (a longer answer is refused) - within ``timeout`` seconds."""
    response = open_url(location, method="GET", timeout=timeout, follow_redirects="safe")
    body = response.read((size or 0) + 1) if size is not None else response.read()
    if size is not None and len(body) > size:
        raise OperationFailed("the download is longer than the version's CodeSize %d" % size)
    return body


def sha256_b64(body):
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def store(s3, params, key, body, code_sha256, function, version):
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": params["kms_key_id"]} if params["kms_key_id"] \
        else {"ServerSideEncryption": "AES256"}
    s3.put_object(aws_retry=True, Bucket=params["destination"], Key=key, Body=body, ChecksumSHA256=code_sha256,
                  ContentType="application/zip", Metadata={SHA_META: code_sha256, "function": function,
                                                           "version": version}, **extra)


def export_check(function, entry, where):
    name = "%s:%s" % (function, entry["version"])
    status = entry["status"]
    if status == "image":
        return checks.make_check(name, "code export", checks.UNKNOWN, "an image function: its code is the image %s, "
                                 "no package to download" % entry["image_uri"])
    if status == "planned":
        return checks.make_check(name, "code export", checks.SKIPPED, "would export to %s%s (check mode)" % (
            where, entry["key"]))
    if status == "mismatch":
        return checks.make_check(name, "code export", checks.FAIL, "the download's SHA-256 %s is not the version's "
                                 "CodeSha256 %s: not stored" % (entry["downloaded_sha256"], entry["code_sha256"]),
                                 entry["downloaded_sha256"], entry["code_sha256"])
    return checks.make_check(name, "code export", checks.PASS, "%d bytes, SHA-256 %s verified, in %s%s%s" % (
        entry["code_size"] or 0, entry["code_sha256"], where, entry["key"],
        " (exported by an earlier run)" if status == "found" else ""), entry["code_sha256"], entry["code_sha256"])


def export_version(lam, s3, params, function, version, check_mode):
    """Export one version's package (unless an earlier run did, or in check mode); its entry of ``exports``."""
    code = code_of(lam, function, version)
    entry = {"version": version, "code_sha256": code["code_sha256"], "code_size": code["code_size"], "key": None,
             "status": "image", "image_uri": code["image_uri"]}
    if not code["location"]:
        return entry
    entry["key"] = export_key(params["destination_prefix"], function, version, code["code_sha256"])
    if exported(s3, params["destination"], entry["key"]):
        return dict(entry, status="found")
    if check_mode:
        return dict(entry, status="planned")
    try:
        body = download(code["location"], code["code_size"], params["wait_timeout"])
    except (OSError, ValueError) as e:  # urllib's URLError and HTTPError, a timeout, a bad address
        raise OperationFailed("download of %s:%s's package failed: %s" % (function, version, e)) from None
    entry["downloaded_sha256"] = sha256_b64(body)
    if entry["downloaded_sha256"] != code["code_sha256"]:
        return dict(entry, status="mismatch")  # not stored: the bytes are not the version's
    store(s3, params, entry["key"], body, code["code_sha256"], function, version)
    return dict(entry, status="exported")


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    result = dict(changed=False, exports=[], checks=[])
    with ending_on_error(module, result, "export the function's code"):
        validate(params)
        lam, s3 = module.retrying_client("lambda"), module.retrying_client("s3")
        function = params["function_name"]
        versions = served_versions(lam, function, params["alias"]) if params["alias"] else params["versions"]
        for version in dict.fromkeys(versions):
            entry = export_version(lam, s3, params, function, version, module.check_mode)
            result["exports"].append(entry)
            result["changed"] = result["changed"] or entry["status"] in ("planned", "exported")
        written = [e for e in result["exports"] if e["status"] in ("planned", "exported")]
        where = "s3://%s/" % params["destination"]
        result["checks"] = [export_check(function, e, where) for e in result["exports"]]
        if module._diff and written:  # pylint: disable=protected-access
            result["diff"] = dict(before={e["key"]: None for e in written},
                                  after={e["key"]: e["code_sha256"] for e in written})
    failing = [c for c in result["checks"] if c["status"] == checks.FAIL]
    checks.end_module(module, result, "; ".join(c["reason"] for c in failing) or None,
                      msg="; ".join("%s %s" % (c["resource"], c["status"]) for c in result["checks"]))


if __name__ == "__main__":
    main()
