# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the performance review: the week's readings of a resource family in, ``{checks, recommendations,
charts}`` out.

``lambda_review``, ``table_review``, ``bucket_review`` and ``postgres_review`` grade what ``metric_series``,
``lambda_usage``, ``dynamodb_status``, ``amazon.aws.lambda_info`` and ``community.postgresql.postgresql_query`` read,
in the collection's check model, and propose changes (never applied here): each recommendation names the resource,
the setting, the current and the recommended value, why, and the module call that would apply it. Charts are specs
for ``ops.runbooks.report_html``: ``{title, kind, x, series: [{name, values}], y_label, lines: [{label, value}]}``.
"""

from __future__ import annotations

import math
import os

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.ops.runbooks.plugins.filter.checks import finite_number
from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.thresholds import default
from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data

# Lambda memory sizes offered in the console (any MB from 128 to 10240 is valid; these are the usual steps).
MEMORY_SIZES = (128, 256, 512, 1024, 1536, 2048, 3008, 4096, 6144, 8192, 10240)
MAX_TIMEOUT = 900
# DynamoDB list prices (USD) for the capacity-mode estimate: on-demand per million request units, provisioned per
# capacity unit-hour - us-east-1's unless the inventory gives its region's (ops_runbooks_dynamodb_prices, table_review
# limit "prices"); a recommendation names the region its prices are of, and says so when the tables are elsewhere.
US_EAST_1_PRICES = {"region": "us-east-1", "on_demand_read": 0.125, "on_demand_write": 0.625,
                    "provisioned_read": 0.00013, "provisioned_write": 0.00065}
SECONDS_A_MONTH = 730 * 3600

LAMBDA_LIMITS = {  # runbook 004's thresholds from the one table (module_utils/thresholds.py), the review's own after
    "duration_statistic": "p99", "duration_warn_pct": default("lambda_duration_warn_timeout_pct"),
    "duration_fail_pct": default("lambda_duration_max_timeout_pct"),
    "error_rate_warn_pct": default("lambda_error_rate_warn_pct"), "error_rate_fail_pct": default("lambda_error_rate_max_pct"),
    "concurrency_warn": default("lambda_concurrency_warn"), "concurrency_fail": default("lambda_concurrency_max"),
    "throttles_warn": 0, "throttles_fail": 100, "memory_high_pct": 90, "memory_low_pct": 30,
    "timeout_low_pct": 10, "cold_start_pct": 5, "init_ms": 1000, "alias": "live",
}
TABLE_LIMITS = {"throttled_warn": 0, "throttled_fail": 100, "utilization_warn_pct": 80, "utilization_low_pct": 20,
                "provisioned_min_units": 10, "target_utilization": 70, "autoscaling_min": 5, "autoscaling_max": 100,
                "prices": None, "region": None}
POSTGRES_LIMITS = {"slow_query_ms": 1000, "cache_hit_warn_pct": 99, "cache_hit_fail_pct": 90}


def _limits(defaults, given, name):
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise AnsibleFilterError("%s: limits must be a dict, got %r" % (name, given))
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise AnsibleFilterError("%s: unknown limit(s) %s (known: %s)" % (name, ", ".join(unknown),
                                                                          ", ".join(sorted(defaults))))
    return dict(defaults, **dict((k, v) for k, v in given.items() if v is not None))


def _entry(series, label, resource, statistic):
    return (((series or {}).get(label) or {}).get(resource) or {}).get(statistic) or {}


def _value(series, label, resource, statistic):
    return _entry(series, label, resource, statistic).get("value")


def _values(series, label, resource, statistic):
    """The series' values without the missing ones."""
    return [v for v in _entry(series, label, resource, statistic).get("values", []) if v is not None]


def _num(value, places=0):
    return checks.format_number(round(value, places), places) if places else "{:,}".format(int(round(value)))


def _band(value, warn, fail):
    if value is None:
        return checks.UNKNOWN
    if fail is not None and value > fail:
        return checks.FAIL
    if warn is not None and value > warn:
        return checks.WARN
    return checks.PASS


