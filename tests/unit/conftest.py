# -*- coding: utf-8 -*-
"""Unit tests run the real retry decorator and waiters; their sleeps are recorded instead of slept."""
from __future__ import annotations

import pytest

from ansible_collections.amazon.aws.plugins.module_utils import cloud


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch):
    """Retries and waiter pauses without the real sleeps (the decisions are under test, not the clock)."""
    slept = []
    monkeypatch.setattr(cloud.time, "sleep", slept.append)
    monkeypatch.setattr("botocore.waiter.time.sleep", slept.append)
    monkeypatch.setattr("ansible_collections.ops.runbooks.plugins.module_utils.waiting.time.sleep", slept.append)
    return slept
