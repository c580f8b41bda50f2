"""The `ndes` command in a shell: every error one line with a documented exit code, the
options' own names in messages, IPv6 hosts, empty connectors, extra properties, completion."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TOKEN, free_port
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ndes.cli import main

#: The exit codes docs/cli.md documents (130: interrupted, as a shell reports SIGINT).
DOCUMENTED = {0, 1, 2, 3, 4, 5, 6, 7, 8, 130}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """main's exit code, also when argparse exits, with what it wrote; ``-v`` configures the
    root logger, which is put back so that no later test logs into this one's stderr."""
    import logging

    loggers = [logging.root, logging.getLogger("ndes.emulator")]  # `ndes emulator` adds one
    saved = [(log.handlers[:], log.level) for log in loggers]
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        for log, (handlers, level) in zip(loggers, saved, strict=True):
            log.handlers[:], log.level = handlers, level
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["create", "--display-name", "x", "--timeout", "inf"], "--timeout"),
        (["create", "--display-name", "x", "--timeout", "0"], "--timeout"),
        (["list", "--timeout", "nan"], "--timeout"),
        (["get", "x", "--timeout", "-1"], "--timeout"),
        (["get", "x", "--timeout", "soon"], "--timeout"),
        (["delete", "x", "--max-retries", "-1"], "--max-retries"),
        (["delete", "x", "--max-retry-after", "inf"], "--max-retry-after"),
        (["list", "--top", "0"], "--top"),
        (["emulator", "--port", "70000"], "--port"),
        (["emulator", "--page-size", "0"], "--page-size"),
        (["create", "--from", "x.csv", "--batch-size", "50"], "--batch-size"),
        (["create", "--additional-data", "{nope"], "--additional-data"),
        (["create", "--additional-data", "[1, 2]"], "--additional-data"),
        (["create", "--additional-data", "{}"], "--additional-data"),
        (["update", "x", "--additional-data", '"text"'], "--additional-data"),
        (["create", "--nope"], "--nope"),
    ],
)
def test_a_bad_option_is_one_usage_line_naming_it(capsys, argv, option):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert option in one_line(err) and err.startswith("ndes") and ": error: " in err
    # The library's parameter names are not the command's.
    assert "max_retries" not in err and "batch_size" not in err and "timeout must" not in err


def test_create_needs_a_field_or_says_an_empty_one_is_meant(capsys, monkeypatch):
    monkeypatch.delenv("NDES_TOKEN", raising=False)
    code, out, err = run(capsys, "create", "--emulator")
    assert code == 2 and out == "" and "at least one field" in one_line(err)
    assert "--allow-empty" in err
    code, out, err = run(capsys, "create", "--emulator", "--allow-empty")
    assert code == 0 and err == ""
    assert json.loads(out).keys() == {"@odata.type", "id"}


def test_additional_data_is_sent_as_extra_properties(capsys, monkeypatch, server, emu):
    monkeypatch.setenv("NDES_TOKEN", TOKEN)
    extra = {"futureProperty": {"level": 2, "tags": ["a", "é"]}}
    base = ["--base-url", server.base_url]
    code, out, err = run(
        capsys, "create", "--display-name", "x", "--additional-data", json.dumps(extra), *base
    )
    sent = json.loads(emu.requests[-1].body)
    assert sent["displayName"] == "x" and sent["futureProperty"] == extra["futureProperty"]
    # The emulator knows Graph's schema, so it refuses the property as Graph would.
    assert code == 4 and "futureProperty" in one_line(err)

    code, out, err = run(capsys, "create", "--display-name", "y", *base)
    created = json.loads(out)
    code, out, err = run(
        capsys, "update", created["id"], "--additional-data", '{"futureProperty": 1}', *base
    )
    assert json.loads(emu.requests[-1].body)["futureProperty"] == 1
    assert emu.requests[-1].method == "PATCH"


def test_a_known_property_in_additional_data_is_an_invalid_field(capsys, monkeypatch):
    monkeypatch.delenv("NDES_TOKEN", raising=False)
    code, out, err = run(capsys, "create", "--emulator", "--additional-data", '{"state": "on"}')
    assert code == 3 and out == "" and "state" in one_line(err)


def test_retry_after_over_the_cap_and_the_attempts_reach_the_line(capsys, monkeypatch, server, emu):
    monkeypatch.setenv("NDES_TOKEN", TOKEN)
    base = ["create", "--display-name", "x", "--base-url", server.base_url]
    emu.inject("status", status=429, retry_after=3600)
    code, _, err = run(capsys, *base)
    assert code == 4 and "Retry-After 3600s is over" in one_line(err)
    assert "no retry was made" in err and len(emu.requests) == 1
    emu.inject("status", status=429, retry_after=30)
    code, _, err = run(capsys, *base, "--max-retry-after", "10")
    assert code == 4 and "Retry-After 30s is over max_retry_after 10s" in one_line(err)

    emu.inject("status", 2, status=503, retry_after=0)
    code, _, err = run(capsys, *base, "--max-retries", "1")
    assert code == 4 and "gave up after 2 attempts" in one_line(err)

    closed = f"http://127.0.0.1:{free_port()}/beta"
    code, _, err = run(capsys, "get", "x", "--base-url", closed, "--max-retries", "1")
    assert code == 5 and "gave up after 2 attempts" in one_line(err)


