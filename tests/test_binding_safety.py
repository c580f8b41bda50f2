"""Hostile Python objects against the C binding (issue 9): values out of the core's ranges, and
Python code (__repr__, __eq__, utcoffset, finalizers) that frees or changes what the binding is
working on. Each of these crashed, tripped ASan or wrote wrong bytes before it was fixed; the
memory errors show under `make test-asan`, which runs with PYTHONMALLOC=malloc."""

from __future__ import annotations

import gc
import json
import sys
from datetime import datetime, timedelta, timezone, tzinfo

import msgpack
import pytest
from gc_stress import Nth, drain_free_lists, finalizers

from ndes import DecodeError, NdesConnector, ValidationError


class Offset(tzinfo):
    """A tzinfo whose utcoffset() answers anything: the binding calls it directly, without the
    range check datetime.utcoffset() makes."""

    def __init__(self, delta: timedelta) -> None:
        self.delta = delta

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return self.delta

    def dst(self, dt: datetime | None) -> None:
        return None


BAD_OFFSETS = [
    timedelta(hours=48),
    timedelta(minutes=65596),  # +01:00 once cut to 16 bits
    timedelta(hours=24),
    timedelta(hours=-24),
    timedelta(hours=14, minutes=1),  # beyond what Graph's DateTimeOffset takes
    timedelta(hours=-15),
    timedelta(days=999999999),
    timedelta(days=-999999999),
]


@pytest.mark.parametrize("delta", BAD_OFFSETS, ids=lambda d: f"{d.total_seconds() / 60:+.0f}min")
def test_utcoffset_out_of_range_is_refused_on_every_path(delta: timedelta) -> None:
    when = datetime(2026, 1, 1, tzinfo=Offset(delta))
    attempts = [
        lambda: NdesConnector(last_connection_date_time=when),
        lambda: NdesConnector.__new__(NdesConnector, last_connection_date_time=when),
        lambda: setattr(NdesConnector(), "last_connection_date_time", when),
        lambda: NdesConnector.from_dict({"lastConnectionDateTime": when}),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="UTC offset out of range") as e:
            attempt()
        assert e.value.field == "lastConnectionDateTime"
    c = NdesConnector(enrolled_date_time=datetime(2026, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(ValidationError):
        c.enrolled_date_time = when
    assert c.to_json().endswith(b'"enrolledDateTime":"2026-01-01T00:00:00Z"}')


def test_offsets_to_fourteen_hours_pass_everywhere() -> None:
    for hours in (14, -14):
        when = datetime(2026, 1, 1, tzinfo=Offset(timedelta(hours=hours)))
        c = NdesConnector(last_connection_date_time=when)
        text = f"2026-01-01T00:00:00{hours:+03d}:00"
        assert json.loads(c.to_json())["lastConnectionDateTime"] == text
        assert NdesConnector.from_json(c.to_json()) == c


@pytest.mark.parametrize("text", ["2026-01-01T00:00:00+14:01", "2026-01-01T00:00:00-23:59"])
def test_offset_text_beyond_graphs_range_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="UTC offset out of range") as e:
        NdesConnector(enrolled_date_time=text)
    assert e.value.field == "enrolledDateTime"
    with pytest.raises(DecodeError, match="UTC offset out of range"):
        NdesConnector.from_json(json.dumps({"enrolledDateTime": text}))
    with pytest.raises(DecodeError, match="UTC offset out of range"):
        NdesConnector.from_msgpack(msgpack.packb({"enrolledDateTime": text}))


def fresh(text: str) -> str:
    """A str no one else holds (not interned, not a constant)."""
    return "".join([text[:1], text[1:]])


def test_repr_that_clears_additional_data_while_an_error_names_it() -> None:
    class Inf(float):
        def __repr__(self) -> str:
            extra.clear()
            gc.collect()
            return "inf"

    extra = {fresh("victim-key"): Inf("inf"), fresh("other"): 1}
    with pytest.raises(ValidationError, match="inf is not a JSON number") as e:
        NdesConnector(additional_data=extra)
    assert e.value.field == "additional_data['victim-key']"

    c = NdesConnector()
    nested = {fresh("inner"): Inf("inf")}
    for out in (c.to_json, c.to_msgpack, c.to_dict):
        extra = c.additional_data
        extra[fresh("victim-key")] = {fresh("k"): nested}
        with pytest.raises(ValidationError) as e:
            out()
        assert e.value.field == "additional_data['victim-key']['k']['inner']"
        extra = nested  # the second walk's __repr__ clears the innermost dict


def test_eq_survives_a_value_eq_that_replaces_the_data_being_compared() -> None:
    class Rude:
        def __eq__(self, other: object) -> bool:
            a.additional_data = None
            a.role_scope_tag_ids = None
            gc.collect()
            return True

        __hash__ = None  # type: ignore[assignment]

    for field in ("additional_data", "role_scope_tag_ids"):
        a, b = NdesConnector(), NdesConnector()
        if field == "additional_data":
            for x in (a, b):
                for i in range(50):
                    x.additional_data[fresh(f"k{i}")] = Rude() if i == 0 else [i]
        else:
            a.role_scope_tag_ids = [fresh(f"t{i}") for i in range(50)]
            b.role_scope_tag_ids = list(a.role_scope_tag_ids)
            a.role_scope_tag_ids[0] = Rude()
        assert (a == b) in (True, False)  # whatever it says, it says it without a crash
        assert a.additional_data == {} and a.role_scope_tag_ids is None


def test_from_dict_survives_utcoffset_clearing_the_dict() -> None:
    class Clearing(tzinfo):
        def utcoffset(self, dt: datetime | None) -> timedelta:
            d.clear()
            gc.collect()
            return timedelta(hours=1)

        def dst(self, dt: datetime | None) -> None:
            return None

    d = {
        fresh("lastConnectionDateTime"): datetime(2026, 1, 1, tzinfo=Clearing()),
        fresh("displayName"): fresh("after"),
    }
    c = NdesConnector.from_dict(d)
    assert d == {}
    assert json.loads(c.to_json())["lastConnectionDateTime"] == "2026-01-01T00:00:00+01:00"
    kw = {"last_connection_date_time": datetime(2026, 1, 1, tzinfo=Clearing())}
    d = kw  # tp_new may be handed the caller's own dict
    c = NdesConnector.__new__(NdesConnector, **kw)
    assert c.last_connection_date_time == datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1)))


