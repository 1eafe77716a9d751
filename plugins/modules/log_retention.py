#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: log_retention
short_description: Give every log group under some prefixes its retention, never deleting logs unless allowed
version_added: 0.1.0
description:
  - Runbook 000 "Wartung" (30 days), 004 "Maintenance" (7 days for debug logs) - each log group under the prefixes of
    O(rules) gets the days of its longest matching prefix. A longer retention is applied; a shorter one - or one
    where logs never expired - deletes older logs and is applied only with O(allow_shorten), else reported in
    RV(held_back).
  - C(amazon.aws.cloudwatchlogs_log_group) is not used for this - in the installed release it sets a retention in
    check mode too, and deletes the log group when the retention value is not one CloudWatch accepts.
notes:
  - "IAM actions (least privilege): C(logs:DescribeLogGroups), C(logs:PutRetentionPolicy)."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  rules:
    description: The retention per log group name prefix.
    type: list
    elements: dict
    required: true
    suboptions:
      prefix:
        description:
          - A log group name prefix, for example V(/aws/lambda/ai-investment). It matches at a boundary - the whole
            name, or followed by C(/) or C(-) (V(/aws/lambda/ai-investment) takes C(/aws/lambda/ai-investment-score),
            not C(/aws/lambda/ai-investmentX)) - unless it ends with C(/) or C(-) itself.
        type: str
        required: true
      days:
        description: Days to keep the logs - one of the values CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, ...).
        type: int
        required: true
  allow_shorten:
    description: Apply retentions that delete logs (shorter than now, or where logs never expired).
    type: bool
    default: false
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
- name: Runbook 000 - 30 days for the functions' logs, 7 for the debug groups (shortening only when confirmed)
  ops.runbooks.log_retention:
    rules:
      - {prefix: /aws/lambda/ai-investment, days: 30}
      - {prefix: /aws/lambda/ai-investment-debug, days: 7}
    allow_shorten: "{{ ops_runbooks_confirm | bool }}"
"""

RETURN = r"""
groups:
  description: >-
    Every group under the prefixes - C(name), C(current) (days; null - never expire), C(target), C(action)
    (C(unchanged), C(lengthen), C(shorten), C(set)) and C(applied) (in check mode, whether it would be).
  returned: always
  type: list
  elements: dict
held_back:
  description: Groups whose retention would delete logs and was not applied (O(allow_shorten) is false).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error

ACCEPTED_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
                 3653)

ARGUMENT_SPEC = dict(
    rules=dict(type="list", elements="dict", required=True, options=dict(
        prefix=dict(type="str", required=True),
        days=dict(type="int", required=True),
    )),
    allow_shorten=dict(type="bool", default=False),
)


def validate(rules):
    if not rules:
        raise InvalidInput("rules: give at least one {prefix, days}")
    for rule in rules:
        if not rule["prefix"]:
            raise InvalidInput("rules.prefix: must not be empty (it would match every log group of the account)")
        if rule["days"] not in ACCEPTED_DAYS:
            raise InvalidInput("rules.days: %d for %s is not a retention CloudWatch accepts (%s)" % (
                rule["days"], rule["prefix"], ", ".join(str(d) for d in ACCEPTED_DAYS)))


def under(name, prefix):
    """A log group is under a prefix at a boundary: the prefix is the whole name, ends with / or -, or is followed by
    / or - in the name (``/aws/lambda/ai-investment`` takes ``...-score``, never ``/aws/lambda/ai-investmentX``)."""
    return name == prefix or (name.startswith(prefix) and (prefix[-1] in "/-" or name[len(prefix)] in "/-"))


def plan(logs, rules):
    """Every group under the prefixes with its current and target retention and the action."""
    found = {}
    for rule in rules:
        for group in paginate(logs, "describe_log_groups", logGroupNamePrefix=rule["prefix"]).get("logGroups", []):
            if under(group["logGroupName"], rule["prefix"]):
                found[group["logGroupName"]] = group.get("retentionInDays")
    planned = []
    for name in sorted(found):
        best = max((r for r in rules if under(name, r["prefix"])), key=lambda r: len(r["prefix"]))
        current, target = found[name], best["days"]
        action = "unchanged" if current == target else "set" if current is None else \
            "shorten" if target < current else "lengthen"
        planned.append(dict(name=name, current=current, target=target, action=action, applied=False))
    return planned


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    logs = module.retrying_client("logs")
    result = dict(changed=False, groups=[], held_back=[])
    with ending_on_error(module, result, "set log retention"):
        validate(params["rules"])
        # 1. Every group under the prefixes, with the days of its longest matching prefix.
        groups = plan(logs, params["rules"])
        result["groups"] = groups
        # 2. What may be applied: lengthening always; what deletes logs only when allowed.
        for group in groups:
            if group["action"] == "unchanged":
                continue
            if group["action"] in ("shorten", "set") and not params["allow_shorten"]:
                result["held_back"].append(group["name"])
                continue
            group["applied"] = True
        applied = [g for g in groups if g["applied"]]
        result["changed"] = bool(applied)
        if module._diff and applied:  # pylint: disable=protected-access
            result["diff"] = dict(before=dict((g["name"], g["current"]) for g in applied),
                                  after=dict((g["name"], g["target"]) for g in applied))
        # 3. Apply (setting the same retention twice is harmless).
        if not module.check_mode:
            for group in applied:
                logs.put_retention_policy(aws_retry=True, logGroupName=group["name"], retentionInDays=group["target"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
