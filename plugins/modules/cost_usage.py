#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cost_usage
short_description: Cost by service per month and per day from Cost Explorer, the forecast, and the budget verdict
version_added: 0.4.0
description:
  - Reads Cost Explorer twice - months by service (O(history_months) full months and the current month to yesterday)
    and the last 14 days by service - and the forecast for the rest of the month, and judges them against the monthly
    O(budget) - the previous month, the month to date, the forecast for the month, and the pace of the last 7 days
    (their daily average times the days of the month) - C(warn) from O(warn_percent), C(fail) from O(fail_percent).
  - Checks that an AWS Budget exists with an alert at O(warn_percent) or lower (runbook 001's Cost Budget alarm).
  - Returns the services ranked for the previous month with their change against the month before, the months by
    service for a chart, and the last 14 days.
  - Cost Explorer and Budgets are global services answered in C(us-east-1), whatever O(region) is.
  - >-
    Automates runbook 000 "Monatliche Wartung" 1 (Cost Optimization - aws ce get-cost-and-usage grouped by SERVICE)
    and runbook 004's weekly "Review Cost and Usage" (cost limits, budget).
  - Read-only. A read that fails (Cost Explorer not enabled, access denied, the forecast not available - Cost
    Explorer needs some history to forecast) makes its checks C(unknown) with the reason; it never fails the task.
notes:
  - "IAM actions (least privilege): C(ce:GetCostAndUsage), C(ce:GetCostForecast), C(budgets:ViewBudget)
    (DescribeBudgets, DescribeNotificationsForBudget)."
  - "Least-privilege proof: C(ce:GetCostForecast) is shown needed with botocore's Stubber (the emulator has no
    forecast); the other actions are each removed from a policy in a test."
  - Each C(GetCostAndUsage) request costs USD 0.01; a run makes two, and one C(GetCostForecast).
  - Time periods are whole UTC days; Cost Explorer's C(End) is exclusive, so the current month runs to yesterday.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  budget:
    description: The monthly budget in USD (runbook 001 - 100). Without it the cost checks only report the figures.
    type: float
  warn_percent:
    description: Percent of O(budget) from which a figure warns (runbook 001's budget alert - 80).
    type: float
    default: 80
  fail_percent:
    description: Percent of O(budget) from which a figure fails.
    type: float
    default: 100
  history_months:
    description: Full months before the current one to read (the chart's months).
    type: int
    default: 6
  metric:
    description: The cost metric (runbook 000 reads V(BlendedCost); for one account it equals V(UnblendedCost)).
    type: str
    choices: [BlendedCost, UnblendedCost, AmortizedCost, NetUnblendedCost, NetAmortizedCost]
    default: BlendedCost
  top:
    description: Services named in the ranking and the chart; the rest are summed as C(Other).
    type: int
    default: 5
  budget_name:
    description: The AWS Budget that must carry the alert (default any monthly cost budget of the account).
    type: str
extends_documentation_fragment:
  - ops.runbooks.checks
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Read-only; check mode runs the same reads.
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Monthly cost review against runbook 001's budget of $100 (warn at 80 %)
  ops.runbooks.cost_usage:
    budget: 100
    warn_percent: 80
    fail_on: never
  register: cost

- name: The top services of the previous month
  ansible.builtin.debug:
    msg: "{{ item.service }}: ${{ item.amount }} ({{ item.change_percent }} % against the month before)"
  loop: "{{ cost.previous_month.services }}"
"""

RETURN = r"""
months:
  description: "Every month read, oldest first: C(month) (YYYY-MM), C(start), C(end) (exclusive), C(total),
    C(estimated), C(services) (service -> amount)."
  returned: always
  type: list
  elements: dict
previous_month:
  description: "The last full month - C(month), C(total), C(budget_percent), C(services) ranked (C(service), C(amount),
    C(share_percent), C(change_percent) against the month before, null when it had none) - null without data."
  returned: always
  type: dict
month_to_date:
  description: "The current month to yesterday - C(month), C(total), C(days) (days counted), C(days_in_month),
    C(budget_percent)."
  returned: always
  type: dict
forecast:
  description: "C(available), C(total) (the month - actual to date plus the forecast for the rest), C(budget_percent),
    C(reason) when not available."
  returned: always
  type: dict
week:
  description: "The last 7 days - C(total), C(previous_total) (the 7 days before), C(change_percent), C(pace) (their
    daily average times the days of the month), C(budget_percent) of the pace, C(days) (C(date), C(total))."
  returned: always
  type: dict
monthly_by_service:
  description: "For a chart - C(months) (labels) and C(series) (C(name), C(values) per month: the top services, then
    C(Other))."
  returned: always
  type: dict
