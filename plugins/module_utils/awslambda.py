# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lambda reads and the version arithmetic of a rollback, shared by the Lambda modules."""

from __future__ import annotations

import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.common import send_once
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import wait_with_waiter

LATEST = "$LATEST"
_VERSION_RE = re.compile(r"^[1-9][0-9]*$")
# The record a rollback leaves in a tag of its function (one per alias; earlier releases wrote it into the alias
# description, still read), read back to make a repeated run harmless.
ROLLBACK_MARK = "ops.runbooks rollback"
ROLLBACK_TAG = "ops.runbooks:rollback:"
_MARK_RE = re.compile(r"ops\.runbooks rollback from=(?P<from>\S+) to=(?P<to>\S+)")


def is_version_number(value):
    """True for a published version number (``"7"``); False for ``$LATEST``, ``0``, ``v7``, ``7.0``."""
    return bool(_VERSION_RE.match(str(value)))


def list_published_versions(client, function_name, page_size=50):
    """Every published version (numbers, ascending) of a function, following ``NextMarker`` over all pages.

    ``$LATEST`` is left out; deleted versions are simply absent from the listing.
    """
    try:
        listed = paginate(client, "list_versions_by_function", FunctionName=function_name, MaxItems=page_size)
    except is_boto3_error_code("ResourceNotFoundException"):
        raise NotFound("function %s not found" % function_name) from None
    return sorted(set(int(v["Version"]) for v in listed.get("Versions", []) if is_version_number(v["Version"])))


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
    return {
        "version": raw["FunctionVersion"],
        "weights": normalized_weights((raw.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}),
        "description": raw.get("Description", ""),
        "revision_id": raw.get("RevisionId"),
        "function_arn": raw.get("AliasArn", "").rsplit(":", 1)[0],
    }


def normalized_weights(weights):
    """Routing weights as ``{version (str): weight (float)}``, the one form compared and returned."""
    return dict((str(k), float(v)) for k, v in weights.items())


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


def wait_active(client, function_name, qualifier, timeout):
    """Wait until a published version is ``Active`` (``qualifier``), or until the last configuration update of
    ``$LATEST`` is done (``qualifier`` None). Raises WaitTimeout, OperationFailed (state Failed) or NotFound."""
    params = {"FunctionName": function_name}
    if qualifier is None:
        name, what = "function_updated", "the configuration update of %s to finish" % function_name
    else:
        name, what = "published_version_active", "version %s of %s to be Active" % (qualifier, function_name)
        params["Qualifier"] = str(qualifier)
    try:
        wait_with_waiter(client, name, timeout, what, **params)
    except is_boto3_error_code("ResourceNotFoundException"):
        get_configuration(client, function_name, qualifier)  # raises NotFound naming what is missing
        raise


def rollback_record(description):
    """``(from, to)`` of the rollback recorded in an alias description, or None."""
    match = _MARK_RE.search(description or "")
    return (match.group("from"), match.group("to")) if match else None


def rollback_description(from_version, to_version, when):
    return "%s from=%s to=%s at=%s" % (ROLLBACK_MARK, from_version, to_version, when)


def rollback_tag_key(alias):
    return ROLLBACK_TAG + alias


def recorded_rollback(client, alias_state, alias):
    """``(tag value or None, (from, to) or None)``: the rollback recorded in the function's tag for ``alias`` (else
    one an earlier release recorded in the alias description)."""
    tags = client.list_tags(aws_retry=True, Resource=alias_state["function_arn"]).get("Tags") or {}
    value = tags.get(rollback_tag_key(alias))
    return value, rollback_record(value) or rollback_record(alias_state["description"])


def record_rollback(client, alias_state, alias, value):
    """Write the rollback's record into the function's tag (idempotent: the same key and value again)."""
    client.tag_resource(aws_retry=True, Resource=alias_state["function_arn"], Tags={rollback_tag_key(alias): value})


def move_alias(client, once_client, function_name, alias, version, weights, description, revision_id=None):
    """Move an alias exactly once: after a lost answer, an alias that already has the intended version, weights
    and description took the first request (re-sending it with the old RevisionId would fail although it
    moved). Returns ``{"RevisionId": ...}`` of the alias after the move."""

    def moved():
        now = get_alias(client, function_name, alias)
        same = (now["version"], now["weights"], now["description"]) == (
            str(version), normalized_weights(weights), description)
        return {"RevisionId": now["revision_id"]} if same else None

    return send_once(lambda: update_alias(once_client, function_name, alias, version, weights, description,
                                          revision_id), moved)


