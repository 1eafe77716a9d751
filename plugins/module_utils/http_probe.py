# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plain HTTP(S) probe (status and latency), for http_check and the Lambda health gate. No AWS import here."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from ansible.module_utils.urls import open_url

from ansible_collections.ops.runbooks.plugins.module_utils import checks


def is_http_url(value):
    return str(value).startswith(("http://", "https://"))


# Query parameters whose values are credentials: a name with one of these words (api_key, access_token,
# X-Amz-Signature, X-Amz-Security-Token, sig, password, auth, ...), words split at punctuation and camelCase.
_SECRET_WORDS = frozenset(["key", "apikey", "token", "secret", "sig", "signature", "password", "passwd", "pwd",
                           "auth", "authorization", "credential", "credentials", "session", "sessionid"])


def _is_secret_param(name):
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower()
    return any(word in _SECRET_WORDS for word in re.split(r"[^a-z0-9]+", words))


def _secret_params(query):
    return [(name, value) for name, value in parse_qsl(query, keep_blank_values=True)
            if value and _is_secret_param(name)]


def redact_url(url):
    """The URL without credentials: ``https://user:secret@host/x?api_key=k&page=2`` -> ``https://***@host/x?api_key=***&page=2``
    (for output): the user information, and the values of query parameters named like a key, token, secret,
    signature, password or auth."""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return "<unparsable URL>"
    if "@" in parts.netloc:
        parts = parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1])
    if _secret_params(parts.query):
        query = "&".join(piece.split("=", 1)[0] + "=***" if "=" in piece and _is_secret_param(
            piece.split("=", 1)[0]) and piece.split("=", 1)[1] else piece for piece in parts.query.split("&"))
        parts = parts._replace(query=query)
    return urlunsplit(parts)


def url_secrets(url):
    """The credentials embedded in a URL - user information and secret query values, raw and as written - for
    ``module.no_log_values`` (Ansible then masks them everywhere, the module's echoed arguments included)."""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return []
    found = [part for part in (parts.password, parts.username if parts.password is None else None) if part]
    for name, value in _secret_params(parts.query):
        found.append(value)
        found += [piece.split("=", 1)[1] for piece in parts.query.split("&")
                  if piece.startswith(name + "=") and piece.split("=", 1)[1] != value]
    return found


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