def aligned(series, label, statistic, resources, scale=1.0, name=None):
    """Chart data of one statistic of many resources: ``(x labels, [{name, values}])``, dates as MM-DD, a missing
    day None (a gap in the line)."""
    dates = set()
    by_resource = {}
    for resource in resources:
        entry = _entry(series, label, resource, statistic)
        points = dict((t[5:10], v) for t, v in zip(entry.get("timestamps", []), entry.get("values", [])))
        by_resource[resource] = points
        dates.update(points)
    x = sorted(dates)
    return x, [{"name": name(r) if name else r,
                "values": [None if by_resource[r].get(d) is None else round(by_resource[r][d] * scale, 3) for d in x]}
               for r in resources]


def _short(prefix):
    def short(name):
        return name[len(prefix):] if prefix and name.startswith(prefix) and len(name) > len(prefix) else name
    return short


def _common_prefix(names):
    """The names' common prefix up to its last dash (``ai-investment-``), to shorten chart legends."""
    prefix = os.path.commonprefix(list(names)) if len(names) > 1 else ""
    return prefix[:prefix.rfind("-") + 1]


def _recommend(resource, setting, current, recommended, reason, module=None, params=None):
    return {"resource": resource, "setting": setting, "current": current, "recommended": recommended,
            "reason": reason, "apply": {"module": module, "params": params or {}} if module else None}


def memory_recommendation(name, used_mb, size_mb, limits):
    """Raise memory above ``memory_high_pct`` used (30 % headroom), lower it below ``memory_low_pct`` (40 %)."""
    if not used_mb or not size_mb:
        return None
    share = 100.0 * used_mb / size_mb
    if share > limits["memory_high_pct"]:
        wanted = next((s for s in MEMORY_SIZES if s >= used_mb / 0.7 and s > size_mb), None)
        if wanted:
            return _recommend(name, "memory_size", size_mb, wanted,
                              "max memory used %d of %d MB (%.0f %% > %g %%): raise to keep 30 %% headroom (more memory "
                              "is also more CPU)" % (used_mb, size_mb, share, limits["memory_high_pct"]),
                              "ops.runbooks.lambda_config", {"function_name": name, "memory_size": wanted})
    if share < limits["memory_low_pct"]:
        wanted = next((s for s in MEMORY_SIZES if s >= used_mb / 0.6), None)
        if wanted and wanted < size_mb:
            return _recommend(name, "memory_size", size_mb, wanted,
                              "max memory used %d of %d MB (%.0f %% < %g %%): lower it and pay for less (check the "
                              "duration afterwards: less memory is less CPU)" % (used_mb, size_mb, share,
                                                                                 limits["memory_low_pct"]),
                              "ops.runbooks.lambda_config", {"function_name": name, "memory_size": wanted})
    return None


def timeout_recommendation(name, duration_ms, timeout_s, limits):
    """Raise the timeout to 1.5 x the duration statistic above the warning band; lower it to 3 x (at least 3 s)
    when the function uses less than ``timeout_low_pct`` of it (a hung call should fail fast)."""
    if duration_ms is None or not timeout_s:
        return None
    share = 100.0 * duration_ms / (timeout_s * 1000.0)
    statistic = limits["duration_statistic"]
    if share > limits["duration_warn_pct"]:
        wanted = min(MAX_TIMEOUT, int(math.ceil(duration_ms * 1.5 / 1000.0)))
        if wanted > timeout_s:
            return _recommend(name, "timeout", timeout_s, wanted,
                              "%s duration %s ms is %.0f %% of the %d s timeout (runbook 004 warns above %g %%): "
                              "raise it to 1.5 x %s" % (statistic, _num(duration_ms), share, timeout_s,
                                                        limits["duration_warn_pct"], statistic),
                              "ops.runbooks.lambda_config", {"function_name": name, "timeout": wanted})
    if share < limits["timeout_low_pct"] and timeout_s > 10:
        wanted = max(3, int(math.ceil(duration_ms * 3 / 1000.0)))
        if wanted < timeout_s:
            return _recommend(name, "timeout", timeout_s, wanted,
                              "%s duration %s ms is %.1f %% of the %d s timeout: lower it to 3 x %s so that a hung "
                              "call fails fast and costs less" % (statistic, _num(duration_ms), share, timeout_s,
                                                                  statistic),
                              "ops.runbooks.lambda_config", {"function_name": name, "timeout": wanted})
    return None


