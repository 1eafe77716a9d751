#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dynamodb_status
short_description: Status, capacity mode, encryption and point-in-time recovery of many DynamoDB tables at once
version_added: 0.4.0
description:
  - Describes many DynamoDB tables concurrently (C(DescribeTable), and C(DescribeContinuousBackups) with O(pitr)) in one
    module run - not one module start per table - and returns each table's status, billing mode, provisioned
    capacity, encryption, item count and size, and point-in-time recovery.
  - One check per table in the collection's common model - C(ACTIVE) passes, a table that does not exist fails, a
    table in another status (C(UPDATING), C(CREATING), ...) warns, a table that could not be read is C(unknown) with
    the AWS error - an error on one table never hides the others.
  - >-
    Automates runbook 000's daily check "DynamoDB table status" (aws dynamodb describe-table per table) and the
    capacity reads of runbook 000 "DynamoDB Throttling" and runbook 004's weekly "Review DynamoDB Metrics".
  - Read-only.
notes:
  - "IAM actions (least privilege): C(dynamodb:DescribeTable), C(dynamodb:DescribeContinuousBackups) (only with
    O(pitr))."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  tables:
    description: Table names.
    type: list
    elements: str
    required: true
  pitr:
    description: Also read point-in-time recovery (one more call per table).
    type: bool
    default: false
  concurrency:
    description: Tables read at the same time.
    type: int
    default: 8
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
- name: All tables of the environment in one call
  ops.runbooks.dynamodb_status:
    tables: "{{ ops_runbooks_tables }}"
    pitr: true
  register: tables

- name: Tables still on provisioned capacity
  ansible.builtin.debug:
    msg: "{{ tables.tables | dict2items | selectattr('value.billing_mode', 'equalto', 'PROVISIONED') | map(attribute='key') }}"
"""

RETURN = r"""
tables:
  description: Table name -> its state (null values for a table that does not exist or could not be read).
  returned: always
  type: dict
  contains:
    exists: {description: Whether the table exists., type: bool}
    error: {description: Why it could not be read (absent when it could)., type: str}
    status: {description: "C(ACTIVE), C(UPDATING), ...", type: str}
    billing_mode: {description: C(PAY_PER_REQUEST) or C(PROVISIONED)., type: str}
    read_capacity_units: {description: Provisioned read capacity (0 on demand)., type: int}
    write_capacity_units: {description: Provisioned write capacity (0 on demand)., type: int}
    item_count: {description: Item count (DynamoDB updates it about every six hours)., type: int}
    size_bytes: {description: Table size (updated as the item count)., type: int}
    sse: {description: "Encryption at rest - C(AWS_OWNED) (the default), C(KMS) with C(kms_key_arn)", type: str}
    kms_key_arn: {description: The KMS key of C(KMS) encryption., type: str}
    pitr: {description: "With O(pitr), whether point-in-time recovery is enabled.", type: bool}
    arn: {description: The table's ARN., type: str}
  sample:
    ai-investment-signals: {exists: true, status: ACTIVE, billing_mode: PAY_PER_REQUEST, read_capacity_units: 0,
                            write_capacity_units: 0, item_count: 25, size_bytes: 1200, sse: AWS_OWNED,
                            kms_key_arn: null, pitr: true, arn: "arn:aws:dynamodb:eu-central-1:123456789012:table/x"}
checks:
  description: One C(table status) check per table in the common check model (C(warn) while a table is not C(ACTIVE)).
  returned: always
  type: list
  elements: dict
summary:
  description: Counts by status.
  returned: always
  type: dict
"""

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.batch import run_batched
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import describe_table
from ansible_collections.ops.runbooks.plugins.module_utils.dynamodb import pitr_status
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line

EMPTY = {"status": None, "billing_mode": None, "read_capacity_units": None, "write_capacity_units": None,
         "item_count": None, "size_bytes": None, "sse": None, "kms_key_arn": None, "pitr": None, "arn": None}


def table_state(table):
    """The RETURN fields of a DescribeTable answer."""
    throughput = table.get("ProvisionedThroughput") or {}
    billing = (table.get("BillingModeSummary") or {}).get("BillingMode")
    if billing is None:  # tables created before on-demand existed carry no summary: provisioned
        billing = "PROVISIONED" if throughput.get("ReadCapacityUnits") else "PAY_PER_REQUEST"
    sse = table.get("SSEDescription") or {}
    return {"status": table.get("TableStatus"), "billing_mode": billing,
            "read_capacity_units": throughput.get("ReadCapacityUnits", 0),
            "write_capacity_units": throughput.get("WriteCapacityUnits", 0),
            "item_count": table.get("ItemCount"), "size_bytes": table.get("TableSizeBytes"),
            "sse": sse.get("SSEType") if sse.get("Status") in ("ENABLED", "UPDATING") else "AWS_OWNED",
            "kms_key_arn": sse.get("KMSMasterKeyArn"), "arn": table.get("TableArn")}


def read_table(client, name, with_pitr):
    """One table's RETURN entry; an AWS error is its ``error`` (the other tables go on)."""
    try:
        table = describe_table(client, name)
        if table is None:
            return dict(EMPTY, exists=False)
        state = dict(EMPTY, exists=True, **table_state(table))
        if with_pitr:
            state["pitr"] = pitr_status(client, name)["enabled"]
        return state
    except NotFound:  # deleted between the two calls
        return dict(EMPTY, exists=False)
    except Exception as e:  # pylint: disable=broad-exception-caught  # one table's failure is its result
        return dict(EMPTY, exists=None, error=one_line(e, 300))


def table_check(name, state):
    if state.get("error"):
        return checks.make_check(name, "table status", checks.UNKNOWN, "%s could not be read: %s" % (
            name, state["error"]))
    if not state["exists"]:
        return checks.make_check(name, "table status", checks.FAIL, "table %s does not exist" % name, None,
                                 "ACTIVE")
    status = checks.PASS if state["status"] == "ACTIVE" else checks.WARN
    return checks.make_check(name, "table status", status, "%s is %s (%s)" % (name, state["status"], state["billing_mode"]),
                             state["status"], "ACTIVE")


ARGUMENT_SPEC = dict(
    tables=dict(type="list", elements="str", required=True),
    pitr=dict(type="bool", default=False),
    concurrency=dict(type="int", default=8),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"tables[]": "table"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    pitr = module.params["pitr"]
    run_batched(module, "dynamodb", "tables", "describe the tables", lambda client, name: read_table(client, name, pitr),
                lambda name, state: [table_check(name, state)], "table(s) missing")


if __name__ == "__main__":
    main()
