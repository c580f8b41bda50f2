"""Attacks on the dates held as datetimes and the spare datetimes filled again (commit 0d4a2d1).

The claim under test: a datetime is put on the module's spare list only when no one but its
connector holds it, so no one outside ever sees an object change; and a connector's datetime
and the packed value its encoders and == read are always the same date, whatever set it and
whatever failed midway. Every test here checks the values it reads against ones computed apart
from ndes, and the tests that rely on reuse first check that it happened."""

from __future__ import annotations

import copy
import gc
import importlib.util
import json
import operator
import os
import pickle
import random
import shutil
import sys
import sysconfig
import textwrap
import threading
import weakref
from datetime import datetime, timedelta, timezone, tzinfo

import msgpack
import pytest
from core_helpers import run_debug, switching_often
from date_helpers import doc, fresh, reuse, tz

from ndes import NdesConnector, ValidationError

UTC = timezone.utc
DATES = ("last_connection_date_time", "enrolled_date_time")
WIRE = {
    "last_connection_date_time": "lastConnectionDateTime",
    "enrolled_date_time": "enrolledDateTime",
}


def wire_text(d: datetime) -> str:
    """The design's DateTimeOffset text, computed here apart from ndes."""
    off = int(d.utcoffset().total_seconds() // 60)
    text = f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
    if d.microsecond:
        text += f".{d.microsecond:06d}"
    if off == 0:
        return text + "Z"
    sign = "+" if off > 0 else "-"
    return text + f"{sign}{abs(off) // 60:02d}:{abs(off) % 60:02d}"


def check(c: NdesConnector) -> None:
    """The datetime and the packed value of each date are the same date: to_dict, to_json and
    to_msgpack write what the object says, and the object is a plain, fresh-looking datetime.
    Additional data and tags that cannot be encoded (a connector or a finalizer put there by a
    test) are taken out in place meanwhile and put back."""
    extra, tags = c.additional_data, c.role_scope_tag_ids
    saved_extra, saved_tags = dict(extra), list(tags or ())
    extra.clear()
    if tags is not None:
        tags.clear()
    try:
        d = c.to_dict()
        assert json.loads(c.to_json()) == d
        assert msgpack.unpackb(c.to_msgpack()) == d
    finally:
        extra.update(saved_extra)
        if tags is not None:
            tags.extend(saved_tags)
    for name in DATES:
        o = getattr(c, name)
        if o is None:
            assert WIRE[name] not in d
            continue
        assert type(o) is datetime and o.fold == 0 and type(o.tzinfo) is timezone
        assert d[WIRE[name]] == wire_text(o)
        want = fresh(o)
        assert o == want and hash(o) == hash(want) and repr(o) == repr(want)


def check_every_live_connector() -> int:
    """check() on every connector alive, and no datetime in two date slots: a datetime in two
    places, or one on the spare list and in a slot, would show here as a shared object."""
    owners: dict[int, object] = {}
    n = 0
    for c in gc.get_objects():
        if type(c) is not NdesConnector:
            continue
        check(c)
        for name in DATES:
            o = getattr(c, name)
            if o is not None:
                assert id(o) not in owners, (c, owners.get(id(o)))
                owners[id(o)] = c
                n += 1
    return n


def drain_spares() -> list[NdesConnector]:
    """Connectors that take every spare the module holds (at most 256, two dates each)."""
    return [
        NdesConnector.from_json(doc(datetime(1970, 1, 1, tzinfo=UTC), None)) for _ in range(300)
    ]


# --- hash and value of a datetime filled again ------------------------------------------------


@reuse
def test_a_hashed_date_dropped_and_filled_again_hashes_as_its_new_value() -> None:
    keep = drain_spares()
    first = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=tz(330))
    c = NdesConnector.from_json(doc(first, first))
    old_hash = hash(c.enrolled_date_time)  # cached in the object
    assert old_hash == hash(first)
    ids = {id(c.enrolled_date_time), id(c.last_connection_date_time)}
    del c
    second = datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=tz(-180))
    d = NdesConnector.from_json(doc(second, second))
    assert {id(d.enrolled_date_time), id(d.last_connection_date_time)} == ids  # reused
    for o in (d.enrolled_date_time, d.last_connection_date_time):
        assert hash(o) == hash(fresh(second)) != old_hash
        assert o == second and o.utcoffset() == timedelta(hours=-3)
        assert {o: 1}[fresh(second)] == 1 and fresh(second) in {o}
    check(d)
    del keep


@reuse
def test_a_spare_with_another_offset_gets_the_new_tzinfo_and_utc_the_singleton() -> None:
    keep = drain_spares()
    c = NdesConnector.from_json(doc(datetime(2026, 1, 2, tzinfo=tz(840)), None))
    i = id(c.last_connection_date_time)
    del c
    d = NdesConnector.from_json(b'{"lastConnectionDateTime":"2026-01-02T00:00:00.5z"}')
    assert id(d.last_connection_date_time) == i
    assert d.last_connection_date_time.tzinfo is UTC
    assert d.last_connection_date_time.isoformat() == "2026-01-02T00:00:00.500000+00:00"
    del d
    e = NdesConnector.from_json(b'{"lastConnectionDateTime":"2026-01-02T00:00:00-14:00"}')
    assert id(e.last_connection_date_time) == i
    assert e.last_connection_date_time.utcoffset() == timedelta(hours=-14)
    check(e)
    del keep


