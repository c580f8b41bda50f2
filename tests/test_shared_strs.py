"""A decoded connector version or role scope tag of 2 to 16 ASCII bytes is the same str as the
last one decoded with those bytes (csrc/python/shared_str.c): values that repeat across a
tenant's connectors are made once. Sharing must never give a wrong value, whatever values
collide in its buckets, and must hold no more than its own references."""

from __future__ import annotations

import gc
import importlib.util
import json
import sys
import weakref

import msgpack
from core_helpers import one_set
from hypothesis import given, settings
from hypothesis import strategies as st

import ndes._core
from ndes import NdesConnector


def body(version: str, tags: list[str], id_: str = "connector-1") -> bytes:
    return json.dumps({"id": id_, "connectorVersion": version, "roleScopeTagIds": tags}).encode()


def test_repeated_versions_and_tags_are_one_str() -> None:
    a = NdesConnector.from_json(body("6.2.1000.0", ["0", "12", "Tier 2 admins"]))
    b = NdesConnector.from_json(body("6.2.1000.0", ["0", "12", "Tier 2 admins"]))
    c = NdesConnector.from_msgpack(b.to_msgpack())
    for x in (b, c):
        assert x.connector_version is a.connector_version == "6.2.1000.0"
        assert all(s is t for s, t in zip(x.role_scope_tag_ids, a.role_scope_tag_ids, strict=True))
    assert a.id == b.id and a.id is not b.id  # other fields are not shared


def test_only_short_ascii_values_are_shared() -> None:
    for value in ("x" * 17, "versión", "6.2\u00a0beta"):
        a, b = (NdesConnector.from_json(body(value, [value])) for _ in range(2))
        assert a.connector_version == b.connector_version == value
        assert a.connector_version is not b.connector_version
        assert a.role_scope_tag_ids == [value]
    for value in ("ab", "x" * 16):
        a, b = (NdesConnector.from_json(body(value, [])) for _ in range(2))
        assert a.connector_version is b.connector_version == value


def test_an_escaped_value_is_shared_by_its_text() -> None:
    a = NdesConnector.from_json(b'{"connectorVersion":"6.2.1000.0"}')
    b = NdesConnector.from_json(b'{"connectorVersion":"\\u0036.2.1000.\\u0030"}')
    assert b.connector_version is a.connector_version


def test_every_length_and_byte_position_tells_values_apart() -> None:
    # The key of a value is built from overlapping words: values that differ in any one byte, or
    # are a prefix of one another, must never be taken for each other.
    for n in range(2, 17):
        base = "".join(chr(ord("a") + k) for k in range(n))
        variants = [base, base[:-1], base + "z"]
        variants += [base[:k] + "Z" + base[k + 1 :] for k in range(n)]
        variants += ["a" * n, "ab" + "b" * (n - 2)]  # same bytes at every place a word reads
        for _ in range(2):
            for v in variants:
                got = NdesConnector.from_json(body(v, [v, v[:1] + v]))
                assert got.connector_version == v
                assert got.role_scope_tag_ids == [v, v[:1] + v]


ascii_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=18)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(ascii_values, st.lists(ascii_values, max_size=4)), max_size=30))
def test_any_sequence_of_values_decodes_to_itself(rows: list[tuple[str, list[str]]]) -> None:
    # Values in many more than the buckets' number, so that they collide and replace one another.
    items = [{"connectorVersion": v, "roleScopeTagIds": tags} for v, tags in rows]
    got = NdesConnector.from_json_array(json.dumps(items).encode())
    assert [(c.connector_version, c.role_scope_tag_ids) for c in got] == rows
    got = NdesConnector.from_msgpack_array(msgpack.packb(items))
    assert [(c.connector_version, c.role_scope_tag_ids) for c in got] == rows


def values_in_one_set(count: int) -> list[str]:
    return one_set((f"v{k}" for k in range(100_000)), count)


def test_two_values_of_one_set_are_both_kept() -> None:
    a, b = values_in_one_set(2)
    first = [NdesConnector.from_json(body(v, [])).connector_version for v in (a, b)]
    for _ in range(3):
        again = [NdesConnector.from_json(body(v, [])).connector_version for v in (a, b)]
        assert again[0] is first[0] and again[1] is first[1]


def test_a_third_value_of_a_set_puts_out_the_oldest() -> None:
    a, b, c = values_in_one_set(3)
    kept = {v: NdesConnector.from_json(body(v, [])).connector_version for v in (a, b, c)}
    assert NdesConnector.from_json(body(c, [])).connector_version is kept[c]
    assert NdesConnector.from_json(body(b, [])).connector_version is kept[b]
    again = NdesConnector.from_json(body(a, [])).connector_version
    assert again == a and again is not kept[a]


def test_a_shared_str_is_held_once_by_the_module_and_freed_when_replaced() -> None:
    v = NdesConnector.from_json(body("9.9.9.1", [])).connector_version
    gc.collect()
    held = sys.getrefcount(v)
    c = NdesConnector.from_json(body("9.9.9.1", []))
    same = c.connector_version is v  # apart: pytest's rewritten assert keeps what it compared
    count = sys.getrefcount(v)
    assert same and count == held + 1
    del c
    count = sys.getrefcount(v)
    assert count == held
    # Enough other values to replace it in its bucket, whichever bucket it is: then only v is
    # left holding it.
    NdesConnector.from_json_array(
        json.dumps([{"connectorVersion": f"8.{k}.0"} for k in range(2000)]).encode()
    )
    count = sys.getrefcount(v)
    assert count == held - 1


def test_a_second_module_shares_its_own_strs_and_frees_them_when_it_goes() -> None:
    spec = importlib.util.spec_from_file_location("ndes._core", ndes._core.__file__)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    other = module.NdesConnector  # type: ignore[attr-defined]
    ours = NdesConnector.from_json(body("7.7.7.7", [])).connector_version
    theirs = other.from_json(body("7.7.7.7", [])).connector_version
    assert theirs == ours and theirs is not ours
    assert other.from_json(body("7.7.7.7", [])).connector_version is theirs
    held = sys.getrefcount(theirs)
    gone = weakref.ref(other)
    del module, other, spec
    gc.collect()
    assert gone() is None
    count = sys.getrefcount(theirs)
    assert count == held - 1