def lambda_review(series, functions, usage=None, names=None, limits=None):
    """Grade the week of every function: duration against its timeout, error rate, throttles, peak concurrency,
    memory used and cold starts; recommend memory, timeout, reserved and provisioned concurrency."""
    limits = _limits(LAMBDA_LIMITS, limits, "lambda_review")
    configs = functions or {}
    usage = usage or {}
    names = list(names or configs)
    found, advice = [], []
    statistic = limits["duration_statistic"]
    for name in names:
        config = configs.get(name) or {"exists": False}
        if config.get("error") or config.get("exists") is False or not config.get("timeout"):
            found.append(checks.make_check(name, "configuration", checks.UNKNOWN if config.get("error") else checks.FAIL,
                                           config.get("error") or "function %s not found" % name))
            continue
        timeout, memory = config["timeout"], config["memory_size"]
        duration = _value(series, "duration", name, statistic)
        share = None if duration is None else 100.0 * duration / (timeout * 1000.0)
        status = _band(share, limits["duration_warn_pct"], limits["duration_fail_pct"])
        if share is None:  # unknown: the endpoint could not answer the statistic, or there was no invocation
            unanswered = _entry(series, "duration", name, statistic).get("unanswered")
            reason = "%s duration unknown: %s" % (statistic, unanswered) if unanswered else \
                "no Duration datapoint in the window (no invocations?)"
        else:
            reason = "%s %s ms = %.0f %% of the %d s timeout (average %s, p95 %s, max %s ms)" % (
                statistic, _num(duration), share, timeout,
                *[_num(v) if v is not None else "-" for v in (_value(series, "duration", name, "Average"),
                                                              _value(series, "duration", name, "p95"),
                                                              _value(series, "duration", name, "Maximum"))])
        found.append(checks.make_check(name, "duration", status, reason, duration and round(duration, 1),
                                       {"warn_pct": limits["duration_warn_pct"], "fail_pct": limits["duration_fail_pct"]}))

        calls, errors = _value(series, "invocations", name, "Sum"), _value(series, "errors", name, "Sum")
        rate = None if not calls else 100.0 * (errors or 0) / calls
        found.append(checks.make_check(
            name, "error_rate", _band(rate, limits["error_rate_warn_pct"], limits["error_rate_fail_pct"]),
            "no invocations in the window" if rate is None else
            "%s errors in %s invocations = %.2f %% (warn > %g %%, fail > %g %%)" % (
                _num(errors or 0), _num(calls), rate, limits["error_rate_warn_pct"], limits["error_rate_fail_pct"]),
            rate and round(rate, 3), {"warn_pct": limits["error_rate_warn_pct"], "fail_pct": limits["error_rate_fail_pct"]}))

        throttles = _value(series, "throttles", name, "Sum") or 0
        found.append(checks.make_check(name, "throttles", _band(throttles, limits["throttles_warn"],
                                                                limits["throttles_fail"]),
                                       "%s throttled invocations" % _num(throttles), throttles,
                                       {"warn": limits["throttles_warn"], "fail": limits["throttles_fail"]}))

        peak = _value(series, "concurrency", name, "Maximum")
        found.append(checks.make_check(
            name, "concurrency", _band(peak, limits["concurrency_warn"], limits["concurrency_fail"]),
            "no ConcurrentExecutions datapoint in the window" if peak is None else
            "peak %s concurrent executions (runbook 004 warns above %g, critical above %g)" % (
                _num(peak), limits["concurrency_warn"], limits["concurrency_fail"]),
            peak, {"warn": limits["concurrency_warn"], "fail": limits["concurrency_fail"]}))

        lines = usage.get(name) or {}
        if lines.get("lines"):
            used_pct = lines.get("memory_used_percent")
            found.append(checks.make_check(
                name, "memory", checks.WARN if used_pct and used_pct > limits["memory_high_pct"] else checks.PASS,
                "max memory used %s of %s MB (%s %%) in %d REPORT lines" % (
                    lines.get("max_memory_used_mb"), lines.get("memory_size_mb") or memory, used_pct, lines["lines"]),
                used_pct, {"warn_pct": limits["memory_high_pct"]}))
            init = lines.get("init_duration_avg_ms")
            found.append(checks.make_check(
                name, "cold_starts", checks.PASS,
                "%d cold starts in %d invocations (%s %%)%s" % (
                    lines["cold_starts"], lines["lines"], lines["cold_start_percent"],
                    ", init %s ms on average, %s ms at most" % (_num(init), _num(lines["init_duration_max_ms"]))
                    if init else ""), lines["cold_start_percent"]))
        else:
            why = lines.get("error") or ("no log group" if lines.get("found") is False else "no REPORT lines")
            for check in ("memory", "cold_starts"):
                found.append(checks.make_check(name, check, checks.SKIPPED, "%s in the window" % why))

        for recommendation in (
                memory_recommendation(name, lines.get("max_memory_used_mb"), lines.get("memory_size_mb") or memory,
                                      limits),
                timeout_recommendation(name, duration, timeout, limits)):
            if recommendation:
                advice.append(recommendation)
        if peak is not None and peak > limits["concurrency_warn"]:
            advice.append(_recommend(
                name, "reserved_concurrency", None, int(peak),
                "peak %s concurrent executions against runbook 004's limit of %g: cap the function at its peak so a "
                "burst cannot take the account's whole concurrency, and ask for a higher account quota"
                % (_num(peak), limits["concurrency_fail"]),
                "ops.runbooks.lambda_concurrency", {"function_name": name, "reserved_concurrency": int(peak)}))
        cold_pct, init = lines.get("cold_start_percent"), lines.get("init_duration_avg_ms")
        if cold_pct and init and cold_pct > limits["cold_start_pct"] and init > limits["init_ms"]:
            average = _value(series, "concurrency", name, "Average")
            wanted = max(1, int(math.ceil(average or 1)))
            advice.append(_recommend(
                name, "provisioned_concurrency", None, wanted,
                "%s %% of invocations start cold with %s ms of init: keep %d environment(s) warm on alias %s "
                "(the average concurrency; provisioned concurrency is billed while configured)"
                % (cold_pct, _num(init), wanted, limits["alias"]),
                "ops.runbooks.lambda_concurrency",
                {"function_name": name, "qualifier": limits["alias"], "provisioned_concurrency": wanted}))
    prefix = _short(_common_prefix(names))
    charts = []
    x, lines_ = aligned(series, "duration", "p95", names, name=prefix)
    charts.append({"title": "Lambda Duration p95 per day (ms)", "kind": "line", "x": x, "series": lines_,
                   "y_label": "ms"})
    x, lines_ = aligned(series, "errors", "Sum", names, name=prefix)
    charts.append({"title": "Lambda errors per day", "kind": "line", "x": x, "series": lines_, "y_label": "errors"})
    x, lines_ = aligned(series, "concurrency", "Maximum", names, name=prefix)
    charts.append({"title": "Lambda peak concurrency per day", "kind": "line", "x": x, "series": lines_,
                   "y_label": "concurrent executions",
                   "lines": [{"label": "warning (%g)" % limits["concurrency_warn"], "value": limits["concurrency_warn"]},
                             {"label": "critical (%g)" % limits["concurrency_fail"], "value": limits["concurrency_fail"]}]})
    return {"checks": found, "recommendations": advice, "charts": charts}


