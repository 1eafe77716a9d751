# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ops.runbooks.alarm_queue - an Event-Driven Ansible event source: CloudWatch alarm notifications from an SQS queue,
each confirmed with CloudWatch before it becomes an event.

The queue is subscribed to the alert SNS topic (runbook 001's ``ai-investment-alerts``), best with a filter on the
message body (``{"AlarmName": [{"exists": true}]}``, scope MessageBody) so that the incidents' own notifications on
the same topic do not reach it. Anyone who may publish to that topic can write a message that looks like a
notification, so a message is only a claim: before it becomes an event the source checks that

- it names this source's account (``account_id``, else the credentials' own, STS GetCallerIdentity) and region, came
  from the alert topic (``topic``) in its SNS envelope - without the envelope only with ``raw_delivery: true``;
- CloudWatch has an alarm of that name (DescribeAlarms) in the state the message says.

A message that fails a check starts nothing: one log line, and it is moved aside (``malformed_queue_url``) or
deleted. One that passes becomes one event built from **CloudWatch's own description** of the alarm - its
dimensions, namespace, metrics, reason - never from the message::

    {"alarm": {"name", "state", "previous_state", "at", "episode", "reason", "description", "account", "region",
               "arn", "kind" (metric, metric_math, composite), "metric", "namespace", "dimensions", "statistic",
               "threshold", "comparison", "metrics", "expression", "rule"},
     "sns": {"message_id", "topic_arn", "subject"}, "delivery": "sns" | "raw",
     "runbook": {"kind", "procedure", "severity", "actions", "problem", "functions", "function", "queue", "table",
                 "catalogue_entry"}}

``state``/``previous_state``/``at`` are the notification's (``state`` is CloudWatch's too, it was checked);
``episode`` is when CloudWatch last changed the alarm's state: every notification of one state change has the same
episode (the rulebook throttles on name and episode), the next state change a new one.

**Every string of an event is data**: ansible-rulebook and AWX hand the event to the playbook as extra vars, which
Ansible evaluates as templates. So ``{``, ``}`` and ``\\`` in any string (an alarm's name, reason, description,
dimension names and values, the SNS subject) are written ``\\u007b``, ``\\u007d``, ``\\u005c``: no string can open a
Jinja expression, and plugins/module_utils/alarms.py ``restore()`` gives the exact original back (the module
ops.runbooks.alarm_verify does).

``runbook`` is the alarm's entry in the alarm catalogue given as ``catalogue`` (the inventory's
``ops_runbooks_alarm_catalogue``, inventories/shared/runbook_001_alarms.yml): the first entry whose ``alarm`` (a
shell-style pattern: ``ai-investment-*-errors``) matches the alarm's name, with the resources taken from the alarm's
dimensions in CloudWatch (FunctionName, QueueName, TableName) unless the entry names them. An alarm no entry matches
is ``{"kind": "unknown", "procedure": "none"}``: the rulebook runs nothing for it. Without ``catalogue`` there is no
``runbook`` key.

At least once: a message is deleted only after its event is on the rulebook's queue; a source stopped in between
leaves it in SQS, where it comes back after its visibility timeout. A message that is not an alarm notification is
logged and moved aside (to ``malformed_queue_url`` when given, else deleted after logging) - never a crash, never an
endless redelivery. AWS errors (receiving, or CloudWatch's answer) are retried with jittered backoff (at most 60 s
apart); a message CloudWatch could not be asked about stays in the queue. Stopping (cancel) waits for nothing: the
long poll in flight is abandoned and its messages come back after their visibility timeout.

Arguments (all optional except the queue):

==========================  ======================================================================================
``queue_url``               The queue's URL; or ``queue_name`` (looked up with GetQueueUrl).
``region``                  AWS region (default: the usual chain - AWS_REGION, the profile); alarms of another
                            region start nothing.
``account_id``              The account whose alarms may start procedures (default: the credentials' account).
``topic``                   The alert topic, a name or an ARN (``ops_runbooks_alert_topic``): an envelope from
                            another topic starts nothing. Without it, any topic of the account and region.
``raw_delivery``            The queue's subscription has raw message delivery on (default false: a notification
                            without its SNS envelope starts nothing).
