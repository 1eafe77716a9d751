# -*- coding: utf-8 -*-
"""xray_traces against the emulator: runbook 004's X-Ray trace summaries of a function. moto does not implement
GetTraceSummaries, so here the module must say so - every check unknown with the endpoint's answer, never a pass -
and a function without active tracing is unknown before any X-Ray call; a hostile name never reaches a filter
expression. The counting and listing: tests/unit/plugins/modules/test_xray_traces_logic.py (Stubber)."""
from __future__ import annotations

import contextlib
import uuid

import pytest

from iam import assert_denial_shown, documented_actions, policy
from test_lambda_rollback import ROLE, _zip

pytestmark = pytest.mark.moto_only("Lambda is not among the services the LocalStack sandbox runs")


@contextlib.contextmanager
def _function(client, mode):
    lam, name = client("lambda"), "xr-" + uuid.uuid4().hex[:8]
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": _zip(1)}, TracingConfig={"Mode": mode})
    try:
        yield name
    finally:
        lam.delete_function(FunctionName=name)


def test_an_endpoint_without_trace_summaries_is_unknown_never_a_pass(run_module, aws):
    with _function(aws, "Active") as name:
        result = run_module("xray_traces", {"function_name": name, "queries": ["slow", "fault", "cold_start"],
                                            "min_response_time": 3})
        assert not result.get("failed") and result["tracing"] == "Active", result
        assert [c["status"] for c in result["checks"]] == ["unknown"] * 3
        assert result["checks"][0]["reason"].startswith("X-Ray did not answer GetTraceSummaries: ")


def test_without_active_tracing_every_check_is_unknown(run_module, aws):
    with _function(aws, "PassThrough") as name:
        result = run_module("xray_traces", {"function_name": name, "queries": ["cold_start"], "window": "2h",
                                            "max_traces": 10, "top": 3})
        assert result["tracing"] == "PassThrough" and result["checks"][0]["status"] == "unknown", result
        assert result["checks"][0]["reason"] == "tracing is PassThrough, not Active: X-Ray holds no traces of %s" % name


@pytest.mark.parametrize("hostile", ['f") OR service("x', "f OR true", "{{ lookup('pipe', 'id') }}", "f\nx"])
def test_a_hostile_name_never_reaches_a_filter_expression(run_module, hostile):
    result = run_module("xray_traces", {"function_name": hostile, "queries": ["fault"]})
    assert result["failed"] is True and result["msg"].startswith("function_name: %r is no Lambda function name" % hostile)


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("xray_traces")
    assert set(actions) == {"lambda:GetFunctionConfiguration", "xray:GetTraceSummaries"}
    with _function(iam_sandbox.client, "Active") as name:
        for missing in [None] + actions:
            result = run_module_iam("xray_traces", {"function_name": name, "queries": ["fault"]},
                                    iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
            if missing is None:  # moto answers NotImplemented once IAM let the call through
                assert "not authorized" not in str(result["checks"]), result
            elif missing.startswith("lambda:"):
                assert result["failed"] is True
                assert_denial_shown(result, missing)
            else:  # the denial is the check's reason: unknown, shown
                assert result["checks"][0]["status"] == "unknown"
                assert_denial_shown(result, missing)
