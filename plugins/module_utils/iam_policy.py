# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which statements of IAM and resource policies match a request - enough to name the statement that denies an
access, or the one that is missing (``s3_access_check``). Not AWS's full evaluation: conditions, ``NotAction``,
``NotResource`` and ``NotPrincipal`` are not evaluated - statements using them are reported as such, never silently
counted as matching or not."""

from __future__ import annotations

import fnmatch
import json
import urllib.parse


def parse_document(document):
    """A policy document from what AWS returns: a dict, JSON text, or URL-encoded JSON text (IAM)."""
    if isinstance(document, dict):
        return document
    text = document or "{}"
    if text.lstrip().startswith("%7B") or text.lstrip().startswith("%7b"):
        text = urllib.parse.unquote(text)
    return json.loads(text)


def statements(document):
    found = parse_document(document).get("Statement", [])
    return [found] if isinstance(found, dict) else list(found)


def listed(value):
    """A policy field that may be one string or a list, as a list."""
    return [value] if isinstance(value, str) else list(value or [])


def _matches(patterns, value, case_insensitive=False):
    """IAM wildcards: ``*`` any run of characters, ``?`` one character (``[`` is literal, unlike fnmatch)."""
    for pattern in patterns:
        if case_insensitive:
            pattern, value = pattern.lower(), value.lower()
        if fnmatch.fnmatchcase(value, pattern.replace("[", "[[]")):
            return True
    return False


def principal_matches(statement, principal_arn, account_id=None):
    """Whether a resource policy statement names ``principal_arn`` (directly, ``*``, or its account's root)."""
    principal = statement.get("Principal")
    if principal is None:
        return False
    if principal == "*":
        return True
    aws = listed(principal.get("AWS")) if isinstance(principal, dict) else []
    accepted = {"*", principal_arn}
    if account_id:
        accepted.update({account_id, "arn:aws:iam::%s:root" % account_id})
    return any(p in accepted for p in aws)


def unevaluated(statement):
    """The parts of a statement this evaluation does not evaluate (empty: fully evaluated)."""
    return [key for key in ("Condition", "NotAction", "NotResource", "NotPrincipal") if key in statement]


def statement_matches(statement, action, resource):
    """Whether ``Action`` and ``Resource`` (resource policies may omit it: then the policy's own resource) match."""
    if "Action" not in statement:
        return False
    if not _matches(listed(statement["Action"]), action, case_insensitive=True):
        return False
    resources = listed(statement.get("Resource", "*"))
    return _matches(resources, resource)


def label(statement, index):
    return statement.get("Sid") or "statement %d" % (index + 1)


def evaluate(documents, action, resource, principal_arn=None, account_id=None):
    """Match ``action`` on ``resource`` against named policy documents ``[(name, document)]``:
    ``{"deny": [...], "allow": [...], "unevaluated": [...]}``, each entry ``"<name>: <Sid or statement n>"``.
    With ``principal_arn``, the documents are resource policies and a statement must also name the principal."""
    found = {"deny": [], "allow": [], "unevaluated": []}
    for name, document in documents:
        for index, statement in enumerate(statements(document)):
            if principal_arn is not None and not principal_matches(statement, principal_arn, account_id):
                continue
            if not statement_matches(statement, action, resource):
                if unevaluated(statement):
                    found["unevaluated"].append("%s: %s (%s not evaluated)" % (
                        name, label(statement, index), ", ".join(unevaluated(statement))))
                continue
            entry = "%s: %s" % (name, label(statement, index))
            if unevaluated(statement):
                entry += " (%s not evaluated)" % ", ".join(unevaluated(statement))
            found["deny" if statement.get("Effect") == "Deny" else "allow"].append(entry)
    return found


def object_or_bucket_arn(bucket, key, action):
    """The resource an S3 action applies to: the bucket for bucket-level actions, else the object."""
    bucket_level = "bucket" in action.lower() or action.lower() in ("s3:listbucket", "s3:listbucketversions")
    return "arn:aws:s3:::%s" % bucket if bucket_level else "arn:aws:s3:::%s/%s" % (bucket, key)
