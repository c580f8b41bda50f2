"""The sync Graph client: a thin loop that drives the policy generators of :mod:`ndes._ops`
(see :mod:`ndes._policy`) over a backend. A backend only moves bytes."""

from __future__ import annotations

import time
from typing import Any

from . import _auth, _ops, _policy, _protocol
from ._auth import TokenCredential, TokenSource
from ._core import NdesConnector
from ._http import Backend

__all__ = ["Client", "DEFAULT_BASE_URL", "TokenCredential", "TokenSource", "create"]

DEFAULT_BASE_URL = "https://graph.microsoft.com/beta"


class Client:
    """Creates ndesConnectors in a Graph tenant.

    ``token`` is a bearer token, a callable returning one, or a credential with
    ``get_token(scope)`` (any azure-identity credential); it is asked again for every attempt.
    ``backend`` moves the bytes (default: :class:`ndes.backends.UrllibBackend`).
    """

    def __init__(
        self,
        token: TokenSource,
        *,
        backend: Backend | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_retry_after: float = 60.0,
        retry_backoff: float = 0.5,
        max_redirects: int = 3,
        max_response_bytes: int = 4 * 1024 * 1024,
    ) -> None:
        _protocol.check_url(base_url)
        if max_retries < 0 or timeout <= 0 or max_retry_after < 0 or max_response_bytes <= 0:
            raise ValueError("max_retries, timeout, max_retry_after and sizes must be positive")
        base_url = base_url.rstrip("/")
        self._token = _auth.token_getter(token, (_auth.scope_for(base_url),))
        if backend is None:
            from .backends import UrllibBackend

            backend = UrllibBackend()
        self.backend = backend
        from . import __version__

        self._settings = _policy.Settings(
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_retry_after=max_retry_after,
            retry_backoff=retry_backoff,
            max_redirects=max_redirects,
            max_response_bytes=max_response_bytes,
            user_agent=f"ndes/{__version__}",
        )
        self._sleep = time.sleep

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    def __repr__(self) -> str:
        backend = type(self.backend).__name__
        return f"Client(base_url={self.base_url!r}, backend={backend}, token=<redacted>)"

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
        if connector is None:
            connector = NdesConnector(**fields)
        elif fields:
            raise TypeError("create() takes a connector or fields, not both")
        elif not isinstance(connector, NdesConnector):
            raise TypeError(f"create() expects an NdesConnector, got {type(connector).__name__}")
        return self._run(_ops.create(self._settings, connector))  # type: ignore[no-any-return]

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
