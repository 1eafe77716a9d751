# -*- coding: utf-8 -*-
"""lambda_state against the emulator: every function of the environment in one run, alias versions, a missing
function fails by name while the others are still read, environment values never returned."""
from __future__ import annotations

import pytest
import seed

from iam import assert_denial_shown, documented_actions, policy

pytestmark = pytest.mark.moto_only("Lambda is not among LocalStack's sandbox services")


def test_all_functions_with_their_alias(run_module):
    result = run_module("lambda_state", {"functions": seed.FUNCTIONS + [seed.HEALTH_CHECK_FUNCTION], "alias": seed.ALIAS,
                                         "concurrency": 4, "fail_on": "never"})
    assert not result.get("failed"), result
    assert list(result["functions"]) == seed.FUNCTIONS + [seed.HEALTH_CHECK_FUNCTION]  # the order given
    score = result["functions"]["ai-investment-score"]
    assert (score["exists"], score["state"], score["timeout"], score["memory_size"], score["runtime"]) == \
        (True, "Active", 30, 512, "python3.11")
    assert score["alias_version"] == str(seed.FUNCTION_VERSIONS)
    assert score["environment_names"] == ["LOG_LEVEL", "TABLE_NAME"]
    assert "ai-investment-signals" not in str(result)  # the variables' values stay out of the result
    assert result["functions"][seed.HEALTH_CHECK_FUNCTION]["alias_version"] is None  # it has no alias
    # a lambda state check per function, a lambda alias check per function: the one without the alias fails
    assert result["summary"] == {"pass": 13, "warn": 0, "fail": 1, "unknown": 0}
    [failed] = [c for c in result["checks"] if c["status"] == "fail"]
    assert (failed["resource"], failed["check"], failed["reason"]) == \
        (seed.HEALTH_CHECK_FUNCTION, "lambda alias", "alias live not found")
    assert {c["reason"] for c in result["checks"] if c["check"] == "lambda alias" and c["status"] == "pass"} == \
        {"alias live -> version %d" % seed.FUNCTION_VERSIONS}
    failing = run_module("lambda_state", {"functions": [seed.HEALTH_CHECK_FUNCTION], "alias": seed.ALIAS})
    assert failing["failed"] is True and failing["msg"] == "1 function(s) failed: alias live not found"


def test_environment_values_returns_only_the_values_it_names(run_module):
    result = run_module("lambda_state", {"functions": ["ai-investment-score"],
                                         "environment_values": ["LOG_LEVEL", "NOT_SET"]})
    assert not result.get("failed"), result
    assert result["functions"]["ai-investment-score"]["environment_values"] == {"LOG_LEVEL": "INFO"}
    assert "ai-investment-signals" not in str(result)  # TABLE_NAME's value: not named, not returned


def test_a_missing_function_fails_by_name_and_hides_nothing(run_module):
    result = run_module("lambda_state", {"functions": ["ai-investment-score", "no-such-function-state"],
                                         "fail_on": "never"})
    checks = dict((c["resource"], c) for c in result["checks"])
    assert checks["no-such-function-state"]["status"] == "fail"
    assert checks["no-such-function-state"]["reason"] == "function no-such-function-state does not exist"
    assert checks["ai-investment-score"]["status"] == "pass"
    failing = run_module("lambda_state", {"functions": ["no-such-function-state", "ai-investment-score"]})
    assert failing["failed"] is True and failing["msg"].startswith("1 function(s) failed: function no-such")
    assert failing["functions"]["ai-investment-score"]["exists"] is True


@pytest.mark.parametrize("args, message", [
    ({"functions": []}, "functions: name at least one"),
    ({"concurrency": 0}, "concurrency: 0 is out of range"),
])
def test_bad_input_names_the_parameter(run_module, args, message):
    params = {"functions": ["ai-investment-score"]}
    params.update(args)
    result = run_module("lambda_state", params)
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("lambda_state")
    assert actions == ["lambda:GetFunctionConfiguration", "lambda:GetAlias"]
    args = {"functions": ["ai-investment-score"], "alias": seed.ALIAS}
    done = run_module_iam("lambda_state", args, iam_sandbox.iam_user(policy(actions)))
    assert not done.get("failed") and done["functions"]["ai-investment-score"]["alias_version"], done
    for missing in actions:  # an error on one function is that function's unknown check, with the action named
        refused = run_module_iam("lambda_state", dict(args, fail_on="never"),
                                 iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert "unknown" in [c["status"] for c in refused["checks"]], refused["checks"]
        assert_denial_shown(refused, missing)
