#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sqs_redrive
short_description: Move messages from a dead-letter queue back to its source queue, or purge a queue with confirmation
version_added: 0.1.0
description:
  - After the consumer is fixed, moves the messages of a dead-letter queue back to its source queue - by default the
    one queue that C(ListDeadLetterSourceQueues) names for it (several or none is an error; then give O(destination)).
  - >-
    Uses SQS C(StartMessageMoveTask) where the endpoint supports it (O(method=auto) falls back when the endpoint answers
    that it does not, or refuses the task because the queue is no longer any queue's dead-letter queue), otherwise
    receives from the DLQ and sends to the destination in batches of 10, deleting a message from the DLQ only after
    the destination accepted it - no message is lost; delivery is at-least-once.
  - >-
    FIFO queues always use the receive/send method, keeping each message's group (and so the order within a group)
    but giving it a deduplication id of this run's own: SQS drops a send that repeats a deduplication id within 5
    minutes of the first, so re-sending with the original id - as a move task does - silently loses every message
    redriven soon after it was sent. A message counts as moved only when the FIFO destination answered with a
    sequence number and a MessageId of its own; one it took for a duplicate stays in the DLQ and is reported in
    RV(failures). O(method=move_task) on a FIFO queue is refused.
  - >-
    A redrive ends when the DLQ is empty (nothing visible, nothing in flight) or O(max_messages) moved. Messages a
    receive hid (its answer lost on the way, or another reader) become visible again after O(visibility_timeout);
    the loop waits for them within O(wait_timeout). What is still in the DLQ then is returned as RV(remaining), and
    the task fails unless O(allow_partial=true). The receive/send method never starts while a move task runs on
    the DLQ.
  - With O(purge=true), purges the named queue instead (runbook 004 P2 "Purge queue if messages are stale"); this needs
    O(confirm=true) and is refused without it.
  - "Automates runbook 004 P2 \"High SQS Queue Depth\" (purge) and the weekly dead-letter queue redrive."
notes:
  - "IAM actions (least privilege): C(sqs:GetQueueUrl), C(sqs:GetQueueAttributes), C(sqs:ListDeadLetterSourceQueues)
    (without O(destination)); C(sqs:ReceiveMessage), C(sqs:SendMessage) and C(sqs:DeleteMessage) (receive/send
    method); C(sqs:StartMessageMoveTask) (move task); C(sqs:ListMessageMoveTasks) (both methods: a receive/send redrive
    never starts while a move task runs); C(sqs:PurgeQueue) (O(purge))."
  - Check mode reports how many messages would move (the DLQ's visible messages, capped by O(max_messages)) or be
    purged, and changes nothing.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  queue:
    description: Name or URL of the dead-letter queue to redrive from, or of the queue to purge.
    type: str
    required: true
  destination:
    description: Name or URL of the queue to move the messages to (default the DLQ's one source queue).
    type: str
  max_messages:
    description: Move at most this many messages (default all). Only the receive/send method can count; with
      O(method=move_task) it is refused.
    type: int
  rate:
    description: At most this many messages per second (1 to 500, the limit of C(StartMessageMoveTask)).
    type: float
  method:
    description: V(auto) tries C(StartMessageMoveTask) first; V(move_task) or V(receive_send) force one.
    type: str
    choices: [auto, move_task, receive_send]
    default: auto
  purge:
    description: Purge O(queue) instead of redriving it. Needs O(confirm=true).
    type: bool
    default: false
  confirm:
    description: Explicit confirmation for O(purge).
    type: bool
    default: false
  wait:
    description:
      - Wait for a move task to complete. With V(false) the module returns as soon as the task started, with
        RV(task_handle) and C(changed=true); RV(moved) is then what the task had moved by that time.
      - The receive/send method always runs to its end.
    type: bool
    default: true
  wait_timeout:
    description: Seconds a redrive may take (move task or receive/send loop), at most 43200 (12 hours).
    type: int
    default: 600
  visibility_timeout:
    description:
      - Seconds a message received for the move stays hidden from other readers (receive/send method). When an
        answer is lost, its messages reappear after this long; keep it short for small DLQs.
    type: int
    default: 60
  allow_partial:
    description: Succeed although messages remain in the DLQ at the end (RV(remaining) says how many).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Redrive the score DLQ back to its queue, 50 messages per second at most
  ops.runbooks.sqs_redrive:
    queue: ai-investment-score-dlq
    rate: 50

- name: Purge stale messages (runbook 004 P2) - refused without confirm
  ops.runbooks.sqs_redrive:
    queue: ai-investment-ingest
    purge: true
    confirm: "{{ ops_runbooks_confirm }}"
"""

RETURN = r"""
source:
  description: URL of the queue redriven (or purged).
  returned: always
  type: str
destination:
  description: URL of the queue the messages went to.
  returned: when redriving
  type: str
method:
  description: "C(move_task) or C(receive_send)."
  returned: when redriving
  type: str
moved:
  description: Messages moved (in check mode, that would move; with O(wait=false), moved by the task so far).
  returned: always
  type: int
failures:
  description:
    - Send or delete failures, and FIFO messages the destination took for duplicates (those messages stay in the
      DLQ).
    - Returned as C(failed) until 0.2.0, where Ansible's own C(failed) flag overwrote it; C(failed) is now only
      Ansible's flag.
  returned: always
  type: list
  elements: str
task_handle:
  description: The C(StartMessageMoveTask) handle (to follow or cancel the task), when a move task was started.
  returned: when a move task was started
  type: str
purged:
  description: Whether the queue was purged (in check mode, would be).
  returned: always
  type: bool
would_move:
  description: Visible messages in the DLQ before the run, capped by O(max_messages).
  returned: always
  type: int
remaining:
  description:
    - Messages still in the DLQ after the redrive (visible, in flight or delayed), counting at most up to
      O(max_messages). The task fails when it is above 0, unless O(allow_partial=true).
  returned: when messages were moved (not in check mode)
  type: int
"""

import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
from ansible_collections.ops.runbooks.plugins.module_utils.errors import Conflict
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import WaitTimeout
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import dead_letter_sources
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import is_fifo
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import is_queue_url
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import move_batch
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import queue_arn
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import queue_depth
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import queue_name_from_url
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import resolve_queue_url
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import pause
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import poll

# Error codes meaning "this endpoint has no StartMessageMoveTask": what AWS answers for an action it does not offer
# (query and JSON protocols), and the emulator's NotImplemented. A 5xx is a fault, never "unsupported": it is
# retried and then fails the task.
UNSUPPORTED_CODES = ("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", "InvalidAction",
                     "UnknownOperationException", "NotImplemented")
# What AWS (and LocalStack) answer when the queue is not, or no longer, any queue's dead-letter queue: with method
# auto the redrive then moves by receive/send to the given destination.
NOT_A_DLQ_CODES = ("InvalidParameterValue", "InvalidParameterValueException")
MOVE_TASK_POLL_SECONDS = 2
MAX_RATE = 500  # messages per second: StartMessageMoveTask's MaxNumberOfMessagesPerSecond limit
MAX_WAIT_SECONDS = 12 * 3600
MAX_VISIBILITY_SECONDS = 12 * 3600  # SQS's limit
HIDDEN_RECHECK_SECONDS = 2  # how often to look again while only hidden (in-flight) messages remain

ARGUMENT_SPEC = dict(
    queue=dict(type="str", required=True),
    destination=dict(type="str"),
    max_messages=dict(type="int"),
    rate=dict(type="float"),
    method=dict(type="str", choices=["auto", "move_task", "receive_send"], default="auto"),
    purge=dict(type="bool", default=False),
    confirm=dict(type="bool", default=False),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
    visibility_timeout=dict(type="int", default=60),
    allow_partial=dict(type="bool", default=False),
)


def validate(params):
    if params["purge"] and not params["confirm"]:
        raise InvalidInput("purge: purging %s deletes every message in it; set confirm=true to do so" % params["queue"])
    if params["purge"] and params["destination"]:
        raise InvalidInput("purge and destination are exclusive: purge deletes, redrive moves")
    if params["method"] == "move_task" and params["max_messages"] is not None:
        raise InvalidInput("max_messages: a move task cannot stop after a number of messages; use "
                           "method=receive_send (or auto) with max_messages, or move_task without it")
    for key, low, high in (("max_messages", 1, None), ("rate", 1, MAX_RATE), ("wait_timeout", 0, MAX_WAIT_SECONDS),
                           ("visibility_timeout", 1, MAX_VISIBILITY_SECONDS)):
        check_range(key, params[key], low, high)


def url_of(sqs, value, option):
    """The queue URL of ``value`` (a URL or a name); NotFound names ``option``."""
    try:
        return value if is_queue_url(value) else resolve_queue_url(sqs, value)
    except NotFound as e:
        raise NotFound("%s: %s" % (option, e)) from None


def choose_destination(sqs, dlq_url, destination):
    if destination:
        return url_of(sqs, destination, "destination")
    sources = dead_letter_sources(sqs, dlq_url)
    if len(sources) != 1:
        raise InvalidInput("destination: %s is the dead-letter queue of %s; name the queue to move to" % (
            dlq_url, "no queue" if not sources else "%d queues (%s)" % (len(sources), ", ".join(sources))))
    return sources[0]


def move_with_task(sqs, dlq_url, destination_url, rate, wait, timeout, fall_back=True, sqs_once=None):
    """StartMessageMoveTask: ``(messages moved, task handle)``, or None when the endpoint does not offer the action -
    or, with ``fall_back``, refuses it because the queue is not a dead-letter queue of any queue.

    The start is sent once (``sqs_once``, a single-attempt client): AWS refuses a second task on a queue that has one
    running, so after a lost answer the task running on the queue (there was none before, or the caller would not
    start one) is taken as this run's."""
    params = {"SourceArn": queue_arn(sqs, dlq_url), "DestinationArn": queue_arn(sqs, destination_url)}
    if rate:
        params["MaxNumberOfMessagesPerSecond"] = int(max(1, rate))
    once = sqs_once or sqs

    def started():
        task = running_move_task(sqs, params["SourceArn"])
        return {"TaskHandle": task["TaskHandle"]} if task and task.get("TaskHandle") else None

    try:
        handle = send_once(lambda: once.start_message_move_task(**params), started)["TaskHandle"]
    except is_boto3_error_code(UNSUPPORTED_CODES):
        return None
    except is_boto3_error_code(NOT_A_DLQ_CODES):
        if not fall_back:
            raise
        return None

    def task_state():
        tasks = sqs.list_message_move_tasks(aws_retry=True, SourceArn=params["SourceArn"], MaxResults=10)["Results"]
        task = next((t for t in tasks if t.get("TaskHandle") == handle), tasks[0] if tasks else {})
        if task.get("Status") in ("FAILED", "CANCELLED"):
            raise OperationFailed("move task %s: %s" % (task["Status"], task.get("FailureReason", "")))
        return task.get("Status") == "COMPLETED" or not wait, task

    done, task, _polls = poll(task_state, MOVE_TASK_POLL_SECONDS, timeout=timeout)
    if not done:
        raise WaitTimeout("wait_timeout: move task %s still %s after %ds" % (handle, task.get("Status"), timeout))
    return task.get("ApproximateNumberOfMessagesMoved", 0), handle


def running_move_task(sqs, source_arn):
    """The move task running on a queue, or None (also when the endpoint has no move tasks)."""
    try:
        tasks = sqs.list_message_move_tasks(aws_retry=True, SourceArn=source_arn, MaxResults=10)["Results"]
    except is_boto3_error_code(UNSUPPORTED_CODES):
        return None
    return next((t for t in tasks if t.get("Status") == "RUNNING"), None)


def left_in(sqs, url):
    """Messages still in a queue: visible, in flight (hidden by a receive) and delayed."""
    depth = queue_depth(sqs, url)
    return depth["visible"] + depth["in_flight"] + depth["delayed"], depth["visible"]


def move_with_receive_send(sqs, dlq_url, destination_url, limit, rate, timeout, visibility_timeout=60,
                           clock=time.monotonic, sleep=pause, run_id="0"):
    """Batches of 10: receive, send, delete what was sent, until the DLQ is empty or ``limit`` moved, within
    ``timeout``. When a receive finds nothing while messages are hidden (in flight after a lost answer), wait for
    them to reappear rather than stop. ``run_id`` makes the FIFO deduplication ids this run's own. ``(moved,
    failures)``."""
    moved, failures = 0, []
    started = clock()
    while (limit is None or moved < limit) and clock() - started < timeout:
        want = 10 if limit is None else min(10, limit - moved)
        received, ok, failed = move_batch(sqs, dlq_url, destination_url, want, visibility_timeout, run_id)
        moved += ok
        failures += failed
        if failed and not ok:
            break  # the destination refuses: stop rather than spin; the messages stay in the DLQ
        if not received:
            total, visible = left_in(sqs, dlq_url)
            if not total:
                break  # drained
            if not visible:  # only hidden ones: they come back after the visibility timeout
                sleep(min(HIDDEN_RECHECK_SECONDS, max(0.0, timeout - (clock() - started))))
            continue
        if rate:
            ahead = moved / rate - (clock() - started)
            if ahead > 0:
                sleep(ahead)
    return moved, failures


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"queue": "queue"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    sqs = module.retrying_client("sqs")
    result = dict(changed=False, moved=0, failures=[], purged=False, would_move=0)
    with ending_on_error(module, result, "redrive %s" % params["queue"]):
        validate(params)
        # 1. The queue, and how many messages it holds.
        source = url_of(sqs, params["queue"], "queue")
        result["source"] = source
        depth = queue_depth(sqs, source)
        visible = depth["visible"]
        result["would_move"] = visible if params["max_messages"] is None else min(visible, params["max_messages"])
        # 2. Purge (confirmed) ...
        if params["purge"]:
            result.update(changed=visible > 0, purged=visible > 0)
            if visible and not module.check_mode:
                sqs.purge_queue(aws_retry=True, QueueUrl=source)
            module.exit_json(msg="purged %d message(s) from %s" % (visible, source) if visible else
                             "%s is already empty" % source, **result)
        # 3. ... or redrive to the source queue.
        destination = choose_destination(sqs, source, params["destination"])
        if queue_name_from_url(destination) == queue_name_from_url(source):
            raise InvalidInput("destination: %s is the queue itself; a redrive moves messages to another queue"
                               % params["destination"])
        result["destination"] = destination
        if is_fifo(source) and params["method"] == "move_task":
            raise InvalidInput("method: %s is a FIFO queue; a move task re-sends each message with its original "
                               "deduplication id, which SQS drops as a duplicate within 5 minutes of the first send. "
                               "Use method=auto or receive_send (a deduplication id per run, arrival verified)"
                               % queue_name_from_url(source))
        if module.check_mode or not visible:
            result.update(changed=bool(result["would_move"]), moved=result["would_move"])
            module.exit_json(msg="%d message(s) would move from %s to %s" % (result["would_move"], source, destination),
                             **result)
        moved = None
        if params["method"] in ("auto", "move_task") and params["max_messages"] is None and not is_fifo(source):
            started = move_with_task(sqs, source, destination, params["rate"], params["wait"], params["wait_timeout"],
                                     fall_back=params["method"] == "auto", sqs_once=module.single_attempt_client("sqs"))
            if started is None and params["method"] == "move_task":
                raise OperationFailed("method=move_task: the endpoint does not support StartMessageMoveTask")
            if started is not None:
                moved, result["task_handle"] = started
                result["method"] = "move_task"
        if moved is None:
            result["method"] = "receive_send"
            task = running_move_task(sqs, depth["arn"])
            if task:
                raise Conflict("a move task is running on %s (%s); wait for it to finish or cancel it before a "
                               "receive/send redrive" % (source, task.get("TaskHandle", "?")))
            moved, result["failures"] = move_with_receive_send(sqs, source, destination, params["max_messages"],
                                                               params["rate"], params["wait_timeout"],
                                                               params["visibility_timeout"], run_id=uuid.uuid4().hex[:12])
        # A started move task is a change even when it had moved nothing yet (wait=false).
        result.update(moved=moved, changed=moved > 0 or "task_handle" in result)
        # What is left: everything in the DLQ, or what is missing to the cap.
        if params["wait"] or result["method"] == "receive_send":
            left = left_in(sqs, source)[0]
            cap = None if params["max_messages"] is None else max(0, params["max_messages"] - moved)
            result["remaining"] = left if cap is None else min(left, cap)
        if result["failures"]:
            raise OperationFailed("moved %d message(s); %d failed and stay in the DLQ: %s" % (
                result["moved"], len(result["failures"]), "; ".join(result["failures"][:5])))
        if result.get("remaining") and not params["allow_partial"]:
            raise OperationFailed("moved %d message(s); %d remain in %s after %ds (allow_partial=true accepts a "
                                  "partial redrive)" % (moved, result["remaining"], source, params["wait_timeout"]))
    if "task_handle" in result and not params["wait"]:
        module.exit_json(msg="started move task %s from %s to %s (%d message(s) moved so far)" % (
            result["task_handle"], result["source"], result["destination"], result["moved"]), **result)
    module.exit_json(msg="moved %d message(s) from %s to %s (%s)" % (
        result["moved"], result["source"], result["destination"], result["method"]), **result)


if __name__ == "__main__":
    main()
