# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One error hierarchy for the collection, and the one place that turns an error into the task's failure.

Helpers raise; only a module's ``main()`` ends the module, through ``ending_on_error``::

    result = dict(changed=False)
    with ending_on_error(module, result, "restore %s" % name):
        plan = resolve(...)             # raises InvalidInput / NotFound / Conflict / WaitTimeout / ...
        ...
    module.exit_json(**result)

Every error is an ``AnsibleAWSError`` (amazon.aws), so AWS errors wrapped by amazon.aws's own helpers (S3, RDS) are
handled the same way. This file imports no AWS SDK: plain (non-AWS) modules use it too.
"""

from __future__ import annotations

import contextlib
import math
import re

try:
    import botocore
except ImportError:
    botocore = None  # a plain module (http_check) has no AWS SDK; AWS modules report it through AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class OpsRunbooksError(AnsibleAWSError):
    """An expected reason to stop; its message is the task's ``msg`` and should name the parameter or resource."""


class InvalidInput(OpsRunbooksError, ValueError):
    """A parameter value (or combination) the argument spec cannot reject; the message starts with its name.

    Also a ``ValueError``: the parsers of ``timeutil`` raise it, and code that only knows "a bad value" catches it."""


class NotFound(OpsRunbooksError):
    """A resource the task names does not exist (or is not visible to the caller)."""


class Conflict(OpsRunbooksError):
    """The resource is in a state that forbids the change (exists already, not AVAILABLE, moved meanwhile)."""


class WaitTimeout(OpsRunbooksError):
    """A wait ran out of ``wait_timeout`` before the resource reached the wanted state."""


class OperationFailed(OpsRunbooksError):
    """AWS or a tool reports a terminal failure (a version in state Failed, an export FAILED, pg_restore failed)."""


RETRY_BUDGET_ENV = "OPS_RUNBOOKS_RETRY_SECONDS"


def retry_note(error):
    """How long a call was retried before it gave up ("gave up after 6 attempts in 52.3 s; retry budget 60 s,
    OPS_RUNBOOKS_RETRY_SECONDS"), or '' for an error that was not retried."""
    retried = getattr(error, "ops_runbooks_retried", None)
    if not retried or retried.get("attempts", 0) < 2:
        return ""
    return "gave up after %d attempts in %s s; retry budget %s s (%s)" % (
        retried["attempts"], retried["seconds"], "%g" % retried["budget"], RETRY_BUDGET_ENV)


HTML = re.compile(r"^\s*<(!doctype|html)", re.IGNORECASE)
TITLE = re.compile(r"<title>\s*(.*?)\s*</title>", re.IGNORECASE | re.DOTALL)


def readable_error(error):
    """A botocore error whose message is an HTML page (a proxy's or an emulator's error page, not an AWS error
    document) gets a one-line message instead: "HTTP 500 from the endpoint, not an AWS error (page: 500 Internal
    Server Error)". Other errors are left as they are. Returns the error."""
    if botocore is None or not isinstance(error, botocore.exceptions.ClientError):
        return error
    detail = error.response.get("Error") or {}
    message = str(detail.get("Message") or "")
    if HTML.match(message):
        title = TITLE.search(message)
        status = (error.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or detail.get("Code") or "?"
        detail["Message"] = "HTTP %s from the endpoint, not an AWS error%s" % (
            status, " (page: %s)" % " ".join(title.group(1).split())[:120] if title else "")
        error.response["Error"] = detail
        error.args = ("An error occurred (%s) when calling the %s operation: %s" % (
            detail.get("Code"), getattr(error, "operation_name", "?"), detail["Message"]),)
    return error


def one_line(error, limit=None):
    """An error's text on one line (botocore's and moto's messages carry newlines and XML bodies; an HTML error page
    becomes one line, ``readable_error``; a call retried until its budget ran out says so, ``retry_note``), at most
    ``limit`` characters: for a reason inside a check or a per-item result, where one bad item must not fail the task."""
    note = retry_note(error)
    text = " ".join(str(readable_error(error)).split()) + (" (%s)" % note if note else "")
    return text[:limit] if limit else text


def non_finite_options(spec, params, prefix=""):
    """The options of type float (suboptions too) whose value is not a finite number: ``nan`` passes every comparison
    (``1 <= nan`` is False, ``1 > nan`` is False) and ``inf`` every limit - a threshold of either checks nothing."""
    found = []
    for name, option in spec.items():
        value = (params or {}).get(name)
        if value is None:
            continue
        if option.get("type") == "float" and isinstance(value, float) and not math.isfinite(value):
            found.append("%s%s: %s is not a finite number" % (prefix, name, value))
        suboptions = option.get("options")
        if suboptions:
            items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
            for i, item in enumerate(items):
                where = "%s%s[%d]." % (prefix, name, i) if isinstance(value, list) else "%s%s." % (prefix, name)
                found += non_finite_options(suboptions, item, where)
    return found


def check_range(name, value, low, high=None, unit=""):
    """InvalidInput naming ``name`` unless ``low <= value <= high`` (``high`` None: no upper bound; a ``value`` of
    None passes, NaN does not): "rate: inf is out of range (1 to 500)"."""
    if value is not None and not (low <= value and (high is None or value <= high)):
        raise InvalidInput("%s: %s is out of range (%s to %s%s)" % (name, value, low, "any" if high is None else high,
                                                                    unit))


def _aws_errors():
    if botocore is None:
        return ()
    return (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


@contextlib.contextmanager
def ending_on_error(module, result=None, action=None):
    """Run the block; end the module on an error with the partial ``result`` (a dict the block keeps up to date).

    - ``OpsRunbooksError``: ``fail_json(msg=<its message>)`` (``fail_json_aws`` when it carries an AWS exception);
    - another ``AnsibleAWSError`` (amazon.aws helpers): ``fail_json_aws`` with its message;
    - a botocore error: ``fail_json_aws(msg="Failed to <action>")``.
    ``exit_json``/``fail_json`` inside the block pass through (they end the module already).
    """
    result = result if result is not None else {}
    try:
        yield result
    except AnsibleAWSError as e:
        extra = dict(result, **e.kwargs)
        if e.exception is not None and isinstance(e.exception, _aws_errors()):
            module.fail_json_aws(e.exception, msg=e.message, **extra)
        module.fail_json(msg=e.message or str(e), **extra)
    except _aws_errors() as e:  # pylint: disable=catching-non-exception
        module.fail_json_aws(e, msg="Failed to %s" % action if action else None, **result)
