# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ops.runbooks.alarm_queue - an Event-Driven Ansible event source: CloudWatch alarm notifications from an SQS queue.

The queue is subscribed to the alert SNS topic (runbook 001's ``ai-investment-alerts``), best with a filter on the
message body (``{"AlarmName": [{"exists": true}]}``, scope MessageBody) so that the incidents' own notifications on
the same topic do not reach it. Each message - the SNS
envelope, or the alarm notification itself with raw message delivery - becomes one event::

    {"alarm": {"name", "state", "previous_state", "reason", "description", "at", "account", "region", "arn",
               "kind" (metric, metric_math, composite), "metric", "namespace", "dimensions", "statistic",
               "threshold", "comparison", "metrics", "expression", "rule", "children"},
     "sns": {"message_id", "topic_arn", "subject"},
     "runbook": {"kind", "procedure", "severity", "actions", "problem", "functions", "function", "queue", "table",
                 "catalogue_entry"}}

``runbook`` is the alarm's entry in the alarm catalogue given as ``catalogue`` (the inventory's
``ops_runbooks_alarm_catalogue``, inventories/shared/runbook_001_alarms.yml): the first entry whose ``alarm`` (a
shell-style pattern: ``ai-investment-*-errors``) matches the alarm's name, with the resources taken from the alarm's
dimensions (FunctionName, QueueName, TableName) unless the entry names them. An alarm no entry matches is
``{"kind": "unknown", "procedure": "none"}``: the rulebook runs nothing for it. Without ``catalogue`` there is no
``runbook`` key.

At least once: a message is deleted only after its event is on the rulebook's queue; a source stopped in between
leaves it in SQS, where it comes back after its visibility timeout. A message that is not an alarm notification is
logged and moved aside (to ``malformed_queue_url`` when given, else deleted after logging) - never a crash, never an
endless redelivery. AWS errors are retried with jittered backoff (at most 60 s apart). Stopping (cancel) waits for
nothing: the long poll in flight is abandoned and its messages come back after their visibility timeout.

Arguments (all optional except the queue):

