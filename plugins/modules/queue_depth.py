#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: queue_depth
short_description: SQS queue and dead-letter queue depth, oldest message age, thresholds, wait to drain
version_added: 0.1.0
description:
  - Reads the depth of SQS queues (visible, in flight, delayed messages) named in O(queues) or matched by
    O(queue_name_prefix), finds each queue's dead-letter queue from its redrive policy and reports it with it,
    and reads the age of the oldest message from the CloudWatch metric C(ApproximateAgeOfOldestMessage).
  - Judges every queue against thresholds (global, overridable per queue) with C(pass), C(warn), C(fail) or
    C(unknown) and a reason each, and fails the task when a queue fails (see O(fail_on)).
  - Can wait until every selected queue has drained below a level (maintenance before a deployment).
  - Automates runbook 004 "Check Queue Depths", weekly "Check Dead Letter Queues" and P2 "High SQS Queue Depth".
    Queues are read concurrently; results come in a stable order (O(queues) as given, then prefix matches by name).
  - Read-only. It never creates a queue (unlike M(community.aws.sqs_queue), which is not a probe).
notes:
  - "IAM actions (least privilege): C(sqs:ListQueues), C(sqs:GetQueueUrl), C(sqs:GetQueueAttributes),
    C(cloudwatch:GetMetricData). C(sqs:ListQueues) is used only with O(queue_name_prefix), C(sqs:GetQueueUrl) only
    for queues given by name and for dead-letter queues outside the selection."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  queues:
    description:
      - Queue names or queue URLs. A queue that does not exist is reported as C(fail) with reason C(not found);
        the others are still read.
      - At least one of O(queues) and O(queue_name_prefix) is required.
    type: list
    elements: str
    default: []
  queue_name_prefix:
    description:
      - Every queue whose name starts with this prefix (all pages of C(ListQueues)). A prefix that matches no queue
        fails the task, since an empty fleet is a misconfiguration.
      - An empty prefix is no prefix - it never selects every queue of the account (other systems' queues too);
        without O(queues) it fails the task.
    type: str
  include_dead_letter_queues:
    description:
      - Find each queue's dead-letter queue from its C(RedrivePolicy) and report it under the queue's C(dlq) key.
      - A selected queue that is the dead-letter queue of another selected queue is reported only there.
    type: bool
    default: true
  max_visible:
    description: A queue with more visible messages than this fails.
    type: int
  warn_visible:
    description: A queue with more visible messages than this warns.
    type: int
  max_in_flight:
    description: A queue with more in-flight (received, not deleted) messages than this fails.
    type: int
  max_dlq_visible:
    description: A dead-letter queue with more visible messages than this fails (and so does its queue).
    type: int
    default: 0
  warn_dlq_visible:
    description:
      - A dead-letter queue with more visible messages than this warns (and so does its queue), up to
        O(max_dlq_visible) - runbook 004 grades DLQ messages as warn above 0, fail above 10.
    type: int
    version_added: 0.2.0
  max_age:
    description:
      - A queue whose oldest message is older than this fails, for example V(15m). Read from CloudWatch
        (C(ApproximateAgeOfOldestMessage), newest datapoint of the last 15 minutes); no datapoint means C(unknown).
    type: str
  thresholds:
    description:
      - Per-queue overrides, keyed by queue name, of V(max_visible), V(warn_visible), V(max_in_flight),
        V(max_dlq_visible), V(warn_dlq_visible) and V(max_age).
    type: dict
    default: {}
  wait_until_below:
    description:
      - Poll until every selected queue's visible + in-flight count is below this value, or fail at O(wait_timeout)
        with the last depths. Dead-letter queues are not waited for.
    type: int
  wait_timeout:
    description: Seconds to wait for O(wait_until_below).
    type: int
    default: 300
  poll_interval:
    description: Seconds between two readings while waiting for O(wait_until_below).
    type: int
    default: 10
  page_size:
    description: Queue URLs per C(ListQueues) page with O(queue_name_prefix) (1 to 1000).
    type: int
    default: 1000
  concurrency:
    description: How many queues are read at the same time.
    type: int
    default: 16
extends_documentation_fragment:
  - ops.runbooks.checks
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Read-only; check mode runs the same reads.
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Morning check of every queue of the environment (runbook 004 "Check Queue Depths")
  ops.runbooks.queue_depth:
    queue_name_prefix: agenticai-
    warn_visible: 100
    max_visible: 1000
    max_age: 15m
  register: depth

- name: One queue with its own limits, report only
  ops.runbooks.queue_depth:
    queues:
      - ai-investment-ingest
      - https://sqs.eu-central-1.amazonaws.com/123456789012/ai-investment-score
    max_visible: 500
    thresholds:
      ai-investment-ingest:
        max_visible: 5000
        max_dlq_visible: 10
    fail_on: never

- name: Drain before maintenance (wait until fewer than 10 messages remain)
  ops.runbooks.queue_depth:
    queues: [ai-investment-ingest]
    wait_until_below: 10
    wait_timeout: 900
    poll_interval: 15
"""

RETURN = r"""
queues:
  description: One entry per selected queue, in a stable order.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: Queue name., type: str, sample: ai-investment-ingest}
    url: {description: Queue URL (null when not found)., type: str}
    arn: {description: Queue ARN (null when not found)., type: str}
    visible: {description: ApproximateNumberOfMessages., type: int, sample: 3}
    in_flight: {description: ApproximateNumberOfMessagesNotVisible., type: int, sample: 0}
    delayed: {description: ApproximateNumberOfMessagesDelayed., type: int, sample: 0}
    oldest_age_seconds: {description: Age of the oldest message from CloudWatch; null when no data., type: float}
    status: {description: "C(pass), C(warn), C(fail) or C(unknown), including the DLQ's status.", type: str}
    reasons: {description: "Why: one line per threshold judged.", type: list, elements: str}
    dlq:
      description: The dead-letter queue from the redrive policy (null when there is none).
      type: dict
      contains:
        name: {description: DLQ name., type: str}
        url: {description: DLQ URL., type: str}
        visible: {description: Visible messages in the DLQ., type: int}
        status: {description: Status of the DLQ., type: str}
        reasons: {description: Why., type: list, elements: str}
