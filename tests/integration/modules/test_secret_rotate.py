# -*- coding: utf-8 -*-
"""secret_rotate against the emulator: values, stages, parameter versions and function environments are read back
from the emulator; no value ever appears in a result (the result holds what -vvv would print: the invocation too)."""
from __future__ import annotations

import json
import string
import uuid

import pytest

from iam import assert_denial_shown, assert_denied, documented_actions, policy
from test_lambda_config import make_function
from test_lambda_rollback import ROLE, _zip

pytestmark = pytest.mark.moto_only("Lambda is not among the services the LocalStack sandbox runs")

OLD, NEW = "old-key-5b1e", "new-key-9c2f"


def env(lam, name):
    return lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]


def stages(sm, secret):
    return sm.describe_secret(SecretId=secret)["VersionIdsToStages"]


@pytest.fixture
def secret(aws):
    name = "sr-" + uuid.uuid4().hex[:8]
    aws("secretsmanager").create_secret(Name=name, SecretString=json.dumps({"api_key": OLD, "user": "svc"}))
    return name


def test_a_json_key_rotates_stages_move_and_functions_refresh_keeping_their_variables(aws, run_module, secret):
    sm, lam = aws("secretsmanager"), aws("lambda")
    functions = [make_function(lam, env={"TABLE_NAME": "signals", "LOG_LEVEL": "INFO"}, versions=1) for _count in range(2)]
    [old_version] = stages(sm, secret)
    args = {"secret_id": secret, "json_key": "api_key", "value": NEW, "refresh_functions": functions}
    planned = run_module("secret_rotate", args, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["refreshed"] == functions
    assert json.loads(sm.get_secret_value(SecretId=secret)["SecretString"])["api_key"] == OLD  # check mode: nothing
    assert all("FORCE_REFRESH" not in env(lam, f) for f in functions)

    result = run_module("secret_rotate", dict(args, verify=True, wait=True, wait_timeout=60))
    assert result["changed"] is True and result["refreshed"] == functions and result["not_refreshed"] == []
    assert json.loads(sm.get_secret_value(SecretId=secret)["SecretString"]) == {"api_key": NEW, "user": "svc"}
    assert stages(sm, secret)[result["version"]] == ["AWSCURRENT"] and stages(sm, secret)[old_version] == ["AWSPREVIOUS"]
    assert result["stages"] == {"new": ["AWSCURRENT"], "previous": ["AWSPREVIOUS"]}
    for function in functions:
        variables = env(lam, function)
        assert variables.pop("FORCE_REFRESH").endswith("Z") and variables == {"TABLE_NAME": "signals", "LOG_LEVEL": "INFO"}
    assert NEW not in json.dumps([planned, result]) and OLD not in json.dumps([planned, result])

    again = run_module("secret_rotate", args)
    assert again["changed"] is False and again["refreshed"] == [] and len(stages(sm, secret)) == 2


def test_a_securestring_gets_a_generated_value_with_the_same_key(aws, run_module):
    ssm = aws("ssm")
    name = "/sr/%s/password" % uuid.uuid4().hex[:8]
    ssm.put_parameter(Name=name, Value="initial-password", Type="SecureString", KeyId="alias/ai-investment-key")
    result = run_module("secret_rotate", {"parameter_name": name, "generate": {
        "length": 40, "exclude_characters": "xyz", "exclude_punctuation": True}})
    assert result["changed"] is True and result["previous_version"] == "1" and result["version"] == "2"
    parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    value = parameter["Value"]
    assert len(value) == 40 and set(value) <= set(string.ascii_letters + string.digits) - set("xyz")
    assert parameter["Version"] == 2 and value not in json.dumps(result)
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])
    assert described["Parameters"][0]["KeyId"] == "alias/ai-investment-key"
    assert run_module("secret_rotate", {"parameter_name": name, "generate": {}})["version"] == "3"  # generate: always