def _prices(given):
    """The price list: us-east-1's, with what ``given`` (the inventory's) sets over it."""
    if given is not None and not isinstance(given, dict):
        raise AnsibleFilterError("table_review: prices must be a dict (region, on_demand_read, on_demand_write, "
                                 "provisioned_read, provisioned_write)")
    unknown = sorted(set(given or {}) - set(US_EAST_1_PRICES))
    if unknown:
        raise AnsibleFilterError("table_review: prices: unknown key(s) %s" % ", ".join(unknown))
    prices = dict(US_EAST_1_PRICES, **dict((k, v) for k, v in (given or {}).items() if v is not None))
    for key in US_EAST_1_PRICES:
        if key != "region":
            prices[key] = finite_number(prices[key], "prices.%s" % key)
    return prices


def on_demand_cost(reads_per_s, writes_per_s, prices=None):
    """USD a month of that many request units a second, on demand."""
    prices = prices or US_EAST_1_PRICES
    return SECONDS_A_MONTH * (reads_per_s * prices["on_demand_read"] + writes_per_s * prices["on_demand_write"]) / 1e6


def provisioned_cost(rcu, wcu, prices=None):
    """USD a month of that much provisioned capacity."""
    prices = prices or US_EAST_1_PRICES
    return 730 * (rcu * prices["provisioned_read"] + wcu * prices["provisioned_write"])


