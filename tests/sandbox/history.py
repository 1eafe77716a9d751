# -*- coding: utf-8 -*-
"""A week of history and months of cost for the reviews (weekly and monthly), seeded into the emulator.

The daily health reads the last minutes (``seed.put_metrics``); the weekly review reads 7 days: Lambda Invocations,
Errors, Throttles, ConcurrentExecutions and Duration, DynamoDB consumed capacity and throttling, S3 daily storage
metrics, the Lambda platform's ``REPORT`` log lines (memory used, cold starts). The monthly review reads Cost Explorer:
moto answers ``GetCostAndUsage`` from results loaded through its own API (``/moto-api/static/ce/cost-and-usage-results``),
one result per distinct request, in the order the requests come. The ``cost_usage`` module always asks two things in
the same order (months by service, then days by service), so the two results loaded here answer them.

The story told (the reviews' expected findings; the tests assert them):
- ``ai-investment-orchestrator``: p99 Duration 22 s of its 30 s timeout (73 %, runbook 004's warning band) - raise
  the timeout; ``ai-investment-streaming``: peak concurrency 9 (> 8, runbook 004's warning) and p99 0.4 s of 30 s -
  lower the timeout; ``ai-investment-evaluation``: error rate 2.8 % (> 2 %); ``ai-investment-score``: 470 of 512 MB
  used (raise memory), cold starts with a 2.2 s init; ``ai-investment-ingest-news``: 140 of 512 MB (lower memory).
- ``ai-investment-signals`` throttled 12 times in the week (warning).
- Cost: the previous month $72.40 of the $100 budget, services ranked Lambda, DynamoDB, CloudWatch, S3, ...
"""
from __future__ import annotations

import datetime
import json
import math
import urllib.request

WEEK_HOURS = 7 * 24
STEP_HOURS = 3  # one datapoint per 3 hours: a week is 56 points per metric (small enough to seed in under a second)

# name: (invocations an hour, errors per 1000 invocations, duration values in ms (a spread, repeated), peak
#        concurrency, memory used MB, init ms of a cold start, cold starts a day)
FUNCTION_WEEK = {
    "ai-investment-ingest-news": (2400, 0, (600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500, 1600, 1800),
                                  2, 140, 800, 4),
    "ai-investment-ingest-social": (3300, 0, (500, 550, 600, 700, 750, 800, 900, 1000, 1100, 1200, 1300, 1500),
                                    2, 300, 750, 4),
    "ai-investment-score": (7200, 5, (1200, 1400, 1600, 1800, 2000, 2200, 2500, 2800, 3200, 3600, 4200, 6500),
                            5, 470, 2200, 12),
    "ai-investment-orchestrator": (720, 0, (9000, 9500, 10000, 11000, 12000, 13000, 14000, 15000, 16000, 18000,
                                            20000, 22000), 4, 260, 1200, 2),
    "ai-investment-evaluation": (1500, 28, (1500, 1800, 2000, 2200, 2500, 2800, 3000, 3300, 3600, 4000, 5000, 6000),
                                 3, 310, 900, 3),
    "ai-investment-streaming": (12000, 0, (150, 160, 180, 200, 220, 240, 260, 280, 300, 330, 360, 400),
                                9, 180, 600, 6),
}
# A function of a bigger environment (the benchmark's) that the story does not name.
DEFAULT_FUNCTION_WEEK = (1000, 1, (200, 300, 400, 500, 600, 700, 800, 900, 1000, 1200, 1400, 2000), 2, 200, 700, 2)
TABLE_WEEK = {
    # name: (read units an hour, write units an hour, throttled requests in the week)
    "ai-investment-signals": (54000, 21600, 12),
}
DEFAULT_TABLE_WEEK = (9000, 3600, 0)
BUCKET_WEEK = {
    # name: (bytes at the start of the week, bytes added a day, objects at the start, objects added a day)
    "ai-investment-raw-data": (48 * 2 ** 30, 2 ** 30, 120000, 2500),
    "ai-investment-curated-data": (12 * 2 ** 30, 2 ** 28, 30000, 600),
}
DEFAULT_BUCKET_WEEK = (2 * 2 ** 30, 2 ** 26, 5000, 100)
WEEKDAY_LOAD = (1.0, 1.05, 1.1, 1.15, 1.05, 0.7, 0.6)  # Monday .. Sunday: requests follow the working week
REPORT_LINES_PER_DAY = 6  # REPORT lines kept per function and day (a sample, as a log query would return)


