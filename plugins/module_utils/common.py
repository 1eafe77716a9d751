# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module base shared by every AWS module of ops.runbooks.

``OpsRunbooksAWSModule`` is amazon.aws's ``AnsibleAWSModule`` that names this collection in the
botocore user agent (as community.aws does for its own), and hands out clients wrapped with the
standard jittered-backoff retry decorator, so module code calls ``client.op(..., aws_retry=True)``.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

OPS_RUNBOOKS_COLLECTION_NAME = "ops.runbooks"
OPS_RUNBOOKS_COLLECTION_VERSION = "0.1.0"

ACCESS_DENIED_CODES = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "403")


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


def is_access_denied(exc):
    """True when a botocore ClientError is an authorization failure (IAM said no)."""
    return isinstance(exc, is_boto3_error_code(ACCESS_DENIED_CODES))


def pages(method, response_token="NextToken", request_token=None, **params):
    """Every page of a paged AWS call, following the continuation token.

    ``response_token`` names the token in the answer and ``request_token`` (default the same) in the next request:
    ``NextToken``, ``NextMarker``/``Marker``, ``LastEvaluatedKey``/``ExclusiveStartKey``, ... Calls go through the
    retry decorator (``aws_retry=True``). Paging stops when no token comes back, or the same token comes back twice
    (a service or emulator that would otherwise loop forever).
    """
    request_token = request_token or response_token
    while True:
        page = method(aws_retry=True, **params)
        yield page
        token = page.get(response_token)
        if not token or token == params.get(request_token):
            return
        params[request_token] = token
