"""ndes: Microsoft Graph's ndesConnector (Intune's NDES connector, Graph beta) with a C core.

Build a connector, validate it, encode it to Graph's JSON or to MessagePack, and create it::

    import ndes
    with ndes.Client(token=...) as client:
        created = client.create(display_name="NDES-01", state="active")
"""

from __future__ import annotations

from ._core import NdesConnector
from .errors import (
    AmbiguousKeyError,
    AuthenticationError,
    BadRequestError,
    CredentialError,
    CrossOriginError,
    DecodeError,
    GraphError,
    NdesError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    ServerError,
    ServiceUnavailableError,
    ThrottledError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)

TYPE_CHECKING = False  # not imported from typing, which costs more to import than ndes
if TYPE_CHECKING:
    from . import aio, backends, emulator
    from ._bulk_result import BulkEntry, BulkResult
    from ._display import Connectors
    from ._http import HttpRequest, HttpResponse
    from ._state import NdesConnectorState
    from .aio import AsyncClient
    from .client import Client, create

__version__ = "0.1.0"

__all__ = [
    "AmbiguousKeyError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "BulkEntry",
    "BulkResult",
    "Client",
    "Connectors",
    "CredentialError",
    "CrossOriginError",
    "DecodeError",
    "GraphError",
    "HttpRequest",
    "HttpResponse",
    "NdesConnector",
    "NdesConnectorState",
    "NdesError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "ServerError",
    "ServiceUnavailableError",
    "ThrottledError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "__version__",
    "aio",
    "backends",
    "create",
    "emulator",
]

# These load on first use, so that `import ndes` stays cheap: the client and its backends for
# code that only encodes and decodes, and the enum module (NdesConnectorState) until a state is
# used.
_LAZY = {
    "NdesConnectorState": ("_state", "NdesConnectorState"),
    "Client": ("client", "Client"),
    "AsyncClient": ("aio", "AsyncClient"),
    "BulkEntry": ("_bulk_result", "BulkEntry"),
    "BulkResult": ("_bulk_result", "BulkResult"),
    "create": ("client", "create"),
    "Connectors": ("_display", "Connectors"),
    "HttpRequest": ("_http", "HttpRequest"),
    "HttpResponse": ("_http", "HttpResponse"),
    "aio": ("aio", None),
    "backends": ("backends", None),
    "emulator": ("emulator", None),
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'ndes' has no attribute {name!r}")
    import sys

    module_name, attr = _LAZY[name]
    __import__(f"ndes.{module_name}")  # not importlib, one module more on the path to Client
    module = sys.modules[f"ndes.{module_name}"]
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # The lazy names too, for dir(), tab completion and IDEs, without importing them.
    return sorted(set(globals()) | set(_LAZY))
