"""Token sources: the scope each cloud asks for, and a source that fails."""

from __future__ import annotations

import pytest

import ndes
from ndes._http import HttpResponse


class Credential:
    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str) -> object:
        self.scopes.append(scopes)

        class AccessToken:
            token = "from-credential"
            expires_on = 0

        return AccessToken()


class Recorder:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def send(self, request):
        self.urls.append(request.url)
        return HttpResponse(200, {}, b'{"id":"1"}')

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    "host",
    [
        "graph.microsoft.com",
        "graph.microsoft.us",
        "dod-graph.microsoft.us",
        "microsoftgraph.chinacloudapi.cn",
    ],
)
def test_each_cloud_asks_for_its_own_scope(host):
    credential, backend = Credential(), Recorder()
    with ndes.Client(credential, backend=backend, base_url=f"https://{host}/beta") as client:
        assert client.get("1").id == "1"
    assert credential.scopes == [(f"https://{host}/.default",)]
    assert backend.urls == [f"https://{host}/beta/deviceManagement/ndesConnectors/1"]


def test_scopes_override_the_cloud():
    credential = Credential()
    client = ndes.Client(
        credential,
        backend=Recorder(),
        base_url="https://proxy.contoso.com/graph/beta",
        scopes="api://contoso-graph-proxy/.default",
    )
    client.get("1")
    assert credential.scopes == [("api://contoso-graph-proxy/.default",)]
    ndes.Client(credential, backend=Recorder(), scopes=["a", "b"]).get("1")
    assert credential.scopes[-1] == ("a", "b")


@pytest.mark.parametrize("method", ["create", "get", "list", "update", "delete", "get_or_create"])
def test_a_failing_token_source_is_a_credential_error_and_nothing_is_sent(make_client, emu, method):
    class CredentialUnavailableError(Exception):
        pass

    def source() -> str:
        raise CredentialUnavailableError("no az login")

    client = make_client(token=source)
    run = {
        "create": lambda: client.create(display_name="x"),
        "get": lambda: client.get("1"),
        "list": lambda: list(client.list()),
        "update": lambda: client.update("1", state="active"),
        "delete": lambda: client.delete("1"),
        "get_or_create": lambda: client.get_or_create(display_name="x"),
    }[method]
    with pytest.raises(ndes.CredentialError, match="no az login") as e:
        run()
    assert isinstance(e.value.__cause__, CredentialUnavailableError)
    assert emu.requests == []
