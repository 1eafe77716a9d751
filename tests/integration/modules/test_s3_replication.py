# -*- coding: utf-8 -*-
"""s3_replication against the emulator: runbook 004's cross-region replication of a bucket to its backup bucket -
the rule read back from S3, the bucket's other rule kept, a second run and check mode that change nothing, an
unversioned bucket and another role refused before anything is written, and the IAM actions it needs."""
from __future__ import annotations

import contextlib
import uuid

from buckets import scratch_bucket
from iam import assert_denied, documented_actions, policy

ROLE = "arn:aws:iam::123456789012:role/s3-replication"


@contextlib.contextmanager
def _pair(client, versioned=True):
    s3, tag = client("s3"), uuid.uuid4().hex[:8]
    with scratch_bucket(s3, "rep-src-" + tag) as source, scratch_bucket(s3, "rep-bak-" + tag) as backup:
        if versioned:
            for bucket in (source, backup):
                s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        try:
            yield s3, source, backup
        finally:
            try:
                s3.delete_bucket_replication(Bucket=source)
            except s3.exceptions.ClientError:
                pass


def _rules(s3, bucket):
    return s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]


def test_the_rule_is_written_beside_the_buckets_other_rule_and_a_second_run_changes_nothing(run_module, aws):
    with _pair(aws) as (s3, source, backup):
        other = {"ID": "someone-elses", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": "logs/"},
                 "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": "arn:aws:s3:::" + backup}}
        s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={"Role": ROLE, "Rules": [other]})
        args = {"bucket": source, "destination_bucket": backup, "role_arn": ROLE, "prefix": "feeds/",
                "storage_class": "STANDARD_IA"}
        planned = run_module("s3_replication", args, check_mode=True, diff=True)
        assert planned["changed"] is True and [r["ID"] for r in _rules(s3, source)] == ["someone-elses"], planned
        done = run_module("s3_replication", args, diff=True)
        assert done["changed"] is True and done["rules"] == ["someone-elses", "ops-runbooks-to-" + backup], done
        [kept, rule] = _rules(s3, source)
        assert kept == other
        assert (rule["Filter"], rule["Destination"], rule["Priority"], rule["Status"]) == (
            {"Prefix": "feeds/"}, {"Bucket": "arn:aws:s3:::" + backup, "StorageClass": "STANDARD_IA"}, 2, "Enabled")
        assert run_module("s3_replication", args)["changed"] is False


def test_an_unversioned_bucket_and_another_role_are_refused_before_anything_is_written(run_module, aws):
    with _pair(aws, versioned=False) as (s3, source, backup):
        result = run_module("s3_replication", {"bucket": source, "destination_bucket": "arn:aws:s3:::" + backup,
                                               "role_arn": ROLE})
        assert result["failed"] is True and result["msg"] == \
            "bucket: versioning of %s is never enabled - replication needs it Enabled on both buckets" % source
    with _pair(aws) as (s3, source, backup):
        s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={"Role": ROLE, "Rules": [{
            "ID": "theirs", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""},
            "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": "arn:aws:s3:::" + backup}}]})
        other_role = "arn:aws:iam::123456789012:role/another"
        result = run_module("s3_replication", {"bucket": source, "destination_bucket": backup, "role_arn": other_role,
                                               "delete_marker_replication": True, "rule_id": "mine"})
        assert result["failed"] is True and result["msg"].startswith("role_arn: %s replicates with the role %s" % (
            source, ROLE)), result["msg"]
        assert [r["ID"] for r in _rules(s3, source)] == ["theirs"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("s3_replication")
    assert set(actions) == {"s3:GetReplicationConfiguration", "s3:PutReplicationConfiguration",
                            "s3:GetBucketVersioning", "iam:PassRole"}
    checked = [a for a in actions if a != "iam:PassRole"]  # AWS checks it; the emulator does not
    for missing in [None] + checked:
        with _pair(iam_sandbox.client) as (_s3, source, backup):
            result = run_module_iam("s3_replication", {"bucket": source, "destination_bucket": backup,
                                                       "role_arn": ROLE},
                                    iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
            if missing is None:
                assert not result.get("failed"), result["msg"]
            else:
                assert_denied(result, missing)
