#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: parameter_store_backup
short_description: Export the Parameter Store parameters under a path to S3 (SSE-KMS), or import them back
version_added: 0.1.0
description:
  - Runbook 000 "Data Loss Prevention" / 004 "Maintenance" (back up the configuration) - O(action=export) reads every
    parameter under O(path) (recursively, SecureStrings decrypted) and writes them as one JSON object to
    C(s3://bucket/key), encrypted with the KMS key O(kms_key_id). The values go from SSM to S3 inside the module -
    never to the controller's disk, never into a result or log (results carry names and types only).
  - O(action=import) reads that object and puts every parameter whose value or type differs back (SecureStrings
    with their recorded key); parameters outside O(path) in the object are refused. The role asks for
    confirmation first.
  - Idempotent - an export equal to the object already there writes nothing; an import of what is already there
    changes nothing.
notes:
  - "IAM actions (least privilege): C(ssm:GetParametersByPath), C(ssm:DescribeParameters), C(s3:GetObject); export
    C(s3:PutObject); import
    C(ssm:PutParameter); with the KMS key C(kms:GenerateDataKey) and C(kms:Decrypt) (SecureStrings and the object)."
  - "Least-privilege proof: the KMS permissions are checked by AWS while SSM and S3 serve the module's calls; the
    emulator does not, so they are documented from AWS's documentation, not proven in a test."
  - "Import sends each PutParameter once (no automatic retry): every overwrite makes a new parameter version, so after
    a lost answer the module reads the parameters again and takes the saved type and value in place as its write;
    only when they are not is it sent again (a bounded number of times). Export's PutObject replaces the object and
    is retried as it is."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  action:
    description: V(export) Parameter Store to S3, or V(import) S3 to Parameter Store.
    type: str
    choices: [export, import]
    required: true
  path:
    description: The parameter path, for example V(/ai-investment/) (everything below it).
    type: str
    required: true
  bucket:
    description: The S3 bucket of the export.
    type: str
    required: true
  key:
    description: The object key, for example V(parameters/ai-investment.json).
    type: str
    required: true
  kms_key_id:
    description: KMS key (id, ARN or alias) the export is encrypted with (SSE-KMS); required for O(action=export).
    type: str
extends_documentation_fragment:
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
- name: Back up the configuration of runbook 001's system
  ops.runbooks.parameter_store_backup:
    action: export
    path: /ai-investment/
    bucket: ai-investment-backups
    key: parameters/ai-investment.json
    kms_key_id: alias/ai-investment-key
"""

RETURN = r"""
parameters:
  description: The parameters exported or imported - C(name), C(type) and, for an import, C(action) (C(created),
    C(updated), C(unchanged)). Never a value.
  returned: always
  type: list
  elements: dict
object:
  description: The S3 URI of the export.
  returned: always
  type: str
"""

import datetime
import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
from ansible_collections.ops.runbooks.plugins.module_utils.errors import Conflict
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error

ARGUMENT_SPEC = dict(
    action=dict(type="str", choices=["export", "import"], required=True),
    path=dict(type="str", required=True),
    bucket=dict(type="str", required=True),
    key=dict(type="str", required=True, no_log=False),
    kms_key_id=dict(type="str"),
)


def under_path(name, path):
    """A parameter is under a path at a ``/`` boundary, as Parameter Store's hierarchy has it (``/app`` holds
    ``/app/db``, never ``/appX/db``)."""
    return name.startswith(path.rstrip("/") + "/")


def read_store(ssm, path, module):
    """{name: {type, value, key_id}} of every parameter under ``path``; every value registered as no_log."""
    found = paginate(ssm, "get_parameters_by_path", Path=path, Recursive=True, WithDecryption=True).get("Parameters", [])
    described = dict((p["Name"], p) for p in paginate(ssm, "describe_parameters", ParameterFilters=[
        {"Key": "Path", "Option": "Recursive", "Values": [path.rstrip("/") or "/"]}]).get("Parameters", []))
    store = {}
    for parameter in found:
        module.no_log_values.add(parameter["Value"])
        store[parameter["Name"]] = {"type": parameter["Type"], "value": parameter["Value"],
                                    "key_id": described.get(parameter["Name"], {}).get("KeyId")}
    return store


def parameter_restored(ssm, path, name, saved, module):
    """After a PutParameter whose answer was lost: its effect, if it took one - the parameter holding the saved type
    and value. Else None (send it again)."""
    now = read_store(ssm, path, module).get(name)
    return now if now is not None and (now["type"], now["value"]) == (saved["type"], saved["value"]) else None


def read_export(s3, bucket, key, module):
    """The parameters of an export object (None when there is none)."""
    try:
        body = s3.get_object(aws_retry=True, Bucket=bucket, Key=key)["Body"].read()
    except is_boto3_error_code(("NoSuchKey", "404")):
        return None
    except is_boto3_error_code("NoSuchBucket"):
        raise NotFound("bucket: %s not found" % bucket) from None
    try:
        parameters = json.loads(body)["parameters"]
    except (ValueError, KeyError, TypeError):
        raise Conflict("key: s3://%s/%s is not an export of this module" % (bucket, key)) from None
    for entry in parameters.values():
        module.no_log_values.add(entry["value"])
    return parameters


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"bucket": "bucket"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                                  required_if=[("action", "export", ["kms_key_id"])])
    params = module.params
    path, bucket, key = params["path"], params["bucket"], params["key"]
    uri = "s3://%s/%s" % (bucket, key)
    result = dict(changed=False, parameters=[], object=uri)
    with ending_on_error(module, result, "%s the parameters under %s" % (params["action"], path)):
        if not path.startswith("/"):
            raise InvalidInput("path: %r must start with / (a Parameter Store path)" % path)
        if not key:
            raise InvalidInput("key: must not be empty (the S3 key of the export)")
        ssm, s3 = module.retrying_client("ssm"), module.retrying_client("s3")
        ssm_once = module.single_attempt_client("ssm")
        # 1. What Parameter Store holds under the path, and what the export object holds.
        store = read_store(ssm, path, module)
        exported = read_export(s3, bucket, key, module)
        if params["action"] == "export":
            # 2. Export: the same parameters already there is no change.
            result["parameters"] = [{"name": n, "type": store[n]["type"]} for n in sorted(store)]
            if exported == store:
                module.exit_json(**result)
            result["changed"] = True
            if module._diff:  # pylint: disable=protected-access
                result["diff"] = dict(before=sorted(exported or {}), after=sorted(store))
            if not module.check_mode:
                document = json.dumps({"path": path, "parameters": store,
                                       "exported_at": datetime.datetime.now(datetime.timezone.utc).isoformat()})
                s3.put_object(aws_retry=True, Bucket=bucket, Key=key, Body=document.encode(),
                              ContentType="application/json", ServerSideEncryption="aws:kms",
                              SSEKMSKeyId=params["kms_key_id"])
            module.exit_json(**result)
        # 3. Import: every parameter of the export under the path whose value or type differs.
        if exported is None:
            raise NotFound("key: no export at %s" % uri)
        outside = sorted(n for n in exported if not under_path(n, path))
        if outside:
            raise Conflict("path: the export holds parameters outside %s (%s); refused" % (path, ", ".join(outside)))
        plan = []
        for name in sorted(exported):
            entry, now = exported[name], store.get(name)
            action = "created" if now is None else "unchanged" if (now["type"], now["value"]) == (
                entry["type"], entry["value"]) else "updated"
            plan.append({"name": name, "type": entry["type"], "action": action})
        result["parameters"] = plan
        changing = [p for p in plan if p["action"] != "unchanged"]
        result["changed"] = bool(changing)
        if module._diff and changing:  # pylint: disable=protected-access
            result["diff"] = dict(before=dict((p["name"], "present" if p["action"] == "updated" else "absent")
                                              for p in changing),
                                  after=dict((p["name"], "restored") for p in changing))
        if not module.check_mode:
            for entry in changing:
                saved = exported[entry["name"]]
                put = dict(Name=entry["name"], Value=saved["value"], Type=saved["type"], Overwrite=True)
                if saved["type"] == "SecureString" and saved.get("key_id"):
                    put["KeyId"] = saved["key_id"]
                # Once: every PutParameter with Overwrite makes a new version, so a lost answer is recognized by its
                # effect (the parameter holding the saved type and value) instead of being sent again.
                send_once(lambda put=put: ssm_once.put_parameter(**put),
                          lambda name=entry["name"], saved=saved: parameter_restored(ssm, path, name, saved, module))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