==========================  ======================================================================================
``queue_url``               The queue's URL; or ``queue_name`` (looked up with GetQueueUrl).
``region``                  AWS region (default: the usual chain - AWS_REGION, the profile).
``endpoint_url``            Another endpoint (the sandbox's emulator).
``access_key``,             Credentials; default the usual chain (environment, profile, instance role).
``secret_key``,
``session_token``,
``profile``
``wait_time``               Long-poll seconds per receive, 0-20 (default 20).
``max_messages``            Messages per receive, 1-10 (default 10).
``visibility_timeout``      Seconds a received message stays hidden (default: the queue's own).
``malformed_queue_url``     Where messages that are not alarm notifications go (default: deleted after logging).
``catalogue``               The alarm catalogue (list of entries: ``alarm`` pattern, ``kind``, ``procedure`` -
                            incident, queue_check, queue_redrive, troubleshoot, performance or none - and optional
                            ``severity``,
                            ``actions``, ``problem``, ``functions``, ``queue``, ``table``, ``summary``); each event
                            gets its entry as ``runbook``.
``max_events``              Stop after this many events (tests, one-shot runs).
``idle_timeout``            Stop after this many seconds without a message (tests).
==========================  ======================================================================================

Example rulebook source::

    sources:
      - ops.runbooks.alarm_queue:
          queue_name: runbooks-alarms
          region: eu-central-1
          # ansible-rulebook --vars inventories/shared/runbook_001_alarms.yml
          catalogue: "{{ ops_runbooks_alarm_catalogue }}"

IAM: ``sqs:ReceiveMessage``, ``sqs:DeleteMessage``, ``sqs:GetQueueUrl`` (with ``queue_name``), ``sqs:SendMessage``
on the malformed queue (with ``malformed_queue_url``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import fnmatch
import json
import logging
import random
import re

LOGGER = logging.getLogger("ops.runbooks.alarm_queue")
STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")
PROCEDURES = ("incident", "queue_check", "queue_redrive", "troubleshoot", "performance", "none")
MAX_BACKOFF = 60.0


class NotAnAlarm(ValueError):
    """The message is not a CloudWatch alarm notification (the reason says why)."""


# ---- the notification -------------------------------------------------------------------------------------------
def _at(value):
    """CloudWatch's StateChangeTime (``2026-11-23T08:00:00.000+0000``) as ISO 8601 UTC (``...Z``)."""
    if not value:
        return None
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", str(value))
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise NotAnAlarm("StateChangeTime %r is not a time" % value) from None
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


def _metric_stats(trigger):
    """The metrics of a metric-math trigger: ``[{id, metric, namespace, dimensions, stat, period}]``."""
    found = []
    for query in trigger.get("Metrics") or []:
        stat = query.get("MetricStat")
        if isinstance(stat, dict):
            metric = stat.get("Metric") or {}
            found.append({"id": query.get("Id"), "metric": metric.get("MetricName"),
                          "namespace": metric.get("Namespace"), "dimensions": _dimensions(metric.get("Dimensions")),
                          "stat": stat.get("Stat"), "period": stat.get("Period")})
    return found


def parse_alarm(message):
    """The alarm of one CloudWatch notification (a dict: the JSON CloudWatch sends to SNS) as the event's ``alarm``.

    Single-metric alarms give their metric, namespace, dimensions, statistic, threshold and comparison; metric-math
    alarms their expression and every metric in it (``metric``/``namespace``/``dimensions`` from the first); composite
    alarms their rule and the children that triggered. Raises NotAnAlarm naming what is missing.
    """
    if not isinstance(message, dict):
        raise NotAnAlarm("the notification is not a JSON object")
    for key in ("AlarmName", "NewStateValue"):
        if not message.get(key):
            raise NotAnAlarm("no %s in the notification" % key)
    if message["NewStateValue"] not in STATES:
        raise NotAnAlarm("NewStateValue %r is not one of %s" % (message["NewStateValue"], ", ".join(STATES)))
    arn = message.get("AlarmArn") or ""
    parts = arn.split(":")
    alarm = {"name": message["AlarmName"], "state": message["NewStateValue"],
             "previous_state": message.get("OldStateValue"), "reason": message.get("NewStateReason"),
             "description": message.get("AlarmDescription"), "at": _at(message.get("StateChangeTime")),
             "account": str(message.get("AWSAccountId") or (parts[4] if len(parts) > 4 else "")) or None,
             "region": (parts[3] if len(parts) > 3 and parts[3] else None), "arn": arn or None,
             "kind": "metric", "metric": None, "namespace": None, "dimensions": {}, "statistic": None,
             "threshold": None, "comparison": None, "metrics": [], "expression": None, "rule": None, "children": []}
    trigger = message.get("Trigger")
    if message.get("AlarmRule") is not None:
        alarm.update(kind="composite", rule=message["AlarmRule"], children=[
            {"arn": child.get("Arn"), "state": (child.get("State") or {}).get("Value")}
            for child in message.get("TriggeringChildren") or [] if isinstance(child, dict)])
    elif isinstance(trigger, dict):
        alarm.update(threshold=trigger.get("Threshold"), comparison=trigger.get("ComparisonOperator"))
        if trigger.get("Metrics"):
            stats = _metric_stats(trigger)
            expression = next((q.get("Expression") for q in trigger["Metrics"]
                               if q.get("ReturnData", True) and q.get("Expression")), None)
            alarm.update(kind="metric_math", metrics=stats, expression=expression)
            if stats:
                alarm.update(metric=stats[0]["metric"], namespace=stats[0]["namespace"],
                             dimensions=stats[0]["dimensions"], statistic=stats[0]["stat"])
        else:
            alarm.update(metric=trigger.get("MetricName"), namespace=trigger.get("Namespace"),
                         dimensions=_dimensions(trigger.get("Dimensions")),
                         statistic=trigger.get("Statistic") or trigger.get("ExtendedStatistic"))
    else:
        raise NotAnAlarm("no Trigger (metric alarm) and no AlarmRule (composite alarm) in the notification")
    return alarm


def parse_message(body):
    """One SQS message body - an SNS envelope, or the notification itself (raw delivery) - as an event."""
    try:
        outer = json.loads(body)
    except (TypeError, ValueError):
        raise NotAnAlarm("the message body is not JSON") from None
    sns = {"message_id": None, "topic_arn": None, "subject": None}
    if isinstance(outer, dict) and outer.get("Type") == "Notification" and "Message" in outer:
        sns = {"message_id": outer.get("MessageId"), "topic_arn": outer.get("TopicArn"),
               "subject": outer.get("Subject")}
        try:
            inner = json.loads(outer["Message"])
        except (TypeError, ValueError):
            raise NotAnAlarm("the SNS message is not JSON (not a CloudWatch alarm notification)") from None
    else:
        inner = outer
    return {"alarm": parse_alarm(inner), "sns": sns}


# ---- the catalogue ----------------------------------------------------------------------------------------------
def check_catalogue(catalogue):
    """Raise ValueError naming the first bad entry field of an alarm catalogue."""
    if not isinstance(catalogue, list):
        raise ValueError("alarm_queue: catalogue must be a list of entries, got %s" % type(catalogue).__name__)
    for index, entry in enumerate(catalogue):
        where = "alarm_queue: catalogue[%d]" % index
        if not isinstance(entry, dict):
            raise ValueError("%s must be a mapping" % where)
        for key in ("alarm", "kind", "procedure"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise ValueError("%s.%s is required (a string)" % (where, key))
        if entry["procedure"] not in PROCEDURES:
            raise ValueError("%s.procedure must be one of %s, got %r" % (where, ", ".join(PROCEDURES), entry["procedure"]))
        for key in ("actions", "functions"):
            if key in entry and not (isinstance(entry[key], list) and all(isinstance(v, str) for v in entry[key])):
                raise ValueError("%s.%s must be a list of strings" % (where, key))


def classify(alarm, catalogue):
    """The alarm's catalogue entry as the event's ``runbook``: kind, procedure, severity, actions, problem and the
    resources it concerns (the entry's, else the alarm's dimensions)."""
    entry = next((e for e in catalogue if fnmatch.fnmatchcase(alarm["name"], e["alarm"])), None)
    if entry is None:
        return {"kind": "unknown", "procedure": "none", "severity": None, "actions": [], "problem": None,
                "functions": [], "function": None, "queue": None, "table": None, "catalogue_entry": None}
    dimensions = alarm.get("dimensions") or {}
    functions = list(entry.get("functions") or ([dimensions["FunctionName"]] if dimensions.get("FunctionName") else []))
    return {"kind": entry["kind"], "procedure": entry["procedure"], "severity": entry.get("severity"),
            "actions": list(entry.get("actions") or []), "problem": entry.get("problem"), "functions": functions,
            "function": functions[0] if functions else None,
            "queue": entry.get("queue") or dimensions.get("QueueName"),
            "table": entry.get("table") or dimensions.get("TableName"), "catalogue_entry": entry["alarm"]}


# ---- the source -------------------------------------------------------------------------------------------------
def _check_args(args):
    if not (args.get("queue_url") or args.get("queue_name")):
        raise ValueError("alarm_queue: give queue_url or queue_name")
    for key, low, high in (("wait_time", 0, 20), ("max_messages", 1, 10), ("visibility_timeout", 0, 43200),
                           ("max_events", 1, None), ("idle_timeout", 1, None)):
        value = args.get(key)
        if value is None:
            continue
        if isinstance(value, str) and value.strip().isdigit():  # from ansible-rulebook --env-vars: a string
            value = args[key] = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            raise ValueError("alarm_queue: %s must be a whole number from %s%s, got %r"
                             % (key, low, " to %s" % high if high is not None else " up", value))
    if args.get("catalogue") is not None:
        check_catalogue(args["catalogue"])


def _client(args):
    # imported only when the source runs
    import boto3  # pylint: disable=import-outside-toplevel
    from botocore.config import Config  # pylint: disable=import-outside-toplevel

    session = boto3.session.Session(profile_name=args.get("profile"), region_name=args.get("region"),
                                    aws_access_key_id=args.get("access_key"),
                                    aws_secret_access_key=args.get("secret_key"),
                                    aws_session_token=args.get("session_token"))
    return session.client("sqs", endpoint_url=args.get("endpoint_url"),
                          config=Config(retries={"mode": "standard"}, read_timeout=30))


async def main(queue, args, client=None, sleep=asyncio.sleep):  # pylint: disable=too-many-branches
    """Receive, turn each notification into an event, put it on ``queue``, then delete the message."""
    args = dict(args)
    _check_args(args)
    client = client or _client(args)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="alarm_queue")
    loop = asyncio.get_running_loop()

    def call(function, **kwargs):
        return loop.run_in_executor(pool, lambda: function(**kwargs))

    async def delete(message):
        """Delete a handled message; when that fails it comes back after its visibility timeout (at least once)."""
        try:
            await call(client.delete_message, QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        except Exception as e:  # pylint: disable=broad-except
            LOGGER.warning("alarm_queue: deleting message %s failed (%s); it will come again", message.get("MessageId"), e)

    events, failures, idle_since, url = 0, 0, loop.time(), args.get("queue_url")
    try:
        url = args.get("queue_url") or (await call(client.get_queue_url, QueueName=args["queue_name"]))["QueueUrl"]
        receive = {"QueueUrl": url, "WaitTimeSeconds": args.get("wait_time", 20),
                   "MaxNumberOfMessages": args.get("max_messages", 10)}
        if args.get("visibility_timeout") is not None:
            receive["VisibilityTimeout"] = args["visibility_timeout"]
        while args.get("max_events") is None or events < args["max_events"]:
            try:
                messages = (await call(client.receive_message, **receive)).get("Messages") or []
                failures = 0
            # botocore's errors (and a lost connection): retried, never fatal
            except Exception as e:  # pylint: disable=broad-except
                failures += 1
                delay = min(MAX_BACKOFF, 2.0 ** failures) * random.uniform(0.5, 1.0)
                LOGGER.warning("alarm_queue: receiving from %s failed (%s); again in %.1f s", url, e, delay)
                await sleep(delay)
                continue
            if not messages:
                if args.get("idle_timeout") and loop.time() - idle_since >= args["idle_timeout"]:
                    LOGGER.info("alarm_queue: no message for %s s, stopping", args["idle_timeout"])
                    return
                if not receive["WaitTimeSeconds"]:
                    await asyncio.sleep(0.2)  # short polling: not a busy loop against SQS
                continue
            idle_since = loop.time()
            for message in messages:
                try:
                    event = parse_message(message.get("Body"))
                except NotAnAlarm as e:
                    LOGGER.error("alarm_queue: message %s is not an alarm notification (%s), moved aside: %.500s",
                                 message.get("MessageId"), e, message.get("Body"))
                    if args.get("malformed_queue_url"):
                        try:
                            await call(client.send_message, QueueUrl=args["malformed_queue_url"],
                                       MessageBody=message.get("Body") or "")
                        # kept in the inbox: tried again on its next delivery
                        except Exception as e:  # pylint: disable=broad-except
                            LOGGER.warning("alarm_queue: moving message %s aside failed (%s)", message.get("MessageId"), e)
                            continue
                    await delete(message)
                    continue
                if args.get("catalogue") is not None:
                    event["runbook"] = classify(event["alarm"], args["catalogue"])
                event["meta"] = {"source": {"name": "ops.runbooks.alarm_queue", "type": "ops.runbooks.alarm_queue"},
                                 "received_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
                await queue.put(event)  # on the rulebook's queue first: only then is the message gone
                await delete(message)
                events += 1
                if args.get("max_events") is not None and events >= args["max_events"]:
                    break
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


if __name__ == "__main__":
    # ansible-rulebook's convention: run the source alone, printing its events.
    class _Print:
        @staticmethod
        async def put(event):
            print(json.dumps(event, indent=2))

    asyncio.run(main(_Print(), {"queue_name": "runbooks-alarms", "max_events": 1}))