@reuse
def test_timezone_counts_stay_flat_while_spares_change_offsets() -> None:
    """Spares swap their tzinfo when refilled with another offset: the old one must lose the
    reference the spare had and the new one gain exactly one, or the counts drift per cycle."""
    offsets = [330, -180, 0, 840, -840, 1]
    docs = [
        doc(
            datetime(2026, 1, 2, tzinfo=tz(m)),
            datetime(2025, 1, 2, tzinfo=tz(offsets[(k + 1) % len(offsets)])),
        )
        for k, m in enumerate(offsets)
    ]
    ref = [NdesConnector.from_json(d) for d in docs]
    held = [r.last_connection_date_time.tzinfo for r in ref]
    assert held[2] is UTC and all(type(t) is timezone for t in held)
    reused = 0
    counts = []
    for cycle in range(8):
        for r in range(20):
            batch = [
                NdesConnector.from_json(docs[(i * 7 + r + cycle) % len(docs)]) for i in range(120)
            ]
            ids = {id(getattr(b, n)) for b in batch for n in DATES}
            del batch
            again = [NdesConnector.from_json(docs[(i + r) % len(docs)]) for i in range(120)]
            reused += len(ids & {id(getattr(a, n)) for a in again for n in DATES})
            del again
        # the same batches end each cycle, so the spares hold the same mix of offsets
        for i in range(240):
            NdesConnector.from_json(docs[i % len(docs)])
        counts.append([sys.getrefcount(t) for t in held])
    assert reused > 1000
    assert all(c == counts[1] for c in counts[1:]), counts
    check_every_live_connector()


# --- every way of setting a date, and failed sets -----------------------------------------


class RaisingTZ(tzinfo):
    def __init__(self, action=None) -> None:
        self.action = action

    def utcoffset(self, dt):
        if self.action:
            self.action()
        raise RuntimeError("utcoffset failed")


class SecondsTZ(tzinfo):
    def utcoffset(self, dt):
        return timedelta(hours=1, seconds=30)


class NotADeltaTZ(tzinfo):
    def utcoffset(self, dt):
        return 60


BAD_VALUES = [
    ("naive", lambda: datetime(2020, 1, 1), ValidationError),
    ("seconds offset", lambda: datetime(2020, 1, 1, tzinfo=SecondsTZ()), ValidationError),
    ("not a delta", lambda: datetime(2020, 1, 1, tzinfo=NotADeltaTZ()), ValidationError),
    ("raising tz", lambda: datetime(2020, 1, 1, tzinfo=RaisingTZ()), RuntimeError),
    ("bad text", lambda: "2020-02-30T00:00:00Z", ValidationError),
    ("no offset text", lambda: "2020-01-01T00:00:00", ValidationError),
    ("lone surrogate", lambda: "2020-01-01T00:00:00Z\ud800", ValidationError),
    ("int", lambda: 1577836800, ValidationError),
    ("bytes", lambda: b"2020-01-01T00:00:00Z", ValidationError),
    ("offset beyond 14h", lambda: datetime(2020, 1, 1, tzinfo=tz(15 * 60)), ValidationError),
    ("year 10000 in UTC", lambda: "9999-12-31T23:00:00-14:00", None),  # accepted or refused
]


@pytest.mark.parametrize("name", DATES)
@pytest.mark.parametrize("label,make,error", BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_a_failed_set_leaves_object_and_encoding_as_they_were(name, label, make, error) -> None:
    keep = drain_spares()  # the failed set must not be able to hide behind a spare either
    start = datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=tz(-90))
    c = NdesConnector(**{name: start})
    before, text, packed = getattr(c, name), c.to_json(), c.to_msgpack()
    other = NdesConnector(**{name: start})
    try:
        setattr(c, name, make())
    except Exception as e:  # noqa: BLE001 - which one is checked below
        assert error is not None and isinstance(e, error), e
        assert getattr(c, name) is before and before == start and hash(before) == hash(start)
        assert c.to_json() == text and c.to_msgpack() == packed and c == other
    else:
        assert error is None, label
    check(c)
    del keep


@pytest.mark.parametrize("name", DATES)
def test_a_utcoffset_that_sets_the_field_then_fails_leaves_its_own_value(name) -> None:
    c = NdesConnector(**{name: "2001-01-01T00:00:00Z"})
    churn: list[NdesConnector] = []

    def meddle() -> None:
        setattr(c, name, "2002-02-02T02:02:02+02:00")
        churn.extend(
            NdesConnector.from_json(doc(datetime(2003, 3, 3, tzinfo=tz(k)), None))
            for k in range(40)
        )
        del churn[::2]

    with pytest.raises(RuntimeError):
        setattr(c, name, datetime(2020, 1, 1, tzinfo=RaisingTZ(meddle)))
    assert getattr(c, name) == datetime(2002, 2, 2, 2, 2, 2, tzinfo=tz(120))
    assert json.loads(c.to_json())[WIRE[name]] == "2002-02-02T02:02:02+02:00"
    check_every_live_connector()


@pytest.mark.parametrize("name", DATES)
def test_a_utcoffset_that_sets_the_field_then_succeeds_is_overridden(name) -> None:
    c = NdesConnector(**{name: "2001-01-01T00:00:00Z"})

    class Meddles(tzinfo):
        def utcoffset(self, dt):
            setattr(c, name, "2002-02-02T02:02:02+02:00")
            del c.enrolled_date_time
            return timedelta(minutes=-30)

    setattr(c, name, datetime(2020, 1, 1, tzinfo=Meddles()))
    assert getattr(c, name) == datetime(2020, 1, 1, tzinfo=tz(-30))
    assert getattr(c, name).tzinfo == tz(-30)
    check(c)


