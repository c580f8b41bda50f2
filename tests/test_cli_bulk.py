"""`ndes create --from FILE`: JSON lines, line numbers, the progress bar, exit codes."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys

import pytest
from conftest import TOKEN

from ndes import NdesConnector
from ndes.cli import main


def run(capsys, *argv: str) -> tuple[int, list[dict], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


@pytest.fixture
def remote(monkeypatch, server, emu):
    """Arguments that point the command at the session's emulator, with a token set."""
    monkeypatch.setenv("NDES_TOKEN", TOKEN)
    return ["--base-url", server.base_url]


CSV = (
    "displayName,state,machine_name,roleScopeTagIds\n"
    "NDES-01,active,ndes01.contoso.com,0;5\n"
    "NDES-02,broken,,\n"
    "\n"
    '"NDES-03\nsecond line",inactive,,["7"]\n'
    "NDES-04,,,\n"
)


def test_csv_rows_report_their_line_numbers(capsys, tmp_path, remote, emu):
    path = tmp_path / "connectors.csv"
    path.write_text(CSV)
    code, lines, err = run(capsys, "create", "--from", str(path), *remote)
    assert code == 3  # a row was invalid
    assert [(d["line"], d["status"]) for d in lines] == [
        (2, "created"),
        (3, "invalid"),
        (5, "created"),
        (7, "created"),
    ]
    assert lines[1]["error"]["field"] == "state" and "broken" in lines[1]["error"]["message"]
    first = NdesConnector.from_dict(lines[0]["connector"])
    assert first.machine_name == "ndes01.contoso.com" and first.role_scope_tag_ids == ["0", "5"]
    assert lines[2]["connector"]["displayName"] == "NDES-03\nsecond line"
    assert lines[2]["connector"]["roleScopeTagIds"] == ["7"]
    assert sorted(c.display_name for c in emu.connectors) == [
        "NDES-01",
        "NDES-03\nsecond line",
        "NDES-04",
    ]
    assert err.count("\n") == 1 and "3 created, 0 existing, 1 invalid, 0 error, 0 unknown" in err
    assert "\r" not in err  # not a terminal: no progress bar


def test_jsonl_from_stdin_then_again_with_if_absent(capsys, monkeypatch, remote, emu):
    text = "".join(
        json.dumps({"displayName": f"n{i}", "state": "active"}) + "\n" for i in range(45)
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    code, lines, _ = run(capsys, "create", "--from", "-", *remote)
    assert code == 0 and [d["line"] for d in lines] == list(range(1, 46))
    assert {d["status"] for d in lines} == {"created"}
    monkeypatch.setattr(sys, "stdin", io.StringIO(text + '{"displayName":"new"}\n'))
    code, lines, err = run(capsys, "create", "--from", "-", "--if-absent", *remote)
    assert code == 0 and [d["status"] for d in lines] == ["existing"] * 45 + ["created"]
    assert "1 created, 45 existing" in err and len(emu.connectors) == 46


def test_json_array_and_unreadable_rows(capsys, tmp_path, remote):
    path = tmp_path / "rows.json"
    path.write_text('[\n  {"display_name": "a"},\n  [1, 2],\n\n  {"displayName": "b"}\n]\n')
    code, lines, _ = run(capsys, "create", "--from", str(path), *remote)
    assert code == 3
    assert [(d["line"], d["status"]) for d in lines] == [
        (2, "created"),
        (3, "invalid"),
        (5, "created"),
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text('{"displayName": "c"}\n{"displayName": \n')
    code, lines, _ = run(capsys, "create", "--from", str(path), *remote)
    assert code == 3 and lines[1]["line"] == 2 and lines[1]["error"]["type"] == "DecodeError"


def test_unknown_outcomes_exit_6_and_say_how_to_settle_them(capsys, tmp_path, remote, emu):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(f'{{"displayName":"n{i}"}}\n' for i in range(3)))
    emu.inject("drop_after_body")
    code, lines, err = run(capsys, "create", "--from", str(path), *remote)
    assert code == 6 and {d["status"] for d in lines} == {"unknown"}
    assert "--if-absent" in lines[0]["error"]["hint"] and lines[0]["error"]["client_request_id"]
    emu.inject("delay", seconds=0)
    emu.inject("drop_after_body")
    code, lines, err = run(capsys, "create", "--from", str(path), "--if-absent", *remote)
    assert code == 0 and {d["status"] for d in lines} == {"existing"}
    assert len(emu.connectors) == 3


def test_graph_errors_and_usage_errors(capsys, tmp_path, remote, emu):
    path = tmp_path / "rows.csv"
    path.write_text("displayName\na\nb\n")
    emu.accept_token = lambda t: False
    code, lines, err = run(capsys, "create", "--from", str(path), *remote)
    assert code == 4 and [d["error"]["status"] for d in lines] == [401, 401]
    assert TOKEN not in err and TOKEN not in json.dumps(lines)
    emu.accept_token = None

    bad = tmp_path / "bad.csv"
    bad.write_text("displayName,colour\na,red\n")
    code, lines, err = run(capsys, "create", "--from", str(bad), *remote)
    assert code == 2 and lines == [] and "'colour' is not a property of ndesConnector" in err
    code, _, err = run(capsys, "create", "--from", str(path), "--display-name", "x", *remote)
    assert code == 2 and "give no field options" in err
    code, _, err = run(capsys, "create", "--from", str(tmp_path / "missing.csv"), *remote)
    assert code == 2 and "cannot read" in err
    with pytest.raises(SystemExit) as exit_:
        main(["create", "--from", str(path), "--batch-size", "50", *remote])
    assert exit_.value.code == 2 and "argument --batch-size" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["create", "--from", str(path), "--write-limit", "fast"])
    assert "not N/SECONDS" in capsys.readouterr().err


