#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cost_budget
short_description: A monthly cost budget with its percentage alerts, created when missing
version_added: 0.5.0
description:
  - Runbook 004 "Set Up Alerts" (C(aws budgets create-budget), the alert at 80 %) and runbook 001's Cost Budget - the
    monthly COST budget O(budget_name) of O(limit) USD is created when the account has none of that name, with an
    alert (actual spend above each of O(alert_percents) % of the limit) to O(sns_topic_arn) and O(emails); a budget
    that exists gets the alerts it lacks.
  - A budget that exists keeps its limit - a different one is reported (C(warn)), never changed - and keeps every
    alert it has; nothing is deleted.
  - Idempotent - a second run changes nothing. A lost answer of a creation is recognized by its effect (AWS answers
    C(DuplicateRecordException) - the budget or alert is there), never a second budget. Check mode and diff.
notes:
  - "IAM actions (least privilege): C(budgets:ViewBudget) (read the budget and its alerts), C(budgets:ModifyBudget)
    (create the budget or an alert). The account is the caller's (GetCallerIdentity needs no permission)."
  - AWS Budgets is answered in us-east-1 whatever the region given.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  budget_name:
    description: The budget's name.
    type: str
    required: true
  limit:
    description: The monthly limit in USD (runbook 001 - 100).
    type: float
    required: true
  alert_percents:
    description: An alert when the actual spend exceeds each of these percentages of the limit (runbook 004 - 80).
    type: list
    elements: float
    default: [80]
  sns_topic_arn:
    description: The SNS topic the alerts go to.
    type: str
  emails:
    description: Email addresses the alerts go to (AWS allows 10 besides the topic).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - ops.runbooks.checks
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
- name: Runbook 004 "Set Up Alerts" - the monthly budget with its 80 % alert
  ops.runbooks.cost_budget:
    budget_name: ai-investment-monthly
    limit: 100
    alert_percents: [80]
    sns_topic_arn: arn:aws:sns:us-east-1:123456789012:ai-investment-alerts
"""

RETURN = r"""
budget:
  description: The budget after the run - C(name), C(limit), C(alerts) (the percentages of its actual-spend alerts;
    forecast alerts are listed as C(forecasted)), C(created) (by this run).
  returned: always
  type: dict
added_alerts:
  description: The percentages whose alert this run created (would create, in check mode).
  returned: always
  type: list
  elements: float
checks:
  description: One C(budget) check in the collection's common model - C(pass) the budget and every alert are there,
    C(warn) its limit differs from O(limit) (kept), C(skipped) check mode.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error

ARGUMENT_SPEC = dict(
    budget_name=dict(type="str", required=True),
    limit=dict(type="float", required=True),
    alert_percents=dict(type="list", elements="float", default=[80]),
    sns_topic_arn=dict(type="str"),
    emails=dict(type="list", elements="str", default=[]),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)
DUPLICATE = "DuplicateRecordException"


def validate(params):
    if not params["budget_name"] or len(params["budget_name"]) > 100 or ":" in params["budget_name"] \
            or "\\" in params["budget_name"]:
        raise InvalidInput("budget_name: %r is no budget name (1 to 100 characters, no : or \\)" % params["budget_name"])
    check_range("limit", params["limit"], 0.01, 1e9, " USD")
    if not params["alert_percents"]:
        raise InvalidInput("alert_percents: give at least one percentage")
    for percent in params["alert_percents"]:
        check_range("alert_percents", percent, 0.01, 1000, " %")
    if params["sns_topic_arn"] is not None and not params["sns_topic_arn"].startswith("arn:aws"):
        raise InvalidInput("sns_topic_arn: %r is no SNS topic ARN" % params["sns_topic_arn"])
    if any("@" not in e for e in params["emails"]):
        raise InvalidInput("emails: %r is no email address" % next(e for e in params["emails"] if "@" not in e))
    if not params["sns_topic_arn"] and not params["emails"]:
        raise InvalidInput("sns_topic_arn: give the topic (or emails) the alerts go to - AWS takes no alert without one")
    if len(params["emails"]) > 10:
        raise InvalidInput("emails: at most 10 (AWS's limit), %d given" % len(params["emails"]))


def notification(percent):
    return {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": percent,
            "ThresholdType": "PERCENTAGE"}


def subscribers(params):
    found = [{"SubscriptionType": "SNS", "Address": params["sns_topic_arn"]}] if params["sns_topic_arn"] else []
    return found + [{"SubscriptionType": "EMAIL", "Address": e} for e in params["emails"]]