def test_a_credential_that_fails_is_one_line_for_bulk_create_too(capsys, monkeypatch, tmp_path):
    class Broken:
        def __init__(self, **kwargs: object) -> None:
            raise RuntimeError("no az login here")

    module = type(sys)("azure.identity")
    module.DefaultAzureCredential = Broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure.identity", module)
    monkeypatch.delenv("NDES_TOKEN", raising=False)
    rows = tmp_path / "rows.csv"
    rows.write_text("displayName\na\n")
    for argv in (["create", "--display-name", "x"], ["create", "--from", str(rows)]):
        code, out, err = run(capsys, *argv)
        assert code == 7 and out == "" and "no az login here" in one_line(err)


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback (::1)")
@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_the_emulator_on_ipv6_prints_a_url_with_brackets(tmp_path, host):
    import ndes

    proc = subprocess.Popen(
        [sys.executable, "-m", "ndes", "emulator", "--host", host, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=_env(),
    )
    try:
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://[::1]:") and base_url.endswith("/beta"), base_url
        assert int(base_url.split("]:")[1].split("/")[0]) > 0
        created = ndes.create(display_name="v6", token=TOKEN, base_url=base_url)
        assert created.display_name == "v6"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "warning" not in err  # ::1 is loopback


def test_cannot_listen_names_an_ipv6_host_with_brackets(capsys):
    with socket.socket(socket.AF_INET6 if _ipv6_loopback() else socket.AF_INET) as taken:
        host = "::1" if _ipv6_loopback() else "127.0.0.1"
        taken.bind((host, 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(capsys, "emulator", "--host", host, "--port", str(port))
    assert code == 2 and out == ""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    assert f"cannot listen on {where}" in one_line(err)


def _root() -> str:
    """Where the ndes this test imported is: the working directory of `python -m ndes`
    children, so that a source tree without its compiled core is not what they find first."""
    import ndes

    return str(Path(ndes.__file__).parent.parent)


def _env() -> dict[str, str]:
    """The environment of a child interpreter that imports the ndes this test imported."""
    return dict(os.environ, PYTHONPATH=_root() + os.pathsep + os.environ.get("PYTHONPATH", ""))


# -- completion -----------------------------------------------------------------------------


def _completion_script(shell: str) -> str:
    """What `ndes completion SHELL` writes."""
    return subprocess.run(
        [sys.executable, "-m", "ndes", "completion", shell],
        capture_output=True,
        text=True,
        check=True,
        env=_env(),
        cwd=_root(),
        timeout=60,
    ).stdout


def _bash_complete(line: str) -> list[str]:
    """What Tab offers after ``line`` in bash, with the script `ndes completion bash` writes."""
    script = _completion_script("bash")
    words = line.split(" ")
    driver = (
        script
        + "COMP_WORDS=("
        + " ".join(f"'{w}'" for w in words)
        + f")\nCOMP_CWORD={len(words) - 1}\n_ndes\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    )
    done = subprocess.run(
        ["bash", "--norc", "--noprofile"],
        input=driver,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return [w for w in done.stdout.split("\n") if w]


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash on this machine")
def test_bash_completion_completes_commands_options_and_values():
    assert _bash_complete("ndes ") == [
        "create",
        "list",
        "get",
        "update",
        "delete",
        "emulator",
        "completion",
        "-h",
        "--help",
        "--version",
    ]
    assert _bash_complete("ndes cr") == ["create"]
    assert _bash_complete("ndes create --disp") == ["--display-name"]
    assert "--additional-data" in _bash_complete("ndes update ID --")
    assert _bash_complete("ndes create --display-name x --state a") == ["active"]
    assert _bash_complete("ndes list --output ") == ["table", "json", "jsonl", "csv"]
    assert _bash_complete("ndes create --display-name ") == []  # free text: nothing offered
    assert _bash_complete("ndes completion ") == ["-h", "--help", "bash", "zsh", "fish"]
    assert _bash_complete("ndes emulator --p") == ["--port", "--page-size"]


@pytest.mark.parametrize(("shell", "check"), [("zsh", ["zsh", "-n"]), ("fish", ["fish", "-n"])])
def test_zsh_and_fish_scripts_parse(shell, check, tmp_path):
    if shutil.which(check[0]) is None:
        pytest.skip(f"{check[0]} is not installed, so its script was not checked")
    path = tmp_path / f"ndes.{shell}"
    path.write_text(_completion_script(shell))
    done = subprocess.run([*check, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_completion_needs_a_known_shell(capsys):
    code, out, err = run(capsys, "completion", "tcsh")
    assert code == 2 and "invalid choice" in one_line(err)


# -- fuzz -----------------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "create",
        "list",
        "get",
        "update",
        "delete",
        "completion",
        "bash",
        "--emulator",
        "--display-name",
        "--state",
        "active",
        "Broken",
        "--machine-name",
        "--timeout",
        "--max-retries",
        "--top",
        "--select",
        "--filter",
        "--orderby",
        "--output",
        "csv",
        "--clear",
        "--additional-data",
        '{"a": 1}',
        '{"id": 2}',
        "[]",
        "--role-scope-tag-id",
        "--last-connection-date-time",
        "2026-11-28T09:30:00Z",
        "2026-13-01T00:00:00",
        "--if-absent",
        "--key",
        "--allow-empty",
        "--base-url",
        "http://example.com/beta",
        "https://[::1",
        "--proxy",
        "socks5://x",
        "--batch-size",
        "--write-limit",
        "none",
        "--format",
        "--version",
        "-v",
        "-h",
        "inf",
        "nan",
        "-1",
        "0",
        "1",
        "1e400",
        "",
        "x",
        "\x00",
        "é",
        "..",
        "--",
        "-",
    ]  # fmt: skip
)


#: Options with values that mostly pass the parser, so that runs reach the client.
_GOOD = {
    "--display-name": ["NDES-01", "é x", ""],
    "--state": ["active", "inactive", "none", "Broken"],
    "--machine-name": ["m.contoso.com"],
    "--timeout": ["5", "0.5", "1e9"],
    "--max-retries": ["0", "2"],
    "--max-retry-after": ["1", "60"],
    "--top": ["1", "3"],
    "--select": ["id,displayName", "display_name", "colour"],
    "--filter": ["state eq 'active'", "'"],
    "--orderby": ["displayName desc"],
    "--output": ["table", "json", "jsonl", "csv"],
    "--clear": ["machine_name", "id", "colour"],
    "--additional-data": ['{"newProperty": 1}', '{"state": 2}', "{}"],
    "--role-scope-tag-id": ["0", "7"],
    "--last-connection-date-time": ["2026-11-28T09:30:00Z", "2026-11-28T09:30:00"],
    "--key": ["display_name", "machine_name", "colour"],
    "--base-url": ["http://example.com/beta", "https://[::1"],
    "--proxy": ["socks5://x", "http://[::1]:1"],
}
_PAIR = st.sampled_from(sorted(_GOOD)).flatmap(
    lambda option: st.tuples(
        st.just(option), st.one_of(st.sampled_from(_GOOD[option]), _WORDS, st.text(max_size=6))
    )
)
_FLAGS = st.sampled_from(["--if-absent", "--allow-empty", "-v", "--emulator", "--emulator"])
#: A command, then options with values (some of them wrong), then a few loose words.
_STRUCTURED = st.builds(
    lambda command, pairs, flags, tail: [
        *command,
        *[word for pair in pairs for word in pair],
        *flags,
        *tail,
    ],
    st.sampled_from(
        [["create"], ["create"], ["list"], ["get", "an-id"], ["update", "an-id"], ["delete", "x"]]
    ),
    st.lists(_PAIR, max_size=4),
    st.lists(_FLAGS, max_size=3, unique=True),
    st.lists(_WORDS, max_size=1),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(argv=st.one_of(_STRUCTURED, st.lists(st.one_of(_WORDS, st.text(max_size=8)), max_size=7)))
def test_fuzzed_arguments_never_end_in_a_traceback(argv, capsys, monkeypatch):
    _fuzz(argv, capsys, monkeypatch)


def _fuzz(argv, capsys, monkeypatch):
    """Never ``emulator`` (it serves until interrupted), nor a network beyond the embedded
    emulator: without a token the commands stop before sending, and --emulator has its own."""
    if "emulator" in argv or "--from" in argv:
        return
    monkeypatch.delenv("NDES_TOKEN", raising=False)
    monkeypatch.setitem(sys.modules, "azure.identity", None)  # no credential to find
    code, out, err = run(capsys, *argv)
    event(f"exit {code}")
    assert code in DOCUMENTED, (argv, code, err)
    assert "Traceback" not in err
    if code != 0:  # one error line (with -v, log lines of the attempts come before it)
        assert len([line for line in err.splitlines() if ": error: " in line]) == 1, err
        assert not err.startswith("usage:")


def test_fish_completion_completes_commands_options_and_values(tmp_path):
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed, so its completion was not run")
    path = tmp_path / "ndes.fish"
    path.write_text(_completion_script("fish"))

    def complete(line: str) -> list[str]:
        done = subprocess.run(
            ["fish", "--no-config", "-c", f"source {path}; complete -C '{line}'"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return sorted(row.split("\t")[0] for row in done.stdout.splitlines())

    assert complete("ndes cr") == ["create"]
    assert complete("ndes create --st") == ["--state"]
    assert complete("ndes create --state ") == ["active", "inactive", "none"]
    assert complete("ndes completion ") == ["bash", "fish", "zsh"]
