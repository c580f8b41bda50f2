"""get, list, update, delete and get_or_create through every backend against the emulator,
and against a scripted server where Graph's answers must be exact."""

from __future__ import annotations

import json
import uuid

import pytest
from conftest import SOCKET_BACKENDS, TOKEN
from scripted import ScriptedServer, json_answer

import ndes
from ndes import NdesConnector

COLLECTION = "/beta/deviceManagement/ndesConnectors"
TYPE = '{"@odata.type":"#microsoft.graph.ndesConnector"'


def page(items: list[dict], next_link: str | None = None) -> tuple[int, dict, bytes]:
    doc: dict = {"@odata.context": "x", "value": items}
    if next_link is not None:
        doc["@odata.nextLink"] = next_link
    return json_answer(200, json.dumps(doc))


# -- get ------------------------------------------------------------------------------------


def test_get_reads_what_was_created(make_client, emu):
    client = make_client()
    created = client.create(display_name="NDES-01", state="active")
    assert client.get(created.id) == created
    seen = emu.requests[-1]
    assert (seen.method, seen.path) == ("GET", f"{COLLECTION}/{created.id}")
    assert seen.body == b"" and seen.headers["authorization"] == f"Bearer {TOKEN}"


def test_get_of_a_missing_connector_is_not_found_with_graphs_details(make_client, emu):
    with pytest.raises(ndes.NotFoundError) as e:
        make_client().get("no-such-id")
    err = e.value
    assert err.status == 404 and err.code == "ResourceNotFound"
    assert "'no-such-id' does not exist" in err.message
    assert uuid.UUID(err.request_id) and err.date
    assert err.client_request_id == emu.requests[0].headers["client-request-id"]
    assert len(emu.requests) == 1  # a 404 is an answer, not retried


@pytest.mark.parametrize(
    ("connector_id", "segment"),
    [
        ("a/b", "a%2Fb"),
        ("a?b=1", "a%3Fb%3D1"),
        ("a#b", "a%23b"),
        ("../../users", "..%2F..%2Fusers"),
        ("..a", "..a"),
        ("a%2Fb", "a%252Fb"),
        ("ü x", "%C3%BC%20x"),
    ],
)
def test_an_id_stays_in_one_path_segment(make_client, emu, connector_id, segment):
    with pytest.raises(ndes.NotFoundError) as e:
        make_client().get(connector_id)
    assert emu.requests[-1].path == f"{COLLECTION}/{segment}"
    # The emulator unescaped the one segment back to the id itself.
    assert f"'{connector_id}' does not exist" in e.value.message


def test_an_empty_id_or_a_dot_segment_is_refused_before_sending(make_client, emu):
    client = make_client()
    for call in (client.get, client.delete, lambda i: client.update(i, state="active")):
        with pytest.raises(ValueError, match="empty"):
            call("")
        for dots in (".", ".."):
            with pytest.raises(ValueError, match="path step"):
                call(dots)
        with pytest.raises(TypeError):
            call(None)
    assert emu.requests == []


# -- list -----------------------------------------------------------------------------------


def test_list_pages_through_everything_in_order(make_client, emu, monkeypatch):
    monkeypatch.setattr(emu, "page_size", 2)
    client = make_client()
    made = [client.create(display_name=f"n{i}") for i in range(5)]
    assert list(client.list()) == made
    assert [len(p) for p in client.list_pages()] == [2, 2, 1]
    gets = [r for r in emu.requests if r.method == "GET"]
    assert len(gets) == 6
    assert [r.query for r in gets[:3]] == ["", "$skiptoken=2", "$skiptoken=4"]


def test_list_is_lazy_one_page_for_the_first_item(make_client, emu, monkeypatch):
    monkeypatch.setattr(emu, "page_size", 2)
    client = make_client()
    first = client.create(display_name="a")
    for name in "bcde":
        client.create(display_name=name)
    before = len(emu.requests)
    items = client.list()
    assert len(emu.requests) == before  # nothing fetched until the loop asks
    assert next(items) == first
    assert len(emu.requests) == before + 1
    next(items)
    assert len(emu.requests) == before + 1  # the second item is on the first page
    next(items)
    assert len(emu.requests) == before + 2


def test_list_of_an_empty_collection(make_client, emu):
    assert list(make_client().list()) == []
    assert list(make_client().list_pages()) == [[]]


