# -*- coding: utf-8 -*-
"""cost_usage against the emulator's Cost Explorer, answering from results loaded through moto's own API. moto hands
each distinct request the next queued result, per account: every test here works in an account of its own (AssumeRole
into another account id gives credentials whose calls see that account), loads its figures, and reads them. The
forecast is not emulated (NotImplemented): here it is reported unknown; tests/unit covers it with Stubber."""
from __future__ import annotations

import random

import boto3
import history
import pytest

from iam import assert_denial_shown, documented_actions, policy

pytestmark = pytest.mark.moto_only("Cost Explorer results are loaded through moto's API")


@pytest.fixture
def account(sandbox):
    """A fresh account id with its own Cost Explorer queue, and the run_module args that act in it."""
    number = "%012d" % random.randrange(10 ** 11, 10 ** 12)
    creds = sandbox.assume(number, "cost-review", "cost-test")

    def load(**figures):
        history.load_cost_results(sandbox.endpoint_url, history.cost_results(**figures), account_id=number)

    def budgets():  # a client acting in that account (moto keeps a budget in its caller's account)
        return boto3.client("budgets", endpoint_url=sandbox.endpoint_url, region_name="us-east-1",
                            aws_access_key_id=creds["access_key"], aws_secret_access_key=creds["secret_key"],
                            aws_session_token=creds["session_token"])

    return {"id": number, "load": load, "budgets": budgets, "args": creds}


def test_seeded_figures_total_ranking_and_budget_verdict(account, run_module):
    account["load"]()
    history.create_budget(account["budgets"](), account["id"])
    result = run_module("cost_usage", dict(account["args"], budget=100, top=3))
    assert not result.get("failed"), result
    previous = result["previous_month"]
    assert previous["total"] == pytest.approx(history.PREVIOUS_MONTH) and previous["budget_percent"] == 72.4
    assert [s["service"] for s in previous["services"]] == ["AWS Lambda", "Amazon DynamoDB", "AmazonCloudWatch"]
    assert previous["services"][0]["amount"] == pytest.approx(72.40 * 0.31, abs=0.01)
    assert previous["services"][0]["change_percent"] == pytest.approx(6.0, abs=0.1)
    assert len(result["months"]) in (history.HISTORY_MONTHS, history.HISTORY_MONTHS + 1)  # + this month after the 1st
    series = result["monthly_by_service"]
    assert [s["name"] for s in series["series"]] == ["AWS Lambda", "Amazon DynamoDB", "AmazonCloudWatch", "Other"]
    assert all(len(s["values"]) == len(series["months"]) for s in series["series"])
    checks = dict((c["check"], c) for c in result["checks"])
    assert checks["previous_month"]["status"] == "pass"
    assert checks["previous_month"]["reason"].endswith("$72.40 = 72 % of the $100.00 budget")
    assert checks["forecast"]["status"] == "unknown" and "NotImplemented" in checks["forecast"]["reason"]
    assert checks["budget_alert"]["status"] == "pass" and "alerts at 80 %" in checks["budget_alert"]["reason"]
    week = result["week"]
    assert len(week["days"]) == 14 and week["change_percent"] == pytest.approx(11.1, abs=0.5)
    assert checks["week_pace"]["status"] == "pass" and "+11 % against the 7 days before" in checks["week_pace"]["reason"]


def test_a_month_over_budget_fails_and_over_80_percent_warns(account, run_module):
    account["load"](previous_month=131.0, daily_total=3.0)
    result = run_module("cost_usage", dict(account["args"], budget=100, warn_percent=80, fail_percent=100,
                                           metric="BlendedCost", history_months=6))
    assert result["failed"] is True and result["msg"].startswith("over budget: ")
    checks = dict((c["check"], c) for c in result["checks"])
    assert checks["previous_month"]["status"] == "fail" and "131 % of the $100.00 budget" in \
        checks["previous_month"]["reason"]
    # 3 USD a day is 90-93 USD over a month: past the 80 % warning, not the budget
    assert checks["week_pace"]["status"] == "warn", checks["week_pace"]
    assert checks["budget_alert"]["status"] == "warn"  # this account has no budget at all
    assert "no monthly cost budget" in checks["budget_alert"]["reason"]


def test_no_cost_data_is_unknown_and_a_budget_without_alert_warns(account, run_module):
    history.create_budget(account["budgets"](), account["id"], alert_percent=None, name="no-alert")
    result = run_module("cost_usage", dict(account["args"], budget=100, budget_name="no-alert", fail_on="never"))
    checks = dict((c["check"], c) for c in result["checks"])
    assert checks["previous_month"]["status"] == "unknown" and checks["previous_month"]["reason"].endswith("no cost data")
    assert checks["budget_alert"]["status"] == "warn" and "has no alert at 80 % or lower" in checks["budget_alert"]["reason"]


@pytest.mark.parametrize("args, message", [
    ({"budget": 0}, "budget: 0.0 is out of range"),
    ({"warn_percent": 120, "fail_percent": 100}, "fail_percent: 100.0 is out of range (120.0 to 1000)"),
    ({"history_months": 13}, "history_months: 13 is out of range"),
    ({"top": 0}, "top: 0 is out of range"),
])
def test_bad_input_names_the_parameter(run_module, args, message):
    result = run_module("cost_usage", args)
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("cost_usage")
    assert actions == ["ce:GetCostAndUsage", "ce:GetCostForecast", "budgets:ViewBudget"]
    done = run_module_iam("cost_usage", {"budget": 100}, iam_sandbox.iam_user(policy(actions)))
    assert not done.get("failed"), done
    assert all("not authorized" not in c["reason"] for c in done["checks"]), [c["reason"] for c in done["checks"]]
    refused = run_module_iam("cost_usage", {"budget": 100, "fail_on": "never"},
                             iam_sandbox.iam_user(policy(["ce:GetCostForecast", "budgets:ViewBudget"])))
    checks = dict((c["check"], c) for c in refused["checks"])
    assert checks["previous_month"]["status"] == "unknown"
    assert "not authorized to perform: ce:GetCostAndUsage" in checks["previous_month"]["reason"]
    # each denial is an unknown check naming the action (GetCostForecast: the emulator has no forecast, the module
    # estimates from the months - not enforceable here)
    for missing in ("ce:GetCostAndUsage", "budgets:ViewBudget"):
        refused = run_module_iam("cost_usage", {"budget": 100, "fail_on": "never"},
                                 iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert "unknown" in [c["status"] for c in refused["checks"]], (missing, refused["checks"])
        assert_denial_shown(refused, missing)
