"""Freed connectors wait in a free list of their module for reuse: a reused one is as new, the
collector never sees one waiting, finalizers that run while one is freed find the list whole,
and a module that goes away frees its list while their type still exists."""

from __future__ import annotations

import gc
import importlib.util
import tracemalloc
import weakref

import pytest
from gc_stress import drain_free_lists, finalizers

import ndes._core
from ndes import DecodeError, NdesConnector, ValidationError
from ndes._fields import WIRE_NAMES

FULL = (
    b'{"id":"8ea5","lastConnectionDateTime":"2026-11-28T09:30:12.345678-08:00",'
    b'"state":"active","displayName":"NDES-01","enrolledDateTime":"2025-01-02T03:04:05+05:30",'
    b'"machineName":"ndes01","connectorVersion":"6.2","roleScopeTagIds":["0","12"],'
    b'"healthState":{"level":3},"kind":"x"}'
)
NAMES = tuple(WIRE_NAMES)  # every field, by its Python name
EMPTY_JSON = b'{"@odata.type":"#microsoft.graph.ndesConnector"}'

# Every way a connector with no field set is made.
WAYS_TO_AN_EMPTY_ONE = {
    "constructor": lambda: [NdesConnector()],
    "from_json": lambda: [NdesConnector.from_json(b"{}")],
    "from_msgpack": lambda: [NdesConnector.from_msgpack(b"\x80")],
    "from_dict": lambda: [NdesConnector.from_dict({})],
    "from_json_array": lambda: NdesConnector.from_json_array(b"[{},{},{}]"),
    "from_json_page": lambda: NdesConnector.from_json_page(b'{"value":[{},{}]}')[0],
}


def full_connectors(n: int) -> list[NdesConnector]:
    out = [NdesConnector.from_json(FULL) for _ in range(n)]
    for c in out:
        c.additional_data["more"] = [1, {"two": 2}]
    return out


def assert_empty(c: NdesConnector) -> None:
    assert [getattr(c, name) for name in NAMES] == [None] * len(NAMES)
    assert c.additional_data == {}
    assert c.to_json() == EMPTY_JSON
    assert c == NdesConnector()


def assert_full(c: NdesConnector) -> None:
    want = NdesConnector.from_json(FULL)
    assert [getattr(c, name) for name in NAMES] == [getattr(want, name) for name in NAMES]
    assert c.machine_name == "ndes01" and c.role_scope_tag_ids == ["0", "12"]
    assert c.last_connection_date_time.utcoffset().total_seconds() == -8 * 3600
    assert c.additional_data["healthState"] == {"level": 3}


def test_a_freed_connector_is_reused_with_no_new_memory() -> None:
    held: list[object] = [None] * 200
    tracemalloc.start()
    try:
        for i in range(len(held)):
            held[i] = NdesConnector(display_name="x")
        held[:] = [None] * len(held)  # all of them freed: at least 200 now wait for reuse
        before = tracemalloc.get_traced_memory()[0]
        for i in range(len(held)):
            held[i] = NdesConnector()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # A connector is over 100 bytes: 200 new ones would be 20 kB.
    assert grown < 8 * len(held), grown


@pytest.mark.parametrize("way", WAYS_TO_AN_EMPTY_ONE)
def test_a_reused_connector_keeps_nothing_of_the_one_before(way: str) -> None:
    for _ in range(3):
        full_connectors(300)  # made and freed at once: the free list is full of them
        made = [c for _ in range(100) for c in WAYS_TO_AN_EMPTY_ONE[way]()]
        for c in made:
            assert_empty(c)


def test_the_collector_never_sees_a_free_connector() -> None:
    def connectors() -> int:
        return sum(type(o) is NdesConnector for o in gc.get_objects())

    gc.collect()
    before = connectors()
    full_connectors(300)
    cycles = full_connectors(300)
    for c in cycles:
        c.additional_data["self"] = c  # freed by the collector: cleared, then deallocated
    del cycles, c
    gc.collect()
    assert connectors() == before


