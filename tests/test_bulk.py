"""Client.create_many against the emulator over real sockets (and in process)."""

from __future__ import annotations

import json

import pytest

import ndes
from ndes import errors


def rows(n, prefix="n"):
    """A generator, as a script reading a large file would pass."""
    return ({"display_name": f"{prefix}{i:04d}", "state": "active"} for i in range(n))


@pytest.mark.parametrize("backend_kind", ["urllib", "in-process"])
def test_a_thousand_creates_in_fifty_batches_land_exactly_once(make_client, emu):
    client = make_client(write_limit=None)
    result = client.create_many(rows(1000))
    assert result.ok and result.counts["created"] == 1000 and len(result) == 1000
    assert [e.connector.display_name for e in result] == [f"n{i:04d}" for i in range(1000)]
    stored = emu.connectors
    assert sorted(c.display_name for c in stored) == [f"n{i:04d}" for i in range(1000)]
    assert {c.id for c in stored} == {e.connector.id for e in result}
    assert [(r.method, r.path) for r in emu.requests] == [("POST", "/beta/$batch")] * 50
    assert len(emu.sub_requests) == 1000


@pytest.mark.parametrize("backend_kind", ["urllib"])
def test_under_throttling_the_limiter_keeps_the_rate_and_no_429_is_seen(make_client, emu):
    # The client books 20 writes per 0.5 s; the emulator allows twice that per app, so that
    # network jitter between two batches booked a window apart cannot trip it.
    throttle = emu.throttle_writes(app_limit=40, tenant_limit=80, window=0.5)
    client = make_client(write_limit=(20, 0.5))
    result = client.create_many(rows(100))
    assert result.ok and len(emu.connectors) == 100
    assert throttle.refused == 0 and throttle.most_in_any_window() <= 40


@pytest.mark.parametrize("backend_kind", ["in-process"])
def test_without_a_client_limit_the_emulators_429s_are_absorbed(make_client, emu):
    throttle = emu.throttle_writes(app_limit=20, tenant_limit=200, window=1.0)
    client = make_client(write_limit=None)
    result = client.create_many(rows(50))
    assert result.ok and result.counts["created"] == 50
    assert throttle.refused > 0  # the server did throttle; the caller never saw it
    assert sorted(c.display_name for c in emu.connectors) == [f"n{i:04d}" for i in range(50)]
    assert throttle.most_in_any_window() <= 20


@pytest.mark.parametrize("backend_kind", ["urllib"])
def test_sub_request_429s_are_retried_alone(make_client, emu):
    emu.inject("status", 3, within_batch=True, status=429, retry_after=0)
    client = make_client(write_limit=None)
    result = client.create_many(rows(20))
    assert result.ok and len(emu.connectors) == 20
    batches = [json.loads(r.body)["requests"] for r in emu.requests]
    assert [len(b) for b in batches] == [20, 3]
    # The emulator routes sub-requests in their order, so the first three met the fault.
    assert [s["id"] for s in batches[1]] == ["0", "1", "2"]
    assert len(emu.sub_requests) == 23


@pytest.mark.parametrize("backend_kind", ["urllib", "in-process"])
def test_a_batch_dropped_after_sending_is_unknown_and_never_re_sent(make_client, emu):
    emu.inject("drop_after_body")
    client = make_client(write_limit=None)
    result = client.create_many(rows(30))
    assert [e.status for e in result] == ["unknown"] * 20 + ["created"] * 10
    assert all(isinstance(e.error, errors.OutcomeUnknownError) for e in result[:20])
    assert len(emu.requests) == 2 and len(emu.connectors) == 30  # they did land, once


@pytest.mark.parametrize("backend_kind", ["urllib", "in-process"])
def test_with_if_absent_a_dropped_batch_is_resolved_without_duplicates(make_client, emu):
    client = make_client(write_limit=None)
    client.create(display_name="n0005", state="active")
    emu.inject("delay", seconds=0)  # the GET of the collection goes through as it is
    emu.inject("drop_after_body")  # the first batch is acted on, and no answer comes
    result = client.create_many(rows(30), if_absent=True)
    assert result.ok
    assert result.counts["existing"] == 1 and result.counts["created"] == 29
    assert result[5].connector.display_name == "n0005" and result[5].status == "existing"
    names = sorted(c.display_name for c in emu.connectors)
    assert names == [f"n{i:04d}" for i in range(30)]  # each exactly once
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in emu.requests] == [
        ("POST", "ndesConnectors"),  # the create before the run
        ("GET", "ndesConnectors"),
        ("POST", "$batch"),
        ("POST", "$batch"),
        ("GET", "ndesConnectors"),  # looking again, once, for all the unknown ones
    ]


@pytest.mark.parametrize("backend_kind", ["in-process"])
def test_with_if_absent_a_5xx_sub_response_after_acting_is_found_again(make_client, emu):
    emu.inject("status", within_batch=True, status=500, act=True)
    client = make_client(write_limit=None)
    result = client.create_many(rows(3), if_absent=True)
    assert result.ok and [e.status for e in result] == ["created"] * 3
    assert len(emu.connectors) == 3


@pytest.mark.parametrize("backend_kind", ["in-process"])
def test_invalid_rows_do_not_stop_the_rest(make_client, emu):
    client = make_client(write_limit=None)
    items = [{"display_name": "a"}, {"state": "on"}, {"display_name": "b"}]
    result = client.create_many(items)
    assert [e.status for e in result] == ["created", "invalid", "created"]
    assert result[1].index == 1 and result[1].error.field == "state"
    assert len(emu.sub_requests) == 2
    assert not result.ok and result.failed() == [result[1]] and result.to_retry() == []


@pytest.mark.parametrize("backend_kind", ["in-process"])
def test_create_many_and_create_share_one_write_limit(make_client, emu):
    client = make_client(write_limit=(20, 30.0))
    waits: list[float] = []
    client._sleep = waits.append  # noqa: SLF001 (no real waiting in a test)
    client.create_many(rows(20))
    assert waits == []
    client.create(display_name="later")
    assert len(waits) == 1 and 29 < waits[0] <= 30.0


def test_the_bulk_types_are_public():
    assert ndes.BulkResult.__module__ == "ndes._bulk_result"
    assert "BulkResult" in ndes.__all__ and "BulkEntry" in ndes.__all__
