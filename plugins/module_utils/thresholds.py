# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbooks' thresholds, each with the section it comes from: the one place their defaults live.

An inventory sets them in ``ops_runbooks_thresholds`` (``inventories/shared/runbook_001_resources.yml`` has runbook
001's and 004's); what it leaves out is this table's. Roles read them through the filter ``ops.runbooks.thresholds``
(which refuses a name this table does not know), the performance review's limits through ``LAMBDA`` below - never a
number of their own.
"""

from __future__ import annotations

# name: (default, where it comes from)
THRESHOLDS = {
    "api_5xx_rate_warn_pct": (1, 'runbook 004 "Key Metrics and Thresholds": API Gateway 5xx Error Rate > 1%'),
    "api_5xx_rate_max_pct": (5, 'runbook 004 "Key Metrics and Thresholds": API Gateway 5xx Error Rate > 5%'),
    "lambda_errors_5m": (5, "runbook 001 ObservabilityStack alarm: errors > 5 in 5 minutes"),
    "lambda_duration_ms": (10000, "runbook 001 alarm: latency > 10 s (5-minute average)"),
    "lambda_throttles": (1, "runbook 001 alarm: throttles > 1"),
    "lambda_error_rate_warn_pct": (2, 'runbook 004 "Key Metrics and Thresholds": Lambda Error Rate > 2%'),
    "lambda_error_rate_max_pct": (5, 'runbook 004 "Key Metrics and Thresholds": Lambda Error Rate > 5%'),
    "lambda_concurrency_warn": (8, 'runbook 004 "Key Metrics and Thresholds": Concurrent Executions > 8'),
    "lambda_concurrency_max": (10, 'runbook 004 "Key Metrics and Thresholds": Concurrent Executions > 10'),
    "lambda_duration_warn_timeout_pct": (70, 'runbook 004 "Key Metrics and Thresholds": Duration > 70% of timeout'),
    "lambda_duration_max_timeout_pct": (80, 'runbook 004 "Key Metrics and Thresholds": Duration > 80% of timeout'),
    "dynamodb_throttled_warn_5m": (5, 'runbook 004 "Key Metrics and Thresholds": DynamoDB Throttled > 5/5min'),
    "dynamodb_throttled_max_5m": (10, 'runbook 004 "Key Metrics and Thresholds": DynamoDB Throttled > 10/5min'),
    "queue_warn_visible": (500, 'runbook 004 "Key Metrics and Thresholds": SQS queue depth warning > 500'),
    "queue_max_visible": (1000, 'runbook 004 "Key Metrics and Thresholds": SQS queue depth critical > 1000'),
    "queue_warn_dlq_visible": (0, 'runbook 004 "Key Metrics and Thresholds": DLQ messages warning > 0'),
    "queue_max_dlq_visible": (10, 'runbook 004 "Key Metrics and Thresholds": DLQ messages critical > 10'),
    "queue_max_age": ("15m", 'runbook 004 P2 "High SQS Queue Depth": messages older than 15 minutes'),
    "cost_budget_usd": (100, "runbook 001 ObservabilityStack alarm: Cost Budget > $100 estimated charges"),
    "cost_warn_pct": (80, "runbook 001 / 004: budget alert at 80 %"),
    "cost_fail_pct": (100, "the budget itself"),
}


def merged(given):
    """The thresholds: ``given`` (an inventory's ``ops_runbooks_thresholds``) over the defaults. Raises ValueError
    naming a threshold this table does not know (a typo would otherwise leave the default in force silently)."""
    given = given or {}
    if not isinstance(given, dict):
        raise ValueError("ops_runbooks_thresholds must be a mapping of threshold names to values, got %r" % (given,))
    unknown = sorted(set(given) - set(THRESHOLDS))
    if unknown:
        raise ValueError("ops_runbooks_thresholds: unknown threshold(s) %s (known: %s)" % (
            ", ".join(unknown), ", ".join(sorted(THRESHOLDS))))
    return dict(dict((k, v[0]) for k, v in THRESHOLDS.items()), **given)


def default(name):
    return THRESHOLDS[name][0]
