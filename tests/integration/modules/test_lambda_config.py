# -*- coding: utf-8 -*-
"""lambda_config against the emulator: configuration, versions and the alias are read back from the emulator."""
from __future__ import annotations

import json
import uuid

import pytest

from iam import assert_denial_shown, assert_denied, documented_actions, policy
from test_lambda_rollback import ROLE, _zip
from test_lambda_rollback import http_health  # noqa: F401  pylint: disable=unused-import

pytestmark = pytest.mark.moto_only("Lambda is not among the services the LocalStack sandbox runs")

SECRET = "s3cr3t-value-9f1c"  # an environment value: must never show in a result


def make_function(lam, env=None, timeout=30, memory=512, versions=2):
    """Versions 1..N published from the same code; alias live on the last; $LATEST equal to it."""
    name = "cfg-" + uuid.uuid4().hex[:10]
    variables = env if env is not None else {"TABLE_NAME": "signals", "API_KEY": SECRET}
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": _zip(0)}, Timeout=timeout, MemorySize=memory,
                        Environment={"Variables": variables})
    for _build in range(versions):
        version = lam.publish_version(FunctionName=name)["Version"]
        lam.update_function_configuration(FunctionName=name, Description="build")  # a new version next time
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    return name


def config(lam, name, qualifier=None):
    raw = lam.get_function_configuration(FunctionName=name, **({"Qualifier": qualifier} if qualifier else {}))
    return raw["Timeout"], raw["MemorySize"], (raw.get("Environment") or {}).get("Variables") or {}


def served(lam, name):
    return lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"]


@pytest.fixture
def lam(aws):
    return aws("lambda")


