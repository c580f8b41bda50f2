"""A hostile collection: pages that link back to themselves, cycle or never end, and pages no
parser can follow. Every walk through the collection (list, list_pages, get_or_create's
look-up, create_many's if_absent read) must end with a typed error, never loop for ever."""

from __future__ import annotations

import json

import pytest
from conftest import SOCKET_BACKENDS
from scripted import ScriptedServer, json_answer
from test_bulk_policy import run
from test_policy import settings

import ndes
from ndes import NdesConnector, _ops, errors
from ndes import _bulk as bulk
from ndes._http import HttpResponse

URL = "https://graph.microsoft.com/beta/deviceManagement/ndesConnectors"


def page(next_link, *names):
    doc = {"value": [{"id": n, "displayName": n} for n in names]}
    if next_link is not None:
        doc["@odata.nextLink"] = next_link
    return HttpResponse(200, {}, json.dumps(doc).encode())


def counted(respond, limit=100):
    """Answers with ``respond`` and fails the test (not hangs) past ``limit`` requests."""
    seen = []

    def answer(request):
        seen.append(request.url)
        assert len(seen) <= limit, "the walk did not stop"
        return respond(request)

    answer.seen = seen  # type: ignore[attr-defined]
    return answer


# Each pager ends in a loop: the first page is read, then a link leads back.
LOOPS = {
    "itself": lambda request: page(request.url, "a"),
    "empty link": lambda request: page("", "a"),
    "a NUL link (urlsplit strips it to empty)": lambda request: page("\x00", "a"),
    "relative to itself": lambda request: page("?" + request.url.partition("?")[2], "a"),
    "a cycle of two": lambda request: page(
        URL + ("?$skiptoken=2" if request.url.endswith("=1") else "?$skiptoken=1"), "a"
    ),
    "a cycle after a lead-in": lambda request: page(URL + f"?$skiptoken={_after(request)}", "a"),
}


def _after(request):
    """0 (the first page), 1, 2, 3, 4, then back to 2."""
    n = int(request.url.partition("$skiptoken=")[2] or 0)
    return n + 1 if n < 4 else 2


@pytest.mark.parametrize("loop", LOOPS.values(), ids=list(LOOPS))
def test_get_or_create_stops_at_a_next_link_that_loops(loop):
    respond = counted(loop)
    op = _ops.get_or_create(settings(), NdesConnector(display_name="b"), "display_name")
    result, sent, _ = run(op, respond)
    assert isinstance(result, errors.UnexpectedResponseError), result
    assert "page already read" in str(result)
    assert all(r.method == "GET" for r in sent)  # nothing was created
    assert len(set(respond.seen)) == len(respond.seen)  # no page was read twice


@pytest.mark.parametrize("loop", LOOPS.values(), ids=list(LOOPS))
def test_create_many_if_absent_stops_at_a_next_link_that_loops(loop):
    respond = counted(loop)
    op = bulk.create_many(settings(), [NdesConnector(display_name="b")], if_absent=True)
    result, sent, _ = run(op, respond)
    assert isinstance(result, errors.UnexpectedResponseError), result
    assert all(r.method == "GET" for r in sent)


def test_an_endless_pager_is_cut_at_max_pages():
    respond = counted(lambda r: page(URL + f"?$skiptoken={len(respond.seen)}"), limit=5000)
    result, sent, _ = run(_ops.find(settings(max_pages=50), "display_name", "x"), respond)
    assert isinstance(result, errors.UnexpectedResponseError)
    assert "more than 50 pages" in str(result)
    assert len(sent) == 50


def test_get_or_create_reads_no_further_than_a_second_match():
    respond = counted(lambda r: page(URL + f"?$skiptoken={len(respond.seen)}", "dup"))
    op = _ops.get_or_create(settings(), NdesConnector(display_name="dup"), "display_name")
    result, sent, _ = run(op, respond)
    assert isinstance(result, errors.AmbiguousKeyError) and result.count == 2
    assert len(sent) == 2


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"value":[' + b"[" * 100_000,
        b'{"value":[{"id":"a","displayName":' + b"[" * 100_000,
    ],
    ids=["top level", "in value", "in a connector"],
)
def test_a_page_nested_past_the_parser_is_an_unexpected_response(body):
    result, _, _ = run(
        _ops.find(settings(), "display_name", "a"), lambda r: HttpResponse(200, {}, body)
    )
    assert isinstance(result, errors.UnexpectedResponseError), result


@pytest.mark.parametrize("backend_kind", SOCKET_BACKENDS)
def test_list_over_sockets_stops_where_the_pages_loop_and_keeps_what_it_read(make_client):
    with ScriptedServer() as server:
        first = f"{server.base_url}/deviceManagement/ndesConnectors"
        link = first + "?$skiptoken=x"
        body = json.dumps({"value": [{"id": "1"}], "@odata.nextLink": link})
        again = json.dumps({"value": [{"id": "2"}], "@odata.nextLink": link})
        server.add(json_answer(200, body), json_answer(200, again))
        got = []
        with pytest.raises(ndes.UnexpectedResponseError, match="page already read"):
            for connector in make_client(base_url=server.base_url).list():
                got.append(connector.id)
        assert got == ["1", "2"]
        assert [r.target for r in server.requests] == [
            "/beta/deviceManagement/ndesConnectors",
            "/beta/deviceManagement/ndesConnectors?$skiptoken=x",
        ]


@pytest.mark.parametrize("backend_kind", ["urllib"])
def test_list_ends_an_endless_pager_of_empty_pages(make_client):
    """Empty pages give `for c in client.list()` nothing to break on: only the cap ends it."""
    with ScriptedServer() as server:

        def endless(seen):
            n = len(server.requests)
            link = f"{server.base_url}/deviceManagement/ndesConnectors?$skiptoken={n}"
            return json_answer(200, json.dumps({"value": [], "@odata.nextLink": link}))

        server.add(*[endless] * 30)
        client = make_client(base_url=server.base_url)
        client._settings.max_pages = 20
        with pytest.raises(ndes.UnexpectedResponseError, match="more than 20 pages"):
            list(client.list())
        assert len(server.requests) == 20


def test_first_page_url_refuses_a_name_that_is_not_a_str_with_a_type_error():
    with pytest.raises(TypeError, match="int"):
        _ops.first_page_url(settings(), select=["id", 5])
    with pytest.raises(TypeError, match="NoneType"):
        _ops.first_page_url(settings(), orderby=[None])


def test_get_or_create_finds_a_match_on_the_last_page_of_a_server_ignoring_the_filter():
    pages = {
        URL + "?$filter=displayName%20eq%20%27O%27%27Brien%27": (URL + "?$skiptoken=1", "a", "b"),
        URL + "?$skiptoken=1": (URL + "?$skiptoken=2", "c"),
        URL + "?$skiptoken=2": (None, "O'Brien"),
    }
    respond = counted(lambda r: page(*pages[r.url]))
    op = _ops.get_or_create(settings(), NdesConnector(display_name="O'Brien"), "display_name")
    result, sent, _ = run(op, respond)
    assert result[1] is False and result[0].display_name == "O'Brien"
    assert [r.method for r in sent] == ["GET"] * 3
