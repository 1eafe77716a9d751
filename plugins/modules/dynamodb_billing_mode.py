#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dynamodb_billing_mode
short_description: Switch a DynamoDB table between on-demand and provisioned capacity
version_added: 0.1.0
description:
  - Runbook 004 P1 "DynamoDB Throttling", option 1 (C(aws dynamodb update-table --billing-mode PAY_PER_REQUEST)) -
    sets the billing mode (and, for V(PROVISIONED), the table's read and write capacity) and waits until the table
    is C(ACTIVE) again. Nothing else of the table is touched (indexes, streams, TTL, tags).
  - C(community.aws.dynamodb_table) reconciles the whole table definition and fails against the emulator on this
    change; this module does the one change the runbook asks for.
notes:
  - "IAM actions (least privilege): C(dynamodb:DescribeTable), C(dynamodb:UpdateTable)."
  - AWS allows a switch to on-demand once per 24 hours per table; a refused switch fails with AWS's message.
  - "The change is sent once (no automatic retry): AWS refuses an UpdateTable while the table is UPDATING, so after a
    lost answer the module reads the table again and takes the wanted mode (shown, or updating to it) as its change;
    only when there is none is it sent again (a bounded number of times)."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  table_name:
    description: The table.
    type: str
    required: true
  billing_mode:
    description: The billing mode to set.
    type: str
    choices: [PAY_PER_REQUEST, PROVISIONED]
    required: true
  read_capacity:
    description: Read capacity units (required with V(PROVISIONED), at least 1).
    type: int
  write_capacity:
    description: Write capacity units (required with V(PROVISIONED), at least 1).
    type: int
  wait:
    description: Wait until the table is C(ACTIVE) after the change.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for O(wait).
    type: int
    default: 600
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
- name: Runbook 004 P1 - switch the throttled table to on-demand
  ops.runbooks.dynamodb_billing_mode:
    table_name: ai-investment-signals
    billing_mode: PAY_PER_REQUEST
"""

RETURN = r"""
table_name:
  description: The table.
  returned: always
  type: str
previous:
  description: Billing mode and capacity before the run (C(billing_mode), C(read_capacity), C(write_capacity)).
  returned: always
  type: dict
  sample: {billing_mode: PROVISIONED, read_capacity: 5, write_capacity: 5}
current:
  description: The same after the run (in check mode, the plan).
  returned: always
  type: dict
  sample: {billing_mode: PAY_PER_REQUEST, read_capacity: null, write_capacity: null}
"""

from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import require_table
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import wait_table_active
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error

ARGUMENT_SPEC = dict(
    table_name=dict(type="str", required=True),
    billing_mode=dict(type="str", choices=["PAY_PER_REQUEST", "PROVISIONED"], required=True),
    read_capacity=dict(type="int"),
    write_capacity=dict(type="int"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)


def validate(params):
    check_range("wait_timeout", params["wait_timeout"], 0)
    if params["billing_mode"] == "PROVISIONED":
        for key in ("read_capacity", "write_capacity"):
            if params[key] is None:
                raise InvalidInput("%s: required with billing_mode=PROVISIONED" % key)
            check_range(key, params[key], 1)
    elif params["read_capacity"] is not None or params["write_capacity"] is not None:
        raise InvalidInput("read_capacity, write_capacity: only with billing_mode=PROVISIONED")


def billing_of(table):
    mode = (table.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
    throughput = table.get("ProvisionedThroughput") or {}
    if mode == "PAY_PER_REQUEST":
        return {"billing_mode": mode, "read_capacity": None, "write_capacity": None}
    return {"billing_mode": mode, "read_capacity": throughput.get("ReadCapacityUnits"),
            "write_capacity": throughput.get("WriteCapacityUnits")}


def billing_changed(ddb, name, wanted):
    """After an UpdateTable whose answer was lost: its effect, if it took one - the table showing the wanted billing,
    or updating with the wanted mode. Else None (send it again)."""
    table = require_table(ddb, name, "table_name: table")
    updating = table.get("TableStatus") == "UPDATING" and billing_of(table)["billing_mode"] == wanted["billing_mode"]
    return table if billing_of(table) == wanted or updating else None


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"table_name": "table"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    name = params["table_name"]
    ddb = module.retrying_client("dynamodb")
    result = dict(changed=False, table_name=name)
    with ending_on_error(module, result, "change the billing mode of %s" % name):
        validate(params)
        # 1. What the table has now.
        before = billing_of(require_table(ddb, name, "table_name: table"))
        wanted = {"billing_mode": params["billing_mode"], "read_capacity": params["read_capacity"],
                  "write_capacity": params["write_capacity"]}
        result.update(previous=before, current=before)
        if before == wanted:
            module.exit_json(**result)
        # 2. Plan, diff, check mode.
        result.update(changed=True, current=wanted)
        if module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before=before, after=wanted)
        if module.check_mode:
            module.exit_json(**result)
        # 3. Change - once: AWS refuses an UpdateTable while the table is UPDATING (ResourceInUseException), so a lost
        # answer is recognized by its effect (the table updating to, or showing, the wanted mode) instead of being
        # sent again - then wait for ACTIVE.
        update = {"TableName": name, "BillingMode": params["billing_mode"]}
        if params["billing_mode"] == "PROVISIONED":
            update["ProvisionedThroughput"] = {"ReadCapacityUnits": params["read_capacity"],
                                               "WriteCapacityUnits": params["write_capacity"]}
        ddb_once = module.single_attempt_client("dynamodb")
        send_once(lambda: ddb_once.update_table(**update), lambda: billing_changed(ddb, name, wanted))
        if params["wait"]:
            result["current"] = billing_of(wait_table_active(ddb, name, params["wait_timeout"]))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
