# -*- coding: utf-8 -*-
"""alarm_verify against the emulator: the decision comes from CloudWatch's own alarm (DescribeAlarms), never from the
event - a spoofed dimension, a forged name, a forged recovery, an alarm of another account or region; every string
restored exactly from the source's inert form, Jinja included, and none evaluated."""
from __future__ import annotations

import json
import os
import sys
import uuid

import pytest

from ansible_collections.ops.runbooks.plugins.module_utils import alarms
from iam import assert_denied, documented_actions, policy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "unit",
                                "extensions"))
from alarm_samples import SINGLE, envelope  # noqa: E402  pylint: disable=wrong-import-position

pytestmark = pytest.mark.localstack
CATALOGUE = [{"alarm": "av-*-errors", "kind": "function_errors", "procedure": "incident", "severity": "P2",
              "actions": ["rollback"]}]
HOSTILE = "{{ lookup('ansible.builtin.pipe', 'touch /tmp/av-marker') }}"


def make_alarm(cloudwatch, name, function, state="ALARM", description="errors"):
    # TreatMissingData=ignore: LocalStack evaluates a new alarm at once in a thread of its own and, with no datapoints
    # and the default 'missing', sets it to INSUFFICIENT_DATA - racing the set_alarm_state below (seen in CI: the
    # alarm was no longer in ALARM when the module asked). 'ignore' keeps the state set; moto evaluates nothing.
    cloudwatch.put_metric_alarm(AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                                Dimensions=[{"Name": "FunctionName", "Value": function}], Period=300, AlarmDescription=description,
                                EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold",
                                TreatMissingData="ignore")
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="7 errors in 5 minutes")


def event(name, state="ALARM", function="av-fn", account="123456789012", region="eu-central-1", raw=False):
    """The event the source would make of this notification (strings inert; the dimensions are the message's)."""
    message = dict(SINGLE, AlarmName=name, NewStateValue=state, AWSAccountId=account,
                   AlarmArn="arn:aws:cloudwatch:%s:%s:alarm:%s" % (region, account, name),
                   Trigger=dict(SINGLE["Trigger"], Dimensions=[{"name": "FunctionName", "value": function}]))
    claim = alarms.parse_message(json.dumps(message) if raw else envelope(message))
    return alarms.inert(dict(claim, runbook={"procedure": "incident"}))


def args(the_event, **more):
    return dict({"event": the_event, "catalogue": CATALOGUE, "account_id": "123456789012",
                 "topic": "ai-investment-alerts", "actions_allowed": True, "functions": ["av-fn", "av-other"]}, **more)


@pytest.fixture
def alarm(aws):
    cloudwatch, name = aws("cloudwatch"), "av-%s-errors" % uuid.uuid4().hex[:6]
    make_alarm(cloudwatch, name, "av-fn")
    yield name
    cloudwatch.delete_alarms(AlarmNames=[name])


def test_a_confirmed_alarm_acts_on_cloudwatchs_function_not_the_events(run_module, alarm):
    result = run_module("alarm_verify", args(event(alarm, function="av-other")))  # the message names another one
    assert (result["decision"], result["verdict"], result["reason"]) == ("act", "ok", "")
    assert result["runbook"]["functions"] == ["av-fn"] and result["alarm"]["dimensions"] == {"FunctionName": "av-fn"}
    assert result["alarm"]["reason"] == "7 errors in 5 minutes" and result["changed"] is False
    assert result["changes"] == ["rollback av-fn (alarm %s, %s)" % (alarm, result["alarm"]["episode"])]


def test_no_such_alarm_a_forged_recovery_and_a_late_alarm(aws, run_module, alarm):
    forged = run_module("alarm_verify", args(event(alarm + "-forged")))
    assert forged["decision"] == "ignore" and "CloudWatch has no alarm" in forged["reason"]
    recovery = run_module("alarm_verify", args(event(alarm, state="OK")))
    assert (recovery["decision"], recovery["verdict"]) == ("ignore", "stale")
    aws("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="recovered")
    late = run_module("alarm_verify", args(event(alarm)))
    assert (late["decision"], late["verdict"]) == ("plan", "stale") and "is OK in CloudWatch" in late["reason"]
    confirmed = run_module("alarm_verify", args(event(alarm, state="OK")))
    assert confirmed["decision"] == "act" and confirmed["changes"] == []  # a recovery changes nothing


@pytest.mark.parametrize("changes, verdict, reason", [
    ({"account": "999999999999"}, "foreign", 'is of account 999999999999'),
    ({"region": "us-east-1"}, "foreign", 'is of region us-east-1'),
    ({"raw": True}, "rejected", "raw delivery"),
])
def test_an_event_of_another_account_region_or_delivery_runs_nothing(run_module, alarm, changes, verdict, reason):
    result = run_module("alarm_verify", args(event(alarm, **changes)))
    assert (result["decision"], result["verdict"]) == ("ignore", verdict) and reason in result["reason"]
    assert result["alarm"] is None  # CloudWatch was not even asked


def test_another_topic_and_the_environments_own_opt_out(run_module, alarm):
    other = run_module("alarm_verify", args(event(alarm), topic="security-alerts"))
    assert other["decision"] == "ignore" and "not the alert topic security-alerts" in other["reason"]
    held = run_module("alarm_verify", args(event(alarm), actions_allowed=False))
    assert (held["decision"], held["verdict"], held["changes"]) == ("plan", "held", [])


def test_jinja_in_a_real_alarm_comes_back_as_data(aws, run_module):
    cloudwatch, name = aws("cloudwatch"), "av-%s-%s-errors" % (uuid.uuid4().hex[:4], HOSTILE)
    make_alarm(cloudwatch, name, "av-fn", description=HOSTILE)
    try:
        result = run_module("alarm_verify", args(event(name)))
        assert result["decision"] == "act" and result["claim"]["name"] == name
        assert result["alarm"]["name"] == name and result["alarm"]["description"] == HOSTILE
        assert not os.path.exists("/tmp/av-marker")
    finally:
        cloudwatch.delete_alarms(AlarmNames=[name])


@pytest.mark.parametrize("changes, message", [
    ({"account_id": "12345"}, 'account_id: 12345 is not a 12-digit AWS account id'),
    ({"catalogue": [{"alarm": "x", "kind": "k", "procedure": "reboot"}]}, "catalogue[0].procedure must be one of"),
    ({"event": {"alarm": {"state": "ALARM"}}}, "event: event.alarm.name is missing"),
])
def test_bad_input(run_module, alarm, changes, message):
    result = run_module("alarm_verify", dict(args(event(alarm)), **changes))
    assert result["failed"] is True and message in result["msg"], result["msg"]


@pytest.mark.moto_only("least-privilege proof: LocalStack's community edition does not enforce IAM")
def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("alarm_verify")
    assert actions == ["cloudwatch:DescribeAlarms"]
    name = "av-iam-errors"
    make_alarm(iam_sandbox.client("cloudwatch"), name, "av-fn")
    assert run_module_iam("alarm_verify", args(event(name)), iam_sandbox.iam_user(policy(actions)))["decision"] == "act"
    assert_denied(run_module_iam("alarm_verify", args(event(name)), iam_sandbox.iam_user(policy(["sts:GetCallerIdentity"]))),
                  "cloudwatch:DescribeAlarms")
