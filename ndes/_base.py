"""What the sync and the async client share: their options, checked once, and the policy
settings every operation runs with. Each client adds only its loop and its methods."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from . import _auth, _http, _policy, _protocol
from ._auth import TokenSource

DEFAULT_BASE_URL = "https://graph.microsoft.com/beta"


class ClientBase:
    #: Whether this client awaits its backend and token source (AsyncClient) or calls them.
    _is_async = False

    def __init__(
        self,
        token: TokenSource,
        *,
        backend: Any = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_retry_after: float = 60.0,
        retry_backoff: float = 0.5,
        max_redirects: int = 3,
        max_response_bytes: int = 4 * 1024 * 1024,
        proxy: str | None = None,
        verify: bool | str = True,
        scopes: Sequence[str] | None = None,
        write_limit: tuple[int, float] | None = (100, 20.0),
    ) -> None:
        _protocol.check_url(base_url)
        if max_retries < 0 or max_response_bytes <= 0:
            raise ValueError("max_retries and max_response_bytes must be positive")
        # NaN passes every comparison, and an infinite wait never ends: both are refused.
        if not 0 < timeout < math.inf or not 0 <= max_retry_after < math.inf:
            raise ValueError("timeout and max_retry_after must be finite seconds (timeout > 0)")
        # One spelling of the base URL, as every backend sends it: the URLs of all calls and
        # every same-origin decision start from it.
        base_url = _protocol.normalize_url(base_url.rstrip("/")).rstrip("/")
        if isinstance(scopes, str):
            scopes = [scopes]
        self._check_token(token)
        self._token = _auth.token_getter(
            token, tuple(scopes) if scopes else (_auth.scope_for(base_url),)
        )
        if backend is None:
            backend = self._default_backend(proxy=proxy, verify=verify)
        elif proxy is not None or verify is not True:
            raise TypeError("proxy= and verify= configure the default backend; set them on yours")
        self._check_backend(backend)
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
            limiter=_policy.WriteLimiter(*write_limit) if write_limit else None,
        )

    def _default_backend(self, *, proxy: str | None, verify: bool | str) -> Any:
        raise NotImplementedError  # each client names its own default

    def _check_backend(self, backend: Any) -> None:
        """A client refuses a backend of the other kind (sync vs async), or another library's
        client object, with a TypeError that says what to pass instead."""
        problem = _http.backend_problem(backend, want_async=self._is_async)
        if problem is not None:
            raise TypeError(problem)

    def _check_token(self, token: TokenSource) -> None:
        if not self._is_async and _auth.is_async_source(token):
            raise TypeError("an async token source (azure.identity.aio) needs ndes.AsyncClient")

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    def __repr__(self) -> str:
        backend = type(self.backend).__name__
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, backend={backend}, "
            "token=<redacted>)"
        )
