#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lambda_concurrency
short_description: Set or remove the reserved concurrency of a Lambda function
version_added: 0.1.0
description:
  - Sets a function's reserved concurrency (C(PutFunctionConcurrency)) or removes the reservation, idempotently, with
    check mode and diff. Optional bounds refuse values outside what the environment allows.
  - >-
    Used by the incident (runbook 000 "Lambda Throttling", 004 P2 "High SQS Queue Depth" - raise consumer concurrency)
    and performance runbooks. amazon.aws's C(lambda) module does not manage reserved concurrency.
notes:
  - "IAM actions (least privilege): C(lambda:GetFunctionConcurrency), C(lambda:PutFunctionConcurrency),
    C(lambda:DeleteFunctionConcurrency) (only with O(state=absent))."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  function_name:
    description: Name or ARN of the function.
    type: str
    required: true
  reserved_concurrency:
    description: The reservation to set (required with O(state=present)); V(0) stops all invocations.
    type: int
  state:
    description: V(present) sets O(reserved_concurrency); V(absent) removes the reservation (unreserved pool).
    type: str
    choices: [present, absent]
    default: present
  min_value:
    description: Refuse a O(reserved_concurrency) below this.
    type: int
  max_value:
    description: Refuse a O(reserved_concurrency) above this.
    type: int
  wait:
    description: Read the setting back until it shows the new value.
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
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import WaitTimeout
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import poll

READ_BACK_SECONDS = 1

ARGUMENT_SPEC = dict(
    function_name=dict(type="str", required=True),
    reserved_concurrency=dict(type="int"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    min_value=dict(type="int"),
    max_value=dict(type="int"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=60),
)


def target_concurrency(params):
    """The reservation to reach (None: no reservation), checked against the bounds."""
    if params["wait_timeout"] < 0:
        raise InvalidInput("wait_timeout: %d is negative" % params["wait_timeout"])
    if params["state"] == "absent":
        if params["reserved_concurrency"] is not None:
            raise InvalidInput("reserved_concurrency: %d cannot go with state=absent, which removes the reservation"
                               % params["reserved_concurrency"])
        return None
    target = params["reserved_concurrency"]
    if target < 0:
        raise InvalidInput("reserved_concurrency: %d is negative" % target)
    if params["min_value"] is not None and target < params["min_value"]:
        raise InvalidInput("reserved_concurrency: %d is below min_value %d" % (target, params["min_value"]))
    if params["max_value"] is not None and target > params["max_value"]:
        raise InvalidInput("reserved_concurrency: %d is above max_value %d" % (target, params["max_value"]))
    return target


def read(lam, name):
    try:
        return lam.get_function_concurrency(aws_retry=True, FunctionName=name).get("ReservedConcurrentExecutions")
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("function %s not found" % name) from None


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                                  required_if=[("state", "present", ["reserved_concurrency"])])
    params = module.params
    name = params["function_name"]
    lam = module.retrying_client("lambda")
    result = dict(changed=False, function_name=name)
    with ending_on_error(module, result, "set the reserved concurrency of %s" % name):
        target = target_concurrency(params)
        # 1. What is reserved now?
        previous = read(lam, name)
        result.update(previous=previous, current=previous)
        if previous == target:
            module.exit_json(**result)
        # 2. Plan, diff, check mode.
        result.update(changed=True, current=target)
        if module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before={"reserved_concurrency": previous}, after={"reserved_concurrency": target})
        if module.check_mode:
            module.exit_json(**result)
        # 3. Apply and read back.
        try:
            if target is None:
                lam.delete_function_concurrency(aws_retry=True, FunctionName=name)
            else:
                lam.put_function_concurrency(aws_retry=True, FunctionName=name, ReservedConcurrentExecutions=target)
        except is_boto3_error_code("ResourceNotFoundException"):
            raise NotFound("function %s not found" % name) from None
        if params["wait"]:
            applied, _value, _reads = poll(lambda: (read(lam, name) == target, None), READ_BACK_SECONDS,
                                           timeout=params["wait_timeout"])
            if not applied:
                raise WaitTimeout("wait_timeout: reserved concurrency of %s not %s after %ds" % (
                    name, target, params["wait_timeout"]))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
