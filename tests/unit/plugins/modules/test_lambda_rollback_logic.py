# -*- coding: utf-8 -*-
"""Unit tests of the rollback's version arithmetic and guards.

The emulator ignores MaxItems on ListVersionsByFunction (one page), so paging is tested here with botocore's
Stubber: versions spread over several pages, $LATEST first, a deleted version missing.
"""
from __future__ import annotations

import datetime

import pytest
from stubbed import retrying
from stubbed import client as make_client
from botocore.stub import Stubber

from ansible_collections.ops.runbooks.plugins.module_utils import errors
from ansible_collections.ops.runbooks.plugins.module_utils import awslambda
from ansible_collections.ops.runbooks.plugins.module_utils import health
from ansible_collections.ops.runbooks.plugins.modules import lambda_rollback


def _versions(*names):
    return [{"Version": v, "FunctionName": "f"} for v in names]


def test_versions_over_three_pages_latest_first_and_a_gap():
    client = make_client("lambda")
    with Stubber(client) as stub:
        stub.add_response("list_versions_by_function",
                          {"Versions": _versions("$LATEST", *[str(i) for i in range(1, 50)]), "NextMarker": "m1"},
                          {"FunctionName": "f", "MaxItems": 50})
        stub.add_response("list_versions_by_function",
                          {"Versions": _versions(*[str(i) for i in range(50, 100) if i != 77]), "NextMarker": "m2"},
                          {"FunctionName": "f", "MaxItems": 50, "Marker": "m1"})
        stub.add_response("list_versions_by_function", {"Versions": _versions("100", "101")},
                          {"FunctionName": "f", "MaxItems": 50, "Marker": "m2"})
        published = awslambda.list_published_versions(retrying(client), "f")
        stub.assert_no_pending_responses()
    assert published[0] == 1 and published[-1] == 101 and 77 not in published and len(published) == 100
    # The shell's Versions[-2] of page one would be "48"; the alias serves 101, so the answer is 100.
    assert awslambda.previous_version(published, "101") == 100
    assert awslambda.previous_version(published, "78") == 76  # 77 was deleted
    assert awslambda.previous_version(published, awslambda.LATEST) == 101


def test_numeric_not_lexical_order():
    assert awslambda.previous_version([2, 9, 10, 11], "10") == 9
    assert awslambda.previous_version([1, 2], "1") is None
    assert awslambda.previous_version([], awslambda.LATEST) is None


def test_unknown_function_while_listing():
    client = make_client("lambda")
    with Stubber(client) as stub:
        stub.add_client_error("list_versions_by_function", "ResourceNotFoundException", http_status_code=404)
        with pytest.raises(awslambda.NotFound, match="function f not found"):
            awslambda.list_published_versions(retrying(client), "f")


@pytest.mark.parametrize("value, ok", [("1", True), ("42", True), ("0", False), ("$LATEST", False), ("v2", False),
                                       ("2.0", False), ("-1", False), ("", False), (" 3", False)])
def test_is_version_number(value, ok):
    assert awslambda.is_version_number(value) is ok


def test_rollback_record_round_trip():
    text = awslambda.rollback_description("5", "4", "2026-11-22T10:00:00Z")
    assert awslambda.rollback_record(text) == ("5", "4")
    assert awslambda.rollback_record("deployed by pipeline") is None
    assert awslambda.rollback_record(None) is None


def _params(**kw):
    base = {"function_name": "f", "alias": "live", "target_version": None, "from_version": None,
            "clear_routing": True}
    base.update(kw)
    return base


def _alias(version, weights=None, description=""):
    return {"version": version, "weights": weights or {}, "description": description, "revision_id": "r"}


def test_guards():
    record = ("5", "4")  # what recorded_rollback read: the function's tag (or an old alias description)
    on_target = _alias("4")
    assert lambda_rollback.nothing_to_do(_params(), on_target, record).startswith(
        "already rolled back from 5 to 4 (recorded in the function's tag ops.runbooks:rollback:live)")
    assert lambda_rollback.nothing_to_do(_params(from_version="4"), on_target, record) is None
    assert lambda_rollback.nothing_to_do(_params(), _alias("6"), record) is None
    assert lambda_rollback.nothing_to_do(_params(), on_target, None) is None
    assert "not from_version 9" in lambda_rollback.nothing_to_do(_params(from_version="9"), _alias("5"), None)
    # a canary weight added on top of a recorded rollback is still cleared (same version, no second step)
    canary = _alias("4", {"6": 0.1})
    assert lambda_rollback.nothing_to_do(_params(), canary, record) is None
    assert lambda_rollback.choose_target(_params(), canary, [1, 2, 3, 4, 5, 6], record) == "4"


def test_choose_target_errors():
    with pytest.raises(errors.OpsRunbooksError, match="version 7 of f does not exist"):
        lambda_rollback.choose_target(_params(target_version="7"), _alias("5"), [1, 2, 5], None)
    with pytest.raises(errors.OpsRunbooksError, match="no published version older than version 1"):
        lambda_rollback.choose_target(_params(), _alias("1"), [1, 2], None)
    assert lambda_rollback.choose_target(_params(), _alias("5"), [1, 2, 5], None) == "2"


@pytest.mark.parametrize("params, message", [
    ({"target_version": "$LATEST"}, "target_version"),
    ({"from_version": "abc"}, "from_version"),
    ({"wait_timeout": -5}, "wait_timeout"),
])
def test_validate(params, message):
    base = dict(_params(), wait_timeout=300, health_check=None)
    base.update(params)
    with pytest.raises(errors.OpsRunbooksError, match=message):
        lambda_rollback.validate(base)


def test_invoke_function_error_fails_the_check():
    """FunctionError cannot be produced by the emulator (its non-Docker invoke only echoes): Stubber."""
    client = make_client("lambda")
    with Stubber(client) as stub:
        stub.add_response("invoke", {"StatusCode": 200, "FunctionError": "Unhandled",
                                     "Payload": _body(b'{"errorMessage": "boom"}')})
        result = health.check_invoke(retrying(client), "f", "live", {"payload": {}, "expected_status": [200]})
    assert result["status"] == "fail" and result["reason"].startswith("function error Unhandled")


def test_health_gate_polls_until_pass_without_fixed_sleeps(monkeypatch, no_backoff_sleep):
    rounds = iter([{"status": "fail", "reason": "in ALARM: a"}, {"status": "pass", "reason": "ok"}])
    monkeypatch.setattr(health, "check_alarms", lambda cw, names: next(rounds))
    spec = {"invoke": None, "metric_errors": None, "alarms": ["a"], "url": None, "retries": 3, "delay": 7}
    passed, results, attempts = health.run_health_gate(None, None, "f", "live", spec,
                                                       datetime.datetime.now(datetime.timezone.utc))
    assert passed is True and attempts == 2 and no_backoff_sleep == [7] and results["alarms"]["status"] == "pass"


def _body(data):
    from botocore.response import StreamingBody
    import io

    return StreamingBody(io.BytesIO(data), len(data))
