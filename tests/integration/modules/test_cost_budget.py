# -*- coding: utf-8 -*-
"""cost_budget against the emulator: runbook 004 "Set Up Alerts" - the monthly budget with its 80 % alert created
when missing, read back from AWS Budgets; the alert an existing budget lacks added, its limit and other alerts kept;
a second run and check mode that change nothing; and the IAM actions it needs."""
from __future__ import annotations

import contextlib
import uuid

import pytest

from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.moto_only("AWS Budgets: moto's")

ACCOUNT = "123456789012"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ai-investment-alerts"


@contextlib.contextmanager
def _named(client):
    """A budget name of the test's own; the budget removed afterwards when the test made one."""
    budgets, name = client("budgets"), "cb-%s" % uuid.uuid4().hex[:8]  # AWS Budgets is global: any region's client
    try:
        yield budgets, name
    finally:
        try:
            budgets.delete_budget(AccountId=ACCOUNT, BudgetName=name)
        except budgets.exceptions.NotFoundException:
            pass


def _alerts(budgets, name):
    notes = budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=name)["Notifications"]
    return sorted((n["NotificationType"], float(n["Threshold"])) for n in notes)


def test_the_budget_with_its_80_percent_alert_is_created_when_missing(run_module, aws):
    with _named(aws) as (budgets, name):
        args = {"budget_name": name, "limit": 100, "sns_topic_arn": TOPIC}
        planned = run_module("cost_budget", args, check_mode=True, diff=True)
        assert planned["changed"] is True and planned["checks"][0]["status"] == "skipped", planned
        assert not [b for b in budgets.describe_budgets(AccountId=ACCOUNT).get("Budgets", [])
                    if b["BudgetName"] == name]  # check mode created nothing
        done = run_module("cost_budget", args)
        assert done["changed"] is True and done["budget"]["created"] is True and done["added_alerts"] == [80.0], done
        found = budgets.describe_budget(AccountId=ACCOUNT, BudgetName=name)["Budget"]
        assert (found["BudgetLimit"]["Amount"], found["TimeUnit"], found["BudgetType"]) == ("100", "MONTHLY", "COST")
        assert _alerts(budgets, name) == [("ACTUAL", 80.0)]
        assert done["checks"][0]["status"] == "pass" and done["checks"][0]["reason"].endswith("(created)")
        again = run_module("cost_budget", args)
        assert again["changed"] is False and again["added_alerts"] == [], again


def test_an_existing_budget_gets_the_alert_it_lacks_and_keeps_its_limit(run_module, aws):
    with _named(aws) as (budgets, name):
        budgets.create_budget(AccountId=ACCOUNT, Budget={
            "BudgetName": name, "BudgetLimit": {"Amount": "250", "Unit": "USD"}, "TimeUnit": "MONTHLY",
            "BudgetType": "COST"}, NotificationsWithSubscribers=[{"Notification": {
                "NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN", "Threshold": 100,
                "ThresholdType": "PERCENTAGE"}, "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ops@x.y"}]}])
        result = run_module("cost_budget", {"budget_name": name, "limit": 100, "alert_percents": [80, 90],
                                            "emails": ["oncall@x.y"]}, diff=True)
        assert result["changed"] is True and result["added_alerts"] == [80.0, 90.0], result
        assert _alerts(budgets, name) == [("ACTUAL", 80.0), ("ACTUAL", 90.0), ("FORECASTED", 100.0)]
        assert budgets.describe_budget(AccountId=ACCOUNT, BudgetName=name)["Budget"]["BudgetLimit"]["Amount"] == "250"
        assert result["checks"][0]["status"] == "warn" and "limit is $250, not $100" in result["checks"][0]["reason"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("cost_budget")
    assert set(actions) == {"budgets:ViewBudget", "budgets:ModifyBudget"}
    for missing in [None] + actions:
        with _named(iam_sandbox.client) as (_budgets_client, name):
            result = run_module_iam("cost_budget", {"budget_name": name, "limit": 100, "sns_topic_arn": TOPIC},
                                    iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
            if missing is None:
                assert not result.get("failed"), result["msg"]
            else:
                assert_denied(result, missing)
