#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: log_export
short_description: Export a time window of CloudWatch log groups to S3, waited for and verified
version_added: 0.5.0
description:
  - Runbook 004 "Export Logs for Analysis" (C(aws logs create-export-task)) - each log group's events of one window
    are exported to O(destination) under C(<destination_prefix>/<log group>/), one export task after the other
    (CloudWatch Logs runs one active export task per account), each waited for and the objects under its prefix
    counted. Give each export its own O(destination_prefix) (an incident's id) - the count is the prefix's.
  - Idempotent - an export task of the same group, window, bucket and prefix that did not fail is the export (a second
    run changes nothing); a task whose answer was lost is found the same way and never started twice.
  - Check mode reports the tasks it would start. A window without events starts no task (status C(NO_EVENTS)) - the
    group's check is C(warn), never a pass that exported nothing.
notes:
  - "IAM actions (least privilege): C(logs:DescribeExportTasks), C(logs:FilterLogEvents) (whether the window holds
    an event), C(logs:CreateExportTask), C(s3:ListBucket) (the exported objects, after the task)."
  - The bucket's policy must let the CloudWatch Logs service principal (C(logs.<region>.amazonaws.com)) call
    C(s3:GetBucketAcl) and C(s3:PutObject), and the bucket must not use SSE-KMS (AWS documentation); the emulator does
    not check either. The export fails with AWS's reason when they are missing.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  log_group_names:
    description: The log groups to export.
    type: list
    elements: str
    required: true
  destination:
    description: The bucket the events are written to.
    type: str
    required: true
  destination_prefix:
    description: The key prefix, for example V(incidents/INC-20261207-01); each group goes under its own
      C(<destination_prefix>/<log group without its leading slash>).
    type: str
    required: true
  start_time:
    description: The window's start - an ISO 8601 time, or an age such as V(1h) (before now). A fixed time makes a
      second run find the first run's export.
    type: str
    required: true
  end_time:
    description: The window's end - an ISO 8601 time, or an age; now when not given.
    type: str
  wait:
    description: Wait for each export to finish (the next group's export starts only then in any case).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for each export, and for the account's export slot when another task holds it.
    type: int
    default: 900
  poll_interval:
    description: Seconds between two reads of an export's state.
    type: int
    default: 5
extends_documentation_fragment:
  - ops.runbooks.checks
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
- name: Runbook 004 "Export Logs for Analysis" - the incident's hour of the affected functions
  ops.runbooks.log_export:
    log_group_names: [/aws/lambda/agenticai-stack-ApiHandler-X1Y2]
    destination: agenticai-log-exports
    destination_prefix: incidents/INC-20261207-01
    start_time: "2026-12-07T08:00:00Z"
    end_time: "2026-12-07T09:00:00Z"
"""

RETURN = r"""
exports:
  description: One entry per log group, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    log_group: {description: The group., type: str}
    task_id: {description: The export task (null in check mode when it would be started)., type: str}
    status: {description: "The task's state (C(COMPLETED), C(RUNNING), C(FAILED), ...; C(PLANNED) in check mode;
             C(NO_EVENTS) - the window holds no event, no task was started).", type: str}
    created: {description: Whether this run started the task (false - an earlier run's task was found)., type: bool}
    prefix: {description: The group's key prefix (C(<destination_prefix>/<log group>))., type: str}
    objects: {description: "Objects under C(prefix) once the task completed (null before) - AWS writes them under
               C(<prefix>/<task id>/), the emulator under another id: the group's prefix is counted.", type: int}
    bytes: {description: Their size., type: int}
window:
  description: The exported window, C(start) and C(end) (ISO 8601).
  returned: always
  type: dict
checks:
  description: One check per group in the collection's common model (C(pass) exported, C(warn) no events in the
    window, C(fail) the task failed or did not finish in time, C(skipped) check mode).
  returned: always
  type: list
  elements: dict
"""

import re

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line
from ansible_collections.ops.runbooks.plugins.module_utils.logs import filter_events
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import isoformat
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_point_in_time
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import poll

ARGUMENT_SPEC = dict(
    log_group_names=dict(type="list", elements="str", required=True),
    destination=dict(type="str", required=True),
    destination_prefix=dict(type="str", required=True),
    start_time=dict(type="str", required=True),
    end_time=dict(type="str"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=900),
    poll_interval=dict(type="int", default=5),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)

FAILED = ("FAILED", "CANCELLED")
LOG_GROUP_NAME = re.compile(r"\A[.\-_/#A-Za-z0-9]{1,512}\Z")
ACTIVE = ("PENDING", "RUNNING", "PENDING_CANCEL")


def validate(params, now):
    """The checks the argument spec cannot make; returns the window ``(start, end)`` as aware datetimes."""
    groups = params["log_group_names"]
    if not groups or not all(groups):
        raise InvalidInput("log_group_names: give at least one log group, none empty")
    if len(set(groups)) != len(groups):
        raise InvalidInput("log_group_names: %s is given twice" % next(g for g in groups if groups.count(g) > 1))
    refused = [g for g in groups if not LOG_GROUP_NAME.match(g)]
    if refused:  # AWS's own pattern: such a name is no group, and it never reaches a call
        raise InvalidInput("log_group_names: %r is no log group name (AWS allows 1 to 512 letters, digits and . - _ / #)"
                           % refused[0])
    if not params["destination"]:
        raise InvalidInput("destination: give the bucket")
    prefix = params["destination_prefix"].strip("/")
    if not prefix:
        raise InvalidInput("destination_prefix: give a key prefix (the export of one window goes under it)")
    check_range("wait_timeout", params["wait_timeout"], 0, 86400, " seconds")
    check_range("poll_interval", params["poll_interval"], 1, 3600, " seconds")
    start = parse_point_in_time(params["start_time"], "start_time", now)
    end = parse_point_in_time(params["end_time"], "end_time", now) if params["end_time"] else now
    if start >= end:
        raise InvalidInput("start_time: %s is not before end_time %s" % (isoformat(start), isoformat(end)))
    return prefix, start, end


def _millis(when):
    return int(when.timestamp() * 1000)


def group_prefix(prefix, group):
    return "%s/%s" % (prefix, group.strip("/"))


def export_tasks(logs):
    """Every export task of the account and region (all pages)."""
    return paginate(logs, "describe_export_tasks").get("exportTasks", [])


def find_task(tasks, group, start, end, bucket, prefix):
    """The newest of ``tasks`` for this group, window, bucket and prefix that did not fail, else None."""
    found = [t for t in tasks
             if t.get("logGroupName") == group and t.get("from") == _millis(start) and t.get("to") == _millis(end)
             and t.get("destination") == bucket and t.get("destinationPrefix") == prefix
             and (t.get("status") or {}).get("code") not in FAILED]
    return sorted(found, key=lambda t: (t.get("executionInfo") or {}).get("creationTime") or 0)[-1] if found else None


def has_events(logs, group, start, end):
    """Whether the group holds an event in the window; a group that does not exist raises NotFound naming it."""
    try:
        return filter_events(logs, group, "", _millis(start), _millis(end), 0, 1, page_size=1)[1] > 0
    except NotFound as e:
        raise NotFound("log_group_names: %s" % e) from None


def task_state(logs, task_id):
    tasks = logs.describe_export_tasks(aws_retry=True, taskId=task_id).get("exportTasks", [])
    return tasks[0] if tasks else {"taskId": task_id, "status": {"code": "UNKNOWN", "message": "not found"}}


def start_task(module, logs, once, group, start, end, bucket, prefix):
    """Start the group's export, waiting for the account's one export slot when another task holds it."""
    def send():
        return once.create_export_task(logGroupName=group, fromTime=_millis(start), to=_millis(end),
                                       destination=bucket, destinationPrefix=prefix)["taskId"]

    def attempt():
        try:
            return True, send_once(send, lambda: (find_task(export_tasks(logs), group, start, end, bucket, prefix)
                                                  or {}).get("taskId"))
        except botocore.exceptions.ClientError as e:
            if e.response.get("Error", {}).get("Code") != "LimitExceededException":
                raise
            return False, one_line(e, 200)

    done, value, _calls = poll(attempt, module.params["poll_interval"], module.params["wait_timeout"])
    if not done:
        raise InvalidInput("wait_timeout: the account's export slot stayed taken by another export task for %ds "
                           "(%s)" % (module.params["wait_timeout"], value))
    return value


def wait_for(logs, task_id, interval, timeout):
    """The task's state once it is no longer pending or running, or the last one read at ``timeout``."""
    def probe():
        state = task_state(logs, task_id)
        return (state.get("status") or {}).get("code") not in ACTIVE, state

    _done, state, _calls = poll(probe, interval, timeout)
    return state


def objects_under(s3, bucket, prefix):
    contents = paginate(s3, "list_objects_v2", Bucket=bucket, Prefix=prefix + "/").get("Contents", [])
    return len(contents), sum(o.get("Size", 0) for o in contents)


def export_check(entry, window, bucket):
    group, status = entry["log_group"], entry["status"]
    if status == "NO_EVENTS":
        return checks.make_check(group, "log export", checks.WARN, "no events in %s: nothing to export, no export "
                                 "task started" % window, 0, ">= 1")
    if status == "PLANNED":
        return checks.make_check(group, "log export", checks.SKIPPED, "would export %s to s3://%s/ (check mode)" % (
            window, bucket + "/" + entry["prefix"]))
    where = "s3://%s/%s/" % (bucket, entry["prefix"])
    if status in FAILED or status == "UNKNOWN":
        return checks.make_check(group, "log export", checks.FAIL, "export task %s %s: %s" % (
            entry["task_id"], status, entry.get("message") or "no reason given"), status, "COMPLETED")
    if status != "COMPLETED":
        return checks.make_check(group, "log export", checks.FAIL if entry.get("waited") else checks.UNKNOWN,
                                 "export task %s still %s%s" % (entry["task_id"], status, " after wait_timeout"
                                                                if entry.get("waited") else " (wait: false)"),
                                 status, "COMPLETED")
    if not entry["objects"]:
        return checks.make_check(group, "log export", checks.WARN, "the export task %s completed and wrote nothing to "
                                 "%s" % (entry["task_id"], where), 0, ">= 1")
    return checks.make_check(group, "log export", checks.PASS, "%d object(s), %d bytes of %s in %s%s" % (
        entry["objects"], entry["bytes"], window, where, "" if entry["created"] else " (exported by an earlier run)"),
        entry["objects"], ">= 1")


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    logs, s3 = module.retrying_client("logs"), module.retrying_client("s3")
    once = module.single_attempt_client("logs")
    result = dict(changed=False, exports=[], checks=[], window={})
    with ending_on_error(module, result, "export log events"):
        prefix, start, end = validate(params, utcnow())
        window = "%s to %s" % (isoformat(start), isoformat(end))
        result["window"] = {"start": isoformat(start), "end": isoformat(end)}
        before, after = {}, {}
        tasks = export_tasks(logs)  # read once: the earlier runs' tasks of every group
        for group in params["log_group_names"]:
            entry = {"log_group": group, "prefix": group_prefix(prefix, group), "task_id": None, "status": None,
                     "created": False, "objects": None, "bytes": None}
            result["exports"].append(entry)
            task = find_task(tasks, group, start, end, params["destination"], entry["prefix"])
            before[group] = task["taskId"] if task else None
            if task is None and not has_events(logs, group, start, end):
                entry.update(status="NO_EVENTS", objects=0, bytes=0)  # nothing to export: no task started
                continue
            if task is None and module.check_mode:
                entry.update(status="PLANNED", created=True)
                result["changed"] = True
                after[group] = "(new export task)"
                continue
            if task is None:
                entry["task_id"] = start_task(module, logs, once, group, start, end, params["destination"],
                                              entry["prefix"])
                entry["created"] = result["changed"] = True
                task = task_state(logs, entry["task_id"])
            after[group] = entry["task_id"] = task["taskId"]
            # The next group's export can start only when this one is done: the account runs one at a time.
            if params["wait"] and (task.get("status") or {}).get("code") in ACTIVE:
                entry["waited"] = True
                task = wait_for(logs, entry["task_id"], params["poll_interval"], params["wait_timeout"])
            entry["status"] = (task.get("status") or {}).get("code")
            entry["message"] = (task.get("status") or {}).get("message")
            if entry["status"] == "COMPLETED":
                entry["objects"], entry["bytes"] = objects_under(s3, params["destination"], entry["prefix"])
        result["checks"] = [export_check(e, window, params["destination"]) for e in result["exports"]]
        if module._diff and result["changed"]:  # pylint: disable=protected-access
            result["diff"] = dict(before=before, after=after)
    failing = [c for c in result["checks"] if c["status"] == checks.FAIL]
    checks.end_module(module, result, "; ".join(c["reason"] for c in failing) or None,
                      msg="%d log group(s) of %s: %s" % (len(result["exports"]), window, ", ".join(
                          "%s %s" % (c["resource"], c["status"]) for c in result["checks"])))


if __name__ == "__main__":
    main()