budgets:
  description: "The account's monthly cost budgets - C(name), C(limit), C(alerts) (percent thresholds)."
  returned: always
  type: list
  elements: dict
currency:
  description: The unit of the amounts.
  returned: always
  type: str
  sample: USD
checks:
  description: "C(previous_month), C(month_to_date), C(forecast), C(week_pace) and C(budget_alert) in the common check
    model (resource C(cost))."
  returned: always
  type: list
  elements: dict
summary:
  description: Counts by status.
  returned: always
  type: dict
"""

import calendar
import datetime

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow

GLOBAL_REGION = "us-east-1"  # Cost Explorer and Budgets answer only here
FORECAST_METRIC = {"BlendedCost": "BLENDED_COST", "UnblendedCost": "UNBLENDED_COST", "AmortizedCost": "AMORTIZED_COST",
                   "NetUnblendedCost": "NET_UNBLENDED_COST", "NetAmortizedCost": "NET_AMORTIZED_COST"}
RESOURCE = "cost"


def month_start(day, back=0):
    """The first day of the month ``back`` months before ``day``'s."""
    month = day.year * 12 + day.month - 1 - back
    return datetime.date(month // 12, month % 12 + 1, 1)


def days_in_month(day):
    return calendar.monthrange(day.year, day.month)[1]


def by_service(results, metric):
    """``[(start date, end date, estimated, {service: amount})]`` of a grouped GetCostAndUsage answer."""
    periods = []
    for period in results.get("ResultsByTime", []):
        services = {}
        for group in period.get("Groups", []):
            amount = float(group.get("Metrics", {}).get(metric, {}).get("Amount", 0) or 0)
            services[group["Keys"][0]] = services.get(group["Keys"][0], 0.0) + amount
        periods.append((datetime.date.fromisoformat(period["TimePeriod"]["Start"]),
                        datetime.date.fromisoformat(period["TimePeriod"]["End"]), bool(period.get("Estimated")),
                        services))
    return periods


def percent(value, whole):
    return None if value is None or not whole else round(100.0 * value / whole, 1)


def money(value):
    return round(value, 2)


def ranked(services, before, top):
    """The services of a month, largest first, with their share and change against the month ``before``."""
    total = sum(services.values())
    out = []
    for name, amount in sorted(services.items(), key=lambda item: (-item[1], item[0]))[:top]:
        previous = before.get(name) if before else None
        out.append({"service": name, "amount": money(amount), "share_percent": percent(amount, total),
                    "change_percent": round(100.0 * (amount - previous) / previous, 1) if previous else None})
    return out


def chart_series(months, top, this_month):
    """The top services over all months (by their sum), then Other: ``{months, series}`` for a stacked chart (the
    current month labelled "to date")."""
    sums = {}
    for month in months:
        for name, amount in month["services"].items():
            sums[name] = sums.get(name, 0.0) + amount
    names = [n for n, _a in sorted(sums.items(), key=lambda item: (-item[1], item[0]))[:top]]
    series = [{"name": n, "values": [money(m["services"].get(n, 0.0)) for m in months]} for n in names]
    other = [money(sum(a for n, a in m["services"].items() if n not in names)) for m in months]
    if any(other):
        series.append({"name": "Other", "values": other})
    return {"months": [m["month"] + (" to date" if m["month"] == this_month else "") for m in months], "series": series}


def against_budget(check, value, params, what):
    """A cost figure judged against the budget's percentages."""
    budget = params["budget"]
    if value is None:
        return checks.make_check(RESOURCE, check, checks.UNKNOWN, "%s: no cost data" % what)
    if not budget:
        return checks.make_check(RESOURCE, check, checks.PASS, "%s $%.2f (no budget given)" % (what, value), money(value))
    share = 100.0 * value / budget
    text = "%s $%.2f = %.0f %% of the $%.2f budget" % (what, value, share, budget)
    if share >= params["fail_percent"]:
        return checks.make_check(RESOURCE, check, checks.FAIL, text + " (fail from %g %%)" % params["fail_percent"],
                                 money(value), budget)
    if share >= params["warn_percent"]:
        return checks.make_check(RESOURCE, check, checks.WARN, text + " (warning from %g %%)" % params["warn_percent"],
                                 money(value), budget)
    return checks.make_check(RESOURCE, check, checks.PASS, text, money(value), budget)


def cost_and_usage(ce, **request):
    """Every page of a GetCostAndUsage answer (botocore has no paginator for it: NextPageToken by hand)."""
    answer = ce.get_cost_and_usage(aws_retry=True, **request)
    results = list(answer.get("ResultsByTime", []))
    while answer.get("NextPageToken"):
        answer = ce.get_cost_and_usage(aws_retry=True, NextPageToken=answer["NextPageToken"], **request)
        results.extend(answer.get("ResultsByTime", []))
    return {"ResultsByTime": results}


def read_months(ce, params, today):
    """The months by service, oldest first (the current month's only when it has days before today)."""
    answer = cost_and_usage(ce, Granularity="MONTHLY", Metrics=[params["metric"]],
                            GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}],
                            TimePeriod={"Start": month_start(today, params["history_months"]).isoformat(),
                                        "End": today.isoformat()})
    return [{"month": start.strftime("%Y-%m"), "start": start.isoformat(), "end": end.isoformat(),
             "total": money(sum(services.values())), "estimated": estimated,
             "services": dict((k, money(v)) for k, v in services.items())}
            for start, end, estimated, services in by_service(answer, params["metric"])]


