"""Datetimes read from a connector are made by filling the object in the layout datetime.h gives
(checked against the constructor on first use): they must be indistinguishable from constructed
ones, on every Python the wheels are built for."""

from __future__ import annotations

import copy
import pickle
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

import ndes
from ndes import _core

offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
aware = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
).map(lambda d: d.replace(fold=0))


def test_reads_use_the_filled_path_here() -> None:
    c = ndes.NdesConnector.from_json(b'{"enrolledDateTime":"2025-01-02T03:04:05.678901+05:30"}')
    assert c.enrolled_date_time == datetime(
        2025, 1, 2, 3, 4, 5, 678901, tzinfo=timezone(timedelta(hours=5, minutes=30))
    )
    # The layout check passed: a fallback to the constructor would hide a slower path.
    assert _core._datetime_path() == "filled"


def outcome(op, d: datetime) -> object:
    """op(d), or the type of what it raised (the year 1 and 9999 edges overflow)."""
    try:
        return op(d)
    except OverflowError as e:
        return type(e)


def same_datetime(got: datetime, want: datetime) -> None:
    assert type(got) is datetime
    fields = ("year", "month", "day", "hour", "minute", "second", "microsecond", "fold")
    assert [getattr(got, f) for f in fields] == [getattr(want, f) for f in fields]
    assert got.utcoffset() == want.utcoffset()
    assert got == want and hash(got) == hash(want) and repr(got) == repr(want)
    assert got.isoformat() == want.isoformat()
    for op in (
        datetime.timestamp,
        lambda d: d + timedelta(days=1, microseconds=1),
        lambda d: d - timedelta(days=1, microseconds=1),
        lambda d: d.astimezone(timezone.utc),
    ):
        assert outcome(op, got) == outcome(op, want)
    assert got.replace(microsecond=0) == want.replace(microsecond=0)
    assert pickle.loads(pickle.dumps(got)) == want
    assert copy.deepcopy(got) == want


@given(aware, aware)
def test_a_decoded_datetime_is_the_one_encoded(last: datetime, enrolled: datetime) -> None:
    c = ndes.NdesConnector(last_connection_date_time=last, enrolled_date_time=enrolled)
    for back in (
        ndes.NdesConnector.from_json(c.to_json()),
        ndes.NdesConnector.from_msgpack(c.to_msgpack()),
    ):
        same_datetime(back.last_connection_date_time, last)
        same_datetime(back.enrolled_date_time, enrolled)
    same_datetime(c.last_connection_date_time, last)


def test_range_edges() -> None:
    for d in (
        datetime(1, 1, 1, tzinfo=timezone.utc),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
        datetime(2000, 2, 29, 12, tzinfo=timezone(timedelta(hours=14))),
        datetime(1900, 2, 28, 12, tzinfo=timezone(timedelta(hours=-14))),
    ):
        c = ndes.NdesConnector.from_json(ndes.NdesConnector(enrolled_date_time=d).to_json())
        same_datetime(c.enrolled_date_time, d)
