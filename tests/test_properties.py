"""Round trips over arbitrary connectors, the msgpack-python cross-check, and mutated bodies."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndes import DecodeError, NdesConnector, NdesConnectorState

KNOWN = {
    "id",
    "lastConnectionDateTime",
    "state",
    "displayName",
    "enrolledDateTime",
    "machineName",
    "connectorVersion",
    "roleScopeTagIds",
}

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)
aware = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
)
text = st.text()
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
extra_keys = text.filter(lambda k: k not in KNOWN and not k.startswith("@odata."))

connectors = st.builds(
    NdesConnector,
    id=st.none() | text,
    display_name=st.none() | text,
    state=st.none()
    | st.sampled_from(list(NdesConnectorState))
    | st.sampled_from(["none", "active", "inactive"]),
    last_connection_date_time=st.none() | aware,
    enrolled_date_time=st.none() | aware,
    machine_name=st.none() | text,
    connector_version=st.none() | text,
    role_scope_tag_ids=st.none() | st.lists(text, max_size=5),
    additional_data=st.none() | st.dictionaries(extra_keys, json_values, max_size=4),
)


def same_datetimes(a: NdesConnector, b: NdesConnector) -> bool:
    for name in ("last_connection_date_time", "enrolled_date_time"):
        x, y = getattr(a, name), getattr(b, name)
        if (x is None) != (y is None):
            return False
        if x is not None and (x.replace(tzinfo=None), x.utcoffset()) != (
            y.replace(tzinfo=None),
            y.utcoffset(),
        ):
            return False
    return True


@given(connectors)
def test_json_round_trip(c):
    back = NdesConnector.from_json(c.to_json())
    assert back == c
    assert same_datetimes(back, c)  # the offset itself is kept, not only the instant
    assert back.to_json() == c.to_json()


@given(connectors)
def test_msgpack_round_trip(c):
    back = NdesConnector.from_msgpack(c.to_msgpack())
    assert back == c and same_datetimes(back, c)


@given(connectors)
def test_dict_round_trip(c):
    d = c.to_dict()
    assert NdesConnector.from_dict(d) == c
    assert d == json.loads(c.to_json())


@given(connectors)
def test_msgpack_is_the_json_document_for_msgpack_python(c):
    assert msgpack.unpackb(c.to_msgpack()) == json.loads(c.to_json())
    # ...and what msgpack-python packs from that document reads back the same.
    assert NdesConnector.from_msgpack(msgpack.packb(json.loads(c.to_json()))) == c


@given(connectors)
def test_stdlib_json_agrees_on_what_we_write(c):
    doc = json.loads(c.to_json())
    assert NdesConnector.from_json(json.dumps(doc, ensure_ascii=True)) == c
    assert NdesConnector.from_json(json.dumps(doc, ensure_ascii=False, indent=2)) == c


def mutate(data: bytes, edits) -> bytes:
    b = bytearray(data)
    for kind, pos, byte in edits:
        if not b:
            b.append(byte)
            continue
        pos %= len(b)
        if kind == 0:
            b[pos] = byte
        elif kind == 1:
            del b[pos]
        else:
            b.insert(pos, byte)
    return bytes(b)


edits = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 10_000), st.integers(0, 255)),
    min_size=1,
    max_size=6,
)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(connectors, edits)
def test_mutated_bodies_decode_or_raise_decode_error(c, e):
    for data, decode in (
        (c.to_json(), NdesConnector.from_json),
        (c.to_msgpack(), NdesConnector.from_msgpack),
    ):
        try:
            result = decode(mutate(data, e))
        except DecodeError:
            continue
        assert isinstance(result, NdesConnector)
        result.to_json()  # whatever decoded can be written again


@given(st.binary(max_size=200))
def test_random_bytes_decode_or_raise_decode_error(data):
    for decode in (NdesConnector.from_json, NdesConnector.from_msgpack):
        try:
            assert isinstance(decode(data), NdesConnector)
        except DecodeError:
            pass


STR_FIELDS = ("id", "display_name", "machine_name", "connector_version", "role_scope_tag_ids")


@given(
    connectors,
    st.sampled_from(["json", "msgpack"]),
    st.lists(st.tuples(st.sampled_from(STR_FIELDS), st.booleans()), max_size=8),
    text,
)
def test_decoded_strings_read_and_set_in_any_order(c, fmt, steps, new):
    """Reads and sets of decoded fields in any order see and write exactly what a connector
    built from the same dict would."""
    back = (
        NdesConnector.from_json(c.to_json())
        if fmt == "json"
        else NdesConnector.from_msgpack(c.to_msgpack())
    )
    want = NdesConnector.from_dict(c.to_dict())
    for name, is_set in steps:
        if is_set:
            value = [new] if name == "role_scope_tag_ids" else new
            setattr(back, name, value)
            setattr(want, name, value)
        else:
            assert getattr(back, name) == getattr(want, name)
        assert back.to_msgpack() == want.to_msgpack()
    assert back.to_json() == want.to_json()
    assert back == want
