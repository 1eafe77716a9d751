# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The judgements of the daily health (role ``health_check``) that no module of the collection makes, as filters:

- ``health_metric_queries``: the plan of the run (and the functions' timeouts) as the one GetMetricData batch of
  ``ops.runbooks.metric_check`` - every metric check of the API, the functions and the tables, built in one place;
- ``identity_check`` (amazon.aws.aws_caller_info), ``alarms_check`` (amazon.aws.cloudwatch_metric_alarm_info),
  ``invoke_check`` (amazon.aws.lambda_execute), ``connections_check`` (community.postgresql.postgresql_query),
  ``host_checks`` (the hardware facts) and ``app_log_check`` (the last lines of a log file): what those modules
  return, as checks of the common model;
- ``health_area_checks``: the checks of one area of the run from what its task registered - the module's own
  ``checks`` as they are, or the judgement above that the area's module does not make - so that the role records
  every area the same way, in one task.
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.ops.runbooks.plugins.filter.checks import finite_number
from ansible_collections.ops.runbooks.plugins.filter.checks import shortened
from ansible_collections.ops.runbooks.plugins.filter.result_to_check import log_to_check
from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data

LAMBDA_DEFAULT_TIMEOUT = 3  # seconds: AWS's default for a function whose configuration names none


def _runs(entry):
    return isinstance(entry, dict) and boolean(entry.get("runs"), strict=False)  # as Jinja's bool filter reads it


def _api_queries(api):
    """The API's 5xx rate: of its stage, or - no stage named - of the whole API (API Gateway publishes both)."""
    name, stage = api["health_check_api_name"], api["health_check_api_stage"]
    dimensions = {"ApiName": name, "Stage": stage} if stage else {"ApiName": name}
    return [{"label": "%s 5xx rate (%%)" % " ".join(part for part in (name, stage) if part),
             "namespace": "AWS/ApiGateway", "metric_name": "5XXError", "statistic": "Sum",
             "dimensions": dimensions,
             "per": {"metric_name": "Count"}, "window": api["health_check_api_window"],
             "warn": finite_number(api["health_check_api_warn_5xx_pct"], "health_check_api_warn_5xx_pct"),
             "max": finite_number(api["health_check_api_max_5xx_pct"], "health_check_api_max_5xx_pct"), "no_data": "pass"}]


def _lambda_queries(settings, functions):
    def limit(name):
        return finite_number(settings[name], name)

    window = settings["health_check_lambda_window"]
    found = []
    for name in settings["health_check_functions"]:
        if name not in functions:  # its state could not be read: the lambda area's failure says so
            continue
        timeout_ms = float((functions[name] or {}).get("timeout") or LAMBDA_DEFAULT_TIMEOUT) * 1000
        dimensions = {"FunctionName": name}
        found += [
            {"label": "%s longest duration (ms, timeout %d s)" % (name, int(timeout_ms / 1000)),
             "namespace": "AWS/Lambda", "metric_name": "Duration", "statistic": "Maximum", "dimensions": dimensions,
             "window": window, "period": 60,
             "warn": timeout_ms * limit("health_check_lambda_warn_timeout_pct") / 100,
             "max": timeout_ms * limit("health_check_lambda_max_timeout_pct") / 100},
            {"label": "%s error rate (%%)" % name, "namespace": "AWS/Lambda", "metric_name": "Errors",
             "statistic": "Sum", "dimensions": dimensions, "window": window, "per": {"metric_name": "Invocations"},
             "no_data": "pass", "warn": limit("health_check_lambda_warn_error_rate_pct"),
             "max": limit("health_check_lambda_max_error_rate_pct")},
            {"label": "%s concurrent executions" % name, "namespace": "AWS/Lambda",
             "metric_name": "ConcurrentExecutions", "statistic": "Maximum", "dimensions": dimensions, "window": window,
             "no_data": "pass", "warn": limit("health_check_lambda_warn_concurrency"),
             "max": limit("health_check_lambda_max_concurrency")},
            {"label": "%s errors" % name, "namespace": "AWS/Lambda", "metric_name": "Errors", "statistic": "Sum",
             "dimensions": dimensions, "window": window, "max": limit("health_check_lambda_max_errors"),
             "no_data": "pass"},
            {"label": "%s throttles" % name, "namespace": "AWS/Lambda", "metric_name": "Throttles",
             "statistic": "Sum", "dimensions": dimensions, "window": window,
             "max": limit("health_check_lambda_max_throttles"), "no_data": "pass"},
            {"label": "%s duration (ms)" % name, "namespace": "AWS/Lambda", "metric_name": "Duration",
             "statistic": "Average", "dimensions": dimensions, "window": window, "period": 300,
             "max": limit("health_check_lambda_max_duration_ms")},
        ]
    return found


def _table_queries(settings):
    return [{"label": "%s throttled requests" % table, "check": "throttling", "namespace": "AWS/DynamoDB",
             "metric_name": "ThrottledRequests", "statistic": "Sum", "dimensions": {"TableName": table},
             "window": settings["health_check_dynamodb_window"],
             "max": finite_number(settings["health_check_dynamodb_max_throttled"], "health_check_dynamodb_max_throttled"),
             "warn": finite_number(settings["health_check_dynamodb_warn_throttled"], "health_check_dynamodb_warn_throttled"),
             "no_data": "pass"} for table in settings["health_check_tables"]]


def health_metric_queries(plan, functions=None, extra=None):
    """The metric checks of a health plan as ``metric_check``'s ``metrics``: the API stage's 5xx rate, each
    function's duration against its own timeout, error rate, concurrency, errors, throttles and average duration,
    each table's throttled requests (check ``throttling``) - of the areas that run - then ``extra`` as given.

    ``functions``: lambda_state's ``functions`` (the timeouts); a function it does not name gets no metric check
    (its state could not be read, which the lambda area reports)."""
    if not isinstance(plan, dict):
        raise AnsibleFilterError("health_metric_queries expects the health plan (health_check_plan), got %s"
                                 % type(plan).__name__)
    if extra is not None and not isinstance(extra, list):
        raise AnsibleFilterError("health_metric_queries: extra (health_check_extra_metrics) must be a list of "
                                 "metric_check metrics, got %s" % type(extra).__name__)
    try:
        found = []
        if _runs(plan.get("api")):
            found += _api_queries(plan["api"])
        if _runs(plan.get("lambda")):
            found += _lambda_queries(plan["lambda"], functions if isinstance(functions, dict) else {})
        if _runs(plan.get("dynamodb")):
            found += _table_queries(plan["dynamodb"])
    except KeyError as e:
        raise AnsibleFilterError("health_metric_queries: the plan has no setting %s" % e) from None
    return found + list(extra or [])


def metric_queries(resources, dimension, label, query):
    """One ``metric_check`` metric per resource: ``query`` with the dimension ``{dimension: resource}`` and the label
    ``label`` with ``{}`` replaced by the resource (replaced as text, never formatted or templated)."""
    if not isinstance(resources, list) or not isinstance(query, dict):
        raise AnsibleFilterError("metric_queries expects a list of resources and a metric (a dict)")
    found = []
    for resource in resources:
        dimensions = dict(query.get("dimensions") or {}, **{dimension: resource})
        found.append(dict(query, label=str(label).replace("{}", str(resource)), dimensions=dimensions))
    return found


def identity_check(identity, expected_account=""):
    """amazon.aws.aws_caller_info's answer: ``pass`` in the expected account (any, when none is expected)."""
    if not isinstance(identity, dict) or not identity.get("account"):
        raise AnsibleFilterError("identity_check expects amazon.aws.aws_caller_info's result (account, arn)")
    account, expected = str(identity["account"]), str(expected_account or "")
    if not expected or account == expected:
        return checks.make_check("sts", "identity", checks.PASS, "account %s as %s" % (account, identity.get("arn")),
                                 account, expected or None)
    return checks.make_check("sts", "identity", checks.FAIL, "account %s, expected %s" % (account, expected),
                             account, expected)


def alarms_check(metric_alarms, prefix=""):
    """amazon.aws.cloudwatch_metric_alarm_info's ``metric_alarms`` - every alarm the selection holds, in any state:
    ``fail`` naming every alarm in ALARM (the state filtered here). The check says what it watched (the count, and
    the prefix when there is one), and a selection that holds no alarm checked nothing: ``fail`` when ``prefix``
    names no alarm (the system's alarms are named otherwise), ``warn`` when the region has none at all."""
    if not isinstance(metric_alarms, list):
        raise AnsibleFilterError("alarms_check expects cloudwatch_metric_alarm_info's metric_alarms (a list)")
    alarms = [a for a in metric_alarms if isinstance(a, dict)]
    firing = [a.get("alarm_name") for a in alarms if a.get("state_value") == "ALARM"]
    watched = "alarm(s) named %s*" % prefix if prefix else "alarm(s) of the account and region"
    if not alarms:
        if prefix:
            return checks.make_check("cloudwatch", "alarms in ALARM", checks.FAIL, "no alarm is named %s*: the check "
                                     "watched nothing (health_check_alarm_name_prefix)" % prefix, [], [])
        return checks.make_check("cloudwatch", "alarms in ALARM", checks.WARN, "no CloudWatch alarm in the account "
                                 "and region: no alarm watches the system", [], [])
    reason = "%s in ALARM (of %d %s)" % (", ".join(firing), len(alarms), watched) if firing else \
        "none of %d %s in ALARM" % (len(alarms), watched)
    return checks.make_check("cloudwatch", "alarms in ALARM", checks.FAIL if firing else checks.PASS, reason, firing, [])


def invoke_check(result, function):
    """amazon.aws.lambda_execute's result: ``pass`` when the invocation's status is below 300."""
    if not isinstance(result, dict):
        raise AnsibleFilterError("invoke_check expects amazon.aws.lambda_execute's result (a dict)")
    status = int((result.get("result") or {}).get("status") or 200)
    return checks.make_check(function, "invoke", checks.PASS if status < 300 else checks.FAIL,
                             "invocation returned %d" % status, status, 200)


def _percent_check(resource, check, used_pct, max_pct, reason):
    status = checks.threshold(used_pct, check, fail_above=max_pct)[0]
    return checks.make_check(resource, check, status, reason, used_pct, max_pct)


def connections_check(row, host, max_pct):
    """A row ``{connections, max_connections}`` of pg_stat_activity: ``fail`` above ``max_pct`` percent in use."""
    if not isinstance(row, dict) or "connections" not in row or not row.get("max_connections"):
        raise AnsibleFilterError("connections_check expects a row {connections, max_connections}")
    used, limit = int(row["connections"]), int(row["max_connections"])
    pct, max_pct = round(100.0 * used / limit, 1), finite_number(max_pct, "health_check_postgres_max_connections_pct")
    check = _percent_check("postgresql %s" % host, "connections", pct, max_pct, "%d of %d connections (%s%%, max %s%%)"
                           % (used, limit, checks.format_number(pct), checks.format_number(max_pct)))
    return dict(check, observed=used, expected=limit)


def host_checks(facts, host, disk_max_pct, memory_max_pct):
    """The hardware facts (``ansible_facts`` with ``mounts`` and ``memory_mb``): one ``disk`` check per mount with
    a size, one ``memory`` check (used without caches), each ``fail`` above its percentage."""
    if not isinstance(facts, dict) or "mounts" not in facts or "memory_mb" not in facts:
        raise AnsibleFilterError("host_checks expects the hardware facts (ansible_facts with mounts and memory_mb)")
    disk_max, memory_max = finite_number(disk_max_pct, "health_check_disk_max_pct"), \
        finite_number(memory_max_pct, "health_check_memory_max_pct")
    found = []
    for mount in facts["mounts"]:
        total = mount.get("size_total") or 0
        if total <= 0:
            continue
        pct = round(100.0 * (total - mount.get("size_available", 0)) / total, 1)
        found.append(_percent_check("%s:%s" % (host, mount.get("mount")), "disk", pct, disk_max,
                                    "%s%% used (max %s%%)" % (pct, checks.format_number(disk_max))))
    memory = (facts["memory_mb"] or {}).get("nocache") or {}
    in_use = (memory.get("used") or 0) + (memory.get("free") or 0)
    pct = round(100.0 * (memory.get("used") or 0) / in_use, 1) if in_use else None
    found.append(_percent_check(host, "memory", pct, memory_max, "%s%% used without caches (max %s%%)" % (
        pct, checks.format_number(memory_max)) if pct is not None else "memory: no data"))
    return found


def app_log_check(lines, resource, pattern, max_matches, read):
    """The last ``read`` lines of an application log: ``fail`` when more than ``max_matches`` match ``pattern``
    (a regular expression, searched), the last match in the reason."""
    if not isinstance(lines, list):
        raise AnsibleFilterError("app_log_check expects the log's lines (a list)")
    try:
        matcher = re.compile(pattern)
    except (re.error, TypeError) as e:
        raise AnsibleFilterError("health_check_app_log_pattern %r is not a regular expression: %s" % (pattern, e)) \
            from None
    limit = int(finite_number(max_matches, "health_check_app_log_max_matches"))
    hits = [line for line in lines if matcher.search(str(line))]
    last = ": %s" % shortened(hits[-1], 120) if hits else ""  # Jinja's truncate(120), as the role had it
    return checks.make_check(resource, "app log errors", checks.FAIL if len(hits) > limit else checks.PASS,
                             "%d line(s) matching %s in the last %s%s" % (len(hits), pattern, read, last),
                             len(hits), limit)


def _setting(settings, area, name):
    if name not in settings:
        raise AnsibleFilterError("health_area_checks: area %s needs the setting %s" % (area, name))
    return settings[name]


# Area -> its checks from (registered result, settings). Areas whose module returns checks take them as they are.
AREAS = {
    "identity": lambda r, s: [identity_check(r, _setting(s, "identity", "expected_account"))],
    "alarms": lambda r, s: [alarms_check(r.get("metric_alarms"), s.get("prefix") or "")],
    "lambda_invoke": lambda r, s: [invoke_check(r, _setting(s, "lambda_invoke", "function"))],
    "logs": lambda r, s: [log_to_check(p, _setting(s, "logs", "resource"), _setting(s, "logs", "max_matches"))
                          for p in r.get("patterns") or []],
    "postgres": lambda r, s: [connections_check((r.get("query_result") or [None])[0], _setting(s, "postgres", "host"),
                                                _setting(s, "postgres", "max_pct"))],
    "host": lambda r, s: host_checks(_setting(s, "host", "facts"), _setting(s, "host", "host"),
                                     _setting(s, "host", "disk_max_pct"), _setting(s, "host", "memory_max_pct")),
    "app_log": lambda r, s: [app_log_check(r.get("stdout_lines"), _setting(s, "app_log", "resource"),
                                           _setting(s, "app_log", "pattern"), _setting(s, "app_log", "max_matches"),
                                           _setting(s, "app_log", "read"))],
}
MODULE_CHECKS = ("discovery", "http", "lambda", "dynamodb", "metrics", "s3", "queues")  # ops.runbooks modules: their checks


def health_area_checks(result, area, settings=None):
    """The checks of one area of the daily health from what the area's task registered (``result``): the module's
    ``checks`` as they are for the areas of ops.runbooks modules (http, lambda, dynamodb, metrics, s3, queues), the
    judgement of this file for the others, with the area's ``settings`` (thresholds, names). A skipped task checked
    nothing: no checks (the report's unselected checks say why)."""
    if not isinstance(result, dict):
        raise AnsibleFilterError("health_area_checks expects the area's registered result (a dict), got %s"
                                 % type(result).__name__)
    if area not in AREAS and area not in MODULE_CHECKS:
        raise AnsibleFilterError("health_area_checks: unknown area %r (one of %s)" % (
            area, ", ".join(sorted(set(AREAS) | set(MODULE_CHECKS)))))
    if result.get("skipped"):
        return []
    if area in MODULE_CHECKS:
        found = result.get("checks")
        if not isinstance(found, list):
            raise AnsibleFilterError("health_area_checks: the %s area's result has no checks" % area)
        return list(found)
    return AREAS[area](result, dict(settings or {}))


class FilterModule:
    def filters(self):
        return returning_data({
            "health_metric_queries": health_metric_queries,
            "metric_queries": metric_queries,
            "identity_check": identity_check,
            "alarms_check": alarms_check,
            "invoke_check": invoke_check,
            "connections_check": connections_check,
            "host_checks": host_checks,
            "app_log_check": app_log_check,
            "health_area_checks": health_area_checks,
        })
