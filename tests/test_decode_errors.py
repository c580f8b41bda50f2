"""Every malformed input gets a DecodeError with the byte offset: never a crash or a hang."""

from __future__ import annotations

import msgpack
import pytest

from ndes import DecodeError, NdesConnector

JSON_CASES = [
    # (input, offset, words in the message)
    (b"", 0, "unexpected end of input"),
    (b'{"displayName":"NDES', 20, "unexpected end of input"),
    (b'{"state":"active"', 17, "unexpected end of input"),
    (b"{} {}", 3, "trailing data"),
    (b'{"a":1}garbage', 7, "trailing data"),
    (b"[]", 0, "expected a JSON object at the top level, got an array"),
    (b"null", 0, "got null"),
    (b"42", 0, "got an integer"),
    (b'{"displayName":"\xff"}', 16, "invalid UTF-8"),
    (b'{"displayName":"\xc3\x28"}', 16, "invalid UTF-8"),
    (b'{"displayName":"\xed\xa0\x80"}', 16, "invalid UTF-8"),  # a surrogate in UTF-8
    (b'{"displayName":"\xf0\x80\x80\xaf"}', 16, "invalid UTF-8"),  # overlong
    (b'{"displayName":"\\q"}', 16, "invalid escape"),
    (b'{"displayName":"\\u00"}', 16, "invalid \\u escape"),
    (b'{"displayName":"\\ud83d"}', 16, "lone surrogate"),
    (b'{"displayName":"\\ude00x"}', 16, "lone surrogate"),
    (b'{"displayName":"a\nb"}', 17, "control character U+000A"),
    (b'{"lastConnectionDateTime":"2026-02-30T00:00:00Z"}', 27, "day out of range"),
    (b'{"lastConnectionDateTime":"2026-11-28T09:30:00"}', 46, "missing UTC offset"),
    (b'{"lastConnectionDateTime":"2026-11-28T25:30:00Z"}', 27, "hour out of range"),
    (b'{"lastConnectionDateTime":"2026-11-28"}', 37, "expected 'T'"),
    (b'{"lastConnectionDateTime":"2016-12-31T23:59:60Z"}', 27, "leap second"),
    (b'{"lastConnectionDateTime":1480000000}', 26, "expected an RFC 3339"),
    (b'{"state":["active"]}', 9, "state: expected a string or null, got an array"),
    (b'{"id":1}', 6, "id: expected a string or null, got an integer"),
    (b'{"roleScopeTagIds":[1]}', 20, "roleScopeTagIds[0]: expected a string"),
    (b'{"displayName":"a","displayName":"b"}', 19, 'duplicate key "displayName"'),
    (b'{"x":1,"x":2}', 7, 'duplicate key "x"'),
    (b'{"x":{"k":1,"k":2}}', 12, 'duplicate key "k"'),
    (b'{"@odata.type":"#microsoft.graph.user"}', 15, "is not #microsoft.graph.ndesConnector"),
    (b'{"x":NaN}', 5, "unexpected byte"),
    (b'{"x":Infinity}', 5, "unexpected byte"),
    (b'{"x":1e400}', 5, "number out of range"),
    (b'{"x":-}', 6, "invalid number"),
    (b'{"x":[1,]}', 8, "expected a value"),
    (b'{"x":1,}', 7, "expected a string key"),
    (b"{'x':1}", 1, "expected a string key"),
    (b'\xef\xbb\xbf{"x":1}', 0, "unexpected byte 0xEF"),
    (b'{"x":' + b"[" * 64 + b"]" * 64 + b"}", 68, "nesting deeper than 64 levels"),
]


@pytest.mark.parametrize(("data", "offset", "words"), JSON_CASES)
def test_json_errors(data, offset, words):
    with pytest.raises(DecodeError) as e:
        NdesConnector.from_json(data)
    assert e.value.offset == offset
    assert words in e.value.reason
    assert f"(at byte {offset})" in str(e.value)
    assert isinstance(e.value, ValueError)


def test_deep_nesting_at_the_limit_is_accepted():
    data = b'{"x":' + b"[" * 63 + b"]" * 63 + b"}"
    value = NdesConnector.from_json(data).additional_data["x"]
    depth = 0
    while isinstance(value, list) and value:
        value, depth = value[0], depth + 1
    assert depth == 62


def test_str_input_with_lone_surrogate():
    with pytest.raises(DecodeError, match="lone surrogate"):
        NdesConnector.from_json('{"displayName":"\ud800"}')


def mp(obj) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


MSGPACK_CASES = [
    (b"", 0, "unexpected end of input"),
    (mp({"state": "active"})[:-2], 12, "unexpected end of input"),
    (mp({}) + b"\xc0", 1, "trailing data"),
    (mp([1]), 0, "expected a MessagePack object at the top level, got an array"),
    (b"\xc1", 0, "invalid MessagePack type byte 0xC1"),
    (mp({1: 2}), 1, "expected a string key, got an integer"),
    (mp({"x": b"raw"}), 3, "got binary data"),
    (mp({"x": msgpack.ExtType(5, b"z")}), 3, "got binary data"),
    (b"\x81\xa1x\xa1\xff", 4, "invalid UTF-8"),
    (mp({"state": 1}), 7, "state: expected a string or null, got an integer"),
    (mp({"enrolledDateTime": "2026-11-28T09:30:00"}), 38, "missing UTC offset"),
    (b"\xdf\xff\xff\xff\xff", 5, "unexpected end of input"),  # a map claiming 4 billion entries
    (b"\x81\xa1x\xdb\xff\xff\xff\xff", 8, "unexpected end of input"),
    (b"\x81\xa1x" + b"\x91" * 64 + b"\xc0", 66, "nesting deeper than 64 levels"),
    (mp({"x": float("nan")}), 3, "number is not finite"),
    (mp({"x": [float("-inf")]}), 4, "number is not finite"),
    (b"\x82\xa1x\x01\xa1x\x02", 4, 'duplicate key "x"'),
]


@pytest.mark.parametrize(("data", "offset", "words"), MSGPACK_CASES)
def test_msgpack_errors(data, offset, words):
    with pytest.raises(DecodeError) as e:
        NdesConnector.from_msgpack(data)
    assert e.value.offset == offset
    assert words in e.value.reason


def test_every_truncation_of_a_real_body_is_a_decode_error():
    from test_wire import GRAPH_201

    packed = NdesConnector.from_json(GRAPH_201).to_msgpack()
    for end in range(len(GRAPH_201)):
        with pytest.raises(DecodeError):
            NdesConnector.from_json(GRAPH_201[:end])
    for end in range(len(packed)):
        with pytest.raises(DecodeError):
            NdesConnector.from_msgpack(packed[:end])


def test_messages_quoting_input_stay_valid_text():
    """Found by the mutation test: a duplicate key cut at 60 bytes inside a 4-byte character."""
    key = "0" * 57 + "\U00010000"
    data = msgpack.packb({key: None})
    data = data[:1] + data[1:] + data[1:]  # the same key twice
    data = bytes([0x82]) + data[1:]
    with pytest.raises(DecodeError) as e:
        NdesConnector.from_msgpack(data)
    assert e.value.reason == f'duplicate key "{"0" * 57}..."'
    with pytest.raises(DecodeError) as e:
        NdesConnector.from_json(b'{"enrolledDateTime":"' + "\U00010000".encode() * 20 + b'"}')
    assert "\U00010000" * 10 + "..." in e.value.reason