summary:
  description: Counts of queues by status.
  returned: always
  type: dict
  sample: {pass: 2, warn: 0, fail: 1, unknown: 0}
checks:
  description:
    - The same results in the collection's common check model, one per queue, for reports that combine checks
      of several modules.
  returned: always
  type: list
  elements: dict
  sample:
    - resource: ai-investment-score
      check: queue depth
      status: fail
      observed: {visible: 0, in_flight: 0, delayed: 0, oldest_age_seconds: null, dlq_visible: 1}
      expected: {max_dlq_visible: 0}
      reason: "visible 0; in flight 0; dlq ai-investment-score-dlq: visible 1 > 0"
failed_queues:
  description: Names of the queues whose status is C(fail).
  returned: always
  type: list
  elements: str
  sample: [ai-investment-score]
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import WaitTimeout
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import is_queue_url
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import list_queue_urls
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import oldest_message_ages
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import queue_depth
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import queue_name_from_url
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import resolve_queue_url
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import split_queue_arn
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import poll

COUNT_LIMITS = ("max_visible", "warn_visible", "max_in_flight", "max_dlq_visible", "warn_dlq_visible")
LIMITS = COUNT_LIMITS + ("max_age",)

ARGUMENT_SPEC = dict(
    queues=dict(type="list", elements="str", default=[]),
    queue_name_prefix=dict(type="str"),
    include_dead_letter_queues=dict(type="bool", default=True),
    max_visible=dict(type="int"),
    warn_visible=dict(type="int"),
    max_in_flight=dict(type="int"),
    max_dlq_visible=dict(type="int", default=0),
    warn_dlq_visible=dict(type="int"),
    max_age=dict(type="str"),
    thresholds=dict(type="dict", default={}),
    wait_until_below=dict(type="int"),
    wait_timeout=dict(type="int", default=300),
    poll_interval=dict(type="int", default=10),
    page_size=dict(type="int", default=1000),
    concurrency=dict(type="int", default=16),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)


