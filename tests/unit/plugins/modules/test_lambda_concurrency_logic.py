# -*- coding: utf-8 -*-
"""lambda_concurrency's provisioned concurrency. The emulator has none (moto answers NotImplemented, see
tests/integration/modules/test_lambda_concurrency.py): Stubber answers as Lambda does - a put that is IN_PROGRESS
before READY, a config that FAILED, a qualifier without provisioned concurrency, a delete."""
from __future__ import annotations

import pytest
from botocore.stub import Stubber

from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import WaitTimeout
from ansible_collections.ops.runbooks.plugins.modules import lambda_concurrency

import stubbed

WHO = {"FunctionName": "score", "Qualifier": "live"}


def config(requested, status, allocated=0, reason=None):
    answer = {"RequestedProvisionedConcurrentExecutions": requested, "Status": status,
              "AvailableProvisionedConcurrentExecutions": allocated,
              "AllocatedProvisionedConcurrentExecutions": allocated}
    if reason:
        answer["StatusReason"] = reason
    return answer


def test_a_put_waits_until_ready(no_backoff_sleep):
    client = stubbed.client("lambda")
    stub = Stubber(client)
    stub.add_response("put_provisioned_concurrency_config", config(3, "IN_PROGRESS"),
                      dict(WHO, ProvisionedConcurrentExecutions=3))
    stub.add_response("get_provisioned_concurrency_config", config(3, "IN_PROGRESS"), WHO)
    stub.add_response("get_provisioned_concurrency_config", config(3, "READY", 3), WHO)
    with stub:
        state = lambda_concurrency.set_provisioned(stubbed.retrying(client), "score", "live", 3, True, 600)
    stub.assert_no_pending_responses()
    assert (state["previous"], state["status"], state["allocated"]) == (3, "READY", 3)
    assert no_backoff_sleep == [lambda_concurrency.PROVISIONED_POLL_SECONDS]


@pytest.mark.parametrize("fault", [("ServiceException", 500), ("TooManyRequestsException", 429)])
def test_a_put_answered_with_a_fault_is_sent_again_and_waits_until_ready(no_backoff_sleep, fault):
    """The fault matrix's case for the provisioned-concurrency put, which the emulator does not have: a put that
    got a 5xx or a throttle (its effect unknown) is sent again - setting the same number twice is harmless, the
    config a put, not a create - and the module still waits for READY."""
    client = stubbed.client("lambda")
    stub = Stubber(client)
    stub.add_client_error("put_provisioned_concurrency_config", fault[0], http_status_code=fault[1])
    stub.add_response("put_provisioned_concurrency_config", config(3, "IN_PROGRESS"),
                      dict(WHO, ProvisionedConcurrentExecutions=3))
    stub.add_response("get_provisioned_concurrency_config", config(3, "READY", 3), WHO)
    with stub:
        state = lambda_concurrency.set_provisioned(stubbed.retrying(client), "score", "live", 3, True, 600)
    stub.assert_no_pending_responses()
    assert (state["status"], state["allocated"]) == ("READY", 3)
    assert len(no_backoff_sleep) == 1  # the backoff before the second put (READY at the first read)


def test_a_failed_config_fails_with_lambdas_reason():
    client = stubbed.client("lambda")
    stub = Stubber(client)
    stub.add_response("put_provisioned_concurrency_config", config(50, "IN_PROGRESS"),
                      dict(WHO, ProvisionedConcurrentExecutions=50))
    stub.add_response("get_provisioned_concurrency_config",
                      config(50, "FAILED", reason="Provisioned concurrency exceeds the reserved concurrency"), WHO)
    with stub, pytest.raises(OperationFailed, match="score:live FAILED: Provisioned concurrency exceeds the reserved"):
        lambda_concurrency.set_provisioned(stubbed.retrying(client), "score", "live", 50, True, 600)


def test_not_ready_within_the_timeout_is_a_wait_timeout():
    client = stubbed.client("lambda")
    stub = Stubber(client)
    stub.add_response("put_provisioned_concurrency_config", config(3, "IN_PROGRESS"),
                      dict(WHO, ProvisionedConcurrentExecutions=3))
    stub.add_response("get_provisioned_concurrency_config", config(3, "IN_PROGRESS"), WHO)
    with stub, pytest.raises(WaitTimeout, match="wait_timeout: provisioned concurrency of score:live not READY"):
        lambda_concurrency.set_provisioned(stubbed.retrying(client), "score", "live", 3, True, 0)


def test_none_configured_reads_as_none_and_a_delete_waits_until_gone():
    client = stubbed.client("lambda")
    stub = Stubber(client)
    stub.add_client_error("get_provisioned_concurrency_config", "ProvisionedConcurrencyConfigNotFoundException",
                          "No Provisioned Concurrency Config found for this function", 404, expected_params=WHO)
    stub.add_response("delete_provisioned_concurrency_config", {}, WHO)
    stub.add_client_error("get_provisioned_concurrency_config", "ProvisionedConcurrencyConfigNotFoundException",
                          "gone", 404, expected_params=WHO)
    with stub:
        lam = stubbed.retrying(client)
        assert lambda_concurrency.read_provisioned(lam, "score", "live")["previous"] is None
        state = lambda_concurrency.set_provisioned(lam, "score", "live", None, True, 60)
    stub.assert_no_pending_responses()
    assert state["previous"] is None and state["status"] is None


PARAMS = {"wait_timeout": 60, "provisioned_concurrency": None, "qualifier": None, "state": "present",
          "reserved_concurrency": None, "min_value": None, "max_value": None}


@pytest.mark.parametrize("given, message", [
    ({"provisioned_concurrency": 3}, "qualifier: provisioned_concurrency needs the alias or version"),
    ({"provisioned_concurrency": 3, "qualifier": "$LATEST"}, "not $LATEST"),
    ({"provisioned_concurrency": 0, "qualifier": "live"}, "provisioned_concurrency: 0 is below 1"),
    ({"provisioned_concurrency": 30, "qualifier": "live", "max_value": 20}, "provisioned_concurrency: 30 is above max"),
    ({"state": "absent", "qualifier": "live", "provisioned_concurrency": 2}, "cannot go with state=absent"),
])
def test_bad_provisioned_input_names_the_parameter(given, message):
    with pytest.raises(InvalidInput, match=message.replace("$", r"\$")):
        lambda_concurrency.targets(dict(PARAMS, **given))


def test_what_each_state_manages():
    keep = lambda_concurrency.KEEP
    assert lambda_concurrency.targets(dict(PARAMS, provisioned_concurrency=3, qualifier="live")) == (keep, 3)
    assert lambda_concurrency.targets(dict(PARAMS, reserved_concurrency=9)) == (9, keep)
    assert lambda_concurrency.targets(dict(PARAMS, state="absent", qualifier="live")) == (keep, None)
    assert lambda_concurrency.targets(dict(PARAMS, state="absent")) == (None, keep)
