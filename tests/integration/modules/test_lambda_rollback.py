# -*- coding: utf-8 -*-
"""lambda_rollback against the emulator: the alias is read back from the emulator after every run."""
from __future__ import annotations

import http.server
import io
import json
import threading
import time
import urllib.request
import uuid
import zipfile

import pytest

from iam import assert_denied, documented_actions, policy

ROLE = "arn:aws:iam::123456789012:role/ai-investment-lambda-exec"


def _zip(build):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    return {'build': %d}\n" % build)
    return buf.getvalue()


def make_function(lam, versions=5, alias_version=None, weights=None, role=ROLE, roles=None):
    """A function with published versions 1..N (``roles``: role per version) and alias ``live``."""
    name = "rb-" + uuid.uuid4().hex[:10]
    roles = roles or [role] * versions
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=roles[0], Handler="index.handler",
                        Code={"ZipFile": _zip(0)})
    for build in range(1, versions + 1):
        if build > 1:
            lam.update_function_code(FunctionName=name, ZipFile=_zip(build))
            if roles[build - 1] != roles[build - 2]:
                lam.update_function_configuration(FunctionName=name, Role=roles[build - 1])
        lam.publish_version(FunctionName=name)
    routing = {"AdditionalVersionWeights": weights} if weights else {}
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=str(alias_version or versions),
                     RoutingConfig=routing)
    return name


def alias(lam, name):
    raw = lam.get_alias(FunctionName=name, Name="live")
    return raw["FunctionVersion"], (raw.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}, \
        raw.get("Description", "")


@pytest.fixture
def lam(aws):
    return aws("lambda")


def test_rollback_moves_to_previous_version_and_clears_canary_weight(lam, run_module):
    name = make_function(lam, versions=5, weights={"4": 0.1})
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live"}, diff=True)
    assert not result.get("failed"), result
    version, weights, description = alias(lam, name)
    assert (version, weights) == ("4", {})
    assert description == ""  # the alias's description is a deployment's: the record goes to the function's tag
    record = recorded(lam, name)
    assert record.startswith("ops.runbooks rollback from=5 to=4 at=") and result["record"] == record
    assert result["changed"] is True and result["target_version"] == "4"
    assert result["previous"]["version"] == "5" and result["previous"]["additional_version_weights"] == {"4": 0.1}
    assert result["current"]["version"] == "4" and result["current"]["additional_version_weights"] == {}
    assert result["versions_considered"] == ["1", "2", "3", "4", "5"]
    assert result["diff"]["before"]["version"] == "5" and result["diff"]["after"]["version"] == "4"


def recorded(lam, name):
    """The rollback record in the function's tag for the alias live (None without one)."""
    arn = lam.get_function_configuration(FunctionName=name)["FunctionArn"]
    return lam.list_tags(Resource=arn).get("Tags", {}).get("ops.runbooks:rollback:live")


def test_a_deployments_alias_description_is_kept_and_an_old_description_record_still_read(lam, run_module):
    name = make_function(lam, versions=5)
    lam.update_alias(FunctionName=name, Name="live", Description="deployed by pipeline #91")
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live"})
    assert result["changed"] is True and alias(lam, name) == ("4", {}, "deployed by pipeline #91")
    assert result["current"]["description"] == "deployed by pipeline #91"
    # a rollback an earlier release recorded in the description is still recognized: no second step
    older = make_function(lam, versions=5, alias_version=4)
    lam.update_alias(FunctionName=older, Name="live", Description="ops.runbooks rollback from=5 to=4 at=2026-01-01")
    again = run_module("lambda_rollback", {"function_name": older, "alias": "live"})
    assert again["changed"] is False and "already rolled back from 5 to 4" in again["msg"] and alias(lam, older)[0] == "4"


def test_deleted_version_is_skipped(lam, run_module):
    name = make_function(lam, versions=5, alias_version=4)
    lam.delete_function(FunctionName=name, Qualifier="3")
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live"})
    assert alias(lam, name)[0] == "2"
    assert result["versions_considered"] == ["1", "2", "4", "5"]