def test_every_way_of_setting_a_date_keeps_object_and_value_together() -> None:
    keep = drain_spares()
    d1 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=tz(330))
    d2 = datetime(1, 1, 2, tzinfo=UTC)
    ways = [
        NdesConnector(last_connection_date_time=d1, enrolled_date_time=wire_text(d2)),
        NdesConnector.from_dict({"lastConnectionDateTime": d1, "enrolledDateTime": wire_text(d2)}),
        NdesConnector.from_dict({"lastConnectionDateTime": None, "enrolledDateTime": d2}),
        NdesConnector.from_json(doc(d1, d2)),
        NdesConnector.from_json(doc(d1, d2).decode()),
        NdesConnector.from_json(bytearray(doc(d1, d2))),
        NdesConnector.from_json(memoryview(doc(d1, d2))),
        NdesConnector.from_msgpack(NdesConnector.from_json(doc(d1, d2)).to_msgpack()),
        NdesConnector.from_json(b'{"lastConnectionDateTime":null,"enrolledDateTime":null}'),
        *NdesConnector.from_json_array(b"[" + doc(d1, d2) + b"," + doc(None, d1) + b"]"),
        *NdesConnector.from_msgpack_array(
            NdesConnector.to_msgpack_array([NdesConnector.from_json(doc(d2, None))])
        ),
        *NdesConnector.from_json_page(b'{"value":[' + doc(d1, None) + b'],"@odata.nextLink":null}')[
            0
        ],
        *NdesConnector.from_msgpack_page(msgpack.packb({"value": [json.loads(doc(d2, d1))]}))[0],
        NdesConnector.from_msgpack(
            msgpack.packb(
                {
                    "lastConnectionDateTime": msgpack.Timestamp.from_datetime(d1),
                    "enrolledDateTime": msgpack.Timestamp(0, 5),
                }
            )
        ),
        pickle.loads(pickle.dumps(NdesConnector.from_json(doc(d1, d2)))),
        copy.copy(NdesConnector.from_json(doc(d1, d2))),
        copy.deepcopy(NdesConnector.from_json(doc(d1, d2))),
    ]
    for c in ways:
        check(c)
    c = NdesConnector()
    for value in (
        d1,
        wire_text(d2),
        None,
        fresh(d1),
        d2.astimezone(tz(-840)),
        "2026-01-02t03:04:05.1234567z",
    ):
        for name in DATES:
            setattr(c, name, value)
            check(c)
            if value is None:
                assert getattr(c, name) is None
            else:
                assert getattr(c, name) is not value  # a copy, never the caller's object
        del c.enrolled_date_time
        check(c)
    assert c.enrolled_date_time is None and c.last_connection_date_time is not None
    # a connector back from the free list has no date
    ids = {id(w) for w in ways}
    del ways
    news = [NdesConnector() for _ in range(40)]
    assert ids & {id(n) for n in news} or sysconfig.get_config_var("Py_GIL_DISABLED")
    for n in news:
        assert n.last_connection_date_time is None and n.enrolled_date_time is None
        assert n == NdesConnector() and json.loads(n.to_json()) == {
            "@odata.type": "#microsoft.graph.ndesConnector"
        }
    del keep


def test_user_datetimes_are_never_kept_and_never_change() -> None:
    class Mine(datetime):
        pass

    class Fixed(tzinfo):
        def utcoffset(self, dt):
            return timedelta(hours=2)

    given = [
        Mine(2026, 1, 2, tzinfo=UTC),
        datetime(2026, 1, 2, fold=1, tzinfo=tz(60)),
        datetime(2026, 1, 2, 3, tzinfo=Fixed()),
        datetime(2026, 1, 2, tzinfo=timezone(timedelta(0), "GMT")),
    ]
    texts = [(g.isoformat(), repr(g), g.fold, type(g)) for g in given]
    connectors = []
    for g in given:
        c = NdesConnector(enrolled_date_time=g)
        assert type(c.enrolled_date_time) is datetime and c.enrolled_date_time is not g
        assert c.enrolled_date_time == g and c.enrolled_date_time.fold == 0
        check(c)
        connectors.append(c)
    del connectors, c
    churn = [
        NdesConnector.from_json(doc(datetime(1990, 1, 1, tzinfo=tz(k)), None)) for k in range(600)
    ]
    assert [(g.isoformat(), repr(g), g.fold, type(g)) for g in given] == texts
    assert not {id(g) for g in given} & {id(x.last_connection_date_time) for x in churn}


# --- escapes: every way a datetime can be held, then heavy churn ---------------------------


def test_a_date_cannot_be_held_without_a_reference() -> None:
    """Reuse rests on the count: a weak reference, which does not count, would still reach a
    datetime kept as a spare and see it filled again. datetime takes none (nor attributes) in
    every Python ndes supports; should one ever take them, the spare check must look at the
    weak reference list too, and this test says so."""
    c = NdesConnector.from_json(b'{"enrolledDateTime":"2026-01-02T03:04:05+05:30"}')
    d = c.enrolled_date_time
    assert type(d).__weakrefoffset__ == 0 and type(d).__dictoffset__ == 0
    with pytest.raises(TypeError):
        weakref.ref(d)
    with pytest.raises(AttributeError):
        d.note = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        vars(c)


