"""What the tests of dates held as datetimes share (test_datetime_spares, test_attack6)."""

from __future__ import annotations

import sysconfig
from datetime import datetime, timedelta, timezone

import pytest

from ndes import NdesConnector

#: Spare datetimes are reused only with the GIL: the spare list has no lock.
reuse = pytest.mark.skipif(
    bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    reason="no reuse without the GIL (the spare list has no lock)",
)


def tz(minutes: int) -> timezone:
    return timezone.utc if minutes == 0 else timezone(timedelta(minutes=minutes))


def doc(last: datetime | None, enrolled: datetime | None) -> bytes:
    """The JSON of a connector with these two dates."""
    return NdesConnector(last_connection_date_time=last, enrolled_date_time=enrolled).to_json()


def fresh(d: datetime) -> datetime:
    """The same date as the constructor makes it, with a datetime.timezone of its offset."""
    return datetime(
        d.year,
        d.month,
        d.day,
        d.hour,
        d.minute,
        d.second,
        d.microsecond,
        tzinfo=tz(int(d.utcoffset().total_seconds() // 60)),
    )