def test_from_version_guard(lam, run_module):
    name = make_function(lam, versions=5)
    stale = run_module("lambda_rollback", {"function_name": name, "alias": "live", "from_version": "3"})
    assert stale["changed"] is False and "not from_version 3" in stale["msg"]
    assert alias(lam, name)[0] == "5"
    live = run_module("lambda_rollback", {"function_name": name, "alias": "live", "from_version": "5"})
    assert live["changed"] is True and alias(lam, name)[0] == "4"
    again = run_module("lambda_rollback", {"function_name": name, "alias": "live", "from_version": "5"})
    assert again["changed"] is False and alias(lam, name)[0] == "4"


def test_same_task_twice_rolls_back_one_step_only(lam, run_module):
    name = make_function(lam, versions=5)
    first = run_module("lambda_rollback", {"function_name": name, "alias": "live"})
    second = run_module("lambda_rollback", {"function_name": name, "alias": "live"})
    assert first["changed"] is True and second["changed"] is False
    assert "already rolled back from 5 to 4" in second["msg"]
    assert alias(lam, name)[0] == "4"
    # Rolling further is explicit.
    further = run_module("lambda_rollback", {"function_name": name, "alias": "live", "from_version": "4"})
    assert further["changed"] is True and alias(lam, name)[0] == "3"


def test_check_mode_changes_nothing(lam, run_module):
    name = make_function(lam, versions=5, weights={"4": 0.1})
    before = alias(lam, name)
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live"}, check_mode=True, diff=True)
    assert alias(lam, name) == before and recorded(lam, name) is None  # no record written either
    assert result["record"].startswith("ops.runbooks rollback from=5 to=4 at=")  # the one it would write
    assert result["changed"] is True and result["target_version"] == "4"
    assert result["current"]["version"] == "4" and "would roll" in result["msg"]


def test_explicit_target_version_and_idempotence(lam, run_module):
    name = make_function(lam, versions=5)
    first = run_module("lambda_rollback", {"function_name": name, "alias": "live", "target_version": "2"})
    second = run_module("lambda_rollback", {"function_name": name, "alias": "live", "target_version": "2"})
    assert first["changed"] is True and second["changed"] is False
    assert alias(lam, name)[0] == "2"


def test_failing_alarm_reverts_exactly(lam, aws, run_module):
    name = make_function(lam, versions=5, weights={"4": 0.25})
    lam.update_alias(FunctionName=name, Name="live", Description="deployed by pipeline #77")
    before = alias(lam, name)
    cw = aws("cloudwatch")
    cw.put_metric_alarm(AlarmName=name + "-errors", Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName=name + "-errors", StateValue="ALARM", StateReason="test")

    result = run_module("lambda_rollback", {"function_name": name, "alias": "live", "health_check": {
        "alarms": [name + "-errors"], "retries": 1, "delay": 0}})

    assert result["failed"] is True and result["reverted"] is True
    assert alias(lam, name) == before
    assert result["health"]["passed"] is False and result["health"]["attempts"] == 2
    assert result["health"]["checks"]["alarms"]["reason"] == "in ALARM: %s-errors" % name
    assert "reverted to 5" in result["msg"]
    assert recorded(lam, name) == result["record"] and " reverted at=" in result["record"]
    assert result["record"].startswith("ops.runbooks rollback from=5 to=4 at=")
    again = run_module("lambda_rollback", {"function_name": name, "alias": "live"})  # a reverted record stops nothing
    assert again["changed"] is True and alias(lam, name)[0] == "4"


def test_invoke_returning_a_5xx_fails_the_gate_and_reverts(lam, sandbox, run_module):
    name = make_function(lam, versions=3)
    body = json.dumps({"results": [json.dumps({"statusCode": 502, "body": "upstream"})], "region": "eu-central-1"})
    urllib.request.urlopen(urllib.request.Request(sandbox.endpoint_url + "/moto-api/static/lambda-simple/response",
                                                  data=body.encode(), method="POST"), timeout=10)
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live", "health_check": {
        "invoke": {"payload": {"health": True}}, "retries": 0}})
    assert result["failed"] is True and result["reverted"] is True
    assert result["health"]["checks"]["invoke"]["reason"] == "payload statusCode 502 not in [200]"
    assert alias(lam, name)[0] == "3"


