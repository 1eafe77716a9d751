# -*- coding: utf-8 -*-
"""cost_budget's paths the emulator cannot show, with botocore's Stubber: a creation whose answer was lost is sent
again by the retry and answered DuplicateRecordException - the budget (or alert) the first attempt made, taken as
made, never a failure and never a second one; a forecast alert of the same percentage is not the actual one."""
from __future__ import annotations

from botocore.stub import ANY, Stubber

from ansible_collections.ops.runbooks.plugins.modules import cost_budget

import stubbed

PARAMS = {"budget_name": "b", "limit": 100.0, "alert_percents": [80.0], "sns_topic_arn": "arn:aws:sns:us-east-1:1:t",
          "emails": []}


def test_a_lost_answer_of_the_creation_is_the_budget_the_first_attempt_made():
    client = stubbed.client("budgets")
    stub = Stubber(client)
    stub.add_client_error("create_budget", "ThrottlingException", "lost", 400)  # retried by the decorator
    stub.add_client_error("create_budget", "DuplicateRecordException", "the budget already exists", 400)
    with stub:
        cost_budget.create_budget(stubbed.retrying(client), "123456789012", PARAMS)
    stub.assert_no_pending_responses()


def test_a_lost_answer_of_an_alert_is_the_alert_the_first_attempt_made():
    client = stubbed.client("budgets")
    stub = Stubber(client)
    stub.add_client_error("create_notification", "DuplicateRecordException", "exists", 400,
                          expected_params={"AccountId": "123456789012", "BudgetName": "b", "Notification": ANY,
                                           "Subscribers": [{"SubscriptionType": "SNS", "Address": PARAMS["sns_topic_arn"]}]})
    with stub:
        cost_budget.create_alert(stubbed.retrying(client), "123456789012", PARAMS, 80.0)
    stub.assert_no_pending_responses()


def test_a_forecast_alert_is_not_the_actual_spend_alert():
    client = stubbed.client("budgets")
    stub = Stubber(client)
    stub.add_response("describe_budget", {"Budget": {"BudgetName": "b", "BudgetLimit": {"Amount": "100", "Unit": "USD"},
                                                     "TimeUnit": "MONTHLY", "BudgetType": "COST"}})
    stub.add_response("describe_notifications_for_budget", {"Notifications": [
        {"NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN", "Threshold": 80,
         "ThresholdType": "PERCENTAGE"}]})
    with stub:
        found = cost_budget.read(stubbed.retrying(client), "123456789012", "b")
    assert found == {"name": "b", "limit": 100.0, "alerts": [], "forecasted": [80.0]}
