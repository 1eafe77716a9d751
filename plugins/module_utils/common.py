# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module base shared by every AWS module of ops.runbooks, and the one way to read a paged AWS call.

``OpsRunbooksAWSModule`` is amazon.aws's ``AnsibleAWSModule`` that names this collection in the botocore user agent
(as community.aws does for its own) and hands out clients wrapped with the collection's retry decorator, so module
code calls ``client.op(..., aws_retry=True)``.

The retry decorator is amazon.aws's jittered backoff with a budget: a throttled or failing call is retried until it
succeeds, or until it has retried for ``OPS_RUNBOOKS_RETRY_SECONDS`` (default 60 s; the last attempt at its end) - a
persistent 5xx or a broken endpoint costs about a minute, not the four of ten backoffs up to 60 s each. The error it
gives up on says so (``retry_note``), and an HTML error page is not the message (``readable_error``).

``paginate`` reads every page through botocore's paginator (amazon.aws ``paginated_query_with_retries``: the whole
read is retried on throttling and transient errors), so no module follows a continuation token by hand.
"""

from __future__ import annotations

import functools
import math
import os
import random
import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.ops.runbooks.plugins.module_utils.errors import RETRY_BUDGET_ENV, readable_error, retry_note
from ansible_collections.ops.runbooks.plugins.module_utils.names import refuse_bad_arguments
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import pause

OPS_RUNBOOKS_COLLECTION_NAME = "ops.runbooks"
OPS_RUNBOOKS_COLLECTION_VERSION = "0.1.0"

# Throttling and transient error codes of the services the modules call, beyond amazon.aws's own list
# (RequestLimitExceeded, Unavailable, ServiceUnavailable, InternalFailure, InternalError, TooManyRequestsException,
# Throttling). Bare HTTP statuses come as their number when the body is not an AWS error document.
TRANSIENT_ERROR_CODES = [
    "ThrottlingException", "ThrottledException", "RequestThrottled", "RequestThrottledException",
    "ProvisionedThroughputExceededException", "SlowDown", "PriorRequestNotComplete",
    "ServiceException", "ServiceUnavailableException", "InternalServerError", "InternalServerException",
    "TransactionInProgressException", "ServerException",  # ECS names its 5xx ServerException
    "500", "502", "503", "504",
]
RETRIES = 10  # attempts of the retry decorator at most (jittered backoff from 3 s, each pause at most 60 s)
DELAY, MAX_DELAY = 3, 60
RETRY_BUDGET = 60.0  # seconds a call may spend retrying (OPS_RUNBOOKS_RETRY_SECONDS)
CONNECT_TIMEOUT = 10  # seconds to open a connection (botocore's default is 60, per attempt)


def retry_budget():
    """The seconds a call may spend retrying: ``OPS_RUNBOOKS_RETRY_SECONDS`` when it is a number >= 0 (0: no retry
    by the decorator), else 60."""
    raw = os.environ.get(RETRY_BUDGET_ENV)
    try:
        value = float(raw) if raw not in (None, "") else RETRY_BUDGET
    except ValueError:
        return RETRY_BUDGET
    return value if math.isfinite(value) and value >= 0 else RETRY_BUDGET


def _retryable(error):
    if not isinstance(error, botocore.exceptions.ClientError):
        return False
    return AWSRetry.found(AWSRetry.status_code_from_exception(error), TRANSIENT_ERROR_CODES)


def retry_decorator(budget=None):
    """The collection's retry decorator: amazon.aws's jittered backoff (a pause drawn between 0 and
    ``min(60, 3 * 2**n)`` seconds) on every transient error code, at most ``RETRIES`` attempts, within the retry
    budget (``budget`` seconds, else ``retry_budget()``): no pause ends after it, and the attempt at its end is the
    last - its error is raised with ``retry_note`` telling how long it was tried."""
    def decorator(function):
        @functools.wraps(function)
        def retrying(*args, **kwargs):
            limit = retry_budget() if budget is None else budget
            started, attempt = time.monotonic(), 0
            while True:
                attempt += 1
                try:
                    return function(*args, **kwargs)
                except botocore.exceptions.ClientError as e:
                    if not _retryable(e):
                        raise
                    spent = time.monotonic() - started
                    if attempt >= RETRIES or spent >= limit:
                        e.ops_runbooks_retried = {"attempts": attempt, "seconds": round(spent, 1), "budget": limit}
                        raise
                    pause(min(random.uniform(0, min(MAX_DELAY, DELAY * 2 ** (attempt - 1))), limit - spent))
        return retrying
    return decorator


def botocore_retry_config(single_attempt=False):
    """botocore's retry settings: ``standard`` mode (unless ``AWS_RETRY_MODE`` says otherwise), attempts from
    ``AWS_MAX_ATTEMPTS``; one attempt for calls whose repetition must be decided by the caller. A connection is given
    ``CONNECT_TIMEOUT`` seconds (an unreachable endpoint costs seconds, not botocore's minute per attempt)."""
    retries = {"mode": os.environ.get("AWS_RETRY_MODE") or "standard"}
    if single_attempt:
        retries["total_max_attempts"] = 1
    return {"retries": retries, "connect_timeout": CONNECT_TIMEOUT}


class OpsRunbooksAWSModule(AnsibleAWSModule):
    """AnsibleAWSModule with this collection's user agent and retrying clients."""

    def __init__(self, resource_names=None, **kwargs):
        """``resource_names``: which options hold table, queue, bucket or function names (module_utils/names.py),
        checked as AWS checks them before any call."""
        super().__init__(**kwargs)
        refuse_bad_arguments(self, resource_names)
        set_collection_info(
            collection_name=OPS_RUNBOOKS_COLLECTION_NAME,
            collection_version=OPS_RUNBOOKS_COLLECTION_VERSION,
        )

    def fail_json_aws(self, exception, msg=None, **kwargs):
        """amazon.aws's ``fail_json_aws``, with an HTML error page replaced by one line (``readable_error``) and, for
        a call that was retried until the budget ran out, how long it was tried (``retry_note``)."""
        readable_error(exception)
        note = retry_note(exception)
        if note:
            msg = "%s (%s)" % (msg, note) if msg else note
        super().fail_json_aws(exception, msg=msg, **kwargs)

    def retrying_client(self, service, **extra_params):
        """A client whose calls retry throttling and transient errors when passed ``aws_retry=True``."""
        return self.client(service, retry_decorator=retry_decorator(), config=botocore_retry_config(), **extra_params)

    def single_attempt_client(self, service, **extra_params):
        """A client that sends each request once (no botocore retry, no decorator): for calls that create
        something, so that a lost answer is never followed by a second creation the caller did not decide."""
        return self.client(service, config=botocore_retry_config(single_attempt=True), **extra_params)


def paginate(client, operation, **params):
    """The full result of a paged call (every page merged by botocore: lists joined, counts added).

    ``operation`` is the snake_case name (``"list_backups"``); ``params`` are the request's parameters.
    """
    return paginated_query_with_retries(client, operation, retry_decorator=retry_decorator(), **params)


def is_transient(error):
    """Whether a failed call may succeed when sent again: throttling, 5xx, a lost connection or answer."""
    if isinstance(error, botocore.exceptions.ClientError):
        code = error.response.get("Error", {}).get("Code")
        return code in TRANSIENT_ERROR_CODES or AWSRetry.found(code)
    return isinstance(error, (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError))


def send_once(send, find_effect, attempts=4, delay=2.0):
    """Send a request that must take effect exactly once (create a backup, start a restore, move an alias) over
    a network that can lose answers.

    ``send()`` goes through a ``single_attempt_client``. When it fails in a way that may have reached AWS
    (``is_transient``), ``find_effect()`` looks for what the request would have done and returns it (the result
    to use) or None; only when nothing is found is the request sent again, after a pause. Other errors, and the
    last attempt's, are raised.
    """
    for attempt in range(1, attempts + 1):
        try:
            return send()
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            if attempt == attempts or not is_transient(e):
                raise
            found = find_effect()
            if found is not None:
                return found
            pause(delay * attempt)
    return None  # not reached: the last attempt returns or raises