def test_invoke_expected_status_names_what_healthy_answers(lam, sandbox, run_module):
    """A function whose health answer is 503 by design (maintenance page): with expected_status [200, 503] the gate
    passes and the rollback stays."""
    name = make_function(lam, versions=3)
    body = json.dumps({"results": [json.dumps({"statusCode": 503, "body": "maintenance"})], "region": "eu-central-1"})
    urllib.request.urlopen(urllib.request.Request(sandbox.endpoint_url + "/moto-api/static/lambda-simple/response",
                                                  data=body.encode(), method="POST"), timeout=10)
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live", "health_check": {
        "invoke": {"payload": {"health": True}, "expected_status": [200, 503]}, "retries": 0}})
    assert not result.get("failed"), result
    assert result["health"]["passed"] is True and alias(lam, name)[0] == "2"


def test_health_gate_passing_keeps_the_rollback(lam, aws, run_module):
    """Invoke answers, the alarm is OK, and errors from before the rollback do not count against it."""
    name = make_function(lam, versions=3)
    cw = aws("cloudwatch")
    cw.put_metric_alarm(AlarmName=name + "-ok", Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName=name + "-ok", StateValue="OK", StateReason="test")
    cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[{
        "MetricName": "Errors", "Value": 9, "Unit": "Count", "Timestamp": time.time() - 120,
        "Dimensions": [{"Name": "FunctionName", "Value": name}, {"Name": "Resource", "Value": name + ":live"}]}])
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live", "health_check": {
        "invoke": {}, "alarms": [name + "-ok"], "metric_errors": {"max": 0, "window": "10m"}, "retries": 0}})
    assert not result.get("failed"), result
    assert result["health"]["passed"] is True
    assert set(result["health"]["checks"]) == {"invoke", "alarms", "metric_errors"}
    assert alias(lam, name)[0] == "2"


@pytest.fixture
def http_health():
    """A local /health endpoint whose status code the test sets."""
    state = {"code": 200, "delay": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
            time.sleep(state["delay"])
            self.send_response(state["code"])
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):  # pylint: disable=arguments-differ
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, "http://127.0.0.1:%d/health" % server.server_port
    finally:
        server.shutdown()


def test_url_health_check(lam, run_module, http_health):
    state, url = http_health
    good = make_function(lam, versions=3)
    assert not run_module("lambda_rollback", {"function_name": good, "alias": "live",
                                              "health_check": {"url": url, "retries": 0}}).get("failed")
    assert alias(lam, good)[0] == "2"
    state["code"] = 503
    bad = make_function(lam, versions=3)
    result = run_module("lambda_rollback", {"function_name": bad, "alias": "live",
                                            "health_check": {"url": url, "retries": 0}})
    assert result["failed"] is True and "HTTP 503" in result["msg"]
    assert alias(lam, bad)[0] == "3"


def test_url_timeout_fails_a_slow_endpoint_and_reverts(lam, run_module, http_health):
    """health_check.url_timeout: an endpoint slower than it fails the gate (and the alias goes back)."""
    state, url = http_health
    state["delay"] = 3
    name = make_function(lam, versions=3)
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live",
                                            "health_check": {"url": url, "url_timeout": 1, "retries": 0}})
    assert result["failed"] is True and result["reverted"] is True and "timed out" in result["msg"], result["msg"]
    assert alias(lam, name)[0] == "3"


def test_without_waiting_for_the_version(lam, run_module):
    """wait=false moves the alias without waiting for the target version to be Active (it is, in the emulator)."""
    name = make_function(lam, versions=3)
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live", "wait": False})
    assert not result.get("failed"), result["msg"]
    assert alias(lam, name)[0] == "2"


def test_revert_can_be_turned_off(lam, aws, run_module):
    name = make_function(lam, versions=3)
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live", "revert_on_failure": False,
                                            "health_check": {"alarms": ["no-such-alarm"], "retries": 0}})
    assert result["failed"] is True and result["reverted"] is False
    assert "unknown alarm(s): no-such-alarm" in result["msg"]
    assert alias(lam, name)[0] == "2"


