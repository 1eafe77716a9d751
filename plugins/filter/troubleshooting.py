# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters ``ops.runbooks.timeout_diagnosis`` - runbook 000 "Lambda Timeout" and 004 P2 "Lambda Function Timeout":
the function's configuration, its "Task timed out" lines read against the current timeout, its ERROR lines, the
Duration checks, and the fix (the next step of the timeout ladder above the current timeout) when something fails -
``ops.runbooks.throttling_diagnosis`` - a throttled table's billing mode, its metrics and the fix -
``ops.runbooks.api_5xx_diagnosis`` - an API stage's error rates and the rollback of its backing function - and
``ops.runbooks.access_diagnosis`` - an S3 access denied and the policy change to make."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError
from ansible.plugins.filter.core import to_json

from ansible_collections.ops.runbooks.plugins.module_utils import checks

from ansible_collections.ops.runbooks.plugins.filter.result_to_check import log_to_check
from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data

CUT_AT = re.compile(r"after ([0-9.]+) seconds")


def cut_at(messages):
    """The whole seconds each "Task timed out after 30.02 seconds" line was cut at (other lines left out)."""
    found = []
    for message in messages:
        match = CUT_AT.search(str(message))
        if match:
            try:
                found.append(int(round(float(match.group(1)))))
            except ValueError:
                continue
    return found


def _next_step(steps, timeout):
    return next((s for s in steps or [] if int(s["timeout"]) > int(timeout)), None)


def timeout_diagnosis(config, function, searches, duration_checks, window, steps, alias):
    """``{findings, plan, next_step}`` of a function that times out.

    ``config``: lambda_state's entry of the function; ``searches``: the two log_search results, "Task timed out"
    first, then ERROR; ``duration_checks``: metric_check's checks of its Duration; ``steps``: the timeout ladder
    (``[{timeout, memory_size}]``, ascending). A timeout line counts against the current configuration only when it
    was cut at the current timeout (after a raise, older lines are evidence of the past); ERROR lines are a warning,
    not the verdict. The plan is empty when nothing fails."""
    if not isinstance(config, dict) or not config.get("exists") or not isinstance(searches, list) \
            or len(searches) != 2:
        raise AnsibleFilterError("timeout_diagnosis: give lambda_state's entry of an existing function and the two "
                                 "log searches (timeouts, errors)")
    timeout, memory = int(config["timeout"]), config.get("memory_size")
    timeouts, errors = searches
    messages = [m.get("message", "") for m in timeouts.get("matches") or []]
    cut = cut_at(messages)
    now = len([c for c in cut if c >= timeout])
    if now:
        reason = "%d timeout(s) at the current %d s in the last %s: %s" % (now, timeout, window, messages[0])
    else:
        older = " (%d at an older timeout: %s s)" % (len(cut), ", ".join(str(c) for c in dict.fromkeys(cut))) \
            if cut else ""
        reason = "none at the current %d s%s in the last %s" % (timeout, older, window)
    errors_status = errors.get("status") or checks.PASS
    findings = [
        checks.make_check(function, "configuration", checks.PASS, "timeout %d s, memory %s MB" % (timeout, memory),
                          {"timeout": timeout, "memory_size": memory}),
        checks.make_check(function, 'log "Task timed out"', checks.FAIL if now else checks.PASS, reason,
                          {"at_current_timeout": now, "at_older_timeouts": len(cut) - now}, 0),
        dict(log_to_check(errors, function), status=checks.WARN if errors_status == checks.FAIL else errors_status),
    ] + list(duration_checks or [])
    step = _next_step(steps, timeout)
    plan = []
    if any(f["status"] == checks.FAIL for f in findings):
        detail = ("timeout %d -> %s s, memory %s -> %s MB, publish and move alias %s, health gate" % (
            timeout, step["timeout"], memory, max(int(step["memory_size"]), int(memory or 0)), alias)) if step else \
            "none - the timeout is at the last step (%d s): look for the slow dependency (X-Ray, logs) instead" % timeout
        plan = [{"action": "lambda_config", "resource": "%s:%s" % (function, alias), "detail": detail}]
    return {"findings": findings, "plan": plan, "next_step": step}