def test_arrays_grow_by_need_not_by_the_first_item() -> None:
    big = NdesConnector(display_name="x" * (10 << 20))
    items = [big] + [NdesConnector(display_name="s")] * 100_000
    for encode, decode in (
        (NdesConnector.to_json_array, NdesConnector.from_json_array),
        (NdesConnector.to_msgpack_array, NdesConnector.from_msgpack_array),
    ):
        out = encode(items)
        assert (10 << 20) < len(out) < (20 << 20)
        back = decode(out)
        assert len(back) == len(items) and back[0] == big and back[-1] == items[-1]


def ways_out(c: NdesConnector) -> dict[str, object]:
    return {
        "to_json": c.to_json,
        "to_msgpack": c.to_msgpack,
        "to_dict": c.to_dict,
        "to_json_array": lambda: NdesConnector.to_json_array([NdesConnector(), c]),
        "to_msgpack_array": lambda: NdesConnector.to_msgpack_array([NdesConnector(), c]),
    }


def refused_every_way_out(c: NdesConnector, field: str, reason: str) -> None:
    for name, out in ways_out(c).items():
        with pytest.raises(ValidationError, match=reason) as e:
            out()  # type: ignore[operator]
        want = f"[1].{field}" if name.endswith("array") else field
        assert e.value.field == want, name


def test_huge_int_is_one_validation_error_every_way_out() -> None:
    with pytest.raises(ValidationError, match="integer too large") as e:
        NdesConnector(additional_data={"a": [10**5000]})
    assert e.value.field == "additional_data['a'][0]"
    c = NdesConnector()
    c.additional_data["a"] = [10**5000]
    refused_every_way_out(c, "additional_data['a'][0]", "integer too large")


