# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch Logs reads: log groups by prefix, FilterLogEvents over a window with a cap."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound


def log_groups_by_prefix(client, prefix):
    found = paginate(client, "describe_log_groups", logGroupNamePrefix=prefix).get("logGroups", [])
    return sorted(g["logGroupName"] for g in found)


def filter_events(client, group, pattern, start_ms, end_ms, keep, scan_limit, page_size=None):
    """Matching events of one group, page by page until ``scan_limit`` matches (``page_size``: events per page, AWS's
    default when None - 1 asks only whether there is any).

    Returns ``(first `keep` events, number of matches seen, whether counting stopped at scan_limit)``.
    Not botocore's paginator: counting must stop at the cap, and FilterLogEvents may hand back the token it was
    given (a search still running over a long window); the paginator raises on that, here it ends the search.
    """
    params = {"logGroupName": group, "startTime": start_ms, "endTime": end_ms}
    if pattern:
        params["filterPattern"] = pattern
    if page_size:
        params["limit"] = page_size
    kept, seen = [], 0
    try:
        while True:
            page = client.filter_log_events(aws_retry=True, **params)
            events = page.get("events", [])
            seen += len(events)
            kept.extend(events[:max(0, keep - len(kept))])
            if seen >= scan_limit:
                return kept, seen, True
            token = page.get("nextToken")
            if not token or token == params.get("nextToken"):
                return kept, seen, False
            params["nextToken"] = token
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("log group %s not found" % group) from None
