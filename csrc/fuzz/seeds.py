"""Writes the seed inputs of each fuzz target into tests/corpus/<target>/ (run once; the
fuzzers add what they find). `seeds.py TARGET...` writes those targets' seeds only."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import msgpack

TESTS = Path(__file__).resolve().parents[2] / "tests"
CORPUS = TESTS / "corpus"
sys.path.insert(0, str(TESTS))
from test_wire import GRAPH_201  # noqa: E402 - the Graph body the tests use

JSON = [
    GRAPH_201,
    b"{}",
    b'{"state":"degraded","displayName":null,"roleScopeTagIds":[]}',
    b'{"x":{"a":[1,-2,3.5e1,true,false,null,"s"]},"y":{},"n":18446744073709551615}',
    b'{"big":18446744073709551616}',
    b'{"display\\u004eame":"\\u00e9\\ud83d\\ude00\\/\\t\\""}',
    '{"displayName":"日本語 é"}'.encode(),
    b' { "state" : "none" } ',
]
DATES = [
    b"2026-11-28T09:30:00Z",
    b"2016-12-31T23:58:46.7156189-08:00",
    b"0001-01-01T00:00:00+23:59",
    b"9999-12-31t23:59:59.999999999999z",
    b"2024-02-29T12:00:00.5+05:30",
]


def write(target: str, data: bytes) -> None:
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


# Documents whose members come in orders other than the writer's (Kiota writes id first).
ORDER_JSON = [
    GRAPH_201,
    b'{"id":"1","@odata.type":"#microsoft.graph.ndesConnector","state":"active"}',
    b'{"state":"active","machineName":"m","@odata.type":"#microsoft.graph.ndesConnector",'
    b'"x":{"y":[1,2]},"roleScopeTagIds":["a"],"displayName":"d"}',
    b'{"z":1,"@odata.context":"c","enrolledDateTime":"2025-01-02T03:04:05Z","id":null,"a":[]}',
    b'{ "connectorVersion" : "6.2" , "lastConnectionDateTime" : "2016-12-31T23:58:46-08:00" }',
]


def order_seeds() -> None:
    """Byte 0: format (0 JSON, 1 MessagePack); bytes 1-4: the order's seed; then the document."""
    for k, doc in enumerate(ORDER_JSON):
        seed = bytes([k * 37 % 256, 1, 2, 3])
        write("order", b"\x00" + seed + doc)
        write("order", b"\x01" + seed + msgpack.packb(json.loads(doc)))


def main() -> None:
    if len(sys.argv) > 1:
        for target in sys.argv[1:]:
            {"order": order_seeds}[target]()
        return
    order_seeds()
    for doc in JSON:
        write("json", doc)
        write("json_array", b"[" + doc + b"," + doc + b"]")
        obj = json.loads(doc)
        if b"big" not in doc:  # beyond MessagePack's 64 bits
            write("msgpack", b"\x00" + msgpack.packb(obj))
            write("msgpack", b"\x01" + msgpack.packb([obj, obj]))
    write("json_array", b"[]")
    write(
        "msgpack", b"\x00" + msgpack.packb({"enrolledDateTime": msgpack.Timestamp(1795858200, 5)})
    )
    for d in DATES:
        write("datetime", d)
    write("roundtrip", bytes(range(24)) + "é\xffid\xffname\xff".encode("latin-1"))
    write("roundtrip", bytes([0xFF] * 24) + b"a\xffb\xffc\xffd\xffe\xfff\xffg\xff")
    print(f"seeds written under {CORPUS}", file=sys.stderr)


if __name__ == "__main__":
    main()
