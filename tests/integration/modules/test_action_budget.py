# -*- coding: utf-8 -*-
"""action_budget against the emulator: the claims read back from the incident table, the limit held across runs,
the same claim never counted twice, check mode writing nothing."""
from __future__ import annotations

import json
import uuid

import pytest

from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.moto_only("DynamoDB is not among the services the LocalStack sandbox runs")
TABLE = "ops-runbooks-incidents"


def stored(ddb, key):
    item = ddb.get_item(TableName=TABLE, Key={"id": {"S": key}}).get("Item")
    return json.loads(item["record"]["S"])["claims"] if item else None


@pytest.fixture
def key(aws):
    name = "budget-%s/alarm-actions" % uuid.uuid4().hex[:6]
    yield name
    aws("dynamodb").delete_item(TableName=TABLE, Key={"id": {"S": name}})


def test_claims_up_to_the_limit_then_plan_only(aws, run_module, key):
    ddb, args = aws("dynamodb"), {"table": TABLE, "key": key, "limit": 2, "window": "1h"}
    planned = run_module("action_budget", dict(args, claims=["rollback a"]), check_mode=True, diff=True)
    assert planned["granted"] and planned["changed"] and stored(ddb, key) is None  # check mode writes nothing
    first = run_module("action_budget", dict(args, claims=["rollback a"]))
    assert first["granted"] and first["changed"] and first["used"] == 1
    assert [c["id"] for c in stored(ddb, key)] == ["rollback a"]
    again = run_module("action_budget", dict(args, claims=["rollback a"]))  # the same alarm's state change again
    assert again["granted"] and not again["changed"] and again["used"] == 1
    two = run_module("action_budget", dict(args, claims=["rollback b", "rollback c"]))  # all or none
    assert not two["granted"] and not two["changed"] and "limit of 2 automatic change(s) per 1h00m" in two["reason"]
    assert run_module("action_budget", dict(args, claims=["rollback b"]))["granted"]
    third = run_module("action_budget", dict(args, claims=["rollback c"]))
    assert not third["granted"] and [c["id"] for c in stored(ddb, key)] == ["rollback a", "rollback b"]


@pytest.mark.parametrize("changes, message", [
    ({"limit": -1}, "limit: -1 is out of range"),
    ({"window": "0"}, "window: 0 is out of range"),
    ({"window": "soon"}, "window: 'soon' is not a duration"),
    ({"claims": [" "]}, "claims: an empty claim id"),
    ({"table": None}, "one of the following is required: table, path"),
    ({"path": "/nonexistent-dir/claims.json", "table": None}, "path: directory /nonexistent-dir does not exist"),
])
def test_bad_input(aws, run_module, key, changes, message):
    args = dict({"table": TABLE, "key": key, "limit": 1, "claims": ["x"]}, **changes)
    result = run_module("action_budget", {k: v for k, v in args.items() if v is not None})
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert stored(aws("dynamodb"), key) is None


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("action_budget")
    assert set(actions) == {"dynamodb:GetItem", "dynamodb:PutItem"}
    key = "iam-%s/alarm-actions" % uuid.uuid4().hex[:6]  # the IAM sandbox is seeded with the incident table too
    try:
        args = {"table": TABLE, "key": key, "limit": 3}
        assert run_module_iam("action_budget", dict(args, claims=["a"]), iam_sandbox.iam_user(policy(actions)))["granted"]
        for missing in actions:
            refused = run_module_iam("action_budget", dict(args, claims=["b-" + missing]),
                                     iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
            assert_denied(refused, missing)
    finally:
        iam_sandbox.client("dynamodb").delete_item(TableName=TABLE, Key={"id": {"S": key}})