def test_execution_role_mismatch_with_remaining_weights_fails(lam, aws, run_module):
    other = aws("iam").create_role(RoleName="rb-other-" + uuid.uuid4().hex[:6],
                                   AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    name = make_function(lam, versions=3, roles=[other, ROLE, ROLE], weights={"1": 0.1})
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live", "clear_routing": False})
    assert result["failed"] is True and "different execution roles" in result["msg"]
    assert alias(lam, name)[:2] == ("3", {"1": 0.1})


def test_clear_routing_false_keeps_other_weights(lam, run_module):
    name = make_function(lam, versions=5, weights={"2": 0.1})
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live", "clear_routing": False})
    assert not result.get("failed"), result
    assert alias(lam, name)[:2] == ("4", {"2": 0.1})


@pytest.mark.parametrize("args, message", [
    ({"function_name": "rb-nope", "alias": "live"}, "function rb-nope not found"),
    ({"alias": "nope"}, "alias nope of function"),
    ({"target_version": "$LATEST"}, "target_version: '$LATEST' is not a published version number"),
    ({"target_version": "abc"}, "target_version: 'abc' is not a published version number"),
    ({"target_version": "0"}, "target_version: '0' is not a published version number"),
    ({"from_version": "v2"}, "from_version: 'v2' is not a published version number"),
    ({"target_version": "99"}, "target_version: version 99 of"),
    ({"health_check": {"retries": 0}}, "health_check: configure at least one of"),
    ({"health_check": {"metric_errors": {"window": "soon"}}}, "health_check.metric_errors.window"),
    ({"health_check": {"url": "ftp://x"}}, "health_check.url"),
    ({"wait_timeout": -1}, "wait_timeout"),
    ({"health_check": {"alarms": ["a"], "delay": 100000}}, "retries 3 x delay 100000s = 300000s of pauses do not fit"),
    ({"health_check": {"alarms": ["a"], "retries": 2, "delay": 30}, "wait_timeout": 59}, "do not fit in wait_timeout 59s"),
    ({"health_check": {"url": "ftp://probe:s3cr3t@x"}}, "health_check.url: 'ftp://***@x'"),
])
def test_bad_input_fails_clearly(lam, run_module, args, message):
    name = make_function(lam, versions=2)
    result = run_module("lambda_rollback", dict({"function_name": name, "alias": "live"}, **args))
    assert result["failed"] is True
    assert message in result["msg"], result["msg"]
    assert "s3cr3t" not in json.dumps(result)
    assert alias(lam, name)[0] == "2"


def test_no_older_version_fails(lam, run_module):
    name = make_function(lam, versions=3, alias_version=1)
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live"})
    assert result["failed"] is True and "no published version older than version 1" in result["msg"]


def test_alias_on_latest_without_published_versions_fails(lam, run_module):
    name = "rb-" + uuid.uuid4().hex[:10]
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": _zip(0)})
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="$LATEST")
    result = run_module("lambda_rollback", {"function_name": name, "alias": "live"})
    assert result["failed"] is True and "no published version older than $LATEST" in result["msg"]


def test_alias_on_latest_rolls_to_newest_published(lam, run_module):
    name = make_function(lam, versions=2)
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="$LATEST")
    run_module("lambda_rollback", {"function_name": name, "alias": "live"})
    assert alias(lam, name)[0] == "2"


def test_least_privilege_policy_is_enough_and_each_action_is_needed(iam_sandbox, run_module_iam):
    actions = documented_actions("lambda_rollback")
    assert set(actions) == {"lambda:GetAlias", "lambda:ListVersionsByFunction", "lambda:GetFunctionConfiguration",
                            "lambda:UpdateAlias", "lambda:ListTags", "lambda:TagResource", "lambda:InvokeFunction",
                            "cloudwatch:GetMetricData", "cloudwatch:DescribeAlarms"}
    admin = iam_sandbox.client("lambda")
    iam_sandbox.client("cloudwatch").put_metric_alarm(
        AlarmName="lp-ok", Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    main_path = {"alias": "live", "health_check": {"invoke": {}, "metric_errors": {}, "alarms": ["lp-ok"],
                                                   "retries": 0}}

    name = make_function(admin, versions=3)
    allowed = run_module_iam("lambda_rollback", dict(main_path, function_name=name),
                             iam_sandbox.iam_user(policy(actions)))
    assert not allowed.get("failed"), allowed["msg"]
    assert alias(admin, name)[0] == "2"

    for missing in actions:
        name = make_function(admin, versions=3)
        denied = run_module_iam("lambda_rollback", dict(main_path, function_name=name),
                                iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denied(denied, missing)
        assert alias(admin, name)[0] == "3", "alias left moved without %s" % missing
