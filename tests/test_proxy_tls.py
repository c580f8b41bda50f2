"""Proxies and TLS over real sockets: a loopback proxy sees every request (absolute-form for
plain HTTP, CONNECT for HTTPS), `verify=` trusts a CA bundle, the environment's proxy
variables are honoured by the default backend, NO_PROXY included."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest
import trustme
from conftest import SOCKET_BACKENDS, TOKEN
from proxy import Proxy

import ndes
from ndes.backends import HttpxBackend, RequestsBackend, UrllibBackend
from ndes.emulator import serve

PROXY_VARIABLES = [
    f(name)
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    for f in (str.lower, str.upper)
]


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    with Proxy() as p:
        yield p


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(ca: trustme.CA):
    """The emulator over HTTPS with a certificate for 127.0.0.1 from a test CA."""
    with serve() as server:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        inner = server._server  # the emulator's listening socket, wrapped for this test
        inner.socket = context.wrap_socket(inner.socket, server_side=True)
        server.https_url = f"https://127.0.0.1:{server.port}/beta"
        yield server


def backend(kind: str, **options: object) -> object:
    return {"urllib": UrllibBackend, "requests": RequestsBackend, "httpx": HttpxBackend}[kind](
        **options
    )


@pytest.mark.parametrize("kind", SOCKET_BACKENDS)
def test_plain_http_goes_through_the_proxy_in_absolute_form(kind, proxy, server, emu):
    created = ndes.create(display_name="x", token=TOKEN, base_url=server.base_url)
    with ndes.Client(TOKEN, backend=backend(kind, proxy=proxy.url), base_url=server.base_url) as c:
        assert c.get(created.id) == created
    line, headers = proxy.seen[0]
    assert line == f"GET {server.base_url}/deviceManagement/ndesConnectors/{created.id} HTTP/1.1"
    assert headers.get("Host") == f"127.0.0.1:{server.port}"
    assert emu.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"


def test_the_client_passes_proxy_to_the_default_backend(proxy, server, emu):
    with ndes.Client(TOKEN, proxy=proxy.url, base_url=server.base_url) as client:
        client.create(display_name="via-proxy")
    assert [line for line, _ in proxy.seen] == [
        f"POST {server.base_url}/deviceManagement/ndesConnectors HTTP/1.1"
    ]
    assert [c.display_name for c in emu.connectors] == ["via-proxy"]


def test_proxy_credentials_become_proxy_authorization(proxy, server, emu):
    url = proxy.url.replace("http://", "http://user:p%40ss@")
    with ndes.Client(TOKEN, proxy=url, base_url=server.base_url) as client:
        client.create(display_name="x")
    _, headers = proxy.seen[0]
    assert headers["Proxy-Authorization"] == "Basic dXNlcjpwQHNz"  # user:p@ss


@pytest.mark.parametrize("kind", SOCKET_BACKENDS)
def test_https_is_tunnelled_with_connect_and_verified_against_the_ca_bundle(
    kind, proxy, tls_server, ca, tmp_path
):
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with ndes.Client(
        TOKEN,
        backend=backend(kind, proxy=proxy.url, verify=str(bundle)),
        base_url=tls_server.https_url,
    ) as client:
        created = client.create(display_name="tls")
    assert created.display_name == "tls"
    assert proxy.seen[0][0].startswith(f"CONNECT 127.0.0.1:{tls_server.port} HTTP/1.")
    assert tls_server.emulator.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("kind", SOCKET_BACKENDS)
def test_an_unknown_ca_is_refused_before_anything_is_sent(kind, tls_server):
    with ndes.Client(TOKEN, backend=backend(kind), base_url=tls_server.https_url) as client:
        with pytest.raises(ndes.TransportError):
            client.create(display_name="x")
    assert tls_server.emulator.requests == []


def test_verify_on_the_default_backend(tls_server, ca, tmp_path):
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with ndes.Client(TOKEN, verify=str(bundle), base_url=tls_server.https_url) as client:
        assert client.create(display_name="x").display_name == "x"
    with pytest.raises(ValueError, match="CA bundle"):
        ndes.Client(TOKEN, verify=str(tmp_path / "missing.pem"))


def test_the_environment_proxy_and_no_proxy(
    proxy, server, emu, tls_server, ca, tmp_path, monkeypatch
):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with ndes.Client(TOKEN, base_url=server.base_url) as client:
        client.create(display_name="via-env")
    assert len(proxy.seen) == 1 and proxy.seen[0][0].startswith(f"POST {server.base_url}/")

    # A loopback emulator NO_PROXY covers is reached directly.
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    with ndes.Client(TOKEN, base_url=server.base_url) as client:
        client.create(display_name="direct")
    assert len(proxy.seen) == 1 and len(emu.connectors) == 2

    monkeypatch.delenv("NO_PROXY")
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.setenv("ALL_PROXY", proxy.url)  # the fallback for HTTPS too
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with ndes.Client(TOKEN, verify=str(bundle), base_url=tls_server.https_url) as client:
        client.create(display_name="tunnelled")
    assert proxy.seen[-1][0].startswith(f"CONNECT 127.0.0.1:{tls_server.port} HTTP/1.")

    # An explicit proxy= wins over the environment.
    with Proxy() as other:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with ndes.Client(TOKEN, proxy=other.url, base_url=server.base_url) as client:
            client.create(display_name="explicit")
        assert len(other.seen) == 1


@pytest.mark.parametrize("kind", SOCKET_BACKENDS)
def test_only_http_proxies(kind):
    with pytest.raises(ValueError, match="only http:// proxies"):
        backend(kind, proxy="socks5://127.0.0.1:1080")


def test_proxy_and_verify_belong_to_the_default_backend():
    with pytest.raises(TypeError):
        ndes.Client(TOKEN, backend=UrllibBackend(), proxy="http://127.0.0.1:1")
    import requests

    with pytest.raises(TypeError):
        RequestsBackend(requests.Session(), verify=False)


@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")  # urllib3's, as asked for
@pytest.mark.parametrize("kind", SOCKET_BACKENDS)
def test_verify_false_skips_the_check(kind, tls_server):
    with ndes.Client(
        TOKEN, backend=backend(kind, verify=False), base_url=tls_server.https_url
    ) as client:
        assert client.create(display_name="x").display_name == "x"
