# -*- coding: utf-8 -*-
"""ecs_service_redeploy against the emulator: runbook 004 P3 "WebSocket Connection Issues" - a new deployment (a new
PRIMARY deployment id) and the desired count read back from ECS, a second run that starts nothing, check mode that
changes nothing, and the IAM actions it needs. moto makes every service steady at once: a service that does not get
steady, and the exact revert of its desired count, are in tests/unit/plugins/modules/test_ecs_service_redeploy_logic.py."""
from __future__ import annotations

import pytest

from ecs_world import ecs_service
from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.moto_only("ECS is not among the services the LocalStack sandbox runs")


def _service(aws, world):
    return aws("ecs").describe_services(cluster=world["cluster"], services=[world["service"]])["services"][0]


def _primary(service):
    return [d["id"] for d in service["deployments"] if d["status"] == "PRIMARY"][0]


def test_restart_and_scale_read_back_from_ecs_and_a_second_run_changes_nothing(run_module, aws):
    with ecs_service(aws) as world:
        before = _service(aws, world)
        args = {"cluster": world["cluster"], "service": world["service"], "force_new_deployment": True,
                "desired_count": 2, "poll_interval": 1, "wait_timeout": 30}
        planned = run_module("ecs_service_redeploy", args, check_mode=True, diff=True)
        assert planned["changed"] is True and planned["diff"]["after"] == {"desired_count": 2,
                                                                           "deployment_id": "(new deployment)"}
        assert _service(aws, world)["desiredCount"] == 1 and _primary(_service(aws, world)) == _primary(before)
        done = run_module("ecs_service_redeploy", args, diff=True)
        assert done["changed"] is True and done["redeployed"] is True and done["steady"] is True, done
        after = _service(aws, world)
        assert after["desiredCount"] == 2 and _primary(after) != _primary(before)
        assert done["deployment_id"] == _primary(after) and done["previous"]["deployment_id"] == _primary(before)
        assert done["previous"]["desired_count"] == 1 and done["current"]["desired_count"] == 2
        again = run_module("ecs_service_redeploy", args)
        assert again["changed"] is False and again["redeployed"] is False, again
        assert _primary(_service(aws, world)) == _primary(after)  # the young deployment is this restart
        restored = run_module("ecs_service_redeploy", dict(args, force_new_deployment=False, desired_count=1))
        assert restored["changed"] is True and _service(aws, world)["desiredCount"] == 1


def test_min_interval_zero_restarts_again(run_module, aws):
    with ecs_service(aws) as world:
        args = {"cluster": world["cluster"], "service": world["service"], "force_new_deployment": True,
                "min_interval": "0s", "poll_interval": 1, "wait": False}
        first = run_module("ecs_service_redeploy", args)
        second = run_module("ecs_service_redeploy", args)
        assert first["redeployed"] and second["redeployed"] and first["deployment_id"] != second["deployment_id"]
        assert second["steady"] is None


def test_a_service_that_does_not_exist_fails_naming_it(run_module, aws):
    with ecs_service(aws) as world:
        result = run_module("ecs_service_redeploy", {"cluster": world["cluster"], "service": "ws-none",
                                                     "desired_count": 2})
        assert result["failed"] is True and result["msg"].startswith(
            "service: ws-none not found in cluster %s" % world["cluster"]), result["msg"]


def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("ecs_service_redeploy")
    assert set(actions) == {"ecs:DescribeServices", "ecs:UpdateService", "ecs:TagResource"}
    with ecs_service(iam_sandbox.client) as world:
        for count, missing in enumerate([None] + actions, 2):
            args = {"cluster": world["cluster"], "service": world["service"], "desired_count": count,
                    "force_new_deployment": True, "min_interval": "0s", "poll_interval": 1, "wait_timeout": 10}
            result = run_module_iam("ecs_service_redeploy", args,
                                    iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
            if missing is None:
                assert not result.get("failed"), result["msg"]
            else:
                assert_denied(result, missing)
