"""The emulator's $batch and write throttling, as Graph does them."""

from __future__ import annotations

import json
import urllib.request

import pytest

from ndes import NdesConnector
from ndes.emulator import GraphEmulator
from ndes.emulator._throttle import WriteThrottle

AUTH = {"authorization": "Bearer app-a", "content-type": "application/json"}


def sub(i, body=None, method="POST", url="/deviceManagement/ndesConnectors", headers=None):
    request = {"id": str(i), "method": method, "url": url}
    if body is not None:
        request["body"] = body
        request["headers"] = {"Content-Type": "application/json"} if headers is None else headers
    return request


def batch(emu, requests, headers=AUTH):
    reply = emu.handle("POST", "/beta/$batch", dict(headers), json.dumps(requests).encode())
    return reply.status, json.loads(reply.body)


def post(emu, token="app-a"):
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    return emu.handle("POST", "/beta/deviceManagement/ndesConnectors", headers, b"{}")


def test_each_sub_request_goes_through_the_same_handler():
    emu = GraphEmulator()
    requests = [
        sub(0, {"displayName": "a", "state": "active"}),
        sub(1, {"displayName": "b", "state": "broken"}),
        sub(2, {"displayName": "c"}, headers={}),
        sub(3, method="GET"),
    ]
    status, doc = batch(emu, {"requests": requests})
    assert status == 200
    answers = {a["id"]: a for a in doc["responses"]}
    assert answers["0"]["status"] == 201 and answers["0"]["body"]["displayName"] == "a"
    assert answers["0"]["headers"]["Location"].endswith(f"('{answers['0']['body']['id']}')")
    assert NdesConnector.from_dict(answers["0"]["body"]) == emu.connectors[0]
    direct = emu.handle(
        "POST",
        "/beta/deviceManagement/ndesConnectors",
        dict(AUTH),
        b'{"displayName":"b","state":"broken"}',
    )
    assert answers["1"]["status"] == direct.status == 400
    assert answers["1"]["body"]["error"]["message"] == json.loads(direct.body)["error"]["message"]
    assert answers["2"]["status"] == 400 and "Content-Type" in json.dumps(answers["2"]["body"])
    assert answers["3"]["status"] == 200 and len(answers["3"]["body"]["value"]) == 1
    assert [r.path for r in emu.sub_requests] == ["/beta/deviceManagement/ndesConnectors"] * 4
    assert emu.sub_requests[0].headers["authorization"] == "Bearer app-a"


@pytest.mark.parametrize(
    "payload, words",
    [
        ({"requests": [sub(i, {}) for i in range(21)]}, "exceeds the limit of 20"),
        ({"requests": {}}, "Invalid batch payload"),
        ([], "Invalid batch payload"),
        ({"requests": [sub(1, {}), sub(1, {})]}, "not unique"),
        ({"requests": [{"id": "1", "method": "POST"}]}, "needs an id, a method and a url"),
    ],
)
def test_a_bad_batch_is_refused_whole(payload, words):
    emu = GraphEmulator()
    status, doc = batch(emu, payload)
    assert status == 400 and words in doc["error"]["message"]
    assert emu.connectors == [] and emu.sub_requests == []


def test_twenty_is_allowed_and_answers_come_in_any_order():
    emu = GraphEmulator()
    orders = []
    for _ in range(3):
        status, doc = batch(
            emu, {"requests": [sub(i, {"displayName": f"n{i}"}) for i in range(20)]}
        )
        assert status == 200
        orders.append([a["id"] for a in doc["responses"]])
    assert all(sorted(o, key=int) == [str(i) for i in range(20)] for o in orders)
    assert any(o != [str(i) for i in range(20)] for o in orders)
    assert len(emu.connectors) == 60


def test_a_batch_needs_a_token_and_cannot_hold_a_batch():
    emu = GraphEmulator()
    status, doc = batch(emu, {"requests": [sub(0, {})]}, headers={})
    assert status == 401
    status, doc = batch(emu, {"requests": [sub(0, {"requests": []}, url="/$batch")]})
    assert status == 200 and doc["responses"][0]["status"] == 400
    odd = {"id": "1", "method": "POST", "url": "/deviceManagement/ndesConnectors"}
    status, doc = batch(emu, {"requests": [dict(odd, headers=["x"], body={"displayName": "x"})]})
    assert status == 200 and doc["responses"][0]["status"] == 400  # no Content-Type


def test_sub_request_faults_apply_to_sub_requests_only():
    emu = GraphEmulator()
    emu.inject("status", 1, within_batch=True, status=429, retry_after=3)
    emu.inject("status", 1, within_batch=True, status=500, act=True)
    status, doc = batch(emu, {"requests": [sub(i, {"displayName": f"n{i}"}) for i in range(3)]})
    answers = {a["id"]: a for a in doc["responses"]}
    assert status == 200
    assert answers["0"]["status"] == 429 and answers["0"]["headers"]["Retry-After"] == "3"
    assert answers["1"]["status"] == 500 and answers["2"]["status"] == 201
    assert sorted(c.display_name for c in emu.connectors) == ["n1", "n2"]  # 500 after acting
    with pytest.raises(ValueError, match="only a `status` fault"):
        emu.inject("drop_after_body", within_batch=True)


def test_throttling_per_app_and_per_tenant():
    emu = GraphEmulator()
    emu.throttle_writes(app_limit=2, tenant_limit=3, window=60.0)
    assert [post(emu).status for _ in range(3)] == [201, 201, 429]
    refused = post(emu)
    assert refused.headers["Retry-After"].isdigit() and int(refused.headers["Retry-After"]) >= 59
    assert json.loads(refused.body)["error"]["code"] == "TooManyRequests"
    assert post(emu, "app-b").status == 201  # another app has its own budget...
    assert post(emu, "app-b").status == 429  # ...within the tenant's
    reads = emu.handle("GET", "/beta/deviceManagement/ndesConnectors", dict(AUTH), b"")
    assert reads.status == 200  # reads are not writes
    status, doc = batch(emu, {"requests": [sub(0, {"displayName": "x"})]})
    assert status == 200 and doc["responses"][0]["status"] == 429
    emu.reset()
    assert post(emu).status == 201  # reset turns throttling off


def test_the_throttle_window_slides():
    clock = [0.0]
    throttle = WriteThrottle(app_limit=2, tenant_limit=10, window=10.0, clock=lambda: clock[0])
    assert throttle.admit("a") is None and throttle.admit("a") is None
    clock[0] = 4.5
    assert throttle.admit("a") == 6  # the first write leaves the window at 10.0
    clock[0] = 10.0
    assert throttle.admit("a") is None
    assert throttle.most_in_any_window() == 2 and throttle.refused == 1


def test_throttling_from_another_process(server, emu):
    request = urllib.request.Request(
        server.base_url.replace("/beta", "/_emulator/throttle"),
        data=json.dumps({"app_limit": 1, "tenant_limit": 5, "window": 60}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200
    assert emu.throttle is not None and emu.throttle.app_limit == 1
