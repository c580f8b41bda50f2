"""An embedded Microsoft Graph stand-in for ndesConnectors: for development, tests, demos and CI.

    from ndes import Client
    from ndes.emulator import serve

    with serve() as emu, Client("any-token", base_url=emu.base_url) as client:
        created = client.create(display_name="NDES-01", state="active")
        assert emu.emulator.connectors == [created]

It validates a create the way Graph does (400 with Graph's error JSON for a bad state, a naive
date, malformed JSON, an unknown property or a wrong content type; 401 without a bearer token),
assigns an id and answers 201 with ``@odata.context``; GET lists or reads what it stored.
``emulator.inject(kind, count, **params)`` queues faults: see ``FAULT_KINDS``.
"""

from __future__ import annotations

from ._backend import AsyncEmulatorBackend, EmulatorBackend
from ._graph import FAULT_KINDS, GraphEmulator, SeenRequest
from ._server import EmulatorServer, serve

__all__ = [
    "FAULT_KINDS",
    "AsyncEmulatorBackend",
    "EmulatorBackend",
    "EmulatorServer",
    "GraphEmulator",
    "SeenRequest",
    "serve",
]