@reuse
def test_no_held_date_changes_whatever_holds_it() -> None:
    rng = random.Random(6)
    holders: dict = {}
    held_set: set = set()
    held: list[tuple[datetime, str, int]] = []
    dumps: list[tuple[bytes, str]] = []
    reused_ids = 0
    old_ids: set[int] = set()

    def remember(o: datetime) -> None:
        held.append((o, repr(o), hash(o)))

    for round_ in range(40):
        batch = [
            NdesConnector.from_json(
                doc(
                    datetime(
                        2000 + rng.randrange(50),
                        1 + rng.randrange(12),
                        1 + rng.randrange(28),
                        rng.randrange(24),
                        tzinfo=tz(rng.randrange(-840, 841)),
                    ),
                    datetime(
                        2000,
                        1,
                        1,
                        microsecond=rng.randrange(10**6),
                        tzinfo=tz(rng.choice([0, 60, -60])),
                    ),
                )
            )
            for _ in range(60)
        ]
        reused_ids += len(old_ids & {id(b.last_connection_date_time) for b in batch})
        for k, c in enumerate(batch):
            way = (k + round_) % 8
            if way == 0:
                remember(c.last_connection_date_time)
            elif way == 1:  # the collector does not report dates (connector_traverse): by name
                remember(operator.attrgetter("last_connection_date_time")(c))
            elif way == 2:
                holders[c.enrolled_date_time] = k  # a dict key
                remember(c.enrolled_date_time)
            elif way == 3:
                held_set.add(c.last_connection_date_time)
                remember(c.last_connection_date_time)
            elif way == 4:
                dumps.append((pickle.dumps(c.enrolled_date_time), repr(c.enrolled_date_time)))
                remember(c.enrolled_date_time)
            elif way == 5:
                remember(copy.copy(c.enrolled_date_time))
                remember(c.enrolled_date_time.astimezone(c.enrolled_date_time.tzinfo))  # itself
            elif way == 6:
                remember(min(c.last_connection_date_time, c.enrolled_date_time))
        old_ids = {id(b.last_connection_date_time) for b in batch} | {
            id(b.enrolled_date_time) for b in batch
        }
        for o, _, _ in held:
            old_ids.discard(id(o))
        del batch, c
        if round_ % 10 == 9:
            gc.collect()
    assert reused_ids > 100  # spares were filled again in between
    for o, r, h in held:
        assert repr(o) == r and hash(o) == h and hash(fresh(o)) == h
    assert all(repr(pickle.loads(b)) == r for b, r in dumps)
    assert all(k in holders for k in list(holders)) and all(k in held_set for k in list(held_set))
    check_every_live_connector()


@reuse
def test_more_connectors_dropped_at_once_than_spares_are_kept() -> None:
    first = [
        NdesConnector.from_json(
            doc(datetime(2000, 1, 1 + i % 28, tzinfo=tz(i % 60)), datetime(2001, 1, 1, tzinfo=UTC))
        )
        for i in range(1500)
    ]
    ids = {id(c.last_connection_date_time) for c in first} | {
        id(c.enrolled_date_time) for c in first
    }
    del first
    second = [
        NdesConnector.from_json(doc(datetime(2010, 2, 1 + i % 28, tzinfo=tz(-(i % 60))), None))
        for i in range(1500)
    ]
    got = [c.last_connection_date_time for c in second]
    assert len({id(g) for g in got}) == 1500
    assert ids & {id(g) for g in got}
    assert all(g == datetime(2010, 2, 1 + i % 28, tzinfo=tz(-(i % 60))) for i, g in enumerate(got))
    assert all(c.enrolled_date_time is None for c in second)
    check_every_live_connector()


