# -*- coding: utf-8 -*-
"""Unit tests of the shared plumbing: paging with retries, waiters, polling, and the one error guard.

Throttling, terminal waiter states and a StartMessageMoveTask the endpoint does not offer cannot be produced on
demand by the emulator: botocore's Stubber plays AWS here, under the same retrying wrapper the modules use.
"""
from __future__ import annotations

import json
import sys

import pytest
from botocore.stub import Stubber

sys.path.insert(0, __file__.rsplit("/module_utils/", 1)[0] + "/modules")
from stubbed import add_queue_arns  # noqa: E402  pylint: disable=wrong-import-position
from stubbed import client as make_client  # noqa: E402  pylint: disable=wrong-import-position
from stubbed import retrying  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.ops.runbooks.plugins.module_utils import awslambda  # noqa: E402
from ansible_collections.ops.runbooks.plugins.module_utils import dynamodb  # noqa: E402
from ansible_collections.ops.runbooks.plugins.module_utils import errors  # noqa: E402
from ansible_collections.ops.runbooks.plugins.module_utils import waiting  # noqa: E402
from ansible_collections.ops.runbooks.plugins.modules import sqs_redrive  # noqa: E402

ARN = "arn:aws:dynamodb:eu-central-1:123456789012:table/orders"


def _backup(name, status="AVAILABLE", day=1):
    import datetime
    return {"TableName": "orders", "BackupArn": "%s/backup/0170000000000%d-abcdef12" % (ARN, day), "BackupName": name,
            "BackupStatus": status, "BackupCreationDateTime": datetime.datetime(2026, 11, day)}


def test_a_throttled_page_is_retried_and_every_page_is_read(no_backoff_sleep):
    client = make_client("dynamodb")
    with Stubber(client) as stub:
        stub.add_client_error("list_backups", "Throttling", http_status_code=400)
        stub.add_response("list_backups", {"BackupSummaries": [_backup("aaa", day=1)],
                                           "LastEvaluatedBackupArn": _backup("aaa", day=1)["BackupArn"]})
        stub.add_response("list_backups", {"BackupSummaries": [_backup("bbb", day=2)]},
                          {"TableName": "orders", "BackupType": "ALL",
                           "ExclusiveStartBackupArn": _backup("aaa", day=1)["BackupArn"]})
        backups = dynamodb.list_backups(retrying(client), "orders")
        stub.assert_no_pending_responses()
    assert [b["BackupName"] for b in backups] == ["bbb", "aaa"]  # newest first, both pages
    assert len(no_backoff_sleep) == 1  # one backoff for the retried "Throttling"


def test_scan_count_adds_the_counts_of_every_page():
    client = make_client("dynamodb")
    with Stubber(client) as stub:
        stub.add_response("scan", {"Count": 3, "ScannedCount": 3, "LastEvaluatedKey": {"id": {"S": "k"}}})
        stub.add_response("scan", {"Count": 4, "ScannedCount": 4},
                          {"TableName": "t", "Select": "COUNT", "ExclusiveStartKey": {"id": {"S": "k"}}})
        assert dynamodb.count_items(retrying(client), "t") == 7


def test_waiter_success_failure_timeout_and_unexpected_error():
    client = make_client("lambda")
    config = {"FunctionName": "f", "Version": "4"}
    with Stubber(client) as stub:
        stub.add_response("get_function_configuration", dict(config, State="Pending"))
        stub.add_response("get_function_configuration", dict(config, State="Active"))
        awslambda.wait_active(retrying(client), "f", "4", 10)
        stub.add_response("get_function_configuration", dict(config, State="Failed", StateReason="bad image"))
        with pytest.raises(errors.OperationFailed, match="State=Failed, StateReason=bad image"):
            awslambda.wait_active(retrying(client), "f", "4", 10)
        for _attempt in range(3):  # custom_waiter_config(2, 2): one pause of 1s, up to 3 attempts
            stub.add_response("get_function_configuration", dict(config, State="Pending"))
        with pytest.raises(errors.WaitTimeout, match="wait_timeout: version 4 of f to be Active"):
            awslambda.wait_active(retrying(client), "f", "4", 2)
        stub.add_client_error("get_function_configuration", "AccessDeniedException", "no lambda:GetFunctionConfiguration",
                              http_status_code=403)
        with pytest.raises(Exception, match="AccessDeniedException") as denied:
            awslambda.wait_active(retrying(client), "f", "4", 10)
        assert type(denied.value).__name__ == "ClientError"  # handled like any AWS error: fail_json_aws


