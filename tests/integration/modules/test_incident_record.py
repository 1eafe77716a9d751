# -*- coding: utf-8 -*-
"""incident_record against the emulator: the item is read back from DynamoDB, not taken from the module's word."""
from __future__ import annotations

import json
import uuid

import pytest

from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.moto_only("DynamoDB is not among the services the LocalStack sandbox runs")

TABLE = "ops-runbooks-incidents"  # seeded by the sandbox (tests/sandbox/seed.py)


def stored(ddb, key, table=TABLE):
    item = ddb.get_item(TableName=table, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")
    if not item:
        return None, 0
    return json.loads(item["record"]["S"]), int(item["revision"]["N"])


def new_key():
    return "local/INC-TEST-" + uuid.uuid4().hex[:8]


RECORD = {"id": "INC-1", "severity": "P1", "status": "Investigating", "environment": "local", "notified": [],
          "changes": [], "timeline": [{"at": "2026-11-23T00:00:00Z", "event": "opened"}]}


def test_read_write_idempotent_check_mode_and_diff(aws, run_module):
    ddb, key = aws("dynamodb"), new_key()
    missing = run_module("incident_record", {"table": TABLE, "key": key, "state": "read"})
    assert (missing["found"], missing["record"], missing["revision"], missing["changed"]) == (False, None, 0, False)

    planned = run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "record": RECORD,
                                             "revision": 0}, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["revision"] == 1 and planned["diff"]["after"] == RECORD
    assert stored(ddb, key) == (None, 0)  # check mode wrote nothing

    first = run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "record": RECORD,
                                           "revision": 0, "wait": True, "wait_timeout": 10})
    assert first["changed"] is True and first["revision"] == 1 and first["conflict"] is False
    assert stored(ddb, key) == (RECORD, 1)
    item = ddb.get_item(TableName=TABLE, Key={"id": {"S": key}})["Item"]
    assert item["severity"] == {"S": "P1"} and item["environment"] == {"S": "local"}  # copied for queries

    again = run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "record": RECORD,
                                           "revision": 1})
    assert again["changed"] is False and again["revision"] == 1 and stored(ddb, key) == (RECORD, 1)

    read = run_module("incident_record", {"table": TABLE, "key": key})
    assert read["found"] is True and read["record"] == RECORD and read["revision"] == 1


def test_two_jobs_claiming_from_the_same_revision_one_wins(aws, run_module):
    """The notification claim: both read revision 1; the first claim moves it to 2, the second gets a conflict and
    the stored record (which already says notified P1) - it must not send."""
    ddb, key = aws("dynamodb"), new_key()
    run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "record": RECORD})
    claimed = dict(RECORD, notified=["P1"])
    first = run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "record": claimed,
                                           "revision": 1, "on_conflict": "return"})
    second = run_module("incident_record", {"table": TABLE, "key": key, "state": "present",
                                            "record": dict(claimed, timeline=[]), "revision": 1,
                                            "on_conflict": "return"})
    assert first["changed"] is True and first["conflict"] is False
    assert second["changed"] is False and second["conflict"] is True
    assert second["record"] == claimed and second["revision"] == 2
    assert stored(ddb, key) == (claimed, 2)  # the loser wrote nothing
    failing = run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "record": RECORD,
                                             "revision": 1})
    assert failing["failed"] is True and "revision: the record %s is at revision 2, not 1" % key in failing["msg"]
    assert stored(ddb, key) == (claimed, 2)


