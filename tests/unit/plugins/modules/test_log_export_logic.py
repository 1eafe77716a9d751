# -*- coding: utf-8 -*-
"""log_export's logic the emulator cannot show (moto runs every export task to COMPLETED at once, never refuses a
second active task, never loses an answer), with botocore's Stubber: the account's one export slot taken by
another task (LimitExceededException) - waited for, bounded by wait_timeout; an answer lost after the task started -
found, not started twice; a task that failed or did not finish - a failed check."""
from __future__ import annotations

import datetime

import pytest
from botocore.stub import Stubber

from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.modules import log_export

import stubbed

START = datetime.datetime(2026, 12, 7, 8, tzinfo=datetime.timezone.utc)
END = START + datetime.timedelta(hours=1)
GROUP, BUCKET, PREFIX = "/aws/lambda/f", "exports", "inc/1/aws/lambda/f"


class _Module:
    params = {"poll_interval": 1, "wait_timeout": 3}


def _task(task_id, code="COMPLETED"):
    return {"taskId": task_id, "logGroupName": GROUP, "from": int(START.timestamp() * 1000),
            "to": int(END.timestamp() * 1000), "destination": BUCKET, "destinationPrefix": PREFIX,
            "status": {"code": code}}


@pytest.fixture
def clock(monkeypatch):
    return stubbed.fake_clock(monkeypatch, log_export)


def test_the_slot_taken_by_another_task_is_waited_for_then_the_export_starts(clock):
    once, logs = stubbed.client("logs"), stubbed.client("logs")
    stub = Stubber(once)
    stub.add_client_error("create_export_task", "LimitExceededException", "Resource limit exceeded.", 400)
    stub.add_response("create_export_task", {"taskId": "t-2"})
    with stub:
        assert log_export.start_task(_Module, stubbed.retrying(logs), once, GROUP, START, END, BUCKET, PREFIX) == "t-2"
    stub.assert_no_pending_responses()
    assert clock[0] == 1  # one pause of poll_interval


def test_a_slot_taken_for_longer_than_wait_timeout_fails_naming_it(clock):
    once = stubbed.client("logs")
    stub = Stubber(once)
    for _attempt in range(4):  # at 0, 1, 2, 3 s: wait_timeout 3
        stub.add_client_error("create_export_task", "LimitExceededException", "Resource limit exceeded.", 400)
    with stub, pytest.raises(InvalidInput, match=r"^wait_timeout: the account's export slot stayed taken by another "
                                                 r"export task for 3s"):
        log_export.start_task(_Module, stubbed.retrying(stubbed.client("logs")), once, GROUP, START, END, BUCKET, PREFIX)


def test_a_lost_answer_finds_the_started_task_and_never_starts_a_second(clock):
    once, logs = stubbed.client("logs"), stubbed.client("logs")
    sent, found = Stubber(once), Stubber(logs)
    sent.add_client_error("create_export_task", "ServiceUnavailableException", "lost", 503)
    found.add_response("describe_export_tasks", {"exportTasks": [_task("t-lost", "RUNNING")]})
    with sent, found:
        assert log_export.start_task(_Module, stubbed.retrying(logs), once, GROUP, START, END, BUCKET,
                                     PREFIX) == "t-lost"
    sent.assert_no_pending_responses()
    found.assert_no_pending_responses()


def test_a_failed_task_is_never_reused_and_a_completed_one_is():
    logs = stubbed.client("logs")
    stub = Stubber(logs)
    stub.add_response("describe_export_tasks", {"exportTasks": [_task("t-failed", "FAILED")]})
    stub.add_response("describe_export_tasks", {"exportTasks": [_task("t-failed", "FAILED"), _task("t-ok")]})
    with stub:
        tasks = log_export.export_tasks(stubbed.retrying(logs))
        assert log_export.find_task(tasks, GROUP, START, END, BUCKET, PREFIX) is None
        tasks = log_export.export_tasks(stubbed.retrying(logs))
        assert log_export.find_task(tasks, GROUP, START, END, BUCKET, PREFIX)["taskId"] == "t-ok"


@pytest.mark.parametrize("entry, status, reason", [
    ({"status": "FAILED", "message": "Access denied to the bucket"}, "fail",
     "export task t-1 FAILED: Access denied to the bucket"),
    ({"status": "RUNNING", "waited": True}, "fail", "export task t-1 still RUNNING after wait_timeout"),
    ({"status": "RUNNING"}, "unknown", "export task t-1 still RUNNING (wait: false)"),
    ({"status": "COMPLETED", "objects": 0, "created": True}, "warn", "the export task t-1 completed and wrote nothing"),
    ({"status": "COMPLETED", "objects": 2, "bytes": 90, "created": False}, "pass", "2 object(s), 90 bytes of w in s3://"
     "exports/inc/1/aws/lambda/f/ (exported by an earlier run)"),
])
def test_each_end_of_a_task_is_its_check(entry, status, reason):
    check = log_export.export_check(dict({"log_group": GROUP, "prefix": PREFIX, "task_id": "t-1"}, **entry), "w",
                                    BUCKET)
    assert check["status"] == status and check["reason"].startswith(reason), check
