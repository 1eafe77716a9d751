# -*- coding: utf-8 -*-
"""lambda_code_export against the emulator: runbook 004 "Export Function Code" - the package of every version the
alias serves lands in S3 byte for byte, its checksum the version's CodeSha256, encrypted; a second run downloads
nothing; check mode writes nothing; the environment (a secret) never shows; the IAM actions it needs.

The sandbox's moto answers Code.Location on 127.0.0.1 (tests/sandbox/moto_server.py, patch 8); a package whose
checksum differs cannot be made here - tests/unit/plugins/modules/test_lambda_code_export_logic.py proves that path."""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import uuid

import pytest

from buckets import scratch_bucket
from iam import assert_denied, documented_actions, policy
from test_lambda_rollback import ROLE, _zip

pytestmark = pytest.mark.moto_only("Lambda is not among the services the LocalStack sandbox runs")

SECRET = "s3cr3t-code-export-4e1d"


@contextlib.contextmanager
def _world(client):
    """A function with versions 1 and 2 of different code, alias live on 2 with 10 % on 1, and a bucket; afterwards
    the bucket emptied and removed, the function deleted. ``client``: the sandbox's (service -> client)."""
    lam, s3, tag = client("lambda"), client("s3"), uuid.uuid4().hex[:8]
    name, bucket, packages = "ce-" + tag, "ce-exports-" + tag, {"1": _zip(1), "2": _zip(2)}
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": packages["1"]}, Environment={"Variables": {"API_KEY": SECRET}})
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=packages["2"])
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="2",
                     RoutingConfig={"AdditionalVersionWeights": {"1": 0.1}})
    try:
        with scratch_bucket(s3, bucket):
            yield name, bucket, packages
    finally:
        lam.delete_function(FunctionName=name)


def _sha(body):
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def test_every_version_the_alias_serves_is_stored_verified_and_encrypted(run_module, aws):
    with _world(aws) as (name, bucket, packages):
        s3, args = aws("s3"), {"function_name": name, "alias": "live", "destination": bucket}
        planned = run_module("lambda_code_export", args, check_mode=True, diff=True)
        assert [(e["version"], e["status"]) for e in planned["exports"]] == [("2", "planned"), ("1", "planned")]
        assert not s3.list_objects_v2(Bucket=bucket).get("Contents")  # check mode stored nothing
        done = run_module("lambda_code_export", args, diff=True)
        assert done["changed"] is True and not done.get("failed"), done.get("msg")
        assert [c["status"] for c in done["checks"]] == ["pass", "pass"]
        for entry in done["exports"]:
            package = packages[entry["version"]]
            assert entry["status"] == "exported" and entry["code_sha256"] == _sha(package)
            digest = hashlib.sha256(package).hexdigest()
            assert entry["key"] == "lambda-code/%s/%s/%s.zip" % (name, entry["version"], digest)
            stored = s3.get_object(Bucket=bucket, Key=entry["key"])
            assert stored["Body"].read() == package and stored["ServerSideEncryption"] == "AES256"
            assert stored["Metadata"]["code-sha256"] == entry["code_sha256"]
        assert sorted(done["diff"]["after"]) == sorted(e["key"] for e in done["exports"])
        assert SECRET not in json.dumps(done) and SECRET not in json.dumps(planned)
        again = run_module("lambda_code_export", args)
        assert again["changed"] is False and [e["status"] for e in again["exports"]] == ["found", "found"], again
        assert "(exported by an earlier run)" in again["checks"][0]["reason"]


def test_named_versions_with_a_kms_key_and_a_prefix(run_module, aws):
    with _world(aws) as (name, bucket, packages):
        result = run_module("lambda_code_export", {"function_name": name, "versions": ["$LATEST"], "destination": bucket,
                                                   "destination_prefix": "backups/code/", "kms_key_id": "alias/k"})
        [entry] = result["exports"]
        assert entry["key"].startswith("backups/code/%s/LATEST/" % name) and entry["code_sha256"] == _sha(packages["2"])
        stored = aws("s3").head_object(Bucket=bucket, Key=entry["key"])
        assert stored["ServerSideEncryption"] == "aws:kms"


def test_a_version_that_does_not_exist_fails_naming_it(run_module, aws):
    with _world(aws) as (name, bucket, _packages):
        result = run_module("lambda_code_export", {"function_name": name, "versions": ["9"], "destination": bucket})
        assert result["failed"] is True and result["msg"] == "versions: version 9 of function %s not found" % name, \
            result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("lambda_code_export")
    assert set(actions) == {"lambda:GetAlias", "lambda:GetFunction", "s3:ListBucket", "s3:PutObject"}
    with _world(iam_sandbox.client) as (name, bucket, _packages):
        for index, missing in enumerate([None] + actions):
            args = {"function_name": name, "alias": "live", "destination": bucket, "destination_prefix": "iam%d" % index}
            result = run_module_iam("lambda_code_export", args,
                                    iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
            if missing is None:
                assert not result.get("failed"), result["msg"]
            else:
                assert_denied(result, missing)
