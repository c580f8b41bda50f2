"""The pure parts of create(): URLs, Retry-After, redirects, error parsing, token redaction."""

from __future__ import annotations

import logging
import random
from email.utils import formatdate

import pytest
from conftest import TOKEN

import ndes
from ndes import _protocol
from ndes._http import HttpRequest, HttpResponse
from ndes.emulator import EmulatorBackend, GraphEmulator


@pytest.mark.parametrize(
    "url",
    [
        "https://graph.microsoft.com/beta",
        "https://graph.microsoft.us/beta",
        "https://microsoftgraph.chinacloudapi.cn/beta",
        "https://dod-graph.microsoft.us/beta",
        "http://127.0.0.1:8080/beta",
        "http://localhost:1/beta",
        "http://[::1]:8080/beta",
    ],
)
def test_accepted_base_urls(url):
    _protocol.check_url(url)
    ndes.Client(TOKEN, base_url=url, backend=EmulatorBackend()).close()


@pytest.mark.parametrize(
    "url",
    ["http://graph.microsoft.com/beta", "ftp://x/beta", "graph.microsoft.com", "http://10.0.0.1/"],
)
def test_refused_base_urls(url):
    with pytest.raises(ValueError, match="refusing"):
        ndes.Client(TOKEN, base_url=url, backend=EmulatorBackend())


def test_retry_after():
    assert _protocol.parse_retry_after("0") == 0
    assert _protocol.parse_retry_after(" 120 ") == 120
    assert _protocol.parse_retry_after(None) is None
    assert _protocol.parse_retry_after("soon") is None
    assert _protocol.parse_retry_after("-5") is None
    now = 1_800_000_000.0
    assert _protocol.parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == 30
    assert _protocol.parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0


def test_backoff_grows_and_is_capped():
    rng = random.Random(1)
    for attempt in range(1, 12):
        delay = _protocol.backoff(attempt, 0.5, 8.0, rng)
        assert 0 <= delay <= min(8.0, 0.5 * 2 ** (attempt - 1))


def request(url: str = "https://graph.microsoft.com/beta/deviceManagement/ndesConnectors"):
    return HttpRequest("POST", url, {"Authorization": "Bearer x", "A": "b"}, b"{}")


def test_redirects():
    r = request()
    assert _protocol.follow_redirect(r, HttpResponse(201)) is None
    assert _protocol.follow_redirect(r, HttpResponse(302, {"location": "/x"})) is None
    same = _protocol.follow_redirect(r, HttpResponse(307, {"location": "/beta/other"}))
    assert same.request.url == "https://graph.microsoft.com/beta/other"
    assert same.request.headers["Authorization"] == "Bearer x" and same.request.body == b"{}"
    other = _protocol.follow_redirect(r, HttpResponse(308, {"location": "https://evil.example/x"}))
    assert "Authorization" not in other.request.headers and other.request.headers["A"] == "b"
    port = _protocol.follow_redirect(
        r, HttpResponse(307, {"location": "https://graph.microsoft.com:8443/x"})
    )
    assert "Authorization" not in port.request.headers
    with pytest.raises(ndes.GraphError, match="HTTPS to http"):
        _protocol.follow_redirect(r, HttpResponse(307, {"location": "http://graph.microsoft.com/"}))
    with pytest.raises(ndes.GraphError, match="refusing"):
        _protocol.follow_redirect(
            request("http://127.0.0.1/x"), HttpResponse(307, {"location": "http://example.com/"})
        )


def test_graph_error_mapping():
    body = (
        b'{"error":{"code":"Forbidden","message":"Nope","innerError":{"date":"2026-11-28T10:00:00",'
        b'"request-id":"rid","client-request-id":"crid"}}}'
    )
    err = _protocol.graph_error(HttpResponse(403, {}, body), "crid")
    assert type(err) is ndes.PermissionDeniedError
    assert (err.status, err.code, err.message, err.request_id, err.date) == (
        403,
        "Forbidden",
        "Nope",
        "rid",
        "2026-11-28T10:00:00",
    )
    assert str(err) == "HTTP 403 Forbidden: Nope (request-id rid, client-request-id crid)"
    odd = _protocol.graph_error(HttpResponse(418, {"request-id": "h"}, b'{"error":"flat"}'), "c")
    assert type(odd) is ndes.BadRequestError and odd.request_id == "h"
    assert type(_protocol.graph_error(HttpResponse(202), "c")) is ndes.UnexpectedResponseError
    assert isinstance(_protocol.graph_error(HttpResponse(599), "c"), ndes.OutcomeUnknownError)
    assert "empty body" in str(_protocol.graph_error(HttpResponse(500), "c"))


def test_token_with_cr_lf_is_refused_before_sending():
    emu = GraphEmulator()
    client = ndes.Client("abc\r\nX-Injected: 1", backend=EmulatorBackend(emu))
    with pytest.raises(ndes.CredentialError, match="unusable token"):
        client.create(display_name="x")
    assert emu.requests == []


def test_bad_client_arguments():
    with pytest.raises(TypeError):
        ndes.Client(123, backend=EmulatorBackend())  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ndes.Client("", backend=EmulatorBackend())
    with pytest.raises(ValueError):
        ndes.Client(TOKEN, backend=EmulatorBackend(), timeout=0)


def test_token_never_shown(caplog):
    secret = "s3cr3t-token-value"
    emu = GraphEmulator(accept_token=lambda t: False)
    client = ndes.Client(secret, backend=EmulatorBackend(emu))
    caplog.set_level(logging.DEBUG, logger="ndes")
    with pytest.raises(ndes.AuthenticationError) as e:
        client.create(display_name="x")
    emu.accept_token = None
    emu.inject("drop_after_body")
    with pytest.raises(ndes.OutcomeUnknownError) as unknown:
        client.create(display_name="x")
    assert caplog.records, "the client logs each attempt"
    shown = [repr(client), str(e.value), repr(e.value), str(unknown.value), caplog.text]
    shown += [repr(r) for r in emu.requests]
    assert all(secret not in text for text in shown)
    assert "redacted" in repr(client)
