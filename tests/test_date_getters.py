"""The date attributes are made on each read from the stored DateTimeOffset: every offset Graph
allows reads back as its datetime.timezone, one object per offset, UTC as timezone.utc."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from ndes import NdesConnector

# Every minute offset within .NET's range, then UTC, in the order a page would mix them.
OFFSETS = [m for m in range(-14 * 60, 14 * 60 + 1) if m] + [0]


def text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"2026-11-28T09:30:12.345678{sign}{abs(minutes) // 60:02}:{abs(minutes) % 60:02}"


def test_every_offset_reads_back_as_its_timezone_one_object_per_offset() -> None:
    page = {
        "value": [
            {"lastConnectionDateTime": text(m), "enrolledDateTime": text(-m)} for m in OFFSETS
        ]
    }
    items, _ = NdesConnector.from_json_page(json.dumps(page))
    seen: dict[int, object] = {}
    for _ in range(2):
        for m, c in zip(OFFSETS, items, strict=True):
            for value, minutes in ((c.last_connection_date_time, m), (c.enrolled_date_time, -m)):
                tz = timezone.utc if minutes == 0 else timezone(timedelta(minutes=minutes))
                assert value == datetime(2026, 11, 28, 9, 30, 12, 345678, tzinfo=tz)
                assert value.tzinfo == tz and type(value) is datetime
                assert seen.setdefault(minutes, value.tzinfo) is value.tzinfo
    assert seen[0] is timezone.utc


def test_an_unset_date_reads_as_none_and_a_set_one_as_the_same_value_each_time() -> None:
    c = NdesConnector(enrolled_date_time="2025-01-02T03:04:05+05:30")
    assert c.last_connection_date_time is None
    first, second = c.enrolled_date_time, c.enrolled_date_time
    assert first == second
    c.enrolled_date_time = None
    assert c.enrolled_date_time is None