def _priced(prices, region):
    """How a recommendation names its prices: their region, and the tables' when it is another."""
    if region and region != prices["region"]:
        return "%s list prices - the tables are in %s: set ops_runbooks_dynamodb_prices for its prices" % (
            prices["region"], region)
    return "%s list prices" % prices["region"]


def table_review(series, tables, names=None, limits=None, window_seconds=604800):
    """Grade the week of every table: throttled requests, provisioned utilization; recommend auto scaling or the
    other capacity mode where it fits (runbook 000 "DynamoDB Throttling", runbook 004 weekly "Review DynamoDB")."""
    limits = _limits(TABLE_LIMITS, limits, "table_review")
    prices = _prices(limits["prices"])
    priced = _priced(prices, limits["region"])
    tables = tables or {}
    names = list(names or tables)
    found, advice = [], []
    for name in names:
        state = tables.get(name) or {}
        if not state.get("exists"):
            found.append(checks.make_check(name, "capacity", checks.UNKNOWN if state.get("error") else checks.FAIL,
                                           state.get("error") or "table %s does not exist" % name))
            continue
        throttled = _value(series, "throttled", name, "Sum") or 0
        found.append(checks.make_check(name, "throttling", _band(throttled, limits["throttled_warn"],
                                                                 limits["throttled_fail"]),
                                       "%s throttled requests in the window" % _num(throttled), throttled,
                                       {"warn": limits["throttled_warn"], "fail": limits["throttled_fail"]}))
        reads = (_value(series, "read", name, "Sum") or 0) / float(window_seconds)
        writes = (_value(series, "write", name, "Sum") or 0) / float(window_seconds)
        mode = state.get("billing_mode")
        if mode == "PROVISIONED":
            rcu, wcu = state.get("read_capacity_units") or 0, state.get("write_capacity_units") or 0
            day_peak = max(_values(series, "read", name, "Sum") or [0]) / 86400.0
            use = max(100.0 * reads / rcu if rcu else 0, 100.0 * writes / wcu if wcu else 0)
            peak_use = 100.0 * day_peak / rcu if rcu else 0
            found.append(checks.make_check(
                name, "capacity", checks.WARN if peak_use > limits["utilization_warn_pct"] else checks.PASS,
                "provisioned %d RCU / %d WCU; average use %.1f RCU/s, %.1f WCU/s (%.0f %%), busiest day %.0f %% of "
                "reads" % (rcu, wcu, reads, writes, use, peak_use), round(use, 1),
                {"warn_pct": limits["utilization_warn_pct"]}))
            if throttled:
                advice.append(_recommend(
                    name, "auto_scaling", None, "%d-%d at %d %%" % (limits["autoscaling_min"], limits["autoscaling_max"],
                                                                    limits["target_utilization"]),
                    "%s throttled requests on provisioned capacity: let auto scaling follow the load (runbook 000 "
                    "\"DynamoDB Throttling\"), or switch to on-demand" % _num(throttled)))
            elif use < limits["utilization_low_pct"]:
                now, other = provisioned_cost(rcu, wcu, prices), on_demand_cost(reads, writes, prices)
                if other < now:
                    advice.append(_recommend(
                        name, "billing_mode", mode, "PAY_PER_REQUEST",
                        "%.0f %% of the provisioned capacity used: on-demand about $%.2f a month instead of $%.2f "
                        "(%s)" % (use, other, now, priced),
                        "ops.runbooks.dynamodb_billing_mode", {"table_name": name, "billing_mode": "PAY_PER_REQUEST"}))
        else:
            found.append(checks.make_check(name, "capacity", checks.PASS,
                                           "on-demand; average %.1f read and %.1f write units a second" % (reads, writes),
                                           round(reads + writes, 2)))
            # Steady: no day below 40 % of the busiest (a weekend dip is fine - auto scaling follows it). The last day
            # of the window is still running: left out.
            days = [v for v in _values(series, "read", name, "Sum")[:-1] if v]
            steady = len(days) >= 4 and min(days) >= 0.4 * max(days)
            if steady and reads + writes >= limits["provisioned_min_units"]:
                target = limits["target_utilization"] / 100.0
                rcu, wcu = int(math.ceil(reads / target)), int(math.ceil(writes / target))
                now, other = on_demand_cost(reads, writes, prices), provisioned_cost(rcu, wcu, prices)
                if other < 0.7 * now:
                    advice.append(_recommend(
                        name, "billing_mode", "PAY_PER_REQUEST", "PROVISIONED",
                        "steady load of %.1f read and %.1f write units a second: provisioned %d RCU / %d WCU with auto "
                        "scaling at %d %% about $%.2f a month instead of $%.2f on demand (%s)"
                        % (reads, writes, rcu, wcu, limits["target_utilization"], other, now, priced),
                        "ops.runbooks.dynamodb_billing_mode",
                        {"table_name": name, "billing_mode": "PROVISIONED", "read_capacity": rcu,
                         "write_capacity": wcu}))
    prefix = _short(_common_prefix(names))
    x, reads_ = aligned(series, "read", "Sum", names, name=lambda n: prefix(n) + " read")
    _x, writes_ = aligned(series, "write", "Sum", names, name=lambda n: prefix(n) + " write")
    charts = [{"title": "DynamoDB consumed capacity units per day", "kind": "line", "x": x, "series": reads_ + writes_,
               "y_label": "capacity units"}]
    x, throttles = aligned(series, "throttled", "Sum", names, name=prefix)
    charts.append({"title": "DynamoDB throttled requests per day", "kind": "bar", "x": x, "series": throttles,
                   "y_label": "requests"})
    return {"checks": found, "recommendations": advice, "charts": charts}