``endpoint_url``            Another endpoint (the sandbox's emulator).
``access_key``,             Credentials; default the usual chain (environment, profile, instance role).
``secret_key``,
``session_token``,
``profile``
``wait_time``               Long-poll seconds per receive, 0-20 (default 20).
``max_messages``            Messages per receive, 1-10 (default 10).
``visibility_timeout``      Seconds a received message stays hidden (default: the queue's own).
``malformed_queue_url``     Where messages that are not alarm notifications, or fail a check, go (default: deleted
                            after logging).
``catalogue``               The alarm catalogue (list of entries: ``alarm`` pattern, ``kind``, ``procedure`` -
                            incident, queue_check, queue_redrive, troubleshoot, performance or none - and optional
                            ``severity``, ``actions``, ``problem``, ``functions``, ``queue``, ``table``,
                            ``summary``); each event gets its entry as ``runbook``.
``max_events``              Stop after this many events (tests, one-shot runs).
``idle_timeout``            Stop after this many seconds without a message (tests).
==========================  ======================================================================================

Example rulebook source::

    sources:
      - ops.runbooks.alarm_queue:
          queue_name: runbooks-alarms
          region: eu-central-1
          topic: ai-investment-alerts
          # ansible-rulebook --vars inventories/shared/runbook_001_alarms.yml
          catalogue: "{{ ops_runbooks_alarm_catalogue }}"

IAM: ``sqs:ReceiveMessage``, ``sqs:DeleteMessage``, ``sqs:GetQueueUrl`` (with ``queue_name``), ``sqs:SendMessage``
on the malformed queue (with ``malformed_queue_url``), ``cloudwatch:DescribeAlarms``, ``sts:GetCallerIdentity``
(without ``account_id``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import importlib.util
import json
import logging
import os
import random
import sys


def _alarms():
    """plugins/module_utils/alarms.py of this collection: the rules the source shares with ops.runbooks.alarm_verify
    (ansible-rulebook runs this file by its path, so the module is loaded by its path too)."""
    try:
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.ops.runbooks.plugins.module_utils import alarms
        return alarms
    except ImportError:
        pass
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, os.pardir, os.pardir,
                        "plugins", "module_utils", "alarms.py")
    spec = importlib.util.spec_from_file_location("ops_runbooks_alarms", os.path.normpath(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("ops_runbooks_alarms", module)
    spec.loader.exec_module(module)
    return module


ALARMS = _alarms()
NotAnAlarm = ALARMS.NotAnAlarm
parse_message = ALARMS.parse_message
check_catalogue = ALARMS.check_catalogue
classify = ALARMS.classify
LOGGER = logging.getLogger("ops.runbooks.alarm_queue")
MAX_BACKOFF = 60.0
_REFUSED = ("ValidationError", "InvalidParameterValue", "InvalidParameterCombination")


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
    raw = args.get("raw_delivery")
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false", "yes", "no"):  # --env-vars again
        raw = args["raw_delivery"] = raw.strip().lower() in ("true", "yes")
    if raw is not None and not isinstance(raw, bool):
        raise ValueError("alarm_queue: raw_delivery must be true or false, got %r" % (raw,))
    account = args.get("account_id")
    if account is not None and not ALARMS.ACCOUNT.match(str(account)):
        raise ValueError("alarm_queue: account_id must be a 12-digit AWS account id, got %r" % (account,))
    if args.get("catalogue") is not None:
        try:
            check_catalogue(args["catalogue"])
        except ValueError as e:
            raise ValueError("alarm_queue: %s" % e) from None


def _clients(args):
    """SQS, CloudWatch and STS clients of one session (the source's arguments, else the usual chain)."""
    # imported only when the source runs
    import boto3  # pylint: disable=import-outside-toplevel
    from botocore.config import Config  # pylint: disable=import-outside-toplevel

    session = boto3.session.Session(profile_name=args.get("profile"), region_name=args.get("region"),
                                    aws_access_key_id=args.get("access_key"),
                                    aws_secret_access_key=args.get("secret_key"),
                                    aws_session_token=args.get("session_token"))
    config = Config(retries={"mode": "standard"}, read_timeout=30, connect_timeout=10)
    return {service: session.client(service, endpoint_url=args.get("endpoint_url"), config=config)
            for service in ("sqs", "cloudwatch", "sts")}


def _error_code(error):
    return (getattr(error, "response", None) or {}).get("Error", {}).get("Code")


async def main(queue, args, client=None, sleep=asyncio.sleep, cloudwatch=None, sts=None):
    """Receive, confirm each notification with CloudWatch, put its event on ``queue``, then delete the message.

    ``client``, ``cloudwatch``, ``sts``: the SQS, CloudWatch and STS clients (default: made from ``args``)."""
    args = dict(args)
    _check_args(args)
    if client is None or cloudwatch is None:
        made = _clients(args)
        client, cloudwatch, sts = client or made["sqs"], cloudwatch or made["cloudwatch"], sts or made["sts"]
    region = args.get("region") or getattr(getattr(cloudwatch, "meta", None), "region_name", None)
    if not region or not ALARMS.REGION.match(str(region)):
        raise ValueError("alarm_queue: region is needed to confirm alarms with CloudWatch (give region, or AWS_REGION)")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="alarm_queue")
    loop = asyncio.get_running_loop()
    state = {"failures": 0}

    def call(function, **kwargs):
        return loop.run_in_executor(pool, lambda: function(**kwargs))

    async def backoff(what, error):
        """A failed AWS call: wait (jittered, growing, at most MAX_BACKOFF) and go on."""
        state["failures"] += 1
        delay = min(MAX_BACKOFF, 2.0 ** state["failures"]) * random.uniform(0.5, 1.0)
        LOGGER.warning("alarm_queue: %s failed (%s); again in %.1f s", what, ALARMS.shown(error, 300), delay)
        await sleep(delay)

    async def delete(message):
        """Delete a handled message; when that fails it comes back after its visibility timeout (at least once)."""
        try:
            await call(client.delete_message, QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        except Exception as e:  # pylint: disable=broad-except
            LOGGER.warning("alarm_queue: deleting message %s failed (%s); it will come again",
                           ALARMS.shown(message.get("MessageId")), e)

    async def aside(message, reason):
        """A message that starts nothing: one log line, moved aside (when there is a place) and deleted."""
        LOGGER.warning("alarm_queue: message %s starts nothing: %s", ALARMS.shown(message.get("MessageId")), reason)
        if args.get("malformed_queue_url"):
            try:
                await call(client.send_message, QueueUrl=args["malformed_queue_url"],
                           MessageBody=message.get("Body") or "")
            # kept in the inbox: tried again on its next delivery
            except Exception as e:  # pylint: disable=broad-except
                LOGGER.warning("alarm_queue: moving message %s aside failed (%s)",
                               ALARMS.shown(message.get("MessageId")), e)
                return
        await delete(message)

    async def confirmed(claim):
        """CloudWatch's description of the claimed alarm (None: it has none of that name); raises on AWS errors."""
        kind = ["CompositeAlarm"] if claim["alarm"].get("kind") == "composite" else ["MetricAlarm", "CompositeAlarm"]
        answer = await call(cloudwatch.describe_alarms, AlarmNames=[claim["alarm"]["name"]], AlarmTypes=kind)
        found = (answer.get("MetricAlarms") or []) + (answer.get("CompositeAlarms") or [])
        found = [a for a in found if a.get("AlarmName") == claim["alarm"]["name"]]
        return ALARMS.describe(found[0], account, region) if found else None

    events, idle_since, url, account = 0, loop.time(), args.get("queue_url"), args.get("account_id")
    try:
        while account is None:  # whose alarms these are: the credentials' account
            try:
                account = (await call(sts.get_caller_identity))["Account"]
            except Exception as e:  # pylint: disable=broad-except
                await backoff("asking STS for the account", e)
        account = str(account)
        url = args.get("queue_url") or (await call(client.get_queue_url, QueueName=args["queue_name"]))["QueueUrl"]
        receive = {"QueueUrl": url, "WaitTimeSeconds": args.get("wait_time", 20),
                   "MaxNumberOfMessages": args.get("max_messages", 10)}
        if args.get("visibility_timeout") is not None:
            receive["VisibilityTimeout"] = args["visibility_timeout"]
        while args.get("max_events") is None or events < args["max_events"]:
            try:
                messages = (await call(client.receive_message, **receive)).get("Messages") or []
                state["failures"] = 0
            # botocore's errors (and a lost connection): retried, never fatal
            except Exception as e:  # pylint: disable=broad-except
                await backoff("receiving from %s" % url, e)
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
                    claim = parse_message(message.get("Body"))
                except NotAnAlarm as e:
                    await aside(message, "not an alarm notification (%s): %s" % (e, ALARMS.shown(message.get("Body"), 500)))
                    continue
                verdict, reason = ALARMS.screen_claim(claim, account, region, args.get("topic"),
                                                      bool(args.get("raw_delivery")))
                if verdict == "ok":
                    try:
                        described = await confirmed(claim)
                    except Exception as e:  # pylint: disable=broad-except
                        if _error_code(e) not in _REFUSED:  # kept in the queue: asked again on its next delivery
                            await backoff("asking CloudWatch about alarm %s" % ALARMS.shown(claim["alarm"]["name"]), e)
                            continue
                        described = None  # CloudWatch refuses the name: it has no such alarm
                    state["failures"] = 0
                    verdict, reason = ALARMS.screen_alarm(claim, described)
                if verdict != "ok":
                    await aside(message, reason)
                    continue
                runbook = classify(described, args["catalogue"]) if args.get("catalogue") is not None else None
                event = ALARMS.event_of(claim, described, runbook)
                if runbook is None:
                    del event["runbook"]
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