def test_subclassing_is_refused_so_the_list_holds_one_type() -> None:
    with pytest.raises(TypeError):
        type("Sub", (NdesConnector,), {})


def test_connectors_freed_while_an_exception_is_raised() -> None:
    def fail() -> None:
        made = full_connectors(20)  # noqa: F841  freed as the frame unwinds
        raise KeyError("kept")

    for _ in range(20):
        with pytest.raises(KeyError, match="kept"):
            fail()
        # The half-made connector is freed with the ValidationError already set.
        with pytest.raises(ValidationError, match="state"):
            NdesConnector(display_name="x", role_scope_tag_ids=["0"], state="broken")
        with pytest.raises(DecodeError):
            NdesConnector.from_json_array(b"[" + FULL + b"," + FULL[:40])
    assert_empty(NdesConnector())


class Meddler:
    """Sits in a connector; when that connector is freed, makes connectors, keeps one, frees the
    others (each of which holds a Meddler one level down) and resurrects itself."""

    kept: list[object] = []
    empty: list[NdesConnector] = []  # made inside __del__, checked outside (it cannot raise)

    def __init__(self, depth: int) -> None:
        self.depth = depth

    def __del__(self) -> None:
        Meddler.kept.append(self)
        made = [NdesConnector.from_json(FULL) for _ in range(3)]
        if self.depth:
            made[0].additional_data["m"] = Meddler(self.depth - 1)
            made[1].role_scope_tag_ids.append(Meddler(self.depth - 1))
        Meddler.kept.append(made.pop())
        Meddler.empty.append(NdesConnector())


def test_finalizers_that_make_keep_and_free_connectors_while_one_is_freed() -> None:
    Meddler.kept.clear()
    Meddler.empty.clear()
    try:
        for i in range(300):
            c = NdesConnector.from_json(FULL)
            if i % 2:
                c.additional_data["m"] = Meddler(2)
            else:
                c.role_scope_tag_ids.append(Meddler(2))
            del c
            fresh = NdesConnector()
            assert_empty(fresh)
        kept = [c for c in Meddler.kept if type(c) is NdesConnector]
        assert len(kept) == 300 * 7  # each top Meddler: itself, two below, four at the bottom
        for c in kept:
            assert_full(c)
        assert len(Meddler.empty) == 300 * 7
        for c in Meddler.empty:
            assert_empty(c)
    finally:
        Meddler.kept.clear()
        Meddler.empty.clear()


def test_connectors_freed_by_the_collector_while_finalizers_make_and_free_others() -> None:
    kept: list[NdesConnector] = []

    def meddle() -> None:
        made = full_connectors(3)
        kept.append(made[0])
        del made  # the other two freed inside whatever allocation ran this

    with finalizers(meddle) as state:
        for _ in range(200):
            cycle = full_connectors(4)
            for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
                a.additional_data["next"] = b
            held = drain_free_lists()
            del cycle, a, b
            c = NdesConnector.from_json(FULL)
            del held
            assert_full(c)
            assert_empty(NdesConnector())
    assert state["runs"]
    gc.collect()
    for c in kept:
        assert_full(c)


def load_core_again() -> object:
    """A second ndes._core module, with its own state and its own NdesConnector type."""
    spec = importlib.util.spec_from_file_location("ndes._core", ndes._core.__file__)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.NdesConnector is not NdesConnector
    return module


def freed_in(other: type, in_cycles: bool) -> None:
    made = [other.from_json(FULL) for _ in range(300)]
    if in_cycles:  # left for the collector, with their type and its module
        for c in made:
            c.additional_data["self"] = c


@pytest.mark.parametrize("in_cycles", [False, True])
def test_a_second_module_keeps_its_own_list_and_frees_it_when_it_goes(in_cycles: bool) -> None:
    module = load_core_again()
    other = module.NdesConnector  # type: ignore[attr-defined]
    freed_in(other, in_cycles)
    assert type(NdesConnector()) is NdesConnector
    assert type(other()) is other
    gone = weakref.ref(other)
    del module, other
    gc.collect()
    assert gone() is None
    assert_empty(NdesConnector())
