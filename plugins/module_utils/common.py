# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module base shared by every AWS module of ops.runbooks, and the one way to read a paged AWS call.

``OpsRunbooksAWSModule`` is amazon.aws's ``AnsibleAWSModule`` that names this collection in the botocore user agent
(as community.aws does for its own) and hands out clients wrapped with the standard jittered-backoff retry
decorator, so module code calls ``client.op(..., aws_retry=True)``.

``paginate`` reads every page through botocore's paginator (amazon.aws ``paginated_query_with_retries``: the whole
read is retried on throttling and transient errors), so no module follows a continuation token by hand.
"""

from __future__ import annotations

import os

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

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
    "TransactionInProgressException", "500", "502", "503", "504",
]
RETRIES = 10  # attempts of the retry decorator (jittered backoff from 3 s, each pause at most 60 s)


def retry_decorator():
    """The collection's retry decorator: amazon.aws's jittered backoff on every transient error code."""
    return AWSRetry.jittered_backoff(retries=RETRIES, catch_extra_error_codes=TRANSIENT_ERROR_CODES)


def botocore_retry_config(single_attempt=False):
    """botocore's retry settings: ``standard`` mode (unless ``AWS_RETRY_MODE`` says otherwise), attempts from
    ``AWS_MAX_ATTEMPTS``; one attempt for calls whose repetition must be decided by the caller."""
    retries = {"mode": os.environ.get("AWS_RETRY_MODE") or "standard"}
    if single_attempt:
        retries["total_max_attempts"] = 1
    return {"retries": retries}


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
