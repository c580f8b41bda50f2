"""ndes: Microsoft Graph's ndesConnector (Intune's NDES connector, Graph beta) with a C core.

Build a connector, validate it, encode it to Graph's JSON or to MessagePack::

    import ndes
    c = ndes.NdesConnector(display_name="NDES-01", state="active")
    c.to_json()
"""

from __future__ import annotations

from ._core import NdesConnector
from ._state import NdesConnectorState
from .errors import DecodeError, NdesError, ValidationError

__all__ = [
    "DecodeError",
    "NdesConnector",
    "NdesConnectorState",
    "NdesError",
    "ValidationError",
    "__version__",
]

__version__ = "0.1.0"
