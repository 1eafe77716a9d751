# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ops.runbooks.alarm_inputs``: what an alarm's procedure is given, from the module alarm_verify's answer
(CloudWatch's alarm, the catalogue entry, the decision) and the action budget's - the one place that turns an alarm
into the inputs of incident_response, queue_ops, troubleshooting and performance (role ops.runbooks.alarm)."""

from __future__ import annotations

from ansible_collections.ops.runbooks.plugins.plugin_utils.data import as_data


# What an extra var (AWX job_args, a launch with variables) may not set otherwise than the alarm: what the procedure
# acts on and whether it acts. The title and the severity are the rulebook's job_args on AAP (its survey asks them).
CHECKED = ("incident_response_functions", "incident_response_actions", "incident_response_resolve",
           "incident_response_plan_only", "incident_response_confirm", "queue_ops_action", "queue_ops_dlq",
           "troubleshooting_function", "troubleshooting_table", "troubleshooting_ecs_cluster",
           "troubleshooting_ecs_service", "troubleshooting_fix", "performance_functions", "performance_apply")


def _hold(verified, budget):
    """Why the alarm's procedure may only plan (empty: it may act)."""
    if verified.get("decision") == "plan":
        return verified.get("reason") or "plan only"
    if isinstance(budget, dict) and not budget.get("skipped") and budget.get("granted") is False:
        return budget.get("reason") or "the automatic action limit is reached"
    return ""


def alarm_inputs(verified, budget=None, performance_window="1d", performance_period="6h"):
    """``{"procedure", "hold", "inputs", "checked"}``: the procedure (the catalogue's, for CloudWatch's alarm), why it may
    only plan (``hold``, empty when it may act), the variables it is given (name -> value) and those of them that an
    extra var may not contradict (``checked``)."""
    if not isinstance(verified, dict) or verified.get("decision") not in ("act", "plan"):
        raise ValueError("alarm_inputs expects the result of ops.runbooks.alarm_verify with decision act or plan")
    alarm, runbook, claim = verified["alarm"], verified["runbook"], verified["claim"]
    procedure, hold = runbook["procedure"], _hold(verified, budget)
    if procedure == "incident":
        ok = claim["state"] == "OK"
        inputs = {
            "incident_response_title": "Alarm %s" % alarm["name"],
            "incident_response_severity": runbook.get("severity") or "P2",
            "incident_response_functions": list(runbook.get("functions") or []),
            "incident_response_impact": alarm.get("reason") or "",
            "incident_response_actions": [] if ok else list(runbook.get("actions") or []),
            "incident_response_plan_only": bool(hold) and not ok,
            "incident_response_plan_reason": "" if ok else hold,
            # the decision to act is the environment's opt-in (ops_runbooks_alarm_actions), confirmed by CloudWatch
            "incident_response_confirm": not hold and not ok,
            "incident_response_resolve": ok,
            "incident_response_open": not ok,
            "incident_response_reopen": not ok,  # the alarm firing again reopens its resolved incident
            "incident_response_resolution": "alarm %s back to OK at %s: %s" % (
                alarm["name"], claim.get("at") or "?", alarm.get("reason") or "") if ok else "",
        }
    elif procedure == "queue_redrive":
        inputs = {"queue_ops_action": "redrive", "queue_ops_dlq": runbook.get("queue"), "queue_ops_confirm": True}
    elif procedure == "queue_check":
        inputs = {"queue_ops_action": "check"}
    elif procedure == "troubleshoot":
        inputs = {"troubleshooting_problem": runbook.get("problem") or "",
                  "troubleshooting_function": runbook.get("function") or "",
                  "troubleshooting_table": runbook.get("table") or "", "troubleshooting_fix": False}
        if runbook.get("problem") == "websocket":  # the service CloudWatch's alarm names (ClusterName, ServiceName)
            inputs.update(troubleshooting_ecs_cluster=runbook.get("ecs_cluster") or "",
                          troubleshooting_ecs_service=runbook.get("ecs_service") or "")
    elif procedure == "performance":
        inputs = {"performance_checks": ["lambda"], "performance_functions": list(runbook.get("functions") or []),
                  "performance_window": performance_window, "performance_period": performance_period,
                  "performance_apply": False}
    else:
        raise ValueError("alarm_inputs: no procedure %r" % procedure)
    return as_data({"procedure": procedure, "hold": hold, "inputs": inputs,
                    "checked": {k: v for k, v in inputs.items() if k in CHECKED}})


class FilterModule:
    def filters(self):
        return {"alarm_inputs": alarm_inputs}
