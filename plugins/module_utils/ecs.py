# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An ECS service as the runbooks read it (004 P3 "WebSocket Connection Issues": describe-services) and the one rule
of a service at rest - AWS's own ``services_stable`` waiter: a single deployment, and as many tasks running as
desired."""

from __future__ import annotations

from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound


def describe(ecs, cluster, service):
    """The service (DescribeServices' entry); NotFound naming it when the cluster does not hold it (or it is gone)."""
    answer = ecs.describe_services(aws_retry=True, cluster=cluster, services=[service], include=["TAGS"])
    found = [s for s in answer.get("services", []) if s.get("status") != "INACTIVE"]
    if not found:
        reason = (answer.get("failures") or [{}])[0].get("reason") or "INACTIVE"
        raise NotFound("service: %s not found in cluster %s (%s)" % (service, cluster, reason))
    return found[0]


def tag(service, key):
    """The value of the service's tag ``key`` (DescribeServices with its tags), or None."""
    return next((t.get("value") for t in service.get("tags") or [] if t.get("key") == key), None)


def primary(service):
    """The PRIMARY deployment (the one ECS rolls towards), or an empty dict."""
    return next((d for d in service.get("deployments") or [] if d.get("status") == "PRIMARY"), {})


def is_steady(service):
    """AWS's ``services_stable``: one deployment left, and running == desired."""
    return len(service.get("deployments") or []) == 1 and service.get("runningCount") == service.get("desiredCount")


def _iso(when):
    return when.isoformat() if hasattr(when, "isoformat") else when


def state(service):
    """``{desired_count, running_count, pending_count, deployment_id, deployment_created, deployments, steady}``."""
    first = primary(service)
    return {
        "desired_count": service.get("desiredCount"),
        "running_count": service.get("runningCount"),
        "pending_count": service.get("pendingCount"),
        "deployment_id": first.get("id"),
        "deployment_created": _iso(first.get("createdAt")),
        "deployments": [{"id": d.get("id"), "status": d.get("status"), "desired_count": d.get("desiredCount"),
                         "running_count": d.get("runningCount"), "failed_tasks": d.get("failedTasks", 0),
                         "rollout_state": d.get("rolloutState")} for d in service.get("deployments") or []],
        "steady": is_steady(service),
    }
