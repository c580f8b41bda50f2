"""`ndes create --from` over hostile files: a bad row is an invalid row and the run goes on;
no input makes a traceback or makes the reader hold more than a line's worth of text."""

from __future__ import annotations

import io
import json
import sys

import pytest
from conftest import TOKEN
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from ndes import _cli_rows
from ndes._bulk import Unreadable
from ndes.cli import main

DEEP = "[" * 100_000


def run(capsys, *argv: str) -> tuple[int, list[dict], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


@pytest.fixture
def remote(monkeypatch, server, emu):
    monkeypatch.setenv("NDES_TOKEN", TOKEN)
    return ["--base-url", server.base_url, "--write-limit", "none"]


@pytest.mark.parametrize(
    "name, text",
    [
        ("deep.jsonl", DEEP + '\n{"displayName":"after"}\n'),
        ("deep.json", "[" + DEEP + "]"),
        ("deep-cell.csv", f"displayName,roleScopeTagIds\nbad,{DEEP}\nafter,\n"),
        ("deep-value.jsonl", '{"displayName":' + DEEP + '}\n{"displayName":"after"}\n'),
    ],
)
def test_a_row_nested_past_the_parser_is_an_invalid_row(capsys, tmp_path, remote, name, text):
    path = tmp_path / name
    path.write_text(text)
    code, lines, err = run(capsys, "create", "--from", str(path), *remote)
    assert code == 3, err
    assert lines[0]["status"] == "invalid"
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "text", ["\ufeffdisplayName,state\nbom-csv,active\n", '\ufeff{"displayName":"bom-jsonl"}\n']
)
@pytest.mark.parametrize("name_the_format", [False, True])
def test_a_byte_order_mark_on_stdin_is_skipped(capsys, monkeypatch, remote, text, name_the_format):
    format_option = ["--format", "csv" if "," in text else "jsonl"] if name_the_format else []
    stdin = io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    code, lines, err = run(capsys, "create", "--from", "-", *format_option, *remote)
    assert code == 0, err
    assert [d["status"] for d in lines] == ["created"]


def test_a_csv_field_over_the_limit_is_an_invalid_row_and_the_run_goes_on(
    capsys, tmp_path, remote, emu
):
    path = tmp_path / "big.csv"
    path.write_text("displayName,state\n" + "a" * 200_000 + ",active\nafter,active\n")
    code, lines, err = run(capsys, "create", "--from", str(path), *remote)
    assert code == 3, err
    assert [(d["line"], d["status"]) for d in lines] == [(2, "invalid"), (3, "created")]
    assert "field larger than field limit" in lines[0]["error"]["message"]
    assert [c.display_name for c in emu.connectors] == ["after"]


def test_counting_rows_for_the_progress_bar_survives_what_reading_them_survives(
    capsys, tmp_path, remote, monkeypatch
):
    path = tmp_path / "big.csv"
    path.write_text("displayName\n" + "a" * 200_000 + "\nafter\n" + DEEP + "\n")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    code, lines, err = run(capsys, "create", "--from", str(path), *remote)
    assert code == 3, err
    assert [d["status"] for d in lines] == ["invalid", "created", "created"]


class Watched(io.StringIO):
    """A file that records the longest piece of text it handed out."""

    longest = 0

    def _seen(self, text: str) -> str:
        self.longest = max(self.longest, len(text))
        return text

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return self._seen(super().readline(size))

    def read(self, size: int | None = -1) -> str:
        return self._seen(super().read(size))

    def __next__(self) -> str:
        return self._seen(super().__next__())


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_line_longer_than_max_line_is_read_through_in_pieces_and_is_invalid(monkeypatch, fmt):
    monkeypatch.setattr(_cli_rows, "MAX_LINE", 1000)
    head = "displayName\n" if fmt == "csv" else ""
    after = "after\n" if fmt == "csv" else '{"displayName":"after"}\n'
    stream = Watched(head + "x" * 100_000 + "\n" + after)
    got = list(_cli_rows.rows(stream, fmt))
    first = 2 if fmt == "csv" else 1
    assert [line for line, _ in got] == [first, first + 1]
    assert isinstance(got[0][1], Unreadable) and "longer than 1000" in str(got[0][1].error)
    assert got[1][1] == {"display_name": "after"} or got[1][1] == {"displayName": "after"}
    assert stream.longest <= 1000


def test_a_json_array_over_max_json_is_refused_without_reading_it_whole(
    capsys, tmp_path, remote, monkeypatch
):
    monkeypatch.setattr(_cli_rows, "MAX_JSON", 1000)
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"displayName": f"n{i}"} for i in range(100)]))
    code, lines, err = run(capsys, "create", "--from", str(path), *remote)
    assert code == 2 and lines == []
    assert "JSON Lines" in err and "Traceback" not in err


