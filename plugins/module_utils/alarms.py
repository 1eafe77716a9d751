# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch alarm notifications and what may be done about them: the one place of these rules.

Used by the event source ``ops.runbooks.alarm_queue`` (extensions/eda, which loads this file by its path: it runs in
ansible-rulebook, without Ansible's module loader) and by the module ``ops.runbooks.alarm_verify`` (the playbook's own
check before anything changes). Standard library only.

- ``parse_message``: an SQS message body (SNS envelope, or the notification with raw delivery) as what it *claims*.
- ``describe``: CloudWatch's own description of the alarm (DescribeAlarms) as the alarm the procedures act on - its
  dimensions, namespace and metrics, never the message's.
- ``screen``: whether a claim may become an event at all - the account, region and topic the environment expects,
  raw delivery only where expected, the alarm existing in CloudWatch and being in the state the message says.
- ``classify``: the alarm catalogue entry of an alarm (kind, procedure, severity, actions, resources).
- ``inert`` / ``restore``: every string an event carries, made unable to be evaluated as a Jinja template (``{``,
  ``}`` and ``\\`` written as ``\\u007b``, ``\\u007d``, ``\\u005c``) and restored exactly - ansible-rulebook and AWX
  hand the event to the playbook as extra vars, which Ansible templates.