def test_query_options_are_percent_encoded_with_wire_names(make_client, emu):
    client = make_client()
    client.create(display_name="O'Brien & co", state="active", machine_name="m1")
    client.create(display_name="other", state="active", machine_name="m2")
    got = list(
        client.list(
            filter="displayName eq 'O''Brien & co'",
            select=["display_name", "machineName"],
            top=3,
            orderby="display_name desc",
        )
    )
    assert got == [NdesConnector(display_name="O'Brien & co", machine_name="m1")]
    assert emu.requests[-1].query == (
        "$filter=displayName%20eq%20%27O%27%27Brien%20%26%20co%27"
        "&$select=displayName%2CmachineName&$top=3&$orderby=displayName%20desc"
    )


def test_filter_orderby_and_top_against_the_emulator(make_client, emu, monkeypatch):
    monkeypatch.setattr(emu, "page_size", 2)
    client = make_client()
    for name, state in [("c", "active"), ("a", "inactive"), ("b", "active"), ("d", "none")]:
        client.create(display_name=name, state=state)

    def names(**query):
        return [c.display_name for c in client.list(**query)]

    assert names(filter="state eq 'active'") == ["c", "b"]
    assert names(filter="state ne 'active'", orderby="display_name") == ["a", "d"]
    assert names(filter="(displayName eq 'a' or displayName eq 'd') and state eq 'none'") == ["d"]
    assert names(orderby=["state desc", "displayName"]) == ["d", "a", "b", "c"]
    assert names(top=3, orderby="displayName") == ["a", "b", "c"]
    with pytest.raises(ndes.BadRequestError, match="Could not find a property named 'nope'"):
        names(filter="nope eq 'x'")
    with pytest.raises(ValueError, match="not a property"):
        names(select="nope")
    with pytest.raises(ValueError, match="positive"):
        names(top=0)


@pytest.mark.parametrize("backend_kind", SOCKET_BACKENDS)
def test_top_caps_what_the_caller_reads_when_the_server_ignores_it(make_client):
    items = [{"id": str(i)} for i in range(3)]
    with ScriptedServer(page(items, "PLACEHOLDER")) as server:
        got = list(make_client(base_url=server.base_url).list(top=2))
        assert [c.id for c in got] == ["0", "1"]
        assert len(server.requests) == 1  # the next link was not followed


# -- next links -----------------------------------------------------------------------------


@pytest.mark.parametrize("backend_kind", SOCKET_BACKENDS)
def test_a_next_link_is_followed_exactly_as_given(make_client):
    with ScriptedServer() as server:
        link = f"{server.base_url}/deviceManagement/ndesConnectors?$skiptoken=a%2Fb%27c&x=%20"
        server.add(page([{"id": "1"}], link), page([{"id": "2"}]))
        got = list(make_client(base_url=server.base_url).list())
        assert [c.id for c in got] == ["1", "2"]
        first, second = server.requests
        assert second.target == "/beta/deviceManagement/ndesConnectors?$skiptoken=a%2Fb%27c&x=%20"
        assert second.headers["authorization"] == f"Bearer {TOKEN}"
        assert first.headers["client-request-id"] != second.headers["client-request-id"]


@pytest.mark.parametrize("backend_kind", SOCKET_BACKENDS)
def test_a_next_link_to_another_origin_is_refused_and_gets_no_token(make_client):
    with ScriptedServer() as server, ScriptedServer() as other:
        for link in [
            f"{other.base_url}/deviceManagement/ndesConnectors?$skiptoken=1",  # another port
            f"http://localhost:{server.port}/beta/deviceManagement/ndesConnectors",  # host
            f"http://127.0.0.1:{server.port}@127.0.0.1:{other.port}/beta/x",  # user info
            f"https://127.0.0.1:{server.port}/beta/deviceManagement/ndesConnectors",  # scheme
            f"http://127.0.0.1:{other.port}\\@127.0.0.1:{server.port}/beta/x",
        ]:
            server.add(page([{"id": "1"}], link))
            items = make_client(base_url=server.base_url).list()
            assert next(items).id == "1"
            with pytest.raises(ndes.CrossOriginError, match="refusing @odata.nextLink"):
                next(items)
        assert other.requests == []
        assert len(server.requests) == 5


def test_same_origin_decides_on_the_url_as_sent():
    from ndes._protocol import same_origin

    base = "https://graph.microsoft.com/beta"
    assert same_origin("https://graph.microsoft.com/beta/x?$skiptoken=1", base)
    assert same_origin("https://GRAPH.microsoft.com:443/beta/x", base)
    for url in [
        "http://graph.microsoft.com/beta/x",
        "https://graph.microsoft.com:8443/beta/x",
        "https://graph.microsoft.com.evil.com/beta/x",
        "https://graph.microsoft.com@evil.com/beta/x",
        "https://evil.com\\@graph.microsoft.com/beta/x",
        "https://graph.microsoft.com /beta/x",
        "https://graph.microsoft.com:99999/x",
        "//graph.microsoft.com/beta/x",
        "ftp://graph.microsoft.com/beta/x",
    ]:
        assert not same_origin(url, base), url


