"""Hostile checks of the shared strs of decoded connector versions and role scope tags
(csrc/python/shared_str.c, shared_ascii_str in ndes_py.h) and of the class methods bound from
their own METH_O table (bind_class_methods): values that collide in one set of the table, escapes
and NULs, every length around the limits, references held and released, decodes failing
half-way, finalizers and threads decoding into the same sets, a second module, allocation
failures; the class methods' arguments, messages, pickling and introspection; the symbols the
extension exports."""

from __future__ import annotations

import copy
import gc
import importlib.util
import inspect
import json
import pickle
import shutil
import subprocess
import sys
import threading

import msgpack
import pytest
from core_helpers import CLASS_METHODS, one_set, switching_often
from gc_stress import finalizers
from hypothesis import given, settings
from hypothesis import strategies as st

import ndes._core
from ndes import DecodeError, NdesConnector


def doc(version: object, tags: object = (), id_: str = "c") -> bytes:
    return json.dumps({"id": id_, "connectorVersion": version, "roleScopeTagIds": list(tags)})


def decode_both_ways(version: str, tags: list[str]) -> list[NdesConnector]:
    d = {"connectorVersion": version, "roleScopeTagIds": tags}
    return [
        NdesConnector.from_json(json.dumps(d).encode()),
        NdesConnector.from_json(json.dumps(d, ensure_ascii=False).encode()),
        NdesConnector.from_msgpack(msgpack.packb(d)),
    ]


def evict_everything() -> None:
    """Decodes enough distinct values of every length to replace both entries of every set."""
    values = [f"e{k:0{n - 1}d}" for n in range(2, 17) for k in range(min(10 ** (n - 1), 300))]
    NdesConnector.from_json_array(
        json.dumps([{"roleScopeTagIds": values[k : k + 50]} for k in range(0, len(values), 50)])
    )


# --- values that share a set must never be taken for one another ------------------------------


def in_one_set(values: list[str]) -> list[str]:
    """The values, checked to be kept in one set as set_of says: of three decoded in turn, the
    first is put out and the other two are kept; two are both kept."""
    first = [NdesConnector.from_json(doc(v)).connector_version for v in values]
    again = [NdesConnector.from_json(doc(v)).connector_version for v in values[-2:]]
    assert again[0] is first[-2] and again[1] is first[-1]
    if len(values) == 3:
        assert NdesConnector.from_json(doc(values[0])).connector_version is not first[0]
    return values


def alternate(values: list[str], rounds: int = 3) -> None:
    """Decodes the values in turn, as version and as tag, checking each one every time."""
    for _ in range(rounds):
        for v in values:
            for c in decode_both_ways(v, [v, v]):
                assert c.connector_version == v and type(c.connector_version) is str
                assert c.role_scope_tag_ids == [v, v]


