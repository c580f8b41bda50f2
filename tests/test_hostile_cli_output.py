"""What `ndes list` prints for a terminal comes from Graph, so from whoever named a connector:
a table shows control characters (terminal escapes, newlines) and invisible format characters
(bidi overrides) as escapes, never raw, and stays one line per connector."""

from __future__ import annotations

import pytest
from conftest import TOKEN

import ndes
from ndes.cli import main

HOSTILE = [
    "\x1b]0;owned\x07title",  # sets the terminal's title
    "\x1b[2J\x1b[Hcleared",  # clears the screen
    "two\nlines",
    "carriage\rreturn",
    "\u202eevil-txt.exe",  # right-to-left override
    "c1\x9bcontrol",
    "zero\u200bwidth",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_table_escapes_what_a_terminal_would_obey(capsys, monkeypatch, server, emu, name):
    monkeypatch.setenv("NDES_TOKEN", TOKEN)
    ndes.create(token=TOKEN, base_url=server.base_url, display_name=name, machine_name="m")
    code = main(["list", "--base-url", server.base_url, "--output", "table"])
    out = capsys.readouterr().out
    assert code == 0
    header, row = out.splitlines()
    assert all(c.isprintable() for c in row), repr(row)
    assert name.encode("unicode_escape").decode("ascii") in row