def read_days(ce, params, today):
    """The last 14 days' totals, oldest first: ``[{date, total}]``."""
    answer = cost_and_usage(ce, Granularity="DAILY", Metrics=[params["metric"]],
                            GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}],
                            TimePeriod={"Start": (today - datetime.timedelta(days=14)).isoformat(),
                                        "End": today.isoformat()})
    return [{"date": start.isoformat(), "total": money(sum(services.values()))}
            for start, _end, _estimated, services in by_service(answer, params["metric"])]


def read_forecast(ce, params, today, month_to_date):
    """The month's expected total - actual to date plus Cost Explorer's forecast for the rest of the month."""
    end = month_start(today, -1)
    try:
        answer = ce.get_cost_forecast(aws_retry=True, Granularity="MONTHLY", Metric=FORECAST_METRIC[params["metric"]],
                                      TimePeriod={"Start": today.isoformat(), "End": end.isoformat()})
    except Exception as e:  # pylint: disable=broad-exception-caught  # no forecast is a finding, not a failure
        return {"available": False, "total": None, "budget_percent": None,
                "reason": "Cost Explorer gave no forecast: %s" % one_line(e, 200)}
    total = float(answer["Total"]["Amount"]) + (month_to_date or 0.0)
    return {"available": True, "total": money(total), "budget_percent": percent(total, params["budget"]),
            "reason": None}


def read_budgets(budgets, sts, params):
    """The account's monthly cost budgets with their alert thresholds (percent)."""
    account = sts.get_caller_identity(aws_retry=True)["Account"]
    found = paginate(budgets, "describe_budgets", AccountId=account).get("Budgets", [])
    out = []
    for budget in found:
        if budget.get("TimeUnit") != "MONTHLY" or budget.get("BudgetType") != "COST":
            continue
        if params["budget_name"] and budget["BudgetName"] != params["budget_name"]:
            continue
        notes = paginate(budgets, "describe_notifications_for_budget", AccountId=account,
                         BudgetName=budget["BudgetName"]).get("Notifications", [])
        out.append({"name": budget["BudgetName"], "limit": float(budget["BudgetLimit"]["Amount"]),
                    "alerts": sorted(n["Threshold"] for n in notes if n.get("ThresholdType", "PERCENTAGE") == "PERCENTAGE")})
    return out


def budget_alert_check(found, params):
    if isinstance(found, str):
        return checks.make_check(RESOURCE, "budget_alert", checks.UNKNOWN, "AWS Budgets could not be read: %s" % found)
    wanted = "an AWS Budget%s with an alert at %g %% or lower" % (
        " %s" % params["budget_name"] if params["budget_name"] else "", params["warn_percent"])
    alerted = [b for b in found if any(a <= params["warn_percent"] for a in b["alerts"])]
    if alerted:
        return checks.make_check(RESOURCE, "budget_alert", checks.PASS, "budget %s ($%.2f) alerts at %s %%" % (
            alerted[0]["name"], alerted[0]["limit"], ", ".join("%g" % a for a in alerted[0]["alerts"])),
            alerted[0]["alerts"], params["warn_percent"])
    if found:
        return checks.make_check(RESOURCE, "budget_alert", checks.WARN, "budget %s has no alert at %g %% or lower "
                                 "(runbook 001 alerts at 80 %%)" % (found[0]["name"], params["warn_percent"]),
                                 found[0]["alerts"], params["warn_percent"])
    return checks.make_check(RESOURCE, "budget_alert", checks.WARN, "no monthly cost budget: create %s" % wanted,
                             None, params["warn_percent"])


