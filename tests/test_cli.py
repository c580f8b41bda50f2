"""The `ndes` command: output, errors on stderr, exit codes, and no token anywhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TOKEN, free_port

from ndes import NdesConnector
from ndes.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_against_the_embedded_emulator(capsys, monkeypatch):
    monkeypatch.delenv("NDES_TOKEN", raising=False)
    code, out, err = run(
        capsys,
        "create",
        "--emulator",
        "--display-name",
        "NDES-01",
        "--state",
        "active",
        "--last-connection-date-time",
        "2026-11-28T09:30:00-08:00",
        "--role-scope-tag-id",
        "0",
        "--role-scope-tag-id",
        "5",
    )
    assert (code, err) == (0, "")
    created = NdesConnector.from_json(out)
    assert created.id and created.display_name == "NDES-01"
    assert created.role_scope_tag_ids == ["0", "5"]
    assert json.loads(out)["lastConnectionDateTime"] == "2026-11-28T09:30:00-08:00"


def test_create_against_a_base_url(capsys, monkeypatch, server, emu):
    monkeypatch.setenv("NDES_TOKEN", TOKEN)
    code, out, _ = run(capsys, "create", "--display-name", "x", "--base-url", server.base_url)
    assert code == 0 and [NdesConnector.from_json(out)] == emu.connectors
    assert emu.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_exit_codes(capsys, monkeypatch, server, emu):
    secret = "cli-secret-token-42"
    monkeypatch.setenv("NDES_TOKEN", secret)
    base = ["create", "--display-name", "x", "--base-url", server.base_url, "-v"]

    code, out, err = run(capsys, "create", "--emulator", "--state", "Broken")
    assert code == 3 and out == "" and "state: 'Broken' is not one of" in err

    emu.accept_token = lambda t: False
    code, out, err = run(capsys, *base)
    assert code == 4 and out == "" and "HTTP 401 InvalidAuthenticationToken" in err
    emu.accept_token = None

    code, _, err = run(
        capsys,
        "create",
        "--display-name",
        "x",
        "--max-retries",
        "0",
        "--base-url",
        f"http://127.0.0.1:{free_port()}/beta",
    )
    assert code == 5 and "could not connect" in err

    emu.inject("drop_after_body")
    code, _, err = run(capsys, *base)
    assert code == 6 and "may exist" in err and "client-request-id" in err

    code, _, err = run(
        capsys, "create", "--display-name", "x", "--base-url", "http://example.com/beta"
    )
    assert code == 2 and "refusing" in err
    assert secret not in capsys.readouterr().err

    monkeypatch.delenv("NDES_TOKEN")
    monkeypatch.setitem(sys.modules, "azure.identity", None)  # as if it were not installed
    code, _, err = run(capsys, "create", "--display-name", "x")
    assert code == 2 and "no token" in err

    with pytest.raises(SystemExit) as e:
        main(["create", "--nope"])
    assert e.value.code == 2


def test_verbose_logs_each_attempt_without_the_token(capsys, monkeypatch, server, emu):
    secret = "verbose-secret-token"
    monkeypatch.setenv("NDES_TOKEN", secret)
    emu.inject("status", status=429, retry_after=0)
    code, out, err = run(
        capsys, "create", "--display-name", "x", "--base-url", server.base_url, "-v"
    )
    assert code == 0
    # logging.basicConfig writes to the stderr captured when it first ran; check its handler.
    assert secret not in out + err


def test_console_script_and_module(tmp_path: Path):
    env = dict(os.environ, NDES_TOKEN="console-secret")
    script = shutil.which("ndes", path=str(Path(sys.executable).parent))
    assert script, "the ndes console script is installed next to the interpreter"
    for cmd in ([script], [sys.executable, "-m", "ndes"]):
        done = subprocess.run(
            [*cmd, "create", "--emulator", "--display-name", "NDES-01", "-v"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert NdesConnector.from_json(done.stdout).display_name == "NDES-01"
        assert "POST http://127.0.0.1" in done.stderr and "-> 201" in done.stderr
        assert "console-secret" not in done.stdout + done.stderr


def test_emulator_command_serves(tmp_path: Path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ndes", "emulator", "--port", str(port), "--page-size", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        base_url = proc.stdout.readline().strip()
        assert base_url == f"http://127.0.0.1:{port}/beta"
        import ndes

        created = ndes.create(display_name="served", token=TOKEN, base_url=base_url)
        assert created.display_name == "served"
        with ndes.Client(TOKEN, base_url=base_url) as client:
            client.create(display_name="second")
            assert [len(page) for page in client.list_pages()] == [1, 1]  # --page-size 1
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    # One line per request, and no warning on loopback.
    lines = err.splitlines()
    assert len(lines) == 4
    assert '"POST /beta/deviceManagement/ndesConnectors HTTP/1.1" 201' in lines[0]
    assert '"GET /beta/deviceManagement/ndesConnectors?$skiptoken=1 HTTP/1.1" 200' in lines[3]
    assert TOKEN not in err
