#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lambda_state
short_description: State, runtime, timeout, memory and alias versions of many Lambda functions at once
version_added: 0.4.0
description:
  - Reads the configuration of many Lambda functions concurrently (C(GetFunctionConfiguration), and C(GetAlias) for
    O(alias)) in one module run - not one module start per function - and returns each function's state, last update
    status, runtime, handler, timeout, memory, architectures and the version its alias serves.
  - Environment variable values are never returned (they often hold secrets) - only their names, and the values of
    the variables O(environment_values) names (flags such as C(EMERGENCY_MODE), never a secret).
  - One check per function in the collection's common model - C(Active) with a C(Successful) last update passes, a
    function that does not exist or is C(Failed) fails, C(Pending) or an update C(InProgress) warns, a function that
    could not be read is C(unknown) with the AWS error - an error on one function never hides the others.
  - >-
    Automates runbook 000's daily check of the functions (aws lambda get-function per function), the configuration
    read of runbook 000 "Lambda Timeout" and the timeout and memory of runbook 004's performance review.
  - Read-only.
notes:
  - "IAM actions (least privilege): C(lambda:GetFunctionConfiguration), C(lambda:GetAlias) (only with O(alias))."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  functions:
    description: Function names.
    type: list
    elements: str
    required: true
  alias:
    description:
      - Also read which version this alias serves (a function without the alias has C(alias_version) null and fails its
        C(lambda alias) check).
    type: str
  concurrency:
    description: Functions read at the same time.
    type: int
    default: 8
  environment_values:
    description:
      - Names of environment variables whose values are returned (RV(functions.environment_values)) - settings the
        procedure needs, such as C(EMERGENCY_MODE). Name no variable that holds a secret.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - ops.runbooks.checks
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Read-only; check mode runs the same reads.
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Every function of the environment in one call, with the version alias live serves
  ops.runbooks.lambda_state:
    functions: "{{ ops_runbooks_functions }}"
    alias: live
  register: functions

- name: Timeouts
  ansible.builtin.debug:
    msg: "{{ functions.functions | dict2items | map(attribute='value.timeout') }}"
"""

RETURN = r"""
functions:
  description: Function name -> its configuration (null values for a function that does not exist or could not be read).
  returned: always
  type: dict
  contains:
    exists: {description: Whether the function exists., type: bool}
    error: {description: Why it could not be read (absent when it could)., type: str}
    state: {description: "C(Active), C(Pending), C(Inactive) or C(Failed).", type: str}
    last_update_status: {description: "C(Successful), C(InProgress) or C(Failed).", type: str}
    runtime: {description: The runtime (null for container images)., type: str}
    handler: {description: The handler., type: str}
    timeout: {description: Timeout in seconds., type: int}
    memory_size: {description: Memory in MB., type: int}
    architectures: {description: Instruction set architectures., type: list, elements: str}
    last_modified: {description: When the configuration last changed., type: str}
    environment_names: {description: Names of the environment variables (not their values)., type: list, elements: str}
    environment_values:
      description: "The values of the variables O(environment_values) names that the function has (only those)."
      type: dict
    alias_version: {description: "With O(alias), the version it serves.", type: str}
    arn: {description: The function's ARN., type: str}
checks:
  description:
    - One C(lambda state) check per function in the common check model and, with O(alias), one C(lambda alias)
      check per function that exists (C(fail) when it has no such alias) - the checks of the daily health as they are.
  returned: always
  type: list
  elements: dict
summary:
  description: Counts by status.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.batch import run_batched
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line

EMPTY = {"state": None, "last_update_status": None, "runtime": None, "handler": None, "timeout": None,
         "memory_size": None, "architectures": [], "last_modified": None, "environment_names": [],
         "alias_version": None, "arn": None, "environment_values": {}}


def function_state(config, values=()):
    """The RETURN fields of a GetFunctionConfiguration answer (environment values left out, but those of ``values``)."""
    variables = (config.get("Environment") or {}).get("Variables", {})
    return {"state": config.get("State", "Active"), "last_update_status": config.get("LastUpdateStatus", "Successful"),
            "runtime": config.get("Runtime"), "handler": config.get("Handler"), "timeout": config.get("Timeout"),
            "memory_size": config.get("MemorySize"), "architectures": config.get("Architectures", ["x86_64"]),
            "last_modified": config.get("LastModified"),
            "environment_names": sorted(variables),
            "environment_values": dict((k, variables[k]) for k in values if k in variables),
            "arn": config.get("FunctionArn")}


def read_function(client, name, alias, values=()):
    try:
        try:
            config = client.get_function_configuration(aws_retry=True, FunctionName=name)
        except is_boto3_error_code("ResourceNotFoundException"):
            return dict(EMPTY, exists=False)
        state = dict(EMPTY, exists=True, **function_state(config, values))
        if alias:
            try:
                state["alias_version"] = client.get_alias(aws_retry=True, FunctionName=name,
                                                          Name=alias)["FunctionVersion"]
            except is_boto3_error_code("ResourceNotFoundException"):
                state["alias_version"] = None
        return state
    except Exception as e:  # pylint: disable=broad-exception-caught  # one function's failure is its result
        return dict(EMPTY, exists=None, error=one_line(e, 300))


def function_check(name, state):
    if state.get("error"):
        return checks.make_check(name, "lambda state", checks.UNKNOWN, "%s could not be read: %s" % (
            name, state["error"]))
    if not state["exists"]:
        return checks.make_check(name, "lambda state", checks.FAIL, "function %s does not exist" % name, None,
                                 "Active")
    observed = "%s/%s" % (state["state"], state["last_update_status"])
    if state["state"] == "Failed" or state["last_update_status"] == "Failed":
        status = checks.FAIL
    elif state["state"] == "Active" and state["last_update_status"] == "Successful":
        status = checks.PASS
    else:
        status = checks.WARN
    return checks.make_check(name, "lambda state", status, "%s is %s, last update %s (%s, %s s, %s MB)" % (
        name, state["state"], state["last_update_status"], state["runtime"] or "image", state["timeout"],
        state["memory_size"]), observed, "Active/Successful")


def alias_check(name, state, alias):
    """The version ``alias`` serves: a function without the alias fails (one that does not exist or could not be
    read has no alias check: its state check says why)."""
    if not state.get("exists"):
        return None
    if state["alias_version"]:
        return checks.make_check(name, "lambda alias", checks.PASS, "alias %s -> version %s" % (
            alias, state["alias_version"]), state["alias_version"], alias)
    return checks.make_check(name, "lambda alias", checks.FAIL, "alias %s not found" % alias, None, alias)


ARGUMENT_SPEC = dict(
    functions=dict(type="list", elements="str", required=True),
    alias=dict(type="str"),
    concurrency=dict(type="int", default=8),
    environment_values=dict(type="list", elements="str", default=[]),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"functions[]": "function"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    alias, values = module.params["alias"], module.params["environment_values"]
    run_batched(module, "lambda", "functions", "read the functions",
                lambda client, name: read_function(client, name, alias, values),
                lambda name, state: [function_check(name, state), alias and alias_check(name, state, alias)],
                "function(s) failed")


if __name__ == "__main__":
    main()
