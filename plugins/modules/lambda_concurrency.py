#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lambda_concurrency
short_description: Set or remove the reserved and provisioned concurrency of a Lambda function
version_added: 0.1.0
description:
  - Sets a function's reserved concurrency (C(PutFunctionConcurrency)) or removes the reservation, idempotently, with
    check mode and diff. Optional bounds refuse values outside what the environment allows.
  - With O(provisioned_concurrency) and O(qualifier) (an alias or a published version - provisioned concurrency never
    applies to C($LATEST)), keeps that many execution environments initialized for the qualifier
    (C(PutProvisionedConcurrencyConfig)) and waits until they are C(READY); O(state=absent) with O(qualifier) removes
    the qualifier's provisioned concurrency.
  - >-
    Used by the incident (runbook 000 "Lambda Throttling", 004 P2 "High SQS Queue Depth" - raise consumer concurrency)
    and performance runbooks (the performance role applies its reserved and provisioned concurrency recommendations
    through it). amazon.aws's C(lambda) module manages neither.
notes:
  - "IAM actions (least privilege): C(lambda:GetFunctionConcurrency), C(lambda:PutFunctionConcurrency),
    C(lambda:DeleteFunctionConcurrency) (only with O(state=absent)); with O(qualifier)
    C(lambda:GetProvisionedConcurrencyConfig), C(lambda:PutProvisionedConcurrencyConfig),
    C(lambda:DeleteProvisionedConcurrencyConfig) (only with O(state=absent))."
  - "Least-privilege proof: the reserved-concurrency actions are each removed from a policy in a test; the emulator has
    no provisioned concurrency, so the three provisioned-concurrency actions are shown needed with botocore's Stubber
    (the module makes those calls), not enforced."
  - Provisioned concurrency is billed for as long as it is configured.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  function_name:
    description: Name or ARN of the function.
    type: str
    required: true
  reserved_concurrency:
    description:
      - The reservation to set (O(state=present) needs it or O(provisioned_concurrency)); V(0) stops all invocations.
    type: int
  provisioned_concurrency:
    description: Execution environments to keep initialized for O(qualifier) (at least 1).
    type: int
    version_added: 0.4.0
  qualifier:
    description: The alias or version number that O(provisioned_concurrency) applies to (not C($LATEST)).
    type: str
    version_added: 0.4.0
  state:
    description:
      - V(present) sets O(reserved_concurrency) and/or O(provisioned_concurrency). V(absent) removes the reservation
        (unreserved pool) - or, with O(qualifier), the qualifier's provisioned concurrency (the reservation stays).
    type: str
    choices: [present, absent]
    default: present
  min_value:
    description: Refuse a O(reserved_concurrency) or O(provisioned_concurrency) below this.
    type: int
  max_value:
    description: Refuse a O(reserved_concurrency) or O(provisioned_concurrency) above this.
    type: int
  wait:
    description: Read the setting back until it shows the new value (provisioned concurrency - until it is C(READY)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for O(wait).
    type: int
    default: 60
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Raise the consumer's concurrency within the environment's bounds (runbook 004 P2)
  ops.runbooks.lambda_concurrency:
    function_name: ai-investment-orchestrator
    reserved_concurrency: 50
    min_value: 5
    max_value: 100

- name: Keep three environments warm for the alias live (performance review - many slow cold starts)
  ops.runbooks.lambda_concurrency:
    function_name: ai-investment-score
    qualifier: live
    provisioned_concurrency: 3
    wait_timeout: 600

- name: Return the function to the unreserved pool
  ops.runbooks.lambda_concurrency:
    function_name: ai-investment-orchestrator
    state: absent
"""

RETURN = r"""
function_name:
  description: The function.
  returned: always
  type: str
previous:
  description: The reservation before the run (null when none).
  returned: always
  type: int
  sample: 10
current:
  description: The reservation after the run (in check mode, the planned one; null when none).
  returned: always
  type: int
  sample: 50
provisioned:
  description: "With O(qualifier), its provisioned concurrency - C(qualifier), C(previous) and C(current) (null when
    none), C(status) (C(READY), C(IN_PROGRESS), C(FAILED)), C(allocated)."
  returned: with O(qualifier)
  type: dict
  sample: {qualifier: live, previous: null, current: 3, status: READY, allocated: 3}
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import WaitTimeout
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import poll

