"""The sync Graph client: a thin loop that drives the policy generators of :mod:`ndes._ops`
(see :mod:`ndes._policy`) over a backend. A backend only moves bytes."""

from __future__ import annotations

import time
from typing import Any

from . import _auth, _ops, _policy
from ._auth import TokenCredential, TokenSource
from ._base import DEFAULT_BASE_URL, ClientBase
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

        if proxy is not None or verify is not True:
            raise NotImplementedError("proxy= and verify= are not supported yet")
        return UrllibBackend()

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

    def _run(self, operation: _policy.Operation) -> Any:
        """Drives a policy generator: the only place the sync client does I/O or waits."""
        steps = _policy.Steps(operation)
        for action in steps:
            try:
                if type(action) is _policy.Send:
                    steps.reply(self.backend.send(action.request))
                elif type(action) is _policy.Sleep:
                    self._sleep(action.seconds)
                else:
                    steps.reply(_auth.token_text(self._token()))
            except Exception as exc:
                steps.fail(exc)
        return steps.result


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
