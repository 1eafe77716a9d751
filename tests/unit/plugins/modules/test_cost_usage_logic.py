# -*- coding: utf-8 -*-
"""cost_usage's forecast path and judgements. The emulator has no GetCostForecast (moto: NotImplemented); Stubber
answers as Cost Explorer does, so the forecast's arithmetic and its verdict against the budget are tested here."""
from __future__ import annotations

import datetime

from botocore.stub import Stubber

from ansible_collections.ops.runbooks.plugins.modules import cost_usage

import stubbed

PARAMS = {"budget": 100.0, "warn_percent": 80.0, "fail_percent": 100.0, "metric": "BlendedCost", "top": 3,
          "budget_name": None, "history_months": 6}
TODAY = datetime.date(2026, 11, 23)


def test_the_forecast_is_the_month_to_date_plus_the_rest_and_judged_against_the_budget():
    client = stubbed.client("ce")
    stub = Stubber(client)
    stub.add_response("get_cost_forecast", {"Total": {"Amount": "41.50", "Unit": "USD"}, "ForecastResultsByTime": []},
                      {"Granularity": "MONTHLY", "Metric": "BLENDED_COST",
                       "TimePeriod": {"Start": "2026-11-23", "End": "2026-12-01"}})
    with stub:
        forecast = cost_usage.read_forecast(stubbed.retrying(client), PARAMS, TODAY, 62.0)
    stub.assert_no_pending_responses()
    assert forecast == {"available": True, "total": 103.5, "budget_percent": 103.5, "reason": None}
    check = cost_usage.against_budget("forecast", forecast["total"], PARAMS, "2026-11 forecast")
    assert check["status"] == "fail" and check["reason"].startswith("2026-11 forecast $103.50 = 104 % of the $100.00")


def test_no_forecast_is_unknown_with_the_reason_never_a_traceback():
    client = stubbed.client("ce")
    stub = Stubber(client)
    stub.add_client_error("get_cost_forecast", "DataUnavailableException",
                          "Insufficient amount of historical data to generate forecast.")
    with stub:
        forecast = cost_usage.read_forecast(stubbed.retrying(client), PARAMS, TODAY, 10.0)
    assert forecast["available"] is False and forecast["total"] is None
    assert "DataUnavailableException" in forecast["reason"] and "historical data" in forecast["reason"]


def test_bands_and_the_ranking():
    assert cost_usage.against_budget("x", 79.99, PARAMS, "m")["status"] == "pass"
    assert cost_usage.against_budget("x", 80.0, PARAMS, "m")["status"] == "warn"  # from 80 % on
    assert cost_usage.against_budget("x", 100.0, PARAMS, "m")["status"] == "fail"
    assert cost_usage.against_budget("x", None, PARAMS, "m")["status"] == "unknown"
    assert cost_usage.against_budget("x", 500.0, dict(PARAMS, budget=None), "m")["status"] == "pass"
    ranked = cost_usage.ranked({"A": 10.0, "B": 30.0, "C": 5.0, "D": 1.0}, {"A": 5.0, "B": 30.0}, 3)
    assert [(r["service"], r["share_percent"], r["change_percent"]) for r in ranked] == \
        [("B", 65.2, 0.0), ("A", 21.7, 100.0), ("C", 10.9, None)]
    months = [{"month": "2026-09", "services": {"A": 1.0, "B": 2.0, "C": 0.5}},
              {"month": "2026-10", "services": {"A": 3.0, "C": 0.25}}]
    chart = cost_usage.chart_series(months, 1, "2026-11")
    assert chart["series"] == [{"name": "A", "values": [1.0, 3.0]}, {"name": "Other", "values": [2.5, 0.25]}]


def test_month_arithmetic():
    assert cost_usage.month_start(datetime.date(2026, 1, 15), 1) == datetime.date(2025, 12, 1)
    assert cost_usage.month_start(datetime.date(2026, 11, 30), -1) == datetime.date(2026, 12, 1)
    assert cost_usage.month_start(datetime.date(2026, 12, 31), -1) == datetime.date(2027, 1, 1)
    assert cost_usage.days_in_month(datetime.date(2028, 2, 3)) == 29
