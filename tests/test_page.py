"""NdesConnector.from_json_page / from_msgpack_page: a page of a Graph collection read in C,
its members in any order, with the errors and byte offsets of from_json."""

from __future__ import annotations

import json

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import connectors

from ndes import DecodeError, NdesConnector

LINK = "https://graph.microsoft.com/beta/deviceManagement/ndesConnectors?$skiptoken=abc"
CONTEXT = "https://graph.microsoft.com/beta/$metadata#deviceManagement/ndesConnectors"


def items(n: int) -> list[NdesConnector]:
    return [
        NdesConnector(id=str(i), display_name=f"NDES {i}", state="active", role_scope_tag_ids=["0"])
        for i in range(n)
    ]


def page_json(members: list[tuple[str, bytes]]) -> bytes:
    return b"{" + b",".join(json.dumps(k).encode() + b":" + v for k, v in members) + b"}"


def value_json(cs: list[NdesConnector]) -> bytes:
    return NdesConnector.to_json_array(cs)


def test_a_graph_page():
    cs = items(3)
    data = page_json(
        [
            ("@odata.context", json.dumps(CONTEXT).encode()),
            ("@odata.count", b"3"),
            ("value", value_json(cs)),
            ("@odata.nextLink", json.dumps(LINK).encode()),
        ]
    )
    assert NdesConnector.from_json_page(data) == (cs, LINK)
    assert NdesConnector.from_json_page(data.decode()) == (cs, LINK)
    assert NdesConnector.from_json_page(bytearray(data)) == (cs, LINK)
    assert NdesConnector.from_json_page(memoryview(data)) == (cs, LINK)


@pytest.mark.parametrize(
    "link", [None, b"null"], ids=["last page without nextLink", "nextLink null"]
)
def test_the_last_page(link):
    members = [("value", value_json(items(2)))]
    if link:
        members.insert(0, ("@odata.nextLink", link))
    assert NdesConnector.from_json_page(page_json(members)) == (items(2), None)


def test_an_empty_page():
    assert NdesConnector.from_json_page(b'{"value":[]}') == ([], None)
    assert NdesConnector.from_json_page(b' { "value" : [ ] } ') == ([], None)


def test_other_members_are_skipped_whatever_they_hold():
    data = b'{"@odata.deltaLink":"d","future":{"a":[1,{"b":null}]},"value":[{"id":"1"}],"n":1e5}'
    assert NdesConnector.from_json_page(data) == ([NdesConnector(id="1")], None)


def test_a_1000_item_page():
    cs = items(1000)
    data = page_json([("value", value_json(cs)), ("@odata.nextLink", json.dumps(LINK).encode())])
    got, link = NdesConnector.from_json_page(data)
    assert got == cs and link == LINK
    mp = msgpack.packb({"@odata.nextLink": LINK, "value": [c.to_dict() for c in cs]})
    assert NdesConnector.from_msgpack_page(mp) == (cs, LINK)


@pytest.mark.parametrize(
    ("data", "offset", "message"),
    [
        (b"{}", 1, 'a page of a collection needs a "value" member'),
        (b'{"@odata.nextLink":"x"}', 22, 'needs a "value" member'),
        (b'{"value":{}}', 9, "value: expected an array of connectors, got an object"),
        (b'{"value":null}', 9, "value: expected an array of connectors, got null"),
        (b'{"value":[],"@odata.nextLink":5}', 30, "@odata.nextLink: expected a string or null"),
        (b'{"value":[],"@odata.nextLink":["x"]}', 30, "expected a string or null, got an array"),
        (b'{"value":[],"value":[]}', 12, 'duplicate key "value"'),
        (b'{"@odata.nextLink":null,"value":[],"@odata.nextLink":"x"}', 35, "duplicate key"),
        (b"[]", 0, "expected a JSON object (a page of a collection), got an array"),
        (b'{"value":[1]}', 10, "item 0: expected an object, got an integer"),
        (b'{"value":[]} x', 13, "trailing data"),
        (b'{"value":[]', 11, "unexpected end of input"),
    ],
)
def test_errors_name_the_offset(data, offset, message):
    with pytest.raises(DecodeError, match=message.replace("(", r"\(").replace(")", r"\)")) as e:
        NdesConnector.from_json_page(data)
    assert e.value.offset == offset


@pytest.mark.parametrize(
    "bad",
    [
        b'{"id":1}',
        b'{"state":"active","@odata.type":"#microsoft.graph.user"}',
        b'{"enrolledDateTime":"2026-02-30T00:00:00Z"}',
        b'{"x":' + b"9" * 5000 + b"}",
        b'{"roleScopeTagIds":["a",2]}',
    ],
)
def test_an_item_error_is_from_jsons_error_at_the_same_byte(bad):
    with pytest.raises(DecodeError) as alone:
        NdesConnector.from_json(bad)
    prefix = b'{"@odata.context":"c","value":[{},'
    with pytest.raises(DecodeError) as in_page:
        NdesConnector.from_json_page(prefix + bad + b"]}")
    assert in_page.value.reason == "item 1: " + alone.value.reason
    assert in_page.value.offset == len(prefix) + alone.value.offset


def test_msgpack_pages():
    cs = items(2)
    doc = {"@odata.count": 2, "value": [c.to_dict() for c in cs], "@odata.nextLink": None}
    assert NdesConnector.from_msgpack_page(msgpack.packb(doc)) == (cs, None)
    with pytest.raises(DecodeError, match="value: expected an array"):
        NdesConnector.from_msgpack_page(msgpack.packb({"value": "x"}))
    with pytest.raises(TypeError):
        NdesConnector.from_msgpack_page("not bytes")  # type: ignore[arg-type]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(cs=st.lists(connectors, max_size=5), link=st.none() | st.text(), data=st.data())
def test_any_member_order_of_any_page(cs, link, data):
    members: list[tuple[str, object]] = [
        ("value", [json.loads(c.to_json()) for c in cs]),
        ("@odata.context", CONTEXT),
        ("@odata.count", len(cs)),
    ]
    if link is not None or data.draw(st.booleans()):
        members.append(("@odata.nextLink", link))
    members = data.draw(st.permutations(members))
    body = "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in members) + "}"
    assert NdesConnector.from_json_page(body.encode()) == (cs, link)
    assert NdesConnector.from_msgpack_page(msgpack.packb(dict(members))) == (cs, link)
