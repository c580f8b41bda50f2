"""The asyncio Graph client: a thin async loop that drives the same policy generators as the
sync client (:mod:`ndes._ops`, :mod:`ndes._policy`) over an async backend.

Cancellation: a task cancelled while ``create`` (or another write) is waiting for Graph's
answer gets the ``CancelledError`` as asyncio requires, never another exception in its place
(``asyncio.timeout`` and ``TaskGroup`` rely on that). The request may have reached Graph, so
the error carries what :class:`~ndes.OutcomeUnknownError` would have said: read it with
:func:`outcome_unknown`, which also finds it behind the ``TimeoutError`` of
``asyncio.timeout``/``wait_for``. The same text is added as a note (it shows in the traceback)
and logged as a warning on the ``ndes`` logger. The backend closes a connection it was
cancelled on rather than return it to its pool. A call cancelled while it waits for the write
limit keeps the slot it booked: the limiter errs on the side of fewer writes.
"""

from __future__ import annotations

import asyncio
import builtins
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any

from . import _auth, _ops, _policy, errors
from ._auth import TokenSource
from ._base import DEFAULT_BASE_URL, ClientBase
from ._core import NdesConnector
from ._http import HttpRequest

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._fields import ConnectorFields

__all__ = ["AsyncClient", "DEFAULT_BASE_URL", "outcome_unknown"]

log = logging.getLogger("ndes")

#: The attribute of a CancelledError that holds the OutcomeUnknownError of its request.
_OUTCOME = "ndes_outcome_unknown"


