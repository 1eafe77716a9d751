# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lambda reads and the version arithmetic of a rollback, shared by the Lambda modules."""

from __future__ import annotations

import json
import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.common import pages

LATEST = "$LATEST"
_VERSION_RE = re.compile(r"^[1-9][0-9]*$")
# The record a rollback leaves in the alias description, read back to make a repeated run harmless.
ROLLBACK_MARK = "ops.runbooks rollback"
_MARK_RE = re.compile(r"ops\.runbooks rollback from=(?P<from>\S+) to=(?P<to>\S+)")


class NotFound(Exception):
    """The function, alias or version does not exist."""


def is_version_number(value):
    """True for a published version number (``"7"``); False for ``$LATEST``, ``0``, ``v7``, ``7.0``."""
    return bool(_VERSION_RE.match(str(value)))


def list_published_versions(client, function_name, page_size=50):
    """Every published version (numbers, ascending) of a function, following ``NextMarker`` over all pages.

    ``$LATEST`` is left out; deleted versions are simply absent from the listing.
    """
    versions = []
    try:
        for page in pages(client.list_versions_by_function, "NextMarker", "Marker", FunctionName=function_name,
                          MaxItems=page_size):
            versions.extend(int(v["Version"]) for v in page.get("Versions", []) if is_version_number(v["Version"]))
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("function %s not found" % function_name) from None
    return sorted(set(versions))


def previous_version(published, current):
    """The newest published version older than ``current`` (``$LATEST`` counts as newer than all), or None."""
    if current == LATEST:
        older = published
    else:
        older = [v for v in published if v < int(current)]
    return max(older) if older else None


def get_alias(client, function_name, alias):
    """The alias as ``{version, weights, description, revision_id}``; NotFound names what is missing."""
    try:
        raw = client.get_alias(aws_retry=True, FunctionName=function_name, Name=alias)
    except is_boto3_error_code("ResourceNotFoundException"):
        get_configuration(client, function_name)  # raises NotFound for an unknown function
        raise NotFound("alias %s of function %s not found" % (alias, function_name)) from None
    weights = (raw.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return {
        "version": raw["FunctionVersion"],
        "weights": dict((str(k), float(v)) for k, v in weights.items()),
        "description": raw.get("Description", ""),
        "revision_id": raw.get("RevisionId"),
    }


def get_configuration(client, function_name, qualifier=None):
    params = {"FunctionName": function_name}
    if qualifier is not None:
        params["Qualifier"] = str(qualifier)
    try:
        return client.get_function_configuration(aws_retry=True, **params)
    except is_boto3_error_code("ResourceNotFoundException"):
        if qualifier is None:
            raise NotFound("function %s not found" % function_name) from None
        raise NotFound("version %s of function %s not found" % (qualifier, function_name)) from None


def wait_active(client, function_name, qualifier, timeout, interval=2.0):
    """Wait until a version is ``Active`` with no update in progress; return the last state, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        config = get_configuration(client, function_name, qualifier)
        state, update = config.get("State", "Active"), config.get("LastUpdateStatus", "Successful")
        if state == "Active" and update != "InProgress":
            return config
        if state == "Failed" or update == "Failed":
            raise RuntimeError("version %s of %s is %s/%s: %s" % (
                qualifier, function_name, state, update, config.get("StateReason") or config.get("LastUpdateStatusReason")))
        if time.monotonic() >= deadline:
            raise TimeoutError("version %s of %s still %s/%s after %ss" % (qualifier, function_name, state, update, timeout))
        time.sleep(interval)


def rollback_record(description):
    """``(from, to)`` of the rollback recorded in an alias description, or None."""
    match = _MARK_RE.search(description or "")
    return (match.group("from"), match.group("to")) if match else None


def rollback_description(from_version, to_version, when):
    return "%s from=%s to=%s at=%s" % (ROLLBACK_MARK, from_version, to_version, when)


def update_alias(client, function_name, alias, version, weights, description, revision_id=None):
    params = {
        "FunctionName": function_name,
        "Name": alias,
        "FunctionVersion": str(version),
        "Description": description,
        "RoutingConfig": {"AdditionalVersionWeights": weights},
    }
    if revision_id:
        params["RevisionId"] = revision_id
    return client.update_alias(aws_retry=True, **params)


def invoke(client, function_name, qualifier, payload):
    """Invoke synchronously: ``{status_code, function_error, payload}`` (payload parsed as JSON when it is)."""
    response = client.invoke(aws_retry=True, FunctionName=function_name, Qualifier=qualifier,
                             InvocationType="RequestResponse", Payload=json.dumps(payload).encode())
    body = response["Payload"].read() if response.get("Payload") is not None else b""
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = body.decode("utf-8", "replace")
    return {"status_code": response.get("StatusCode"), "function_error": response.get("FunctionError"),
            "payload": parsed}
