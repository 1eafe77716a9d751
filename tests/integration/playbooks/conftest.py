# -*- coding: utf-8 -*-
"""The playbook tests share their worker's sandbox: each test leaves the seeded functions as it found them.

A playbook run may roll back an alias (and record it in a tag), repoint ``TABLE_NAME``, set a reserved concurrency or
publish a version. The autouse fixture below records each seeded function's state before a test and puts it back
after it (tests/integration/functions_as_found.py), so that no test's outcome depends on which tests ran before it on
the same worker (``--dist loadfile`` places files differently from run to run).
"""
from __future__ import annotations

import functions_as_found
import pytest
import seed


@pytest.fixture(autouse=True)
def seeded_functions_as_found(request):
    if "sandbox" not in request.fixturenames:
        yield
        return
    with functions_as_found.as_found(request.getfixturevalue("sandbox").client("lambda"), seed.FUNCTIONS, seed.ALIAS):
        yield