@reuse
def test_a_random_run_of_sets_decodes_and_drops_matches_a_model() -> None:
    """Thousands of operations chosen by a seeded generator, each connector's dates tracked in
    a plain dict: every connector, and every datetime held after its connector changed or went,
    reads as the model says after every step."""
    rng = random.Random(20261130)
    live: list[tuple[NdesConnector, dict]] = []  # connector, model: attribute -> wire text
    held: list[tuple[datetime, str]] = []

    def random_date() -> datetime:
        return datetime(
            rng.randrange(1, 10000),
            rng.randrange(1, 13),
            rng.randrange(1, 29),
            rng.randrange(24),
            rng.randrange(60),
            rng.randrange(60),
            rng.choice([0, rng.randrange(10**6)]),
            tzinfo=tz(rng.choice([0, 0, 60, -60, 330, -840, 840, rng.randrange(-840, 841)])),
        )

    def model_of(c: NdesConnector) -> dict:
        return {n: wire_text(getattr(c, n)) for n in DATES if getattr(c, n) is not None}

    for step in range(4000):
        op = rng.randrange(10)
        if op < 3 or not live:
            dates = {n: random_date() for n in DATES if rng.random() < 0.8}
            data = NdesConnector(**dates)
            maker = rng.choice(
                [
                    lambda d=data: NdesConnector.from_json(d.to_json()),
                    lambda d=data: NdesConnector.from_msgpack(d.to_msgpack()),
                    lambda d=data: NdesConnector.from_dict(d.to_dict()),
                    lambda d=data: NdesConnector.from_json_array(b"[" + d.to_json() + b"]")[0],
                    lambda d=dates: NdesConnector(**d),
                ]
            )
            c = maker()
            live.append((c, {n: wire_text(v) for n, v in dates.items()}))
        elif op < 5:
            c, model = rng.choice(live)
            name = rng.choice(DATES)
            if rng.random() < 0.2:
                setattr(c, name, None)
                model.pop(name, None)
            else:
                value = random_date()
                setattr(c, name, value if rng.random() < 0.5 else wire_text(value))
                model[name] = wire_text(value)
        elif op < 6:
            c, model = rng.choice(live)
            name = rng.choice(DATES)
            with pytest.raises(ValidationError):
                setattr(c, name, rng.choice([datetime(2020, 1, 1), "2020-13-01T00:00:00Z", 5]))
        elif op < 8:
            c, _ = live.pop(rng.randrange(len(live)))
            for o in (c.last_connection_date_time, c.enrolled_date_time):
                hash(o)  # cached in the object, which may become a spare
            del c, o
        else:
            c, _ = rng.choice(live)
            o = getattr(c, rng.choice(DATES))
            if o is not None:
                hash(o)
                held.append((o, wire_text(o)))
        if step % 97 == 0:
            for c, model in live:
                assert model_of(c) == model
                check(c)
            for o, text in held:
                assert wire_text(o) == text
            if step % 970 == 0:
                gc.collect()
    for c, model in live:
        assert model_of(c) == model
    for o, text in held:
        assert wire_text(o) == text and hash(o) == hash(fresh(o))
    assert len(held) > 200 and len(live) > 10
    check_every_live_connector()


# --- finalizers and the collector ---------------------------------------------------------


class Churns:
    """A finalizer that decodes, sets, keeps and drops connectors, and checks them all."""

    log: list[str] = []

    def __init__(self, tag: str, victim: NdesConnector | None = None) -> None:
        self.tag = tag
        self.victim = victim

    def __del__(self) -> None:
        kept = []
        for i in range(120):
            c = NdesConnector.from_json(doc(datetime(2000, 1, 1 + i % 28, tzinfo=tz(i)), None))
            c.enrolled_date_time = datetime(2001, 1, 1, i % 24, tzinfo=tz(-i))
            if i % 5 == 0:
                kept.append(c)
        if self.victim is not None:
            # a connector the finalizer can still reach: its dates are whatever is set now
            self.victim.enrolled_date_time = "2011-11-11T11:11:11+11:00"
            check(self.victim)
        for k, c in enumerate(kept):
            i = 5 * k
            assert c.last_connection_date_time == datetime(2000, 1, 1 + i % 28, tzinfo=tz(i))
            assert c.enrolled_date_time == datetime(2001, 1, 1, i % 24, tzinfo=tz(-i))
            check(c)
        Churns.log.append(self.tag)


def test_finalizers_run_while_fields_are_released_see_consistent_connectors() -> None:
    Churns.log.clear()
    survivor = NdesConnector.from_json(
        doc(datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC))
    )
    for k in range(5):
        c = NdesConnector.from_json(
            doc(datetime(2026, 1, 2, tzinfo=tz(k)), datetime(2026, 1, 3, tzinfo=tz(-k)))
        )
        c.role_scope_tag_ids = ["a"]
        c.role_scope_tag_ids.append(Churns(f"tags{k}", survivor))
        c.additional_data["x"] = [Churns(f"extra{k}")]
        del c
    # through the collector: connectors in cycles with each other and the finalizers
    for k in range(5):
        a = NdesConnector.from_json(doc(datetime(2026, 1, 2, tzinfo=tz(k)), None))
        b = NdesConnector.from_json(doc(None, datetime(2026, 1, 3, tzinfo=tz(k))))
        a.additional_data["peer"] = b
        b.additional_data["peer"] = a
        a.additional_data["f"] = Churns(f"cycle{k}", survivor)
        b.role_scope_tag_ids = ["b"]
        b.role_scope_tag_ids.append(Churns(f"cycle-tags{k}"))
        del a, b
    gc.collect()
    assert sorted(Churns.log) == sorted(
        [f"tags{k}" for k in range(5)]
        + [f"extra{k}" for k in range(5)]
        + [f"cycle{k}" for k in range(5)]
        + [f"cycle-tags{k}" for k in range(5)]
    )
    assert survivor.enrolled_date_time == datetime(2011, 11, 11, 11, 11, 11, tzinfo=tz(660))
    check_every_live_connector()


def test_a_finalizer_made_during_collection_reaches_a_cleared_connector() -> None:
    """A connector in a garbage cycle whose finalizer, run by the collector, stores a new object
    with a finalizer in the connector: that one runs while tp_clear releases the connector's
    additional data, and resurrects nothing; it reads and sets connectors meanwhile."""
    seen: list[object] = []

    class Late:
        def __del__(self) -> None:
            live = [o for o in gc.get_objects() if type(o) is NdesConnector]
            for o in live:
                check(o)
            x = NdesConnector.from_json(
                doc(datetime(2020, 1, 1, tzinfo=tz(7)), datetime(2021, 1, 1, tzinfo=UTC))
            )
            seen.append((x.last_connection_date_time, x.enrolled_date_time))

    class Early:
        def __init__(self, c: NdesConnector) -> None:
            self.c = c

        def __del__(self) -> None:
            self.c.additional_data["late"] = [Late()]
            self.c.last_connection_date_time = "2019-01-01T00:00:00+01:00"

    for k in range(20):
        c = NdesConnector.from_json(
            doc(datetime(2026, 1, 2, tzinfo=tz(k)), datetime(2026, 1, 3, tzinfo=tz(k)))
        )
        c.additional_data["early"] = [Early(c)]
        del c
    gc.collect()
    gc.collect()
    assert len(seen) == 20
    for last, enrolled in seen:
        assert last == datetime(2020, 1, 1, tzinfo=tz(7)) and enrolled == datetime(
            2021, 1, 1, tzinfo=UTC
        )
    assert len({id(d) for pair in seen for d in pair}) == 40
    check_every_live_connector()