def validate(params):
    """Ranges, and the global and per-queue limits checked and normalised: ``(global, {queue: merged})``."""
    if params["queue_name_prefix"] == "":
        if not params["queues"]:
            raise InvalidInput("queue_name_prefix: an empty prefix would select every queue of the account (other "
                               "systems' too); name the queues (queues) or give a prefix")
        params["queue_name_prefix"] = None
    if not params["queues"] and params["queue_name_prefix"] is None:
        raise InvalidInput("one of queues or queue_name_prefix is required")
    for key, low, high in (("wait_until_below", 1, None), ("wait_timeout", 0, None), ("poll_interval", 0, None),
                           ("concurrency", 1, 256), ("page_size", 1, 1000)):
        check_range(key, params[key], low, high)
    base = _limits(dict((k, params[k]) for k in LIMITS), "")
    per_queue = {}
    for queue, limits in (params["thresholds"] or {}).items():
        if not isinstance(limits, dict):
            raise InvalidInput("thresholds.%s: must be a dict of limits, got %r" % (queue, limits))
        per_queue[queue] = dict(base, **_limits(limits, "thresholds.%s." % queue))
    return base, per_queue


def _limits(limits, where):
    clean = {}
    for key, value in limits.items():
        if value is None:
            continue
        name = "%s%s" % (where, key)
        if key not in LIMITS:
            raise InvalidInput("%s: unknown threshold (use one of %s)" % (name, ", ".join(LIMITS)))
        if key == "max_age":
            clean[key] = parse_duration(value, name)
            continue
        if isinstance(value, bool):
            raise InvalidInput("%s: %r is not a number" % (name, value))
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidInput("%s: %r is not a whole number" % (name, value)) from None
        if number < 0:
            raise InvalidInput("%s: %d is negative; a threshold must be zero or more" % (name, number))
        clean[key] = number
    return clean


def select_queues(params, sqs):
    """``[(name, url or None)]``: the named queues, then the prefix matches, without duplicates."""
    selected, seen = [], set()
    for item in params["queues"]:
        if is_queue_url(item):
            entry = (queue_name_from_url(item), item)
        else:
            try:
                entry = (item, resolve_queue_url(sqs, item))
            except NotFound:
                entry = (item, None)
        if entry[0] not in seen:
            seen.add(entry[0])
            selected.append(entry)
    prefix = params["queue_name_prefix"]
    if prefix is not None:
        urls = list_queue_urls(sqs, prefix, params["page_size"])
        if not urls:
            raise NotFound("queue_name_prefix: no queue name starts with %r" % prefix, queues=[])
        for url in urls:
            name = queue_name_from_url(url)
            if name not in seen:
                seen.add(name)
                selected.append((name, url))
    return selected


def read_depths(params, sqs, selected):
    """Depth of every selected queue and of their DLQs, concurrently: ``(depths by name, dlq names by name)``."""
    with ThreadPoolExecutor(max_workers=max(1, params["concurrency"])) as pool:
        depths = dict(zip([entry[0] for entry in selected], pool.map(lambda e: _read_one(sqs, e[1]), selected)))
        dlqs = {}
        if params["include_dead_letter_queues"]:
            missing = {}
            for name, depth in depths.items():
                if depth and depth["dlq_arn"]:
                    owner, dlq_name = split_queue_arn(depth["dlq_arn"])
                    dlqs[name] = dlq_name
                    if dlq_name not in depths:
                        missing[dlq_name] = owner
            extra = list(pool.map(lambda item: _read_one(sqs, None, *item), missing.items()))
            depths.update(zip(missing, extra))
    return depths, dlqs


def _read_one(sqs, url, name=None, owner=None):
    try:
        if url is None:
            if name is None:
                return None
            url = resolve_queue_url(sqs, name, owner)
        return queue_depth(sqs, url)
    except NotFound:
        return None


def queue_status(depth, limits, age):
    """Status and reasons of one queue from its own counts and limits."""
    if depth is None:
        return checks.FAIL, ["not found"]
    results = [
        checks.threshold(depth["visible"], "visible", limits.get("max_visible"), limits.get("warn_visible")),
        checks.threshold(depth["in_flight"], "in flight", limits.get("max_in_flight")),
    ]
    if "max_age" in limits:
        results.append(checks.threshold(age, "oldest message age (s)", limits["max_age"]))
    return checks.worst(r[0] for r in results), [r[1] for r in results]


