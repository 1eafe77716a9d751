# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource names checked as AWS checks them, before any call: a table, queue, bucket or function name AWS would
refuse fails the task naming the parameter. The emulator accepts names AWS refuses (``dynamodb_restore`` made a table
``x; DROP TABLE y`` there), so without this a test against it proves less than it seems, and a typo in an inventory
surfaces as "not found" - or as success with nothing done.

Each module declares which options hold which kind of name (``OpsRunbooksAWSModule(resource_names=...)``):
``"table_name"``, ``"dynamodb[].table"`` (every element's suboption), ``"functions[]"`` (every element of a list).
"""

from __future__ import annotations

import re

from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import non_finite_options

_PARTITION = r"arn:aws[a-z-]*"
# name pattern, what it is, what AWS allows (for the message)
KINDS = {
    "table": (re.compile(r"^(?:[a-zA-Z0-9_.-]{3,255}|%s:dynamodb:[a-z0-9-]+:\d{12}:table/[a-zA-Z0-9_.-]{3,255})$"
                         % _PARTITION),
              "DynamoDB table name", "3 to 255 of a-z A-Z 0-9 _ . -, or a table ARN"),
    "queue": (re.compile(r"^(?:[a-zA-Z0-9_-]{1,80}|[a-zA-Z0-9_-]{1,75}\.fifo|https?://[^\s]+/\d{12}/[a-zA-Z0-9_.-]{1,80}"
                         r"|%s:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_.-]{1,80})$" % _PARTITION),
              "SQS queue name", "1 to 80 of a-z A-Z 0-9 _ - (a FIFO queue ends in .fifo), a queue URL or ARN"),
    "bucket": (re.compile(r"^[a-zA-Z0-9._-]{3,255}$"),
               "S3 bucket name", "3 to 63 of a-z 0-9 . - (older buckets: also A-Z and _, up to 255)"),
    "function": (re.compile(r"^(?:%s:lambda:)?(?:[a-z]{2}(?:-gov)?-[a-z]+-\d:)?(?:\d{12}:)?(?:function:)?"
                            r"[a-zA-Z0-9_-]{1,64}(?::(?:\$LATEST|[a-zA-Z0-9_-]+))?$" % _PARTITION),
                 "Lambda function name", "1 to 64 of a-z A-Z 0-9 _ -, or a function ARN"),
}


def check_name(kind, value, where):
    """Raise InvalidInput naming ``where`` when ``value`` is not a name of ``kind`` AWS accepts."""
    pattern, what, allowed = KINDS[kind]
    if not isinstance(value, str) or not pattern.match(value):
        raise InvalidInput("%s: %r is not a valid %s (%s)" % (where, value, what, allowed))


def check_names(params, declared):
    """Check every option ``declared`` names (``{"table_name": "table", "queues[]": "queue", "s3[].bucket":
    "bucket"}``); options not given are skipped."""
    for path, kind in declared.items():
        for where, value in _values(params, path):
            if value is not None:
                check_name(kind, value, where)


def _values(params, path):
    """``(where, value)`` for a declared path: ``a``, ``a.b`` (a dict option's ``b``), ``a[]`` (each element),
    ``a[].b`` (each element's ``b``)."""
    head, _sep, rest = path.partition(".")
    name = head[:-2] if head.endswith("[]") else head
    value = (params or {}).get(name)
    if value is None:
        return []
    if not head.endswith("[]"):
        if rest:  # a suboption of a dict option
            return [("%s.%s" % (name, w), v) for w, v in _values(value if isinstance(value, dict) else {}, rest)]
        return [(name, value)]
    found = []
    for i, item in enumerate(value or []):
        where = "%s[%d]" % (name, i)
        if rest:
            found += [("%s.%s" % (where, w), v) for w, v in _values(item if isinstance(item, dict) else {}, rest)]
        else:
            found.append((where, item))
    return found


def refuse_bad_arguments(module, resource_names=None):
    """End the module naming what the argument spec cannot refuse: a float option given as nan or inf (``nan``
    passes every comparison, ``inf`` every limit - a threshold of either checks nothing), and a resource name AWS
    would refuse. Called right after the module is made, before any call."""
    bad = non_finite_options(module.argument_spec, module.params)
    if bad:
        module.fail_json(msg="; ".join(bad))
    try:
        check_names(module.params, resource_names or {})
    except InvalidInput as e:
        module.fail_json(msg=str(e))
