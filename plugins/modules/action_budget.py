#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: action_budget
short_description: Claim automatic changes against a limit per time window (a circuit breaker for alarm-driven actions)
version_added: 0.5.0
description:
  - Before an alarm's procedure changes anything by itself (a rollback, a redrive), the role C(ops.runbooks.alarm)
    claims the changes here - at most O(limit) in any O(window) per environment (C(ops_runbooks_alarm_max_actions)
    per hour). All of a task's O(claims) are granted together or none; beyond the limit the procedure only plans,
    and says why (RV(reason)).
  - A claim is an id, for example C(rollback ai-investment-score (alarm ai-investment-score-errors, <episode>)). One
    already held in the window is granted again without counting twice, so a repeated run of one alarm's state change
    costs nothing more.
  - The claims live in the incident table (O(table), the record under O(key), written with optimistic locking - two
    jobs at once never both take the last slot), or, without a table, in a JSON file (O(path)) locked while it is
    read and written (one controller).
  - Check mode says whether the claims would be granted and writes nothing.
notes:
  - "IAM actions (least privilege): C(dynamodb:GetItem), C(dynamodb:PutItem) - with O(table); none with O(path)."
  - A lost answer of the conditional write is recognized by its effect (the record read again holds the claims).
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  table:
    description: The incident table (partition key C(id), string). Give O(table) or O(path).
    type: str
  path:
    description: A JSON file that keeps the claims instead of a table (created when missing).
    type: path
  key:
    description: The record's key in O(table) (for example C(production/alarm-actions)).
    type: str
    required: true
  limit:
    description: How many claims the window may hold (0 - none, every claim is refused).
    type: int
    required: true
  window:
    description: The sliding window, a duration (C(1h), C(30m), seconds).
    type: str
    default: 1h
  claims:
    description: The ids of the changes about to be made (none - nothing is claimed, RV(granted) true).
    type: list
    elements: str
    required: true
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
- name: At most 3 automatic changes an hour in this environment
  ops.runbooks.action_budget:
    table: ops-runbooks-incidents
    key: production/alarm-actions
    limit: 3
    window: 1h
    claims: ["INC-20261123-alarm-ai-investment-score-errors/rollback ai-investment-score:live"]
  register: budget
"""

RETURN = r"""
granted:
  description: Whether every claim of the task is held now (in check mode - would be).
  returned: always
  type: bool
used:
  description: How many claims the window holds after the task (before it, when not granted).
  returned: always
  type: int
  sample: 2
limit:
  description: O(limit).
  returned: always
  type: int
window_seconds:
  description: O(window) in seconds.
  returned: always
  type: int
  sample: 3600
held:
  description: The claims in the window after the task, oldest first - C(id), C(at) (ISO 8601 UTC).
  returned: always
  type: list
  elements: dict
reason:
  description: Why the claims were not granted; empty when they were.
  returned: always
  type: str
  sample: the limit of 3 automatic changes per 1h is reached (3 since 2026-11-23T08:01:00Z)
"""

import datetime
import fcntl
import json
import os

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils import records
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import Conflict
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import format_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow

ARGUMENT_SPEC = dict(
    table=dict(type="str"),
    path=dict(type="path"),
    key=dict(type="str", required=True, no_log=False),
    limit=dict(type="int", required=True),
    window=dict(type="str", default="1h"),
    claims=dict(type="list", elements="str", required=True),
)
ATTEMPTS = 5  # conditional writes that lost to another job before the task gives up
MAX_KEY_BYTES = 2048  # DynamoDB's limit for a partition key value


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def plan(stored, claims, limit, window, now):
    """(granted, held, reason, changed): the claims in the window (``stored``: [{id, at}]) with ``claims`` added
    when they fit."""
    since = now - datetime.timedelta(seconds=window)
    held = sorted((c for c in stored if isinstance(c, dict) and isinstance(c.get("at"), str)
                   and c["at"] > stamp(since)), key=lambda c: c["at"])
    known = {c.get("id") for c in held}
    new = [c for c in dict.fromkeys(claims) if c not in known]
    if not new:
        return True, held, "", False
    if len(held) + len(new) > limit:
        return False, held, "the limit of %d automatic change(s) per %s is reached (%d held%s, %d more asked)" % (
            limit, format_duration(window), len(held), " since " + held[0]["at"] if held else "", len(new)), False
    return True, held + [{"id": c, "at": stamp(now)} for c in new], "", True


def claim_in_table(module, params, window):
    ddb = module.retrying_client("dynamodb")
    wrote = False
    for _attempt in range(ATTEMPTS):
        try:
            record, revision = records.read(ddb, params["table"], params["key"])
        except is_boto3_error_code("ValidationException") as e:  # a table made for something else
            raise InvalidInput("table: %s refused the key (its partition key must be the string id): %s"
                               % (params["table"], one_line(e, 200))) from None
        stored = (record or {}).get("claims") or []
        granted, held, reason, changed = plan(stored, params["claims"], params["limit"], window, utcnow())
        if not changed or module.check_mode:
            # after a write whose answer was lost (the client sent it again and met its own revision), the claims
            # read back are this task's own: that is the change it made
            return granted, held, reason, changed or (wrote and granted), stored
        if records.write(ddb, params["table"], params["key"], {"claims": held}, revision + 1, revision):
            return granted, held, reason, changed, stored
        wrote = True  # another job wrote meanwhile, or this write landed and its answer was lost: read again
    raise Conflict("key: %s changed under this task %d times; try again" % (params["key"], ATTEMPTS))


def claim_in_file(module, params, window):
    path = params["path"]
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise InvalidInput("path: directory %s does not exist" % directory)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        text = handle.read()
        try:
            everything = json.loads(text) if text.strip() else {}
            stored = everything.get(params["key"], [])
        except (ValueError, AttributeError):
            raise Conflict("path: %s is not a claims file of this module" % path) from None
        granted, held, reason, changed = plan(stored, params["claims"], params["limit"], window, utcnow())
        if changed and not module.check_mode:
            everything[params["key"]] = held
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(everything, sort_keys=True, indent=1))
            handle.flush()
            os.fsync(handle.fileno())
    return granted, held, reason, changed, stored


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"table": "table"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                                  mutually_exclusive=[("table", "path")], required_one_of=[("table", "path")])
    params = module.params
    result = dict(changed=False, granted=False, used=0, limit=params["limit"], window_seconds=0, held=[], reason="")
    action = "claim %d automatic change(s) under %s" % (len(params["claims"]), params["key"])
    with ending_on_error(module, result, action):
        check_range("limit", params["limit"], 0)
        if not params["key"].strip():
            raise InvalidInput("key: must not be empty")
        if params["table"] is not None and not params["table"].strip():
            raise InvalidInput("table: must not be empty (or give path)")
        if params["table"] is not None and len(params["key"].encode("utf-8")) > MAX_KEY_BYTES:
            raise InvalidInput("key: %d bytes is longer than a DynamoDB partition key may be (%d)"
                               % (len(params["key"].encode("utf-8")), MAX_KEY_BYTES))
        window = int(parse_duration(params["window"], "window"))
        check_range("window", window, 1, 7 * 86400, " seconds")
        if any(not c.strip() for c in params["claims"]):
            raise InvalidInput("claims: an empty claim id")
        claim = claim_in_table if params["table"] else claim_in_file
        granted, held, reason, changed, stored = claim(module, params, window)
        result.update(changed=changed, granted=granted, used=len(held), window_seconds=window, held=held,
                      reason=reason)
        if changed and module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before={"claims": stored}, after={"claims": held})
    module.exit_json(**result)


if __name__ == "__main__":
    main()
