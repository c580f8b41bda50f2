"""AsyncClient's methods beyond create (get, list, list_pages, update, delete, get_or_create,
create_many), awaited for real, and cancellation while paging.

These need the operations of the resource and bulk branches (``_ops.get``, ``list_page``,
``first_page_url``, ``update``, ``delete``, ``get_or_create``, ``create_many``): until those
are merged, this module fails on AttributeError from ``ndes._ops``. Every make_client test the
resource and bulk branches write also runs against AsyncClient through conftest's facade."""

from __future__ import annotations

import asyncio
import json

import pytest
from async_helpers import async_client, until
from conftest import ASYNC_BACKENDS

import ndes
from ndes import HttpResponse, NdesConnector
from ndes.aio import outcome_unknown

each_kind = pytest.mark.parametrize("kind", ASYNC_BACKENDS)
BASE = "https://graph.microsoft.com/beta"


@each_kind
def test_get_update_delete(kind, server, emu):
    async def scenario():
        async with async_client(kind, server) as client:
            created = await client.create(display_name="x", state="active")
            got = await client.get(created.id)
            updated = await client.update(created.id, state="inactive", machine_name=None)
            await client.delete(created.id)
            with pytest.raises(ndes.NotFoundError):
                await client.get(created.id)
            return created, got, updated

    created, got, updated = asyncio.run(scenario())
    assert got == created
    assert updated is None or str(updated.state) == "inactive"
    assert emu.connectors == []


@each_kind
def test_list_and_list_pages(kind, server, emu):
    async def scenario():
        async with async_client(kind, server) as client:
            made = [await client.create(display_name=f"n{i}") for i in range(5)]
            listed = [c async for c in client.list()]
            pages = [page async for page in client.list_pages()]
            only = [c async for c in client.list(filter="displayName eq 'n3'")]
            return made, listed, pages, only

    made, listed, pages, only = asyncio.run(scenario())
    assert sorted(c.id for c in listed) == sorted(c.id for c in made)
    assert all(isinstance(p, list) for p in pages)
    assert sorted(c.id for p in pages for c in p) == sorted(c.id for c in made)
    assert [c.display_name for c in only] == ["n3"]


@each_kind
def test_get_or_create_twice_creates_once(kind, server, emu):
    async def scenario():
        async with async_client(kind, server) as client:
            first = await client.get_or_create(display_name="once", state="active")
            second = await client.get_or_create(NdesConnector(display_name="once"))
            return first, second

    (made, created), (found, created_again) = asyncio.run(scenario())
    assert created and not created_again and found.id == made.id
    assert len(emu.connectors) == 1


@each_kind
def test_create_many(kind, server, emu):
    progress: list[tuple[int, int | None]] = []

    async def scenario():
        async with async_client(kind, server, write_limit=None) as client:
            rows = ({"display_name": f"bulk-{i:02d}"} for i in range(45))
            return await client.create_many(
                rows, on_progress=lambda done, total: progress.append((done, total))
            )

    asyncio.run(scenario())
    assert sorted(c.display_name for c in emu.connectors) == [f"bulk-{i:02d}" for i in range(45)]
    assert progress and progress[-1][0] == 45


class Pages:
    """An async backend that serves a collection in two pages; the second waits for
    ``release`` so a test can cancel while it is being fetched."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.second_asked = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, request):
        self.urls.append(request.url)
        if "skiptoken" not in request.url:
            items = [{"id": "a", "displayName": "A"}, {"id": "b", "displayName": "B"}]
            link = f"{BASE}/deviceManagement/ndesConnectors?$skiptoken=2"
            doc = {"value": items, "@odata.nextLink": link}
        else:
            self.second_asked.set()
            await self.release.wait()
            doc = {"value": [{"id": "c", "displayName": "C"}]}
        return HttpResponse(200, {"content-type": "application/json"}, json.dumps(doc).encode())

    async def aclose(self) -> None:
        pass


def test_list_fetches_a_page_only_when_the_loop_reaches_it():
    async def scenario():
        backend = Pages()
        backend.release.set()
        async with ndes.AsyncClient("t", backend=backend) as client:
            items = client.list()
            first = await items.__anext__()
            asked_for_first = len(backend.urls)
            rest = [c async for c in items]
        return first, asked_for_first, rest, backend.urls

    first, asked_for_first, rest, urls = asyncio.run(scenario())
    assert first.id == "a" and asked_for_first == 1
    assert [c.id for c in rest] == ["b", "c"] and len(urls) == 2


def test_cancelled_while_fetching_the_next_page():
    async def scenario():
        backend = Pages()
        seen: list[str] = []
        async with ndes.AsyncClient("t", backend=backend) as client:

            async def consume() -> None:
                async for c in client.list():
                    seen.append(c.id)

            task = asyncio.create_task(consume())
            await until(backend.second_asked.is_set, watch=task)
            task.cancel()
            with pytest.raises(asyncio.CancelledError) as info:
                await task
            return seen, info.value

    seen, cancelled = asyncio.run(scenario())
    assert seen == ["a", "b"]  # the first page was delivered, the second never came
    assert outcome_unknown(cancelled) is None  # a GET changes nothing


@pytest.mark.parametrize("kind", [k for k in ASYNC_BACKENDS if k != "async-in-process"])
def test_cancelled_list_leaves_the_connection_pool_fit(kind, server, emu):
    """A list page cancelled mid-answer must not leave its connection to be reused: the next
    request would read the late page as its own answer."""

    async def scenario():
        async with async_client(kind, server) as client:
            await client.create(display_name="existing")
            emu.inject("delay", seconds=1.0)
            task = asyncio.create_task(client.list_pages().__anext__())
            await until(lambda: len(emu.requests) == 2, watch=task)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # Were the connection reused, HTTP/1.1's order would hand this POST the late page.
            return await client.create(display_name="after")

    after = asyncio.run(scenario())
    assert after.display_name == "after"
    assert sorted(c.display_name for c in emu.connectors) == ["after", "existing"]


@each_kind
def test_create_many_cancelled_with_a_batch_in_flight(kind, server, emu):
    async def scenario():
        async with async_client(kind, server, write_limit=None) as client:
            emu.inject("delay", seconds=1.0)
            rows = [{"display_name": f"b{i}"} for i in range(5)]
            task = asyncio.create_task(client.create_many(rows))
            await until(lambda: len(emu.requests) == 1, watch=task)
            task.cancel()
            with pytest.raises(asyncio.CancelledError) as info:
                await task
            await until(lambda: len(emu.connectors) == 5)
            return info.value

    unknown = outcome_unknown(asyncio.run(scenario()))
    assert unknown is not None and "$batch" in str(unknown)
