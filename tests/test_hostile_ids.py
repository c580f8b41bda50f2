"""Connector ids an attacker would pick stay one path segment through every backend: the
server sees exactly the escaped id, and unescapes it back to the id itself."""

from __future__ import annotations

from urllib.parse import quote

import pytest

import ndes

COLLECTION = "/beta/deviceManagement/ndesConnectors"
IDS = [
    "a\r\nX-Injected: 1",
    "\x00",
    "\t",
    " ",
    "%",
    "%%2e%2e",
    ".%2e",
    "..;",
    ";..",
    "\\..\\",
    "./.",
    "\u2028",
    "\U0001f600",
    "a\x7f",
    "?#",
    "..%00",
    "ids('x')",
]


def test_hostile_ids_stay_in_one_segment(make_client, emu):
    client = make_client()
    for connector_id in IDS:
        with pytest.raises(ndes.NotFoundError) as e:
            client.get(connector_id)
        seen = emu.requests[-1]
        assert seen.path == f"{COLLECTION}/{quote(connector_id, safe='')}", connector_id
        assert "x-injected" not in seen.headers
        assert f"'{connector_id}' does not exist" in e.value.message


def test_an_id_with_a_lone_surrogate_is_refused_before_sending(make_client, emu):
    with pytest.raises(ValueError):
        make_client().get("a\udcff")
    assert emu.requests == []