"""

from __future__ import annotations

import datetime
import fnmatch
import json
import re

STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")
PROCEDURES = ("incident", "queue_check", "queue_redrive", "troubleshoot", "performance", "none")
ACCOUNT = re.compile(r"^[0-9]{12}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
_ESCAPES = {"\\": "\\u005c", "{": "\\u007b", "}": "\\u007d"}
_ESCAPED = re.compile(r"\\u(005c|007b|007d)")
_UNSAFE = re.compile(r"[\\{}]")
_PLAIN = re.compile(r'[\x20-\x21\x23-\x5b\x5d-\x7e]*')  # printable ASCII without " and \\


class NotAnAlarm(ValueError):
    """The message is not a CloudWatch alarm notification (the reason says why)."""


# ---- data, never code -------------------------------------------------------------------------------------------
def inert(value):
    """``value`` (str, list, dict - keys too - or a scalar) with every string unable to open a template."""
    if isinstance(value, str):
        return _UNSAFE.sub(lambda m: _ESCAPES[m.group(0)], value)
    if isinstance(value, dict):
        return {inert(k): inert(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [inert(v) for v in value]
    return value


def restore(value):
    """The exact original of ``inert(value)``."""
    if isinstance(value, str):
        return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)
    if isinstance(value, dict):
        return {restore(k): restore(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [restore(v) for v in value]
    return value


def shown(value, limit=200):
    """A string from outside for a log line or a message, on one line: as it is when it is plain printable ASCII,
    else quoted with every control character escaped (no forged log line); cut at ``limit``."""
    text = str(value)
    if not _PLAIN.fullmatch(text):
        text = json.dumps(text, ensure_ascii=True)
    return text if len(text) <= limit else text[:limit] + "..."


# ---- the notification (what a message claims) -------------------------------------------------------------------
def iso(value):
    """A CloudWatch time (``2026-11-23T08:00:00.000+0000``, or a datetime) as ISO 8601 UTC with milliseconds."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", str(value))
        try:
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise NotAnAlarm("StateChangeTime %s is not a time" % shown(value)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _dimensions(items):
    """CloudWatch's ``[{"name": n, "value": v}]`` (either capitalization) as ``{n: v}``."""
    found = {}
    for item in items or []:
        if isinstance(item, dict):
            name = item.get("name", item.get("Name"))
            if name is not None:
                found[str(name)] = item.get("value", item.get("Value"))
    return found


def _metric_stats(queries):
    """The metrics of a metric-math alarm: ``[{id, metric, namespace, dimensions, stat, period}]``."""
    found = []
    for query in queries or []:
        stat = query.get("MetricStat") if isinstance(query, dict) else None
        if isinstance(stat, dict):
            metric = stat.get("Metric") or {}
            found.append({"id": query.get("Id"), "metric": metric.get("MetricName"),
                          "namespace": metric.get("Namespace"), "dimensions": _dimensions(metric.get("Dimensions")),
                          "stat": stat.get("Stat"), "period": stat.get("Period")})
    return found


def _metric_fields(source):
    """kind, metric, namespace, dimensions, statistic, threshold, comparison, metrics, expression of a metric alarm
    (a notification's Trigger or a DescribeAlarms MetricAlarm: the same field names)."""
    fields = {"kind": "metric", "threshold": source.get("Threshold"), "comparison": source.get("ComparisonOperator"),
              "metrics": [], "expression": None, "rule": None}
    if source.get("Metrics"):
        stats = _metric_stats(source["Metrics"])
        expression = next((q.get("Expression") for q in source["Metrics"]
                           if isinstance(q, dict) and q.get("ReturnData", True) and q.get("Expression")), None)
        first = stats[0] if stats else {}
        fields.update(kind="metric_math", metrics=stats, expression=expression, metric=first.get("metric"),
                      namespace=first.get("namespace"), dimensions=first.get("dimensions") or {},
                      statistic=first.get("stat"))
    else:
        fields.update(metric=source.get("MetricName"), namespace=source.get("Namespace"),
                      dimensions=_dimensions(source.get("Dimensions")),
                      statistic=source.get("Statistic") or source.get("ExtendedStatistic"))
    return fields


def parse_alarm(message):
    """What one CloudWatch notification (a dict: the JSON CloudWatch sends to SNS) says of its alarm.

    Single-metric alarms give their metric, namespace, dimensions, statistic, threshold and comparison; metric-math
    alarms their expression and every metric in it (``metric``/``namespace``/``dimensions`` from the first); composite
    alarms their rule. This is a *claim*: anyone who may publish to the topic can write it. Raises NotAnAlarm naming
    what is missing.
    """
    if not isinstance(message, dict):
        raise NotAnAlarm("the notification is not a JSON object")
    for key in ("AlarmName", "NewStateValue"):
        if not message.get(key) or not isinstance(message[key], str):
            raise NotAnAlarm("no %s in the notification" % key)
    if message["NewStateValue"] not in STATES:
        raise NotAnAlarm("NewStateValue %s is not one of %s" % (shown(message["NewStateValue"]), ", ".join(STATES)))
    arn = message.get("AlarmArn") if isinstance(message.get("AlarmArn"), str) else ""
    parts = arn.split(":")
    previous = message.get("OldStateValue")
    alarm = {"name": message["AlarmName"], "state": message["NewStateValue"],
             "previous_state": previous if previous in STATES else None, "reason": message.get("NewStateReason"),
             "description": message.get("AlarmDescription"), "at": iso(message.get("StateChangeTime")),
             "account": str(message.get("AWSAccountId") or (parts[4] if len(parts) > 4 else "")) or None,
             "arn_account": parts[4] if len(parts) > 4 and parts[4] else None,
             "region": (parts[3] if len(parts) > 3 and parts[3] else None), "arn": arn or None,
             "metric": None, "namespace": None, "dimensions": {}, "statistic": None}
    trigger = message.get("Trigger")
    if message.get("AlarmRule") is not None:
        alarm.update(kind="composite", rule=message["AlarmRule"], threshold=None, comparison=None, metrics=[],
                     expression=None)
    elif isinstance(trigger, dict):
        alarm.update(_metric_fields(trigger))
    else:
        raise NotAnAlarm("no Trigger (metric alarm) and no AlarmRule (composite alarm) in the notification")
    return alarm


def parse_message(body):
    """One SQS message body - an SNS envelope, or the notification itself (raw delivery) - as
    ``{"alarm": <claim>, "sns": {message_id, topic_arn, subject}, "delivery": "sns" | "raw"}``."""
    try:
        outer = json.loads(body)
    except (TypeError, ValueError):
        raise NotAnAlarm("the message body is not JSON") from None
    sns, delivery = {"message_id": None, "topic_arn": None, "subject": None}, "raw"
    if isinstance(outer, dict) and outer.get("Type") == "Notification" and "Message" in outer:
        sns, delivery = {"message_id": outer.get("MessageId"), "topic_arn": outer.get("TopicArn"),
                         "subject": outer.get("Subject")}, "sns"
        try:
            inner = json.loads(outer["Message"])
        except (TypeError, ValueError):
            raise NotAnAlarm("the SNS message is not JSON (not a CloudWatch alarm notification)") from None
    else:
        inner = outer
    return {"alarm": parse_alarm(inner), "sns": sns, "delivery": delivery}


# ---- CloudWatch's own description ----------------------------------------------------------------------------
def describe(found, account, region):
    """The alarm as DescribeAlarms gives it (one MetricAlarm or CompositeAlarm dict): what a procedure acts on.

    ``episode`` is when it last changed state (StateTransitionedTimestamp, else StateUpdatedTimestamp): every
    notification of one state change carries the same episode, a new state change a new one."""
    alarm = {"name": found.get("AlarmName"), "arn": found.get("AlarmArn"), "state": found.get("StateValue"),
             "reason": found.get("StateReason"), "description": found.get("AlarmDescription"),
             "episode": iso(found.get("StateTransitionedTimestamp") or found.get("StateUpdatedTimestamp")),
             "account": account, "region": region, "metric": None, "namespace": None, "dimensions": {},
             "statistic": None}
    if found.get("AlarmRule") is not None:
        alarm.update(kind="composite", rule=found["AlarmRule"], threshold=None, comparison=None, metrics=[],
                     expression=None)
    else:
        alarm.update(_metric_fields(found))
    return alarm


def topic_matches(topic_arn, topic, account, region):
    """Whether an SNS envelope's TopicArn is the environment's alert topic (``topic``: its name or ARN; without one,
    any topic of ``account`` and ``region``)."""
    parts = topic_arn.split(":") if isinstance(topic_arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sns":
        return False
    if topic and str(topic).startswith("arn:"):
        return topic_arn == topic
    return parts[3] == region and parts[4] == account and (not topic or parts[5] == topic)


def screen_claim(claim, account, region, topic=None, raw_delivery=False):
    """Whether what the message says of itself allows it at all, before CloudWatch is asked: ``(verdict, reason)``,
    verdict ``ok``, ``foreign`` (of another account or region: a fleet's other host, or somebody else's alarm) or
    ``rejected`` (raw delivery where none is expected, another topic, no account named)."""
    alarm = claim["alarm"]
    name = shown(alarm["name"])
    for key in ("account", "arn_account"):
        if alarm.get(key) and alarm[key] != account:
            return "foreign", "alarm %s is of account %s, not %s" % (name, shown(alarm[key]), account)
    if not alarm.get("account"):
        return "rejected", "alarm %s: the notification names no account" % name
    if alarm.get("region") != region:
        return "foreign", "alarm %s is of region %s, not %s" % (name, shown(alarm.get("region")), region)
    if claim.get("delivery") == "raw" and not raw_delivery:
        return "rejected", ("alarm %s came without its SNS envelope (raw delivery), which this queue does not expect"
                            % name)
    if claim.get("delivery") == "sns" and not topic_matches(claim["sns"].get("topic_arn"), topic, account, region):
        return "rejected", "alarm %s came from topic %s, not the alert topic %s" % (
            name, shown(claim["sns"].get("topic_arn")), topic or "of %s %s" % (account, region))
    return "ok", ""


def screen_alarm(claim, described):
    """Whether CloudWatch confirms the claim: ``described`` is describe() of DescribeAlarms' answer for the claimed
    name, None when CloudWatch has no such alarm. ``(verdict, reason)``: ``ok``; ``rejected`` - no such alarm
    (someone published the message); ``stale`` - CloudWatch has the alarm in another state now (a late or repeated
    notification, or a forged recovery)."""
    alarm = claim["alarm"]
    if described is None:
        return "rejected", "CloudWatch has no alarm %s in account %s, region %s" % (
            shown(alarm["name"]), alarm.get("account"), alarm.get("region"))
    if described["state"] != alarm["state"]:
        return "stale", "alarm %s is %s in CloudWatch (since %s), the notification says %s" % (
            shown(alarm["name"]), described["state"], described.get("episode") or "?", alarm["state"])
    return "ok", ""


def screen(claim, described, account, region, topic=None, raw_delivery=False):
    """screen_claim, then screen_alarm: ``(verdict, reason)`` of a notification, reason empty for ``ok``."""
    verdict = screen_claim(claim, account, region, topic, raw_delivery)
    return verdict if verdict[0] != "ok" else screen_alarm(claim, described)


# ---- the catalogue ----------------------------------------------------------------------------------------------
def check_catalogue(catalogue, where="catalogue"):
    """Raise ValueError naming the first bad entry field of an alarm catalogue."""
    if not isinstance(catalogue, list):
        raise ValueError("%s must be a list of entries, got %s" % (where, type(catalogue).__name__))
    for index, entry in enumerate(catalogue):
        at = "%s[%d]" % (where, index)
        if not isinstance(entry, dict):
            raise ValueError("%s must be a mapping" % at)
        for key in ("alarm", "kind", "procedure"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise ValueError("%s.%s is required (a string)" % (at, key))
        if entry["procedure"] not in PROCEDURES:
            raise ValueError("%s.procedure must be one of %s, got %r" % (at, ", ".join(PROCEDURES), entry["procedure"]))
        for key in ("actions", "functions"):
            if key in entry and not (isinstance(entry[key], list) and all(isinstance(v, str) for v in entry[key])):
                raise ValueError("%s.%s must be a list of strings" % (at, key))


def classify(alarm, catalogue):
    """The alarm's catalogue entry: kind, procedure, severity, actions, problem and the resources it concerns (the
    entry's, else the alarm's dimensions - CloudWatch's, when ``alarm`` is describe()'s)."""
    entry = next((e for e in catalogue if fnmatch.fnmatchcase(alarm["name"], e["alarm"])), None)
    if entry is None:
        return {"kind": "unknown", "procedure": "none", "severity": None, "actions": [], "problem": None,
                "functions": [], "function": None, "queue": None, "table": None, "ecs_cluster": None,
                "ecs_service": None, "catalogue_entry": None}
    dimensions = alarm.get("dimensions") or {}
    functions = list(entry.get("functions") or ([dimensions["FunctionName"]] if dimensions.get("FunctionName") else []))
    return {"kind": entry["kind"], "procedure": entry["procedure"], "severity": entry.get("severity"),
            "actions": list(entry.get("actions") or []), "problem": entry.get("problem"), "functions": functions,
            "function": functions[0] if functions else None,
            "queue": entry.get("queue") or dimensions.get("QueueName"),
            "table": entry.get("table") or dimensions.get("TableName"),
            "ecs_cluster": entry.get("cluster") or dimensions.get("ClusterName"),
            "ecs_service": entry.get("service") or dimensions.get("ServiceName"), "catalogue_entry": entry["alarm"]}


def event_of(claim, described, runbook):
    """The event of a notification that passed screen(): CloudWatch's alarm (the claim gives only the new and the
    previous state and when), the envelope's details, the catalogue entry - every string inert()."""
    alarm = dict(described, state=claim["alarm"]["state"], previous_state=claim["alarm"]["previous_state"],
                 at=claim["alarm"]["at"], episode=described.get("episode") or claim["alarm"]["at"] or "unknown")
    return inert({"alarm": alarm, "sns": claim["sns"], "delivery": claim["delivery"], "runbook": runbook})


def within(runbook, functions=None, queues=None, queue_name_prefix=None, tables=None):
    """The catalogue entry with only the resources the environment has (its inventory), and what was left out:
    ``(runbook, dropped)``; ``dropped`` is a list of ``"<kind> <name>"``."""
    functions, queues, tables = set(functions or []), set(queues or []), set(tables or [])
    kept, dropped = dict(runbook), []
    kept["functions"] = [f for f in runbook.get("functions") or [] if f in functions]
    dropped += ["function %s" % shown(f) for f in runbook.get("functions") or [] if f not in functions]
    kept["function"] = kept["functions"][0] if kept["functions"] else None
    queue = runbook.get("queue")
    if queue and not (queue in queues or (queue_name_prefix and queue.startswith(queue_name_prefix))):
        kept["queue"] = None
        dropped.append("queue %s" % shown(queue))
    table = runbook.get("table")
    if table and table not in tables:
        kept["table"] = None
        dropped.append("table %s" % shown(table))
    return kept, dropped
