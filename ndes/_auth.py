"""Token sources: what ``token=`` may be, and the scope a credential is asked for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, Union
from urllib.parse import urlsplit

from ._http import is_coroutine_function

__all__ = ["TokenCredential", "TokenSource", "is_async_source", "scope_for", "token_getter"]

#: Graph hosts of the clouds: the token's audience is the host the requests go to.
GRAPH_HOSTS = (
    "graph.microsoft.com",
    "graph.microsoft.us",
    "dod-graph.microsoft.us",
    "microsoftgraph.chinacloudapi.cn",
)
GLOBAL_SCOPE = "https://graph.microsoft.com/.default"


class TokenCredential(Protocol):
    """azure-identity's credential shape: ``get_token(*scopes)``."""

    def get_token(self, *scopes: str) -> Any: ...


TokenSource = Union[str, Callable[[], Any], TokenCredential]  # noqa: UP007 (a runtime alias)


def scope_for(base_url: str) -> str:
    """``https://{host}/.default`` for a Graph cloud; the global scope elsewhere (an emulator,
    a proxy in front of Graph), where ``scopes=`` says otherwise when it must."""
    host = (urlsplit(base_url).hostname or "").lower()
    return f"https://{host}/.default" if host in GRAPH_HOSTS else GLOBAL_SCOPE


def token_getter(token: TokenSource, scopes: tuple[str, ...]) -> Callable[[], Any]:
    """A no-argument callable that asks the source once. For a credential it returns what
    ``get_token`` returns (an access token, or an awaitable of one for an ``aio`` credential);
    :func:`token_text` takes the string out."""
    if isinstance(token, str):
        if not token:
            raise ValueError("token is empty")
        return lambda: token
    get_token = getattr(token, "get_token", None)
    if get_token is not None:
        return lambda: get_token(*scopes)
    if callable(token):
        return token
    raise TypeError("token must be a str, a callable returning one, or a credential with get_token")


def is_async_source(token: Any) -> bool:
    """True for an ``async`` callable or a credential whose ``get_token`` is one
    (``azure.identity.aio``): only :class:`~ndes.AsyncClient` can await it."""
    target = getattr(token, "get_token", token)
    return is_coroutine_function(target) or is_coroutine_function(
        getattr(target, "__call__", None)  # noqa: B004 (an object with an async __call__)
    )


def token_text(result: Any) -> Any:
    """The string in an azure-identity ``AccessToken`` (or the value as it is)."""
    if isinstance(result, str):
        return result
    if hasattr(result, "__await__"):  # only reaches here under the sync client
        close = getattr(result, "close", None)
        if close is not None:
            close()  # no "never awaited" warning on top of the error
        raise TypeError("the token source returned an awaitable: use it with ndes.AsyncClient")
    return getattr(result, "token", result)
