#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: http_check
short_description: GET health endpoints and judge status and latency
version_added: 0.1.0
description:
  - GETs each endpoint (concurrently) and judges the HTTP status and the latency in milliseconds against a budget,
    with C(pass) or C(fail) and a reason each, in the collection's common check model.
  - >-
    Automates the C(curl -f .../health) steps of runbook 000 (startup step 5, daily health check), 002 "Checking System
    Health", 003 "Daily Health Checks" and 004 "Morning Health Check". M(ansible.builtin.uri) reports the elapsed time
    in whole seconds, too coarse for a latency budget.
  - Read-only. Not an AWS module, so not part of the C(aws) action group.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  endpoints:
    description: The endpoints.
    type: list
    elements: dict
    required: true
    suboptions:
      url:
        description: An http(s) URL.
        type: str
        required: true
      name:
        description: Name in the report (default the URL).
        type: str
      expected_status:
        description: Allowed statuses (default any 2xx).
        type: list
        elements: int
      max_latency_ms:
        description: Latency budget in milliseconds (default O(max_latency_ms)).
        type: float
  max_latency_ms:
    description: Default latency budget in milliseconds; no budget when unset.
    type: float
  timeout:
    description: Seconds to wait for each endpoint.
    type: int
    default: 10
  validate_certs:
    description: Verify TLS certificates.
    type: bool
    default: true
extends_documentation_fragment:
  - ops.runbooks.checks
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Read-only (GET requests); check mode sends the same requests.
  diff_mode:
    support: none
  platform:
    platforms: posix
"""

EXAMPLES = r"""
- name: API health within 2 seconds (runbook 000 step 5)
  ops.runbooks.http_check:
    endpoints:
      - {name: api, url: "https://api.example.com/health"}
      - {name: dashboard, url: "https://app.example.com/", max_latency_ms: 5000}
    max_latency_ms: 2000
"""

RETURN = r"""
endpoints:
  description: One entry per endpoint, in order.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: The endpoint's name., type: str}
    url: {description: The URL., type: str}
    status_code: {description: HTTP status (null when no answer)., type: int}
    latency_ms: {description: Time to the full answer in milliseconds., type: float}
    status: {description: "C(pass) or C(fail).", type: str}
    reason: {description: Why., type: str}
checks:
  description: The same results in the collection's common check model.
  returned: always
  type: list
  elements: dict
"""

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.http_probe import check_url
from ansible_collections.ops.runbooks.plugins.module_utils.http_probe import is_http_url
from ansible_collections.ops.runbooks.plugins.module_utils.http_probe import redact_url
from ansible_collections.ops.runbooks.plugins.module_utils.http_probe import url_secrets
from ansible_collections.ops.runbooks.plugins.module_utils.names import refuse_bad_arguments

ARGUMENT_SPEC = dict(
    endpoints=dict(type="list", elements="dict", required=True, options=dict(
        url=dict(type="str", required=True), name=dict(type="str"),
        expected_status=dict(type="list", elements="int"), max_latency_ms=dict(type="float"))),
    max_latency_ms=dict(type="float"),
    timeout=dict(type="int", default=10),
    validate_certs=dict(type="bool", default=True),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)


def validate(params):
    """URLs and budgets; each endpoint gets its effective ``max_latency_ms``."""
    if not params["endpoints"]:
        raise InvalidInput("endpoints: give at least one endpoint (an empty list would pass without checking)")
    for i, endpoint in enumerate(params["endpoints"]):
        if not is_http_url(endpoint["url"]):
            raise InvalidInput("endpoints[%d].url: %r is not an http(s) URL" % (i, redact_url(endpoint["url"])))
        budget = endpoint["max_latency_ms"] if endpoint["max_latency_ms"] is not None else params["max_latency_ms"]
        if budget is not None and budget <= 0:
            raise InvalidInput("endpoints[%d].max_latency_ms: %s must be positive" % (i, budget))
        endpoint["max_latency_ms"] = budget
    if params["timeout"] <= 0:
        raise InvalidInput("timeout: %d must be positive" % params["timeout"])


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    refuse_bad_arguments(module)
    params = module.params
    for endpoint in params["endpoints"]:
        module.no_log_values.update(url_secrets(endpoint["url"]))
    with ending_on_error(module, dict(changed=False)):
        validate(params)

    def probe(endpoint):
        found = check_url(endpoint["url"], params["timeout"], endpoint["expected_status"], endpoint["max_latency_ms"],
                          params["validate_certs"])
        return dict(found, name=endpoint["name"] or redact_url(endpoint["url"]), url=redact_url(endpoint["url"]))

    with ThreadPoolExecutor(max_workers=min(16, len(params["endpoints"]) or 1)) as pool:
        results = list(pool.map(probe, params["endpoints"]))
    found = [checks.make_check(r["name"], "http", r["status"], r["reason"], r["status_code"],
                               {"max_latency_ms": e["max_latency_ms"]}) for r, e in zip(results, params["endpoints"])]
    result = dict(changed=False, endpoints=results, checks=found)
    failed = [r["reason"] for r in results if r["status"] == checks.FAIL]
    checks.end_module(module, result, failed and "%d endpoint(s) failed: %s" % (len(failed), "; ".join(failed)))


if __name__ == "__main__":
    main()
