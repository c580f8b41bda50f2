"""Every codec path, good inputs and bad, N times: the script `make memcheck` runs under valgrind
and test_leaks.py runs a million times."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone

from ndes import DecodeError, NdesConnector, ValidationError

TZ = timezone(timedelta(hours=-8))
BODY = (
    b'{"@odata.context":"x","@odata.type":"#microsoft.graph.ndesConnector","id":"8ea5",'
    b'"lastConnectionDateTime":"2016-12-31T23:58:46.7156189-08:00","state":"degraded",'
    b'"displayName":"D\\u00e9 \\ud83d\\ude00","roleScopeTagIds":["a","b"],'
    b'"healthState":{"level":3,"ok":true,"l":[1,2.5,null,"x",12345678901234567890]}}'
)
BAD_JSON = [
    b'{"x":[1,2,{"a":',
    b'{"x":1,"x":2}',
    b'{"state":1}',
    b'{"x":{"k":[1,{"z":1e999}]}}',
    b'{"roleScopeTagIds":["a",1]}',
    b'{"displayName":"\\ud800"}',
    b'{"lastConnectionDateTime":"2026-02-30T00:00:00Z"}',
    b"[{}]",
    b'{"a":"\xff"}',
    b'{"state":"none","@odata.type":"#microsoft.graph.ndesConnector","@odata.type":"x"}',
    b'{"x":' + b"9" * 5000 + b"}",
]
BAD_PAGES = [b"{}", b'{"value":[{"id":1}]}', b'{"value":[],"@odata.nextLink":5}', b'{"value":{}}']
BAD_MSGPACK = [b"\x81\xa1x\xc4\x01z", b"\xdf\xff\xff\xff\xff", b"\x81\xa1x" + b"\x91" * 70]
BAD_FIELDS = [
    {"state": "x"},
    {"display_name": "\ud800"},
    {"additional_data": {"x": [{1}]}},
    {"role_scope_tag_ids": ["a", 2]},
    {"last_connection_date_time": datetime(2026, 1, 1)},
]


def cycle() -> None:
    c = NdesConnector.from_json(BODY)
    c.to_json()
    c.to_dict()
    NdesConnector.from_dict(c.to_dict())
    NdesConnector.from_msgpack(c.to_msgpack())
    d = NdesConnector.from_msgpack(c.to_msgpack())  # strings kept as UTF-8 until read
    d.display_name  # noqa: B018 - reads a decoded field
    d.role_scope_tag_ids.append("c")
    d.id = "changed"
    d.to_json()
    made = NdesConnector(
        display_name="x",
        state="active",
        last_connection_date_time=datetime(2026, 1, 1, tzinfo=TZ),
        role_scope_tag_ids=["1"],
        additional_data={"a": [1, {"b": 2.5}]},
    )
    made.last_connection_date_time  # noqa: B018 - builds a datetime
    batch = NdesConnector.to_json_array([made, c])
    NdesConnector.from_json_array(batch)
    NdesConnector.from_msgpack_array(NdesConnector.to_msgpack_array([made]))
    page = b'{"@odata.context":"x","value":[' + BODY + b"," + BODY + b'],"@odata.nextLink":"n"}'
    NdesConnector.from_json_page(bytearray(page))
    NdesConnector.from_msgpack_page(b"\x81\xa5value\x91" + c.to_msgpack())
    for bad in BAD_PAGES:
        try:
            NdesConnector.from_json_page(bad)
        except DecodeError:
            pass
    for bad in BAD_JSON:
        try:
            NdesConnector.from_json(bad)
        except DecodeError:
            pass
    for bad in BAD_MSGPACK:
        try:
            NdesConnector.from_msgpack(bad)
        except DecodeError:
            pass
    for fields in BAD_FIELDS:
        try:
            NdesConnector(**fields)
        except ValidationError:
            pass
    c.additional_data["bad"] = [float("nan")]
    try:
        c.to_json()
    except ValidationError:
        pass


if __name__ == "__main__":
    for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 1000):
        cycle()
    print("workout done")
