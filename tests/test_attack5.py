"""Attacks on four decode speed-ups: strs made by filling the object (ascii_str.c), a leading
@odata.context read directly, member names compared as two 16-byte blocks (common.h), and
datetimes allocated without a tp_alloc call (datetime_py.c). Each test holds a speed-up to what
the plain path gives."""

from __future__ import annotations

import ctypes
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tracemalloc
from collections.abc import Iterator
from datetime import datetime

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndes import DecodeError, NdesConnector
from ndes._fields import WIRE_NAMES

TYPE = "#microsoft.graph.ndesConnector"
# The members the direct path looks for, in its order: the properties, then the annotations.
NAMES = [*WIRE_NAMES.values(), "@odata.type", "@odata.context"]
# Printable ASCII a JSON string holds as it is, long enough for every length tried.
TEXT = "".join(c for c in map(chr, range(32, 127)) if c not in '"\\') * 2

_libc = ctypes.CDLL(None)
_libc.malloc.restype = ctypes.c_void_p
_libc.malloc.argtypes = [ctypes.c_size_t]
_libc.free.argtypes = [ctypes.c_void_p]


def at_buffer_end(data: bytes, decode):
    """decode(a view of exactly len(data) bytes of their own malloc block): under ASan
    (`make test-asan`) any load past the last byte is reported."""
    block = _libc.malloc(max(len(data), 1))
    assert block
    try:
        ctypes.memmove(block, data, len(data))
        view = memoryview((ctypes.c_ubyte * len(data)).from_address(block)).cast("B")
        try:
            return decode(view)
        finally:
            view.release()
    finally:
        _libc.free(block)


def outcome(decode, data) -> tuple:
    """What a decode gives: its connectors as JSON, or its error's message (without the offset
    it names) and offset."""
    try:
        got = decode(data)
    except DecodeError as e:
        return ("error", re.sub(r" \(at byte \d+\)$", "", str(e)), e.offset)
    if isinstance(got, tuple):  # a page: (connectors, next link)
        got = got[0]
    if isinstance(got, list):
        return ("ok", [c.to_json() for c in got])
    return ("ok", got.to_json())


# --- strs made by filling the object --------------------------------------------------------


def same_str(got: object, want: str) -> None:
    assert type(got) is str
    assert got == want and hash(got) == hash(want) and len(got) == len(want)
    if want.isascii():  # a non-ASCII str's size counts the UTF-8 copy msgpack has it cache
        assert sys.getsizeof(got) == sys.getsizeof(want) == got.__sizeof__()
    assert {got: 1}.get(want) == 1 and {want: 1}.get(got) == 1
    assert got.encode() == want.encode() and repr(got) == repr(want)
    assert sorted([got + "b", want + "a"]) == [want + "a", want + "b"]


@pytest.mark.parametrize("n", range(71))
def test_a_str_of_every_length_at_the_very_end_of_the_input(n):
    s = TEXT[:n]
    one = {"@odata.context": s, "displayName": s, "x-" + s: s, "roleScopeTagIds": [s]}
    docs = [
        (NdesConnector.from_json, json.dumps(one, separators=(",", ":")).encode()),
        (NdesConnector.from_msgpack, msgpack.packb(one)),
        # the document ends with the str's last byte (and its closing quote, for JSON)
        (NdesConnector.from_json, b'{"displayName":"' + s.encode() + b'"}'),
        (NdesConnector.from_msgpack, b"\x81\xabdisplayName" + msgpack.packb(s)),
    ]
    for decode, doc in docs:
        c = at_buffer_end(doc, decode)
        same_str(c.display_name, s)
    c = at_buffer_end(docs[0][1], NdesConnector.from_json)
    same_str(c.role_scope_tag_ids[0], s)
    ((key, value),) = c.additional_data.items()
    same_str(key, "x-" + s)
    same_str(value, s)
    # every cut of a document ending in the str: an error, never a read past the end
    for decode, doc in docs[2:]:
        for cut in range(max(0, len(doc) - 20), len(doc)):
            with pytest.raises(DecodeError):
                at_buffer_end(doc[:cut], decode)


