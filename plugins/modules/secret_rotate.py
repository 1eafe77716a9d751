#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: secret_rotate
short_description: Rotate a secret (Secrets Manager or an SSM SecureString) and make the functions read it again
version_added: 0.1.0
description:
  - Runbook 000 "Sicherheitsverfahren" (rotate credentials), 004 "Maintenance" - puts a new value into a Secrets
    Manager secret (O(secret_id); the new version becomes C(AWSCURRENT), the old one C(AWSPREVIOUS)) or an SSM
    SecureString parameter (O(parameter_name); a new parameter version, same KMS key), from O(value) or generated
    (O(generate)). With O(json_key), only that key of a JSON secret changes; the others are kept.
  - Then merges C(FORCE_REFRESH=<UTC timestamp>) into the environment of each of O(refresh_functions) (every other
    variable kept - the same code as C(ops.runbooks.lambda_config)), so that new execution environments read the
    new value.
  - The value appears in no result, diff or log, also at C(-vvv). A failed refresh leaves the secret rotated and the
    task failed, naming the functions that were not refreshed (RV(not_refreshed)); run it again with those only.
notes:
  - "IAM actions (least privilege): C(secretsmanager:DescribeSecret), C(secretsmanager:GetSecretValue),
    C(secretsmanager:PutSecretValue) (O(secret_id)); C(ssm:GetParameter), C(ssm:DescribeParameters),
    C(ssm:PutParameter) (O(parameter_name)); C(lambda:GetFunctionConfiguration),
    C(lambda:UpdateFunctionConfiguration) (O(refresh_functions)); plus the KMS key's C(kms:Decrypt) and
    C(kms:Encrypt)/C(kms:GenerateDataKey) where the secret uses a customer managed key."
  - "Least-privilege proof: the KMS permissions are checked by AWS while Secrets Manager and SSM serve the module's
    calls; the emulator does not, so they are documented from AWS's documentation, not proven in a test."
  - With O(value), a secret that already holds that value is not rotated again (C(changed=false)). With
    O(generate), every run rotates.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  secret_id:
    description: Name or ARN of the Secrets Manager secret (exactly one of O(secret_id) and O(parameter_name)).
    type: str
  parameter_name:
    description: Name of the SSM parameter, which must be a C(SecureString).
    type: str
  value:
    description: The new value (exactly one of O(value) and O(generate)).
    type: str
  generate:
    description: Generate the new value.
    type: dict
    suboptions:
      length:
        description: Number of characters (8-4096).
        type: int
        default: 32
      exclude_characters:
        description: Characters never to use.
        type: str
        default: ""
      exclude_punctuation:
        description: Letters and digits only.
        type: bool
        default: false
  json_key:
    description:
      - Rotate only this key of a secret whose value is a JSON object; every other key is kept.
    type: str
  refresh_functions:
    description: Functions whose environment gets C(FORCE_REFRESH=<UTC timestamp>) after the rotation.
    type: list
    elements: str
    default: []
  verify:
    description:
      - Read back that the new value is current - for a secret, that the new version is C(AWSCURRENT) and the
        previous one C(AWSPREVIOUS); for a parameter, that its newest version holds the new value.
    type: bool
    default: true
  wait:
    description: Wait until each refreshed function's configuration update is done.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for O(wait), per function.
    type: int
    default: 120
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
- name: Rotate the model API key inside the JSON secret, then refresh the functions that read it
  ops.runbooks.secret_rotate:
    secret_id: ai-investment/model-api
    json_key: api_key
    value: "{{ new_model_api_key }}"
    refresh_functions: [ai-investment-score, ai-investment-evaluation]

- name: Generate a new database password in Parameter Store
  ops.runbooks.secret_rotate:
    parameter_name: /ai-investment/db/password
    generate:
      length: 40
      exclude_characters: "\"@/\\"
"""

RETURN = r"""
target:
  description: The secret's ARN or the parameter's name.
  returned: always
  type: str
version:
  description: The new version (a secret's version id, a parameter's version number as text); null when not rotated.
  returned: always
  type: str
previous_version:
  description: The version that was current before.
  returned: always
  type: str
stages:
  description: For a secret after O(verify), the stages of the new and the previous version.
  returned: when O(secret_id) and O(verify) and rotated
  type: dict
  sample: {new: [AWSCURRENT], previous: [AWSPREVIOUS]}
refreshed:
  description: The functions whose environment got the new C(FORCE_REFRESH).
  returned: always
  type: list
  elements: str
not_refreshed:
  description: The functions that were not refreshed, each with the reason (the secret is rotated nonetheless).
  returned: always
  type: list
  elements: dict
