#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dynamodb_ttl_state
short_description: Enable or disable a DynamoDB table's TTL, with check mode and diff
version_added: 0.1.0
description:
  - Runbook 004 "Maintenance" / 000 "Data Loss Prevention" - sets a table's time to live on an attribute, or turns it
    off, idempotently. C(community.aws.dynamodb_ttl) does the same change but has no check mode, so a maintenance
    run could not show its plan; this module can.
  - Disabling TTL makes items stop expiring; the C(ops.runbooks.maintenance) role asks for confirmation first.
notes:
  - "IAM actions (least privilege): C(dynamodb:DescribeTimeToLive), C(dynamodb:UpdateTimeToLive)."
  - AWS allows one TTL change per table per hour; a refused change fails with AWS's message.
  - "The change is sent once (no automatic retry): AWS refuses a second UpdateTimeToLive while one is in progress, so
    after a lost answer the module reads the TTL again and takes a status moving to the wanted one as its change; only
    when there is none is it sent again (a bounded number of times)."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  table_name:
    description: The table.
    type: str
    required: true
  attribute_name:
    description: The attribute holding the expiry time (epoch seconds).
    type: str
    required: true
  enabled:
    description: V(true) - TTL on O(attribute_name); V(false) - TTL off.
    type: bool
    default: true
  wait:
    description: Wait until the change shows (C(ENABLED) / C(DISABLED)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for O(wait).
    type: int
    default: 120
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
- name: Items of the signals table expire by their expires_at
  ops.runbooks.dynamodb_ttl_state:
    table_name: ai-investment-signals
    attribute_name: expires_at
"""

RETURN = r"""
table_name:
  description: The table.
  returned: always
  type: str
previous:
  description: TTL before the run - C(status) (C(ENABLED), C(DISABLED), ...) and C(attribute_name).
  returned: always
  type: dict
  sample: {status: DISABLED, attribute_name: null}
current:
  description: TTL after the run (in check mode, the plan).
  returned: always
  type: dict
  sample: {status: ENABLED, attribute_name: expires_at}
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
from ansible_collections.ops.runbooks.plugins.module_utils.errors import Conflict
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import WaitTimeout
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import poll

ARGUMENT_SPEC = dict(
    table_name=dict(type="str", required=True),
    attribute_name=dict(type="str", required=True),
    enabled=dict(type="bool", default=True),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=120),
)


def read(ddb, table):
    try:
        spec = ddb.describe_time_to_live(aws_retry=True, TableName=table)["TimeToLiveDescription"]
    except is_boto3_error_code(("ResourceNotFoundException", "ResourceNotFound")):  # AWS's code; the emulator's
        raise NotFound("table_name: table %s not found" % table) from None
    return {"status": spec.get("TimeToLiveStatus", "DISABLED"), "attribute_name": spec.get("AttributeName")}


def ttl_changed(ddb, table, wanted):
    """After an UpdateTimeToLive whose answer was lost: its effect, if it took one - the status on its way to (or at)
    the wanted one, on the wanted attribute. Else None (send it again)."""
    now = read(ddb, table)
    moving = ("ENABLING", "ENABLED") if wanted["status"] == "ENABLED" else ("DISABLING", "DISABLED")
    if now["status"] in moving and (wanted["status"] == "DISABLED" or now["attribute_name"] == wanted["attribute_name"]):
        return now
    return None


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"table_name": "table"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    table, attribute = params["table_name"], params["attribute_name"]
    ddb = module.retrying_client("dynamodb")
    result = dict(changed=False, table_name=table)
    with ending_on_error(module, result, "set the TTL of %s" % table):
        check_range("wait_timeout", params["wait_timeout"], 0)
        # 1. What the table has.
        before = read(ddb, table)
        result.update(previous=before, current=before)
        on = before["status"] in ("ENABLED", "ENABLING")
        if params["enabled"] and on and before["attribute_name"] == attribute:
            module.exit_json(**result)
        if not params["enabled"] and not on:
            module.exit_json(**result)
        if params["enabled"] and on:
            raise Conflict("attribute_name: TTL of %s is on %s, not %s - disable it first (AWS changes one at a time)"
                           % (table, before["attribute_name"], attribute))
        # 2. Plan, diff, check mode.
        wanted = {"status": "ENABLED" if params["enabled"] else "DISABLED", "attribute_name": attribute}
        result.update(changed=True, current=wanted)
        if module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before=before, after=wanted)
        if module.check_mode:
            module.exit_json(**result)
        # 3. Change - once: AWS refuses a second UpdateTimeToLive while the first is in progress
        # (ValidationException), so a lost answer is recognized by its effect (the status moving to the wanted
        # one) instead of being sent again - then wait until it shows.
        ddb_once = module.single_attempt_client("dynamodb")
        send_once(lambda: ddb_once.update_time_to_live(TableName=table, TimeToLiveSpecification={
            "Enabled": params["enabled"], "AttributeName": attribute}), lambda: ttl_changed(ddb, table, wanted))
        if params["wait"]:
            def shows():
                state = read(ddb, table)
                return state["status"] == wanted["status"], state

            done, now, _reads = poll(shows, 2, timeout=params["wait_timeout"])
            if not done:
                raise WaitTimeout("wait_timeout: TTL of %s still %s after %ds" % (
                    table, (now or before)["status"], params["wait_timeout"]))
            result["current"] = now
    module.exit_json(**result)


if __name__ == "__main__":
    main()
