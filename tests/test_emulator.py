"""The emulator validates a create the way Graph does."""

from __future__ import annotations

import json

import pytest
from conftest import TOKEN

from ndes.emulator import FAULT_KINDS, GraphEmulator

BASE = "http://localhost/beta"
PATH = "/beta/deviceManagement/ndesConnectors"


def post(emu, body: bytes, headers: dict | None = None):
    h = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    h.update(headers or {})
    return emu.handle("POST", PATH, h, body, None, BASE)


def error_of(reply):
    return json.loads(reply.body)["error"]


def test_created_with_context_and_id():
    emu = GraphEmulator()
    reply = post(emu, b'{"displayName":"x","state":"active"}', {"client-request-id": "abc"})
    assert reply.status == 201
    doc = json.loads(reply.body)
    assert list(doc)[:3] == ["@odata.context", "@odata.type", "id"]
    assert doc["@odata.context"] == f"{BASE}/$metadata#deviceManagement/ndesConnectors/$entity"
    assert reply.headers["client-request-id"] == "abc"
    assert reply.headers["Location"].endswith(f"('{doc['id']}')")


@pytest.mark.parametrize(
    ("body", "headers", "status", "words"),
    [
        (b'{"state":"broken"}', {}, 400, "Cannot convert the literal 'broken'"),
        (b'{"lastConnectionDateTime":"2026-11-28T09:30:00"}', {}, 400, "missing UTC offset"),
        (b'{"displayName":', {}, 400, "Invalid request body"),
        (b'{"unknownProp":1}', {}, 400, "'unknownProp' does not exist"),
        (b"{}", {"content-type": "text/plain"}, 400, "Unsupported Content-Type"),
        (b"{}", {"authorization": ""}, 401, "Access token is empty"),
        (b"{}", {"authorization": "Basic abc"}, 401, "Access token is empty"),
    ],
)
def test_refused_like_graph(body, headers, status, words):
    emu = GraphEmulator()
    reply = post(emu, body, headers)
    assert reply.status == status
    err = error_of(reply)
    assert words in err["message"]
    assert set(err["innerError"]) == {"date", "request-id", "client-request-id"}
    assert emu.connectors == []


def test_routes():
    emu = GraphEmulator()
    auth = {"authorization": f"Bearer {TOKEN}"}
    assert emu.handle("GET", PATH + "/nope", auth, b"").status == 404
    assert emu.handle("GET", "/beta/users", auth, b"").status == 404
    assert emu.handle("DELETE", PATH, auth, b"").status == 405
    assert json.loads(emu.handle("GET", PATH, auth, b"").body)["value"] == []


def test_unknown_fault_kind():
    with pytest.raises(ValueError, match="unknown fault"):
        GraphEmulator().inject("explode")
    assert "drop_after_body" in FAULT_KINDS


def test_admin_endpoint_for_other_processes(server, emu):
    import urllib.request

    req = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/_emulator/faults",
        data=json.dumps({"kind": "status", "status": 503, "count": 2}).encode(),
        method="POST",
    )
    urllib.request.urlopen(req).read()
    assert emu.next_fault().params == {"status": 503}
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/_emulator") as r:
        assert json.loads(r.read()) == {"requests": 0, "connectors": 0}
