"""Hostile bodies and arguments, each with the outcome it must get: accepted as plain data, or
a typed error. `python tests/test_hostile.py` prints the table for docs/reliability.md."""

from __future__ import annotations

import json
from collections.abc import Callable

import msgpack
import pytest

import ndes
from ndes import DecodeError, NdesConnector, ValidationError
from ndes.emulator import EmulatorBackend, GraphEmulator


def from_json(data: bytes) -> Callable[[], object]:
    return lambda: NdesConnector.from_json(data)


def from_msgpack(data: bytes) -> Callable[[], object]:
    return lambda: NdesConnector.from_msgpack(data)


def header_injection_in_display_name() -> object:
    emu = GraphEmulator()
    with ndes.Client("t", backend=EmulatorBackend(emu)) as client:
        client.create(display_name="x\r\nX-Injected: 1\r\n\r\n")
    (seen,) = emu.requests
    assert "x-injected" not in seen.headers
    assert b"\\r\\nX-Injected: 1\\r\\n\\r\\n" in seen.body and b"\r\n" not in seen.body
    return seen


def token_with_crlf() -> object:
    with ndes.Client("t\r\nX-Injected: 1", backend=EmulatorBackend()) as client:
        return client.create(display_name="x")


def self_containing() -> list[object]:
    loop: list[object] = []
    loop.append(loop)
    return loop


HUGE = "\u00e9" * 5_000_000
DEEP = b'{"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
MANY_KEYS = b"{" + b",".join(b'"k%d":%d' % (i, i) for i in range(100_000)) + b"}"
CASES: list[tuple[str, Callable[[], object], type[BaseException] | None]] = [
    ("a 10 MB displayName", from_json(json.dumps({"displayName": HUGE}).encode()), None),
    ("100,000 levels of nesting", from_json(DEEP), DecodeError),
    ("100,000 unknown keys", from_json(MANY_KEYS), None),
    ("a 1 MB key", from_json(b'{"' + b"k" * 1_000_000 + b'":1}'), None),
    (
        "100,000 roleScopeTagIds",
        from_json(json.dumps({"roleScopeTagIds": ["0"] * 100_000}).encode()),
        None,
    ),
    ("NaN", from_json(b'{"x":NaN}'), DecodeError),
    ("Infinity", from_json(b'{"x":-Infinity}'), DecodeError),
    ("1e400 (no finite value)", from_json(b'{"x":1e400}'), DecodeError),
    ("a 400-digit integer", from_json(b'{"x":' + b"9" * 400 + b"}"), None),
    (
        "a 5,000-digit integer (beyond int's str limit)",
        from_json(b'{"x":' + b"9" * 5000 + b"}"),
        DecodeError,
    ),
    (
        "@odata.type of another type after the fields",
        from_json(b'{"state":"active","@odata.type":"#microsoft.graph.user"}'),
        DecodeError,
    ),
    (
        "a doubled @odata.type",
        from_json(b'{"@odata.type":"#microsoft.graph.ndesConnector","@odata.type":"x"}'),
        DecodeError,
    ),
    ("a number where a string belongs", from_json(b'{"displayName":5}'), DecodeError),
    ("an object where a date belongs", from_json(b'{"enrolledDateTime":{}}'), DecodeError),
    ("overlong UTF-8 (C0 AF)", from_json(b'{"displayName":"\xc0\xaf"}'), DecodeError),
    (
        "UTF-8-encoded surrogate (ED A0 80)",
        from_json(b'{"displayName":"\xed\xa0\x80"}'),
        DecodeError,
    ),
    ("a raw NUL in a string", from_json(b'{"displayName":"a\x00b"}'), DecodeError),
    ("an escaped NUL (\\u0000)", from_json(b'{"displayName":"a\\u0000b"}'), None),
    ("a lone high surrogate escape", from_json(b'{"displayName":"\\ud800"}'), DecodeError),
    ("two high surrogate escapes", from_json(b'{"displayName":"\\ud800\\ud800"}'), DecodeError),
    ("__proto__ and constructor keys", from_json(b'{"__proto__":{"a":1},"constructor":1}'), None),
    ("a duplicate key", from_json(b'{"state":"none","state":"active"}'), DecodeError),
    ("a byte order mark", from_json(b"\xef\xbb\xbf{}"), DecodeError),
    (
        "MessagePack map claiming 4 billion entries",
        from_msgpack(b"\xdf\xff\xff\xff\xff"),
        DecodeError,
    ),
    (
        "MessagePack string claiming 4 GB",
        from_msgpack(b"\x81\xa1x\xdb\xff\xff\xff\xff"),
        DecodeError,
    ),
    ("MessagePack NaN", from_msgpack(msgpack.packb({"x": float("nan")})), DecodeError),
    ("MessagePack binary value", from_msgpack(msgpack.packb({"x": b"\x00"})), DecodeError),
    ("MessagePack non-string key", from_msgpack(msgpack.packb({1: 1})), DecodeError),
    (
        "a str argument with a lone surrogate",
        lambda: NdesConnector(display_name="\udfff"),
        ValidationError,
    ),
    (
        "a set in additional_data",
        lambda: NdesConnector(additional_data={"x": {1}}),
        ValidationError,
    ),
    (
        "a self-containing list in additional_data",
        lambda: NdesConnector(additional_data={"x": self_containing()}),
        ValidationError,
    ),
    ("CR/LF in display_name (header injection)", header_injection_in_display_name, None),
    ("CR/LF in the token (header injection)", token_with_crlf, ndes.CredentialError),
    (
        "a javascript: base URL",
        lambda: ndes.Client("t", base_url="javascript:alert(1)"),
        ValueError,
    ),
    ("a file: base URL", lambda: ndes.Client("t", base_url="file:///etc/passwd"), ValueError),
]


@pytest.mark.parametrize(("name", "attempt", "error"), CASES, ids=[c[0] for c in CASES])
def test_hostile(
    name: str, attempt: Callable[[], object], error: type[BaseException] | None
) -> None:
    if error is None:
        result = attempt()
        if isinstance(result, NdesConnector):
            assert NdesConnector.from_json(result.to_json()) == result
    else:
        with pytest.raises(error):
            attempt()


ACCEPTED_AS = {
    "CR/LF in display_name (header injection)": "sent escaped in the JSON body; no header added",
}


def main() -> None:
    print("| hostile input | outcome |")
    print("|---|---|")
    for name, attempt, _ in CASES:
        try:
            attempt()
            outcome = ACCEPTED_AS.get(name, "accepted as plain data")
        except Exception as exc:  # noqa: BLE001 - reported as it is
            text = str(exc).split(" (at byte")[0]
            outcome = f"{type(exc).__name__}: {text[:90]}"
        print(f"| {name} | {outcome.replace('|', '/')} |")


if __name__ == "__main__":
    main()
