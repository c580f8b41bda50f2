"""The `ndes` command meets hostile answers and tokens: each gets its documented exit code and
one line on stderr, never a traceback, never the token."""

from __future__ import annotations

import pytest
from raw_server import CONNECTOR, TWO_LENGTHS, ScriptedServer, answer, http_response

from ndes.cli import EXIT_CREDENTIAL, EXIT_GRAPH, EXIT_UNKNOWN, main

SECRET = "cli-answers-secret-token"

CASES = [
    ("429, Retry-After: \u00b2", http_response(429, [("Retry-After", "\u00b2")], b""), EXIT_GRAPH),
    (
        "503, Retry-After with a 20-digit year",
        http_response(503, [("Retry-After", "Mon, 01 Jan 99999999999999999999 00:00:00 GMT")], b""),
        EXIT_GRAPH,
    ),
    (
        "500 with 200,000 [ as its body",
        http_response(500, [("Content-Type", "application/json")], b"[" * 200_000),
        EXIT_UNKNOWN,
    ),
    (
        "a 201 labelled gzip with a plain body",
        http_response(201, [("Content-Encoding", "gzip")], CONNECTOR),
        EXIT_UNKNOWN,
    ),
    ("a 201 with two Content-Lengths", TWO_LENGTHS, EXIT_UNKNOWN),
    (
        "a 307 to a backslash-userinfo Location",
        http_response(307, [("Location", "http://127.0.0.2:1\\@127.0.0.1:1/x")], b""),
        EXIT_GRAPH,
    ),
    (
        "an error message with newlines",
        http_response(400, [], b'{"error":{"code":"x","message":"a\\nTraceback (most\\r\\nb"}}'),
        EXIT_GRAPH,
    ),
]


def one_line(err: str) -> str:
    assert err.startswith("ndes: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback (most recent" not in err
    return err


@pytest.mark.parametrize(("name", "data", "code"), CASES, ids=[c[0] for c in CASES])
def test_each_answer_has_its_exit_code(capsys, monkeypatch, name, data, code):
    monkeypatch.setenv("NDES_TOKEN", SECRET)
    with ScriptedServer(answer(data)) as server:
        argv = ["create", "--display-name", "x", "--base-url", server.base_url]
        got = main([*argv, "--max-retries", "0", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert (got, out) == (code, "")
    one_line(err)
    assert SECRET not in err


@pytest.mark.parametrize("token", ["caf\u00e9", "\u20ac", "a b"])
def test_an_unusable_token_is_a_credential_error(capsys, monkeypatch, token):
    monkeypatch.setenv("NDES_TOKEN", token)
    code = main(["create", "--emulator", "--display-name", "x"])
    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_CREDENTIAL, "")
    assert "unusable token" in one_line(err) and token not in err
