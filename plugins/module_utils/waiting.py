# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every wait of the collection, with one meaning of ``wait_timeout`` (seconds from the start of the wait).

- ``wait_with_waiter``: a botocore waiter (``client.get_waiter``) or one of ``OpsRunbooksWaiters`` (amazon.aws's
  ``BaseWaiterFactory``: throttling and transient errors are retried), configured by ``custom_waiter_config``.
- ``poll``: for states no waiter can express (a value that depends on the run: a task handle, a wanted
  concurrency, queues below a level, a health gate's rounds).
- ``pause``: the one sleep (rate limiting).

``WaitTimeout`` when the time runs out, ``OperationFailed`` when the resource reached a failure state; any other
AWS error of the waiter is raised again as the botocore ``ClientError`` it was, so callers handle it as usual.
"""

from __future__ import annotations

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

from ansible_collections.ops.runbooks.plugins.module_utils.errors import OperationFailed
from ansible_collections.ops.runbooks.plugins.module_utils.errors import WaitTimeout


class OpsRunbooksWaiters(BaseWaiterFactory):
    """Waiters botocore does not ship, in botocore's waiter language."""

    @property
    def _waiter_model_data(self):
        return dict(
            # A restored table is usable when ACTIVE and no longer restoring (RestoreSummary.RestoreInProgress).
            dynamodb_restored_table_active=dict(
                operation="DescribeTable", delay=5, maxAttempts=360,
                acceptors=[
                    dict(state="success", matcher="path", expected=True,
                         argument="Table.TableStatus == 'ACTIVE' && !(Table.RestoreSummary.RestoreInProgress)"),
                    dict(state="retry", matcher="error", expected="ResourceNotFoundException"),
                ],
            ),
            dynamodb_backup_available=dict(
                operation="DescribeBackup", delay=2, maxAttempts=450,
                acceptors=[
                    dict(state="success", matcher="path", expected="AVAILABLE",
                         argument="BackupDescription.BackupDetails.BackupStatus"),
                    dict(state="failure", matcher="path", expected="DELETED",
                         argument="BackupDescription.BackupDetails.BackupStatus"),
                ],
            ),
        )


_FACTORY = None


def _custom_waiter(client, name):
    global _FACTORY  # pylint: disable=global-statement  # the model is parsed once per module run
    if _FACTORY is None:
        _FACTORY = OpsRunbooksWaiters()
    return _FACTORY.get_waiter(client, name)


def wait_with_waiter(client, name, timeout, what, pause=2, custom=False, **params):
    """Wait with botocore's waiter ``name`` (or, with ``custom``, one of ``OpsRunbooksWaiters``) for ``timeout``
    seconds; ``what`` says what is awaited, for the error message ("version 4 of fn to be Active")."""
    raw = getattr(client, "client", client)  # the waiter makes its own calls: the unwrapped client
    waiter = _custom_waiter(raw, name) if custom else raw.get_waiter(name)
    try:
        waiter.wait(WaiterConfig=custom_waiter_config(timeout, pause), **params)
    except botocore.exceptions.WaiterError as e:
        last, reason = e.last_response or {}, str(e.kwargs.get("reason", ""))
        if reason.startswith("Max attempts exceeded"):
            raise WaitTimeout("wait_timeout: %s: still not the case after %ds" % (what, timeout)) from None
        if "terminal failure state" in reason:
            raise OperationFailed("waiting for %s: it reached a failure state (%s)" % (what, _state_of(last))) from None
        if "Error" in last:  # an AWS error no acceptor expects (access denied, not found, ...): raise it as it was
            raise botocore.exceptions.ClientError(last, waiter.config.operation) from None
        raise


def _state_of(response):
    """The status fields of a waiter's last response, for a message."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, (dict, list)):
                    walk(value)
                elif key.endswith(("Status", "State", "Reason")) and value:
                    found.append("%s=%s" % (key, value))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in response.items() if k != "ResponseMetadata"})
    return ", ".join(found) or "no status"


def poll(probe, interval, timeout=None, attempts=None, clock=time.monotonic):
    """Call ``probe()`` until it returns a true ``(done, value)``; between calls sleep ``interval`` seconds.

    Stops after ``attempts`` calls or once ``timeout`` seconds have passed (at least one call is always made, and
    the last sleep is cut to the deadline). Returns ``(done, value, calls)``: the caller decides whether "not done"
    is a timeout (``raise WaitTimeout``) or a result (a health gate that did not pass).
    """
    started, calls = clock(), 0
    while True:
        calls += 1
        done, value = probe()
        if done:
            return True, value, calls
        if attempts is not None and calls >= attempts:
            return False, value, calls
        remaining = None if timeout is None else timeout - (clock() - started)
        if remaining is not None and remaining <= 0:
            return False, value, calls
        pause(interval if remaining is None else min(interval, remaining))


def pause(seconds):
    """Sleep (rate limits, the pause between two polls). The only sleep of the collection."""
    if seconds > 0:
        time.sleep(seconds)
