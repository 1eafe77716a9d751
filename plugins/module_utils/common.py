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

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

OPS_RUNBOOKS_COLLECTION_NAME = "ops.runbooks"
OPS_RUNBOOKS_COLLECTION_VERSION = "0.1.0"


class OpsRunbooksAWSModule(AnsibleAWSModule):
    """AnsibleAWSModule with this collection's user agent and retrying clients."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        set_collection_info(
            collection_name=OPS_RUNBOOKS_COLLECTION_NAME,
            collection_version=OPS_RUNBOOKS_COLLECTION_VERSION,
        )

    def retrying_client(self, service, **extra_params):
        """A client whose calls retry throttling and transient errors when passed ``aws_retry=True``."""
        return self.client(service, retry_decorator=AWSRetry.jittered_backoff(), **extra_params)


def paginate(client, operation, **params):
    """The full result of a paged call (every page merged by botocore: lists joined, counts added).

    ``operation`` is the snake_case name (``"list_backups"``); ``params`` are the request's parameters.
    """
    return paginated_query_with_retries(client, operation, **params)
