"""The emulator answers every request as Graph would, with a 400 for a query or a batch it
cannot read, never an exception out of its handler (a dropped connection to the client)."""

from __future__ import annotations

import json

import pytest

from ndes.emulator import GraphEmulator

COLLECTION = "/beta/deviceManagement/ndesConnectors"
HEADERS = {"authorization": "Bearer t", "content-type": "application/json"}


@pytest.mark.parametrize(
    "query",
    [
        "$top=%C2%B2",  # "²": str.isdigit() says yes, int() says no
        "$top=%D9%A3",  # an Arabic-Indic three
        "$skiptoken=%C2%B2",
        "$filter=" + "(" * 5000 + "id%20eq%20'a'" + ")" * 5000,
        "$filter=" + "(" * 5000,
    ],
    ids=["top superscript", "top arabic digit", "skiptoken superscript", "deep", "deep open"],
)
def test_a_query_it_cannot_read_is_a_400(query):
    reply = GraphEmulator().handle("GET", f"{COLLECTION}?{query}", HEADERS, b"")
    assert reply.status == 400
    assert json.loads(reply.body)["error"]["code"] == "BadRequest"


def test_a_batch_nested_past_the_parser_is_a_400():
    reply = GraphEmulator().handle("POST", "/beta/$batch", HEADERS, b"[" * 100_000)
    assert reply.status == 400


def test_a_sub_request_with_a_query_it_cannot_read_gets_its_own_400():
    body = {
        "requests": [{"id": "1", "method": "GET", "url": "/deviceManagement/ndesConnectors?$top=²"}]
    }
    reply = GraphEmulator().handle("POST", "/beta/$batch", HEADERS, json.dumps(body).encode())
    assert reply.status == 200
    (answer,) = json.loads(reply.body)["responses"]
    assert answer["status"] == 400


@pytest.mark.parametrize("size", [0, -1, 2.5, True])
def test_a_page_size_that_cannot_page_is_refused(size):
    # 0 made every page empty with a next link to itself; a negative one sliced from the end.
    with pytest.raises((ValueError, TypeError)):
        GraphEmulator(page_size=size)


@pytest.mark.parametrize("size", ["0", "-3"])
def test_the_emulator_command_refuses_such_a_page_size(capsys, size):
    from ndes.cli import _parser

    with pytest.raises(SystemExit) as exit:  # the parser alone: a server is never started
        _parser().parse_args(["emulator", "--port", "0", "--page-size", size])
    assert exit.value.code == 2 and "page-size" in capsys.readouterr().err
