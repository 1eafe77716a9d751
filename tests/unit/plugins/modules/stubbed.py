# -*- coding: utf-8 -*-
"""Helpers for unit tests that drive module code with botocore's Stubber."""
from __future__ import annotations

import boto3


class Plain:
    """Stand-in for amazon.aws's retrying client wrapper: drops ``aws_retry`` and calls the (stubbed) client."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        method = getattr(self.client, name)
        return lambda aws_retry=False, **kw: method(**kw)


def client(service):
    """A real botocore client with dummy credentials, to wrap in a Stubber."""
    return boto3.client(service, region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