# -- update ---------------------------------------------------------------------------------


def test_update_sends_only_the_given_fields(make_client, emu):
    client = make_client()
    created = client.create(display_name="x", state="active", machine_name="m")
    updated = client.update(created.id, state="inactive")
    seen = emu.requests[-1]
    assert (seen.method, seen.path) == ("PATCH", f"{COLLECTION}/{created.id}")
    assert seen.headers["content-type"] == "application/json"
    assert seen.body == TYPE.encode() + b',"state":"inactive"}'
    assert updated.state == "inactive" and updated.machine_name == "m" and updated.id == created.id
    assert emu.connectors == [updated]


def test_update_with_none_clears_the_field(make_client, emu):
    client = make_client()
    created = client.create(display_name="x", machine_name="m", role_scope_tag_ids=["0"])
    updated = client.update(
        created.id, role_scope_tag_ids=None, display_name="y", machine_name=None
    )
    assert emu.requests[-1].body == (
        TYPE.encode() + b',"displayName":"y","machineName":null,"roleScopeTagIds":null}'
    )
    assert updated == NdesConnector(id=created.id, display_name="y")
    assert emu.connectors == [updated]


def test_update_is_validated_before_sending(make_client, emu):
    client = make_client()
    with pytest.raises(ndes.ValidationError, match="state"):
        client.update("some-id", state="bogus")
    with pytest.raises(TypeError, match="unknown fields: colour"):
        client.update("some-id", colour=None)
    with pytest.raises(TypeError, match="cannot be changed"):
        client.update("some-id", id="other")
    with pytest.raises(TypeError, match="at least one"):
        client.update("some-id")
    assert emu.requests == []


def test_the_emulator_refuses_an_update_as_graph_does(make_client, emu):
    client = make_client()
    created = client.create(display_name="x")
    with pytest.raises(ndes.BadRequestError, match="'colour' does not exist"):
        client.update(created.id, additional_data={"colour": "red"})
    with pytest.raises(ndes.NotFoundError):
        client.update("missing", state="active")


@pytest.mark.parametrize("backend_kind", SOCKET_BACKENDS)
def test_update_answered_204_returns_none(make_client):
    with ScriptedServer((204, {}, b"")) as server:
        assert make_client(base_url=server.base_url).update("i", display_name="z") is None
        (seen,) = server.requests
        assert seen.method == "PATCH" and seen.body == TYPE.encode() + b',"displayName":"z"}'


@pytest.mark.parametrize(
    "changes",
    [
        {"id": None},
        {"state": None},
        {"last_connection_date_time": None, "connector_version": None},
        {"display_name": "d", "state": None, "additional_data": {"x": {"state": 1}}},
        {"role_scope_tag_ids": None, "additional_data": {"x": None, "y": [1]}},
        {"enrolled_date_time": None, "role_scope_tag_ids": ["1"], "machine_name": ","},
        {name: None for name in ndes._protocol.WIRE_NAMES if name != "id"},
    ],
)
def test_patch_body_keeps_wire_order(changes):
    from ndes._protocol import WIRE_NAMES, patch_body

    if "id" in changes:
        with pytest.raises(TypeError):
            patch_body(changes)
        return
    body = patch_body(changes)
    doc = json.loads(body)
    expected = ["@odata.type"] + [WIRE_NAMES[n] for n in WIRE_NAMES if n in changes]
    expected += list(changes.get("additional_data") or {})
    assert list(doc) == expected
    for name, value in changes.items():
        if name in WIRE_NAMES and value is None:
            assert doc[WIRE_NAMES[name]] is None


# -- delete ---------------------------------------------------------------------------------


def test_delete_then_get_is_not_found(make_client, emu):
    client = make_client()
    created = client.create(display_name="x")
    assert client.delete(created.id) is None
    assert emu.requests[-1].method == "DELETE" and emu.connectors == []
    with pytest.raises(ndes.NotFoundError):
        client.get(created.id)
    with pytest.raises(ndes.NotFoundError):
        client.delete(created.id)  # the first attempt: a 404 is a real answer


# -- get_or_create --------------------------------------------------------------------------


def test_get_or_create_creates_once_then_finds(make_client, emu):
    client = make_client()
    created, was_created = client.get_or_create(display_name="NDES-01", state="active")
    assert was_created and emu.connectors == [created]
    again, was_created = client.get_or_create(display_name="NDES-01", state="inactive")
    assert not was_created and again == created
    assert len(emu.connectors) == 1
    lookups = [r for r in emu.requests if r.method == "GET"]
    assert lookups[0].query == "$filter=displayName%20eq%20%27NDES-01%27"


