# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Records in the incident table (partition key ``id``; the record as JSON with a revision), read and written with
optimistic locking: the one storage of the modules incident_record and action_budget."""

from __future__ import annotations

import datetime
import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.errors import Conflict
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound

COPIED_FIELDS = ("environment", "severity", "status")  # copied to top-level attributes, for queries


def read(ddb, table, key):
    """(record, revision) stored under ``key`` (None, 0 when there is none); NotFound for a missing table."""
    try:
        item = ddb.get_item(aws_retry=True, TableName=table, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("table: %s not found (create it, see the module's notes)" % table) from None
    if not item:
        return None, 0
    try:
        return json.loads(item["record"]["S"]), int(item["revision"]["N"])
    except (KeyError, ValueError) as e:
        raise Conflict("key: item %s in %s is not an incident record (%s)" % (key, table, e)) from None


def item_of(key, record, revision):
    item = {"id": {"S": key}, "record": {"S": json.dumps(record, sort_keys=True)}, "revision": {"N": str(revision)},
            "updated_at": {"S": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}}
    for field in COPIED_FIELDS:
        if isinstance(record.get(field), str) and record[field]:
            item[field] = {"S": record[field]}
    return item


def write(ddb, table, key, record, revision, based_on):
    """PutItem of revision ``revision``; conditional on the stored revision being ``based_on`` (None: always).
    True when written, False on a conflict."""
    params = dict(TableName=table, Item=item_of(key, record, revision))
    if based_on == 0:
        params.update(ConditionExpression="attribute_not_exists(id)")
    elif based_on is not None:
        params.update(ConditionExpression="revision = :based_on",
                      ExpressionAttributeValues={":based_on": {"N": str(based_on)}})
    try:
        ddb.put_item(aws_retry=True, **params)
    except is_boto3_error_code("ConditionalCheckFailedException"):
        return False
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("table: %s not found (create it, see the module's notes)" % table) from None
    return True
