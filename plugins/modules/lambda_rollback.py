#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lambda_rollback
short_description: Roll a Lambda alias back to the previous published version, with a health gate
version_added: 0.1.0
description:
  - Finds the version the alias serves now and moves the alias to the newest published version that is older than
    that one and still exists (or to O(target_version)), removes canary routing weights, and optionally runs a
    health gate afterwards, reverting the alias exactly (version, weights, description) when the gate fails.
  - >-
    Automates runbook 000 "Rollback Procedure", 002 "Lambda Rollback", 004 P1 "Option 1" and "Maintenance: Rollback".
    Unlike the shell version (C(Versions[-2]) of the first page of C(list-versions-by-function), then C(sleep 30)
    and C(curl)), it reads every page of versions, ignores C($LATEST), skips deleted versions, rolls back from the
    version the alias actually serves, clears the canary weight, and polls the health checks instead of sleeping.
  - "A repeated run of the same task never rolls back two steps: every rollback is recorded in a tag of the function,
    C(ops.runbooks:rollback:<alias>) = C(ops.runbooks rollback from=<old> to=<new> at=<time>), written before the
    alias moves; the alias keeps its description (a deployment's). Without O(target_version) and O(from_version), a
    run that finds this record with the alias still serving C(<new>) changes nothing (a record an earlier release
    left in the alias description is read too). To roll back one more step on purpose, pass O(from_version) (the
    version to leave) or O(target_version). A rollback reverted by its health gate says so in the record."
notes:
  - "IAM actions (least privilege): C(lambda:GetAlias), C(lambda:ListVersionsByFunction),
    C(lambda:GetFunctionConfiguration), C(lambda:UpdateAlias), C(lambda:ListTags) and C(lambda:TagResource) (the
    rollback's record); for the health gate C(lambda:InvokeFunction)
    (O(health_check.invoke)), C(cloudwatch:GetMetricData) (O(health_check.metric_errors)) and
    C(cloudwatch:DescribeAlarms) (O(health_check.alarms))."
  - Check mode computes and returns the plan (target version, routing after) and changes nothing; no health gate runs.
  - "A run killed after moving the alias and before the gate's verdict (an AWX job timeout, a lost controller) leaves
    the alias on the target, with the rollback record in the function's tag. The next run of the same task finds the
    record and changes nothing (C(already rolled back ...) in C(msg)); run the health checks again
    (C(ops.runbooks.health_check)) before deciding, and roll further only with O(from_version)."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  function_name:
    description: Name or ARN of the Lambda function.
    type: str
    required: true
  alias:
    description: The alias to move, for example V(live) or V(production).
    type: str
    required: true
  target_version:
    description:
      - Roll to exactly this published version (a number; not V($LATEST)). It must exist.
      - Without it, the target is the newest published version older than the version the alias serves now.
    type: str
  from_version:
    description:
      - The bad version being rolled away from. When the alias no longer serves it (someone already rolled back, or
        deployed again), nothing changes (C(changed=false)).
    type: str
  clear_routing:
    description:
      - Remove the alias's C(AdditionalVersionWeights) so that 100% of traffic goes to the target.
      - With V(false), weights on other versions stay (a weight on the target itself is dropped, since an alias
        cannot route to its own primary version); every version that keeps a weight must then use the target's
        execution role.
    type: bool
    default: true
  revert_on_failure:
    description:
      - When the health gate fails, point the alias back to where it was (version, weights and description) and fail
        with both results. With V(false), the alias stays on the target and the task fails.
    type: bool
    default: true
  wait:
    description: Wait until the target version is C(Active) with no update in progress before moving the alias.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for O(wait), and the bound of the health gate - its pauses (O(health_check.retries) x
        O(health_check.delay)) must fit in it, so that a gate always ends with a verdict within a known time.
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
- name: Roll the live alias back one version (runbook 000 "Rollback Procedure"), gated on health
  ops.runbooks.lambda_rollback:
    function_name: ai-investment-score
    alias: live
    health_check:
      invoke:
        payload: {healthcheck: true}
      alarms: [ai-investment-score-errors]
      url: https://api.example.com/health
      retries: 5
      delay: 15

- name: Roll away from a known bad version only if it is still live (safe to re-run from an incident playbook)
  ops.runbooks.lambda_rollback:
    function_name: ai-investment-orchestrator
    alias: production
    from_version: "42"

- name: Plan only
  ops.runbooks.lambda_rollback:
    function_name: ai-investment-score
    alias: live
    target_version: "3"
  check_mode: true
  register: plan
"""

RETURN = r"""
function_name:
  description: The function.
  returned: always
  type: str
alias:
  description: The alias.
  returned: always
  type: str
previous:
  description: The alias before the run.
  returned: always
  type: dict
  contains:
    version: {description: Version the alias served., type: str, sample: "5"}
    additional_version_weights: {description: Canary weights by version., type: dict, sample: {"4": 0.1}}
    description: {description: The alias description., type: str}
current:
  description: The alias after the run (after a revert, the reverted state; in check mode, the plan).
  returned: always
  type: dict
  contains:
    version: {description: Version the alias serves., type: str, sample: "4"}
    additional_version_weights: {description: Canary weights by version., type: dict, sample: {}}
    description: {description: "The alias description (kept as it was).", type: str}
target_version:
  description: The version chosen to roll back to (null when nothing was to be done).
  returned: always
  type: str
  sample: "4"
versions_considered:
  description: Published versions of the function found over all pages (ascending), C($LATEST) excluded.
  returned: when the versions were listed
  type: list
  elements: str
  sample: ["1", "2", "4", "5"]
health:
  description: Result of each health check of the last round, with C(status) and C(reason); C(passed), C(attempts).
  returned: when O(health_check) is set and the alias was moved
  type: dict
  sample: {passed: false, attempts: 2, checks: {alarms: {status: fail, reason: "in ALARM: score-errors"}}}
record:
  description:
    - The rollback's record in the function's tag C(ops.runbooks:rollback:<alias>) after the run (in check mode, the
      record it would write); C(reverted at=<time>) appended when the health gate reverted it; null when none.
  returned: always
  type: str
  sample: ops.runbooks rollback from=5 to=4 at=2026-12-07T10:00:00Z
reverted:
  description: Whether the alias was pointed back after a failed health gate.
  returned: always
  type: bool
msg:
  description: What was done, or why nothing was.
  returned: always
  type: str
"""

from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import LATEST
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import get_alias
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import get_configuration
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import is_version_number
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import list_published_versions
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import previous_version
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import record_rollback
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import recorded_rollback
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import rollback_description
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import rollback_tag_key
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import move_alias
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import wait_active
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import Conflict
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.health import HEALTH_CHECK_SPEC
from ansible_collections.ops.runbooks.plugins.module_utils.health import run_health_gate
from ansible_collections.ops.runbooks.plugins.module_utils.health import validate_health_spec
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import isoformat
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import utcnow

ARGUMENT_SPEC = dict(
    function_name=dict(type="str", required=True),
    alias=dict(type="str", required=True),
    target_version=dict(type="str"),
    from_version=dict(type="str"),
    clear_routing=dict(type="bool", default=True),
    health_check=dict(type="dict", options=HEALTH_CHECK_SPEC),
    revert_on_failure=dict(type="bool", default=True),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=300),
)


def validate(params, module=None):
    for key in ("target_version", "from_version"):
        value = params[key]
        if value is not None and not is_version_number(value):
            raise InvalidInput("%s: %r is not a published version number (like '4'; $LATEST cannot be a %s)"
                               % (key, value, "rollback target" if key == "target_version" else "rollback source"))
    validate_health_spec(params["health_check"], module, params["wait_timeout"])


def nothing_to_do(params, before, record):
    """Why this run must not move the alias, or None. Guards against rolling back twice (``record``: the
    ``(from, to)`` of the recorded rollback, or None)."""
    current = before["version"]
    if params["from_version"] is not None and current != params["from_version"]:
        return "alias serves version %s, not from_version %s: nothing to roll back" % (current, params["from_version"])
    if params["target_version"] is None and params["from_version"] is None:
        if record and record[1] == current and not (params["clear_routing"] and before["weights"]):
            return "already rolled back from %s to %s (recorded in the function's tag %s); pass from_version=%s to " \
                "roll back further" % (record[0], record[1], rollback_tag_key(params["alias"]), current)
    return None


def choose_target(params, before, published, record):
    """The version to roll to: the explicit one (which must exist), or the newest older than the one served."""
    current = before["version"]
    if params["target_version"] is not None:
        if int(params["target_version"]) not in published:
            raise InvalidInput("target_version: version %s of %s does not exist (published: %s)" % (
                params["target_version"], params["function_name"], _listing(published)))
        return params["target_version"]
    if params["from_version"] is None and record and record[1] == current:
        return current  # the recorded rollback stands; only the routing is left to clear
    target = previous_version(published, current)
    if target is None:
        raise Conflict("no published version older than %s of %s to roll back to (published: %s)" % (
            "$LATEST" if current == LATEST else "version " + current, params["function_name"], _listing(published)))
    return str(target)


def plan_routing(lam, params, before, target):
    """The weights after the rollback; checks that versions keeping a weight share the target's execution role."""
    if params["clear_routing"]:
        return {}
    weights = dict((v, w) for v, w in before["weights"].items() if v != target)
    if weights:
        role = get_configuration(lam, params["function_name"], target)["Role"]
        for version in weights:
            other = get_configuration(lam, params["function_name"], version)["Role"]
            if other != role:
                raise Conflict(
                    "target_version %s runs as %s but version %s, which keeps a routing weight, runs as %s; "
                    "an alias cannot route between versions with different execution roles (use clear_routing=true)"
                    % (target, role, version, other))
    return weights


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"function_name": "function"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    name, alias = params["function_name"], params["alias"]
    result = dict(changed=False, function_name=name, alias=alias, reverted=False, target_version=None, record=None)
    lam = module.retrying_client("lambda")
    lam_once = module.single_attempt_client("lambda")
    cloudwatch = module.retrying_client("cloudwatch")
    with ending_on_error(module, result, "roll back %s:%s" % (name, alias)):
        validate(params, module)
        # 1. Which version does the alias serve now (and with which canary weights)?
        try:
            before = get_alias(lam, name, alias)
        except NotFound as e:  # of the function or of its alias: name the option
            raise NotFound("%s: %s" % ("alias" if str(e).startswith("alias ") else "function_name", e)) from None
        result["previous"] = result["current"] = _state(before)
        # 2. Is there anything to roll back? (from_version guard; a rollback recorded in the function's tag)
        tag_before, record = recorded_rollback(lam, before, alias)
        result["record"] = tag_before
        reason = nothing_to_do(params, before, record)
        if reason:
            module.exit_json(msg=reason, **result)
        # 3. Which version to roll back to: every page of published versions, $LATEST and deleted ones excluded.
        published = list_published_versions(lam, name)
        result["versions_considered"] = [str(v) for v in published]
        target = choose_target(params, before, published, record)
        weights = plan_routing(lam, params, before, target)
        result["target_version"] = target
        if target == before["version"] and weights == before["weights"]:
            module.exit_json(msg="alias already serves version %s with no canary weight" % target, **result)
        # The alias keeps its description; the rollback is recorded in the function's tag (a re-run reads it) -
        # clearing weights only keeps the existing record.
        record_value = tag_before if target == before["version"] else rollback_description(
            before["version"], target, isoformat(utcnow()))
        after = dict(version=target, weights=weights, description=before["description"])
        result["record"] = record_value
        result.update(changed=True, current=_state(after))
        if module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before=_state(before), after=_state(after))
        # 4. Check mode: the plan is the result.
        if module.check_mode:
            module.exit_json(msg="would roll %s:%s back from %s to %s" % (name, alias, before["version"], target), **result)
        # 5. Wait for the target to be Active, then move the alias (RevisionId: fail if someone moved it meanwhile).
        if params["wait"]:
            wait_active(lam, name, target, params["wait_timeout"])
        if record_value != tag_before:  # before the move: a run that dies after it still finds the record
            record_rollback(lam, before, alias, record_value)
        moved_at = utcnow()
        moved = move_alias(lam, lam_once, name, alias, target, weights, after["description"], before["revision_id"])
        # 6. Health gate; on failure put the alias back exactly where it was.
        if params["health_check"]:
            passed, found, attempts = run_health_gate(lam, cloudwatch, name, alias, params["health_check"], moved_at)
            result["health"] = dict(passed=passed, attempts=attempts, checks=found)
            if not passed:
                failed = "; ".join("%s: %s" % (k, v["reason"]) for k, v in found.items() if v["status"] != "pass")
                if not params["revert_on_failure"]:
                    raise OperationFailed("health check failed after rolling %s:%s back to %s (%s); alias left on %s"
                                          % (name, alias, target, failed, target))
                move_alias(lam, lam_once, name, alias, before["version"], before["weights"], before["description"],
                           moved.get("RevisionId"))
                result.update(reverted=True, current=_state(before), record="%s reverted at=%s" % (
                    record_value, isoformat(utcnow())))
                record_rollback(lam, before, alias, result["record"])
                raise OperationFailed("health check failed after rolling %s:%s back to %s (%s); alias reverted to %s"
                                      % (name, alias, target, failed, before["version"]))
    module.exit_json(msg="rolled %s:%s back from %s to %s" % (name, alias, before["version"], target), **result)


def _state(alias):
    return dict(version=alias["version"], additional_version_weights=alias["weights"], description=alias["description"])


def _listing(published):
    return ", ".join(str(v) for v in published) or "none"


if __name__ == "__main__":
    main()