def test_timeout_and_memory_on_the_alias_keep_every_variable_and_publish_once(lam, run_module):
    name = make_function(lam)
    before_alias = served(lam, name)
    args = {"function_name": name, "timeout": 300, "memory_size": 1024, "alias": "live"}
    planned = run_module("lambda_config", args, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["current"]["alias_version"] == "new"
    assert config(lam, name)[:2] == (30, 512) and served(lam, name) == before_alias  # check mode: nothing
    first = run_module("lambda_config", args)
    assert first["changed"] is True and first["published_version"] == served(lam, name) != before_alias
    assert config(lam, name) == (300, 1024, {"TABLE_NAME": "signals", "API_KEY": SECRET})
    assert config(lam, name, served(lam, name)) == (300, 1024, {"TABLE_NAME": "signals", "API_KEY": SECRET})
    assert config(lam, name, before_alias)[:2] == (30, 512)  # the old version is untouched
    assert first["previous"]["timeout"] == 30 and first["current"]["memory_size"] == 1024
    assert first["previous"]["alias_version"] == before_alias and first["current"]["alias_version"] != before_alias
    assert first["environment_changes"] == {"API_KEY": "unchanged", "TABLE_NAME": "unchanged"}
    versions = len(lam.list_versions_by_function(FunctionName=name)["Versions"])
    second = run_module("lambda_config", args)
    assert second["changed"] is False and second["published_version"] is None
    assert len(lam.list_versions_by_function(FunctionName=name)["Versions"]) == versions  # nothing published
    assert SECRET not in json.dumps([planned, first, second])


def test_set_and_remove_variables_without_alias_changes_latest_only(lam, run_module):
    name = make_function(lam, env={"KEEP": "k", "DROP": "d", "LOG_LEVEL": "INFO", "TOKEN": SECRET})
    alias_before = served(lam, name)
    result = run_module("lambda_config", {"function_name": name, "environment": {"LOG_LEVEL": "DEBUG", "NEW": 7},
                                          "remove_environment": ["DROP", "NOT_THERE"]}, diff=True)
    assert result["changed"] is True and result["published_version"] is None
    assert config(lam, name)[2] == {"KEEP": "k", "LOG_LEVEL": "DEBUG", "NEW": "7", "TOKEN": SECRET}
    assert served(lam, name) == alias_before and config(lam, name, alias_before)[2]["LOG_LEVEL"] == "INFO"
    assert result["environment_changes"] == {"DROP": "removed", "KEEP": "unchanged", "LOG_LEVEL": "value changed",
                                             "NEW": "added", "TOKEN": "unchanged"}
    assert result["current"]["environment_keys"] == ["KEEP", "LOG_LEVEL", "NEW", "TOKEN"]
    assert result["diff"]["after"]["environment"]["LOG_LEVEL"] == "value changed"
    assert "DEBUG" not in json.dumps(result) and SECRET not in json.dumps(result)  # names and flags only
    again = run_module("lambda_config", {"function_name": name, "environment": {"LOG_LEVEL": "DEBUG", "NEW": 7},
                                         "remove_environment": ["DROP", "NOT_THERE"]})
    assert again["changed"] is False


def test_a_failing_gate_reverts_alias_and_latest_exactly(lam, aws, run_module):
    name = make_function(lam)
    alias_before = served(lam, name)
    lam.update_alias(FunctionName=name, Name="live", Description="deployed by pipeline #12")
    latest_before, versions_before = config(lam, name), lam.list_versions_by_function(FunctionName=name)["Versions"]
    cw = aws("cloudwatch")
    cw.put_metric_alarm(AlarmName=name + "-errors", Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName=name + "-errors", StateValue="ALARM", StateReason="test")
    result = run_module("lambda_config", {"function_name": name, "timeout": 120, "environment": {"MODE": "fast"},
                                          "alias": "live", "wait": True, "wait_timeout": 60,
                                          "health_check": {"alarms": [name + "-errors"], "retries": 1, "delay": 0}})
    assert result["failed"] is True and result["reverted"] is True, result
    assert "alias back on %s and $LATEST restored" % alias_before in result["msg"]
    assert served(lam, name) == alias_before
    assert lam.get_alias(FunctionName=name, Name="live")["Description"] == "deployed by pipeline #12"
    assert config(lam, name) == latest_before  # timeout and every variable as they were (MODE gone)
    assert len(lam.list_versions_by_function(FunctionName=name)["Versions"]) == len(versions_before) + 1
    assert result["health"]["passed"] is False and result["health"]["attempts"] == 2


def test_a_failing_gate_without_revert_leaves_the_change(lam, aws, run_module):
    name = make_function(lam)
    cw = aws("cloudwatch")
    cw.put_metric_alarm(AlarmName=name + "-e", Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName=name + "-e", StateValue="ALARM", StateReason="test")
    result = run_module("lambda_config", {"function_name": name, "memory_size": 2048, "alias": "live",
                                          "revert_on_failure": False,
                                          "health_check": {"alarms": [name + "-e"], "retries": 0}})
    assert result["failed"] is True and result["reverted"] is False and "the change stays" in result["msg"]
    assert config(lam, name, served(lam, name))[1] == 2048


def test_a_passing_gate_keeps_the_change(lam, run_module):
    name = make_function(lam)
    result = run_module("lambda_config", {"function_name": name, "timeout": 60, "alias": "live",
                                          "health_check": {"invoke": {"payload": {"health": True}}, "retries": 0}})
    assert not result.get("failed"), result
    assert result["health"]["passed"] is True and config(lam, name, served(lam, name))[0] == 60


def test_a_gate_of_every_kind_passes_and_a_slow_url_fails_it(lam, run_module, http_health):  # pylint: disable=redefined-outer-name
    """The URL (within url_timeout), Lambda errors since the change (max within the window) and the invocation with
    the statuses it may answer: all pass and the change stays; a URL slower than url_timeout fails the gate."""
    state, url = http_health
    name = make_function(lam)
    result = run_module("lambda_config", {"function_name": name, "timeout": 45, "alias": "live", "health_check": {
        "url": url, "url_timeout": 2, "metric_errors": {"max": 0, "window": "5m"},
        "invoke": {"payload": {"health": True}, "expected_status": [200]}, "retries": 0}})
    assert not result.get("failed"), result
    assert set(result["health"]["checks"]) == {"url", "metric_errors", "invoke"} and result["health"]["passed"] is True
    assert config(lam, name, served(lam, name))[0] == 45
    state["delay"] = 3
    slow = make_function(lam)
    before = served(lam, slow)
    result = run_module("lambda_config", {"function_name": slow, "timeout": 45, "alias": "live",
                                          "health_check": {"url": url, "url_timeout": 1, "retries": 0}})
    assert result["failed"] is True and result["reverted"] is True and served(lam, slow) == before, result


def test_new_code_on_latest_is_not_deployed_through_the_alias(lam, run_module):
    name = make_function(lam)
    lam.update_function_code(FunctionName=name, ZipFile=_zip(99))
    alias_before = served(lam, name)
    result = run_module("lambda_config", {"function_name": name, "timeout": 90, "alias": "live"})
    assert result["failed"] is True and "differs from $LATEST in CodeSha256" in result["msg"]
    assert served(lam, name) == alias_before and config(lam, name)[0] == 30  # nothing changed


@pytest.mark.parametrize("args, message", [
    ({"timeout": 0}, "timeout: 0 is out of range (1 to 900 seconds)"),
    ({"timeout": 901}, "timeout: 901 is out of range (1 to 900 seconds)"),
    ({"memory_size": 100}, "memory_size: 100 is out of range (128 to 10240 MB)"),
    ({"memory_size": 10241}, "memory_size: 10241 is out of range"),
    ({}, "give at least one change"),
    ({"environment": {"1BAD": "x"}}, "environment: '1BAD' is not a variable name"),
    ({"environment": {"A": "x"}, "remove_environment": ["A"]}, "remove_environment: A also in environment"),
    ({"timeout": 60, "health_check": {"invoke": {}}}, "health_check: needs alias"),
    ({"timeout": 60, "alias": "live", "wait_timeout": 5, "health_check": {"invoke": {}, "retries": 3, "delay": 10}},
     "do not fit in wait_timeout 5s"),
    ({"timeout": 60, "alias": "no-such-alias"}, "alias no-such-alias of function"),
])
def test_bad_input_changes_nothing(lam, run_module, args, message):
    name = make_function(lam, versions=1)
    result = run_module("lambda_config", dict({"function_name": name}, **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert config(lam, name)[:2] == (30, 512)


def test_unknown_function(run_module):
    result = run_module("lambda_config", {"function_name": "no-such-fn-cfg", "timeout": 60})
    assert result["failed"] is True and "function no-such-fn-cfg not found" in result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("lambda_config")
    assert set(actions) == {"lambda:GetFunctionConfiguration", "lambda:ListVersionsByFunction",
                            "lambda:UpdateFunctionConfiguration",
                            "lambda:GetAlias", "lambda:PublishVersion", "lambda:UpdateAlias",
                            "lambda:InvokeFunction", "cloudwatch:GetMetricData", "cloudwatch:DescribeAlarms"}
    lam = iam_sandbox.client("lambda")
    name = make_function(lam)
    base = [a for a in actions if a.startswith("lambda:") and a != "lambda:InvokeFunction"]
    creds = iam_sandbox.iam_user(policy(base))
    done = run_module_iam("lambda_config", {"function_name": name, "timeout": 45, "alias": "live"}, creds)
    assert done.get("changed") is True, done
    for missing, args in (("lambda:GetFunctionConfiguration", {"timeout": 46}),
                          ("lambda:ListVersionsByFunction", {"timeout": 46}),
                          ("lambda:UpdateFunctionConfiguration", {"timeout": 47}),
                          ("lambda:GetAlias", {"timeout": 48, "alias": "live"}),
                          ("lambda:PublishVersion", {"timeout": 49, "alias": "live"}),
                          ("lambda:UpdateAlias", {"timeout": 50, "alias": "live"})):
        allowed = [a for a in base if a != missing]
        denied = run_module_iam("lambda_config", dict({"function_name": name}, **args),
                                iam_sandbox.iam_user(policy(allowed)))
        assert_denied(denied, missing)
    # The gate's actions: without one, the gate cannot pass - the change is reverted and the action named
    cw = iam_sandbox.client("cloudwatch")
    cw.put_metric_alarm(AlarmName=name + "-ok", Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName=name + "-ok", StateValue="OK", StateReason="test")
    for timeout, (missing, gate) in enumerate((("lambda:InvokeFunction", {"invoke": {}}),
                                               ("cloudwatch:DescribeAlarms", {"alarms": [name + "-ok"]}),
                                               ("cloudwatch:GetMetricData", {"metric_errors": {"max": 0}}))):
        gated = dict(gate, retries=0)
        allowed = [a for a in actions if a != missing]
        assert not run_module_iam("lambda_config", {"function_name": name, "timeout": 60 + timeout, "alias": "live",
                                                    "health_check": gated},
                                  iam_sandbox.iam_user(policy(allowed + [missing]))).get("failed")
        denied = run_module_iam("lambda_config", {"function_name": name, "timeout": 70 + timeout, "alias": "live",
                                                  "health_check": gated}, iam_sandbox.iam_user(policy(allowed)))
        assert denied["failed"] is True and denied["reverted"] is True, denied.get("msg")
        assert_denial_shown(denied, missing)
