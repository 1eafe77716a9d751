# -*- coding: utf-8 -*-
from __future__ import annotations

import datetime

import pytest

from ansible_collections.ops.runbooks.plugins.module_utils import timeutil

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value, seconds",
    [(0, 0), (90, 90), ("90", 90), ("30s", 30), ("15m", 900), ("2h", 7200), ("7d", 604800), ("1w", 604800),
     ("1h30m", 5400), (" 2H ", 7200), ("1.5h", 5400)],
)
def test_parse_duration(value, seconds):
    assert timeutil.parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["", "abc", "5x", "-5m", -1, True, "m", "1h-30m", None])
def test_parse_duration_rejects_with_parameter_name(value):
    with pytest.raises(ValueError) as err:
        timeutil.parse_duration(value, "max_age")
    assert str(err.value).startswith("max_age: ")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-22T08:00:00Z", datetime.datetime(2026, 11, 22, 8, tzinfo=UTC)),
        ("2026-11-22T09:00:00+01:00", datetime.datetime(2026, 11, 22, 8, tzinfo=UTC)),
        ("2026-11-22T08:00:00", datetime.datetime(2026, 11, 22, 8, tzinfo=UTC)),
        ("2026-11-22", datetime.datetime(2026, 11, 22, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_is_aware_utc(value, expected):
    parsed = timeutil.parse_timestamp(value)
    assert parsed == expected
    assert parsed.tzinfo == UTC


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "22.11.2026"])
def test_parse_timestamp_rejects(value):
    with pytest.raises(ValueError, match="restore_date_time: .* not an ISO 8601 timestamp"):
        timeutil.parse_timestamp(value, "restore_date_time")


def test_point_in_time_relative_and_absolute():
    assert timeutil.parse_point_in_time("2h", now=NOW) == datetime.datetime(2026, 11, 22, 10, tzinfo=UTC)
    assert timeutil.parse_point_in_time("2026-11-21T00:00:00Z", now=NOW) == datetime.datetime(2026, 11, 21, tzinfo=UTC)
    with pytest.raises(ValueError, match="neither an ISO 8601 timestamp nor a relative age"):
        timeutil.parse_point_in_time("soon", "restore_date_time", now=NOW)


def test_age_and_formatting():
    assert timeutil.age_seconds(datetime.datetime(2026, 11, 22, 11, 0), now=NOW) == 3600
    assert timeutil.isoformat(NOW) == "2026-11-22T12:00:00Z"
    assert timeutil.isoformat(None) is None
    assert [timeutil.format_duration(s) for s in (45, 720, 11100, 187200)] == ["45s", "12m", "3h05m", "2d04h"]


@pytest.mark.parametrize("value", ["99999999999d", "3000000d", "3651d", float("inf"), float("nan"), 1e300])
def test_durations_are_bounded_and_finite(value):
    with pytest.raises(ValueError, match="window: "):
        timeutil.parse_duration(value, "window")


def test_the_longest_duration_is_ten_years():
    assert timeutil.parse_duration("3650d") == timeutil.MAX_DURATION_SECONDS


@pytest.mark.parametrize("value, message", [
    ("0001-01-01T00:00:00+05:00", "out of the range of dates"),
    ("99999999999d", "longer than the longest duration"),
    ("3000000d", "longer than the longest duration"),
])
def test_points_in_time_out_of_range_are_clear_errors(value, message):
    with pytest.raises(ValueError, match=message):
        timeutil.parse_point_in_time(value, "restore_date_time", now=NOW)