@pytest.mark.parametrize("n", [2, 7, 8, 9, 15, 16, 17, 31, 32, 33])
def test_a_str_with_escapes_or_non_ascii_at_the_short_copy_boundaries(n):
    s = TEXT[:n]
    for want in (s, "\x00" + s, s + "\n", s[:-1] + "é", "€" + s[1:], s + "\U0001f600"):
        doc = json.dumps({"displayName": want}, separators=(",", ":")).encode()
        same_str(at_buffer_end(doc, NdesConnector.from_json).display_name, want)
        same_str(
            at_buffer_end(
                msgpack.packb({"displayName": want}), NdesConnector.from_msgpack
            ).display_name,
            want,
        )


def test_a_filled_str_is_traced_and_freed_like_any_other():
    doc = b'{"displayName":"NDES connector 01","machineName":"ab"}'
    tracemalloc.start()
    try:
        c = NdesConnector.from_json(doc)
        # tracemalloc recorded the block, with the decode as where it was made
        for s in (c.display_name, c.machine_name):
            tb = tracemalloc.get_object_traceback(s)
            assert tb is not None and tb[-1].filename == __file__
        del c
        gc.collect()
        for _ in range(2_000):  # pools reach their working size
            _ = NdesConnector.from_json(doc).display_name
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20_000):
            _ = NdesConnector.from_json(doc).display_name
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 20_000  # under one byte per str made


def test_a_filled_str_has_one_reference_and_interns_in_place():
    c = NdesConnector.from_json(b'{"displayName":"interned-by-a-test-0001"}')
    s = c.display_name
    base = sys.getrefcount(s)
    t = c.display_name
    assert t is s and sys.getrefcount(s) == base + 1  # the connector holds the one it made
    del t, c
    assert sys.getrefcount(s) == base - 1  # and gives it up with itself
    assert sys.intern(s) is s and sys.intern("".join(["interned-by-a-", "test-0001"])) is s


# --- a leading @odata.context, read directly ------------------------------------------------


def shifted(got: tuple, by: int) -> tuple:
    return got if got[0] == "ok" else (*got[:2], got[2] - by)


def leading_context_docs() -> Iterator[bytes]:
    member_lists = [
        [("@odata.context", "https://graph/$metadata#x/$entity"), ("@odata.type", TYPE)],
        [("@odata.context", [1, {"a": [2, "é"]}]), ("id", "c-1"), ("state", "active")],
        [("@odata.context", {"b": {"c": None}}), ("@odata.context", "again"), ("id", "1")],
        [("@odata.context", None), ("@odata.type", "#microsoft.graph.user")],
        [("@odata.context", -12.5e3), ("displayName", "x" * 17), ("id", 7)],
        [("@odata.context", True), ("lastConnectionDateTime", "2026-01-02T03:04:05+01:30")],
    ]
    for members in member_lists:
        yield (
            "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in members) + "}"
        ).encode()


def agrees(direct: tuple, general: tuple, by: int) -> bool:
    """A decode on the direct path gives what the general one gives, its offset `by` less."""
    return direct == shifted(general, by)


@pytest.mark.parametrize("doc", list(leading_context_docs()))
def test_every_cut_of_a_leading_context_fails_as_the_general_path_does(doc):
    # A space after '{' sends the first member down the general path, one byte later.
    spaced = b"{ " + doc[1:]
    for cut in range(1, len(doc) + 1):
        got = outcome(NdesConnector.from_json, doc[:cut])
        assert agrees(got, outcome(NdesConnector.from_json, spaced[: cut + 1]), 1), doc[:cut]
    # in arrays and pages each item takes the direct path
    for decode, wrap in (
        (NdesConnector.from_json_array, lambda d: b"[" + d + b"," + d + b"]"),
        (NdesConnector.from_json_page, lambda d: b'{"value":[' + d + b"]}"),
    ):
        assert agrees(outcome(decode, wrap(doc)), outcome(decode, wrap(spaced)), 1)


