# -*- coding: utf-8 -*-
"""parameter_store_backup against the emulator: the S3 object (its encryption and content) and the parameters are
read back from the emulator; no value appears in a result."""
from __future__ import annotations

import json
import uuid

import pytest
import seed

from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.moto_only("SSM is not among the services the LocalStack sandbox runs")

SECRET = "db-password-77e1"


@pytest.fixture
def store(aws):
    ssm, s3 = aws("ssm"), aws("s3")
    path = "/psb-%s/" % uuid.uuid4().hex[:8]
    ssm.put_parameter(Name=path + "db/host", Value="db.internal", Type="String")
    ssm.put_parameter(Name=path + "db/password", Value=SECRET, Type="SecureString", KeyId=seed.KMS_ALIAS)
    ssm.put_parameter(Name=path + "features", Value="a,b", Type="StringList")
    bucket = "psb-" + uuid.uuid4().hex[:8]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    return ssm, s3, path, bucket


def test_export_encrypted_idempotent_then_import_restores_exactly(store, run_module):
    ssm, s3, path, bucket = store
    args = {"action": "export", "path": path, "bucket": bucket, "key": "parameters/app.json",
            "kms_key_id": seed.KMS_ALIAS}
    planned = run_module("parameter_store_backup", args, check_mode=True, diff=True)
    assert planned["changed"] is True and "Contents" not in s3.list_objects_v2(Bucket=bucket)
    exported = run_module("parameter_store_backup", args)
    assert exported["changed"] is True and [p["name"] for p in exported["parameters"]] == [
        path + "db/host", path + "db/password", path + "features"]
    obj = s3.get_object(Bucket=bucket, Key="parameters/app.json")
    assert obj["ServerSideEncryption"] == "aws:kms"
    assert json.loads(obj["Body"].read())["parameters"][path + "db/password"]["value"] == SECRET
    assert run_module("parameter_store_backup", args)["changed"] is False  # the same parameters: no new object
    assert SECRET not in json.dumps([planned, exported])

    ssm.put_parameter(Name=path + "db/password", Value="changed-by-someone", Type="SecureString", Overwrite=True)
    ssm.delete_parameter(Name=path + "features")
    back = {"action": "import", "path": path, "bucket": bucket, "key": "parameters/app.json"}
    preview = run_module("parameter_store_backup", back, check_mode=True)
    assert dict((p["name"], p["action"]) for p in preview["parameters"]) == {
        path + "db/host": "unchanged", path + "db/password": "updated", path + "features": "created"}
    assert ssm.get_parameter(Name=path + "db/password", WithDecryption=True)["Parameter"]["Value"] == "changed-by-someone"
    imported = run_module("parameter_store_backup", back)
    assert imported["changed"] is True and SECRET not in json.dumps(imported)
    assert ssm.get_parameter(Name=path + "db/password", WithDecryption=True)["Parameter"]["Value"] == SECRET
    assert ssm.get_parameter(Name=path + "features")["Parameter"]["Type"] == "StringList"
    assert run_module("parameter_store_backup", back)["changed"] is False


@pytest.mark.parametrize("args, message", [
    ({"action": "export"}, "action is export but all of the following are missing: kms_key_id"),
    ({"action": "import", "path": "relative/"}, "path: 'relative/' must start with /"),
    ({"action": "import", "key": "nothing-here.json"}, "key: no export at s3://"),
])
def test_bad_input(store, run_module, args, message):
    _ssm, _s3, path, bucket = store
    result = run_module("parameter_store_backup", dict({"path": path, "bucket": bucket, "key": "k.json"}, **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_an_export_of_another_path_is_not_imported_here(store, run_module):
    ssm, _s3, path, bucket = store
    run_module("parameter_store_backup", {"action": "export", "path": path, "bucket": bucket, "key": "a.json",
                                          "kms_key_id": seed.KMS_ALIAS})
    refused = run_module("parameter_store_backup", {"action": "import", "path": path + "db/", "bucket": bucket,
                                                    "key": "a.json"})
    assert refused["failed"] is True and "the export holds parameters outside %sdb/" % path in refused["msg"]


def test_an_export_naming_a_sibling_path_is_not_imported(store, run_module):
    """#30: ``/path`` matched ``/pathX/...`` by string prefix; an export holding a sibling's parameter is refused."""
    ssm, s3, path, bucket = store
    sibling = path.rstrip("/") + "X/db/password"
    s3.put_object(Bucket=bucket, Key="sibling.json", Body=json.dumps({"path": path.rstrip("/"), "parameters": {
        sibling: {"type": "String", "value": "planted", "key_id": None}}}))
    refused = run_module("parameter_store_backup", {"action": "import", "path": path.rstrip("/"), "bucket": bucket,
                                                    "key": "sibling.json"})
    assert refused["failed"] is True and sibling in refused["msg"], refused["msg"]
    assert not ssm.get_parameters(Names=[sibling])["Parameters"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("parameter_store_backup")
    assert set(actions) == {"ssm:GetParametersByPath", "ssm:DescribeParameters", "s3:GetObject", "s3:PutObject",
                            "ssm:PutParameter", "kms:GenerateDataKey", "kms:Decrypt"}
    ssm, s3 = iam_sandbox.client("ssm"), iam_sandbox.client("s3")
    path, bucket = "/lppsb-%s/" % uuid.uuid4().hex[:6], "lppsb-" + uuid.uuid4().hex[:6]
    ssm.put_parameter(Name=path + "x", Value="1", Type="String")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    args = {"action": "export", "path": path, "bucket": bucket, "key": "e.json", "kms_key_id": seed.KMS_ALIAS}
    assert run_module_iam("parameter_store_backup", args, iam_sandbox.iam_user(policy(actions))).get("changed") is True
    for missing in ("ssm:GetParametersByPath", "ssm:DescribeParameters", "s3:GetObject"):
        refused = run_module_iam("parameter_store_backup", args,
                                 iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denied(refused, missing)
    ssm.put_parameter(Name=path + "x", Value="2", Type="String", Overwrite=True)  # the export differs: a new object
    assert_denied(run_module_iam("parameter_store_backup", args,
                                 iam_sandbox.iam_user(policy(a for a in actions if a != "s3:PutObject"))), "s3:PutObject")
    ssm.put_parameter(Name=path + "x", Value="3", Type="String", Overwrite=True)  # the store differs: an import writes
    back = {"action": "import", "path": path, "bucket": bucket, "key": "e.json"}
    assert_denied(run_module_iam("parameter_store_backup", back, iam_sandbox.iam_user(policy(
        a for a in actions if a != "ssm:PutParameter"))), "ssm:PutParameter")
    assert ssm.get_parameter(Name=path + "x")["Parameter"]["Value"] == "3"  # refused: nothing written
