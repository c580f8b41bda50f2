"""The retry table of docs/reliability.md, row by row, through every backend against the
emulator: what each method does after each failure, counted by what the server saw."""

from __future__ import annotations

import pytest
from conftest import SOCKET_BACKENDS, free_port
from scripted import ScriptedServer, json_answer

import ndes

IDEMPOTENT = ["GET", "PATCH", "DELETE"]


def call(client, method, connector_id):
    if method == "GET":
        return client.get(connector_id)
    if method == "PATCH":
        return client.update(connector_id, state="inactive")
    if method == "DELETE":
        return client.delete(connector_id)
    return client.create(display_name="x")


def attempts(emu, method):
    return [r for r in emu.requests if r.method == method]


FAULTS = [
    ("status", {"status": 429, "retry_after": 0}),
    ("status", {"status": 503, "retry_after": 0}),
    ("status", {"status": 503}),  # backoff
    ("status", {"status": 502}),
    ("status", {"status": 504}),
    ("drop_before_body", {}),
    ("drop_after_body", {}),
    ("truncate", {}),
]


@pytest.mark.parametrize(
    ("method", "fault"),
    [
        (method, fault)
        for method in IDEMPOTENT
        for fault in FAULTS
        if not (method == "DELETE" and fault[0] == "truncate")  # a 204 has no body to cut
    ],
    ids=lambda v: v if isinstance(v, str) else v[0] + str(v[1].get("status", "")),
)
def test_idempotent_methods_are_retried(make_client, emu, method, fault):
    client = make_client()
    created = client.create(display_name="x", state="active")
    kind, params = fault
    emu.inject(kind, method=method, **params)
    result = call(client, method, created.id)
    first, second = attempts(emu, method)
    assert first.headers["client-request-id"] == second.headers["client-request-id"]
    assert "retry-attempt" not in first.headers and second.headers["retry-attempt"] == "1"
    if method == "DELETE":
        # After a drop or a cut answer the first attempt did delete it: the 404 is done.
        assert result is None and emu.connectors == []
    elif method == "PATCH":
        assert result.state == "inactive" and emu.connectors == [result]
        if kind != "drop_before_body":  # which never reads the body
            assert first.body == second.body
    else:
        assert result == created


@pytest.mark.parametrize("method", IDEMPOTENT)
def test_a_read_timeout_is_retried_for_idempotent_methods(make_client, emu, method):
    client = make_client(timeout=0.3)
    created = client.create(display_name="x")
    emu.inject("delay", seconds=0.6, method=method)
    call(client, method, created.id)
    assert len(attempts(emu, method)) == 2


@pytest.mark.parametrize("method", [*IDEMPOTENT, "POST"])
def test_500_is_never_retried(make_client, emu, method):
    client = make_client()
    created = client.create(display_name="x")
    emu.inject("status", status=500, method=method)
    with pytest.raises(ndes.ServerError):
        call(client, method, created.id)
    assert len(attempts(emu, method)) == (2 if method == "POST" else 1)  # the setup's POST


@pytest.mark.parametrize("method", IDEMPOTENT)
def test_retries_give_up_after_max_retries(make_client, emu, method):
    client = make_client(max_retries=2)
    created = client.create(display_name="x")
    emu.inject("status", status=503, retry_after=0, count=3, method=method)
    with pytest.raises(ndes.ServiceUnavailableError, match="gave up after 3 attempts"):
        call(client, method, created.id)
    assert len(attempts(emu, method)) == 3


@pytest.mark.parametrize("method", IDEMPOTENT)
def test_a_lost_connection_every_time_is_an_unknown_outcome_at_the_end(make_client, emu, method):
    client = make_client(max_retries=1)
    created = client.create(display_name="x")
    emu.inject("drop_before_body", count=2, method=method)
    with pytest.raises(ndes.OutcomeUnknownError):
        call(client, method, created.id)
    assert len(attempts(emu, method)) == 2


@pytest.mark.parametrize(
    ("status", "retried"), [(429, True), (503, True), (502, False), (504, False)]
)
def test_post_keeps_the_strict_rule(make_client, emu, status, retried):
    emu.inject("status", status=status, retry_after=0, method="POST")
    if retried:
        make_client().create(display_name="x")
    else:
        with pytest.raises(ndes.OutcomeUnknownError):
            make_client().create(display_name="x")
    assert len(attempts(emu, "POST")) == (2 if retried else 1)
    emu.reset()
    emu.inject("drop_after_body", method="POST")
    with pytest.raises(ndes.OutcomeUnknownError):
        make_client().create(display_name="x")
    assert len(attempts(emu, "POST")) == 1 and len(emu.connectors) == 1


@pytest.mark.parametrize("method", IDEMPOTENT)
def test_connection_refused_is_retried(make_client, emu, method):
    if make_client.kind == "in-process":
        client = make_client()
        created = client.create(display_name="x")
        emu.inject("refuse", method=method)
        call(client, method, created.id)
        assert len(attempts(emu, method)) == 1  # the refused one never reached it
    else:
        client = make_client(max_retries=2, base_url=f"http://127.0.0.1:{free_port()}/beta")
        with pytest.raises(ndes.TransportError) as e:
            call(client, method, "some-id")
        assert e.value.client_request_id


@pytest.mark.parametrize("backend_kind", SOCKET_BACKENDS)
@pytest.mark.parametrize("gateway", [502, 504])
def test_a_delete_retried_after_a_gateway_error_takes_404_as_done(make_client, gateway):
    not_found = json_answer(404, '{"error":{"code":"ResourceNotFound","message":"gone"}}')
    with ScriptedServer(json_answer(gateway, "{}"), not_found) as server:
        assert make_client(base_url=server.base_url).delete("x") is None
        first, second = server.requests
        assert first.headers["client-request-id"] == second.headers["client-request-id"]
    with ScriptedServer(not_found) as server:
        with pytest.raises(ndes.NotFoundError):
            make_client(base_url=server.base_url).delete("x")
