# -*- coding: utf-8 -*-
"""module_utils/batch.py: the batched modules' concurrent read - every name once, in the order given, a bounded pool."""
from __future__ import annotations

import threading

import pytest

from ansible_collections.ops.runbooks.plugins.module_utils.batch import read_concurrently
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput


def test_every_name_once_in_the_order_given_at_most_concurrency_at_a_time():
    running, peak, lock = [0], [0], threading.Lock()

    def read(name):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        threading.Event().wait(0.02)  # not time.sleep: the unit tests record sleeps instead of sleeping
        with lock:
            running[0] -= 1
        return name.upper()

    found = read_concurrently(["b", "a", "c", "a", "d", "e"], read, 2, "tables")
    assert list(found.items()) == [("b", "B"), ("a", "A"), ("c", "C"), ("d", "D"), ("e", "E")]
    assert peak[0] == 2


@pytest.mark.parametrize("names, concurrency, message", [
    ([], 4, "buckets: name at least one"),
    (["x"], 0, "concurrency: 0 is out of range (1 to 32)"),
    (["x"], 33, "concurrency: 33 is out of range"),
])
def test_bad_input_names_the_parameter(names, concurrency, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_concurrently(names, str, concurrency, "buckets")
