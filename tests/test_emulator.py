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


def test_one_date_header_per_response(server, emu):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for path in (PATH, PATH + "/missing", "/_emulator"):
        conn.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}"})
        response = conn.getresponse()
        response.read()
        assert len(response.headers.get_all("Date")) == 1, path
    conn.close()


def make(emu, **fields):
    from ndes import NdesConnector

    auth = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    reply = emu.handle("POST", PATH, auth, NdesConnector(**fields).to_json(), None, BASE)
    return json.loads(reply.body)["id"]


def listed(emu, query: str) -> tuple[int, dict]:
    reply = emu.handle("GET", f"{PATH}?{query}", {"authorization": f"Bearer {TOKEN}"}, b"")
    return reply.status, json.loads(reply.body)


def test_filter_quoting_and_operators():
    emu = GraphEmulator()
    make(emu, display_name="O'Brien", state="active")
    make(emu, display_name="plain", state="inactive")
    from urllib.parse import quote

    def names(expression: str) -> list[str]:
        status, doc = listed(emu, "$filter=" + quote(expression))
        assert status == 200, doc
        return [v.get("displayName") for v in doc["value"]]

    assert names("displayName eq 'O''Brien'") == ["O'Brien"]
    assert names("displayName ne 'O''Brien'") == ["plain"]
    assert names("state eq 'active' or state eq 'inactive'") == ["O'Brien", "plain"]
    assert names("state eq 'active' and displayName eq 'plain'") == []
    assert names("machineName eq null") == ["O'Brien", "plain"]
    for bad, words in [
        ("displayName eq", "ends too early"),
        ("displayName gt 'a'", "'eq' or 'ne' expected"),
        ("roleScopeTagIds eq 'a'", "cannot be used in a $filter"),
        ("(state eq 'active'", "ends too early"),
        ("(state eq 'active' state", "')' expected"),
        ("displayName eq 'unterminated", "Syntax error"),
    ]:
        status, doc = listed(emu, "$filter=" + quote(bad))
        assert status == 400 and words in doc["error"]["message"], bad


def test_select_and_paging_with_skiptoken():
    emu = GraphEmulator(page_size=2)
    for i in range(5):
        make(emu, display_name=f"n{i}", state="active", machine_name="m")
    status, doc = listed(emu, "$select=displayName,state&$top=3")
    assert status == 200
    assert doc["value"] == [{"displayName": "n0", "state": "active"}] + [
        {"displayName": "n1", "state": "active"}
    ]
    assert doc["@odata.nextLink"] == (
        f"{BASE}/deviceManagement/ndesConnectors?$select=displayName%2Cstate&$top=3&$skiptoken=2"
    )
    status, doc = listed(emu, "$select=displayName%2Cstate&$top=3&$skiptoken=2")
    assert [v["displayName"] for v in doc["value"]] == ["n2"] and "@odata.nextLink" not in doc
    assert listed(emu, "$skiptoken=bogus")[0] == 400
    assert listed(emu, "$top=-1")[0] == 400
    assert listed(emu, "$select=colour")[0] == 400


def test_patch_and_delete_of_one_item():
    emu = GraphEmulator()
    key = make(emu, display_name="x", machine_name="m")
    h = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    reply = emu.handle("PATCH", f"{PATH}/{key}", h, b'{"state":"inactive","machineName":null}')
    assert reply.status == 200
    doc = json.loads(reply.body)
    assert doc["state"] == "inactive" and "machineName" not in doc and doc["id"] == key
    for body, words in [
        (b'{"state":"broken"}', "Cannot convert the literal 'broken'"),
        (b'{"colour":"red"}', "'colour' does not exist"),
        (b'{"id":"other"}', "cannot be changed"),
        (b"[1]", "Invalid request body"),
    ]:
        reply = emu.handle("PATCH", f"{PATH}/{key}", h, body)
        assert reply.status == 400 and words in error_of(reply)["message"], body
    reply = emu.handle("PATCH", f"{PATH}/{key}", {**h, "content-type": "text/plain"}, b"{}")
    assert reply.status == 400
    reply = emu.handle("DELETE", f"{PATH}/{key}", h, b"")
    assert (reply.status, reply.body) == (204, b"") and emu.connectors == []
    reply = emu.handle("DELETE", f"{PATH}/{key}", h, b"")
    assert reply.status == 404 and error_of(reply)["code"] == "ResourceNotFound"


def test_faults_for_one_method_wait_for_it():
    emu = GraphEmulator()
    emu.inject("status", status=503, method="DELETE")
    emu.inject("status", status=429)
    assert emu.next_fault("GET").kind == "status"  # the one for any method
    assert emu.next_fault("GET") is None
    assert emu.next_fault("DELETE").params == {"status": 503}