@pytest.mark.parametrize(
    ("members", "bad"),
    [
        ([("@odata.type", "#microsoft.graph.user")], "is not"),
        ([("@odata.context", "c"), ("@odata.type", "#x")], "is not"),
        ([(n, None) for n in NAMES[:7]] + [("roleScopeTagIds", "x")], "expected an array"),
        ([("@odata.type", TYPE), ("id", ["x"])], "expected a string"),
    ],
)
def test_a_wrong_value_on_the_direct_path_names_its_first_byte(members, bad):
    # The direct path reads a string value straight after the colon: its offset must still be
    # the opening quote's, as the general path (a space after each colon) gives it.
    for colon in (":", ": "):
        doc = "{" + ",".join(f"{json.dumps(k)}{colon}{json.dumps(v)}" for k, v in members) + "}"
        with pytest.raises(DecodeError, match=bad) as e:
            NdesConnector.from_json(doc.encode())
        assert e.value.offset == doc.rindex(colon) + len(colon)
    packed = msgpack.packb(dict(members))
    with pytest.raises(DecodeError, match=bad) as e:
        NdesConnector.from_msgpack(packed)
    assert e.value.offset == packed.rindex(msgpack.packb(members[-1][0])) + len(
        msgpack.packb(members[-1][0])
    )


def msgpack_with_first_key(members: list[tuple[str, object]], str8: bool) -> bytes:
    out = bytearray([0x80 | len(members)])
    for i, (k, v) in enumerate(members):
        kb = k.encode()
        out += b"\xd9" + bytes([len(kb)]) + kb if str8 and i == 0 else msgpack.packb(k)
        out += msgpack.packb(v, use_bin_type=True)
    return bytes(out)


@pytest.mark.parametrize(
    "value",
    [
        "https://graph/$metadata#x",
        None,
        -3,
        2**64 - 1,
        1.5,
        float("nan"),
        [1, {"a": [2, "é"]}],
        b"bin",
        msgpack.ExtType(5, b"xx"),
    ],
)
def test_every_cut_of_a_leading_msgpack_context_fails_as_a_str8_key_does(value):
    # A str 8 key is not what the direct path looks for: it takes the general path.
    for rest in ([("@odata.type", TYPE), ("id", "c-1")], [("@odata.context", "x"), ("id", "1")]):
        members = [("@odata.context", value), *rest]
        fix, str8 = msgpack_with_first_key(members, False), msgpack_with_first_key(members, True)
        for cut in range(1, len(fix) + 1):
            want = shifted(outcome(NdesConnector.from_msgpack, str8[: cut + 1]), 1)
            assert outcome(NdesConnector.from_msgpack, fix[:cut]) == want, fix[:cut]
        for decode, wrap in (
            (NdesConnector.from_msgpack_array, lambda d: b"\x91" + d),
            (NdesConnector.from_msgpack_page, lambda d: b"\x81\xa5value\x91" + d),
        ):
            assert agrees(outcome(decode, wrap(fix)), outcome(decode, wrap(str8)), 1)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    context=json_values,
    rest=st.lists(
        st.sampled_from(
            [
                ("@odata.type", TYPE),
                ("@odata.type", "#x"),
                ("@odata.context", "again"),
                ("id", "c-1"),
                ("id", 7),
                ("displayName", "NDES connector 01"),
                ("enrolledDateTime", "2026-01-02T03:04:05Z"),
                ("enrolledDateTime", "2026-13-02T03:04:05Z"),
                ("roleScopeTagIds", ["0", "12"]),
                ("x", {"y": 1}),
            ]
        ),
        max_size=4,
    ),
    cut=st.integers(0, 1000),
)
def test_a_leading_context_decodes_as_the_general_path(context, rest, cut):
    members = [("@odata.context", context), *rest]
    doc = ("{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in members) + "}").encode()
    spaced = b"{ " + doc[1:]
    cut = min(cut, len(doc))
    for d, s in ((doc, spaced), (doc[:cut], spaced[: cut + 1])):
        if d:
            assert outcome(NdesConnector.from_json, d) == shifted(
                outcome(NdesConnector.from_json, s), 1
            )
    fix, str8 = msgpack_with_first_key(members, False), msgpack_with_first_key(members, True)
    assert outcome(NdesConnector.from_msgpack, fix) == shifted(
        outcome(NdesConnector.from_msgpack, str8), 1
    )


