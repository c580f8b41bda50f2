"""The wire rules: what to_json/to_msgpack/to_dict write and what from_* accept."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import msgpack
import pytest

from ndes import NdesConnector, NdesConnectorState

UTC = timezone.utc

# The 201 Created body Graph documents for this resource, with an unknown property added.
GRAPH_201 = (
    b'{"@odata.context":"https://graph.microsoft.com/beta/$metadata#deviceManagement/'
    b'ndesConnectors/$entity","@odata.type":"#microsoft.graph.ndesConnector",'
    b'"id":"8ea5d7a6-d7a6-8ea5-a6d7-a58ea6d7a58e",'
    b'"lastConnectionDateTime":"2016-12-31T23:58:46.7156189-08:00","state":"active",'
    b'"displayName":"Display Name value","enrolledDateTime":"2017-01-01T00:00:22.7321468-08:00",'
    b'"machineName":"Machine Name value","connectorVersion":"Connector Version value",'
    b'"roleScopeTagIds":["Role Scope Tag Ids value"],"healthState":{"level":3,"ok":true}}'
)


def test_key_order_and_omitted_fields():
    c = NdesConnector(
        role_scope_tag_ids=[],
        connector_version="v",
        machine_name="m",
        enrolled_date_time=datetime(2026, 1, 1, tzinfo=UTC),
        display_name="d",
        state="none",
        last_connection_date_time=datetime(2026, 1, 2, tzinfo=UTC),
        id="i",
        additional_data={"zeta": 1, "alpha": 2},
    )
    keys = list(json.loads(c.to_json()))
    assert keys == [
        "@odata.type",
        "id",
        "lastConnectionDateTime",
        "state",
        "displayName",
        "enrolledDateTime",
        "machineName",
        "connectorVersion",
        "roleScopeTagIds",
        "zeta",
        "alpha",
    ]
    assert list(msgpack.unpackb(c.to_msgpack())) == keys
    assert list(NdesConnector(machine_name="m").to_dict()) == ["@odata.type", "machineName"]


@pytest.mark.parametrize(
    ("text", "wire"),
    [
        ("plain", b'"plain"'),
        ("é日本🎉", '"é日本🎉"'.encode()),
        ('q"b\\s/', b'"q\\"b\\\\s/"'),
        ("\n\r\t\b\f", b'"\\n\\r\\t\\b\\f"'),
        ("\x00\x01\x1f\x7f", b'"\\u0000\\u0001\\u001f\x7f"'),
        ("\u2028", '"\u2028"'.encode()),
        ("", b'""'),
    ],
)
def test_strings_are_utf8_with_minimal_escapes(text, wire):
    body = NdesConnector(display_name=text).to_json()
    assert body.endswith(b',"displayName":' + wire + b"}")
    assert json.loads(body)["displayName"] == text
    assert NdesConnector.from_json(body).display_name == text


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (datetime(2026, 11, 28, 9, 30, tzinfo=UTC), "2026-11-28T09:30:00Z"),
        (datetime(2026, 11, 28, 9, 30, 0, 5, tzinfo=UTC), "2026-11-28T09:30:00.000005Z"),
        (
            datetime(2026, 11, 28, 9, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            "2026-11-28T09:30:00+05:30",
        ),
        (
            datetime(1, 1, 1, tzinfo=timezone(-timedelta(hours=14))),
            "0001-01-01T00:00:00-14:00",
        ),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "9999-12-31T23:59:59.999999Z"),
        (datetime(2026, 1, 1, tzinfo=timezone(timedelta(0))), "2026-01-01T00:00:00Z"),
    ],
)
def test_datetime_offset_out(value, wire):
    c = NdesConnector(last_connection_date_time=value)
    assert json.loads(c.to_json())["lastConnectionDateTime"] == wire
    back = NdesConnector.from_json(c.to_json()).last_connection_date_time
    assert back == value and back.utcoffset() == value.utcoffset()


def test_graph_201_body_is_read_whole():
    c = NdesConnector.from_json(GRAPH_201)
    assert c.id == "8ea5d7a6-d7a6-8ea5-a6d7-a58ea6d7a58e"
    assert c.state is NdesConnectorState.ACTIVE
    assert c.last_connection_date_time == datetime(
        2016, 12, 31, 23, 58, 46, 715618, tzinfo=timezone(timedelta(hours=-8))
    )
    assert c.enrolled_date_time.utcoffset() == timedelta(hours=-8)
    assert c.role_scope_tag_ids == ["Role Scope Tag Ids value"]
    assert c.additional_data == {"healthState": {"level": 3, "ok": True}}
    out = json.loads(c.to_json())
    assert "@odata.context" not in out  # response-only annotation, not sent back
    assert out["healthState"] == {"level": 3, "ok": True}  # unknown property kept


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, lambda b: b.decode()])
def test_from_json_input_types(kind):
    assert NdesConnector.from_json(kind(GRAPH_201)) == NdesConnector.from_json(GRAPH_201)


def test_from_json_rejects_other_types():
    with pytest.raises(TypeError, match="expected bytes"):
        NdesConnector.from_json(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not str"):
        NdesConnector.from_msgpack("{}")  # type: ignore[arg-type]


def test_null_properties_read_as_none():
    c = NdesConnector.from_json(
        b'{"id":null,"state":null,"displayName":null,"lastConnectionDateTime":null,'
        b'"roleScopeTagIds":null,"x":null}'
    )
    assert c.id is None and c.state is None and c.display_name is None
    assert c.last_connection_date_time is None and c.role_scope_tag_ids is None
    assert c.additional_data == {"x": None}


def test_additional_values_round_trip_exactly():
    extra = {
        "ints": [0, -1, 2**63 - 1, -(2**63), 2**64 - 1, 10**30, -(10**30)],
        "floats": [0.1, -2.5e-300, 1e300, 1.0, -0.0],
        "nested": {"a": {"b": [[], {}, "", None, False]}},
        "unicode": "é\u2028\x00",
    }
    c = NdesConnector(additional_data=extra)
    assert NdesConnector.from_json(c.to_json()).additional_data == extra
    assert json.loads(c.to_json())["floats"] == extra["floats"]
    mp_extra = dict(extra, ints=extra["ints"][:5])
    c.additional_data = mp_extra
    assert NdesConnector.from_msgpack(c.to_msgpack()).additional_data == mp_extra


def test_big_ints_do_not_fit_messagepack():
    c = NdesConnector(additional_data={"n": 2**64})
    assert c.to_json().endswith(b'"n":18446744073709551616}')
    with pytest.raises(ValueError, match="does not fit MessagePack"):
        c.to_msgpack()


def test_to_dict_is_the_json_document():
    c = NdesConnector.from_json(GRAPH_201)
    d = c.to_dict()
    assert d == json.loads(c.to_json())
    assert type(d["state"]) is str
    assert NdesConnector.from_dict(d) == c
    d["roleScopeTagIds"].append("changed")
    d["healthState"]["level"] = 4
    assert c.role_scope_tag_ids == ["Role Scope Tag Ids value"]
    assert c.additional_data["healthState"]["level"] == 3


def test_from_dict_rules():
    c = NdesConnector.from_dict(
        {
            "@odata.type": "#microsoft.graph.ndesConnector",
            "@odata.etag": "W/1",
            "state": "futureState",
            "lastConnectionDateTime": "2026-11-28T09:30:00.1234567+01:00",
            "enrolledDateTime": datetime(2026, 1, 1, tzinfo=UTC),
            "extra": [1],
        }
    )
    assert c.state == "futureState"
    assert c.last_connection_date_time.microsecond == 123456
    assert c.additional_data == {"extra": [1]}
    from ndes import ValidationError

    with pytest.raises(ValidationError) as e:
        NdesConnector.from_dict({"@odata.type": "#microsoft.graph.user"})
    assert e.value.field == "@odata.type"
    with pytest.raises(ValidationError) as e:
        NdesConnector.from_dict({"displayName": 3})
    assert e.value.field == "displayName"
    with pytest.raises(ValidationError) as e:
        NdesConnector.from_dict({"x": {1}})
    assert e.value.field == "additional_data['x']"
    with pytest.raises(TypeError):
        NdesConnector.from_dict([])  # type: ignore[arg-type]


def test_msgpack_is_the_same_document():
    c = NdesConnector.from_json(GRAPH_201)
    assert msgpack.unpackb(c.to_msgpack()) == json.loads(c.to_json())


def test_msgpack_timestamp_extension_reads_as_utc():
    ts = msgpack.Timestamp(seconds=1795858200, nanoseconds=123456789)
    body = msgpack.packb({"enrolledDateTime": ts, "x": ts})
    c = NdesConnector.from_msgpack(body)
    assert c.enrolled_date_time == datetime(2026, 11, 28, 9, 30, 0, 123456, tzinfo=UTC)
    assert c.enrolled_date_time.utcoffset() == timedelta(0)
    assert c.additional_data == {"x": "2026-11-28T09:30:00.123456Z"}


def test_msgpack_from_other_packers():
    doc = json.loads(GRAPH_201)
    for packed in (msgpack.packb(doc), msgpack.packb(doc, use_bin_type=False)):
        assert NdesConnector.from_msgpack(packed) == NdesConnector.from_json(GRAPH_201)
    assert NdesConnector.from_msgpack(bytearray(msgpack.packb(doc))).id == doc["id"]
