# -*- coding: utf-8 -*-
"""Filters ops.runbooks.rds_restore_plan and rds_restore_checks (runbook 000 "RDS Snapshot Restore")."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.rds import rds_restore_checks
from ansible_collections.ops.runbooks.plugins.filter.rds import rds_restore_plan

SNAPSHOTS = {"snapshots": [
    {"db_snapshot_identifier": "rds:db-2026-12-01", "db_instance_identifier": "db", "status": "available",
     "snapshot_create_time": "2026-12-01T03:00:00+00:00", "snapshot_type": "automated", "engine": "postgres"},
    {"db_snapshot_identifier": "before-upgrade", "db_instance_identifier": "db", "status": "available",
     "snapshot_create_time": "2026-11-20T10:00:00+00:00", "snapshot_type": "manual", "engine": "postgres"},
    {"db_snapshot_identifier": "rds:db-2026-12-02", "db_instance_identifier": "db", "status": "creating",
     "snapshot_create_time": "2026-12-02T03:00:00+00:00", "snapshot_type": "automated", "engine": "postgres"},
]}
SOURCE = {"instances": [{"db_instance_class": "db.r6g.large", "engine": "postgres",
                         "db_subnet_group": {"db_subnet_group_name": "private-db"},
                         "vpc_security_groups": [{"vpc_security_group_id": "sg-1", "status": "active"}]}]}
REQUEST = {"db_instance_identifier": "db", "target_db_instance_identifier": "db-restored"}


def test_without_a_name_the_newest_available_snapshot_made_like_the_source():
    plan = rds_restore_plan(SNAPSHOTS, SOURCE, REQUEST)
    assert plan["error"] == "" and plan["snapshot"] == "rds:db-2026-12-01"  # the newer one is still creating
    assert (plan["db_instance_class"], plan["db_subnet_group_name"], plan["vpc_security_group_ids"], plan["engine"]) \
        == ("db.r6g.large", "private-db", ["sg-1"], "postgres")
    assert plan["sources"] == {"snapshot": "the newest available", "db_instance_class": "the source instance",
                               "db_subnet_group_name": "the source instance",
                               "vpc_security_group_ids": "the source instance", "engine": "the source instance"}


def test_a_named_snapshot_and_a_given_class():
    plan = rds_restore_plan(SNAPSHOTS, SOURCE, dict(REQUEST, rds_snapshot_identifier="before-upgrade",
                                                    db_instance_class="db.t3.medium"))
    assert (plan["snapshot"], plan["snapshot_type"], plan["db_instance_class"]) == (
        "before-upgrade", "manual", "db.t3.medium")
    assert plan["sources"]["snapshot"] == "given" and plan["sources"]["db_instance_class"] == "given"


@pytest.mark.parametrize("request_, snapshots, source, error", [
    (dict(REQUEST, rds_snapshot_identifier="other-db-snap"), SNAPSHOTS, SOURCE,
     "backup_restore_rds.rds_snapshot_identifier: other-db-snap is no snapshot of db (its snapshots: before-upgrade, "
     "rds:db-2026-12-01, rds:db-2026-12-02)"),
    (dict(REQUEST, rds_snapshot_identifier="rds:db-2026-12-02"), SNAPSHOTS, SOURCE,
     "backup_restore_rds.rds_snapshot_identifier: rds:db-2026-12-02 is creating, not available"),
    (REQUEST, {"snapshots": SNAPSHOTS["snapshots"][2:]}, SOURCE,
     "no available snapshot of db (1 snapshot(s) in another state)"),
    (REQUEST, SNAPSHOTS, {"instances": []},
     "backup_restore_rds.db_instance_class: db no longer exists to take its class from; give the class"),
    ({"db_instance_identifier": "db"}, SNAPSHOTS, SOURCE, "backup_restore_rds.target_db_instance_identifier: give"),
])
def test_what_blocks_the_restore_names_the_variable(request_, snapshots, source, error):
    assert rds_restore_plan(snapshots, source, request_)["error"].startswith(error)


@pytest.mark.parametrize("hostile", ["{{ lookup('ansible.builtin.pipe', 'id') }}", "x; touch /tmp/m $(id) `id`",
                                     "before-upgrade\nrds:db-2026-12-01", "before-upgrade "])
def test_a_hostile_snapshot_name_is_compared_as_data_and_refused_as_given(hostile):
    """A name is found only by equality - never a pattern, a prefix or a trimmed form - and is quoted back as given."""
    plan = rds_restore_plan(SNAPSHOTS, SOURCE, dict(REQUEST, rds_snapshot_identifier=hostile))
    assert plan["snapshot"] == "" and plan["error"].startswith(
        "backup_restore_rds.rds_snapshot_identifier: %s is no snapshot of db" % hostile)


def test_a_snapshot_of_another_instance_is_never_taken():
    theirs = {"snapshots": [dict(SNAPSHOTS["snapshots"][0], db_instance_identifier="other")]}
    assert rds_restore_plan(theirs, SOURCE, REQUEST)["error"].startswith("no available snapshot of db")


def test_source_gone_with_a_given_class_restores_with_the_snapshots_engine():
    plan = rds_restore_plan(SNAPSHOTS, {"instances": []}, dict(REQUEST, db_instance_class="db.t3.small"))
    assert plan["error"] == "" and plan["engine"] == "postgres" and plan["sources"]["engine"] == "the snapshot"
    assert plan["db_subnet_group_name"] == "" and "db_subnet_group_name" not in plan["sources"]


def test_the_checks_of_a_restore_an_existing_target_and_a_plan():
    plan = rds_restore_plan(SNAPSHOTS, SOURCE, REQUEST)
    after = {"instances": [{"db_instance_class": "db.r6g.large", "db_instance_status": "available"}]}
    done = rds_restore_checks(plan, {"instances": []}, after, True, False)
    assert [(c["check"], c["status"]) for c in done] == [("restore", "pass"), ("restored instance", "pass")]
    assert done[0]["reason"].startswith("restored from snapshot rds:db-2026-12-01 (the newest available, taken ")
    wrong = rds_restore_checks(plan, {"instances": []}, {"instances": [dict(after["instances"][0],
                                                                            db_instance_class="db.t3.micro")]}, True)
    assert wrong[1]["status"] == "fail" and wrong[1]["reason"].endswith("(planned db.r6g.large)")
    ours = rds_restore_checks(plan, {"instances": [{"tags": {"ops.runbooks:restored-from": "x"}}]}, after)
    assert [(c["status"], c["observed"]) for c in ours] == [("pass", "x")]
    theirs = rds_restore_checks(plan, {"instances": [{"tags": {}}]}, after)
    assert theirs[0]["status"] == "warn" and "never modifies an existing instance" in theirs[0]["reason"]
    planned = rds_restore_checks(plan, {"instances": []}, {"instances": []}, False, True)
    assert planned[0]["status"] == "skipped" and planned[0]["reason"].startswith("would restore from snapshot")
    lost = rds_restore_checks(plan, {"instances": []}, {"instances": []}, True, False)
    assert lost[0]["status"] == "fail"
    with pytest.raises(AnsibleFilterError):
        rds_restore_checks("x", [], [])