def read(budgets, account, name):
    """``{name, limit, alerts, forecasted}`` of the budget, or None when the account has none of that name."""
    try:
        found = budgets.describe_budget(aws_retry=True, AccountId=account, BudgetName=name)["Budget"]
    except is_boto3_error_code("NotFoundException"):
        return None
    notes = paginate(budgets, "describe_notifications_for_budget", AccountId=account, BudgetName=name).get(
        "Notifications", [])
    percent = [n for n in notes if n.get("ThresholdType", "PERCENTAGE") == "PERCENTAGE"]
    return {"name": name, "limit": float(found["BudgetLimit"]["Amount"]),
            "alerts": sorted(float(n["Threshold"]) for n in percent if n.get("NotificationType") == "ACTUAL"),
            "forecasted": sorted(float(n["Threshold"]) for n in percent if n.get("NotificationType") == "FORECASTED")}


def create_budget(budgets, account, params):
    try:
        budgets.create_budget(aws_retry=True, AccountId=account, Budget={
            "BudgetName": params["budget_name"], "BudgetLimit": {"Amount": "%g" % params["limit"], "Unit": "USD"},
            "TimeUnit": "MONTHLY", "BudgetType": "COST"}, NotificationsWithSubscribers=[
                {"Notification": notification(p), "Subscribers": subscribers(params)}
                for p in sorted(set(params["alert_percents"]))])
    except is_boto3_error_code(DUPLICATE):
        pass  # a retry after a lost answer: the first attempt created it (read back below)


def create_alert(budgets, account, params, percent):
    try:
        budgets.create_notification(aws_retry=True, AccountId=account, BudgetName=params["budget_name"],
                                    Notification=notification(percent), Subscribers=subscribers(params))
    except is_boto3_error_code(DUPLICATE):
        pass  # a retry after a lost answer: the first attempt created it


def budget_check(params, budget, check_mode, changed):
    name = params["budget_name"]
    if check_mode and changed:
        return checks.make_check(name, "budget", checks.SKIPPED, "would create %s (check mode)" % (
            "the budget of $%g with its alerts at %s %%" % (params["limit"], ", ".join(
                "%g" % p for p in sorted(set(params["alert_percents"])))) if budget is None
            else "the alerts at %s %%" % ", ".join("%g" % p for p in changed)))
    alerts = ", ".join("%g %%" % a for a in budget["alerts"])
    if abs(budget["limit"] - params["limit"]) > 0.005:
        return checks.make_check(name, "budget", checks.WARN, "the budget's limit is $%g, not $%g (kept: an existing "
                                 "budget's limit is not changed); alerts at %s" % (budget["limit"], params["limit"],
                                                                                   alerts), budget["limit"],
                                 params["limit"])
    return checks.make_check(name, "budget", checks.PASS, "monthly budget $%g with alerts at %s%s" % (
        budget["limit"], alerts, " (created)" if budget.get("created") else ""), budget["alerts"],
        sorted(set(params["alert_percents"])))


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    result = dict(changed=False, budget={}, added_alerts=[], checks=[])
    with ending_on_error(module, result, "ensure the budget"):
        validate(params)
        budgets = module.retrying_client("budgets", region="us-east-1")
        account = module.retrying_client("sts").get_caller_identity(aws_retry=True)["Account"]
        before = read(budgets, account, params["budget_name"])
        wanted = sorted(set(params["alert_percents"]))
        missing = wanted if before is None else [p for p in wanted if p not in before["alerts"]]
        result["added_alerts"] = missing
        result["changed"] = bool(missing)
        if missing and not module.check_mode:
            if before is None:
                create_budget(budgets, account, params)
            else:
                for percent in missing:
                    create_alert(budgets, account, params, percent)
        after = before if module.check_mode or not missing else read(budgets, account, params["budget_name"])
        result["budget"] = dict(after or {}, created=before is None and not module.check_mode)
        result["checks"] = [budget_check(params, result["budget"] if after else None, module.check_mode,
                                         missing if module.check_mode else [])]
        if module._diff and missing:  # pylint: disable=protected-access
            result["diff"] = dict(before=before or {}, after={"name": params["budget_name"], "limit": (
                before or {}).get("limit", params["limit"]), "alerts": sorted(set((before or {}).get("alerts", [])
                                                                                  + wanted))})
    failing = [c for c in result["checks"] if c["status"] == checks.FAIL]
    checks.end_module(module, result, "; ".join(c["reason"] for c in failing) or None,
                      msg=result["checks"][0]["reason"])


if __name__ == "__main__":
    main()
