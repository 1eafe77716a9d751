#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lambda_config
short_description: Change a Lambda function's timeout, memory or environment safely, behind a health gate
version_added: 0.1.0
description:
  - Sets O(timeout), O(memory_size) and environment variables of a function's C($LATEST), keeping every variable it
    is not told to set or remove (the runbooks' C(aws lambda update-function-configuration --environment
    Variables={...}) replaces them all). With O(alias), publishes the new configuration as a version and moves the
    alias to it - the alias keeps serving the old configuration otherwise.
  - After the change, an optional health gate (O(health_check), the same as C(ops.runbooks.lambda_rollback)'s); when
    it fails and O(revert_on_failure) is set, the alias goes back to the version it served and C($LATEST)'s
    timeout, memory and variables are restored exactly.
  - Idempotent - when C($LATEST) already has the configuration and the alias already serves a version with it,
    nothing is changed or published.
  - Runbook 000 "Lambda Timeout" (C(--timeout 300 --memory-size 1024)), 004 P2 "Lambda Timeout Errors"; used by the
    C(ops.runbooks.troubleshooting) role.
notes:
  - "IAM actions (least privilege): C(lambda:GetFunctionConfiguration), C(lambda:ListVersionsByFunction),
    C(lambda:UpdateFunctionConfiguration); with
    O(alias) also C(lambda:GetAlias), C(lambda:PublishVersion), C(lambda:UpdateAlias); the gate adds
    C(lambda:InvokeFunction) (O(health_check.invoke)), C(cloudwatch:GetMetricData) (O(health_check.metric_errors)),
    C(cloudwatch:DescribeAlarms) (O(health_check.alarms))."
  - Environment values never appear in results, diffs or logs - only variable names, with what happened to each
    (C(added), C(removed), C(value changed), C(unchanged)). O(environment) is C(no_log), so Ansible also masks any
    text of the output that contains one of the values; very short values (C(1), C(true)) can mask parts of
    messages.
  - With O(alias), the module refuses to publish when C($LATEST) differs from the alias's version in code, runtime,
    handler, role, layers or architecture - publishing would deploy that too. Deploy first, or omit O(alias).
  - A version, once published, stays (versions are immutable, and a version equal to an existing one is that one);
    a revert moves the alias back and restores C($LATEST), it deletes nothing.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  function_name:
    description: Name or ARN of the function.
    type: str
    required: true
  timeout:
    description: Timeout in seconds (1-900).
    type: int
  memory_size:
    description: Memory in MB (128-10240).
    type: int
  environment:
    description:
      - Variables to set (name to value; values are converted to strings). Every other existing variable is kept.
    type: dict
  remove_environment:
    description: Names of variables to remove; names that are not set are fine.
    type: list
    elements: str
    default: []
  alias:
    description:
      - After the change, publish a version and move this alias to it. Without it, only C($LATEST) changes.
    type: str
  revert_on_failure:
    description:
      - When the health gate fails, move the alias back to the version (weights, description) it served and restore
        C($LATEST)'s timeout, memory and variables exactly, then fail with both results. With V(false), the change
        stays and the task fails.
    type: bool
    default: true
  wait:
    description: Wait until the configuration update is done and the published version is C(Active).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for O(wait), and the bound of the health gate's pauses (O(health_check.retries) x
        O(health_check.delay)).
    type: int
    default: 300
extends_documentation_fragment:
  - ops.runbooks.health_gate
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
- name: Runbook 000 "Lambda Timeout" - 300 s and 1024 MB on the serving alias, gated on a health invocation
  ops.runbooks.lambda_config:
    function_name: ai-investment-orchestrator
    timeout: 300
    memory_size: 1024
    alias: production
    health_check:
      invoke:
        payload: {healthcheck: true}
      metric_errors:
        max: 0
        window: 5m
      retries: 3
      delay: 10

- name: Set one variable, remove another, keep the rest ($LATEST only)
  ops.runbooks.lambda_config:
    function_name: ai-investment-score
    environment:
      LOG_LEVEL: DEBUG
    remove_environment: [OLD_FEATURE_FLAG]
"""

RETURN = r"""
function_name:
  description: The function.
  returned: always
  type: str
