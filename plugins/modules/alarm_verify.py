#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: alarm_verify
short_description: Decide what an alarm's event may make a playbook do, from CloudWatch's own description of the alarm
version_added: 0.5.0
description:
  - The first step of every procedure an alarm starts (role C(ops.runbooks.alarm)). The event (Event-Driven Ansible's
    C(ansible_eda.event), as the event source C(ops.runbooks.alarm_queue) made it) is only a claim - whoever may
    publish to the alert topic, or launch the job template, can write one. This module asks CloudWatch
    (DescribeAlarms) about the alarm the event names and returns what the procedure may act on - CloudWatch's
    dimensions, namespace, metrics and reason, and the alarm catalogue's entry for them, limited to the resources the
    environment has - with one decision.
  - C(act) - CloudWatch has the alarm, of this account and region, in the state the event says, and the environment
    allows automatic action. C(plan) - the same, but only a plan may be made (the environment allows no automatic
    action, or CloudWatch has the alarm no longer in ALARM - a late notification). C(ignore) - nothing runs for it on
    this host (another account or region, no such alarm, another topic, raw delivery where none is expected, a
    recovery CloudWatch does not confirm, no procedure in the catalogue, or none of the alarm's resources is the
    environment's); RV(reason) says why.
  - Every string of the event is restored from the source's inert form (plugins/module_utils/alarms.py) before it is
    compared or sent to AWS; what the module returns is a module result, which Ansible never evaluates as a template.
  - Read only; the same checks as the event source, in one place (plugins/module_utils/alarms.py).
notes:
  - "IAM actions (least privilege): C(cloudwatch:DescribeAlarms)."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  event:
    description:
      - The event (C(ansible_eda.event)) - C(alarm) with at least C(name), C(state), C(account), C(region); C(sns),
        C(delivery) and C(runbook) as the event source sets them.
    type: dict
    required: true
  catalogue:
    description:
      - The environment's alarm catalogue (C(ops_runbooks_alarm_catalogue)); the alarm's entry is looked up here, not
        taken from the event.
    type: list
    elements: dict
    required: true
  account_id:
    description:
      - The environment's account, as the role C(ops.runbooks.fleet) verified it (STS). An alarm of another account is
        not this host's.
    type: str
    required: true
  topic:
    description:
      - The environment's alert topic, a name or an ARN (C(ops_runbooks_alert_topic)); an event whose envelope names
        another topic is ignored. Empty - any topic of the account and region.
    type: str
    default: ""
  raw_delivery:
    description: Whether the alarm queue's subscription has raw message delivery (an event without the SNS envelope).
    type: bool
    default: false
  actions_allowed:
    description: Whether an alarm may change anything in this environment by itself (C(ops_runbooks_alarm_actions)).
    type: bool
    default: false
  functions:
    description: The environment's Lambda functions; an alarm's function outside them is left out.
    type: list
    elements: str
    default: []
  queues:
    description: The environment's queues (with their DLQs); an alarm's queue outside them and O(queue_name_prefix) is left out.
    type: list
    elements: str
    default: []
  queue_name_prefix:
    description: A queue whose name starts with this is the environment's too.
    type: str
    default: ""
  tables:
    description: The environment's DynamoDB tables; an alarm's table outside them is left out.
    type: list
    elements: str
    default: []
  procedures:
    description:
      - The procedures the running playbook answers (C(incident.yml) - C(incident)); an alarm the catalogue answers
        with another one is ignored here. Empty - any.
    type: list
    elements: str
    choices: [incident, queue_check, queue_redrive, troubleshoot, performance]
    default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: What may this alarm make the incident do?
  ops.runbooks.alarm_verify:
    event: "{{ ansible_eda.event }}"
    catalogue: "{{ ops_runbooks_alarm_catalogue }}"
    account_id: "{{ fleet_account.id }}"
    topic: "{{ ops_runbooks_alert_topic }}"
    actions_allowed: "{{ ops_runbooks_alarm_actions }}"
    functions: "{{ ops_runbooks_functions }}"
  register: alarm_verified
"""

RETURN = r"""
decision:
  description: C(act), C(plan) or C(ignore) (see the description).
  returned: always
  type: str
  sample: act
verdict:
  description: >-
    What the checks found - C(ok); C(foreign) (another account or region); C(rejected) (no such alarm, another topic,
    raw delivery where none is expected, an event the catalogue does not match); C(stale) (CloudWatch has the alarm in
    another state); C(held) (the environment allows no automatic action); C(outside) (none of its resources is the
    environment's).
  returned: always
  type: str
  sample: ok
reason:
  description: Why not C(act); empty for C(act).
  returned: always
  type: str
  sample: alarm "ai-investment-score-errors" is OK in CloudWatch (since 2026-11-23T08:05:00.000Z), the notification says ALARM
claim:
  description: What the event says - C(name), C(state), C(previous_state), C(at) (restored from the inert form).
  returned: always
  type: dict
alarm:
  description: >-
    CloudWatch's description of the alarm - C(name), C(arn), C(state), C(reason), C(description), C(episode),
    C(account), C(region), C(kind), C(metric), C(namespace), C(dimensions), C(statistic), C(threshold), C(comparison),
    C(metrics), C(expression), C(rule). Null when CloudWatch has none (or it was not asked).
  returned: always
  type: dict
runbook:
  description: >-
    The catalogue entry of CloudWatch's alarm with the environment's resources only - C(kind), C(procedure),
    C(severity), C(actions), C(problem), C(functions), C(function), C(queue), C(table), C(catalogue_entry). Null when
    CloudWatch was not asked.
  returned: always
  type: dict
dropped:
  description: The alarm's resources that are not the environment's (left out), as C(<kind> <name>).
  returned: always
  type: list
  elements: str
changes:
  description: >-
    The automatic changes the alarm's procedure would make (C(act) on an ALARM whose catalogue entry has actions, or a
    C(queue_redrive)), one id each for C(ops.runbooks.action_budget) - the action, the resource and the alarm's state
    change (C(episode)): the same notification again claims nothing new, the alarm firing again does.
  returned: always
  type: list
  elements: str
  sample: ["rollback ai-investment-score (alarm ai-investment-score-errors, 2026-11-23T08:00:00.000Z)"]
"""

from ansible_collections.ops.runbooks.plugins.module_utils import alarms
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error

ARGUMENT_SPEC = dict(
    event=dict(type="dict", required=True),
    catalogue=dict(type="list", elements="dict", required=True),
    account_id=dict(type="str", required=True),
    topic=dict(type="str", default=""),
    raw_delivery=dict(type="bool", default=False),
    actions_allowed=dict(type="bool", default=False),
    functions=dict(type="list", elements="str", default=[]),
    queues=dict(type="list", elements="str", default=[]),
    queue_name_prefix=dict(type="str", default=""),
    tables=dict(type="list", elements="str", default=[]),
    procedures=dict(type="list", elements="str", default=[],
                    choices=["incident", "queue_check", "queue_redrive", "troubleshoot", "performance"]),
)


def needs(runbook):
    """The resource a procedure cannot do without (None: it reads the whole environment)."""
    if runbook["procedure"] == "incident":
        return "functions" if runbook.get("actions") else None
    if runbook["procedure"] == "troubleshoot":
        return "table" if runbook.get("problem") == "dynamodb_throttling" else "function"
    return {"queue_redrive": "queue", "performance": "functions"}.get(runbook["procedure"])


def claim_of(event):
    """The event (restored) as parse_message's claim; InvalidInput naming what is missing."""
    alarm = event.get("alarm")
    if not isinstance(alarm, dict):
        raise InvalidInput("event: no alarm in the event (not an alarm's run of ops.runbooks.alarm_queue)")
    for key in ("name", "state"):
        if not isinstance(alarm.get(key), str) or not alarm[key]:
            raise InvalidInput("event: event.alarm.%s is missing" % key)
    if alarm["state"] not in alarms.STATES:
        raise InvalidInput("event: event.alarm.state %s is not one of %s" % (
            alarms.shown(alarm["state"]), ", ".join(alarms.STATES)))
    arn = alarm.get("arn") if isinstance(alarm.get("arn"), str) else ""
    parts = arn.split(":")
    sns = event.get("sns") if isinstance(event.get("sns"), dict) else {}
    return {"alarm": dict(alarm, arn_account=parts[4] if len(parts) > 4 and parts[4] else None,
                          account=str(alarm["account"]) if alarm.get("account") else None,
                          previous_state=alarm.get("previous_state") if alarm.get("previous_state") in alarms.STATES
                          else None),
            "sns": {"topic_arn": sns.get("topic_arn")}, "delivery": event.get("delivery") or "sns"}


def describe_alarm(cloudwatch, claim, account, region):
    """CloudWatch's description of the claimed alarm, None when it has none of that name."""
    kinds = ["CompositeAlarm"] if claim["alarm"].get("kind") == "composite" else ["MetricAlarm", "CompositeAlarm"]
    answer = cloudwatch.describe_alarms(aws_retry=True, AlarmNames=[claim["alarm"]["name"]], AlarmTypes=kinds)
    found = [a for a in (answer.get("MetricAlarms") or []) + (answer.get("CompositeAlarms") or [])
             if a.get("AlarmName") == claim["alarm"]["name"]]
    return alarms.describe(found[0], account, region) if found else None


def decide(params, event, claim, described):
    """(decision, verdict, reason, runbook, dropped) of a screened claim and CloudWatch's answer."""
    verdict, reason = alarms.screen_alarm(claim, described)
    if verdict == "rejected":
        return "ignore", verdict, reason, None, []
    runbook = alarms.classify(described, params["catalogue"])
    name = alarms.shown(described["name"])
    given = event.get("runbook") if isinstance(event.get("runbook"), dict) else {}
    if runbook["procedure"] == "none":
        return "ignore", "rejected", "the alarm catalogue has no procedure for alarm %s" % name, runbook, []
    if given.get("procedure") and given["procedure"] != runbook["procedure"]:
        return "ignore", "rejected", "the event's procedure %s is not the one this environment's catalogue names for " \
            "alarm %s (%s)" % (alarms.shown(given["procedure"]), name, runbook["procedure"]), runbook, []
    if params["procedures"] and runbook["procedure"] not in params["procedures"]:
        return "ignore", "rejected", "alarm %s is answered by the procedure %s, not by this playbook (%s)" % (
            name, runbook["procedure"], ", ".join(params["procedures"])), runbook, []
    kept, dropped = alarms.within(runbook, params["functions"], params["queues"], params["queue_name_prefix"],
                                  params["tables"])
    need = needs(runbook)
    if need and not kept.get(need):
        return "ignore", "outside", "alarm %s names no %s of this environment%s" % (
            name, need.rstrip("s"), " (it concerns %s)" % ", ".join(dropped) if dropped else ""), kept, dropped
    if verdict == "stale":
        if claim["alarm"]["state"] != "ALARM":  # a recovery CloudWatch does not confirm resolves nothing
            return "ignore", verdict, reason, kept, dropped
        return "plan", verdict, reason, kept, dropped
    if claim["alarm"]["state"] == "ALARM" and not params["actions_allowed"]:
        return "plan", "held", "automatic action is off here: ops_runbooks_alarm_actions is false", kept, dropped
    return "act", "ok", "", kept, dropped


def changes_of(decision, claim, described, runbook):
    """The automatic changes an ``act`` on an ALARM makes, as claim ids (see RETURN ``changes``)."""
    if decision != "act" or claim["alarm"]["state"] != "ALARM":
        return []
    which = "alarm %s, %s" % (described["name"], described.get("episode") or claim["alarm"].get("at") or "?")
    if runbook["procedure"] == "incident":
        return ["%s %s (%s)" % (action, function, which) for action in runbook.get("actions") or []
                for function in runbook["functions"]]
    if runbook["procedure"] == "queue_redrive" and runbook.get("queue"):
        return ["redrive %s (%s)" % (runbook["queue"], which)]
    return []


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    result = dict(changed=False, decision="ignore", verdict="rejected", reason="", claim={}, alarm=None, runbook=None,
                  dropped=[], changes=[])
    with ending_on_error(module, result, "verify the alarm of the event"):
        if not alarms.ACCOUNT.match(params["account_id"] or ""):
            raise InvalidInput("account_id: %s is not a 12-digit AWS account id (the environment's account is "
                               "unknown: ops_runbooks_aws_account_id)" % alarms.shown(params["account_id"]))
        try:
            alarms.check_catalogue(params["catalogue"])
        except ValueError as e:
            raise InvalidInput(str(e)) from None
        region = module.region
        if not region:
            raise InvalidInput("region: needed to ask CloudWatch about the alarm")
        event = alarms.restore(params["event"])
        claim = claim_of(event)
        result["claim"] = {k: claim["alarm"].get(k) for k in ("name", "state", "previous_state", "at", "episode")}
        verdict, reason = alarms.screen_claim(claim, params["account_id"], region, params["topic"],
                                              params["raw_delivery"])
        if verdict != "ok":
            result.update(verdict=verdict, reason=reason)
            module.exit_json(**result)
        described = describe_alarm(module.retrying_client("cloudwatch"), claim, params["account_id"], region)
        decision, verdict, reason, runbook, dropped = decide(params, event, claim, described)
        result.update(decision=decision, verdict=verdict, reason=reason, alarm=described, runbook=runbook,
                      dropped=dropped, changes=changes_of(decision, claim, described, runbook))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