"""

import json
import secrets
import string
import uuid

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import get_configuration
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import mask_environment
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import secret_values
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import settings_of
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import update_configuration
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import wait_active
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import wanted_settings
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
from ansible_collections.ops.runbooks.plugins.module_utils.errors import Conflict
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import isoformat
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow

ARGUMENT_SPEC = dict(
    secret_id=dict(type="str"),
    parameter_name=dict(type="str"),
    value=dict(type="str", no_log=True),
    generate=dict(type="dict", options=dict(
        length=dict(type="int", default=32),
        exclude_characters=dict(type="str", default="", no_log=False),
        exclude_punctuation=dict(type="bool", default=False),
    )),
    json_key=dict(type="str", no_log=False),
    refresh_functions=dict(type="list", elements="str", default=[]),
    verify=dict(type="bool", default=True),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=120),
)


def generated(spec):
    """A random value from letters, digits and (unless excluded) punctuation, never an excluded character."""
    check_range("generate.length", spec["length"], 8, 4096)
    alphabet = string.ascii_letters + string.digits + ("" if spec["exclude_punctuation"] else string.punctuation)
    alphabet = "".join(c for c in alphabet if c not in spec["exclude_characters"])
    if len(alphabet) < 10:
        raise InvalidInput("generate.exclude_characters: leaves fewer than 10 characters to choose from")
    return "".join(secrets.choice(alphabet) for _position in range(spec["length"]))


def merged(current, json_key, value):
    """The new secret string: ``value``, or the JSON object ``current`` with ``json_key`` set to ``value``."""
    if json_key is None:
        return value
    try:
        document = json.loads(current) if current else {}
    except ValueError:
        raise Conflict("json_key: the current value is not a JSON object, so %s cannot be set inside it" % json_key) from None
    if not isinstance(document, dict):
        raise Conflict("json_key: the current value is not a JSON object, so %s cannot be set inside it" % json_key)
    return json.dumps(dict(document, **{json_key: value}))


# ---- Secrets Manager -----------------------------------------------------------------------------------------------
def read_secret(sm, secret_id):
    """(ARN, current version id, current value, when it last changed as a stamp)."""
    try:
        described = sm.describe_secret(aws_retry=True, SecretId=secret_id)
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("secret_id: secret %s not found" % secret_id) from None
    current = next((v for v, s in (described.get("VersionIdsToStages") or {}).items() if "AWSCURRENT" in s), None)
    value = sm.get_secret_value(aws_retry=True, SecretId=secret_id)["SecretString"] if current else None
    return described["ARN"], current, value, isoformat(described.get("LastChangedDate") or utcnow())


def write_secret(sm, arn, value):
    # One idempotency token per run: a retried request creates no second version.
    return sm.put_secret_value(aws_retry=True, SecretId=arn, SecretString=value,
                               ClientRequestToken=str(uuid.uuid4()))["VersionId"]


def secret_stages(sm, arn, new, previous):
    stages = sm.describe_secret(aws_retry=True, SecretId=arn).get("VersionIdsToStages") or {}
    return {"new": sorted(stages.get(new, [])), "previous": sorted(stages.get(previous, []))}


# ---- Parameter Store -----------------------------------------------------------------------------------------------
def read_parameter(ssm, name):
    try:
        parameter = ssm.get_parameter(aws_retry=True, Name=name, WithDecryption=True)["Parameter"]
    except is_boto3_error_code("ParameterNotFound"):
        raise NotFound("parameter_name: parameter %s not found" % name) from None
    if parameter["Type"] != "SecureString":
        raise Conflict("parameter_name: %s is a %s, not a SecureString" % (name, parameter["Type"]))
    described = ssm.describe_parameters(aws_retry=True, ParameterFilters=[
        {"Key": "Name", "Option": "Equals", "Values": [name]}]).get("Parameters", [])
    key_id = described[0].get("KeyId") if described else None
    return str(parameter["Version"]), parameter["Value"], key_id, isoformat(parameter.get("LastModifiedDate") or utcnow())


def write_parameter(ssm, ssm_once, name, value, key_id):
    """The new value as the parameter's new version - once: every PutParameter with Overwrite makes a version, so a
    lost answer is recognized by the value in place (its version taken) instead of being sent again."""
    params = dict(Name=name, Value=value, Type="SecureString", Overwrite=True)
    if key_id:
        params["KeyId"] = key_id

    def written():
        version, now, _key_id, _at = read_parameter(ssm, name)
        return {"Version": version} if now == value else None

    return str(send_once(lambda: ssm_once.put_parameter(**params), written)["Version"])


def refresh(module, lam, lam_once, functions, rotated_at, wait, timeout, check_mode=False):
    """FORCE_REFRESH=<now> into the environment of each function not refreshed since ``rotated_at`` (a stamp), every
    other variable kept: (refreshed, not refreshed with reasons). A function that fails does not stop the others."""
    stamp = isoformat(utcnow())
    done, failed = [], []
    for name in functions:
        try:
            latest = get_configuration(lam, name)
            mask_environment(module, latest)
            settings = settings_of(latest)
            if settings["environment"].get("FORCE_REFRESH", "") >= rotated_at:
                continue  # refreshed after the value became current: nothing to do
            if not check_mode:
                update_configuration(lam, lam_once, name, wanted_settings(settings, environment={"FORCE_REFRESH": stamp}),
                                     latest.get("RevisionId"))
                if wait:
                    wait_active(lam, name, None, timeout)
            done.append(name)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, AnsibleAWSError) as e:
            failed.append({"function": name, "reason": one_line(e, 600)})
    return done, failed


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"refresh_functions[]": "function"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                                  mutually_exclusive=[("secret_id", "parameter_name"), ("value", "generate")],
                                  required_one_of=[("secret_id", "parameter_name"), ("value", "generate")])
    params = module.params
    result = dict(changed=False, target=params["secret_id"] or params["parameter_name"], version=None,
                  previous_version=None, refreshed=[], not_refreshed=[])
    rotate = False
    with ending_on_error(module, result, "rotate %s" % result["target"]):
        check_range("wait_timeout", params["wait_timeout"], 0)
        if not (params["secret_id"] or params["parameter_name"]):  # also when one is given as null
            raise InvalidInput("secret_id, parameter_name: give exactly one of them (the target)")
        if params["value"] is None and params["generate"] is None:
            raise InvalidInput("value, generate: give exactly one of them (the new value)")
        if params["value"] == "":  # refused before it joins no_log_values: "" would mask every gap of the message
            raise InvalidInput("value: must not be empty")
        new_part = params["value"] if params["value"] is not None else generated(params["generate"])
        module.no_log_values.add(new_part)
        # 1. What is current now.
        if params["secret_id"]:
            sm = module.retrying_client("secretsmanager")
            target, previous, current, changed_at = read_secret(sm, params["secret_id"])
        else:
            ssm = module.retrying_client("ssm")
            target = params["parameter_name"]
            previous, current, key_id, changed_at = read_parameter(ssm, target)
        module.no_log_values.update(secret_values(current))  # the value being replaced is a secret too
        result.update(target=target, previous_version=previous)
        # 2. The new value (one key of a JSON secret, or the whole). The same value again is no rotation - then only
        # the functions not refreshed since it became current are refreshed (a re-run after a failed refresh).
        new_value = merged(current, params["json_key"], new_part)
        module.no_log_values.add(new_value)
        rotate = new_value != current
        if rotate:
            result.update(changed=True)
            if module._diff:  # pylint: disable=protected-access
                result["diff"] = dict(before={"version": previous},
                                      after={"version": "new", "json_key": params["json_key"]})
        # 3. Rotate, and verify that the new value is the current one.
        if rotate and not module.check_mode:
            if params["secret_id"]:
                version = write_secret(sm, target, new_value)
                result["version"] = version
                if params["verify"]:
                    result["stages"] = secret_stages(sm, target, version, previous)
                    if "AWSCURRENT" not in result["stages"]["new"] or (
                            previous and "AWSPREVIOUS" not in result["stages"]["previous"]):
                        raise OperationFailed("verify: after the rotation version %s has stages %s and %s has %s" % (
                            version, result["stages"]["new"], previous, result["stages"]["previous"]))
            else:
                version = write_parameter(ssm, module.single_attempt_client("ssm"), target, new_value, key_id)
                result["version"] = version
                if params["verify"]:
                    now_version, now_value, _key, _at = read_parameter(ssm, target)
                    if now_version != version or now_value != new_value:
                        raise OperationFailed("verify: parameter %s reads version %s, not the new %s" % (
                            target, now_version, version))
            changed_at = isoformat(utcnow())
        elif rotate:
            changed_at = "9999"  # check mode: every function would be refreshed
        # 4. Refresh the functions; one that fails does not undo the rotation.
        if params["refresh_functions"]:
            result["refreshed"], result["not_refreshed"] = refresh(
                module, module.retrying_client("lambda"), module.single_attempt_client("lambda"), params["refresh_functions"],
                changed_at, params["wait"], params["wait_timeout"], module.check_mode)
            result["changed"] = result["changed"] or bool(result["refreshed"])
        if result["not_refreshed"]:
            raise OperationFailed("%s %s, but %d function(s) not refreshed: %s - run again (the value stays, the "
                                  "functions not yet refreshed are)" % (
                                      "rotated" if rotate else "kept", target, len(result["not_refreshed"]),
                                      ", ".join(f["function"] for f in result["not_refreshed"])))
    if not rotate:
        module.exit_json(msg="%s already holds this value; %d function(s) refreshed" % (
            result["target"], len(result["refreshed"])), **result)
    if module.check_mode:
        module.exit_json(msg="would rotate %s and refresh %d function(s)" % (result["target"], len(result["refreshed"])),
                         **result)
    module.exit_json(msg="rotated %s (version %s), refreshed %d function(s)" % (
        result["target"], result["version"], len(result["refreshed"])), **result)


if __name__ == "__main__":
    main()