ARGUMENT_SPEC = dict(
    budget=dict(type="float"),
    warn_percent=dict(type="float", default=80),
    fail_percent=dict(type="float", default=100),
    history_months=dict(type="int", default=6),
    metric=dict(type="str", default="BlendedCost", choices=sorted(FORECAST_METRIC)),
    top=dict(type="int", default=5),
    budget_name=dict(type="str"),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    result = dict(changed=False, currency="USD", months=[], previous_month=None, month_to_date=None,
                  forecast={"available": False, "total": None, "budget_percent": None, "reason": None},
                  week=None, monthly_by_service={"months": [], "series": []}, budgets=[])
    with ending_on_error(module, result, "read the cost"):
        check_range("budget", params["budget"], 0.01)
        check_range("warn_percent", params["warn_percent"], 1, 1000)
        check_range("fail_percent", params["fail_percent"], params["warn_percent"], 1000)
        check_range("history_months", params["history_months"], 1, 12)
        check_range("top", params["top"], 1, 50)
    ce = module.retrying_client("ce", region=GLOBAL_REGION)
    today = utcnow().date()
    found = []

    # 1. Months by service: the previous month against the budget, its services ranked (runbook 000 monthly).
    try:
        months = read_months(ce, params, today)
        days = read_days(ce, params, today)
        error = None
    except Exception as e:  # pylint: disable=broad-exception-caught  # reported as unknown checks
        months, days, error = [], [], one_line(e, 300)
    this_month = month_start(today).strftime("%Y-%m")
    result["months"] = months
    result["monthly_by_service"] = chart_series(months, params["top"], this_month)
    full = [m for m in months if m["month"] != this_month]
    if full:
        last = full[-1]
        before = full[-2]["services"] if len(full) > 1 else None
        result["previous_month"] = {"month": last["month"], "total": last["total"],
                                    "budget_percent": percent(last["total"], params["budget"]),
                                    "services": ranked(last["services"], before, params["top"])}
    # 2. The month to date and the forecast for the month.
    current = next((m for m in months if m["month"] == this_month), None)
    mtd = current["total"] if current else (0.0 if months else None)
    result["month_to_date"] = {"month": this_month, "total": mtd, "days": (today - month_start(today)).days,
                               "days_in_month": days_in_month(today), "budget_percent": percent(mtd, params["budget"])}
    result["forecast"] = read_forecast(ce, params, today, mtd) if error is None else dict(
        result["forecast"], reason="no cost data")
    # 3. The last 7 days: their pace over a whole month, and the change against the 7 days before (runbook 004 weekly).
    if days:
        recent, earlier = days[-7:], days[:-7]
        total, previous = sum(d["total"] for d in recent), sum(d["total"] for d in earlier)
        pace = total / len(recent) * days_in_month(today)
        result["week"] = {"total": money(total), "previous_total": money(previous) if earlier else None,
                          "change_percent": round(100.0 * (total - previous) / previous, 1) if previous else None,
                          "pace": money(pace), "budget_percent": percent(pace, params["budget"]), "days": days}
    # 4. The budget and its alert (runbook 001: Cost Budget, alert at 80 %).
    try:
        result["budgets"] = read_budgets(module.retrying_client("budgets", region=GLOBAL_REGION),
                                         module.retrying_client("sts"), params)
        budgets_found = result["budgets"]
    except Exception as e:  # pylint: disable=broad-exception-caught  # reported as an unknown check
        budgets_found = one_line(e, 300)

    previous = result["previous_month"]
    found.append(against_budget("previous_month", previous and previous["total"], params,
                                previous["month"] if previous else "the previous month"))
    found.append(against_budget("month_to_date", mtd, params, "%s to date" % this_month))
    if result["forecast"]["available"]:
        found.append(against_budget("forecast", result["forecast"]["total"], params, "%s forecast" % this_month))
    else:
        found.append(checks.make_check(RESOURCE, "forecast", checks.UNKNOWN, result["forecast"]["reason"]))
    week = result["week"]
    pace = against_budget("week_pace", week and week["pace"], params, "the last 7 days' pace over the month")
    if week and week["change_percent"] is not None:
        pace["reason"] += " (7 days $%.2f, %+.0f %% against the 7 days before)" % (week["total"], week["change_percent"])
    found.append(pace)
    found.append(budget_alert_check(budgets_found, params))
    if error is not None:  # without cost data the four figures are unknown: say why
        for check in found[:4]:
            check["reason"] = "Cost Explorer could not be read: %s" % error
    result.update(checks=found, summary=checks.summarize(found, keys=(checks.PASS, checks.WARN, checks.FAIL,
                                                                      checks.UNKNOWN)))
    failed = [c["reason"] for c in found if c["status"] == checks.FAIL]
    checks.end_module(module, result, failed and "over budget: %s" % "; ".join(failed))


if __name__ == "__main__":
    main()