def test_role_tags_changed_in_place_are_refused_every_way_out() -> None:
    for bad, reason in ((5, "expected str, got int"), ("\ud800", "lone surrogate")):
        c = NdesConnector(role_scope_tag_ids=["a"])
        c.role_scope_tag_ids.append(bad)
        refused_every_way_out(c, "roleScopeTagIds[1]", reason)


def test_copies_take_no_lasting_reference_to_keys() -> None:
    key = fresh("inner")
    c = NdesConnector(additional_data={"a": {key: [1]}})
    before = sys.getrefcount(key)
    for _ in range(100):
        c.to_dict()
        NdesConnector.from_dict({"a": {key: [1]}})
    assert sys.getrefcount(key) == before


def test_to_dict_is_what_to_json_writes_for_str_subclasses() -> None:
    class S(str):
        pass

    c = NdesConnector(role_scope_tag_ids=["a"])
    c.role_scope_tag_ids.append(S("b"))
    d = c.to_dict()
    assert d["roleScopeTagIds"] == ["a", "b"] and type(d["roleScopeTagIds"][1]) is str
    assert d == json.loads(c.to_json())


# Finalizers that run while the binding allocates: each loop lands the hostile action at the
# 0th, 1st, ... collection of the call, so at each allocation in turn.


def test_tag_list_cleared_by_a_finalizer_while_it_is_checked() -> None:
    tags: list[str] = []
    nth = Nth(tags.clear)
    with finalizers(nth):
        for k in range(60):
            tags[:] = [fresh(f"tag{i}") for i in range(40)]
            held = drain_free_lists()
            nth.arm(k % 6)
            c = NdesConnector(role_scope_tag_ids=tags)
            del held
            assert all(type(t) is str for t in c.role_scope_tag_ids)


def test_tag_field_replaced_by_a_finalizer_while_to_dict_copies_it() -> None:
    c = NdesConnector()
    nth = Nth(lambda: setattr(c, "role_scope_tag_ids", None))
    with finalizers(nth):
        for k in range(60):
            c.role_scope_tag_ids = [fresh(f"tag{i}") for i in range(40)]
            held = drain_free_lists()
            nth.arm(k % 6)
            tags = c.to_dict().get("roleScopeTagIds", [])
            del held
            assert all(type(t) is str for t in tags)


def test_additional_data_cleared_by_a_finalizer_while_it_is_copied_and_written() -> None:
    c = NdesConnector()
    held: list[object] = []

    def clear() -> None:
        for x in held:
            x.clear()  # type: ignore[attr-defined]
        c.additional_data = None

    nth = Nth(clear)
    ways = [
        lambda extra: NdesConnector(additional_data=extra),
        NdesConnector.from_dict,
        lambda extra: setattr(c, "additional_data", extra),
        lambda extra: setattr(c, "additional_data", extra) or c.to_dict(),
        lambda extra: setattr(c, "additional_data", extra) or c.to_json(),
        lambda extra: setattr(c, "additional_data", extra) or c.to_msgpack(),
    ]
    with finalizers(nth):
        for way in ways:
            for k in range(40):
                inner = [[fresh(f"v{i}"), {fresh("k"): i}] for i in range(20)]
                extra = {fresh(f"key{i}"): inner for i in range(10)}
                held[:] = [inner, extra]
                free = drain_free_lists()
                nth.arm(k % 20)
                try:
                    way(extra)
                except ValidationError as e:
                    assert "changed size" in e.reason
                del free


@pytest.mark.skipif(
    sys.version_info[:2] != (3, 11),
    reason="only 3.11's collector ran the finalizer inside the getter's allocation (3.10: never "
    "in 40 tries, seen in CI; 3.12+ collects between bytecodes), so only there is the window hit",
)
def test_additional_data_set_by_a_finalizer_while_it_is_first_read_is_kept() -> None:
    c = NdesConnector()
    nth = Nth(lambda: setattr(c, "additional_data", {"set": "by a finalizer"}))
    ran_inside = 0
    with finalizers(nth):
        for k in range(40):
            c.additional_data = None
            held = drain_free_lists(k % 4)
            nth.arm(0)
            got = c.additional_data
            del held
            if nth.left == -1:  # the getter's allocation ran it
                ran_inside += 1
                assert got == {"set": "by a finalizer"} and got is c.additional_data
    assert ran_inside