def throttling_diagnosis(table, name, metric_checks, fix, autoscaling):
    """``{findings, plan}`` of a throttled table (runbook 000 "DynamoDB Throttling", 004 P1): its billing mode, the
    throttling metrics, and - when they warn or fail - on-demand (``fix`` ``on_demand``) or auto scaling for a
    provisioned table, nothing to switch for one on demand already. ``table``: community.aws.dynamodb_table_info's
    ``table``; ``name`` the table's name."""
    if not isinstance(table, dict) or not isinstance(metric_checks, list):
        raise AnsibleFilterError("throttling_diagnosis: give dynamodb_table_info's table and metric_check's checks")
    mode = table.get("billing_mode") or "PROVISIONED"
    throughput = table.get("provisioned_throughput") or {}
    capacity = " (%s RCU / %s WCU)" % (throughput.get("read_capacity_units", "?"),
                                       throughput.get("write_capacity_units", "?")) if mode == "PROVISIONED" else ""
    findings = [checks.make_check(name, "billing mode", checks.PASS, mode + capacity, mode)] + metric_checks
    if not any(c.get("status") in (checks.FAIL, checks.WARN) for c in metric_checks):
        return {"findings": findings, "plan": []}
    if mode == "PROVISIONED" and fix == "on_demand":
        step = {"action": "billing mode", "detail": "switch %s from PROVISIONED to PAY_PER_REQUEST (runbook 004 P1)"
                % name}
    elif mode == "PROVISIONED":
        detail = "register read and write capacity of %s for auto scaling, %s-%s units, target %s %% (runbook 000)" \
            % (name, autoscaling["min"], autoscaling["max"], autoscaling["target_utilization"])
        step = {"action": "auto scaling", "detail": detail}
    else:
        step = {"action": "none", "detail": "none - on-demand already: look for a hot partition key or a burst above "
                "the account limit"}
    return {"findings": findings, "plan": [dict(step, resource=name)]}


def api_5xx_diagnosis(metric_checks, api, function, alias, function_state=None):
    """``{findings, plan}`` of an API stage's 5xx errors (runbook 000 "API Gateway 5xx Errors", 002 "API Gateway
    Issues"). ``metric_checks``: metric_check's checks of the stage (and of the backing function's errors);
    ``api``: the API's name; ``function``: the backing function ('' when none is named), ``alias`` the alias its
    rollback moves, ``function_state`` lambda_state's result for it (read with the alias). The findings are the
    metric checks, then lambda_state's checks of the function; the plan is empty when no metric check fails, else the
    rollback of the function's alias from the version it serves - or nothing to roll back without a function."""
    if not isinstance(metric_checks, list):
        raise AnsibleFilterError("api_5xx_diagnosis: give metric_check's checks, the API, the function and its alias")
    state = function_state if function and isinstance(function_state, dict) else {}
    findings = list(metric_checks) + (list(state.get("checks") or []) if function else [])
    if not any(c.get("status") == checks.FAIL for c in metric_checks):
        return {"findings": findings, "plan": []}
    served = ((state.get("functions") or {}).get(function) or {}).get("alias_version") if function else None
    if served:
        step = {"action": "lambda_rollback", "resource": "%s:%s" % (function, alias),
                "detail": "roll %s:%s back from version %s to the previous one, health gate" % (function, alias, served)}
    else:
        step = {"action": "none", "resource": api,
                "detail": "none - name the backing function (troubleshooting_function) to roll it back"}
    return {"findings": findings, "plan": [step]}


def access_diagnosis(access, role):
    """``{findings, plan}`` of an S3 access denied (runbook 000 "S3 Access Denied"): s3_access_check's checks, and -
    when one fails - the policy change to make on ``role`` (manual: policies are code), its verdict and the statements
    the role misses (as JSON, Ansible's ``to_json``)."""
    if not isinstance(access, dict):
        raise AnsibleFilterError("access_diagnosis: give s3_access_check's result and the role")
    findings = list(access.get("checks") or [])
    if not any(c.get("status") == checks.FAIL for c in findings):
        return {"findings": findings, "plan": []}
    missing = access.get("missing_statements")
    detail = "%s%s" % (access.get("verdict"), "; add to the role: " + to_json(missing) if missing else "")
    return {"findings": findings, "plan": [{"action": "policy change (manual)", "resource": role, "detail": detail}]}


class FilterModule:
    def filters(self):
        return returning_data({"access_diagnosis": access_diagnosis, "api_5xx_diagnosis": api_5xx_diagnosis,
                               "timeout_diagnosis": timeout_diagnosis, "throttling_diagnosis": throttling_diagnosis})
