"""Cancelling AsyncClient calls: asyncio gets its CancelledError, the caller can tell when a
create may have reached Graph, and the connection pool is left fit for the next request.
(Cancelling while paging is in test_async_resource.py, with list().)"""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid

import pytest
from async_helpers import async_client, until
from conftest import ASYNC_BACKENDS

from ndes.aio import outcome_unknown

each_kind = pytest.mark.parametrize("kind", ASYNC_BACKENDS)


@each_kind
def test_cancelled_while_the_post_is_in_flight(kind, server, emu, caplog):
    caplog.set_level(logging.WARNING, logger="ndes")

    async def scenario():
        async with async_client(kind, server) as client:
            emu.inject("delay", seconds=1.0)
            task = asyncio.create_task(client.create(display_name="first"))
            await until(lambda: len(emu.requests) == 1, watch=task)  # the server has it
            task.cancel()
            with pytest.raises(asyncio.CancelledError) as info:
                await task
            await until(lambda: len(emu.connectors) == 1)  # and acts on it, as Graph would
            # The cancelled request's connection must not be reused: its late answer would
            # be read as this one's.
            second = await client.create(display_name="second")
            return info.value, second

    cancelled, second = asyncio.run(scenario())
    crid = emu.requests[0].headers["client-request-id"]
    unknown = outcome_unknown(cancelled)
    assert unknown is not None and unknown.client_request_id == crid
    assert "may have acted" in str(unknown) and "POST" in str(unknown)
    if sys.version_info >= (3, 11):  # exception notes came with 3.11
        assert any(crid in note for note in getattr(cancelled, "__notes__", []))
    assert [r for r in caplog.records if crid in r.getMessage() and r.levelname == "WARNING"]
    assert second.display_name == "second"
    assert sorted(c.display_name for c in emu.connectors) == ["first", "second"]


async def within_timeout(awaitable, seconds):
    async with asyncio.timeout(seconds):
        return await awaitable


TIMEOUTS = [asyncio.wait_for]
if sys.version_info >= (3, 11):
    TIMEOUTS.append(within_timeout)


# In process only: over a socket the timeout could fire before the request is out, whereas the
# in-process backend has it recorded before its first await.
@pytest.mark.parametrize("kind", ["async-in-process"])
@pytest.mark.parametrize("timeout", TIMEOUTS, ids=lambda f: f.__name__)
def test_the_timeout_error_carries_the_unknown_outcome(kind, timeout, server, emu):
    async def scenario():
        async with async_client(kind, server) as client:
            emu.inject("delay", seconds=60)
            with pytest.raises(asyncio.TimeoutError) as info:
                await timeout(client.create(display_name="x"), 0.05)
            return info.value

    error = asyncio.run(scenario())
    unknown = outcome_unknown(error)
    assert unknown is not None
    assert unknown.client_request_id == emu.requests[0].headers["client-request-id"]
    assert [c.display_name for c in emu.connectors] == ["x"]


@each_kind
def test_cancelled_during_a_retry_after_wait(kind, server, emu, caplog):
    caplog.set_level(logging.WARNING, logger="ndes")

    async def scenario():
        async with async_client(kind, server) as client:
            sleeping = asyncio.Event()

            async def sleep(seconds: float) -> None:
                sleeping.set()
                await asyncio.sleep(seconds)

            client._sleep = sleep  # type: ignore[method-assign]
            emu.inject("status", status=429, retry_after=30)
            task = asyncio.create_task(client.create(display_name="x"))
            await asyncio.wait_for(sleeping.wait(), 20)
            task.cancel()
            with pytest.raises(asyncio.CancelledError) as info:
                await task
            after = await client.create(display_name="after")
            return info.value, after

    cancelled, after = asyncio.run(scenario())
    assert outcome_unknown(cancelled) is None  # a 429 means nothing was created
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    assert [c.display_name for c in emu.connectors] == ["after"] == [after.display_name]
    assert len(emu.requests) == 2


@each_kind
def test_cancelled_while_waiting_for_the_write_limit(kind, server, emu):
    async def scenario():
        async with async_client(kind, server, write_limit=(1, 600.0)) as client:
            await client.create(display_name="first")
            task = asyncio.create_task(client.create(display_name="second"))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError) as info:
                await task
            return info.value

    assert outcome_unknown(asyncio.run(scenario())) is None
    assert len(emu.requests) == 1


@each_kind
def test_cancelled_while_an_async_token_source_works(kind, server, emu):
    async def scenario():
        started = asyncio.Event()

        async def token() -> str:
            started.set()
            await asyncio.Event().wait()  # never answers
            return "unreachable"

        async with async_client(kind, server, token=token) as client:
            task = asyncio.create_task(client.create(display_name="x"))
            await asyncio.wait_for(started.wait(), 20)
            task.cancel()
            with pytest.raises(asyncio.CancelledError) as info:
                await task
            return info.value

    assert outcome_unknown(asyncio.run(scenario())) is None
    assert emu.requests == []


@each_kind
def test_many_cancelled_creates_each_tell_whether_they_may_exist(kind, server, emu):
    """Cancel 60 concurrent creates part way: every connector the emulator stored was either
    returned or is named by its task's outcome_unknown; a task that is neither made none."""
    names = [f"c{i:02d}" for i in range(60)]

    async def scenario():
        async with async_client(kind, server, write_limit=None) as client:

            async def create(name: str) -> object:
                # gather() replaces a cancelled task's CancelledError with a new one, so the
                # outcome is read where the documentation says: inside the coroutine.
                try:
                    return await client.create(display_name=name)
                except asyncio.CancelledError as exc:
                    return exc

            emu.inject("delay", count=40, seconds=0.5)
            tasks = [asyncio.create_task(create(n)) for n in names]
            await until(lambda: len(emu.requests) >= 20)
            for task in tasks:
                task.cancel()
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            # Wait for the server to finish what it was given before counting.
            await until(lambda: len(emu.connectors) == len(emu.requests))
            return outcomes

    outcomes = asyncio.run(scenario())
    sent = {r.headers["client-request-id"]: r for r in emu.requests}
    stored = {c.display_name for c in emu.connectors}
    returned, flagged, silent = set(), set(), set()
    for name, outcome in zip(names, outcomes, strict=True):
        if isinstance(outcome, asyncio.CancelledError):
            unknown = outcome_unknown(outcome)
            if unknown is None:
                silent.add(name)
            else:
                flagged.add(name)
                assert uuid.UUID(unknown.client_request_id)
                seen = sent.get(unknown.client_request_id)
                assert seen is None or f'"displayName":"{name}"'.encode() in seen.body
        else:
            assert outcome.display_name == name
            returned.add(name)
    assert flagged  # the cancel did land on requests in flight
    assert returned <= stored <= returned | flagged
    assert not silent & stored
