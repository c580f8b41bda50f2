"""create() through every backend against the emulator: the request Graph expects, each error
status, each retry case, counted by what the emulator saw and stored."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from conftest import ASYNC_SOCKET_BACKENDS, IN_PROCESS, SOCKET_BACKENDS, TOKEN, free_port

import ndes
from ndes import NdesConnector


def test_request_is_exactly_what_graph_expects(make_client, emu, server):
    created = make_client().create(display_name="NDES-01", state="active")
    (seen,) = emu.requests
    assert seen.method == "POST"
    assert seen.path == "/beta/deviceManagement/ndesConnectors"
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["accept"] == "application/json"
    assert seen.headers["user-agent"].startswith("ndes/")
    assert uuid.UUID(seen.headers["client-request-id"]).version == 4
    assert "retry-attempt" not in seen.headers
    assert seen.body == (
        b'{"@odata.type":"#microsoft.graph.ndesConnector","state":"active","displayName":"NDES-01"}'
    )
    assert isinstance(created, NdesConnector) and uuid.UUID(created.id)
    assert emu.connectors == [created]


def test_create_takes_a_connector(make_client, emu):
    c = NdesConnector(display_name="x", role_scope_tag_ids=["0"])
    created = make_client().create(c)
    assert created.role_scope_tag_ids == ["0"] and created.id
    assert c.id is None  # the caller's object is left as it was
    with pytest.raises(TypeError):
        make_client().create(c, display_name="y")
    with pytest.raises(ndes.ValidationError):
        make_client().create(state="bogus")
    assert len(emu.requests) == 1


def test_throttled_then_created_is_two_requests_and_one_connector(make_client, emu):
    emu.inject("status", status=429, retry_after=0)
    make_client().create(display_name="x")
    first, second = emu.requests
    assert len(emu.connectors) == 1
    assert first.headers["client-request-id"] == second.headers["client-request-id"]
    assert "retry-attempt" not in first.headers and second.headers["retry-attempt"] == "1"


def test_retry_after_as_http_date(make_client, emu):
    from email.utils import formatdate

    emu.inject("status", status=503, retry_after=formatdate(time.time() - 5, usegmt=True))
    make_client().create(display_name="x")
    assert len(emu.requests) == 2 and len(emu.connectors) == 1


def test_503_without_retry_after_backs_off(make_client, emu):
    emu.inject("status", status=503, count=2)
    make_client().create(display_name="x")
    assert len(emu.requests) == 3 and len(emu.connectors) == 1


def test_retry_after_beyond_the_cap_is_not_waited_for(make_client, emu):
    emu.inject("status", status=429, retry_after=3600)
    started = time.monotonic()
    with pytest.raises(ndes.ThrottledError) as e:
        make_client(max_retry_after=30).create(display_name="x")
    assert time.monotonic() - started < 5
    assert e.value.retry_after == 3600 and e.value.status == 429
    assert len(emu.requests) == 1 and emu.connectors == []


def test_throttled_past_the_retries(make_client, emu):
    emu.inject("status", status=429, retry_after=0, count=3)
    with pytest.raises(ndes.ThrottledError):
        make_client(max_retries=2).create(display_name="x")
    assert len(emu.requests) == 3 and emu.connectors == []


@pytest.mark.parametrize("status", [500, 502, 504])
def test_server_errors_are_not_retried(make_client, emu, status):
    emu.inject("status", status=status)
    with pytest.raises(ndes.ServerError) as e:
        make_client().create(display_name="x")
    assert isinstance(e.value, ndes.OutcomeUnknownError)
    assert e.value.status == status
    assert e.value.client_request_id == emu.requests[0].headers["client-request-id"]
    assert len(emu.requests) == 1


def test_html_error_body_gives_a_clear_error(make_client, emu):
    emu.inject("status", status=502, body="<html><body><h1>502 Bad Gateway</h1>\n</body></html>")
    with pytest.raises(ndes.ServerError) as e:
        make_client().create(display_name="x")
    assert "non-JSON error body (text/html)" in str(e.value)
    assert "502 Bad Gateway" in e.value.message
    assert e.value.code is None


def test_graph_error_json_is_read(make_client, emu):
    with pytest.raises(ndes.BadRequestError) as e:
        make_client().create(display_name="x", additional_data={"notAProperty": 1})
    err = e.value
    assert err.status == 400 and err.code == "BadRequest"
    assert "'notAProperty' does not exist" in err.message
    assert uuid.UUID(err.request_id) and err.date
    assert err.client_request_id == emu.requests[0].headers["client-request-id"]


def test_expired_token_is_an_authentication_error(make_client, emu):
    emu.accept_token = lambda token: token != "expired"
    with pytest.raises(ndes.AuthenticationError) as e:
        make_client(token="expired").create(display_name="x")
    assert e.value.code == "InvalidAuthenticationToken" and len(emu.requests) == 1


@pytest.mark.parametrize("status", [403, 404, 409])
def test_other_client_errors(make_client, emu, status):
    emu.inject("status", status=status)
    expected = {403: ndes.PermissionDeniedError, 404: ndes.NotFoundError, 409: ndes.BadRequestError}
    with pytest.raises(expected[status]):
        make_client().create(display_name="x")
    assert len(emu.requests) == 1


def test_drop_after_the_body_is_read_is_outcome_unknown(make_client, emu):
    emu.inject("drop_after_body")
    with pytest.raises(ndes.OutcomeUnknownError) as e:
        make_client().create(display_name="x")
    crid = emu.requests[0].headers["client-request-id"]
    assert e.value.client_request_id == crid and crid in str(e.value)
    assert len(emu.requests) == 1 and len(emu.connectors) == 1  # it does exist: never retried


def test_drop_before_the_body_is_read(make_client, emu):
    emu.inject("drop_before_body")
    with pytest.raises(ndes.OutcomeUnknownError):
        make_client().create(display_name="x")
    assert len(emu.requests) == 1 and emu.connectors == []


def test_read_timeout_is_outcome_unknown(make_client, emu):
    emu.inject("delay", seconds=0.6)
    with pytest.raises(ndes.OutcomeUnknownError):
        make_client(timeout=0.2).create(display_name="x")
    time.sleep(0.6)
    assert len(emu.requests) == 1 and len(emu.connectors) == 1


@pytest.mark.parametrize("fault", ["truncate", "oversize", "wrong_content_type"])
def test_a_201_that_cannot_be_read_is_outcome_unknown(make_client, emu, fault):
    emu.inject(fault, size=200_000)
    with pytest.raises(ndes.OutcomeUnknownError):
        make_client(max_response_bytes=100_000).create(display_name="x")
    assert len(emu.requests) == 1 and len(emu.connectors) == 1


def test_connection_refused_is_retried_then_a_transport_error(make_client, emu):
    if make_client.kind == "in-process":
        emu.inject("refuse", count=3)
        client = make_client(max_retries=2)
    else:
        client = make_client(max_retries=2, base_url=f"http://127.0.0.1:{free_port()}/beta")
    with pytest.raises(ndes.TransportError) as e:
        client.create(display_name="x")
    assert e.value.client_request_id
    assert emu.connectors == []


@pytest.mark.parametrize("backend_kind", IN_PROCESS)  # a refusal needs an emulated socket
def test_refused_once_then_created(make_client, emu):
    emu.inject("refuse")
    make_client().create(display_name="x")
    assert len(emu.connectors) == 1


def test_redirect_on_the_same_host_keeps_authorization(make_client, emu, server):
    emu.inject("redirect", location=f"{server.base_url}/deviceManagement/ndesConnectors")
    make_client().create(display_name="x")
    first, second = emu.requests
    assert second.headers["authorization"] == f"Bearer {TOKEN}"
    assert len(emu.connectors) == 1


@pytest.mark.parametrize(
    "backend_kind", [*SOCKET_BACKENDS, *ASYNC_SOCKET_BACKENDS]
)  # two host names for one server
def test_cross_host_redirect_drops_authorization(make_client, emu, server):
    other = f"http://localhost:{server.port}/beta/deviceManagement/ndesConnectors"
    emu.inject("redirect", location=other)
    with pytest.raises(ndes.AuthenticationError):
        make_client().create(display_name="x")
    first, second = emu.requests
    assert "authorization" in first.headers and "authorization" not in second.headers
    assert emu.connectors == []


def test_too_many_redirects(make_client, emu, server):
    emu.inject("redirect", count=5, location=f"{server.base_url}/deviceManagement/ndesConnectors")
    with pytest.raises(ndes.UnexpectedResponseError, match="redirects"):
        make_client(max_redirects=2).create(display_name="x")
    assert len(emu.requests) == 3


def test_a_fresh_token_on_each_attempt(make_client, emu):
    tokens = iter(["t1", "t2", "t3"])
    emu.inject("status", status=503, retry_after=0)
    make_client(token=lambda: next(tokens)).create(display_name="x")
    assert [r.headers["authorization"] for r in emu.requests] == ["Bearer t1", "Bearer t2"]


def test_credential_with_get_token(make_client, emu):
    class Credential:
        scopes: list[tuple[str, ...]] = []

        def get_token(self, *scopes):
            self.scopes.append(scopes)

            class AccessToken:
                token = "from-credential"
                expires_on = 0

            return AccessToken()

    cred = Credential()
    make_client(token=cred).create(display_name="x")
    assert cred.scopes == [("https://graph.microsoft.com/.default",)]
    assert emu.requests[0].headers["authorization"] == "Bearer from-credential"


def test_threads_creating_through_one_client(make_client, emu):
    client = make_client()
    results: list[str] = []
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(15):
                results.append(client.create(display_name=f"t{n}-{i}").id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures
    assert len(results) == len(set(results)) == 90
    assert sorted(c.id for c in emu.connectors) == sorted(results)
    assert len(emu.requests) == 90


def test_module_level_create(emu, server):
    created = ndes.create(display_name="x", token=TOKEN, base_url=server.base_url)
    assert emu.connectors == [created]


def test_get_shows_what_was_stored(server, emu):
    import urllib.request

    created = ndes.create(display_name="x", token=TOKEN, base_url=server.base_url)
    req = urllib.request.Request(
        f"{server.base_url}/deviceManagement/ndesConnectors/{created.id}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    with urllib.request.urlopen(req) as r:
        assert NdesConnector.from_json(r.read()) == created
    req = urllib.request.Request(
        f"{server.base_url}/deviceManagement/ndesConnectors",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    with urllib.request.urlopen(req) as r:
        doc = json.loads(r.read())
    assert [NdesConnector.from_dict(v) for v in doc["value"]] == [created]
