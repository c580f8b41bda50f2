"""`ndes list/get/update/delete` and `create --if-absent`: outputs, errors on one line, exit
codes, the token source and the proxy."""

from __future__ import annotations

import csv
import io
import json
import sys
import types

import pytest
from conftest import TOKEN
from proxy import Proxy

from ndes import NdesConnector
from ndes.cli import main


@pytest.fixture
def cli(capsys, monkeypatch, server, emu):
    monkeypatch.setenv("NDES_TOKEN", TOKEN)

    def run(*argv: str) -> tuple[int, str, str]:
        command, *rest = argv
        code = main([command, "--base-url", server.base_url, *rest])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def make(server, **fields) -> NdesConnector:
    import ndes

    return ndes.create(token=TOKEN, base_url=server.base_url, **fields)


def test_list_prints_json_lines_when_piped(cli, server, emu):
    made = [make(server, display_name=f"n{i}", state="active") for i in range(3)]
    code, out, err = cli("list")
    assert (code, err) == (0, "")
    assert [NdesConnector.from_json(line) for line in out.splitlines()] == made


def test_list_outputs(cli, server, emu):
    a = make(server, display_name="a", state="active", role_scope_tag_ids=["0", "1"])
    b = make(server, display_name="b, with a comma", state="inactive")
    code, out, _ = cli("list", "--output", "json")
    assert code == 0 and [NdesConnector.from_dict(d) for d in json.loads(out)] == [a, b]

    code, out, _ = cli("list", "--output", "csv", "--select", "display_name,state,roleScopeTagIds")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows == [
        ["displayName", "state", "roleScopeTagIds"],
        ["a", "active", '["0", "1"]'],
        ["b, with a comma", "inactive", ""],
    ]

    code, out, _ = cli("list", "--output", "table", "--filter", "state eq 'inactive'")
    header, row = out.splitlines()
    assert header.split() == ["id", "displayName", "state", "machineName", "lastConnectionDateTime"]
    assert row.startswith(b.id) and "b, with a comma  inactive" in row

    code, out, _ = cli("list", "--output", "jsonl", "--top", "1", "--orderby", "displayName desc")
    assert code == 0 and [NdesConnector.from_json(out)] == [b]


def test_list_prints_a_table_on_a_terminal(cli, server, emu, monkeypatch):
    make(server, display_name="only")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, _ = cli("list")
    assert code == 0 and out.splitlines()[0].startswith("id")
    assert "only" in out.splitlines()[1]


def test_get_update_delete(cli, server, emu):
    created = make(server, display_name="x", state="active", machine_name="m")
    code, out, _ = cli("get", created.id)
    assert code == 0 and NdesConnector.from_json(out) == created

    code, out, err = cli("update", created.id, "--state", "inactive", "--clear", "machineName")
    assert (code, err) == (0, "")
    updated = NdesConnector.from_json(out)
    assert updated.state == "inactive" and updated.machine_name is None
    assert emu.requests[-1].body == (
        b'{"@odata.type":"#microsoft.graph.ndesConnector","state":"inactive","machineName":null}'
    )

    code, out, err = cli("delete", created.id)
    assert (code, out, err) == (0, "", "") and emu.connectors == []

    code, out, err = cli("get", created.id)
    assert code == 4 and out == "" and "HTTP 404 ResourceNotFound" in err
    assert len(err.strip().splitlines()) == 1

    code, _, err = cli("update", created.id, "--state", "bogus")
    assert code == 3 and "state" in err
    code, _, err = cli("update", created.id, "--clear", "colour")
    assert code == 2 and "not a property" in err
    code, _, err = cli("get", "..")
    assert code == 2 and "path step" in err


def test_create_if_absent_is_safe_to_rerun(cli, server, emu):
    argv = ("create", "--display-name", "NDES-01", "--state", "active", "--if-absent")
    code, out, err = cli(*argv)
    assert (code, err) == (0, "")
    first = NdesConnector.from_json(out)
    code, out, err = cli(*argv)
    assert code == 0 and NdesConnector.from_json(out) == first
    assert "nothing created" in err and emu.connectors == [first]

    make(server, display_name="twin", machine_name="host")
    make(server, display_name="twin2", machine_name="host")
    code, out, err = cli("create", "--machine-name", "host", "--if-absent", "--key", "machineName")
    assert code == 8 and out == "" and "2 connectors have machine_name == 'host'" in err


