# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch Logs reads: log groups by prefix, FilterLogEvents over a window with a cap."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.common import pages


class NotFound(Exception):
    pass


def log_groups_by_prefix(client, prefix):
    return sorted(g["logGroupName"] for page in pages(client.describe_log_groups, "nextToken", logGroupNamePrefix=prefix)
                  for g in page.get("logGroups", []))


def filter_events(client, group, pattern, start_ms, end_ms, keep, scan_limit):
    """Matching events of one group, all pages up to ``scan_limit`` matches.

    Returns ``(first `keep` events, number of matches seen, whether counting stopped at scan_limit)``.
    """
    params = {"logGroupName": group, "startTime": start_ms, "endTime": end_ms}
    if pattern:
        params["filterPattern"] = pattern
    kept, seen = [], 0
    try:
        for page in pages(client.filter_log_events, "nextToken", **params):
            events = page.get("events", [])
            seen += len(events)
            kept.extend(events[:max(0, keep - len(kept))])
            if seen >= scan_limit:
                return kept, seen, True
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("log group %s not found" % group) from None
    return kept, seen, False