class AsyncClient(ClientBase):
    """:class:`ndes.Client`'s methods as coroutines, for asyncio.

    ``token`` is a str, a sync or ``async`` callable, or a credential with ``get_token`` (sync
    azure-identity credentials are asked in a worker thread, since they may do network I/O;
    ``azure.identity.aio`` ones are awaited). ``backend`` is an async backend (default:
    :class:`ndes.backends.AsyncHttpxBackend`, ``pip install ndes[httpx]``, which takes
    ``proxy`` and ``verify``). Retries, redirects, errors and the write limit are the sync
    client's, from the same code.
    """

    _is_async = True
    _sleep = staticmethod(asyncio.sleep)
    _token_in_thread = False

    def _default_backend(self, *, proxy: str | None, verify: bool | str) -> Any:
        try:
            from .backends._httpx_async import AsyncHttpxBackend
        except ImportError as exc:
            raise ImportError(
                "ndes.AsyncClient's default backend needs httpx: pip install 'ndes[httpx]', "
                "or pass backend="
            ) from exc
        return AsyncHttpxBackend(proxy=proxy, verify=verify)

    def _check_token(self, token: TokenSource) -> None:
        get_token = getattr(token, "get_token", None)
        self._token_in_thread = get_token is not None and not _auth.is_async_source(token)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __enter__(self) -> None:
        raise TypeError("use `async with ndes.AsyncClient(...)`, or ndes.Client with `with`")

    def __exit__(self, *exc: object) -> None:  # pragma: no cover - __enter__ always raises
        pass

    async def aclose(self) -> None:
        await self.backend.aclose()

    async def create(
        self, connector: NdesConnector | None = None, /, **fields: Unpack[ConnectorFields]
    ) -> NdesConnector:
        """As :meth:`ndes.Client.create`."""
        connector = _ops.connector_of(connector, fields, "create")
        return await self._run(_ops.create(self._settings, connector))  # type: ignore[no-any-return]

    async def get(self, connector_id: str) -> NdesConnector:
        """As :meth:`ndes.Client.get`."""
        return await self._run(_ops.get(self._settings, connector_id))  # type: ignore[no-any-return]

    async def list(
        self,
        *,
        filter: str | None = None,
        select: str | Iterable[str] | None = None,
        top: int | None = None,
        orderby: str | Iterable[str] | None = None,
    ) -> AsyncIterator[NdesConnector]:
        """As :meth:`ndes.Client.list`: ``async for connector in client.list(...)``; a page is
        fetched only when the loop reaches it."""
        pages = self.list_pages(filter=filter, select=select, top=top, orderby=orderby)
        async for page in pages:
            for connector in page:
                yield connector

    async def list_pages(
        self,
        *,
        filter: str | None = None,
        select: str | Iterable[str] | None = None,
        top: int | None = None,
        orderby: str | Iterable[str] | None = None,
    ) -> AsyncIterator[builtins.list[NdesConnector]]:
        """As :meth:`ndes.Client.list_pages`: one list per page Graph sends."""
        pages = _ops.Pages(self._settings, filter=filter, select=select, top=top, orderby=orderby)
        while (operation := pages.next_operation()) is not None:
            yield pages.take(await self._run(operation))

    async def update(
        self, connector_id: str, /, **changes: Unpack[ConnectorFields]
    ) -> NdesConnector | None:
        """As :meth:`ndes.Client.update`."""
        return await self._run(_ops.update(self._settings, connector_id, changes))  # type: ignore[no-any-return]

    async def delete(self, connector_id: str) -> None:
        """As :meth:`ndes.Client.delete`."""
        await self._run(_ops.delete(self._settings, connector_id))

    async def get_or_create(
        self,
        connector: NdesConnector | None = None,
        /,
        *,
        key: str = "display_name",
        **fields: Unpack[ConnectorFields],
    ) -> tuple[NdesConnector, bool]:
        """As :meth:`ndes.Client.get_or_create`."""
        connector = _ops.connector_of(connector, fields, "get_or_create")
        return await self._run(_ops.get_or_create(self._settings, connector, key))  # type: ignore[no-any-return]

    async def create_many(
        self,
        connectors: Iterable[NdesConnector | dict[str, Any]],
        *,
        if_absent: bool = False,
        key: str = "display_name",
        batch_size: int = 20,
        on_progress: Callable[[int, int | None], object] | None = None,
    ) -> Any:
        """As :meth:`ndes.Client.create_many`. Cancelling it loses the results of the items
        already done (``on_progress`` has seen them); the batch in flight is reported as
        :func:`outcome_unknown`."""
        return await self._run(
            _ops.create_many(
                self._settings,
                connectors,
                if_absent=if_absent,
                key=key,
                batch_size=batch_size,
                on_progress=on_progress,
            )
        )

    async def _run(self, operation: _policy.Operation) -> Any:
        """Drives a policy generator: the only place the async client does I/O or waits."""
        steps = _policy.Steps(operation)
        action: _policy.Action | None = None
        try:
            for action in steps:
                try:
                    if type(action) is _policy.Send:
                        steps.reply(await self.backend.send(action.request))
                    elif type(action) is _policy.Sleep:
                        await self._sleep(action.seconds)
                    else:
                        steps.reply(await self._fetch_token())
                except Exception as exc:
                    steps.fail(exc)
        except asyncio.CancelledError as cancelled:
            if type(action) is _policy.Send and action.request.method != "GET":
                _note_in_flight(cancelled, action.request)
            raise
        finally:
            steps.close()
        return steps.result

    async def _fetch_token(self) -> Any:
        source = self._token
        result = await asyncio.to_thread(source) if self._token_in_thread else source()
        if inspect.isawaitable(result):
            result = await result
        return _auth.token_text(result)


def _note_in_flight(cancelled: asyncio.CancelledError, request: HttpRequest) -> None:
    client_request_id = request.headers.get("client-request-id")
    unknown = errors.OutcomeUnknownError(
        f"cancelled while {request.method} {request.url} was in flight: Graph may have acted on it",
        client_request_id=client_request_id,
    )
    setattr(cancelled, _OUTCOME, unknown)
    if hasattr(cancelled, "add_note"):  # Python 3.11+
        cancelled.add_note(f"ndes: {unknown}")
    log.warning("%s", unknown)


def outcome_unknown(exc: BaseException) -> errors.OutcomeUnknownError | None:
    """The :class:`~ndes.OutcomeUnknownError` a cancellation carries when it stopped a write
    that may have reached Graph (a create that may exist); None when nothing was in flight.

    It is looked for on ``exc`` and on what caused it, so it works on the ``CancelledError``
    that ``await client.create(...)`` raises in the cancelled task, that ``await task`` raises
    in its awaiter, and on the ``TimeoutError`` of ``asyncio.timeout``/``wait_for``. asyncio's
    ``gather(..., return_exceptions=True)`` hands back a new ``CancelledError`` instead: there,
    catch it inside the coroutine you gather (every case is also logged as a warning)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        found = getattr(current, _OUTCOME, None)
        if found is not None:
            return found  # type: ignore[no-any-return]
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
