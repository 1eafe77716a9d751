# -*- coding: utf-8 -*-
"""ecs_service_redeploy's logic the emulator cannot show (moto makes a service steady at once and never loses an
answer), with botocore's Stubber: a service that does not get steady within wait_timeout - waited for, bounded; the
desired count set back exactly; an answer lost after ECS started the deployment - recognized by the new PRIMARY
deployment, never sent twice; the record of a restart read back so that a second run starts no second one."""
from __future__ import annotations

import datetime

import pytest
from botocore.stub import Stubber

from ansible_collections.ops.runbooks.plugins.module_utils import ecs as ecs_utils
from ansible_collections.ops.runbooks.plugins.modules import ecs_service_redeploy as mod

import stubbed

NOW = datetime.datetime.now(datetime.timezone.utc)
PARAMS = {"cluster": "c", "service": "ws", "poll_interval": 1, "wait_timeout": 3}
ARN = "arn:aws:ecs:us-east-1:123456789012:service/c/ws"


def _service(desired, running, deployments=("d-1",), tags=None, created=NOW):
    return {"serviceArn": ARN, "serviceName": "ws", "status": "ACTIVE", "desiredCount": desired,
            "runningCount": running, "pendingCount": desired - running, "tags": tags or [],
            "deployments": [{"id": d, "status": "PRIMARY" if i == 0 else "ACTIVE", "createdAt": created}
                            for i, d in enumerate(deployments)]}


def _describe(stub, service):
    stub.add_response("describe_services", {"services": [service]},
                      {"cluster": "c", "services": ["ws"], "include": ["TAGS"]})


@pytest.fixture
def clock(monkeypatch):
    return stubbed.fake_clock(monkeypatch, mod)


def test_a_service_that_does_not_get_steady_is_waited_for_until_wait_timeout(clock):
    client = stubbed.client("ecs")
    stub = Stubber(client)
    for _attempt in range(4):  # at 0, 1, 2, 3 seconds: two deployments, one task of two
        _describe(stub, _service(2, 1, ("d-2", "d-1")))
    with stub:
        found = mod.wait_steady(stubbed.retrying(client), PARAMS)
    assert not ecs_utils.is_steady(found) and clock[0] == 3
    stub.assert_no_pending_responses()


def test_the_revert_sets_the_desired_count_back_exactly():
    client, once = stubbed.client("ecs"), stubbed.client("ecs")
    stub, sent = Stubber(client), Stubber(once)
    sent.add_response("update_service", {"service": _service(1, 1)}, {"cluster": "c", "service": "ws",
                                                                      "desiredCount": 1})
    with stub, sent:
        after = mod.update(stubbed.retrying(client), once, PARAMS, _service(3, 1), False, 1)
    assert after["desiredCount"] == 1
    sent.assert_no_pending_responses()


def test_a_lost_answer_finds_the_new_deployment_and_never_restarts_twice():
    client, once = stubbed.client("ecs"), stubbed.client("ecs")
    stub, sent = Stubber(client), Stubber(once)
    sent.add_client_error("update_service", "ServerException", "lost", 500)  # ECS acted; the answer was lost
    _describe(stub, _service(1, 1, ("d-new",)))
    with stub, sent:
        after = mod.update(stubbed.retrying(client), once, PARAMS, _service(1, 1, ("d-old",)), True, None)
    assert ecs_utils.primary(after)["id"] == "d-new"
    sent.assert_no_pending_responses()
    stub.assert_no_pending_responses()


@pytest.mark.parametrize("tags, age, already", [
    ([{"key": mod.RESTART_TAG, "value": "d-1"}], 60, True),  # this module's restart, a minute old
    ([{"key": mod.RESTART_TAG, "value": "d-1"}], 3600, False),  # too old: restart again
    ([{"key": mod.RESTART_TAG, "value": "d-0"}], 60, False),  # another deployment came since (a release)
    ([], 60, False),  # a young deployment this module did not start
])
def test_a_restart_is_the_one_already_made_only_when_its_record_names_the_primary_deployment(tags, age, already):
    service = _service(1, 1, ("d-1",), tags=tags, created=NOW - datetime.timedelta(seconds=age))
    assert mod.restarted_already(service, 900) is already


@pytest.mark.parametrize("revert", [True, False])
def test_a_scale_that_does_not_get_steady_sets_the_count_back_exactly_or_says_it_did_not(clock, revert):
    client, once = stubbed.client("ecs"), stubbed.client("ecs")
    stub, sent = Stubber(client), Stubber(once)
    params = dict(PARAMS, force_new_deployment=False, desired_count=3, wait=True, revert_on_failure=revert)
    _describe(stub, _service(1, 1))
    sent.add_response("update_service", {"service": _service(3, 1, ("d-1",))},
                      {"cluster": "c", "service": "ws", "desiredCount": 3})
    for _attempt in range(4):
        _describe(stub, _service(3, 1))  # two tasks never start (no capacity)
    if revert:
        sent.add_response("update_service", {"service": _service(1, 1)},
                          {"cluster": "c", "service": "ws", "desiredCount": 1})
    with stub, sent:
        result, failure = mod.redeploy(stubbed.retrying(client), once, params, False, 900)
    stub.assert_no_pending_responses()
    sent.assert_no_pending_responses()
    assert result["steady"] is False and result["reverted"] is revert and clock[0] == 3
    assert failure.startswith("ws is not steady after 3s (running 1 of 3 desired, 1 deployment(s))")
    if revert:
        assert failure.endswith("; desired count set back from 3 to 1") and result["current"]["desired_count"] == 1
    else:
        assert "set back" not in failure and result["current"]["desired_count"] == 3