@pytest.mark.parametrize(
    "doc",
    [
        b'{"@odata.context":"a","@odata.context":"b","id":"1"}',
        b'{"x-":1,"@odata.context":"a","id":"1"}',
        b'{"@odata.context": "a" ,"id":"1"}',
        b' \n{"@odata.context":"a",\n"id":"1"} ',
        b'{"@odata.context"\t:"a","id":"1"}',
        b'{"\\u0040odata.context":"a","id":"1"}',
    ],
)
def test_a_context_in_any_spot_or_spacing_is_dropped(doc):
    extra = {k: v for k, v in json.loads(doc).items() if k != "id" and k[0] != "@"}
    for got in (
        NdesConnector.from_json(doc),
        NdesConnector.from_json_array(b"[" + doc + b"," + doc + b"]")[1],
        NdesConnector.from_json_page(b'{"@odata.context":"p","value":[' + doc + b"]}")[0][0],
    ):
        assert got.id == "1" and got.additional_data == extra


def test_a_key_one_byte_off_the_context_is_kept_unless_an_annotation():
    # "@odata." starts every annotation, all dropped; a key the direct path took for the
    # context by mistake would be dropped too
    for key in ("@odata.contex", "@odata.contextX", "@odata.Context", "#odata.context", "@"):
        doc = json.dumps({key: "v", "id": "1"}, separators=(",", ":")).encode()
        for c in (
            NdesConnector.from_json(doc),
            NdesConnector.from_msgpack(msgpack.packb({key: "v", "id": "1"})),
        ):
            assert c.id == "1"
            assert c.additional_data == ({} if key.startswith("@odata.") else {key: "v"})


def test_a_leading_bom_is_refused_at_byte_0():
    with pytest.raises(DecodeError) as e:
        NdesConnector.from_json(b'\xef\xbb\xbf{"@odata.context":"a","id":"1"}')
    assert e.value.offset == 0


# --- member names compared as two 16-byte blocks --------------------------------------------


def members_before(name: str) -> list[tuple[str, object]]:
    """What a document has before `name` for the direct path to try `name` next: nothing for
    the two annotations it tries first, @odata.type before id, else the field before it."""
    if name.startswith("@"):
        return []
    at = NAMES.index(name)
    return [("@odata.type", TYPE)] if at == 0 else [(NAMES[at - 1], None)]


@pytest.mark.parametrize("name", NAMES)
def test_a_name_one_byte_off_a_member_is_never_taken_for_it(name):
    # The direct path compares `,"name":` as bytes (two 16-byte blocks from 16 to 32 bytes): a
    # name that differs at any position must take the general path, which keeps it as an
    # additional property (or drops it, for one still starting with "@odata.").
    for at in range(len(name)):
        other = name[:at] + ("Q" if name[at] != "Q" else "R") + name[at + 1 :]
        members = dict([*members_before(name), (other, "v")])
        extra = {} if other.startswith("@odata.") else {other: "v"}
        for c in (
            at_buffer_end(
                json.dumps(members, separators=(",", ":")).encode(), NdesConnector.from_json
            ),
            at_buffer_end(msgpack.packb(members), NdesConnector.from_msgpack),
        ):
            assert c.additional_data == extra, other
            if not name.startswith("@"):
                assert getattr(c, _attr(name)) is None