def test_the_embedded_emulator_for_every_command(capsys, monkeypatch):
    monkeypatch.delenv("NDES_TOKEN", raising=False)
    assert main(["list", "--emulator"]) == 0
    assert main(["get", "--emulator", "nope"]) == 4
    out, err = capsys.readouterr()
    assert out == "" and "ResourceNotFound" in err


def test_proxy_option(cli, server, emu):
    with Proxy() as proxy:
        code, out, _ = cli("create", "--display-name", "x", "--proxy", proxy.url)
        assert code == 0
        assert (
            proxy.seen[0][0] == f"POST {server.base_url}/deviceManagement/ndesConnectors HTTP/1.1"
        )
        code, _, err = cli("list", "--proxy", "socks5://127.0.0.1:1")
        assert code == 2 and "only http:// proxies" in err


def fake_azure_identity(monkeypatch, credential_class) -> None:
    azure = types.ModuleType("azure")
    identity = types.ModuleType("azure.identity")
    identity.DefaultAzureCredential = credential_class
    azure.identity = identity
    monkeypatch.setitem(sys.modules, "azure", azure)
    monkeypatch.setitem(sys.modules, "azure.identity", identity)


def test_default_azure_credential_without_ndes_token(capsys, monkeypatch, server, emu):
    scopes = []

    class DefaultAzureCredential:
        def get_token(self, *requested):
            scopes.append(requested)
            return types.SimpleNamespace(token="from-azure", expires_on=0)

    fake_azure_identity(monkeypatch, DefaultAzureCredential)
    monkeypatch.delenv("NDES_TOKEN", raising=False)
    assert main(["list", "--base-url", server.base_url]) == 0
    assert emu.requests[-1].headers["authorization"] == "Bearer from-azure"
    assert scopes == [("https://graph.microsoft.com/.default",)]


def test_a_failing_credential_is_one_line_and_its_own_exit_code(capsys, monkeypatch, server, emu):
    class CredentialUnavailableError(Exception):
        pass

    class DefaultAzureCredential:
        def get_token(self, *scopes):
            raise CredentialUnavailableError("DefaultAzureCredential failed to retrieve a token")

    fake_azure_identity(monkeypatch, DefaultAzureCredential)
    monkeypatch.delenv("NDES_TOKEN", raising=False)
    for argv in (["list"], ["get", "x"], ["create", "--display-name", "x"], ["delete", "x"]):
        code = main([*argv, "--base-url", server.base_url])
        out, err = capsys.readouterr()
        assert code == 7 and out == ""
        assert err.startswith("ndes: error: the token source failed: CredentialUnavailableError")
        assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert emu.requests == []

    class Broken:
        def __init__(self):
            raise RuntimeError("no credential here")

    fake_azure_identity(monkeypatch, Broken)
    code = main(["list", "--base-url", server.base_url])
    assert code == 7 and "no credential here" in capsys.readouterr().err


def test_the_emulator_warns_only_off_loopback():
    from ndes.cli import _exposure_warning

    assert _exposure_warning("127.0.0.1") is None and _exposure_warning("::1") is None
    assert _exposure_warning("localhost") is None
    assert "beyond this machine" in _exposure_warning("0.0.0.0")


def test_list_into_a_pipe_closed_early_is_no_error(server, emu, tmp_path):
    import os
    import subprocess

    auth = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    body = NdesConnector(display_name="x" * 200, state="active").to_json()
    for _ in range(1500):  # well over a pipe's buffer of JSON lines
        emu.handle("POST", "/beta/deviceManagement/ndesConnectors", auth, body)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ndes", "list", "--base-url", server.base_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=dict(os.environ, NDES_TOKEN=TOKEN),
    )
    assert NdesConnector.from_json(proc.stdout.readline()).display_name == "x" * 200
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (0, b"")
