# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time handling for runbook parameters: ISO 8601 timestamps and relative ages, always aware UTC.

Runbooks speak in ages (``15m`` RPO, ``1d`` maximum dump age, ``2h`` ago) and timestamps. Every
value coming in goes through one of these parsers, which raise ``InvalidInput`` (a ``ValueError``) with a
message a module can show as is (prefixed with the parameter's name).
"""

from __future__ import annotations

import datetime
import math
import re

from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput

UTC = datetime.timezone.utc

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_DURATION_PART_RE = re.compile(r"(\d+(?:\.\d+)?)([smhdw])", re.IGNORECASE)
# No runbook window, age or retention is longer than ten years; anything longer is a typo (and overflows dates).
MAX_DURATION_SECONDS = 3650 * 86400


class OutOfRange(InvalidInput):
    """A well-formed value beyond what can be a date or a runbook duration (no other reading of it is tried)."""


def utcnow():
    """The current time, aware, in UTC."""
    return datetime.datetime.now(UTC)


def parse_duration(value, name="value"):
    """Seconds (float) in a duration: a number of seconds, ``90s``, ``15m``, ``2h``, ``7d``, ``1w``, ``1h30m``.

    Negative, empty and unparsable values raise InvalidInput naming ``name`` (OutOfRange beyond ten years).
    """
    if isinstance(value, bool):
        raise InvalidInput("%s: %r is not a duration (use e.g. 30s, 15m, 2h, 7d)" % (name, value))
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip()
        match = _DURATION_RE.match(text)
        if match:
            seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
        elif text and _DURATION_PART_RE.sub("", text) == "":
            seconds = sum(float(n) * _UNITS[u.lower()] for n, u in _DURATION_PART_RE.findall(text))
        else:
            raise InvalidInput("%s: %r is not a duration (use e.g. 30s, 15m, 2h, 7d)" % (name, value))
    if math.isnan(seconds) or math.isinf(seconds):
        raise InvalidInput("%s: %r is not a finite duration" % (name, value))
    if seconds < 0:
        raise InvalidInput("%s: %r is negative; a duration must be zero or more" % (name, value))
    if seconds > MAX_DURATION_SECONDS:
        raise OutOfRange("%s: %r is longer than the longest duration accepted, 3650d (ten years)" % (name, value))
    return seconds


def parse_timestamp(value, name="value"):
    """An aware UTC datetime from ISO 8601 text (``Z`` or an offset; a naive time is taken as UTC)."""
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                "%s: %r is not an ISO 8601 timestamp (e.g. 2026-11-22T08:00:00Z)" % (name, value)
            ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+05:00 has no UTC time
        raise OutOfRange("%s: %r is out of the range of dates" % (name, value)) from None


def parse_point_in_time(value, name="value", now=None):
    """A timestamp, or a relative age (``2h`` = two hours before ``now``), as an aware UTC datetime."""
    now = now or utcnow()
    try:
        return now - datetime.timedelta(seconds=parse_duration(value, name))
    except OutOfRange:
        raise
    except InvalidInput:
        pass
    try:
        return parse_timestamp(value, name)
    except OutOfRange:
        raise
    except InvalidInput:
        raise InvalidInput(
            "%s: %r is neither an ISO 8601 timestamp nor a relative age such as 2h or 7d" % (name, value)
        ) from None


def age_seconds(when, now=None):
    """Seconds from ``when`` (aware, or naive UTC) to ``now``."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return ((now or utcnow()) - when).total_seconds()


def isoformat(when):
    """``2026-11-22T08:00:00Z`` style text of an aware datetime (None stays None)."""
    if when is None:
        return None
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def format_duration(seconds):
    """A short human form of a number of seconds: ``45s``, ``12m``, ``3h05m``, ``2d04h``."""
    if seconds is None:
        return None
    seconds = int(round(seconds))
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return "%s%ds" % (sign, seconds)
    if seconds < 3600:
        return "%s%dm" % (sign, seconds // 60)
    if seconds < 86400:
        return "%s%dh%02dm" % (sign, seconds // 3600, (seconds % 3600) // 60)
    return "%s%dd%02dh" % (sign, seconds // 86400, (seconds % 86400) // 3600)
