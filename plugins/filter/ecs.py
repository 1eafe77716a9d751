# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters ``ops.runbooks.ecs_security_groups`` - the security groups of an ECS service - and
``ops.runbooks.websocket_diagnosis`` - runbook 004 P3 "WebSocket Connection Issues": the ECS service
(running against desired, its deployments, its recent events), the security groups that must admit the container's
ports, the task logs' checks - and the fix, a new deployment (and the desired count asked for)."""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data

TROUBLE = re.compile(r"unable|failed|unhealthy|error|stopped|insufficient", re.IGNORECASE)
RECENT_EVENTS = 5


def _service_checks(name, service):
    running, desired = service.get("runningCount"), service.get("desiredCount")
    deployments = service.get("deployments") or []
    found = []
    if running is None or desired is None:
        found.append(checks.make_check(name, "tasks running", checks.UNKNOWN, "the service reports no task counts"))
    elif running < desired:
        found.append(checks.make_check(name, "tasks running", checks.FAIL, "%d of %d desired task(s) running (%d "
                                       "pending)" % (running, desired, service.get("pendingCount") or 0),
                                       running, ">= %d" % desired))
    elif desired == 0:
        found.append(checks.make_check(name, "tasks running", checks.FAIL, "desired count 0: the service runs no "
                                       "task, no client can connect", 0, ">= 1"))
    else:
        found.append(checks.make_check(name, "tasks running", checks.PASS, "%d of %d desired task(s) running" % (
            running, desired), running, ">= %d" % desired))
    failed_tasks = sum(d.get("failedTasks") or 0 for d in deployments)
    if len(deployments) > 1 or failed_tasks:
        found.append(checks.make_check(name, "deployments", checks.WARN, "%d deployment(s) (%s)%s" % (
            len(deployments), ", ".join("%s %s" % (d.get("id"), d.get("status")) for d in deployments),
            ", %d failed task(s)" % failed_tasks if failed_tasks else ""), len(deployments), 1))
    else:
        found.append(checks.make_check(name, "deployments", checks.PASS, "one deployment (%s), no failed task" % (
            deployments[0].get("id") if deployments else "none")))
    events = [e.get("message") or "" for e in (service.get("events") or [])[:RECENT_EVENTS]]
    troubled = [m for m in events if TROUBLE.search(m)]
    if troubled:
        found.append(checks.make_check(name, "recent events", checks.WARN, "%d of the last %d event(s) report "
                                       "trouble: %s" % (len(troubled), len(events), " | ".join(troubled)),
                                       len(troubled), 0))
    else:
        found.append(checks.make_check(name, "recent events", checks.PASS, "the last %d event(s) report no trouble%s"
                                       % (len(events), ": " + events[0] if events else "")))
    return found


def _ports(task_definition):
    """``[(port, protocol)]`` of the task definition's containers - community.aws.ecs_taskdefinition_info's snake_case
    or ECS's own camelCase."""
    definition = task_definition or {}
    containers = definition.get("container_definitions") or definition.get("containerDefinitions") or []
    return sorted({(m.get("container_port") or m.get("containerPort"), (m.get("protocol") or "tcp").lower())
                   for c in containers for m in c.get("port_mappings") or c.get("portMappings") or []
                   if m.get("container_port") or m.get("containerPort")})


def _admits(group, port, protocol):
    """The ingress rules of ``group`` (amazon.aws.ec2_security_group_info's snake_case) that admit the port."""
    found = []
    for rule in group.get("ip_permissions") or []:
        proto = str(rule.get("ip_protocol"))
        if proto not in ("-1", protocol, {"tcp": "6", "udp": "17"}.get(protocol)):
            continue
        low, high = rule.get("from_port"), rule.get("to_port")
        if proto != "-1" and (low is None or high is None or not low <= port <= high):
            continue
        sources = [r.get("cidr_ip") for r in rule.get("ip_ranges") or []] + \
            [r.get("cidr_ipv6") for r in rule.get("ipv6_ranges") or []] + \
            [r.get("group_id") for r in rule.get("user_id_group_pairs") or []] + \
            [r.get("prefix_list_id") for r in rule.get("prefix_list_ids") or []]
        found.extend(s for s in sources if s)
    return found


def _is_cidr(value):
    try:
        ipaddress.ip_network(value)
        return True
    except ValueError:
        return False


def _configured_groups(service):
    return list(((service.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}).get(
        "securityGroups") or [])


def _active(service_info, service):
    return [s for s in (service_info or {}).get("services") or [] if isinstance(s, dict)
            and s.get("serviceName") == service and s.get("status") != "INACTIVE"]


