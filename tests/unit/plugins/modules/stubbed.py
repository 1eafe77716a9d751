# -*- coding: utf-8 -*-
"""Helpers for unit tests that drive module code with botocore's Stubber.

``retrying`` wraps the stubbed client exactly as ``OpsRunbooksAWSModule.retrying_client`` does (amazon.aws's
``RetryingBotoClientWrapper`` with the collection's ``retry_decorator()``), so the code under test runs through the real
retry decorator: a call made without ``aws_retry=True`` is not retried, and a throttling answer queued in the
Stubber before a good one shows whether it is. ``no_backoff_sleep`` (tests/unit/conftest.py) makes
those retries instant.
"""
from __future__ import annotations

import boto3

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.ops.runbooks.plugins.module_utils.common import retry_decorator


def client(service):
    """A real botocore client with dummy credentials, to wrap in a Stubber."""
    return boto3.client(service, region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")


def add_queue_arns(stub, *urls):
    """Queue the GetQueueAttributes answers (QueueArn) for each queue URL, in order."""
    for url in urls:
        stub.add_response("get_queue_attributes", {"Attributes": {"QueueArn": "arn:aws:sqs:eu-central-1:123456789012:"
                                                                  + url.rsplit("/", 1)[1]}})


def fake_clock(monkeypatch, module):
    """No real sleeping in ``module``'s ``poll``: each pause advances a fake monotonic clock. Returns the clock,
    ``[seconds]``, for the test to read how long the module waited."""
    from ansible_collections.ops.runbooks.plugins.module_utils import waiting  # pylint: disable=import-outside-toplevel
    now = [0.0]

    def fake_poll(probe, interval, timeout):
        original = waiting.pause
        waiting.pause = lambda seconds: now.__setitem__(0, now[0] + seconds)
        try:
            return waiting.poll(probe, interval, timeout, clock=lambda: now[0])
        finally:
            waiting.pause = original

    monkeypatch.setattr(module, "poll", fake_poll)
    return now


def retrying(stubbed_client):
    """The stubbed client behind the same retrying wrapper the modules use."""
    return RetryingBotoClientWrapper(stubbed_client, retry_decorator())
