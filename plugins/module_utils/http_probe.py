# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plain HTTP(S) probe (status and latency), for http_check and the Lambda health gate. No AWS import here."""

from __future__ import annotations

import time
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from ansible.module_utils.urls import open_url

from ansible_collections.ops.runbooks.plugins.module_utils import checks


def is_http_url(value):
    return str(value).startswith(("http://", "https://"))


def redact_url(url):
    """The URL without credentials: ``https://user:secret@host/x`` -> ``https://***@host/x`` (for output)."""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return "<unparsable URL>"
    if "@" not in parts.netloc:
        return str(url)
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def url_secrets(url):
    """The credentials embedded in a URL, for ``module.no_log_values`` (Ansible then masks them everywhere,
    the module's echoed arguments included)."""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return []
    return [part for part in (parts.password, parts.username if parts.password is None else None) if part]


def check_url(url, timeout, expected=None, max_latency_ms=None, validate_certs=True):
    """GET a URL: ``{status, reason, status_code, latency_ms}``; ``expected`` statuses default to any 2xx.

    Credentials in the URL are used for the request and never appear in the result (see ``redact_url``).
    """
    shown = redact_url(url)
    started = time.monotonic()
    try:
        response = open_url(url, method="GET", timeout=timeout, follow_redirects="safe", validate_certs=validate_certs)
        code = response.getcode()
        response.read()
    except Exception as e:  # pylint: disable=broad-exception-caught  # HTTPError, URLError, socket errors, ...
        code = getattr(e, "code", None)
        if code is None:
            return {"status": checks.FAIL, "reason": "GET %s: %s" % (shown, _redacted(e, url, shown)), "status_code": None,
                    "latency_ms": round((time.monotonic() - started) * 1000, 1)}
    latency = round((time.monotonic() - started) * 1000, 1)
    good = code in expected if expected else 200 <= code < 300
    if not good:
        return {"status": checks.FAIL, "reason": "GET %s: HTTP %s" % (shown, code), "status_code": code, "latency_ms": latency}
    if max_latency_ms is not None and latency > max_latency_ms:
        return {"status": checks.FAIL, "reason": "GET %s: HTTP %s in %sms > %sms" % (shown, code, latency, max_latency_ms),
                "status_code": code, "latency_ms": latency}
    return {"status": checks.PASS, "reason": "GET %s: HTTP %s in %sms" % (shown, code, latency), "status_code": code,
            "latency_ms": latency}


def _redacted(error, url, shown):
    """An error text with the URL (and so its credentials) replaced by the redacted form."""
    return str(error).replace(str(url), shown)