class ClosedAfter(io.StringIO):
    """A stdout whose reader goes away after `lines` lines (`| head -n lines`)."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.left = lines

    def write(self, text: str) -> int:
        if self.left <= 0:
            raise BrokenPipeError(32, "Broken pipe")
        self.left -= text.count("\n")
        return super().write(text)


def test_stdout_closed_mid_run_stops_sending_and_says_how_to_settle(
    capsys, tmp_path, remote, emu, monkeypatch
):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps({"displayName": f"n{i}"}) + "\n" for i in range(100)))
    out = ClosedAfter(1)
    monkeypatch.setattr(sys, "stdout", out)
    code = main(["create", "--from", str(path), *remote])
    err = capsys.readouterr().err
    assert code == 141
    assert "stdout was closed" in err and "--if-absent" in err and "Traceback" not in err
    assert out.getvalue().count("\n") == 1
    assert len(emu.connectors) == 20  # the batch in flight, and no batch after it


@pytest.mark.parametrize(
    "name, text",
    [
        ("dup.jsonl", '{"displayName":"first","displayName":"second"}\n{"displayName":"ok"}\n'),
        ("dup.json", '[{"displayName":"first","displayName":"second"},{"displayName":"ok"}]'),
    ],
)
def test_a_field_given_twice_in_a_json_row_is_invalid_not_the_last_one_silently(
    capsys, tmp_path, remote, emu, name, text
):
    path = tmp_path / name
    path.write_text(text)
    code, lines, err = run(capsys, "create", "--from", str(path), *remote)
    assert code == 3, err
    assert [d["status"] for d in lines] == ["invalid", "created"]
    assert lines[0]["error"]["field"] == "displayName"
    assert [c.display_name for c in emu.connectors] == ["ok"]


def _answer_every_batch(request):
    from ndes._http import HttpResponse

    subs = json.loads(request.body)["requests"] if request.method == "POST" else []
    answers = [
        {"id": s["id"], "status": 201, "body": {**s["body"], "id": "x" + s["id"]}} for s in subs
    ]
    return HttpResponse(200, {}, json.dumps({"responses": answers, "value": []}).encode())


_piece = st.one_of(
    st.sampled_from(
        [
            "displayName",
            "display_name",
            "state",
            "roleScopeTagIds",
            "lastConnectionDateTime",
            "nope",
            "@odata.type",
            ",",
            '"',
            "\n",
            "\r\n",
            "[",
            "]",
            "{",
            "}",
            ":",
            "null",
            "1e999",
            "9" * 5000,
            "\ufeff",
            "\x00",
            "\udcff",
            "active",
            "2020-01-01T00:00:00Z",
            ";",
            "[" * 2000,
        ]
    ),
    st.text(max_size=4),
)


@hyp_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(["csv", "jsonl", "json"]), pieces=st.lists(_piece, max_size=30))
@example(fmt="jsonl", pieces=["[" * 2000])
@example(fmt="json", pieces=["[", "[" * 2000])
@example(fmt="csv", pieces=["roleScopeTagIds\n", "[" * 2000])
@example(fmt="jsonl", pieces=['{"state":"active","state":"none"}'])
@example(fmt="csv", pieces=["displayName\n", "a" * 200_000])
def test_any_text_is_rows_or_a_file_error_and_every_row_settles(fmt, pieces):
    from test_bulk_policy import run as drive
    from test_policy import settings

    from ndes import BulkResult
    from ndes import _bulk as bulk

    text = "".join(pieces)
    try:
        got = list(_cli_rows.rows(io.StringIO(text), fmt))
    except _cli_rows.FileError:
        return
    assert all(isinstance(line, int) and isinstance(row, (dict, Unreadable)) for line, row in got)
    result, _, _ = drive(
        bulk.create_many(settings(), [row for _, row in got], if_absent=True),
        _answer_every_batch,
    )
    assert isinstance(result, BulkResult) and len(result) == len(got)


@pytest.mark.parametrize("tty", [False, True])
@pytest.mark.parametrize("name", ["rows.csv", "rows"])
def test_a_pipe_named_as_the_file_is_read_once(
    capsys, tmp_path, remote, emu, monkeypatch, tty, name
):
    """`--from <(generate)` names a pipe: it cannot be rewound after its first line is read to
    tell the format, and counting its rows for the progress bar would drain it."""
    import os
    import threading

    fifo = tmp_path / name
    os.mkfifo(fifo)
    text = "displayName\n" + "".join(f"n{i}\n" for i in range(5))

    def feed():
        with open(fifo, "w") as f:
            f.write(text)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty, raising=False)
    code, lines, err = run(capsys, "create", "--from", str(fifo), *remote)
    writer.join(10)
    assert code == 0, err
    assert [d["status"] for d in lines] == ["created"] * 5
