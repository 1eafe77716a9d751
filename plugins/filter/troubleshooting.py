# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters ``ops.runbooks.timeout_diagnosis`` - runbook 000 "Lambda Timeout" and 004 P2 "Lambda Function Timeout":
the function's configuration, its "Task timed out" lines read against the current timeout, its ERROR lines, the
Duration checks, and the fix (the next step of the timeout ladder above the current timeout) when something fails -
``ops.runbooks.throttling_diagnosis`` - a throttled table's billing mode, its metrics and the fix -
``ops.runbooks.api_5xx_diagnosis`` - an API stage's error rates and the rollback of its backing function - and
``ops.runbooks.access_diagnosis`` - an S3 access denied and the policy change to make - and ``ops.runbooks.fix_outcome``
- what became of the fix a diagnosis planned (not asked for, nothing to apply, held back, planned, applied, failed).

Each diagnosis is ``{findings, plan, fixable, no_fix}``: ``fixable`` when the plan holds a step the role applies (the
block that applies it runs on exactly that), ``no_fix`` the reason there is none to apply when a failure was found."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError
from ansible.plugins.filter.core import to_json

from ansible_collections.ops.runbooks.plugins.module_utils import checks

from ansible_collections.ops.runbooks.plugins.filter.performance import MAX_TIMEOUT
from ansible_collections.ops.runbooks.plugins.filter.performance import timeout_recommendation
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


def derived_step(function, timeout, memory, duration_ms, warn_pct):
    """The fix's step when the inventory gives no ladder: the performance review's rule (filter
    ``lambda_review``'s ``timeout_recommendation``: 1.5 x the p99 duration above the warning share of the timeout,
    at most 900 s) on the duration the function needs - the current timeout when invocations are cut at it, else
    the observed p99; memory kept. None when that asks for no raise."""
    if duration_ms is None:
        return None
    limits = {"duration_statistic": "p99", "duration_warn_pct": float(warn_pct), "timeout_low_pct": 0}
    advice = timeout_recommendation(function, float(duration_ms), int(timeout), limits)
    if not advice or int(advice["recommended"]) <= int(timeout):
        return None
    return {"timeout": int(advice["recommended"]), "memory_size": int(memory or 0), "derived": advice["reason"]}


def timeout_diagnosis(config, function, searches, duration_checks, window, steps, alias, p99_label=None, warn_pct=70,
                      trace_checks=None):
    """``{findings, plan, next_step}`` of a function that times out.

    ``config``: lambda_state's entry of the function; ``searches``: the two log_search results, "Task timed out"
    first, then ERROR; ``duration_checks``: metric_check's checks of its Duration (``p99_label``: the label of its
    p99 one); ``steps``: the timeout ladder (``[{timeout, memory_size}]``, ascending) - empty: the step is derived
    from the function (``derived_step``, the rule the performance review recommends with, ``warn_pct`` its warning
    share). A timeout line counts against the current configuration only when it was cut at the current timeout
    (after a raise, older lines are evidence of the past); ERROR lines are a warning, not the verdict. The plan is
    empty when nothing fails. ``trace_checks``: xray_traces' checks of its slow and failed invocations (runbook 004
    P2), taken as they are - evidence, never the verdict."""
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
    ] + list(duration_checks or []) + list(trace_checks or [])
    if steps:
        step = _next_step(steps, timeout)
        if step:  # memory is never lowered by the fix
            step = dict(step, memory_size=max(int(step["memory_size"]), int(memory or 0)))
        last = "the timeout is at the last step of troubleshooting_timeout_steps"
    else:
        p99 = next((c.get("observed") for c in duration_checks or [] if p99_label and c.get("resource") == p99_label),
                   None)
        step = derived_step(function, timeout, memory, timeout * 1000.0 if now else p99, warn_pct)
        last = "the timeout is at AWS's maximum (%d s)" % MAX_TIMEOUT if timeout >= MAX_TIMEOUT else \
            "the p99 duration asks for no longer timeout"
    plan, no_fix = [], ""
    if any(f["status"] == checks.FAIL for f in findings):
        detail = ("timeout %d -> %s s, memory %s -> %s MB, publish and move alias %s, health gate%s" % (
            timeout, step["timeout"], memory, step["memory_size"], alias,
            " (derived as the performance review recommends: %s)" % step["derived"] if step.get("derived") else "")) \
            if step else "none - %s (%d s): look for the slow dependency (X-Ray, logs) instead" % (last, timeout)
        plan = [{"action": "lambda_config", "resource": "%s:%s" % (function, alias), "detail": detail}]
        no_fix = "" if step else "no fix left: %s" % last
    return {"findings": findings, "plan": plan, "fixable": bool(plan and step), "no_fix": no_fix, "next_step": step}


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
        return {"findings": findings, "plan": [], "fixable": False, "no_fix": ""}
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
    fixable = step["action"] != "none"
    return {"findings": findings, "plan": [dict(step, resource=name)], "fixable": fixable,
            "no_fix": "" if fixable else "no fix: the table is on demand already (see the plan)"}


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
        return {"findings": findings, "plan": [], "fixable": False, "no_fix": ""}
    served = ((state.get("functions") or {}).get(function) or {}).get("alias_version") if function else None
    if served:
        step = {"action": "lambda_rollback", "resource": "%s:%s" % (function, alias),
                "detail": "roll %s:%s back from version %s to the previous one, health gate" % (function, alias, served)}
    else:
        step = {"action": "none", "resource": api,
                "detail": "none - name the backing function (troubleshooting_function) to roll it back"}
    fixable = step["action"] == "lambda_rollback"
    return {"findings": findings, "plan": [step], "fixable": fixable,
            "no_fix": "" if fixable else "no fix: no backing function with a served version to roll back"}


