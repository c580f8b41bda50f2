"""A document means the same whatever the order of its members (issue 9, item 7): the readers
try the wire order first, and any other order must give the same connector or the same error."""

from __future__ import annotations

import json

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import KNOWN, connectors

import ndes
from ndes import DecodeError, NdesConnector
from ndes._http import HttpRequest, HttpResponse

TYPE = "#microsoft.graph.ndesConnector"


def as_json(members: list[tuple[str, object]]) -> bytes:
    return ("{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in members) + "}").encode()


def as_msgpack(members: list[tuple[str, object]]) -> bytes:
    out = bytearray(b"\xde" + len(members).to_bytes(2, "big"))  # map 16: duplicates stay
    for k, v in members:
        out += msgpack.packb(k) + msgpack.packb(v)
    return bytes(out)


def decoders(members: list[tuple[str, object]]):
    """Every reader, each on the members given."""
    one_json, one_mp = as_json(members), as_msgpack(members)
    yield "json", lambda: NdesConnector.from_json(one_json)
    yield "msgpack", lambda: NdesConnector.from_msgpack(one_mp)
    yield "json array", lambda: NdesConnector.from_json_array(b"[" + one_json + b"]")[0]
    yield "msgpack array", lambda: NdesConnector.from_msgpack_array(b"\x91" + one_mp)[0]


@pytest.mark.parametrize(
    ("members", "want"),
    [
        ([("state", "active"), ("@odata.type", TYPE)], {"state": "active", "display_name": None}),
        (
            [("machineName", "m"), ("@odata.type", TYPE)],
            {"machine_name": "m", "connector_version": None},
        ),
        ([("id", "1"), ("@odata.type", TYPE), ("displayName", "d")], {"display_name": "d"}),
        (
            [("roleScopeTagIds", ["a"]), ("@odata.type", TYPE), ("id", "1")],
            {"id": "1", "role_scope_tag_ids": ["a"]},
        ),
    ],
)
def test_the_type_anywhere_fills_no_field(members, want):
    for name, decode in decoders(members):
        c = decode()
        for field, value in want.items():
            assert getattr(c, field) == value, name
        assert c.additional_data == {}, name


def test_another_type_after_the_fields_is_refused():
    members = [("state", "active"), ("@odata.type", "#microsoft.graph.user")]
    for _name, decode in decoders(members):
        with pytest.raises(DecodeError, match="is not #microsoft.graph.ndesConnector"):
            decode()


@pytest.mark.parametrize(
    "members",
    [
        [("@odata.type", TYPE), ("@odata.type", TYPE)],
        [("state", "none"), ("@odata.type", TYPE), ("@odata.type", TYPE)],
        [("@odata.type", TYPE), ("id", "1"), ("@odata.type", TYPE)],
    ],
)
def test_a_doubled_type_is_a_duplicate_key_at_the_second(members):
    one_json = as_json(members)
    with pytest.raises(DecodeError, match='duplicate key "@odata.type"') as info:
        NdesConnector.from_json(one_json)
    assert info.value.offset == one_json.rindex(b'"@odata.type"')
    one_mp = as_msgpack(members)
    with pytest.raises(DecodeError, match='duplicate key "@odata.type"') as info:
        NdesConnector.from_msgpack(one_mp)
    assert info.value.offset == one_mp.rindex(b"\xab@odata.type")
    for _name, decode in decoders(members):
        with pytest.raises(DecodeError, match="duplicate key"):
            decode()


def test_an_escaped_doubled_type_is_a_duplicate_key():
    body = b'{"@odata.type":"%s","\\u0040odata.type":"%s"}' % (TYPE.encode(), TYPE.encode())
    with pytest.raises(DecodeError, match="duplicate key") as info:
        NdesConnector.from_json(body)
    assert info.value.offset == body.index(b'"\\u0040')


def test_a_5000_digit_integer_is_a_decode_error_at_its_offset():
    digits = b"9" * 5000
    for body, at in (
        (b'{"displayName":"d","x":' + digits + b"}", 23),
        (b'{"x":{"y":[1,-' + digits + b"]}}", 13),
    ):
        with pytest.raises(DecodeError, match="number out of range") as info:
            NdesConnector.from_json(body)
        assert info.value.offset == at
        with pytest.raises(DecodeError, match="item 1: number out of range") as info:
            NdesConnector.from_json_array(b"[{}," + body + b"]")
        assert info.value.offset == at + 4


def members_of(c: NdesConnector) -> list[tuple[str, object]]:
    return list(json.loads(c.to_json()).items())


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(c=connectors, data=st.data())
def test_any_order_decodes_as_the_wire_order(c, data):
    canonical = members_of(c) + [("@odata.context", "https://graph/$metadata#x/$entity")]
    shuffled = data.draw(st.permutations(canonical))
    want = NdesConnector.from_json(as_json(canonical))
    assert want == c
    for name, decode in decoders(shuffled):
        got = decode()
        assert got == want, name
        assert json.loads(got.to_json()) == json.loads(want.to_json()), name


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(c=connectors, data=st.data())
def test_any_order_of_a_bad_document_fails_as_the_wire_order(c, data):
    # One member made wrong: every order must fail, none may misfile it as something else.
    canonical = members_of(c)
    at = data.draw(st.integers(0, len(canonical) - 1))
    key = canonical[at][0]
    canonical[at] = (key, {"wrong": True} if key != "@odata.type" else "#microsoft.graph.user")
    shuffled = data.draw(st.permutations(canonical))
    if key != "@odata.type" and key not in KNOWN:
        return  # an additional property may hold any value
    for _name, decode in decoders(shuffled):
        with pytest.raises(DecodeError):
            decode()


class Answers201:
    """A backend whose every answer is a 201 with the given body."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def send(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(201, {"request-id": "r-1"}, self.body)

    def close(self) -> None:
        pass


def test_a_created_connector_with_a_5000_digit_integer_is_an_unexpected_response():
    body = b'{"id":"1","displayName":"d","x":' + b"9" * 5000 + b"}"
    with ndes.Client("t", backend=Answers201(body)) as client:
        with pytest.raises(ndes.errors.UnexpectedResponseError) as info:
            client.create(display_name="d")
    assert isinstance(info.value.__cause__, DecodeError)
    assert info.value.__cause__.offset == body.index(b"9999")
    assert info.value.request_id == "r-1"


@pytest.mark.parametrize(
    "context", ["https://graph/$metadata#x/$entity", None, 7, [1, {"a": [2]}], {"b": {"c": None}}]
)
def test_a_leading_odata_context_of_any_value_is_dropped(context):
    # Graph's responses lead with @odata.context, which the decoders look for directly.
    members = [
        ("@odata.context", context),
        ("@odata.type", "#microsoft.graph.ndesConnector"),
        ("id", "c-1"),
        ("state", "active"),
    ]
    want = NdesConnector(id="c-1", state="active")
    for name, decode in decoders(members):
        got = decode()
        assert got == want and got.additional_data == {}, name


def test_a_truncated_leading_odata_context_names_its_offset():
    doc = b'{"@odata.context":"https://graph/$meta'
    with pytest.raises(DecodeError) as e:
        NdesConnector.from_json(doc)
    assert e.value.offset == len(doc)
