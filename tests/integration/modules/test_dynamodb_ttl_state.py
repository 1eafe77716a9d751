# -*- coding: utf-8 -*-
"""dynamodb_ttl_state against the emulator: the TTL state is read back from the emulator."""
from __future__ import annotations

import uuid

import pytest

from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.moto_only("DynamoDB is not among the services the LocalStack sandbox runs")


def make_table(ddb):
    name = "ttl-" + uuid.uuid4().hex[:8]
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    return name


def ttl(ddb, name):
    spec = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    return spec.get("TimeToLiveStatus"), spec.get("AttributeName")


def test_enable_idempotent_check_mode_and_disable(aws, run_module):
    ddb = aws("dynamodb")
    name = make_table(ddb)
    args = {"table_name": name, "attribute_name": "expires_at"}
    planned = run_module("dynamodb_ttl_state", args, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["diff"]["after"] == {"status": "ENABLED", "attribute_name": "expires_at"}
    assert ttl(ddb, name)[0] == "DISABLED"
    first = run_module("dynamodb_ttl_state", dict(args, enabled=True, wait=True, wait_timeout=30))
    assert first["changed"] is True and ttl(ddb, name) == ("ENABLED", "expires_at")
    assert run_module("dynamodb_ttl_state", args)["changed"] is False
    other = run_module("dynamodb_ttl_state", {"table_name": name, "attribute_name": "ttl"})
    assert other["failed"] is True and "attribute_name: TTL of %s is on expires_at, not ttl" % name in other["msg"]
    off = run_module("dynamodb_ttl_state", dict(args, enabled=False))
    assert off["changed"] is True and ttl(ddb, name)[0] == "DISABLED"
    assert run_module("dynamodb_ttl_state", dict(args, enabled=False))["changed"] is False


@pytest.mark.parametrize("args, message", [
    ({"table_name": "no-such-table-ttl"}, "table_name: table no-such-table-ttl not found"),
    ({"wait_timeout": -1}, "wait_timeout: -1 is out of range"),
])
def test_bad_input(aws, run_module, args, message):
    name = make_table(aws("dynamodb"))
    result = run_module("dynamodb_ttl_state", dict({"table_name": name, "attribute_name": "x"}, **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("dynamodb_ttl_state")
    assert set(actions) == {"dynamodb:DescribeTimeToLive", "dynamodb:UpdateTimeToLive"}
    name = make_table(iam_sandbox.client("dynamodb"))
    args = {"table_name": name, "attribute_name": "expires_at"}
    assert run_module_iam("dynamodb_ttl_state", args, iam_sandbox.iam_user(policy(actions))).get("changed") is True
    for missing in actions:
        refused = run_module_iam("dynamodb_ttl_state", dict(args, enabled=False),
                                 iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denied(refused, missing)