def _attr(wire: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", wire).lower()


@pytest.mark.parametrize("name", NAMES)
def test_every_cut_of_a_member_name_ends_in_an_error_not_a_read_past_the_end(name):
    for prefix in (b"{", b'{"id":"1",'):
        doc = prefix + b'"' + name.encode() + b'":"v"}'
        for cut in range(len(prefix), len(doc)):
            with pytest.raises(DecodeError) as e:
                at_buffer_end(doc[:cut], NdesConnector.from_json)
            assert e.value.offset <= cut
    packed = msgpack.packb({"id": "1", name: "v"})
    for cut in range(1, len(packed)):
        with pytest.raises(DecodeError):
            at_buffer_end(packed[:cut], NdesConnector.from_msgpack)


# --- datetimes allocated without the tp_alloc call ------------------------------------------

# Run in a child with Python's debug allocator, which fills every new block with 0xCD bytes: a
# datetime whose count is left as the allocator's bytes instead of set to 1 (3.12's
# Py_SET_REFCNT skips an object it takes for immortal) shows here on every run, where with
# pymalloc it shows only when the block's address has bit 31 set.
DEBUG_ALLOCATOR_PROGRAM = textwrap.dedent(
    """
    import gc, json, sys
    from datetime import datetime
    from ndes import NdesConnector
    # a datetime made by the constructor and one str, held as the ones read are held below
    d = datetime(2026, 1, 2)
    s = "".join(["NDES ", "connector 01"])
    want = [sys.getrefcount(d), sys.getrefcount(s)]
    c = NdesConnector.from_json(
        b'{"displayName":"NDES connector 01","enrolledDateTime":"2026-01-02T03:04:05+05:30",'
        b'"lastConnectionDateTime":"2026-01-02T03:04:05.678901Z"}'
    )
    tz = c.enrolled_date_time.tzinfo
    base = sys.getrefcount(tz)
    counts = set()
    for _ in range(2000):
        d = c.enrolled_date_time
        counts.add(sys.getrefcount(d))
        d = c.last_connection_date_time
        counts.add(sys.getrefcount(d))
    del d
    gc.collect()
    s = NdesConnector.from_json(b'{"displayName":"NDES connector 01"}').display_name
    print(json.dumps([want, sorted(counts), sys.getrefcount(tz) - base, sys.getrefcount(s)]))
    """
)


def test_dates_read_under_the_debug_allocator_get_one_reference_and_are_freed(tmp_path):
    env = dict(os.environ, PYTHONMALLOC="debug")
    done = subprocess.run(
        [sys.executable, "-c", DEBUG_ALLOCATOR_PROGRAM],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=True,
    )
    # each date read: the connector's datetime, held by it, `d` and getrefcount's argument, so
    # the shared timezone gains no reference from reads; the str is held as the one made here
    (want_date, want_str), counts, tz_grown, str_count = json.loads(done.stdout)
    assert counts == [want_date + 1] and tz_grown == 0 and str_count == want_str


def test_a_hundred_thousand_date_reads_keep_memory_and_counts_flat():
    c = NdesConnector.from_json(
        b'{"enrolledDateTime":"2026-01-02T03:04:05+05:30","lastConnectionDateTime":"2026-01-02T'
        b'03:04:05.5Z"}'
    )
    tz = c.enrolled_date_time.tzinfo
    utc = c.last_connection_date_time.tzinfo
    for _ in range(1_000):
        _ = c.enrolled_date_time, c.last_connection_date_time
    del _
    base = (sys.getrefcount(tz), sys.getrefcount(utc))
    held = datetime(2026, 1, 2)
    # a datetime the constructor made, held as `d` is below, and by the connector
    want = sys.getrefcount(held) + 1
    first = c.enrolled_date_time
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(100_000):
            d = c.enrolled_date_time
            assert sys.getrefcount(d) == want + 1 and d is first  # `first` holds it too
            e = c.last_connection_date_time
        del d, e, first
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 10_000
    assert (sys.getrefcount(tz), sys.getrefcount(utc)) == base


# One str and one date made on each new path, under valgrind as `make memcheck` runs it: the
# first str decoded runs the header check, which must compare no byte the allocator left unset.
VALGRIND_PROGRAM = textwrap.dedent(
    """
    from ndes import NdesConnector, _core
    c = NdesConnector.from_json(
        b'{"@odata.context":"x","displayName":"NDES connector 01","enrolledDateTime":'
        b'"2026-01-02T03:04:05+05:30"}'
    )
    print(c.display_name, c.enrolled_date_time.isoformat(), _core._str_path())
    """
)


@pytest.mark.skipif(
    shutil.which("valgrind") is None,
    reason="valgrind is not installed (make system-deps installs it with apt-get)",
)
@pytest.mark.skipif("asan" in os.environ.get("LD_PRELOAD", ""), reason="ASan is preloaded")
def test_the_first_decode_is_clean_under_valgrind(tmp_path):
    supp = os.path.join(os.path.dirname(__file__), "valgrind-python.supp")
    done = subprocess.run(
        ["valgrind", "-q", "--error-exitcode=9", f"--suppressions={supp}"]
        + [sys.executable, "-c", VALGRIND_PROGRAM],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONMALLOC="malloc"),
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [
        "NDES",
        "connector",
        "01",
        "2026-01-02T03:04:05+05:30",
        "filled",
    ]