def test_a_connector_cleared_by_the_collector_and_still_alive_reads_and_encodes_empty() -> None:
    """The collector clears c (tp_clear) while another piece of the garbage, x, still holds it;
    then clearing y runs a finalizer made during the collection, which finds c through
    gc.get_objects(): c must read and encode as empty (no date in the encoding while the
    attribute says None), take new dates, and survive when the finalizer keeps it."""
    seen: list[tuple] = []
    kept: list[NdesConnector] = []

    class Late:
        def __init__(self, target: int) -> None:
            self.target = target

        def __del__(self) -> None:
            for o in gc.get_objects():
                if type(o) is NdesConnector and id(o) == self.target:
                    seen.append((o.display_name, o.last_connection_date_time, o.to_json()))
                    check(o)
                    o.enrolled_date_time = "2030-01-02T03:04:05-07:00"
                    check(o)
                    kept.append(o)

    class Early:
        def __init__(self, y: list, target: int) -> None:
            self.y, self.target = y, target

        def __del__(self) -> None:
            self.y.append(Late(self.target))

    gc.collect()
    gc.disable()  # no collection in between, which would change the order set up below
    try:
        for k in range(5):
            c = NdesConnector(
                display_name="victim",
                last_connection_date_time=datetime(2026, 1, 2, tzinfo=tz(k)),
                enrolled_date_time=datetime(2026, 1, 3, tzinfo=tz(-k)),
            )
            y: list = []  # made before x: the collector clears c, then y, then x
            x = [c, y]
            y.append(x)
            y.append(Early(y, id(c)))
            del c, x, y
        gc.collect()
    finally:
        gc.enable()
    empty = b'{"@odata.type":"#microsoft.graph.ndesConnector"}'
    assert seen == [(None, None, empty)] * 5  # the collector's order made the case happen
    for o in kept:
        assert o.enrolled_date_time == datetime(2030, 1, 2, 3, 4, 5, tzinfo=tz(-420))
        check(o)
    del kept[:]
    check_every_live_connector()


# --- threads, and a second instance of the extension module -------------------------------


@reuse
def test_threads_decoding_and_dropping_get_their_own_values() -> None:
    errors: list[str] = []

    def work(t: int) -> None:
        try:
            for r in range(150):
                want = [
                    datetime(2000 + t, 1 + r % 12, 1 + k, tzinfo=tz(t * 60 + k)) for k in range(10)
                ]
                got = NdesConnector.from_json_array(
                    b"[" + b",".join(doc(w, w) for w in want) + b"]"
                )
                for w, c in zip(want, got, strict=True):
                    if not (c.last_connection_date_time == w and c.enrolled_date_time == w):
                        errors.append(f"{t} {r} {w} {c!r}")
                    if repr(c.enrolled_date_time) != repr(fresh(w)):
                        errors.append(f"{t} {r} {repr(c.enrolled_date_time)} != {repr(fresh(w))}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    with switching_often():
        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    assert errors == []


def test_a_second_module_instance_keeps_its_spares_apart_and_frees_them() -> None:
    spec = importlib.util.find_spec("ndes._core")
    m2 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m2)
    C2 = m2.NdesConnector
    assert C2 is not NdesConnector
    a = [C2.from_json(doc(datetime(2026, 1, 2, tzinfo=tz(45)), None)) for _ in range(300)]
    b = [
        NdesConnector.from_json(doc(datetime(2026, 1, 2, tzinfo=tz(45)), None)) for _ in range(300)
    ]
    tz2, tz1 = a[0].last_connection_date_time.tzinfo, b[0].last_connection_date_time.tzinfo
    assert tz2 == tz1 and tz2 is not tz1  # each module its own timezone objects
    del a, b
    x = [C2.from_json(doc(datetime(2000, 1, 1, tzinfo=tz(-45)), None)) for _ in range(200)]
    y = [
        NdesConnector.from_json(doc(datetime(2001, 1, 1, tzinfo=tz(-45)), None)) for _ in range(200)
    ]
    assert all(c.last_connection_date_time.year == 2000 for c in x)
    assert all(c.last_connection_date_time.year == 2001 for c in y)
    assert not {id(c.last_connection_date_time) for c in x} & {
        id(c.last_connection_date_time) for c in y
    }
    base = sys.getrefcount(tz2)
    del x, C2, m2, spec
    gc.collect()
    # the module and its spares are gone: they held every other reference to its timezone
    assert sys.getrefcount(tz2) < base and sys.getrefcount(tz2) == 2
    check_every_live_connector()


# --- fault injection: an allocation that fails in the middle of a set or a decode ----------

try:
    import _testcapi