def test_the_write_limit_option(capsys, tmp_path, remote, emu, monkeypatch):
    from ndes.client import Client

    waits: list[float] = []
    monkeypatch.setattr(Client, "_sleep", staticmethod(waits.append))
    path = tmp_path / "rows.csv"
    path.write_text("displayName\n" + "".join(f"n{i}\n" for i in range(12)))
    code, lines, _ = run(
        capsys, "create", "--from", str(path), "--batch-size", "5", "--write-limit", "5/60", *remote
    )
    assert code == 0 and len(lines) == 12
    assert len(waits) == 2 and all(55 < w <= 120 for w in waits)  # batches 2 and 3 wait


def _run_on_a_terminal(args: list[str], cwd) -> tuple[int, str, str]:
    """The command with stderr on a pseudo-terminal, stdout piped."""
    leader, follower = pty.openpty()
    env = dict(os.environ, NDES_TOKEN=TOKEN)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ndes", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=cwd,
        env=env,
    )
    os.close(follower)
    err = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO once the process has closed the terminal
            break
        if not chunk:
            break
        err += chunk
    out = proc.stdout.read().decode()
    proc.wait(60)
    os.close(leader)
    return proc.returncode, out, err.decode()


def test_a_progress_bar_on_a_terminal_only(tmp_path, server, emu):
    path = tmp_path / "rows.csv"
    path.write_text("display_name\n" + "".join(f"n{i}\n" for i in range(60)))
    base = ["create", "--from", str(path), "--base-url", server.base_url]
    code, out, err = _run_on_a_terminal(base, tmp_path)
    assert code == 0 and len(out.splitlines()) == 60
    assert "\r[" in err and "60/60" in err and "100%" in err and "/s ETA" in err
    assert "60 created" in err
    code, out, err = _run_on_a_terminal([*base, "--no-progress"], tmp_path)
    assert code == 0 and "\r" not in err.replace("\r\n", "\n") and "60 created" in err
    piped = subprocess.run(
        [sys.executable, "-m", "ndes", *base],
        capture_output=True,
        cwd=tmp_path,
        env=dict(os.environ, NDES_TOKEN=TOKEN),
        timeout=60,
    )
    assert piped.returncode == 0 and b"\r" not in piped.stderr and b"60 created" in piped.stderr
    assert len(emu.connectors) == 180


def test_the_emulator_command_throttles_when_asked(tmp_path):
    import ndes

    proc = subprocess.Popen(
        [sys.executable, "-m", "ndes", "emulator", "--port", "0", "--throttle", "2/10/60"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        base_url = proc.stdout.readline().strip()
        with ndes.Client(TOKEN, base_url=base_url, write_limit=None, max_retries=0) as client:
            client.create(display_name="a")
            client.create(display_name="b")
            with pytest.raises(ndes.ThrottledError) as info:
                client.create(display_name="c")
            assert info.value.status == 429 and info.value.retry_after >= 59
    finally:
        proc.terminate()
        proc.wait(10)
    bad = subprocess.run(
        [sys.executable, "-m", "ndes", "emulator", "--throttle", "fast"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert bad.returncode == 2 and "APP/TENANT/SECONDS" in bad.stderr


def test_bytes_that_are_not_utf8_make_an_invalid_row(capsys, tmp_path, remote, emu):
    path = tmp_path / "rows.csv"
    path.write_bytes(b"displayName\nok-1\nbad-\xff\nok-2\n")
    code, lines, _ = run(capsys, "create", "--from", str(path), *remote)
    assert code == 3 and [d["status"] for d in lines] == ["created", "invalid", "created"]
    assert lines[1]["line"] == 3 and lines[1]["error"]["field"] == "displayName"
    assert sorted(c.display_name for c in emu.connectors) == ["ok-1", "ok-2"]


def test_an_interrupted_run_writes_what_is_settled_and_says_what_to_do(
    capsys, monkeypatch, tmp_path, remote, emu
):
    from ndes import _cli_rows

    def rows_then_ctrl_c(stream, fmt):
        for i in range(25):
            yield i + 2, {"displayName": f"n{i}"}
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli_rows, "rows", rows_then_ctrl_c)
    path = tmp_path / "rows.jsonl"
    path.write_text("{}\n")
    code, lines, err = run(capsys, "create", "--from", str(path), *remote)
    assert code == 130 and [d["line"] for d in lines] == list(range(2, 22))
    assert "interrupted" in err and "--if-absent" in err
    assert len(emu.connectors) == 20  # the first batch; the five read after it never went


def test_the_progress_bar_with_and_without_a_total():
    from ndes._cli_progress import Progress

    stream = io.StringIO()
    bar = Progress(stream, 10)
    for done in range(1, 4):
        bar.update(done, 10)
    bar.close()
    last = stream.getvalue().rsplit("\r", 1)[-1]
    assert last.startswith("[#######.................] 3/10  30% ") and " ETA " in last
    assert last.endswith("\x1b[K\n")
    stream = io.StringIO()
    bar = Progress(stream, None)
    bar.update(1234, None)
    bar.close()
    assert stream.getvalue().rsplit("\r", 1)[-1].startswith("1,234 done ")