def access_diagnosis(access, role):
    """``{findings, plan}`` of an S3 access denied (runbook 000 "S3 Access Denied"): s3_access_check's checks, and -
    when one fails - the policy change to make on ``role`` (manual: policies are code), its verdict and the statements
    the role misses (as JSON, Ansible's ``to_json``)."""
    if not isinstance(access, dict):
        raise AnsibleFilterError("access_diagnosis: give s3_access_check's result and the role")
    findings = list(access.get("checks") or [])
    if not any(c.get("status") == checks.FAIL for c in findings):
        return {"findings": findings, "plan": [], "fixable": False, "no_fix": ""}
    missing = access.get("missing_statements")
    detail = "%s%s" % (access.get("verdict"), "; add to the role: " + to_json(missing) if missing else "")
    return {"findings": findings, "plan": [{"action": "policy change (manual)", "resource": role, "detail": detail}],
            "fixable": False, "no_fix": "no fix: the policy change is in the plan"}


def _failed(result):
    return isinstance(result, dict) and bool(result.get("failed"))


def fix_outcome(diagnosis, requested, attempts=None, confirm=None, check_mode=False):
    """``{status, error, changes}`` of the fix of a diagnosis (``{findings, plan, fixable, no_fix}``).

    ``requested``: whether the run asked for the fix; ``attempts``: the fix's steps as
    ``[{action, resource, from, to, result}]`` (``result`` the registered result of the module call that applies it);
    ``confirm``: the confirmation (role ops.runbooks.confirm's ``confirm_result``) - read only when the diagnosis is
    fixable and the fix was asked for, the case in which the role asked for it. A step that failed makes the status
    ``failed`` (``failed and reverted`` when its module reverted) with its message; a change is a step whose
    result changed (none in check mode, where the status is ``planned (check mode)``)."""
    if not isinstance(diagnosis, dict) or not isinstance(diagnosis.get("plan"), list):
        raise AnsibleFilterError("fix_outcome: give a diagnosis ({findings, plan, fixable, no_fix})")
    if attempts is not None and not isinstance(attempts, list):
        raise AnsibleFilterError("fix_outcome: attempts must be a list of {action, resource, from, to, result}")
    outcome = {"status": "", "error": "", "changes": []}
    if not requested:
        return dict(outcome, status="not requested")
    if not diagnosis.get("fixable"):
        return dict(outcome, status=diagnosis.get("no_fix") or "not needed (no failure found)")
    confirm = confirm if isinstance(confirm, dict) else {}
    if not confirm.get("allowed"):
        return dict(outcome, status="held back: %s" % (confirm.get("message") or "not confirmed"))
    failed = next((a.get("result") for a in attempts or [] if _failed(a.get("result"))), None)
    if failed is not None:
        return dict(outcome, status="failed and reverted" if failed.get("reverted") else "failed",
                    error=str(failed.get("msg") or "the fix failed"))
    if check_mode:
        return dict(outcome, status="planned (check mode)")
    changes = [{"action": a.get("action"), "resource": a.get("resource"), "from": a.get("from"), "to": a.get("to")}
               for a in attempts or [] if isinstance(a.get("result"), dict) and a["result"].get("changed")]
    return dict(outcome, status="applied", changes=changes)


class FilterModule:
    def filters(self):
        return returning_data({"access_diagnosis": access_diagnosis, "api_5xx_diagnosis": api_5xx_diagnosis,
                               "fix_outcome": fix_outcome, "timeout_diagnosis": timeout_diagnosis,
                               "throttling_diagnosis": throttling_diagnosis})