except ImportError:  # pragma: no cover - an interpreter built without the test module
    _testcapi = None


@pytest.mark.skipif(
    _testcapi is None or not hasattr(_testcapi, "set_nomemory"), reason="no _testcapi"
)
@pytest.mark.parametrize("spares", [False, True], ids=["allocating", "from-spares"])
def test_an_allocation_failing_midway_leaves_the_date_whole(spares: bool) -> None:
    keep = drain_spares()
    outcomes = {"set": 0, "failed": 0}
    for k in range(60):
        c = NdesConnector(enrolled_date_time="2001-02-03T04:05:06+01:00")
        if spares:
            NdesConnector.from_json(doc(None, datetime(1970, 1, 1, tzinfo=UTC)))  # one spare
        before, text = c.enrolled_date_time, c.to_json()
        new = f"2011-02-03T04:05:06+{k % 14:02d}:{(k * 7) % 60:02d}"
        gc.disable()
        _testcapi.set_nomemory(k // 3, 0)
        try:
            c.enrolled_date_time = new
            ok = True
        except MemoryError:
            ok = False
        finally:
            _testcapi.remove_mem_hooks()
            gc.enable()
        if ok:
            outcomes["set"] += 1
            assert c.enrolled_date_time == datetime.fromisoformat(new)
        else:
            outcomes["failed"] += 1
            assert c.enrolled_date_time is before and c.to_json() == text
        check(c)
    assert outcomes["set"] and outcomes["failed"] if not spares else outcomes["set"]
    # decodes failing midway drop their half-built connectors; what follows is whole
    data = (
        b"["
        + b",".join(
            doc(datetime(2002, 1, 1, tzinfo=tz(i)), datetime(2003, 1, 1, tzinfo=tz(-i)))
            for i in range(30)
        )
        + b"]"
    )
    for k in range(0, 400, 7):
        gc.disable()
        _testcapi.set_nomemory(k, 0)
        try:
            got = NdesConnector.from_json_array(data)
        except MemoryError:
            got = None
        finally:
            _testcapi.remove_mem_hooks()
            gc.enable()
        if got is not None:
            assert [g.last_connection_date_time for g in got] == [
                datetime(2002, 1, 1, tzinfo=tz(i)) for i in range(30)
            ]
    check_every_live_connector()
    del keep


# --- child processes: the debug allocator, interpreter teardown, valgrind ------------------

# The finalizers that run at exit use only ndes and compare encodings: CPython 3.13.0's own
# timedelta code crashes when a finalizer run by the exit's collection calls it (seen with
# `timezone(timedelta(minutes=1))` alone, without ndes).
TEARDOWN_PROGRAM = textwrap.dedent(
    """
    import gc, importlib.util, sys
    from ndes import NdesConnector

    DOC = b'{"lastConnectionDateTime":"2026-01-02T00:00:00Z",' \\
          b'"enrolledDateTime":"2026-01-02T03:04:05.000006+05:30"}'

    def text(i):
        return "%04d-01-01T00:00:00+%02d:%02d" % (2000 + i % 50, i % 14, i % 60)

    class Churn:
        def __init__(self, tag, cls=NdesConnector):
            self.tag, self.cls = tag, cls
        def __del__(self):
            out = []
            for i in range(1, 200):
                c = self.cls.from_json(DOC)
                c.enrolled_date_time = text(i)
                if i % 7 == 0:
                    out.append((i, c))
                del c
            for i, o in out:
                want = (
                    b'{"@odata.type":"#microsoft.graph.ndesConnector","lastConnectionDateTime":'
                    b'"2026-01-02T00:00:00Z","enrolledDateTime":"' + text(i).encode() + b'"}'
                )
                assert o.to_json() == want, (o.to_json(), want)
            sys.stdout.write(self.tag + "\\n")

    a = NdesConnector.from_json(DOC)
    b = NdesConnector.from_json(DOC)
    a.additional_data["peer"] = b
    b.additional_data["peer"] = a
    a.additional_data["f"] = Churn("cycle")
    b.role_scope_tag_ids = ["x"]
    b.role_scope_tag_ids.append(Churn("tags"))
    del a, b
    gc.collect()
    spec = importlib.util.find_spec("ndes._core")
    m2 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m2)
    C2 = m2.NdesConnector
    keep2 = [C2.from_json(DOC) for _ in range(300)]
    del keep2
    x2 = C2.from_json(DOC)
    x2.additional_data["f"] = Churn("module2", C2)
    del x2, C2, m2
    gc.collect()
    m3 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m3)
    g3 = m3.NdesConnector.from_json(DOC)
    g3.additional_data["self"] = g3
    g3.additional_data["f"] = Churn("exit3", m3.NdesConnector)
    keep3 = [m3.NdesConnector.from_json(DOC) for _ in range(300)]
    del m3, keep3
    g1 = NdesConnector.from_json(DOC)
    g1.additional_data["f"] = Churn("exit1")
    g2 = NdesConnector.from_json(DOC)
    g2.additional_data["self"] = g2
    g2.additional_data["f"] = Churn("exit2")
    many = [NdesConnector.from_json(DOC) for _ in range(500)]
    print("main")
    """
)


NO_DATETIME_PROGRAM = textwrap.dedent(
    """
    import sys
    from ndes import NdesConnector
    sys.modules["datetime"] = None  # the first date now fails to import the datetime C API
    D = b'{"displayName":"a","enrolledDateTime":"2026-01-02T03:04:05+05:30"}'
    for f in (
        lambda: NdesConnector.from_json(D),
        lambda: NdesConnector.from_json_array(b"[" + D + b"]"),
        lambda: NdesConnector(enrolled_date_time="2026-01-02T03:04:05Z"),
    ):
        try:
            f()
        except ImportError:
            print("ImportError")
    c = NdesConnector(display_name="x")
    try:
        c.enrolled_date_time = "2026-01-02T03:04:05Z"
    except ImportError:
        print(c.enrolled_date_time, c.to_json().decode())
    del sys.modules["datetime"]
    c.enrolled_date_time = "2026-01-02T03:04:05Z"
    print(NdesConnector.from_json(D).enrolled_date_time.isoformat(), c.to_json().decode())
    """
)


def test_a_first_import_of_datetime_that_fails_midway_leaves_everything_whole(tmp_path) -> None:
    """Dates are made while decoding now, so the first decode with a date imports datetime:
    when that fails, the decode and the set fail with it and change nothing; the next works."""
    done = run_debug(NO_DATETIME_PROGRAM, tmp_path)
    assert done.returncode == 0 and not done.stderr, done.stderr[-3000:]
    x = '{"@odata.type":"#microsoft.graph.ndesConnector","displayName":"x"'
    assert done.stdout.splitlines() == [
        "ImportError",
        "ImportError",
        "ImportError",
        f"None {x}}}",
        f'2026-01-02T03:04:05+05:30 {x},"enrolledDateTime":"2026-01-02T03:04:05Z"}}',
    ]


# A second instance of the extension module, dropped with a connector in the same garbage: the
# collector clears the module and the type (which drops its module) and the connector, which x
# still holds; a finalizer made during the collection then reaches the connector through
# gc.get_objects() and assigns to it. Attribute assignment is a slot, so it is reached even with
# the type's dict emptied; it used to look up its keywords in a module state that was gone.
CLEARED_MODULE_PROGRAM = textwrap.dedent(
    """
    import gc, importlib.util, json
    from ndes import NdesConnector as MAIN

    results = []

    class Late:
        def __del__(self):
            for o in gc.get_objects():
                t = type(o)
                if getattr(t, "__name__", "") != "NdesConnector" or t is MAIN:
                    continue
                results.append(("eq", o == o))
                for name, value in (
                    ("last_connection_date_time", "2026-01-01T00:00:00+01:00"),
                    ("enrolled_date_time", None),
                    ("display_name", "x"),
                    ("additional_data", {"a": 1}),
                    ("unknown", 1),
                ):
                    try:
                        setattr(o, name, value)
                        results.append((name, "set"))
                    except Exception as e:
                        results.append((name, type(e).__name__))
                try:
                    del o.enrolled_date_time
                    results.append(("del", "done"))
                except Exception as e:
                    results.append(("del", type(e).__name__))

    class Early:
        def __init__(self, y):
            self.y = y
        def __del__(self):
            self.y.append(Late())

    spec = importlib.util.find_spec("ndes._core")
    m2 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m2)
    C2 = m2.NdesConnector
    gc.collect()  # m2 and its type move to the oldest generation: the collector clears them first
    gc.disable()
    c = C2.from_json(b'{"enrolledDateTime":"2026-01-02T00:00:00+05:00","displayName":"d"}')
    y = []
    x = [c, y, m2]  # made after y: c is cleared, then y (running Late), then x
    y.append(x)
    y.append(Early(y))
    del c, x, y, m2, C2
    gc.collect()
    gc.enable()
    print(json.dumps(results))
    """
)


def test_assigning_to_a_connector_whose_module_the_collector_cleared_raises(tmp_path) -> None:
    done = run_debug(CLEARED_MODULE_PROGRAM, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    assert results[0] == ["eq", True]  # the case happened: the finalizer reached the connector
    assert len(results) == 7
    for name, outcome in results[1:]:
        assert outcome in ("TypeError", "RuntimeError", "AttributeError"), (name, outcome)


def test_finalizers_at_exit_and_a_dropped_module_under_the_debug_allocator(tmp_path) -> None:
    done = run_debug(TEARDOWN_PROGRAM, tmp_path, timeout=600)
    assert done.returncode == 0 and not done.stderr, done.stderr[-3000:]
    lines = done.stdout.split()
    assert lines[:4] == ["cycle", "tags", "module2", "main"], lines
    assert sorted(lines[4:]) == ["exit1", "exit2", "exit3"], lines


@pytest.mark.skipif(
    shutil.which("valgrind") is None,
    reason="valgrind is not installed (make system-deps installs it with apt-get)",
)
@pytest.mark.skipif("asan" in os.environ.get("LD_PRELOAD", ""), reason="ASan is preloaded")
def test_finalizers_at_exit_and_a_dropped_module_under_valgrind(tmp_path) -> None:
    supp = os.path.join(os.path.dirname(__file__), "valgrind-python.supp")
    done = run_debug(
        TEARDOWN_PROGRAM,
        tmp_path,
        cmd=["valgrind", "-q", "--error-exitcode=9", f"--suppressions={supp}"],
        env=dict(os.environ, PYTHONMALLOC="malloc"),
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.split()
    assert lines[:4] == ["cycle", "tags", "module2", "main"], lines
    assert sorted(lines[4:]) == ["exit1", "exit2", "exit3"], lines
