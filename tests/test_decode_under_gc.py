"""Decoding while the garbage collector runs finalizers at every allocation (issue 9, items 2
and 6): a finalizer that rewrites the caller's buffer or sets a connector's fields while the
binding is in the middle of making a field must change nothing the binding reads. With
gc.set_threshold(1), almost every allocation collects, so a finalizer parked in a reference
cycle runs inside the binding's next allocation (CPython <= 3.11 collects right there)."""

from __future__ import annotations

import gc
import itertools
import sys
from collections.abc import Callable, Iterator

import pytest

from ndes import NdesConnector

FIELDS = ("id", "display_name", "machine_name", "connector_version", "role_scope_tag_ids")
BODY = (
    b'{"id":"8ea5","displayName":"D\\u00e9","machineName":"m","connectorVersion":"6.2",'
    b'"roleScopeTagIds":["a","b","\xc3\xa9"],"healthState":{"level":3},"kind":"x"}'
)


class Finalizer:
    """Runs `action` when the cycle it sits in is collected for the `after`-th time: each
    collection before that parks a new one, so that the action lands in a later allocation."""

    def __init__(self, action: Callable[[], object], after: int) -> None:
        self.action = action
        self.after = after
        self.cycle = self

    def __del__(self) -> None:
        if self.after > 0:
            Finalizer(self.action, self.after - 1)
        else:
            self.action()


@pytest.fixture
def collect_always() -> Iterator[None]:
    old = gc.get_threshold()
    gc.collect()
    gc.set_threshold(1)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.collect()


def settle() -> None:
    """Lets every parked finalizer run."""
    while gc.collect():
        pass


def arm(action: Callable[[], object], after: int = 0) -> None:
    Finalizer(action, after)  # unreachable at once, kept by its cycle until a collection


SPRAY: list[bytes] = []


def set_every_field(c: NdesConnector) -> None:
    for name in FIELDS:
        setattr(c, name, None)
    # Memory the binding freed just now is handed out again, filled with 0xFF: a pointer still
    # held into it reads lengths of 4 GB.
    SPRAY.extend(bytes([0xFF]) * n for n in range(16, 256, 8))


@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize("fmt", ["json", "msgpack"])
def test_a_finalizer_that_sets_every_field_while_one_is_made(collect_always, name, fmt):
    want = NdesConnector.from_json(BODY)
    data = want.to_json() if fmt == "json" else want.to_msgpack()
    load = NdesConnector.from_json if fmt == "json" else NdesConnector.from_msgpack
    lists = []
    for after, shift in itertools.product(range(4), range(2)):
        c = load(data)
        # Lists come from a free list without a collection: empty it, so that the binding's
        # next list is a new allocation, which collects.
        lists.append([[] for _ in range(100)])
        arm(lambda c=c: set_every_field(c), after)
        pad = [] if shift else None  # one more allocation: collections fall elsewhere
        value = getattr(c, name)
        del pad
        # Either the field was made first (the value decoded) or the finalizer's None won; both
        # are whole values, and the connector stays usable.
        assert value in (getattr(want, name), None)
        c.to_json()
        c.to_msgpack()
        settle()
        assert c == NdesConnector.from_json(c.to_json())
    SPRAY.clear()


@pytest.mark.parametrize("fmt", ["json", "msgpack"])
def test_a_finalizer_that_sets_fields_while_encoding_or_comparing(collect_always, fmt):
    want = NdesConnector.from_json(BODY)
    data = want.to_json() if fmt == "json" else want.to_msgpack()
    load = NdesConnector.from_json if fmt == "json" else NdesConnector.from_msgpack
    for op in (
        lambda c: c.to_json(),
        lambda c: c.to_msgpack(),
        lambda c: c.to_dict(),
        lambda c: c == want,
        lambda c: repr(c),
        lambda c: NdesConnector.to_json_array([c, c]),
    ):
        lists = []
        for after, shift in itertools.product(range(4), range(2)):
            c = load(data)
            lists.append([[] for _ in range(100)])
            arm(lambda c=c: set_every_field(c), after)
            pad = [] if shift else None
            op(c)
            del pad
            settle()
            assert NdesConnector.from_json(c.to_json()) == c
    SPRAY.clear()


def rewrite(buf: bytearray) -> None:
    """Turns the first key of additional data into bytes that are not ASCII: that key is read
    before the first allocation that can collect, and the rest of the input stays valid."""
    for key in (b"healthState",):
        at = buf.find(b'"' + key + b'"')
        while at >= 0:
            buf[at + 1 : at + 1 + len(key)] = b"\xff" * len(key)
            at = buf.find(b'"' + key + b'"', at + 1)


@pytest.mark.parametrize(
    "view",
    [lambda b: b, memoryview, lambda b: memoryview(b).toreadonly(), lambda b: memoryview(b)[1:]],
    ids=["bytearray", "memoryview", "readonly-memoryview", "sliced-memoryview"],
)
def test_a_finalizer_that_rewrites_the_input_buffer(collect_always, view):
    for after, shift in itertools.product(range(6), range(2)):
        buf = bytearray(b" " + BODY)
        data = view(buf)
        arm(lambda buf=buf: rewrite(buf), after)
        pad = [] if shift else None  # one more allocation: collections fall elsewhere
        c = NdesConnector.from_json(data)
        del data, pad
        settle()
        assert c == NdesConnector.from_json(BODY)
        for key in c.additional_data:  # a str made from bytes scanned as ASCII must be ASCII
            assert key in ("healthState", "kind")


@pytest.mark.parametrize("fmt", ["json", "msgpack"])
def test_a_finalizer_that_rewrites_the_input_of_an_array_decode(collect_always, fmt):
    items = [NdesConnector.from_json(BODY)] * 3
    data = (
        NdesConnector.to_json_array(items)
        if fmt == "json"
        else NdesConnector.to_msgpack_array(items)
    )
    load = NdesConnector.from_json_array if fmt == "json" else NdesConnector.from_msgpack_array
    for after in range(16):
        buf = bytearray(data)
        arm(lambda buf=buf: rewrite(buf), after)
        assert load(buf) == items


DECODING = [False]


def clear_every_connector() -> None:
    if not DECODING[0]:
        return  # a connector the decode returned is the caller's to change
    for obj in gc.get_objects():
        if type(obj) is NdesConnector:
            set_every_field(obj)
            obj.additional_data = None


@pytest.mark.parametrize(
    "decode",
    [
        NdesConnector.from_json,
        lambda b: NdesConnector.from_json_array(b"[" + b + b"," + b + b"]")[1],
        lambda b: NdesConnector.from_json_page(b'{"value":[' + b + b"]}")[0][0],
    ],
    ids=["one", "array", "page"],
)
@pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="from 3.12 the collector runs between bytecodes, not inside the decode: the "
    "finalizer then changes the finished connector, which is allowed",
)
def test_a_finalizer_that_finds_the_connector_being_decoded(collect_always, decode):
    # gc.get_objects() hands a finalizer every tracked object, a connector still being filled
    # among them: whatever it sets there, the decode goes on with what it owns.
    body = BODY[:-1] + b',"more":{"k":[1,2,{"z":null}]},"tags2":["x"]}'
    want = NdesConnector.from_json(body).to_dict()
    lists = []
    for after, shift in itertools.product(range(4), range(2)):
        lists.append([[] for _ in range(100)])
        arm(clear_every_connector, after)
        pad = [] if shift else None
        DECODING[0] = True
        got = decode(body)
        DECODING[0] = False
        del pad
        settle()
        assert got.to_dict() == want