def queue_entry(name, depths, dlqs, limits, ages):
    """The result entry of one queue, its DLQ included."""
    depth = depths.get(name)
    status, reasons = queue_status(depth, limits, ages.get(name))
    entry = {
        "name": name,
        "url": depth["url"] if depth else None,
        "arn": depth["arn"] if depth else None,
        "visible": depth["visible"] if depth else None,
        "in_flight": depth["in_flight"] if depth else None,
        "delayed": depth["delayed"] if depth else None,
        "oldest_age_seconds": ages.get(name),
        "status": status,
        "reasons": reasons,
        "dlq": None,
    }
    if name in dlqs:
        dlq_depth = depths.get(dlqs[name])
        if dlq_depth is None:
            dlq_status, dlq_reasons = checks.FAIL, ["dead-letter queue %s not found" % dlqs[name]]
        else:
            dlq_status, reason = checks.threshold(dlq_depth["visible"], "visible", limits.get("max_dlq_visible"),
                                                  limits.get("warn_dlq_visible"))
            dlq_reasons = [reason]
        entry["dlq"] = {
            "name": dlqs[name],
            "url": dlq_depth["url"] if dlq_depth else None,
            "visible": dlq_depth["visible"] if dlq_depth else None,
            "status": dlq_status,
            "reasons": dlq_reasons,
        }
        entry["status"] = checks.worst([status, dlq_status])
        if dlq_status != checks.PASS:
            entry["reasons"].append("dlq %s: %s" % (dlqs[name], "; ".join(dlq_reasons)))
    return entry


def read_queues(params, sqs, cloudwatch, selected, base, per_queue):
    """One full reading: every selected queue judged, DLQs folded under their source queue."""
    depths, dlqs = read_depths(params, sqs, selected)
    folded = set(dlqs.values())
    names = [entry[0] for entry in selected if entry[0] not in folded]
    ages = oldest_message_ages(cloudwatch, [n for n in names if depths.get(n)], utcnow())
    return [queue_entry(n, depths, dlqs, per_queue.get(n, base), ages) for n in names]


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"queues[]": "queue"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    sqs = module.retrying_client("sqs")
    cloudwatch = module.retrying_client("cloudwatch")
    result = dict(changed=False)
    with ending_on_error(module, result, "read queue depths"):
        base, per_queue = validate(params)
        # 1. Which queues: the named ones, then everything the prefix matches.
        selected = select_queues(params, sqs)
        # 2. Read depths (and DLQs, and the oldest message age) and judge them against the thresholds;
        # 3. with wait_until_below, read again every poll_interval until the queues have drained below the level.
        level = params["wait_until_below"]

        def reading():
            queues = read_queues(params, sqs, cloudwatch, selected, base, per_queue)
            return level is None or all(_total(q) < level for q in queues), queues

        drained, queues, _readings = poll(reading, params["poll_interval"], timeout=params["wait_timeout"])
        if not drained:
            result.update(queues=queues, summary=_summary(queues), failed_queues=_failed(queues))
            raise WaitTimeout("wait_until_below: queues still hold %d or more visible + in-flight messages after %ds: %s"
                              % (level, params["wait_timeout"], ", ".join(
                                  "%s=%s" % (q["name"], _total(q)) for q in queues if not _total(q) < level)))
    # 4. Report, and fail when a queue failed.
    result.update(queues=queues, summary=_summary(queues), failed_queues=_failed(queues),
                  checks=[as_check(q, per_queue.get(q["name"], base)) for q in queues])
    checks.end_module(module, result, result["failed_queues"] and "%d queue(s) failed: %s" % (
        len(result["failed_queues"]), ", ".join(
            "%s (%s)" % (q["name"], "; ".join(q["reasons"])) for q in queues if q["status"] == checks.FAIL)))


def as_check(queue, limits):
    """A queue result in the common check model of module_utils/checks.py."""
    observed = dict((k, queue[k]) for k in ("visible", "in_flight", "delayed", "oldest_age_seconds"))
    if queue["dlq"]:
        observed["dlq_visible"] = queue["dlq"]["visible"]
    return checks.make_check(queue["name"], "queue depth", queue["status"], "; ".join(queue["reasons"]),
                             observed=observed, expected=limits)


def _total(queue):
    if queue["visible"] is None:
        return float("inf")
    return queue["visible"] + queue["in_flight"]


def _summary(queues):
    return checks.summarize(queues, keys=(checks.PASS, checks.WARN, checks.FAIL, checks.UNKNOWN))


def _failed(queues):
    return [q["name"] for q in queues if q["status"] == checks.FAIL]


if __name__ == "__main__":
    main()
