"""A connector holds its dates as datetimes, made when a date is set or decoded; a datetime that
only its connector held is kept when the connector goes, and filled again for the next date
decoded or set (csrc/python/datetime_py.c). Nothing outside may ever see one object change: a
datetime anyone else holds is left alone, and one kept for reuse is one no one can reach."""

from __future__ import annotations

import gc
import textwrap
import weakref
from datetime import datetime, timedelta, timezone

from core_helpers import run_debug
from date_helpers import doc, fresh, reuse
from hypothesis import given, settings
from hypothesis import strategies as st

from ndes import NdesConnector, _core

offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
aware = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
).map(lambda d: d.replace(fold=0))


def test_a_date_is_read_as_the_same_object_each_time() -> None:
    c = NdesConnector.from_json(b'{"enrolledDateTime":"2026-01-02T03:04:05+05:30"}')
    assert c.enrolled_date_time is c.enrolled_date_time
    c.enrolled_date_time = datetime(2026, 1, 2, tzinfo=timezone.utc)
    assert c.enrolled_date_time is c.enrolled_date_time
    assert c.enrolled_date_time == datetime(2026, 1, 2, tzinfo=timezone.utc)
    assert c.last_connection_date_time is None


@reuse
def test_a_dropped_connector_s_dates_are_filled_again() -> None:
    """The mechanism runs (else the tests below would pass without testing it): the next
    decode's dates are the objects the dropped connector held."""
    a = NdesConnector.from_json(
        doc(
            datetime(2026, 1, 2, tzinfo=timezone.utc),
            datetime(2025, 3, 4, tzinfo=timezone(timedelta(hours=2))),
        )
    )
    ids = {id(a.last_connection_date_time), id(a.enrolled_date_time)}
    del a
    b = NdesConnector.from_json(
        doc(
            datetime(2001, 5, 6, 7, 8, 9, 10, tzinfo=timezone.utc),
            datetime(1999, 12, 31, tzinfo=timezone(timedelta(hours=-3))),
        )
    )
    assert {id(b.last_connection_date_time), id(b.enrolled_date_time)} == ids
    assert b.last_connection_date_time == datetime(2001, 5, 6, 7, 8, 9, 10, tzinfo=timezone.utc)
    assert b.enrolled_date_time == datetime(1999, 12, 31, tzinfo=timezone(timedelta(hours=-3)))


def test_a_date_held_outside_outlives_its_connector_unchanged() -> None:
    first = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    c = NdesConnector.from_json(doc(first, first))
    held = c.enrolled_date_time
    del c
    gc.collect()
    others = [
        NdesConnector.from_json(doc(datetime(2000 + i, 1, 1, tzinfo=timezone.utc), first))
        for i in range(50)
    ]
    assert held == first and repr(held) == repr(first) and hash(held) == hash(first)
    assert all(o.enrolled_date_time is not held for o in others)


@settings(max_examples=300)
@given(st.lists(st.tuples(aware, aware), min_size=1, max_size=8))
def test_dates_filled_again_are_the_ones_decoded(pairs: list[tuple[datetime, datetime]]) -> None:
    """Decode, hash (which caches the hash in the object), drop, decode again: every value, its
    hash and its tzinfo are those of the new document."""
    for last, enrolled in pairs:
        for c in (
            NdesConnector.from_json(doc(last, enrolled)),
            NdesConnector.from_msgpack(NdesConnector.from_json(doc(last, enrolled)).to_msgpack()),
        ):
            for got, want in (
                (c.last_connection_date_time, last),
                (c.enrolled_date_time, enrolled),
            ):
                want = fresh(want)
                assert type(got) is datetime
                assert got == want and hash(got) == hash(want) and repr(got) == repr(want)
                assert got.tzinfo == want.tzinfo and got.fold == 0