def printable(n: int, count: int = 20_000) -> list[str]:
    """Up to `count` distinct texts of n printable ASCII characters (95 at most when n is 1,
    enough for two of them to share a set of the 64)."""
    chars = [chr(c) for c in range(32, 127)]
    return ["".join(chars[(k // 95**i) % 95] for i in range(n)) for k in range(min(95**n, count))]


@pytest.mark.parametrize("n", range(9, 17))
def test_long_values_with_the_same_first_word_in_one_set(n: int) -> None:
    # The first 8 bytes equal, the last 8 differing: told apart only by the second word.
    alternate(in_one_set(one_set(["ABCDEFGH" + t for t in printable(n - 8)], 2 if n == 9 else 3)))


@pytest.mark.parametrize("n", range(9, 17))
def test_long_values_with_the_same_last_word_in_one_set(n: int) -> None:
    alternate(in_one_set(one_set([h + "stuvwxyz" for h in printable(n - 8)], 2 if n == 9 else 3)))


@pytest.mark.parametrize("n", range(2, 9))
def test_short_values_in_one_set(n: int) -> None:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    values = [
        "".join(alphabet[(k // 36**i) % 36] for i in range(n)) for k in range(min(36**n, 50_000))
    ]
    alternate(in_one_set(one_set(values, 3)))


def test_values_of_different_lengths_in_one_set() -> None:
    candidates = [f"{k:x}" * r for k in range(16, 4096) for r in (1, 2, 3, 5)]
    candidates = [v for v in candidates if 2 <= len(v) <= 16]
    for count in (2, 3):
        alternate(in_one_set(one_set(candidates, count)), rounds=2)


def test_values_that_would_have_one_key_without_their_length() -> None:
    # "ab" and "abb" read the same three bytes, "abcd" and "abcdabcd" the same two words, and a
    # value padded with NULs its first word: only the length tells them apart.
    groups = [
        ["ab", "abb"],
        ["abcd", "abcdabcd"],
        ["\0\0", "\0\0\0", "\0" * 4, "\0" * 8, "\0" * 9, "\0" * 16],
        ["abcdefgh", "abcdefgh\0", "abcdefgh" + "\0" * 8],
        ["wxyz", "wxyzwxyz", "wxyzwxyz\0"],
    ]
    for values in groups:
        alternate(values)


@pytest.mark.parametrize("n", [15, 16, 17, 18, 24])
def test_every_single_byte_change_around_the_limit(n: int) -> None:
    # 17 bytes and more are not shared: two words would leave a middle byte out of the key.
    base = "".join(chr(ord("A") + k) for k in range(n))
    variants = [base] + [base[:k] + "_" + base[k + 1 :] for k in range(n)]
    for _ in range(2):
        for v in variants:
            got = NdesConnector.from_json(doc(v, [v]))
            assert got.connector_version == v and got.role_scope_tag_ids == [v]


def test_values_beyond_the_limit_or_not_ascii_are_never_shared() -> None:
    for v in ("Q" * 17, "Q" * 15 + "\u00e9", "\u00e9" * 8, "x\u20ac", "\U0001f600x"):
        a, b = (NdesConnector.from_json(doc(v, [v])) for _ in range(2))
        assert a.connector_version == b.connector_version == v
        assert a.connector_version is not b.connector_version
        assert a.role_scope_tag_ids[0] is not b.role_scope_tag_ids[0]


def test_an_ascii_value_and_a_non_ascii_one_with_close_bytes_stay_apart() -> None:
    # U+0101 is C4 81 in UTF-8: a key taken from the wrong bytes would match "\xc4\x81"-like
    # ASCII neighbours; and the non-ASCII value must never come back from a shared set.
    for _ in range(2):
        for v in ("a\u0101", "aa", "a\u00c4", "ab", "\u0101a", "a" * 15 + "\u0101"):
            for c in decode_both_ways(v, [v]):
                assert c.connector_version == v and c.role_scope_tag_ids == [v]


ascii_or_not = st.text(
    st.one_of(
        st.characters(min_codepoint=0, max_codepoint=127),
        st.sampled_from(["\u00e9", "\u0101", "\u20ac", "\U0001f600"]),
    ),
    max_size=18,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(ascii_or_not, st.lists(ascii_or_not, max_size=3)), max_size=40))
def test_escaped_control_and_non_ascii_values_decode_to_themselves(
    rows: list[tuple[str, list[str]]],
) -> None:
    # Every byte from NUL up, escaped (ensure_ascii) and raw, in arrays long enough to collide.
    items = [{"connectorVersion": v, "roleScopeTagIds": tags} for v, tags in rows]
    for data in (json.dumps(items).encode(), json.dumps(items, ensure_ascii=False).encode()):
        got = NdesConnector.from_json_array(data)
        assert [(c.connector_version, c.role_scope_tag_ids) for c in got] == rows
    got = NdesConnector.from_msgpack_array(msgpack.packb(items))
    assert [(c.connector_version, c.role_scope_tag_ids) for c in got] == rows


def test_every_escape_of_a_value_gives_the_same_text() -> None:
    v = "6.2.1000.0"
    forms = [
        v,
        "".join(f"\\u{ord(ch):04x}" for ch in v),
        "".join(f"\\u{ord(ch):04X}" for ch in v),
        v[:5] + "\\u0030" + v[6:],
    ]
    got = [NdesConnector.from_json(b'{"connectorVersion":"%s"}' % f.encode()) for f in forms]
    assert all(g.connector_version is got[0].connector_version == v for g in got)
    # a MessagePack str in a wider header than it needs is the same text
    for head in (b"\xda\x00\x0a", b"\xdb\x00\x00\x00\x0a", b"\xd9\x0a"):
        c = NdesConnector.from_msgpack(b"\x81\xb0connectorVersion" + head + v.encode())
        assert c.connector_version is got[0].connector_version


# --- references --------------------------------------------------------------------------------


def lengths_values() -> list[str]:
    return [(f"r{n}-" + "x" * 16)[:n] for n in range(2, 17)]


def test_shared_strs_are_released_when_replaced_whatever_the_decoder() -> None:
    evict_everything()
    made = {v: NdesConnector.from_json(doc(v, [v, v])) for v in lengths_values()}
    strs = {v: c.connector_version for v, c in made.items()}
    for v, c in made.items():
        assert c.role_scope_tag_ids[0] is strs[v] and c.role_scope_tag_ids[1] is strs[v]
    del made, c
    gc.collect()
    held = {v: sys.getrefcount(s) for v, s in strs.items()}  # ours, getrefcount's, the table's
    for _ in range(3):
        NdesConnector.from_msgpack_array(
            msgpack.packb([{"connectorVersion": v, "roleScopeTagIds": [v] * 3} for v in strs])
        )
        page, _ = NdesConnector.from_json_page(
            json.dumps({"value": [{"roleScopeTagIds": list(strs)}]})
        )
        assert all(t is strs[t] for t in page[0].role_scope_tag_ids)
        del page
    assert {v: sys.getrefcount(s) for v, s in strs.items()} == held
    evict_everything()
    assert {v: sys.getrefcount(s) for v, s in strs.items()} == {v: h - 1 for v, h in held.items()}


def test_a_decode_failing_half_way_releases_what_it_took() -> None:
    evict_everything()
    v, tag = "7.0.0.1", "tag-x"
    s = NdesConnector.from_json(doc(v, [tag])).connector_version
    t = NdesConnector.from_json(doc(v, [tag])).role_scope_tag_ids[0]
    held_v, held_t = sys.getrefcount(s), sys.getrefcount(t)
    good = {"connectorVersion": v, "roleScopeTagIds": [tag, tag]}
    bad_items = [
        {"connectorVersion": v, "roleScopeTagIds": [tag, 5]},
        {"connectorVersion": v, "roleScopeTagIds": [tag], "lastConnectionDateTime": "x"},
        {"connectorVersion": 7, "roleScopeTagIds": [tag]},
    ]
    for bad in bad_items:
        items = [good] * 20 + [bad] + [good] * 5
        with pytest.raises(DecodeError) as e:
            NdesConnector.from_json_array(json.dumps(items))
        assert "20" in str(e.value)
        with pytest.raises(DecodeError):
            NdesConnector.from_msgpack_array(msgpack.packb(items))
        with pytest.raises(DecodeError):
            NdesConnector.from_json_page(json.dumps({"value": items}))
        with pytest.raises(DecodeError):
            NdesConnector.from_msgpack_page(msgpack.packb({"value": items}))
    # truncated data, cut inside a shared value and after it
    whole = json.dumps([good] * 3).encode()
    for cut in range(1, len(whole)):
        with pytest.raises(DecodeError):
            NdesConnector.from_json_array(whole[:cut])
    gc.collect()
    assert sys.getrefcount(s) == held_v and sys.getrefcount(t) == held_t
    again = NdesConnector.from_json(doc(v, [tag]))
    assert again.connector_version is s
    assert again.role_scope_tag_ids[0] is t


def test_many_distinct_values_leave_only_the_table_behind() -> None:
    import tracemalloc

    def round_(r: int) -> None:
        items = [
            {"connectorVersion": f"{r}.{k}.0", "roleScopeTagIds": [f"t{r}-{k}", f"{k}"]}
            for k in range(500)
        ]
        NdesConnector.from_json_array(json.dumps(items))
        NdesConnector.from_msgpack_array(msgpack.packb(items))

    tracemalloc.start()
    try:
        for r in range(10):  # the table's entries and the free lists are now traced
            round_(r)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for r in range(10, 50):  # 60 000 more distinct strs made and put out
            round_(r)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # one str kept per thousand values would be 3 KB
    assert grown < 2048, grown


def test_an_interned_shared_str_stays_whole_when_put_out() -> None:
    # sys.intern makes the table's str the interned one in place: it must outlive the entry
    # and the connectors, and be found again by its text.
    evict_everything()
    s = NdesConnector.from_json(doc("intern-7.1")).connector_version
    assert sys.intern(s) is s
    assert NdesConnector.from_json(doc("intern-7.1")).connector_version is s
    evict_everything()
    gc.collect()
    assert s == "intern-7.1" and sys.intern("intern-" + "7.1") is s
    again = NdesConnector.from_json(doc("intern-7.1")).connector_version
    assert again == s and again is not s


def test_shared_values_with_nuls_and_controls_encode_back_to_the_same_bytes() -> None:
    values = ["\0\0", "\0\0\0", "a\0", "\x01\x7f", "\0" * 16, "x\0" * 8, "\t\n\r\x1f"]
    for v in values * 2:
        c = NdesConnector.from_json(doc(v, [v]))
        assert NdesConnector.from_json(c.to_json()) == c
        assert NdesConnector.from_msgpack(c.to_msgpack()) == c
        assert c.connector_version == v and c.role_scope_tag_ids == [v]


# --- Python code running during a decode -------------------------------------------------------


def test_finalizers_decoding_other_values_into_the_same_sets() -> None:
    # Each collection during the decode (threshold 1) decodes values of every length that put
    # out whatever the outer decode put in its sets.
    rows = [
        (f"{k % 7}.{k % 3}.0.{k % 5}", [f"tag{k % 4}", "0", f"role-{k % 11:02d}"])
        for k in range(150)
    ]
    items = [{"connectorVersion": v, "roleScopeTagIds": t} for v, t in rows]
    datas = [json.dumps(items), msgpack.packb(items)]
    with finalizers(evict_everything) as state:
        got = [
            NdesConnector.from_json_array(datas[0]),
            NdesConnector.from_msgpack_array(datas[1]),
            NdesConnector.from_json_page(json.dumps({"value": items}))[0],
        ]
    assert state["runs"]
    for result in got:
        assert [(c.connector_version, c.role_scope_tag_ids) for c in result] == rows


def test_threads_decoding_colliding_values() -> None:
    groups = [one_set([f"thr{t}-{k}" for k in range(20_000)], 3) for t in range(4)]
    errors: list[BaseException] = []

    def work(values: list[str]) -> None:
        try:
            items = [{"connectorVersion": v, "roleScopeTagIds": values} for v in values * 30]
            for _ in range(30):
                for c in NdesConnector.from_json_array(json.dumps(items)):
                    assert c.role_scope_tag_ids == values
                    assert c.connector_version in values
                got = NdesConnector.from_msgpack_array(msgpack.packb(items))
                assert [c.connector_version for c in got] == values * 30
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    with switching_often():
        threads = [threading.Thread(target=work, args=(g,)) for g in groups * 2]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors


# --- a second module, allocation failures --------------------------------------------------------


def load_core_again() -> object:
    spec = importlib.util.spec_from_file_location("ndes._core", ndes._core.__file__)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.NdesConnector is not NdesConnector  # type: ignore[attr-defined]
    return module


def test_two_modules_with_colliding_values_keep_their_own_tables() -> None:
    other = load_core_again().NdesConnector  # type: ignore[attr-defined]
    a, b, c = one_set([f"mod-{k}" for k in range(20_000)], 3)
    ours = {v: NdesConnector.from_json(doc(v)).connector_version for v in (a, b)}
    theirs = {v: other.from_json(doc(v)).connector_version for v in (b, c)}
    assert ours[b] == theirs[b] and ours[b] is not theirs[b]
    # c put nothing out of our table, a nothing out of theirs
    for v in (a, b):
        assert NdesConnector.from_json(doc(v)).connector_version is ours[v]
    for v in (b, c):
        assert other.from_json(doc(v)).connector_version is theirs[v]
    # their methods decode into their table, through their own bound class methods
    assert other.from_json.__self__ is other and other.from_json is not NdesConnector.from_json
    assert type(other.from_json(doc(a))) is other


try:
    import _testcapi as _testcapi  # type: ignore[no-redef]
except ImportError:  # pragma: no cover - an interpreter built without the test module
    _testcapi = None


@pytest.mark.skipif(
    _testcapi is None or not hasattr(_testcapi, "set_nomemory"), reason="no _testcapi"
)
def test_allocations_failing_in_a_decode_of_new_values_leave_the_table_whole() -> None:
    rows = [(f"9.{k}.0.{k % 3}", [f"nm{k}", f"nm{k % 2}x"]) for k in range(40)]
    items = [{"connectorVersion": v, "roleScopeTagIds": t} for v, t in rows]
    data, packed = json.dumps(items).encode(), msgpack.packb(items)
    outcomes = {"ok": 0, "failed": 0}
    for k in range(0, 260, 3):
        evict_everything()  # each attempt makes its strs anew, so a miss is where it fails
        for decode, arg in (
            (NdesConnector.from_json_array, data),
            (NdesConnector.from_msgpack_array, packed),
        ):
            gc.disable()
            _testcapi.set_nomemory(k, 0)
            try:
                got = decode(arg)
            except MemoryError:
                got = None
            finally:
                _testcapi.remove_mem_hooks()
                gc.enable()
            outcomes["failed" if got is None else "ok"] += 1
            if got is not None:
                assert [(c.connector_version, c.role_scope_tag_ids) for c in got] == rows
            # whatever failed, the table gives back the right values (the one being made when
            # the allocation failed among them), and twice the same str
            again = NdesConnector.from_json_array(data)
            assert [(c.connector_version, c.role_scope_tag_ids) for c in again] == rows
            for v, _ in rows[:5]:
                first = NdesConnector.from_json(doc(v)).connector_version
                assert NdesConnector.from_json(doc(v)).connector_version is first
    assert outcomes["ok"] and outcomes["failed"]


# --- the class methods --------------------------------------------------------------------------


@pytest.mark.parametrize("name", CLASS_METHODS)
def test_wrong_argument_counts_and_kinds_give_clear_messages(name: str) -> None:
    method = getattr(NdesConnector, name)
    for args, kwargs, says in [
        ((), {}, "takes exactly one argument (0 given)"),
        ((b"{}", b"{}"), {}, "takes exactly one argument (2 given)"),
        ((), {"data": b"{}"}, "takes no keyword arguments"),
        ((b"{}",), {"x": 1}, "takes no keyword arguments"),
    ]:
        with pytest.raises(TypeError) as e:
            method(*args, **kwargs)
        # named by the class's module and qualified name, not by the repr of a module object
        assert str(e.value) == f"ndes.NdesConnector.{name}() {says}"
    with pytest.raises(TypeError):
        method(object())
    # reached through an instance, the method is the same one, bound to the class
    c = NdesConnector()
    assert getattr(c, name) is method


@pytest.mark.parametrize("name", CLASS_METHODS)
def test_class_methods_introspect_pickle_and_copy(name: str) -> None:
    method = getattr(NdesConnector, name)
    assert method.__name__ == name
    assert method.__qualname__ == f"NdesConnector.{name}"
    assert method.__module__ == NdesConnector.__module__ == "ndes"
    assert method.__self__ is NdesConnector
    params = list(inspect.signature(method).parameters.values())
    assert len(params) == 1 and params[0].kind is inspect.Parameter.POSITIONAL_ONLY
    assert method.__doc__ and method.__text_signature__.startswith("($type, ")
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(method, proto)) is method
    assert copy.copy(method) is method and copy.deepcopy(method) is method
    with pytest.raises((TypeError, AttributeError)):
        setattr(NdesConnector, name, len)
    with pytest.raises((TypeError, AttributeError)):
        delattr(NdesConnector, name)
    assert getattr(NdesConnector, name) is method


def test_class_methods_still_work_through_every_way_of_calling() -> None:
    c = NdesConnector(display_name="d", connector_version="1.2.3", role_scope_tag_ids=["0", "ab"])
    data = c.to_json()
    import functools

    calls = [
        lambda: NdesConnector.from_json(data),
        lambda: vars(NdesConnector)["from_json"](data),
        lambda: functools.partial(NdesConnector.from_json)(data),
        lambda: NdesConnector.from_json.__call__(data),
        lambda: c.from_json(data),
        lambda: pickle.loads(pickle.dumps(NdesConnector.from_json))(data),
        lambda: NdesConnector.from_json(*[data]),
    ]
    for call in calls:
        assert call() == c
    assert NdesConnector.from_json_array(NdesConnector.to_json_array([c, c])) == [c, c]
    assert NdesConnector.from_msgpack_array(NdesConnector.to_msgpack_array((c,))) == [c]


def test_help_lists_the_class_methods() -> None:
    import pydoc

    text = pydoc.render_doc(NdesConnector, renderer=pydoc.plaintext)
    for name in CLASS_METHODS:
        assert f"{name}(" in text


# --- the extension's exported symbols -----------------------------------------------------------


@pytest.mark.skipif(shutil.which("nm") is None, reason="no nm")
def test_the_extension_exports_its_init_function_alone() -> None:
    out = subprocess.run(
        ["nm", "-D", "--defined-only", ndes._core.__file__],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = [line.split()[-1] for line in out.splitlines() if line.split()]
    assert names == ["PyInit__core"], names
