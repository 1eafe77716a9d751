# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health gate after a change to a Lambda alias: invoke, Errors metric, alarms, HTTP URL, polled.

``HEALTH_CHECK_SPEC`` is the argument spec of the ``health_check`` option; ``run_health_gate`` polls every
configured check up to ``retries`` more times, ``delay`` seconds apart, until all pass (no fixed sleeps).
"""

from __future__ import annotations

import datetime

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import invoke
from ansible_collections.ops.runbooks.plugins.module_utils.cloudwatch import alarm_states
from ansible_collections.ops.runbooks.plugins.module_utils.cloudwatch import metric_sum
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.http_probe import check_url
from ansible_collections.ops.runbooks.plugins.module_utils.http_probe import is_http_url
from ansible_collections.ops.runbooks.plugins.module_utils.http_probe import redact_url
from ansible_collections.ops.runbooks.plugins.module_utils.http_probe import url_secrets
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import isoformat
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import poll

HEALTH_CHECK_SPEC = dict(
    invoke=dict(type="dict", options=dict(
        payload=dict(type="raw", default={}),
        expected_status=dict(type="list", elements="int", default=[200]),
    )),
    metric_errors=dict(type="dict", options=dict(
        max=dict(type="int", default=0),
        window=dict(type="str", default="5m"),
    )),
    alarms=dict(type="list", elements="str", default=[]),
    url=dict(type="str"),
    url_timeout=dict(type="int", default=10),
    retries=dict(type="int", default=3),
    delay=dict(type="int", default=10),
)


def validate_health_spec(spec, module=None, wait_timeout=None):
    """Raise InvalidInput (naming the sub-option) for values the argument spec cannot check; credentials in
    ``url`` are registered with the module so that Ansible masks them in every output. With ``wait_timeout``, the
    gate's pauses must fit in it, so that a gate always reaches a verdict within a known time."""
    if wait_timeout is not None and wait_timeout < 0:
        raise InvalidInput("wait_timeout: %d is negative" % wait_timeout)
    if spec is None:
        return
    if module is not None and spec["url"]:
        module.no_log_values.update(url_secrets(spec["url"]))
    for key in ("retries", "delay", "url_timeout"):
        if spec[key] < 0:
            raise InvalidInput("health_check.%s: %d is negative" % (key, spec[key]))
    if spec["metric_errors"]:
        parse_duration(spec["metric_errors"]["window"], "health_check.metric_errors.window")
        if spec["metric_errors"]["max"] < 0:
            raise InvalidInput("health_check.metric_errors.max: %d is negative" % spec["metric_errors"]["max"])
    if spec["url"] and not is_http_url(spec["url"]):
        raise InvalidInput("health_check.url: %r is not an http(s) URL" % redact_url(spec["url"]))
    if not (spec["invoke"] or spec["metric_errors"] or spec["alarms"] or spec["url"]):
        raise InvalidInput("health_check: configure at least one of invoke, metric_errors, alarms, url")
    if wait_timeout is not None and spec["retries"] * spec["delay"] > wait_timeout:
        raise InvalidInput("health_check: retries %d x delay %ds = %ds of pauses do not fit in wait_timeout %ds; the "
                           "gate must reach a verdict within wait_timeout" % (
                               spec["retries"], spec["delay"], spec["retries"] * spec["delay"], wait_timeout))


def check_invoke(lam, function_name, alias, options):
    result = invoke(lam, function_name, alias, options["payload"])
    expected = options["expected_status"]
    payload_status = result["payload"].get("statusCode") if isinstance(result["payload"], dict) else None
    if result["function_error"]:
        status, reason = checks.FAIL, "function error %s: %s" % (result["function_error"], _short(result["payload"]))
    elif result["status_code"] not in expected:
        status, reason = checks.FAIL, "invoke status %s not in %s" % (result["status_code"], expected)
    elif payload_status is not None and payload_status not in expected:
        status, reason = checks.FAIL, "payload statusCode %s not in %s" % (payload_status, expected)
    else:
        status, reason = checks.PASS, "invoke status %s" % result["status_code"]
    return dict(result, status=status, reason=reason)


def check_metric_errors(cloudwatch, function_name, alias, options, since):
    """Errors of the alias from ``since`` (the change) to now, at most ``window`` back."""
    now = utcnow()
    start = max(since, now - datetime.timedelta(seconds=parse_duration(options["window"])))
    # Right after the change the window is empty; CloudWatch needs EndTime > StartTime, so it spans one period.
    end = max(now, start + datetime.timedelta(seconds=60))
    errors = metric_sum(cloudwatch, "AWS/Lambda", "Errors",
                        {"FunctionName": function_name, "Resource": "%s:%s" % (function_name, alias)}, start, end)
    observed = errors or 0
    status = checks.FAIL if observed > options["max"] else checks.PASS
    reason = "Errors %s %s %s since %s%s" % (
        checks.format_number(observed), ">" if status == checks.FAIL else "<=", options["max"], isoformat(start),
        "" if errors is not None else " (no datapoints)")
    return {"status": status, "reason": reason, "errors": observed, "start": isoformat(start), "end": isoformat(end)}


def check_alarms(cloudwatch, names):
    states = alarm_states(cloudwatch, names)
    missing = [n for n in names if n not in states]
    firing = [n for n in names if states.get(n) == "ALARM"]
    if firing:
        status, reason = checks.FAIL, "in ALARM: %s" % ", ".join(firing)
    elif missing:
        status, reason = checks.FAIL, "unknown alarm(s): %s" % ", ".join(missing)
    else:
        status, reason = checks.PASS, "no alarm in ALARM"
    return {"status": status, "reason": reason, "states": states}


def run_health_gate(lam, cloudwatch, function_name, alias, spec, since):
    """Run the configured checks up to ``retries`` more times, ``delay`` apart, until all pass:
    ``(passed, {check: result}, attempts)``."""
    planned = []
    if spec["invoke"]:
        planned.append(("invoke", lambda: check_invoke(lam, function_name, alias, spec["invoke"])))
    if spec["metric_errors"]:
        planned.append(("metric_errors", lambda: check_metric_errors(
            cloudwatch, function_name, alias, spec["metric_errors"], since)))
    if spec["alarms"]:
        planned.append(("alarms", lambda: check_alarms(cloudwatch, spec["alarms"])))
    if spec["url"]:
        planned.append(("url", lambda: check_url(spec["url"], spec["url_timeout"])))

    def one_round():
        results = dict((name, _guarded(check)) for name, check in planned)
        return all(r["status"] == checks.PASS for r in results.values()), results

    return poll(one_round, spec["delay"], attempts=spec["retries"] + 1)


def _guarded(check):
    """Run one check; an AWS error (throttling after retries, access denied, ...) is a failed check, so that the
    caller can still revert the change instead of leaving it half done."""
    try:
        return check()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        return {"status": checks.FAIL, "reason": "error: %s" % e}


def _short(payload, limit=200):
    text = str(payload)
    return text if len(text) <= limit else text[:limit] + "..."