def bucket_review(series, names):
    """Size and object count of every bucket over the week (S3 daily storage metrics), and the growth."""
    found = []
    gib = 2.0 ** 30
    for name in names or []:
        values = _values(series, "size", name, "Average")
        objects = _values(series, "objects", name, "Average")
        if not values:
            found.append(checks.make_check(name, "storage", checks.UNKNOWN,
                                           "no S3 storage metrics in the window (S3 publishes them once a day; an "
                                           "empty or new bucket has none)"))
            continue
        growth = values[-1] - values[0]
        found.append(checks.make_check(
            name, "storage", checks.PASS, "%.1f GiB%s, %+.2f GiB in %d days" % (
                values[-1] / gib, ", %s objects" % _num(objects[-1]) if objects else "", growth / gib,
                max(1, len(values) - 1)), round(values[-1] / gib, 3)))
    prefix = _short(_common_prefix(list(names or [])))
    x, sizes = aligned(series, "size", "Average", list(names or []), scale=1.0 / gib, name=prefix)
    return {"checks": found, "recommendations": [],
            "charts": [{"title": "S3 bucket size (GiB)", "kind": "line", "x": x, "series": sizes, "y_label": "GiB"}]}


POSTGRES_SKIPPED = "no PostgreSQL connection (ops_runbooks_postgres)"
POSTGRES_NOT_INSTALLED = "pg_stat_statements is not installed in %s (shared_preload_libraries and CREATE EXTENSION " \
    "pg_stat_statements)"