def put_week(cw, functions, tables, buckets, now=None):
    """Put 7 days of datapoints (3-hourly; S3 daily) ending 2 hours before ``now`` (the daily health's minutes are
    apart: ``seed.put_metrics`` covers the last 15 minutes and the next hour)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    end = now - datetime.timedelta(hours=2)
    data = {"AWS/Lambda": [], "AWS/DynamoDB": [], "AWS/S3": []}
    raw = []  # Duration datums carry raw values (CloudWatch computes percentiles from those): smaller calls
    for step in range(0, WEEK_HOURS, STEP_HOURS):
        at = end - datetime.timedelta(hours=WEEK_HOURS - step)
        load = WEEKDAY_LOAD[at.weekday()]
        for name in functions:
            calls, errors, durations, peak, _memory, _init, _cold = FUNCTION_WEEK.get(name, DEFAULT_FUNCTION_WEEK)
            dims = [{"Name": "FunctionName", "Value": name}]
            invocations = int(calls * STEP_HOURS * load)
            failed = invocations * errors // 1000
            busy = peak if step % 24 == 12 else max(1, peak // 2)  # the peak twice a day, half of it otherwise
            for metric, value, top in (("Invocations", invocations, invocations), ("Errors", failed, failed),
                                       ("Throttles", 0, 0), ("ConcurrentExecutions", busy * 30, busy)):
                data["AWS/Lambda"].append({"MetricName": metric, "Dimensions": dims, "Timestamp": at, "Unit": "Count",
                                           "StatisticValues": {"SampleCount": 30 if metric.startswith("Conc") else 1,
                                                               "Sum": value, "Minimum": 0, "Maximum": top}})
            raw.append({"MetricName": "Duration", "Dimensions": dims, "Timestamp": at, "Unit": "Milliseconds",
                        # The longest value is the rarest (1 in 34): above p95, at p99.
                        "Values": [float(v) for v in durations], "Counts": [3.0] * (len(durations) - 1) + [1.0]})
        for name in tables:
            reads, writes, throttled = TABLE_WEEK.get(name, DEFAULT_TABLE_WEEK)
            dims = [{"Name": "TableName", "Value": name}]
            # The throttled requests fall in the week's busiest hours: every fourth day at noon.
            throttles = throttled // 2 if step % 96 == 12 else 0
            for metric, value in (("ConsumedReadCapacityUnits", int(reads * STEP_HOURS * load)),
                                  ("ConsumedWriteCapacityUnits", int(writes * STEP_HOURS * load)),
                                  ("ThrottledRequests", throttles)):
                data["AWS/DynamoDB"].append({"MetricName": metric, "Dimensions": dims, "Timestamp": at, "Unit": "Count",
                                             "StatisticValues": {"SampleCount": 1, "Sum": value, "Minimum": 0,
                                                                 "Maximum": value}})
    midnight = end.replace(hour=0, minute=0, second=0, microsecond=0)
    for day in range(8):
        at = midnight - datetime.timedelta(days=7 - day)
        for name in buckets:
            size, grow, objects, added = BUCKET_WEEK.get(name, DEFAULT_BUCKET_WEEK)
            for metric, storage, value, unit in (
                    ("BucketSizeBytes", "StandardStorage", size + day * grow, "Bytes"),
                    ("NumberOfObjects", "AllStorageTypes", objects + day * added, "Count")):
                data["AWS/S3"].append({"MetricName": metric, "Timestamp": at, "Value": float(value), "Unit": unit,
                                       "Dimensions": [{"Name": "BucketName", "Value": name},
                                                      {"Name": "StorageType", "Value": storage}]})
    for namespace, datums in data.items():
        # Small calls: botocore gzips a request body above 10 KB, and moto's IAM mode then rejects its signature
        # (generated function names, agenticai-stack-DevAgentWorker-<random>, make each datum longer).
        for offset in range(0, len(datums), 20):
            cw.put_metric_data(Namespace=namespace, MetricData=datums[offset:offset + 20])
    for offset in range(0, len(raw), 10):
        cw.put_metric_data(Namespace="AWS/Lambda", MetricData=raw[offset:offset + 10])


def report_lines(name, now=None):
    """The Lambda platform's ``REPORT`` lines of a function over the week (a few a day; cold starts carry
    ``Init Duration``), oldest first, as ``put_log_events`` events."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    _calls, _errors, durations, _peak, memory, init, cold = FUNCTION_WEEK.get(name, DEFAULT_FUNCTION_WEEK)
    end_ms = int((now - datetime.timedelta(hours=2)).timestamp() * 1000)
    events = []
    count = 7 * REPORT_LINES_PER_DAY
    for i in range(count):
        at = end_ms - (count - i) * (24 * 3600 * 1000 // REPORT_LINES_PER_DAY)
        duration = durations[i % len(durations)] + 0.25
        used = memory - (i % 5) * 7  # the most used appears once every five lines
        line = ("REPORT RequestId: %08d-0000-4000-8000-%012d\tDuration: %.2f ms\tBilled Duration: %d ms\t"
                "Memory Size: 512 MB\tMax Memory Used: %d MB\t" % (i, i, duration, math.ceil(duration), used))
        if i % REPORT_LINES_PER_DAY < min(cold, REPORT_LINES_PER_DAY) // 2:
            line += "Init Duration: %.2f ms\t" % (init + (i % 3) * 10)
        events.append({"timestamp": at, "message": line})
    return events


def put_report_lines(logs, functions, now=None):
    for name in functions:
        group = "/aws/lambda/" + name
        try:
            logs.create_log_group(logGroupName=group)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        logs.create_log_stream(logGroupName=group, logStreamName="platform-report")
        logs.put_log_events(logGroupName=group, logStreamName="platform-report", logEvents=report_lines(name, now))


# Cost Explorer: (service, share of the month) - a small serverless system; the previous month is PREVIOUS_MONTH USD.
SERVICES = (("AWS Lambda", 0.31), ("Amazon DynamoDB", 0.24), ("AmazonCloudWatch", 0.14),
            ("Amazon Simple Storage Service", 0.11), ("Amazon API Gateway", 0.09),
            ("Amazon Simple Queue Service", 0.04), ("AWS Key Management Service", 0.04), ("Amazon SNS", 0.03))
PREVIOUS_MONTH = 72.40
MONTHLY_GROWTH = 0.06  # each month 6 % above the one before
HISTORY_MONTHS = 6  # the cost_usage module's default history: the months before the current one


def month_start(day, back=0):
    """The first day of the month ``back`` months before ``day``'s."""
    month = day.year * 12 + day.month - 1 - back
    return datetime.date(month // 12, month % 12 + 1, 1)


def _groups(total, factor=1.0):
    return [{"Keys": [service], "Metrics": {metric: {"Amount": "%.10f" % (total * share * factor), "Unit": "USD"}
                                            for metric in ("BlendedCost", "UnblendedCost")}}
            for service, share in SERVICES]


def cost_results(today=None, history_months=HISTORY_MONTHS, previous_month=PREVIOUS_MONTH, daily_total=None):
    """The two ``GetCostAndUsage`` answers the ``cost_usage`` module asks for on ``today``: months by service
    (``history_months`` full months and the current month to yesterday) and the last 14 days by service."""
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    months = []
    for back in range(history_months, -1, -1):
        start = month_start(today, back)
        end = month_start(today, back - 1) if back else today
        if start >= end:
            continue
        total = previous_month / (1 + MONTHLY_GROWTH) ** (back - 1) if back else None
        if not back:  # month to date: the previous month's daily rate, grown, times the days so far
            days = (today - start).days
            total = previous_month * (1 + MONTHLY_GROWTH) * days / 30.0
        months.append({"TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()}, "Total": {},
                       "Groups": _groups(total), "Estimated": not back})
    daily = daily_total if daily_total is not None else previous_month * (1 + MONTHLY_GROWTH) / 30.0
    days = [{"TimePeriod": {"Start": (today - datetime.timedelta(days=14 - i)).isoformat(),
                            "End": (today - datetime.timedelta(days=13 - i)).isoformat()},
             "Total": {}, "Groups": _groups(daily, 0.9 if i < 7 else 1.0), "Estimated": i >= 12}
            for i in range(14)]
    return [{"ResultsByTime": months, "DimensionValueAttributes": [], "GroupDefinitions": [
        {"Type": "DIMENSION", "Key": "SERVICE"}]},
        {"ResultsByTime": days, "DimensionValueAttributes": [], "GroupDefinitions": [
            {"Type": "DIMENSION", "Key": "SERVICE"}]}]


def load_cost_results(endpoint_url, results, account_id="123456789012"):
    """Queue ``GetCostAndUsage`` answers for an account (moto's results API; each distinct request takes the next)."""
    request = urllib.request.Request(endpoint_url.rstrip("/") + "/moto-api/static/ce/cost-and-usage-results",
                                     data=json.dumps({"account_id": account_id, "results": results}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:  # nosec - the sandbox's own emulator
        if answer.status != 201:
            raise RuntimeError("moto did not take the cost results: HTTP %d" % answer.status)


BUDGET = "ai-investment-monthly"  # runbook 001: Cost Budget > $100 estimated charges


def create_budget(budgets, account_id, limit=100.0, alert_percent=80.0, name=BUDGET):
    budgets.create_budget(
        AccountId=account_id,
        Budget={"BudgetName": name, "BudgetLimit": {"Amount": "%.2f" % limit, "Unit": "USD"},
                "TimeUnit": "MONTHLY", "BudgetType": "COST"},
        NotificationsWithSubscribers=[{
            "Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN",
                             "Threshold": alert_percent, "ThresholdType": "PERCENTAGE"},
            "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ops@example.com"}]}] if alert_percent else [])