def test_a_failed_refresh_leaves_the_secret_rotated_names_the_function_and_a_rerun_finishes(aws, run_module, secret):
    sm, lam = aws("secretsmanager"), aws("lambda")
    good = make_function(lam, env={"A": "1"}, versions=1)
    missing = "sr-missing-" + uuid.uuid4().hex[:6]
    args = {"secret_id": secret, "json_key": "api_key", "value": NEW, "refresh_functions": [good, missing]}
    failed = run_module("secret_rotate", args)
    assert failed["failed"] is True and "1 function(s) not refreshed: %s" % missing in failed["msg"]
    assert failed["refreshed"] == [good] and failed["not_refreshed"][0]["function"] == missing
    assert json.loads(sm.get_secret_value(SecretId=secret)["SecretString"])["api_key"] == NEW  # rotated
    lam.create_function(FunctionName=missing, Runtime="python3.11", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": _zip(0)}, Environment={"Variables": {"B": "2"}})
    stamp = env(lam, good)["FORCE_REFRESH"]
    rerun = run_module("secret_rotate", args)
    assert not rerun.get("failed"), rerun["msg"]
    assert rerun["refreshed"] == [missing] and rerun["version"] is None  # no second rotation
    assert env(lam, good)["FORCE_REFRESH"] == stamp and set(env(lam, missing)) == {"B", "FORCE_REFRESH"}
    assert len(stages(sm, secret)) == 2


@pytest.mark.parametrize("args, message", [
    ({"parameter_name": "/x", "value": "replacement-value-1"}, "parameters are mutually exclusive: secret_id|parameter_name"),
    ({"secret_id": None, "value": "replacement-value-1"}, "secret_id, parameter_name: give exactly one"),
    ({"value": None}, "value, generate: give exactly one"),
    ({"value": "replacement-value-1", "generate": {}}, "parameters are mutually exclusive: value|generate"),
    ({"generate": {"length": 4}}, "generate.length: 4 is out of range (8 to 4096)"),
    ({"generate": {"exclude_punctuation": True, "exclude_characters": string.ascii_letters + "0"}},
     "generate.exclude_characters: leaves fewer than 10"),
    ({"value": "replacement-value-1", "wait_timeout": -1}, "wait_timeout: -1 is out of range"),
    ({"secret_id": "no-such-secret-sr", "value": "replacement-value-1"}, "secret_id: secret no-such-secret-sr not found"),
])
def test_bad_input_changes_nothing(aws, run_module, secret, args, message):
    result = run_module("secret_rotate", dict({"secret_id": secret}, **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert json.loads(aws("secretsmanager").get_secret_value(SecretId=secret)["SecretString"])["api_key"] == OLD


def test_wrong_kinds_of_target_are_refused(aws, run_module):
    ssm, sm = aws("ssm"), aws("secretsmanager")
    name = "/sr/%s/plain" % uuid.uuid4().hex[:8]
    ssm.put_parameter(Name=name, Value="x", Type="String")
    refused = run_module("secret_rotate", {"parameter_name": name, "value": "y"})
    assert refused["failed"] is True and "parameter_name: %s is a String, not a SecureString" % name in refused["msg"]
    text = "sr-text-" + uuid.uuid4().hex[:6]
    sm.create_secret(Name=text, SecretString="just text")
    refused = run_module("secret_rotate", {"secret_id": text, "json_key": "k", "value": "replacement-value-1"})
    assert refused["failed"] is True and "json_key: the current value is not a JSON object" in refused["msg"]
    assert sm.get_secret_value(SecretId=text)["SecretString"] == "just text"


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("secret_rotate")
    assert set(actions) == {"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
                            "secretsmanager:PutSecretValue", "ssm:GetParameter", "ssm:DescribeParameters",
                            "ssm:PutParameter", "lambda:GetFunctionConfiguration",
                            "lambda:UpdateFunctionConfiguration", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}
    sm, ssm = iam_sandbox.client("secretsmanager"), iam_sandbox.client("ssm")
    secret, parameter = "lpsr-" + uuid.uuid4().hex[:6], "/lpsr/" + uuid.uuid4().hex[:6]
    sm.create_secret(Name=secret, SecretString="{}")
    ssm.put_parameter(Name=parameter, Value="x", Type="SecureString")
    function = make_function(iam_sandbox.client("lambda"), env={"A": "1"}, versions=1)
    cases = [({"secret_id": secret, "generate": {}, "refresh_functions": [function]},
              [a for a in actions if not a.startswith("ssm:")]),
             ({"parameter_name": parameter, "generate": {}}, [a for a in actions if a.startswith(("ssm:", "kms:"))])]
    for args, allowed in cases:
        done = run_module_iam("secret_rotate", args, iam_sandbox.iam_user(policy(allowed)))
        assert done.get("changed") is True and not done.get("not_refreshed"), done.get("msg")
        for missing in [a for a in allowed if not a.startswith(("kms:", "lambda:"))]:
            refused = run_module_iam("secret_rotate", args, iam_sandbox.iam_user(policy(a for a in allowed if a != missing)))
            assert_denied(refused, missing)
    for missing in ("lambda:GetFunctionConfiguration", "lambda:UpdateFunctionConfiguration"):
        # the rotation stands; the function is named among those not refreshed, with the action denied
        refused = run_module_iam("secret_rotate", cases[0][0], iam_sandbox.iam_user(policy(
            a for a in cases[0][1] if a != missing)))
        assert refused["failed"] is True and "not authorized to perform: %s" % missing in \
            refused["not_refreshed"][0]["reason"]
        assert_denial_shown(refused, missing)