def postgres_review(statements, cache_hit_pct, database, limits=None, error=None, installed=True):
    """Slow statements from ``pg_stat_statements`` (runbook 003: mean time above 1000 ms) and the cache hit ratio.
    ``statements`` are rows ``{query, calls, mean_ms, total_ms}``; ``error`` the reason they could not be read;
    ``installed`` false: pg_stat_statements is missing in the database (that is the error). No ``database`` (no
    connection given): the one check ``postgres/slow_queries`` skipped."""
    if not database:
        return {"checks": [checks.make_check("postgres", "slow_queries", checks.SKIPPED, POSTGRES_SKIPPED)],
                "recommendations": [], "charts": []}
    limits = _limits(POSTGRES_LIMITS, limits, "postgres_review")
    if isinstance(installed, str):
        installed = boolean(installed, strict=False)  # as Jinja's bool filter reads it
    if not error and not installed:
        error = POSTGRES_NOT_INSTALLED % database
    found = []
    if error:
        found.append(checks.make_check(database, "slow_queries", checks.UNKNOWN, error))
    else:
        slow = [s for s in statements or [] if float(s.get("mean_ms") or 0) > limits["slow_query_ms"]]
        slow.sort(key=lambda s: -float(s["mean_ms"]))
        found.append(checks.make_check(
            database, "slow_queries", checks.WARN if slow else checks.PASS,
            ("%d statement(s) with a mean above %g ms: %s" % (len(slow), limits["slow_query_ms"], "; ".join(
                "%s ms x %s: %s" % (_num(float(s["mean_ms"])), s["calls"], " ".join(str(s["query"]).split())[:120])
                for s in slow[:3]))) if slow else "no statement with a mean above %g ms" % limits["slow_query_ms"],
            len(slow), {"mean_ms_max": limits["slow_query_ms"]}))
    if cache_hit_pct is None:
        found.append(checks.make_check(database, "cache_hit_ratio", checks.UNKNOWN, error or "no blocks read yet"))
    else:
        ratio = float(cache_hit_pct)
        status = checks.FAIL if ratio < limits["cache_hit_fail_pct"] else (
            checks.WARN if ratio < limits["cache_hit_warn_pct"] else checks.PASS)
        found.append(checks.make_check(database, "cache_hit_ratio", status,
                                       "%.2f %% of blocks read from the buffer cache (warn below %g %%, fail below %g %%)"
                                       % (ratio, limits["cache_hit_warn_pct"], limits["cache_hit_fail_pct"]),
                                       round(ratio, 2), {"warn_pct": limits["cache_hit_warn_pct"],
                                                         "fail_pct": limits["cache_hit_fail_pct"]}))
    return {"checks": found, "recommendations": [], "charts": []}


CONFIG_SETTINGS = ("memory_size", "timeout")


def apply_plan(recommendations, settings, resources):
    """What ``performance_apply=true`` applies: ``{to_apply, config_changes}`` - the recommendations with a module
    call (``apply``) of the kinds in ``settings`` on the ``resources``, and their memory and timeout changes as one
    change per function (``[{key: function, value: {memory_size, timeout}}]``, lambda_config's one version)."""
    if not isinstance(recommendations, list):
        raise AnsibleFilterError("apply_plan expects the review's recommendations (a list)")
    chosen = [r for r in recommendations if isinstance(r, dict) and r.get("apply") is not None
              and r.get("setting") in (settings or []) and r.get("resource") in (resources or [])]
    by_function = {}
    for r in chosen:
        if r["setting"] in CONFIG_SETTINGS:
            by_function.setdefault(r["resource"], {})[r["setting"]] = r["recommended"]
    return {"to_apply": chosen, "config_changes": [{"key": k, "value": v} for k, v in by_function.items()]}


def applied_changes(config_results, other_results, check_mode=False):
    """The changes the apply step made (or, in check mode, would make): one entry per changed result of the
    lambda_config loop (``{resource, change: {memory_size, timeout}}``) and of the concurrency and billing-mode loops
    (``{resource, change: {setting: recommended}}``)."""
    found = [{"resource": r["item"]["key"], "change": r["item"]["value"], "planned": bool(check_mode)}
             for r in config_results or [] if r.get("changed")]
    found += [{"resource": r["item"]["resource"], "change": {r["item"]["setting"]: r["item"]["recommended"]},
               "planned": bool(check_mode)} for r in other_results or [] if r.get("changed")]
    return found


class FilterModule:
    def filters(self):
        return returning_data({
            "lambda_review": lambda_review,
            "table_review": table_review,
            "bucket_review": bucket_review,
            "postgres_review": postgres_review,
            "apply_plan": apply_plan,
            "applied_changes": applied_changes,
        })
