# -*- coding: utf-8 -*-
"""dynamodb_status against the emulator: every table of the environment in one run, a missing table fails by name
while the others are still read."""
from __future__ import annotations

import uuid

import pytest
import seed

from iam import assert_denial_shown, documented_actions, policy

pytestmark = pytest.mark.moto_only("DynamoDB is not among LocalStack's sandbox services")


def test_all_tables_with_pitr(run_module):
    result = run_module("dynamodb_status", {"tables": list(seed.TABLES), "pitr": True})
    assert not result.get("failed"), result
    assert list(result["tables"]) == list(seed.TABLES)
    for name, (pitr, _backup, items) in seed.TABLES.items():
        table = result["tables"][name]
        assert (table["exists"], table["status"], table["billing_mode"], table["pitr"]) == \
            (True, "ACTIVE", "PAY_PER_REQUEST", pitr), name
        assert table["item_count"] == items and table["arn"].endswith(":table/" + name)
    assert result["summary"] == {"pass": 5, "warn": 0, "fail": 0, "unknown": 0}


def test_provisioned_capacity_and_a_missing_table(aws, run_module):
    name = "status-" + uuid.uuid4().hex[:8]
    aws("dynamodb").create_table(TableName=name, BillingMode="PROVISIONED",
                                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                 ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 3})
    result = run_module("dynamodb_status", {"tables": [name, "no-such-table-status"], "fail_on": "never",
                                            "concurrency": 2})
    table = result["tables"][name]
    assert (table["billing_mode"], table["read_capacity_units"], table["write_capacity_units"]) == \
        ("PROVISIONED", 7, 3)
    assert table["pitr"] is None  # not asked
    checks = dict((c["resource"], c) for c in result["checks"])
    assert checks["no-such-table-status"]["status"] == "fail" and checks[name]["status"] == "pass"
    failing = run_module("dynamodb_status", {"tables": ["no-such-table-status", name]})
    assert failing["failed"] is True and "table no-such-table-status does not exist" in failing["msg"]
    assert failing["tables"][name]["exists"] is True


@pytest.mark.parametrize("args, message", [
    ({"tables": []}, "tables: name at least one"),
    ({"concurrency": 64}, "concurrency: 64 is out of range"),
])
def test_bad_input_names_the_parameter(run_module, args, message):
    params = {"tables": ["ai-investment-signals"]}
    params.update(args)
    result = run_module("dynamodb_status", params)
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("dynamodb_status")
    assert actions == ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups"]
    table = sorted(seed.TABLES)[0]
    done = run_module_iam("dynamodb_status", {"tables": [table], "pitr": True}, iam_sandbox.iam_user(policy(actions)))
    assert not done.get("failed"), done
    for missing in actions:  # a denial is the table's unknown check, with the action named
        refused = run_module_iam("dynamodb_status", {"tables": [table], "pitr": True, "fail_on": "never"},
                                 iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert [c["status"] for c in refused["checks"]] == ["unknown"], refused["checks"]
        assert_denial_shown(refused, missing)