previous:
  description: Before the run - C(timeout), C(memory_size), C(environment_keys) of C($LATEST), C(version) (the newest
    published version) and C(alias_version) (the version the alias served; null without O(alias)).
  returned: always
  type: dict
  sample: {timeout: 30, memory_size: 512, environment_keys: [LOG_LEVEL, TABLE_NAME], version: "3", alias_version: "3"}
current:
  description: After the run, the same keys (in check mode, the plan; a version to be published is C(new)).
  returned: always
  type: dict
  sample: {timeout: 300, memory_size: 1024, environment_keys: [LOG_LEVEL, TABLE_NAME], version: "4", alias_version: "4"}
environment_changes:
  description: Every variable name of before and after, with C(added), C(removed), C(value changed) or C(unchanged).
  returned: always
  type: dict
  sample: {LOG_LEVEL: value changed, TABLE_NAME: unchanged}
published_version:
  description: The version published for O(alias) (null when nothing was published).
  returned: always
  type: str
  sample: "4"
reverted:
  description: Whether a failed health gate made the module put the alias and C($LATEST) back.
  returned: always
  type: bool
health:
  description: The health gate's verdict - C(passed), C(attempts) and C(checks) (one result per configured check).
  returned: when O(health_check) is set and something changed
  type: dict
"""

from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import ENV_NAME_RE
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import LATEST
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import deployed_of
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import environment_changes
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import get_alias
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import get_configuration
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import list_published_versions
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import move_alias
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import public_settings
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import publish_version
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import mask_environment
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import settings_of
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import update_configuration
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import wait_active
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import wanted_settings
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import Conflict
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.health import HEALTH_CHECK_SPEC
from ansible_collections.ops.runbooks.plugins.module_utils.health import run_health_gate
from ansible_collections.ops.runbooks.plugins.module_utils.health import validate_health_spec
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow

ARGUMENT_SPEC = dict(
    function_name=dict(type="str", required=True),
    timeout=dict(type="int"),
    memory_size=dict(type="int"),
    environment=dict(type="dict", no_log=True),
    remove_environment=dict(type="list", elements="str", default=[], no_log=False),
    alias=dict(type="str"),
    health_check=dict(type="dict", options=HEALTH_CHECK_SPEC),
    revert_on_failure=dict(type="bool", default=True),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=300),
)


def validate(params, module=None):
    check_range("timeout", params["timeout"], 1, 900, " seconds")
    check_range("memory_size", params["memory_size"], 128, 10240, " MB")
    for name in list(params["environment"] or {}) + params["remove_environment"]:
        if not ENV_NAME_RE.match(name):
            raise InvalidInput("environment: %r is not a variable name (a letter, then letters, digits, _)" % name)
    both = sorted(set(params["environment"] or {}) & set(params["remove_environment"]))
    if both:
        raise InvalidInput("remove_environment: %s also in environment - set or remove, not both" % ", ".join(both))
    if params["timeout"] is None and params["memory_size"] is None and not params["environment"] \
            and not params["remove_environment"]:
        raise InvalidInput("timeout, memory_size, environment, remove_environment: give at least one change")
    if params["health_check"] and not params["alias"]:
        raise InvalidInput("health_check: needs alias (the gate checks what the alias serves)")
    validate_health_spec(params["health_check"], module, params["wait_timeout"])


def state(settings, version, alias_version):
    return dict(public_settings(settings), version=version, alias_version=alias_version)


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"function_name": "function"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    name, alias = params["function_name"], params["alias"]
    lam = module.retrying_client("lambda")
    lam_once = module.single_attempt_client("lambda")
    cloudwatch = module.retrying_client("cloudwatch")
    result = dict(changed=False, function_name=name, published_version=None, reverted=False)
    with ending_on_error(module, result, "change the configuration of %s" % name):
        validate(params, module)
        # 1. What $LATEST has now, and which version the alias serves with which configuration.
        try:
            latest = get_configuration(lam, name)
        except NotFound as e:
            raise NotFound("function_name: %s" % e) from None
        mask_environment(module, latest)
        before = settings_of(latest)
        published = list_published_versions(lam, name)
        newest = str(published[-1]) if published else None
        try:
            served = get_alias(lam, name, alias) if alias else None
        except NotFound as e:
            raise NotFound("alias: %s" % e) from None
        served_config = get_configuration(lam, name, served["version"]) if served else None
        mask_environment(module, served_config)
        result["previous"] = result["current"] = state(before, newest, served["version"] if served else None)

        # 2. What it should have: the changes over what is there, every other variable kept.
        wanted = wanted_settings(before, params["timeout"], params["memory_size"], params["environment"],
                                 params["remove_environment"])
        result["environment_changes"] = environment_changes(before["environment"], wanted["environment"])
        latest_ok = before == wanted
        # An alias on $LATEST serves the change as it is made; one on a version needs a version with the change.
        publish = served is not None and served["version"] != LATEST and settings_of(served_config) != wanted
        if latest_ok and not publish:
            module.exit_json(msg="%s already has this configuration" % (
                "%s:%s" % (name, alias) if alias else name), **result)
        if publish and deployed_of(served_config) != deployed_of(latest):
            differing = [f for f, v in deployed_of(latest).items() if deployed_of(served_config)[f] != v]
            raise Conflict("alias: %s serves version %s, which differs from $LATEST in %s - publishing would deploy "
                           "that too; deploy first, or omit alias to change $LATEST only"
                           % (alias, served["version"], ", ".join(differing)))

        # 3. Plan, diff, check mode.
        result.update(changed=True, current=state(wanted, "new" if publish else newest,
                                                  "new" if publish else result["previous"]["alias_version"]))
        if module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before=dict(public_settings(before), environment=sorted(before["environment"])),
                                  after=dict(public_settings(wanted), environment=result["environment_changes"]))
        if module.check_mode:
            module.exit_json(msg="would change %s" % name, **result)

        # 4. Change $LATEST (once; AWS refuses when someone changed it since the read), wait for the update.
        if not latest_ok:
            update_configuration(lam, lam_once, name, wanted, latest.get("RevisionId"))
            if params["wait"]:
                wait_active(lam, name, None, params["wait_timeout"])
        current = state(wanted, newest, result["previous"]["alias_version"])

        # 5. With an alias: publish that configuration and move the alias to it.
        moved = None
        if publish:
            version = publish_version(lam, name, latest["CodeSha256"], "ops.runbooks lambda_config of %s" % alias)
            result["published_version"] = version
            if params["wait"]:
                wait_active(lam, name, version, params["wait_timeout"])
            changed_at = utcnow()
            weights = dict((v, w) for v, w in served["weights"].items() if v != version)  # a canary stays
            moved = move_alias(lam, lam_once, name, alias, version, weights, served["description"],
                               served["revision_id"])
            current.update(version=version, alias_version=version)
        else:
            changed_at = utcnow()
        result["current"] = current

        # 6. Health gate; on failure put the alias and $LATEST back exactly.
        if params["health_check"]:
            passed, found, attempts = run_health_gate(lam, cloudwatch, name, alias, params["health_check"],
                                                      changed_at)
            result["health"] = dict(passed=passed, attempts=attempts, checks=found)
            if not passed:
                failed = "; ".join("%s: %s" % (k, v["reason"]) for k, v in found.items() if v["status"] != "pass")
                if not params["revert_on_failure"]:
                    raise OperationFailed("health check failed after changing %s:%s (%s); the change stays"
                                          % (name, alias, failed))
                if moved is not None:
                    move_alias(lam, lam_once, name, alias, served["version"], served["weights"],
                               served["description"], moved.get("RevisionId"))
                if not latest_ok:
                    update_configuration(lam, lam_once, name, before)
                    if params["wait"]:
                        wait_active(lam, name, None, params["wait_timeout"])
                result.update(reverted=True, current=dict(result["previous"], version=current["version"]))
                raise OperationFailed("health check failed after changing %s:%s (%s); alias back on %s and $LATEST "
                                      "restored" % (name, alias, failed, served["version"]))
    module.exit_json(msg="changed %s%s" % (name, ":%s now on version %s" % (alias, result["published_version"])
                                           if result["published_version"] else ""), **result)


if __name__ == "__main__":
    main()
