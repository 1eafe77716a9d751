#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_service_redeploy
short_description: Restart an ECS service (a new deployment) and set its desired count, waited for a steady state
version_added: 0.5.0
description:
  - Runbook 004 P3 "WebSocket Connection Issues" - C(aws ecs update-service --force-new-deployment) and
    C(--desired-count 2), then waited for until the service is steady (AWS's C(services_stable) rule - one deployment
    left and as many tasks running as desired), bounded by O(wait_timeout).
  - When the service is not steady in time and this run changed its desired count, the count is set back to exactly
    what it was (O(revert_on_failure)) and the task fails naming both; a new deployment cannot be taken back (ECS
    rolls it on or back by its own deployment circuit breaker).
  - Idempotent - a desired count already set changes nothing. A restart tags the service with the deployment it started
    (C(ops.runbooks:restart)); while that deployment is still the PRIMARY one and younger than O(min_interval), a
    second run starts no second deployment. An answer lost after ECS started the deployment is recognized by its
    effect (a new PRIMARY deployment), never sent twice.
  - Check mode reports the plan and changes nothing; diff shows the desired count and the deployment before and after.
notes:
  - "IAM actions (least privilege): C(ecs:DescribeServices), C(ecs:UpdateService), C(ecs:TagResource) (the record of
    a restart)."
  - The emulator (moto) sets the running count to the desired count at once and keeps every deployment's rollout state
    C(IN_PROGRESS); the steady rule does not read the rollout state (neither does AWS's waiter). A service that does
    not get steady, and the revert, are proven with botocore's Stubber
    (C(tests/unit/plugins/modules/test_ecs_service_redeploy_logic.py)).
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  cluster:
    description: The cluster.
    type: str
    required: true
  service:
    description: The service.
    type: str
    required: true
  force_new_deployment:
    description: Start a new deployment of the service's task definition (new tasks replace the running ones).
    type: bool
    default: false
  desired_count:
    description: Set the desired count to this (0 to 1000).
    type: int
  min_interval:
    description: A restart of this module whose deployment is still the PRIMARY one and younger than this (a duration
      such as V(15m)) is the restart already made - no second deployment is started.
    type: str
    default: 15m
  wait:
    description: Wait until the service is steady.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the steady state.
    type: int
    default: 600
  poll_interval:
    description: Seconds between two reads of the service while waiting.
    type: int
    default: 10
  revert_on_failure:
    description: When the service is not steady within O(wait_timeout), set the desired count back to what it was.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Runbook 004 P3 - restart the WebSocket service with two tasks
  ops.runbooks.ecs_service_redeploy:
    cluster: agenticai-cluster
    service: agenticai-websocket
    force_new_deployment: true
    desired_count: 2
"""

RETURN = r"""
previous:
  description: The service before the run - C(desired_count), C(running_count), C(pending_count), C(deployment_id)
    (the PRIMARY deployment), C(deployment_created), C(deployments), C(steady).
  returned: always
  type: dict
current:
  description: The same, after the run (after the wait, and after a revert).
  returned: always
  type: dict
deployment_id:
  description: The PRIMARY deployment after the run (the new one when this run restarted the service).
  returned: always
  type: str
redeployed:
  description: Whether this run started a new deployment (false when a young one was found, or in check mode).
  returned: always
  type: bool
steady:
  description: Whether the service was steady at the end (null without O(wait)).
  returned: always
  type: bool
reverted:
  description: Whether the desired count was set back because the service did not get steady.
  returned: always
  type: bool
"""

from ansible_collections.ops.runbooks.plugins.module_utils import ecs as ecs_utils
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import age_seconds
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_duration
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import poll

ARGUMENT_SPEC = dict(
    cluster=dict(type="str", required=True),
    service=dict(type="str", required=True),
    force_new_deployment=dict(type="bool", default=False),
    desired_count=dict(type="int"),
    min_interval=dict(type="str", default="15m"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
    poll_interval=dict(type="int", default=10),
    revert_on_failure=dict(type="bool", default=True),
)


def validate(params):
    """The checks the argument spec cannot make; returns ``min_interval`` in seconds."""
    for name in ("cluster", "service"):
        if not params[name]:
            raise InvalidInput("%s: give the %s's name" % (name, name))
    if not params["force_new_deployment"] and params["desired_count"] is None:
        raise InvalidInput("force_new_deployment: give force_new_deployment: true or a desired_count (nothing to do)")
    if params["desired_count"] is not None:
        check_range("desired_count", params["desired_count"], 0, 1000)
    check_range("wait_timeout", params["wait_timeout"], 0, 86400, " seconds")
    check_range("poll_interval", params["poll_interval"], 1, 3600, " seconds")
    return parse_duration(params["min_interval"], "min_interval")


RESTART_TAG = "ops.runbooks:restart"


def restarted_already(before, min_interval):
    """Whether the PRIMARY deployment is a restart of this module (the service's tag names it) younger than
    ``min_interval`` seconds - the restart already made."""
    first = ecs_utils.primary(before)
    created = first.get("createdAt")
    return (first.get("id") is not None and ecs_utils.tag(before, RESTART_TAG) == first.get("id")
            and created is not None and age_seconds(created) < min_interval)


def record_restart(ecs, service):
    """Tag the service with its PRIMARY deployment: the record a second run reads."""
    ecs.tag_resource(aws_retry=True, resourceArn=service["serviceArn"],
                     tags=[{"key": RESTART_TAG, "value": ecs_utils.primary(service).get("id") or ""}])


def update(ecs, once, params, before, restart, count):
    """Send the update once; an answer lost after ECS acted is recognized by its effect (a new PRIMARY deployment,
    the desired count set)."""
    request = {"cluster": params["cluster"], "service": params["service"]}
    if restart:
        request["forceNewDeployment"] = True
    if count is not None:
        request["desiredCount"] = count

    def effect():
        now = ecs_utils.describe(ecs, params["cluster"], params["service"])
        moved = not restart or ecs_utils.primary(now).get("id") != ecs_utils.primary(before).get("id")
        return now if moved and (count is None or now.get("desiredCount") == count) else None

    return send_once(lambda: once.update_service(**request)["service"], effect)


def wait_steady(ecs, params):
    def probe():
        found = ecs_utils.describe(ecs, params["cluster"], params["service"])
        return ecs_utils.is_steady(found), found

    _done, found, _calls = poll(probe, params["poll_interval"], params["wait_timeout"])
    return found


def redeploy(ecs, once, params, check_mode, min_interval):
    """The run: ``(result, failure)`` - ``failure`` the message when the service did not get steady."""
    result = dict(changed=False, previous={}, current={}, deployment_id=None, redeployed=False, steady=None,
                  reverted=False)
    failure = None
    before = ecs_utils.describe(ecs, params["cluster"], params["service"])
    result["previous"] = ecs_utils.state(before)
    restart = params["force_new_deployment"] and not restarted_already(before, min_interval)
    count = params["desired_count"] if params["desired_count"] not in (None, before.get("desiredCount")) else None
    result["changed"] = bool(restart or count is not None)
    if check_mode:
        result["current"] = dict(result["previous"], desired_count=before.get("desiredCount") if count is None
                                 else count, deployment_id="(new deployment)" if restart
                                 else result["previous"]["deployment_id"])
        result["deployment_id"] = result["current"]["deployment_id"]
        return result, None
    after = before
    if result["changed"]:
        after = update(ecs, once, params, before, restart, count)
        result["redeployed"] = restart
        if restart:
            record_restart(ecs, after)
    if params["wait"]:
        after = wait_steady(ecs, params)
        result["steady"] = ecs_utils.is_steady(after)
        if not result["steady"]:
            failure = "%s is not steady after %ds (running %s of %s desired, %d deployment(s))" % (
                params["service"], params["wait_timeout"], after.get("runningCount"), after.get("desiredCount"),
                len(after.get("deployments") or []))
            if count is not None and params["revert_on_failure"]:
                after = update(ecs, once, params, after, False, before.get("desiredCount"))
                result["reverted"] = True
                failure += "; desired count set back from %d to %d" % (count, before.get("desiredCount"))
    result["current"] = ecs_utils.state(after)
    result["deployment_id"] = result["current"]["deployment_id"]
    return result, failure


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    result = dict(changed=False, previous={}, current={}, deployment_id=None, redeployed=False, steady=None,
                  reverted=False)
    failure = None
    with ending_on_error(module, result, "redeploy the service"):
        min_interval = validate(params)
        result, failure = redeploy(module.retrying_client("ecs"), module.single_attempt_client("ecs"), params,
                                   module.check_mode, min_interval)
        if module._diff and result["changed"]:  # pylint: disable=protected-access
            keys = ("desired_count", "deployment_id")
            result["diff"] = dict(before={k: result["previous"][k] for k in keys},
                                  after={k: result["current"][k] for k in keys})
    if failure:
        module.fail_json(msg=failure, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