def test_get_or_create_on_another_key(make_client, emu):
    client = make_client()
    a = client.create(display_name="a", machine_name="host1")
    found, created = client.get_or_create(
        NdesConnector(display_name="b", machine_name="host1"), key="machineName"
    )
    assert (found, created) == (a, False)
    with pytest.raises(ValueError, match="not set"):
        client.get_or_create(display_name="b", key="machine_name")
    with pytest.raises(TypeError):
        client.get_or_create(NdesConnector(display_name="b"), display_name="c")


def test_get_or_create_with_several_matches_names_the_count(make_client, emu):
    client = make_client()
    client.create(display_name="twin")
    client.create(display_name="twin")
    with pytest.raises(ndes.AmbiguousKeyError, match="2 connectors have display_name == 'twin'"):
        client.get_or_create(display_name="twin")
    assert len(emu.connectors) == 2


def test_get_or_create_after_an_unknown_outcome_finds_what_was_created(make_client, emu):
    emu.inject("drop_after_body", method="POST")
    found, created = make_client().get_or_create(display_name="NDES-01")
    assert created and emu.connectors == [found]
    assert [r.method for r in emu.requests] == ["GET", "POST", "GET"]


def test_get_or_create_reraises_an_unknown_outcome_when_nothing_is_there(make_client, emu):
    emu.inject("drop_before_body", method="POST")
    with pytest.raises(ndes.OutcomeUnknownError):
        make_client().get_or_create(display_name="NDES-01")
    assert emu.connectors == [] and [r.method for r in emu.requests] == ["GET", "POST", "GET"]


@pytest.mark.parametrize("backend_kind", SOCKET_BACKENDS)
def test_get_or_create_matches_locally_when_the_filter_is_ignored(make_client):
    everything = page([{"id": "1", "displayName": "a"}, {"id": "2", "displayName": "b"}])
    with ScriptedServer(everything) as server:
        found, created = make_client(base_url=server.base_url).get_or_create(display_name="b")
        assert (found.id, created) == ("2", False)


@pytest.mark.parametrize("backend_kind", SOCKET_BACKENDS)
def test_get_or_create_pages_without_the_filter_when_it_is_refused(make_client):
    refused = json_answer(400, '{"error":{"code":"BadRequest","message":"no $filter here"}}')
    with ScriptedServer(refused, page([{"id": "1", "displayName": "b"}])) as server:
        found, created = make_client(base_url=server.base_url).get_or_create(display_name="b")
        assert (found.id, created) == ("1", False)
        assert [r.target for r in server.requests] == [
            "/beta/deviceManagement/ndesConnectors?$filter=displayName%20eq%20%27b%27",
            "/beta/deviceManagement/ndesConnectors",
        ]


@pytest.mark.parametrize("backend_kind", SOCKET_BACKENDS)
@pytest.mark.parametrize(
    "body",
    [
        b"<html>not json</html>",
        b'{"value":5}',
        b'{"@odata.context":"x"}',
        b'{"value":[1]}',
        b'{"value":[{"state":5}]}',
        b'{"value":[],"@odata.nextLink":7}',
    ],
)
def test_a_page_that_cannot_be_read_is_an_unexpected_response(make_client, body):
    with ScriptedServer(json_answer(200, body)) as server:
        with pytest.raises(ndes.UnexpectedResponseError, match="page in the answer"):
            list(make_client(base_url=server.base_url).list())
        assert len(server.requests) == 1  # not retried: the server did answer


@pytest.mark.parametrize("backend_kind", SOCKET_BACKENDS)
def test_a_page_keeps_what_the_model_does_not_know(make_client):
    body = (
        '{"@odata.context":"x","@odata.count":1,"value":[{"@odata.etag":"W/1","id":"1",'
        '"state":"unknownFutureValue","newProperty":{"a":[1]}}]}'
    )
    with ScriptedServer(json_answer(200, body)) as server:
        (c,) = make_client(base_url=server.base_url).list()
        assert c.id == "1" and c.state == "unknownFutureValue"
        assert c.additional_data["newProperty"] == {"a": [1]}


def test_the_in_process_emulator_pages_on_the_clients_own_origin():
    from ndes.emulator import EmulatorBackend, GraphEmulator

    backend = EmulatorBackend(GraphEmulator(page_size=1))
    with ndes.Client(TOKEN, backend=backend) as client:  # the default base_url
        made = [client.create(display_name=n) for n in "ab"]
        assert list(client.list()) == made