def test_a_claim_lands_once_keeps_the_jobs_record_or_the_stored_one_and_can_be_given_back(aws, run_module):
    """claim: job A read revision 1 and adds its timeline; job B claims from the same revision after A's claim moved
    it to 2 - B gets claimed=false and the stored record (no second notification); release takes it out again."""
    ddb, key = aws("dynamodb"), new_key()
    run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "record": RECORD})
    mine = dict(RECORD, timeline=[{"at": "t1", "event": "triaged"}])
    planned = run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "record": mine,
                                             "revision": 1, "claim": "P1"}, check_mode=True, diff=True)
    assert planned["claimed"] is True and planned["changed"] is True and stored(ddb, key) == (RECORD, 1)
    assert planned["diff"] == {"before": {"notified": []}, "after": {"notified": ["P1"]}}
    first = run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "record": mine,
                                           "revision": 1, "claim": "P1"})
    assert (first["claimed"], first["revision"]) == (True, 2)
    assert stored(ddb, key) == (dict(mine, notified=["P1"]), 2)  # the job's timeline kept, on its revision
    second = run_module("incident_record", {"table": TABLE, "key": key, "state": "present",
                                            "record": dict(RECORD, timeline=[]), "revision": 1, "claim": "P1"})
    assert (second["claimed"], second["changed"], second["revision"]) == (False, False, 2)
    assert second["record"] == dict(mine, notified=["P1"]) and stored(ddb, key)[1] == 2  # nothing written
    # another severity, claimed on a stale revision: written on the stored record, not on the stale one
    p2 = run_module("incident_record", {"table": TABLE, "key": key, "state": "present",
                                        "record": dict(RECORD, timeline=[]), "revision": 1, "claim": "P2"})
    assert p2["claimed"] is True and stored(ddb, key) == (dict(mine, notified=["P1", "P2"]), 3)
    released = run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "release": "P1"})
    assert released["released"] is True and stored(ddb, key) == (dict(mine, notified=["P2"]), 4)
    again = run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "release": "P1"})
    assert (again["released"], again["changed"]) == (False, False) and stored(ddb, key)[1] == 4
    both = run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "claim": "P1",
                                          "release": "P1"})
    assert both["failed"] is True and "mutually exclusive: claim|release" in both["msg"]
    nothing = run_module("incident_record", {"table": TABLE, "key": new_key(), "state": "present", "claim": "P1"})
    assert nothing["failed"] is True and "record: there is no record" in nothing["msg"]


def test_a_record_that_exists_is_not_created_again(aws, run_module):
    ddb, key = aws("dynamodb"), new_key()
    run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "record": RECORD, "revision": 0})
    other = run_module("incident_record", {"table": TABLE, "key": key, "state": "present",
                                           "record": dict(RECORD, severity="P3"), "revision": 0,
                                           "on_conflict": "return"})
    assert other["conflict"] is True and other["record"] == RECORD and stored(ddb, key) == (RECORD, 1)


@pytest.mark.parametrize("args, message", [
    ({"table": " "}, "table: ' ' is not a valid DynamoDB table name"),
    ({"key": ""}, "key: must not be empty"),
    ({"revision": -1}, "revision: -1 is out of range"),
    ({"wait_timeout": -5}, "wait_timeout: -5 is out of range"),
    ({"state": "present"}, "record"),
    ({"table": "no-such-incident-table"}, "table: no-such-incident-table not found"),
])
def test_bad_input(run_module, args, message):
    params = dict({"table": TABLE, "key": new_key(), "state": "read"}, **args)
    result = run_module("incident_record", params)
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_an_item_that_is_no_record_is_refused_not_overwritten(aws, run_module):
    ddb, key = aws("dynamodb"), new_key()
    ddb.put_item(TableName=TABLE, Item={"id": {"S": key}, "something": {"S": "else"}})
    result = run_module("incident_record", {"table": TABLE, "key": key, "state": "present", "record": RECORD})
    assert result["failed"] is True and "is not an incident record" in result["msg"]
    assert "something" in ddb.get_item(TableName=TABLE, Key={"id": {"S": key}})["Item"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("incident_record")
    assert set(actions) == {"dynamodb:GetItem", "dynamodb:PutItem"}
    ddb = iam_sandbox.client("dynamodb")
    table = "lp-incidents-" + uuid.uuid4().hex[:6]
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    key = new_key()
    creds = iam_sandbox.iam_user(policy(actions))
    written = run_module_iam("incident_record", {"table": table, "key": key, "state": "present", "record": RECORD,
                                                 "revision": 0}, creds)
    assert written.get("changed") is True and stored(ddb, key, table) == (RECORD, 1)
    for missing, args in (("dynamodb:GetItem", {"state": "read"}),
                          ("dynamodb:PutItem", {"state": "present", "record": dict(RECORD, status="Resolved")})):
        denied = run_module_iam("incident_record", dict({"table": table, "key": key}, **args),
                                iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denied(denied, missing)
    assert stored(ddb, key, table) == (RECORD, 1)
