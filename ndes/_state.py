"""ndesConnectorState, kept apart from the C core so that the core can import it."""

from __future__ import annotations

import enum

__all__ = ["NdesConnectorState"]


class NdesConnectorState(str, enum.Enum):
    """The connector's state as Graph reports it.

    A state the server sends that this enum does not know yet is kept on the connector as a
    plain ``str`` and written back unchanged.
    """

    NONE = "none"
    ACTIVE = "active"
    INACTIVE = "inactive"

    def __str__(self) -> str:
        return self.value