def test_custom_waiter_for_a_restored_table():
    client = make_client("dynamodb")
    table = {"TableName": "orders", "TableStatus": "ACTIVE", "TableArn": ARN}
    with Stubber(client) as stub:
        stub.add_client_error("describe_table", "ResourceNotFoundException", http_status_code=400)
        stub.add_response("describe_table", {"Table": dict(table, RestoreSummary={
            "RestoreInProgress": True, "RestoreDateTime": "2026-11-22T00:00:00Z"})})
        stub.add_response("describe_table", {"Table": dict(table, RestoreSummary={
            "RestoreInProgress": False, "RestoreDateTime": "2026-11-22T00:00:00Z"})})
        stub.add_response("describe_table", {"Table": table})
        assert dynamodb.wait_table_active(retrying(client), "orders", 60)["TableName"] == "orders"
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("attempts, timeout, answers, expected", [
    (None, None, [False, False, True], (True, 3)),
    (2, None, [False, False, True], (False, 2)),
    (None, 0, [False, True], (False, 1)),
])
def test_poll_stops_on_done_attempts_or_time(attempts, timeout, answers, expected, no_backoff_sleep):
    answers = iter(answers)
    done, value, calls = waiting.poll(lambda: (next(answers), "v"), 5, timeout=timeout, attempts=attempts)
    assert (done, calls) == expected and value == "v"
    assert no_backoff_sleep == [5] * (calls - 1)


class FakeModule:
    def __init__(self):
        self.ended = None

    def fail_json(self, **kwargs):
        self.ended = ("fail_json", kwargs)
        raise SystemExit(1)

    def fail_json_aws(self, exception, msg=None, **kwargs):
        self.ended = ("fail_json_aws", dict(kwargs, msg=msg, exception=type(exception).__name__))
        raise SystemExit(1)


@pytest.mark.parametrize("raised, how, msg", [
    (errors.InvalidInput("retain: 0 must be 1 or more"), "fail_json", "retain: 0 must be 1 or more"),
    (errors.WaitTimeout("wait_timeout: x"), "fail_json", "wait_timeout: x"),
])
def test_the_guard_ends_the_module_with_the_partial_result(raised, how, msg):
    module, result = FakeModule(), {"changed": False}
    with pytest.raises(SystemExit):
        with errors.ending_on_error(module, result, "do it"):
            result["changed"] = True
            raise raised
    assert module.ended == (how, {"msg": msg, "changed": True})


def test_the_guard_reports_aws_errors_with_the_action():
    import botocore.exceptions
    module = FakeModule()
    with pytest.raises(SystemExit):
        with errors.ending_on_error(module, {"moved": 3}, "redrive q"):
            raise botocore.exceptions.ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "Op")
    assert module.ended == ("fail_json_aws", {"moved": 3, "msg": "Failed to redrive q", "exception": "ClientError"})


DLQ = "https://sqs.eu-central-1.amazonaws.com/123456789012/q-dlq"
DEST = "https://sqs.eu-central-1.amazonaws.com/123456789012/q"


def _arns(stub):
    add_queue_arns(stub, DLQ, DEST)


@pytest.mark.parametrize("code", ["UnsupportedOperation", "InvalidAction", "NotImplemented"])
def test_move_task_unsupported_only_by_its_error_code(code):
    client = make_client("sqs")
    with Stubber(client) as stub:
        _arns(stub)
        stub.add_client_error("start_message_move_task", code, http_status_code=501 if code == "NotImplemented" else 400)
        assert sqs_redrive.move_with_task(retrying(client), DLQ, DEST, None, True, 60) is None


