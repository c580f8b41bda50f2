"""The Graph client: create() with its retry and safety policy. Policy lives here once; a
backend only moves bytes."""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, Union

from . import _protocol, errors
from ._core import NdesConnector
from ._http import Backend, HttpRequest, HttpResponse

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._fields import ConnectorFields

__all__ = ["Client", "DEFAULT_BASE_URL", "TokenCredential", "create"]

DEFAULT_BASE_URL = "https://graph.microsoft.com/beta"
log = logging.getLogger("ndes")


class _AccessToken(Protocol):
    token: str


class TokenCredential(Protocol):
    """azure-identity's credential shape: ``get_token(*scopes)``."""

    def get_token(self, *scopes: str) -> Any: ...


TokenSource = Union[str, Callable[[], str], TokenCredential]  # noqa: UP007 (a runtime alias)


def _token_provider(token: TokenSource) -> Callable[[], str]:
    if isinstance(token, str):
        if not token:
            raise ValueError("token is empty")
        return lambda: token
    if hasattr(token, "get_token"):
        credential = token

        def from_credential() -> str:
            result = credential.get_token(_protocol.GRAPH_SCOPE)
            return result if isinstance(result, str) else result.token

        return from_credential
    if callable(token):
        return token
    raise TypeError("token must be a str, a callable returning one, or a credential with get_token")


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
        self._token = _token_provider(token)
        if backend is None:
            from .backends import UrllibBackend

            backend = UrllibBackend()
        self.backend = backend
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.retry_backoff = retry_backoff
        self.max_redirects = max_redirects
        self.max_response_bytes = max_response_bytes
        from . import __version__

        self.user_agent = f"ndes/{__version__}"
        self._rng = random.Random()
        self._rng_lock = threading.Lock()
        self._sleep = time.sleep

    def __repr__(self) -> str:
        backend = type(self.backend).__name__
        return f"Client(base_url={self.base_url!r}, backend={backend}, token=<redacted>)"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.backend.close()

    def create(
        self, connector: NdesConnector | None = None, /, **fields: Unpack[ConnectorFields]
    ) -> NdesConnector:
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
        body = connector.to_json()
        client_request_id = str(uuid.uuid4())
        for attempt in range(1, self.max_retries + 2):
            last = attempt > self.max_retries
            request = _protocol.create_request(
                self.base_url,
                body,
                token=self._token(),
                client_request_id=client_request_id,
                attempt=attempt,
                timeout=self.timeout,
                user_agent=self.user_agent,
                max_response_bytes=self.max_response_bytes,
            )
            try:
                response = self._send(request, attempt, client_request_id)
            except errors.TransportError as exc:
                exc.client_request_id = client_request_id
                if last:
                    raise
                delay = self._backoff(attempt)
                log.debug("not sent (%s); retrying in %.2fs", exc, delay)
                self._sleep(delay)
                continue
            if response.status == 201:
                return self._created(response, client_request_id)
            error = _protocol.graph_error(response, client_request_id)
            if response.status not in _protocol.RETRYABLE or last:
                raise error
            if error.retry_after is None:
                delay = self._backoff(attempt)
            elif error.retry_after > self.max_retry_after:
                raise error  # waiting that long is the caller's call, not ours
            else:
                delay = error.retry_after
            log.debug("HTTP %d; retrying in %.2fs", response.status, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        with self._rng_lock:
            return _protocol.backoff(attempt, self.retry_backoff, self.max_retry_after, self._rng)

    def _send(self, request: HttpRequest, attempt: int, client_request_id: str) -> HttpResponse:
        for _ in range(self.max_redirects + 1):
            started = time.perf_counter()
            try:
                response = self.backend.send(request)
            except errors.OutcomeUnknownError as exc:
                exc.client_request_id = client_request_id
                if client_request_id not in str(exc):
                    exc.args = (f"{exc.args[0]} (client-request-id {client_request_id})",)
                log.debug(
                    "%s %s -> no answer (%s) in %.1f ms, client-request-id=%s, attempt %d",
                    request.method,
                    request.url,
                    type(exc).__name__,
                    (time.perf_counter() - started) * 1000,
                    client_request_id,
                    attempt,
                )
                raise
            log.debug(
                "%s %s -> %d in %.1f ms, client-request-id=%s, attempt %d",
                request.method,
                request.url,
                response.status,
                (time.perf_counter() - started) * 1000,
                client_request_id,
                attempt,
            )
            redirect = _protocol.follow_redirect(request, response)
            if redirect is None:
                return response
            request = redirect.request
        raise errors.UnexpectedResponseError(
            response.status,
            f"more than {self.max_redirects} redirects",
            client_request_id=client_request_id,
        )

    def _created(self, response: HttpResponse, client_request_id: str) -> NdesConnector:
        try:
            return NdesConnector.from_json(response.body)
        except errors.DecodeError as exc:
            raise errors.UnexpectedResponseError(
                201,
                f"the connector was created, but its body could not be read: {exc}",
                request_id=response.header("request-id"),
                client_request_id=client_request_id,
            ) from exc


def create(
    connector: NdesConnector | None = None,
    /,
    *,
    token: TokenSource,
    backend: Backend | None = None,
    base_url: str = DEFAULT_BASE_URL,
    **fields: Unpack[ConnectorFields],
) -> NdesConnector:
    """One create() through a short-lived :class:`Client`."""
    with Client(token, backend=backend, base_url=base_url) as client:
        return client.create(connector, **fields)
