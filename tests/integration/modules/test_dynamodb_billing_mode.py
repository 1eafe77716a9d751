# -*- coding: utf-8 -*-
"""dynamodb_billing_mode against the emulator: the table's billing mode and capacity are read back."""
from __future__ import annotations

import uuid

import problems
import pytest

from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.moto_only("DynamoDB is not among the services the LocalStack sandbox runs")


def billing(ddb, name):
    table = ddb.describe_table(TableName=name)["Table"]
    return (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"), \
        table["ProvisionedThroughput"]["ReadCapacityUnits"], table["ProvisionedThroughput"]["WriteCapacityUnits"]


@pytest.fixture
def throttled(sandbox):
    return problems.dynamodb_throttling(sandbox.session(), sandbox.endpoint_url, "bm-" + uuid.uuid4().hex[:8])["table"]


def test_switch_to_on_demand_and_back_idempotent_check_mode(aws, run_module, throttled):
    ddb = aws("dynamodb")
    args = {"table_name": throttled, "billing_mode": "PAY_PER_REQUEST"}
    planned = run_module("dynamodb_billing_mode", args, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["diff"]["after"]["billing_mode"] == "PAY_PER_REQUEST"
    assert billing(ddb, throttled)[0] == "PROVISIONED"
    first = run_module("dynamodb_billing_mode", dict(args, wait=True, wait_timeout=60))
    assert first["changed"] is True and billing(ddb, throttled)[0] == "PAY_PER_REQUEST"
    assert first["previous"] == {"billing_mode": "PROVISIONED", "read_capacity": 5, "write_capacity": 5}
    assert run_module("dynamodb_billing_mode", args)["changed"] is False
    back = run_module("dynamodb_billing_mode", {"table_name": throttled, "billing_mode": "PROVISIONED",
                                                "read_capacity": 20, "write_capacity": 10})
    assert back["changed"] is True and billing(ddb, throttled) == ("PROVISIONED", 20, 10)
    assert ddb.scan(TableName=throttled, Select="COUNT")["Count"] == 3  # the data stays


@pytest.mark.parametrize("args, message", [
    ({"billing_mode": "PROVISIONED"}, "read_capacity: required with billing_mode=PROVISIONED"),
    ({"billing_mode": "PROVISIONED", "read_capacity": 0, "write_capacity": 1}, "read_capacity: 0 is out of range"),
    ({"billing_mode": "PAY_PER_REQUEST", "read_capacity": 5}, "only with billing_mode=PROVISIONED"),
    ({"billing_mode": "PAY_PER_REQUEST", "wait_timeout": -1}, "wait_timeout: -1 is out of range"),
    ({"billing_mode": "PAY_PER_REQUEST", "table_name": "no-such-table-bm"}, "table_name: table no-such-table-bm not found"),
])
def test_bad_input_changes_nothing(aws, run_module, throttled, args, message):
    result = run_module("dynamodb_billing_mode", dict({"table_name": throttled}, **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert billing(aws("dynamodb"), throttled) == ("PROVISIONED", 5, 5)


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("dynamodb_billing_mode")
    assert set(actions) == {"dynamodb:DescribeTable", "dynamodb:UpdateTable"}
    table = problems.dynamodb_throttling(iam_sandbox.session(), iam_sandbox.endpoint_url, "lpbm-" + uuid.uuid4().hex[:8])["table"]
    args = {"table_name": table, "billing_mode": "PAY_PER_REQUEST"}
    assert run_module_iam("dynamodb_billing_mode", args, iam_sandbox.iam_user(policy(actions))).get("changed") is True
    for missing in actions:
        back = {"table_name": table, "billing_mode": "PROVISIONED", "read_capacity": 2, "write_capacity": 2}
        refused = run_module_iam("dynamodb_billing_mode", back, iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denied(refused, missing)
