# -*- coding: utf-8 -*-
"""The retry budget (#33): an endpoint that answers every request with a bare HTML 500 (a load balancer's page, the
fault proxy's ``500``) makes a module give up after about OPS_RUNBOOKS_RETRY_SECONDS - not after the four minutes
of ten jittered backoffs of up to 60 s each - and the task's message is one readable line that says how long it
tried, not the HTML page. The unit tests (tests/unit/plugins/module_utils/test_plumbing.py) pin the backoff
arithmetic with a fake clock; this runs the real module, botocore's own retries included, through the proxy."""
from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.localstack


METRIC = {"metrics": [{"namespace": "AWS/Lambda", "metric_name": "Errors", "statistic": "Sum", "max": 1,
                       "dimensions": {"FunctionName": "ai-investment-orchestrator"}, "window": "5m"}]}


# Two services, two protocols (SQS's JSON, CloudWatch's): the HTML page is never the message.
@pytest.mark.parametrize("module, args, operation, budget, said", [
    ("queue_depth", {"queue_name_prefix": "ai-investment"}, "ListQueues", 9,
     "HTTP 500 from the endpoint, not an AWS error (page: 500 Internal Server Error)"),
    ("metric_check", METRIC, "GetMetricData", 4,
     "HTTP 500 from the endpoint, not an AWS error (page: 500 Internal Server Error)"),
])
def test_a_persistent_500_ends_within_the_budget_with_a_readable_message(faults, run_module_faulty, monkeypatch,
                                                                         module, args, operation, budget, said):
    faults.configure(rate=1.0, kinds=["500"], ops=[operation])
    monkeypatch.setenv("OPS_RUNBOOKS_RETRY_SECONDS", str(budget))
    result = run_module_faulty(module, args)
    assert result.get("failed") is True, result
    assert re.search(r"\(500\) when calling the %s operation.*: %s$" % (operation, re.escape(said)), result["msg"]), \
        result["msg"]
    found = re.search(r"gave up after (\d+) attempts in ([0-9.]+) s; retry budget (\d+) s \(OPS_RUNBOOKS_RETRY_SECONDS\)",
                      result["msg"])
    assert found, result["msg"]
    attempts, seconds = int(found.group(1)), float(found.group(2))
    assert int(found.group(3)) == budget and 2 <= attempts <= 10
    # no pause ends past the budget, the attempt at its end is the last (its own time: botocore's 3 sends, about 3 s)
    assert budget <= seconds <= budget + 5
    assert "<html" not in json.dumps(result).lower()  # not in msg, not in the error document copied into the result
    sent = [e for e in faults.log if e["operation"] == operation]
    assert sent and all(e["fault"] == "500" for e in sent)
    assert attempts <= len(sent) <= attempts * 3  # botocore's standard mode: at most 3 sends per attempt