def ecs_security_groups(service_info, service):
    """The security groups of the service's awsvpc network configuration (community.aws.ecs_service_info's result),
    empty when it has none or is not there."""
    if not isinstance(service_info, dict):
        raise AnsibleFilterError("ecs_security_groups: give community.aws.ecs_service_info's result and the service")
    found = _active(service_info, service)
    return _configured_groups(found[0]) if found else []


def _group_checks(name, service, task_definition, groups):
    configured = _configured_groups(service)
    ports = _ports(task_definition)
    if not configured:
        return [checks.make_check(name, "security groups", checks.UNKNOWN, "the service names no security group "
                                  "(not awsvpc): the instances' groups decide, not read here")]
    if not ports:
        return [checks.make_check(name, "security groups", checks.UNKNOWN, "the task definition maps no container "
                                  "port: nothing to compare the rules of %s with" % ", ".join(configured))]
    by_id = {g.get("group_id"): g for g in groups or []}
    missing = [g for g in configured if g not in by_id]
    if missing:
        return [checks.make_check(name, "security groups", checks.UNKNOWN, "security group(s) %s not found" %
                                  ", ".join(missing))]
    found = []
    for port, protocol in ports:
        sources = [s for g in configured for s in _admits(by_id[g], port, protocol)]
        where = "%s/%s" % (port, protocol)
        if not sources:
            found.append(checks.make_check(name, "security groups", checks.FAIL, "no ingress rule of %s admits the "
                                           "container port %s: no client can connect" % (", ".join(configured), where),
                                           0, ">= 1 rule"))
        else:
            wide = [s for s in sources if _is_cidr(s) and ipaddress.ip_network(s).prefixlen == 0]
            found.append(checks.make_check(name, "security groups", checks.PASS, "%s admitted from %s%s" % (
                where, ", ".join(sorted(set(sources))), " (open to the internet)" if wide else ""),
                len(sources), ">= 1 rule"))
    return found


def websocket_diagnosis(service_info, cluster, service, task_definition=None, security_groups=None, log_checks=None,
                        desired_count=None):
    """``{findings, plan, fixable, no_fix}`` of runbook 004 P3 "WebSocket Connection Issues".

    ``service_info``: community.aws.ecs_service_info's result (details and events); ``task_definition``:
    community.aws.ecs_taskdefinition_info's result; ``security_groups``: amazon.aws.ec2_security_group_info's
    ``security_groups``; ``log_checks``: ops.runbooks.log_search's checks of the task logs, taken as they are;
    ``desired_count``: the count the fix sets (None keeps it). The plan - when a finding fails or warns, or a desired
    count is asked for - is ops.runbooks.ecs_service_redeploy: a new deployment (runbook 004's restart), and the count.
    """
    if not isinstance(service_info, dict):
        raise AnsibleFilterError("websocket_diagnosis: give community.aws.ecs_service_info's result")
    name = "%s/%s" % (cluster, service)
    found = _active(service_info, service)
    if not found:
        finding = checks.make_check(name, "service", checks.FAIL, "no active service %s in cluster %s" % (
            service, cluster))
        return {"findings": [finding], "plan": [], "fixable": False, "no_fix": "no fix: the service does not exist"}
    described = found[0]
    definition = (task_definition or {}) if isinstance(task_definition, dict) else {}
    findings = _service_checks(name, described) + _group_checks(name, described, definition, security_groups) + \
        list(log_checks or [])
    if desired_count is not None and (not isinstance(desired_count, int) or desired_count < 0):
        raise AnsibleFilterError("websocket_diagnosis: desired_count must be a count (0 or more), not %r" % (
            desired_count,))
    troubled = [c for c in findings if c.get("status") in (checks.FAIL, checks.WARN)]
    if not troubled and desired_count is None:
        return {"findings": findings, "plan": [], "fixable": False, "no_fix": ""}
    blocking = [c for c in findings if c.get("check") == "security groups" and c.get("status") == checks.FAIL]
    if blocking:  # a restart does not open a port: the rule is the fix (manual, like a policy)
        return {"findings": findings, "plan": [{
            "action": "security group rule (manual)", "resource": name, "detail": blocking[0]["reason"]}],
            "fixable": False, "no_fix": "no fix: the security group must admit the port (in the plan)"}
    count = "" if desired_count is None else ", desired count %s -> %d" % (
        described.get("desiredCount"), desired_count)
    return {"findings": findings, "plan": [{
        "action": "ecs_service_redeploy", "resource": name,
        "detail": "new deployment of %s%s, waited for a steady state (the count set back when it is not)" % (
            name, count)}], "fixable": True, "no_fix": ""}


class FilterModule:
    def filters(self):
        return returning_data({"ecs_security_groups": ecs_security_groups, "websocket_diagnosis": websocket_diagnosis})
