# -*- coding: utf-8 -*-
"""lambda_concurrency against the emulator: the reservation is read back from the emulator."""
from __future__ import annotations

import pytest

from iam import assert_denied, documented_actions, policy
from test_lambda_rollback import make_function


def reserved(lam, name):
    return lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")


def test_set_idempotent_check_mode_and_remove(aws, run_module):
    lam = aws("lambda")
    name = make_function(lam, versions=1)
    planned = run_module("lambda_concurrency", {"function_name": name, "reserved_concurrency": 20},
                         check_mode=True, diff=True)
    assert planned["changed"] is True and planned["current"] == 20 and reserved(lam, name) is None
    assert planned["diff"] == {"before": {"reserved_concurrency": None}, "after": {"reserved_concurrency": 20}}
    first = run_module("lambda_concurrency", {"function_name": name, "reserved_concurrency": 20})
    second = run_module("lambda_concurrency", {"function_name": name, "reserved_concurrency": 20})
    assert first["changed"] is True and second["changed"] is False and reserved(lam, name) == 20
    assert (first["previous"], first["current"]) == (None, 20)
    removed = run_module("lambda_concurrency", {"function_name": name, "state": "absent"})
    assert removed["changed"] is True and reserved(lam, name) is None


@pytest.mark.parametrize("args, message", [
    ({"reserved_concurrency": -1}, "reserved_concurrency: -1 is negative"),
    ({"reserved_concurrency": 500, "max_value": 100}, "above max_value 100"),
    ({"reserved_concurrency": 1, "min_value": 5}, "below min_value 5"),
    ({}, "reserved_concurrency, provisioned_concurrency"),
    ({"state": "absent", "reserved_concurrency": 5}, "reserved_concurrency: 5 cannot go with state=absent"),
])
def test_bad_input(aws, run_module, args, message):
    lam = aws("lambda")
    name = make_function(lam, versions=1)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=3)
    result = run_module("lambda_concurrency", dict({"function_name": name}, **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert reserved(lam, name) == 3  # unchanged


def test_unknown_function(run_module):
    result = run_module("lambda_concurrency", {"function_name": "nope-fn", "reserved_concurrency": 1})
    assert result["failed"] is True and "function nope-fn not found" in result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("lambda_concurrency")
    assert set(actions) == {"lambda:GetFunctionConcurrency", "lambda:PutFunctionConcurrency",
                            "lambda:DeleteFunctionConcurrency", "lambda:GetProvisionedConcurrencyConfig",
                            "lambda:PutProvisionedConcurrencyConfig", "lambda:DeleteProvisionedConcurrencyConfig"}
    # The provisioned-concurrency actions are proven by the Stubber tests only (the emulator has none).
    actions = [a for a in actions if "Provisioned" not in a]
    lam = iam_sandbox.client("lambda")
    name = make_function(lam, versions=1)
    creds = iam_sandbox.iam_user(policy(actions))
    assert not run_module_iam("lambda_concurrency", {"function_name": name, "reserved_concurrency": 3}, creds).get("failed")
    assert not run_module_iam("lambda_concurrency", {"function_name": name, "state": "absent"}, creds).get("failed")
    for missing, args in (("lambda:GetFunctionConcurrency", {"reserved_concurrency": 3}),
                          ("lambda:PutFunctionConcurrency", {"reserved_concurrency": 4}),
                          ("lambda:DeleteFunctionConcurrency", {"state": "absent"})):
        if missing == "lambda:DeleteFunctionConcurrency":
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
        denied = run_module_iam("lambda_concurrency", dict({"function_name": name}, **args),
                                iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denied(denied, missing)


def test_without_waiting_the_value_is_still_set(aws, run_module):
    """wait=false returns right after the call; the emulator holds the value (read back here, not by the module)."""
    lam = aws("lambda")
    name = make_function(lam, versions=1)
    result = run_module("lambda_concurrency", {"function_name": name, "reserved_concurrency": 6, "wait": False,
                                               "wait_timeout": 5})
    assert result["changed"] is True and result["current"] == 6
    assert reserved(lam, name) == 6


def test_provisioned_concurrency_is_refused_clearly_by_the_emulator(aws, run_module):
    """moto 5.2 has no provisioned concurrency (its Lambda answers 404 Not Found for the whole API): the module fails
    with a message naming the function and the call - no traceback - and touches nothing. The calls as Lambda answers
    them (IN_PROGRESS, READY, FAILED, not found, delete) are tested with Stubber in tests/unit."""
    lam = aws("lambda")
    name = make_function(lam, versions=1)
    args = {"function_name": name, "qualifier": "1", "provisioned_concurrency": 2, "wait_timeout": 30}
    for check_mode in (True, False):
        refused = run_module("lambda_concurrency", args, check_mode=check_mode)
        assert refused["failed"] is True and "set the concurrency of %s" % name in refused["msg"], refused["msg"]
        assert "GetProvisionedConcurrencyConfig" in refused["msg"]
    assert reserved(lam, name) is None  # the reservation is not touched
