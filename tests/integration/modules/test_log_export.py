# -*- coding: utf-8 -*-
"""log_export against the emulator (moto runs an export task to COMPLETED at once and writes the events to S3):
runbook 004 "Export Logs for Analysis" - what lands in the bucket, a second run that finds the first run's task,
check mode that starts nothing, an empty window that is no pass, a failed task, and the IAM actions it needs."""
from __future__ import annotations

import contextlib
import datetime
import gzip
import time
import uuid

import pytest

from buckets import scratch_bucket
from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.moto_only("CloudWatch Logs export tasks: moto's")


@contextlib.contextmanager
def _log_world(client, names):
    """Log groups ``names`` under a fresh tag, each with three events a minute old, and a bucket; afterwards the
    bucket emptied and removed, the groups deleted. ``client``: the sandbox's (service -> client)."""
    logs, s3, tag = client("logs"), client("s3"), uuid.uuid4().hex[:8]
    groups, bucket = ["/test/le-%s/%s" % (tag, name) for name in names], "le-exports-%s" % tag
    now = int(time.time() * 1000)
    for group in groups:
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="s1")
        logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[
            {"timestamp": now - 60000 + i, "message": "%s line %d" % (group, i)} for i in range(3)])
    try:
        with scratch_bucket(s3, bucket):
            yield groups, bucket, now
    finally:
        for group in groups:
            logs.delete_log_group(logGroupName=group)


@pytest.fixture
def world(aws):
    """Two log groups with events a minute old, a bucket, and a window around the events."""
    with _log_world(aws, ["api", "worker"]) as (groups, bucket, now):
        start = datetime.datetime.fromtimestamp(now / 1000 - 600, datetime.timezone.utc).replace(microsecond=0)
        end = start + datetime.timedelta(minutes=20)
        yield {"groups": groups, "bucket": bucket, "start": start.isoformat(), "end": end.isoformat()}


def _args(world, **extra):
    return dict({"log_group_names": world["groups"], "destination": world["bucket"],
                 "destination_prefix": "incidents/INC-1", "start_time": world["start"], "end_time": world["end"]},
                **extra)


def _keys(aws, world):
    return sorted(o["Key"] for o in aws("s3").list_objects_v2(Bucket=world["bucket"]).get("Contents", []))


def test_each_group_lands_under_its_prefix_and_a_second_run_finds_it(run_module, aws, world):
    planned = run_module("log_export", _args(world), check_mode=True, diff=True)
    assert planned["changed"] is True and [e["status"] for e in planned["exports"]] == ["PLANNED", "PLANNED"]
    assert [c["status"] for c in planned["checks"]] == ["skipped", "skipped"]
    assert _keys(aws, world) == [] and not [t for t in aws("logs").describe_export_tasks()["exportTasks"]
                                            if t["logGroupName"] in world["groups"]]  # check mode started nothing
    done = run_module("log_export", _args(world), diff=True)
    assert done["changed"] is True and not done.get("failed"), done
    assert [(e["status"], e["created"]) for e in done["exports"]] == [("COMPLETED", True)] * 2
    assert [c["status"] for c in done["checks"]] == ["pass", "pass"]
    api = done["exports"][0]
    assert api["prefix"] == "incidents/INC-1/" + world["groups"][0].strip("/") and api["objects"] >= 1
    keys = [k for k in _keys(aws, world) if k.startswith(api["prefix"] + "/")]
    assert keys and len(keys) == api["objects"]
    body = gzip.decompress(aws("s3").get_object(Bucket=world["bucket"], Key=keys[0])["Body"].read()).decode()
    assert world["groups"][0] + " line 0" in body and world["groups"][1] not in body
    assert done["diff"]["before"] == {g: None for g in world["groups"]}
    again = run_module("log_export", dict(_args(world), wait=False))  # found COMPLETED: nothing to wait for
    assert again["changed"] is False and [e["created"] for e in again["exports"]] == [False, False]
    assert [e["task_id"] for e in again["exports"]] == [e["task_id"] for e in done["exports"]]
    assert "(exported by an earlier run)" in again["checks"][0]["reason"]
    assert len(_keys(aws, world)) == sum(e["objects"] for e in done["exports"]) + 1  # + AWS's aws-logs-write-test


def test_a_window_without_events_exports_nothing_and_is_no_pass(run_module, world):
    quiet = _args(world, log_group_names=world["groups"][:1], start_time="2020-01-01T00:00:00Z",
                  end_time="2020-01-01T01:00:00Z")
    result = run_module("log_export", quiet)
    assert not result.get("failed") and result["changed"] is False, result
    assert (result["exports"][0]["status"], result["exports"][0]["task_id"]) == ("NO_EVENTS", None)
    assert result["checks"][0]["status"] == "warn" and result["checks"][0]["reason"].startswith("no events in ")
    assert result["checks"][0]["reason"].endswith("nothing to export, no export task started")


def test_a_group_that_does_not_exist_fails_naming_it(run_module, world):
    result = run_module("log_export", _args(world, log_group_names=["/test/le-none/gone"]))
    assert result["failed"] is True and result["msg"] == "log_group_names: log group /test/le-none/gone not found", \
        result["msg"]


@pytest.mark.parametrize("hostile", [
    "/aws/lambda/{{ lookup('ansible.builtin.pipe', 'touch %(marker)s') }}",
    "/aws/lambda/x; touch %(marker)s",
    "/aws/lambda/$(touch %(marker)s)`touch %(marker)s`",
    "/aws/lambda/x\ntouch %(marker)s",
])
def test_a_name_aws_refuses_is_refused_before_any_call_as_data(run_module, aws, world, tmp_path, hostile):
    """Hostile names (Jinja, shell metacharacters, a newline) beside a real group: the run fails naming the parameter
    and the name as it was given, nothing is evaluated, no export task is started for either group."""
    marker = tmp_path / "evaluated"
    name = hostile % {"marker": marker}
    result = run_module("log_export", _args(world, log_group_names=[world["groups"][0], name]))
    assert result["failed"] is True and result["msg"].startswith("log_group_names: %r is no log group name" % name)
    assert "Traceback" not in result.get("module_stderr", "") and not marker.exists()
    assert not [t for t in aws("logs").describe_export_tasks()["exportTasks"] if t["logGroupName"] in world["groups"]]
    assert _keys(aws, world) == []


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("log_export")
    assert set(actions) == {"logs:DescribeExportTasks", "logs:FilterLogEvents", "logs:CreateExportTask", "s3:ListBucket"}
    with _log_world(iam_sandbox.client, ["iam"]) as ([group], bucket, _now):
        for index, missing in enumerate([None] + actions):
            args = {"log_group_names": [group], "destination": bucket, "destination_prefix": "iam/%d" % index,
                    "start_time": "1h"}
            result = run_module_iam("log_export", args, iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
            if missing is None:
                assert not result.get("failed"), result["msg"]
            else:
                assert_denied(result, missing)