def test_move_task_internal_error_is_retried_then_fails_never_switches_strategy(no_backoff_sleep):
    """StartMessageMoveTask is sent once per attempt (send_once): after each 500 the module looks for a task it may
    have started (none running), pauses, sends again - four attempts, then AWS's error; never "unsupported"."""
    client = make_client("sqs")
    with Stubber(client) as stub:
        _arns(stub)
        for attempt in range(4):
            stub.add_client_error("start_message_move_task", "InternalError", http_status_code=500)
            if attempt < 3:
                stub.add_response("list_message_move_tasks", {"Results": []})
        with pytest.raises(Exception, match="InternalError"):
            sqs_redrive.move_with_task(retrying(client), DLQ, DEST, None, True, 60)
        stub.assert_no_pending_responses()
    assert len(no_backoff_sleep) == 3


def test_a_bare_500_is_not_unsupported(no_backoff_sleep):
    client = make_client("sqs")
    with Stubber(client) as stub:
        _arns(stub)
        stub.add_client_error("start_message_move_task", "500", "Internal Server Error", http_status_code=500)
        stub.add_response("list_message_move_tasks", {"Results": []})  # no task of its own running: send again
        stub.add_response("start_message_move_task", {"TaskHandle": "h1"})
        stub.add_response("list_message_move_tasks", {"Results": [
            {"TaskHandle": "h1", "Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 3}]})
        assert sqs_redrive.move_with_task(retrying(client), DLQ, DEST, None, True, 60) == (3, "h1")  # retried, not "unsupported"
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("code, status", [
    ("ThrottlingException", 400), ("RequestThrottled", 400), ("TooManyRequestsException", 429),
    ("ServiceException", 500), ("ProvisionedThroughputExceededException", 400), ("SlowDown", 503), ("503", 503),
    ("InternalError", 500), ("Throttling", 400),
])
def test_every_transient_error_class_is_retried(code, status, no_backoff_sleep):
    client = make_client("lambda")
    with Stubber(client) as stub:
        stub.add_client_error("get_alias", code, http_status_code=status)
        stub.add_response("get_alias", {"FunctionVersion": "4", "Name": "live", "RevisionId": "r"})
        assert awslambda.get_alias(retrying(client), "f", "live")["version"] == "4"
        stub.assert_no_pending_responses()
    assert len(no_backoff_sleep) == 1


def test_a_client_error_that_is_not_transient_is_not_retried(no_backoff_sleep):
    client = make_client("lambda")
    with Stubber(client) as stub:
        stub.add_client_error("get_alias", "AccessDeniedException", http_status_code=403)
        with pytest.raises(Exception, match="AccessDeniedException"):
            awslambda.get_alias(retrying(client), "f", "live")
    assert no_backoff_sleep == []


def test_botocore_retries_in_standard_mode_and_single_attempt_clients_send_once(monkeypatch):
    from ansible_collections.ops.runbooks.plugins.module_utils import common
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    assert common.botocore_retry_config() == {"retries": {"mode": "standard"}, "connect_timeout": 10}
    assert common.botocore_retry_config(single_attempt=True) == {"retries": {"mode": "standard",
                                                                             "total_max_attempts": 1},
                                                                 "connect_timeout": 10}
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    assert common.botocore_retry_config()["retries"]["mode"] == "adaptive"


def test_move_task_wait_timeout(no_backoff_sleep):
    client = make_client("sqs")
    with Stubber(client) as stub:
        _arns(stub)
        stub.add_response("start_message_move_task", {"TaskHandle": "h1"})
        stub.add_response("list_message_move_tasks", {"Results": [{"TaskHandle": "h1", "Status": "RUNNING"}]})
        with pytest.raises(errors.WaitTimeout, match="move task h1 still RUNNING after 0s"):
            sqs_redrive.move_with_task(retrying(client), DLQ, DEST, None, True, 0)


def test_no_module_helper_ends_the_module():
    """Helpers raise; only main() ends a module (the issue's rule, checked on the source)."""
    import ast
    import glob
    import os
    root = os.path.dirname(os.path.dirname(os.path.abspath(dynamodb.__file__)))
    offenders = []
    for path in glob.glob(os.path.join(root, "module_utils", "*.py")) + glob.glob(os.path.join(root, "modules", "*.py")):
        tree = ast.parse(open(path).read())
        for func in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            # refuse_bad_arguments: part of making a module (bad arguments end it, as the argument spec's own checks do);
            # fail_json_aws: the module's own override (a readable message), which calls amazon.aws's
            if func.name in ("main", "ending_on_error", "end_module", "refuse_bad_arguments", "fail_json_aws"):
                continue
            for call in [n for n in ast.walk(func) if isinstance(n, ast.Call)]:
                if isinstance(call.func, ast.Attribute) and call.func.attr in ("fail_json", "fail_json_aws", "exit_json"):
                    offenders.append("%s:%s %s" % (os.path.basename(path), call.lineno, func.name))
    assert offenders == []


def test_documented_json_of_waiters_is_valid():
    assert json.dumps(waiting.OpsRunbooksWaiters()._waiter_model_data)  # pylint: disable=protected-access


def _lost_answer():
    import botocore.exceptions
    return botocore.exceptions.ConnectionClosedError(endpoint_url="http://127.0.0.1:1")


def test_send_once_uses_the_effect_of_a_request_whose_answer_was_lost(no_backoff_sleep):
    from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
    sent = []

    def send():
        sent.append(1)
        raise _lost_answer()  # the request reached AWS; its answer did not come back

    assert send_once(send, lambda: "arn:created-by-the-first-request") == "arn:created-by-the-first-request"
    assert len(sent) == 1 and no_backoff_sleep == []


def test_send_once_sends_again_only_when_nothing_took_effect(no_backoff_sleep):
    from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
    answers = iter([_lost_answer(), "arn:second"])

    def send():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert send_once(send, lambda: None) == "arn:second" and len(no_backoff_sleep) == 1


def test_send_once_raises_what_is_not_transient_without_looking():
    import botocore.exceptions
    from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
    looked = []

    def send():
        raise botocore.exceptions.ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "Op")

    with pytest.raises(botocore.exceptions.ClientError):
        send_once(send, lambda: looked.append(1))
    assert looked == []


def test_an_alias_moved_by_a_request_whose_answer_was_lost_is_not_moved_again():
    """UpdateAlias with RevisionId, answer lost: re-sending would fail with PreconditionFailed on AWS although the
    alias moved. The alias is read back instead, found in the intended state, and the rollback goes on."""
    client, once = make_client("lambda"), make_client("lambda")
    with Stubber(client) as stub, Stubber(once) as stub_once:
        stub_once.add_client_error("update_alias", "ServiceException", http_status_code=500)  # answer lost (5xx)
        stub.add_response("get_alias", {"FunctionVersion": "4", "Name": "live", "RevisionId": "r2",
                                        "Description": "moved", "RoutingConfig": {"AdditionalVersionWeights": {}}})
        moved = awslambda.move_alias(retrying(client), once, "f", "live", "4", {}, "moved", "r1")
        stub_once.assert_no_pending_responses()
        stub.assert_no_pending_responses()
    assert moved == {"RevisionId": "r2"}


def test_psycopg2_missing_is_community_postgresqls_one_message(monkeypatch):
    """backup_verify, database_restore, security_audit and connectivity_check end the same way when psycopg2 is
    missing: community.postgresql's ensure_required_libs (missing_required_lib)."""
    from ansible_collections.community.postgresql.plugins.module_utils import postgres as community
    from ansible_collections.ops.runbooks.plugins.module_utils import postgres

    class Module:
        params = {}

        def fail_json(self, msg, **kwargs):
            raise SystemExit(msg)

        def warn(self, msg):
            pass

    monkeypatch.setattr(community, "HAS_PSYCOPG", False)
    try:
        postgres.require_psycopg2(Module())
    except SystemExit as e:
        assert "Failed to import the required Python library (psycopg2)" in str(e)
    else:
        raise AssertionError("no failure without psycopg2")
    monkeypatch.setattr(community, "HAS_PSYCOPG", True)
    postgres.require_psycopg2(Module())  # present: nothing happens


# The retry budget (#33): a persistent 5xx ends after about OPS_RUNBOOKS_RETRY_SECONDS, not after ten backoffs of up to
# 60 s each; the error says how long it was tried, and an HTML error page is one readable line.
HTML_500 = ("<!DOCTYPE HTML PUBLIC><html><head><title>500 Internal Server Error</title></head>"
            "<body><h1>Internal Server Error</h1></body></html>")


class _Clock:
    def __init__(self):
        self.now, self.pauses = 0.0, []

    def monotonic(self):
        return self.now

    def pause(self, seconds):
        self.pauses.append(seconds)
        self.now += seconds


def _html_500():
    import botocore.exceptions
    return botocore.exceptions.ClientError({"Error": {"Code": "500", "Message": HTML_500},
                                            "ResponseMetadata": {"HTTPStatusCode": 500}}, "DescribeAlarms")


@pytest.fixture
def clock(monkeypatch):
    from ansible_collections.ops.runbooks.plugins.module_utils import common
    fake = _Clock()
    monkeypatch.setattr(common.time, "monotonic", fake.monotonic)
    monkeypatch.setattr(common, "pause", fake.pause)
    monkeypatch.setattr(common.random, "uniform", lambda low, high: high)  # the longest pause jitter allows
    return fake


def test_a_persistent_5xx_ends_within_the_retry_budget_and_says_so(clock, monkeypatch):
    from ansible_collections.ops.runbooks.plugins.module_utils import common, errors
    calls = []

    def describe():
        calls.append(clock.now)
        raise _html_500()

    monkeypatch.setenv("OPS_RUNBOOKS_RETRY_SECONDS", "30")
    with pytest.raises(Exception) as raised:
        common.retry_decorator()(describe)()
    assert clock.pauses == [3, 6, 12, 9]  # the fourth pause (24 s) is cut at the budget: the fifth attempt is the last
    assert calls == [0, 3, 9, 21, 30]
    assert errors.retry_note(raised.value) == \
        "gave up after 5 attempts in 30.0 s; retry budget 30 s (OPS_RUNBOOKS_RETRY_SECONDS)"
    text = errors.one_line(raised.value)
    assert "HTTP 500 from the endpoint, not an AWS error (page: 500 Internal Server Error)" in text
    assert "<html" not in text and text.endswith("(gave up after 5 attempts in 30.0 s; retry budget 30 s "
                                                 "(OPS_RUNBOOKS_RETRY_SECONDS))")


def test_the_default_budget_is_a_minute_and_zero_means_one_attempt(clock, monkeypatch):
    from ansible_collections.ops.runbooks.plugins.module_utils import common
    calls = []

    def throttled():
        import botocore.exceptions
        calls.append(clock.now)
        raise botocore.exceptions.ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}},
                                              "ListTables")

    for raw in (None, "", "nan", "-1", "many"):
        if raw is None:
            monkeypatch.delenv("OPS_RUNBOOKS_RETRY_SECONDS", raising=False)
        else:
            monkeypatch.setenv("OPS_RUNBOOKS_RETRY_SECONDS", raw)
        assert common.retry_budget() == 60.0
    with pytest.raises(Exception):
        common.retry_decorator()(throttled)()
    assert clock.pauses == [3, 6, 12, 24, 15] and clock.now == 60  # the fifth pause (48 s) is cut at the minute
    calls.clear()
    with pytest.raises(Exception):
        common.retry_decorator(budget=0)(throttled)()
    assert len(calls) == 1


def test_an_error_that_is_not_transient_is_not_retried_and_a_success_after_retries_returns(clock):
    import botocore.exceptions
    from ansible_collections.ops.runbooks.plugins.module_utils import common
    answers = [_html_500(), _html_500(), "ok"]

    def flaky():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert common.retry_decorator(budget=60)(flaky)() == "ok" and clock.pauses == [3, 6]
    denied = botocore.exceptions.ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListTables")

    def refuse():
        raise denied

    with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
        common.retry_decorator(budget=60)(refuse)()
    assert clock.pauses == [3, 6]


def test_readable_error_leaves_an_aws_error_document_as_it_is():
    import botocore.exceptions
    from ansible_collections.ops.runbooks.plugins.module_utils import errors
    aws = botocore.exceptions.ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no table t"}},
                                          "DescribeTable")
    assert str(errors.readable_error(aws)) == str(aws) and "no table t" in str(aws)
    assert errors.readable_error(ValueError("x")).args == ("x",)
    assert str(errors.readable_error(_html_500())) == ("An error occurred (500) when calling the DescribeAlarms "
                                                       "operation: HTTP 500 from the endpoint, not an AWS error "
                                                       "(page: 500 Internal Server Error)")