READ_BACK_SECONDS = 1
PROVISIONED_POLL_SECONDS = 5  # initializing environments takes a minute or more

ARGUMENT_SPEC = dict(
    function_name=dict(type="str", required=True),
    reserved_concurrency=dict(type="int"),
    provisioned_concurrency=dict(type="int"),
    qualifier=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    min_value=dict(type="int"),
    max_value=dict(type="int"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=60),
)


KEEP = object()  # a setting this run leaves as it is


def _bounded(name, target, params, low):
    if target < low:
        raise InvalidInput("%s: %d is %s" % (name, target, "negative" if low == 0 else "below %d" % low))
    if params["min_value"] is not None and target < params["min_value"]:
        raise InvalidInput("%s: %d is below min_value %d" % (name, target, params["min_value"]))
    if params["max_value"] is not None and target > params["max_value"]:
        raise InvalidInput("%s: %d is above max_value %d" % (name, target, params["max_value"]))
    return target


def targets(params):
    """``(reserved, provisioned)`` to reach, checked against the bounds. Each is ``KEEP`` (not managed by this run),
    None (remove) or a number."""
    if params["wait_timeout"] < 0:
        raise InvalidInput("wait_timeout: %d is negative" % params["wait_timeout"])
    if params["provisioned_concurrency"] is not None and not params["qualifier"]:
        raise InvalidInput("qualifier: provisioned_concurrency needs the alias or version it applies to")
    if params["qualifier"] is not None and params["qualifier"] in ("", "$LATEST"):
        raise InvalidInput("qualifier: %r - provisioned concurrency applies to an alias or a published version, "
                           "not $LATEST" % params["qualifier"])
    if params["state"] == "absent":
        for name in ("reserved_concurrency", "provisioned_concurrency"):
            if params[name] is not None:
                raise InvalidInput("%s: %d cannot go with state=absent, which removes the setting" % (name, params[name]))
        return (KEEP, None) if params["qualifier"] else (None, KEEP)
    reserved = KEEP if params["reserved_concurrency"] is None else \
        _bounded("reserved_concurrency", params["reserved_concurrency"], params, 0)
    provisioned = KEEP if params["provisioned_concurrency"] is None else \
        _bounded("provisioned_concurrency", params["provisioned_concurrency"], params, 1)
    return reserved, provisioned


def read(lam, name):
    try:
        return lam.get_function_concurrency(aws_retry=True, FunctionName=name).get("ReservedConcurrentExecutions")
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("function_name: function %s not found" % name) from None


def read_provisioned(lam, name, qualifier):
    """``{previous, status, allocated}`` of a qualifier's provisioned concurrency (``previous`` None when none)."""
    try:
        found = lam.get_provisioned_concurrency_config(aws_retry=True, FunctionName=name, Qualifier=qualifier)
    except is_boto3_error_code("ProvisionedConcurrencyConfigNotFoundException"):
        return {"previous": None, "status": None, "allocated": None, "reason": None}
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("function_name: function %s or its qualifier %s not found" % (name, qualifier)) from None
    return {"previous": found.get("RequestedProvisionedConcurrentExecutions"), "status": found.get("Status"),
            "allocated": found.get("AllocatedProvisionedConcurrentExecutions"), "reason": found.get("StatusReason")}