def test_dates_a_finalizer_decodes_while_a_connector_goes_are_each_their_own() -> None:
    """Releasing a connector's fields runs finalizers (an item added to its tag list): one that
    decodes, keeps and drops connectors meanwhile must never get an object that is also kept for
    reuse or held by another connector."""
    kept: list[datetime] = []

    class Decodes:
        def __del__(self) -> None:
            for i in range(300):
                c = NdesConnector.from_json(
                    doc(
                        datetime(2000, 1, 1 + i % 28, tzinfo=timezone.utc),
                        datetime(2010, 1, 1, i % 24, tzinfo=timezone(timedelta(hours=1))),
                    )
                )
                if i % 3 == 0:
                    kept.append(c.last_connection_date_time)
                del c

    for _ in range(5):
        c = NdesConnector.from_json(
            doc(
                datetime(2026, 1, 2, tzinfo=timezone.utc), datetime(2026, 1, 3, tzinfo=timezone.utc)
            )
        )
        c.role_scope_tag_ids = ["1"]
        c.role_scope_tag_ids.append(Decodes())
        del c
    assert len(kept) == 500 and len({id(d) for d in kept}) == 500
    assert [d.day for d in kept] == [1 + i % 28 for i in range(0, 300, 3)] * 5
    after = [
        NdesConnector.from_json(
            doc(
                datetime(1990, 1, 1, tzinfo=timezone.utc), datetime(1991, 1, 1, tzinfo=timezone.utc)
            )
        )
        for _ in range(600)
    ]
    assert not {id(d) for d in kept} & {id(a.last_connection_date_time) for a in after}
    assert all(a.last_connection_date_time.year == 1990 for a in after)


class Marker:
    """An object that takes weak references, to see a cycle through a connector go."""


def test_the_collector_is_shown_only_what_can_be_in_a_cycle() -> None:
    """connector_traverse skips the str and date fields (exact strs and datetimes, never part of
    a cycle), so the collector cannot hand a date out either; the state, the tag list and the
    additional data, which can be, it visits."""
    c = NdesConnector.from_json(
        doc(datetime(2026, 1, 2, tzinfo=timezone.utc), datetime(2026, 1, 3, tzinfo=timezone.utc))
    )
    c.display_name = "d"
    c.state = "active"
    c.role_scope_tag_ids = ["1"]
    c.additional_data["x"] = [1]
    got = gc.get_referents(c)
    assert not [o for o in got if isinstance(o, (datetime, str)) and o is not c.state]
    assert any(o is c.role_scope_tag_ids for o in got) and any(o is c.state for o in got)
    assert any(o is c.additional_data for o in got) and type(c) in got
    # a cycle through the tag list and one through additional data are still collected
    for make in (
        lambda k: k.role_scope_tag_ids.append(k),
        lambda k: k.additional_data.update(me=[k]),
    ):
        k = NdesConnector.from_json(
            doc(
                datetime(2026, 1, 2, tzinfo=timezone.utc), datetime(2026, 1, 3, tzinfo=timezone.utc)
            )
        )
        k.role_scope_tag_ids = []
        make(k)
        marker = Marker()
        k.additional_data["marker"] = marker  # held by the connector alone once `marker` goes
        ref = weakref.ref(marker)
        del k, marker
        gc.collect()
        assert ref() is None


EXIT_PROGRAM = textwrap.dedent(
    """
    import json
    from datetime import datetime, timezone
    from ndes import NdesConnector
    d = NdesConnector(enrolled_date_time=datetime(2026, 1, 2, tzinfo=timezone.utc)).to_json()
    for _ in range(1000):
        NdesConnector.from_json(d)
    keep = [NdesConnector.from_json(d) for _ in range(300)]
    del keep  # more spares than the list keeps
    print(json.dumps(NdesConnector.from_json(d).enrolled_date_time.isoformat()))
    """
)


def test_spares_are_freed_with_the_module_under_the_debug_allocator(tmp_path) -> None:
    done = run_debug(EXIT_PROGRAM, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == '"2026-01-02T00:00:00+00:00"' and not done.stderr


def test_dates_use_the_filled_path_here() -> None:
    """Reuse needs filled datetimes; a fallback to the constructor would skip it silently."""
    NdesConnector.from_json(b'{"enrolledDateTime":"2026-01-02T03:04:05Z"}')
    assert _core._datetime_path() == "filled"