def update_alias(client, function_name, alias, version, weights, description, revision_id=None):
    """One UpdateAlias request (retried by the client only when it is a retrying one)."""
    params = {
        "FunctionName": function_name,
        "Name": alias,
        "FunctionVersion": str(version),
        "Description": description,
        "RoutingConfig": {"AdditionalVersionWeights": weights},
    }
    if revision_id:
        params["RevisionId"] = revision_id
    return client.update_alias(**params)


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


# ---- configuration of $LATEST (lambda_config; secret_rotate's refresh goes through the same code) ----------------
ENV_NAME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")
# What a published version carries besides timeout, memory and environment: when the alias's version and $LATEST
# differ in any of these, publishing $LATEST would deploy more than a configuration change.
DEPLOYED_FIELDS = ("CodeSha256", "Runtime", "Handler", "Role", "Layers", "Architectures")


def settings_of(configuration):
    """The part of a function configuration that lambda_config manages, values included (never returned)."""
    return {"timeout": configuration.get("Timeout"), "memory_size": configuration.get("MemorySize"),
            "environment": dict((configuration.get("Environment") or {}).get("Variables") or {})}


# Values shorter than this are not registered for masking: Ansible masks every occurrence of a registered value in
# the output, and "true", "INFO" or "1" would blank out ordinary words and numbers. No result carries a value anyway.
MASK_MIN_LENGTH = 6


def secret_values(value):
    """The strings of a value worth masking: the value, and each string of it when it is a JSON document."""
    found = [value] if isinstance(value, str) and len(value) >= MASK_MIN_LENGTH else []
    if isinstance(value, str) and value[:1] in "{[":
        try:
            document = json.loads(value)
        except ValueError:
            return found
        stack = [document]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str) and len(item) >= MASK_MIN_LENGTH:
                found.append(item)
    return found


def mask_environment(module, configuration):
    """Register every environment value of a configuration just read for masking (``module.no_log_values``): should
    one ever reach an error message or a traceback, Ansible shows ******** instead."""
    for value in ((configuration or {}).get("Environment") or {}).get("Variables", {}).values():
        module.no_log_values.update(secret_values(value))


def deployed_of(configuration):
    layers = [layer.get("Arn") for layer in configuration.get("Layers") or []]
    return dict((field, layers if field == "Layers" else configuration.get(field)) for field in DEPLOYED_FIELDS)


def wanted_settings(current, timeout=None, memory_size=None, environment=None, remove_environment=None):
    """``current`` with the requested changes: variables set or removed, every other variable kept."""
    variables = dict(current["environment"])
    variables.update(dict((k, str(v)) for k, v in (environment or {}).items()))
    for name in remove_environment or []:
        variables.pop(name, None)
    return {"timeout": current["timeout"] if timeout is None else timeout,
            "memory_size": current["memory_size"] if memory_size is None else memory_size,
            "environment": variables}


def environment_changes(before, after):
    """``{name: added|removed|value changed|unchanged}`` - names and flags only, never values."""
    names = sorted(set(before) | set(after))
    return dict((n, "added" if n not in before else "removed" if n not in after else
                 "value changed" if before[n] != after[n] else "unchanged") for n in names)


def public_settings(settings):
    """What may be shown of settings: numbers and variable names."""
    return {"timeout": settings["timeout"], "memory_size": settings["memory_size"],
            "environment_keys": sorted(settings["environment"])}


def update_configuration(client, once_client, function_name, settings, revision_id=None):
    """Set timeout, memory and the whole variable set of ``$LATEST`` once (a lost answer is recognized by the
    configuration it would have made); ``revision_id`` makes AWS refuse when someone changed it meanwhile."""
    params = {"FunctionName": function_name, "Timeout": settings["timeout"], "MemorySize": settings["memory_size"],
              "Environment": {"Variables": settings["environment"]}}
    if revision_id:
        params["RevisionId"] = revision_id

    def applied():
        now = get_configuration(client, function_name)
        return now if settings_of(now) == settings else None

    return send_once(lambda: once_client.update_function_configuration(**params), applied)


def publish_version(client, function_name, code_sha256, description):
    """Publish ``$LATEST`` as a version (AWS returns the existing version when nothing changed since the last
    publish, so a repeated request publishes nothing new); ``code_sha256`` makes AWS refuse when the code moved."""
    return client.publish_version(aws_retry=True, FunctionName=function_name, CodeSha256=code_sha256,
                                  Description=description)["Version"]