def set_provisioned(lam, name, qualifier, target, wait, wait_timeout):
    """Put or delete a qualifier's provisioned concurrency; with ``wait``, until it is READY (or gone).
    Returns the state read last."""
    try:
        if target is None:
            lam.delete_provisioned_concurrency_config(aws_retry=True, FunctionName=name, Qualifier=qualifier)
        else:
            lam.put_provisioned_concurrency_config(aws_retry=True, FunctionName=name, Qualifier=qualifier,
                                                   ProvisionedConcurrentExecutions=target)
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("function_name: function %s or its qualifier %s not found" % (name, qualifier)) from None
    state = {"previous": target, "status": None if target is None else "IN_PROGRESS", "allocated": None}
    if not wait:
        return state

    def probe():
        found = read_provisioned(lam, name, qualifier)
        if found["status"] == "FAILED":
            raise OperationFailed("provisioned concurrency of %s:%s FAILED: %s" % (name, qualifier, found["reason"]))
        return found["previous"] == target and found["status"] in (None, "READY"), found

    done, state, _calls = poll(probe, PROVISIONED_POLL_SECONDS, timeout=wait_timeout)
    if not done:
        raise WaitTimeout("wait_timeout: provisioned concurrency of %s:%s not READY at %s after %ds (%s)" % (
            name, qualifier, target, wait_timeout, state["status"]))
    return state


def apply_reserved(lam, name, target, params):
    """Put or delete the reservation; with ``wait``, read it back until it shows."""
    try:
        if target is None:
            lam.delete_function_concurrency(aws_retry=True, FunctionName=name)
        else:
            lam.put_function_concurrency(aws_retry=True, FunctionName=name, ReservedConcurrentExecutions=target)
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("function_name: function %s not found" % name) from None
    if params["wait"]:
        applied, _value, _reads = poll(lambda: (read(lam, name) == target, None), READ_BACK_SECONDS,
                                       timeout=params["wait_timeout"])
        if not applied:
            raise WaitTimeout("wait_timeout: reserved concurrency of %s not %s after %ds" % (
                name, target, params["wait_timeout"]))


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"function_name": "function"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                                  required_if=[("state", "present", ["reserved_concurrency", "provisioned_concurrency"],
                                                True)])
    params = module.params
    name = params["function_name"]
    qualifier = params["qualifier"]
    lam = module.retrying_client("lambda")
    result = dict(changed=False, function_name=name)
    with ending_on_error(module, result, "set the concurrency of %s" % name):
        target, provisioned_target = targets(params)
        # 1. What is reserved and provisioned now?
        previous = read(lam, name)
        result.update(previous=previous, current=previous)
        provisioned = None
        if qualifier:
            provisioned = read_provisioned(lam, name, qualifier)
            result["provisioned"] = {"qualifier": qualifier, "previous": provisioned["previous"],
                                     "current": provisioned["previous"], "status": provisioned["status"],
                                     "allocated": provisioned["allocated"]}
        change_reserved = target is not KEEP and previous != target
        change_provisioned = provisioned_target is not KEEP and provisioned["previous"] != provisioned_target
        if not change_reserved and not change_provisioned:
            module.exit_json(**result)
        # 2. Plan, diff, check mode.
        result["changed"] = True
        before, after = {}, {}
        if change_reserved:
            result["current"] = target
            before["reserved_concurrency"], after["reserved_concurrency"] = previous, target
        if change_provisioned:
            result["provisioned"]["current"] = provisioned_target
            before["provisioned_concurrency"], after["provisioned_concurrency"] = \
                provisioned["previous"], provisioned_target
        if module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before=before, after=after)
        if module.check_mode:
            module.exit_json(**result)
        # 3. Apply and read back: the reservation first (provisioned concurrency must fit into it).
        if change_reserved:
            apply_reserved(lam, name, target, params)
        if change_provisioned:
            state = set_provisioned(lam, name, qualifier, provisioned_target, params["wait"], params["wait_timeout"])
            result["provisioned"].update(status=state["status"], allocated=state["allocated"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
