"""The sync Graph client: a thin loop that drives the policy generators of :mod:`ndes._ops`
(see :mod:`ndes._policy`) over a backend. A backend only moves bytes."""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import _auth, _ops, _policy
from ._auth import TokenCredential, TokenSource
from ._base import DEFAULT_BASE_URL, ClientBase
from ._bulk_result import BulkResult
from ._core import NdesConnector
from ._http import Backend

__all__ = ["Client", "DEFAULT_BASE_URL", "TokenCredential", "TokenSource", "create"]


class Client(ClientBase):
    """Creates and manages ndesConnectors in a Graph tenant.

    ``token`` is a bearer token, a callable returning one, or a credential with
    ``get_token(scope)`` (any azure-identity credential); it is asked again for every attempt.
    ``backend`` moves the bytes (default: :class:`ndes.backends.UrllibBackend`, which takes
    ``proxy`` and ``verify``). Writes are kept under ``write_limit`` (writes, seconds), shared
    by everything this client does.
    """

    _sleep = staticmethod(time.sleep)

    def _default_backend(self, *, proxy: str | None, verify: bool | str) -> Any:
        from .backends import UrllibBackend

        return UrllibBackend(proxy=proxy, verify=verify)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.backend.close()

    def create(self, connector: NdesConnector | None = None, /, **fields: Any) -> NdesConnector:
        """POST a connector to ``/deviceManagement/ndesConnectors``; returns the one Graph made.

        Pass a :class:`NdesConnector`, or its fields as keywords. Throttling (429) and 503 are
        retried after ``Retry-After``; a request that may have been processed never is.
        """
        connector = _ops.connector_of(connector, fields, "create")
        return self._run(_ops.create(self._settings, connector))  # type: ignore[no-any-return]

    def get(self, connector_id: str) -> NdesConnector:
        """GET one connector by id; :class:`~ndes.NotFoundError` when there is none."""
        return self._run(_ops.get(self._settings, connector_id))  # type: ignore[no-any-return]

    def list(
        self,
        *,
        filter: str | None = None,
        select: str | Iterable[str] | None = None,
        top: int | None = None,
        orderby: str | Iterable[str] | None = None,
    ) -> Iterator[NdesConnector]:
        """The connectors, lazily: a page is fetched when the loop reaches it.

        ``filter`` is an OData expression (``"state eq 'active'"``); ``select`` and ``orderby``
        take Python or wire names; ``top`` caps how many connectors come back in all."""
        for page in self.list_pages(filter=filter, select=select, top=top, orderby=orderby):
            yield from page

    def list_pages(
        self,
        *,
        filter: str | None = None,
        select: str | Iterable[str] | None = None,
        top: int | None = None,
        orderby: str | Iterable[str] | None = None,
    ) -> Iterator[builtins.list[NdesConnector]]:
        """The connectors one page (a list) at a time, as Graph pages them."""
        settings = self._settings
        url: str | None = _ops.first_page_url(
            settings, filter=filter, select=select, top=top, orderby=orderby
        )
        left = top
        trail = _ops.PageTrail(settings)
        while url is not None:
            trail.visit(url)
            page, url = self._run(_ops.list_page(settings, url))
            page, left, url = _ops.within_top(page, left, url)
            yield page

    def update(self, connector_id: str, /, **changes: Any) -> NdesConnector | None:
        """PATCH only the given fields (``None`` clears one); returns the connector when Graph
        answers 200 with it, None on 204."""
        return self._run(_ops.update(self._settings, connector_id, changes))  # type: ignore[no-any-return]

    def delete(self, connector_id: str) -> None:
        """DELETE one connector."""
        self._run(_ops.delete(self._settings, connector_id))

    def get_or_create(
        self, connector: NdesConnector | None = None, /, *, key: str = "display_name", **fields: Any
    ) -> tuple[NdesConnector, bool]:
        """``(existing, False)`` when exactly one connector has this one's ``key`` value,
        ``(created, True)`` when none has; :class:`~ndes.AmbiguousKeyError` when several do.

        Safe to re-run: a create whose outcome is unknown is looked up again before the
        error is raised."""
        connector = _ops.connector_of(connector, fields, "get_or_create")
        return self._run(_ops.get_or_create(self._settings, connector, key))  # type: ignore[no-any-return]

    def create_many(
        self,
        connectors: Iterable[NdesConnector | dict[str, Any]],
        *,
        if_absent: bool = False,
        key: str = "display_name",
        batch_size: int = 20,
        on_progress: Callable[[int, int | None], Any] | None = None,
    ) -> BulkResult:
        """Creates many connectors through Graph's JSON batching (``POST /$batch``, up to
        ``batch_size`` <= 20 a batch) under this client's write limit.

        ``connectors`` is any iterable of NdesConnector or dicts of fields (Python or wire
        names), read lazily. Each is validated first; an invalid one is reported, not sent.
        With ``if_absent`` the collection is read once and inputs whose ``key`` value exists
        are reported as existing; unknown outcomes are then settled by looking again.
        Returns a :class:`~ndes.BulkResult`: one entry per input, in input order.
        ``on_progress(done, total or None)`` is called as each input is settled.
        """
        return self._run(  # type: ignore[no-any-return]
            _ops.create_many(
                self._settings,
                connectors,
                if_absent=if_absent,
                key=key,
                batch_size=batch_size,
                on_progress=on_progress,
            )
        )

    def _run(self, operation: _policy.Operation) -> Any:
        """Drives a policy generator: the only place the sync client does I/O or waits."""
        reply: Any = None
        failure: BaseException | None = None
        while True:
            try:
                if failure is None:
                    action = operation.send(reply)
                else:
                    action, failure = operation.throw(failure), None
            except StopIteration as done:
                return done.value
            reply = None
            if type(action) is _policy.Send:
                try:
                    reply = self.backend.send(action.request)
                except Exception as exc:
                    failure = exc
            elif type(action) is _policy.Sleep:
                self._sleep(action.seconds)
            else:
                try:
                    reply = _auth.token_text(self._token())
                except Exception as exc:
                    failure = exc


def create(
    connector: NdesConnector | None = None,
    /,
    *,
    token: TokenSource,
    backend: Backend | None = None,
    base_url: str = DEFAULT_BASE_URL,
    **fields: Any,
) -> NdesConnector:
    """One create() through a short-lived :class:`Client`."""
    with Client(token, backend=backend, base_url=base_url) as client:
        return client.create(connector, **fields)
